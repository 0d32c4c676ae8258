"""Wires compensation. The servicer is the generated base until the compensation issue fills it in (UNIMPLEMENTED)."""

from __future__ import annotations

from kintsugi.v1 import compensation_pb2, compensation_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service


class CompensationService(Service):
    name = "compensation"

    def server_specs(self) -> list[ServerSpec]:
        servicer = compensation_pb2_grpc.CompensationServicer()
        return [
            ServerSpec(
                add_servicers=lambda server: compensation_pb2_grpc.add_CompensationServicer_to_server(servicer, server),
                service_names=[compensation_pb2.DESCRIPTOR.services_by_name["Compensation"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]
