"""Wires evidence. The servicer is the generated base until the evidence issue fills it in (UNIMPLEMENTED)."""

from __future__ import annotations

from kintsugi.v1 import evidence_pb2, evidence_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service


class EvidenceService(Service):
    name = "evidence"

    def server_specs(self) -> list[ServerSpec]:
        servicer = evidence_pb2_grpc.EvidenceServicer()
        return [
            ServerSpec(
                add_servicers=lambda server: evidence_pb2_grpc.add_EvidenceServicer_to_server(servicer, server),
                service_names=[evidence_pb2.DESCRIPTOR.services_by_name["Evidence"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]
