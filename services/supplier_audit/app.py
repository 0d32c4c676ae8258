"""Wires supplier_audit; the servicer stays the generated base (UNIMPLEMENTED) until its issue lands."""

from __future__ import annotations

from kintsugi.v1 import supplier_audit_pb2, supplier_audit_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service


class SupplierAuditService(Service):
    name = "supplier_audit"

    def server_specs(self) -> list[ServerSpec]:
        servicer = supplier_audit_pb2_grpc.SupplierAuditServicer()
        return [
            ServerSpec(
                add_servicers=lambda server: supplier_audit_pb2_grpc.add_SupplierAuditServicer_to_server(
                    servicer, server
                ),
                service_names=[supplier_audit_pb2.DESCRIPTOR.services_by_name["SupplierAudit"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]
