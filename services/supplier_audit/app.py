"""Wires supplier_audit: settings → database → use cases → servicer, plus the overdue-CAPA worker."""

from __future__ import annotations

from kintsugi.v1 import supplier_audit_pb2, supplier_audit_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service
from services.supplier_audit.application.attributions import RecordAttribution
from services.supplier_audit.application.inspections import AlertWork, InspectionWork, RecallWork
from services.supplier_audit.application.master_data import MasterData
from services.supplier_audit.application.overdue import OverdueActions
from services.supplier_audit.application.reports import Reports
from services.supplier_audit.application.rules import RulesWork
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.servicer import SupplierAuditServicer


class SupplierAuditService(Service):
    name = "supplier_audit"

    def __init__(self, settings, endpoints=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings, endpoints)
        uow = self.uow
        self.record_attribution = RecordAttribution(uow)
        self.master = MasterData(uow)
        self.rules = RulesWork(uow)
        self.inspections = InspectionWork(uow)
        self.recalls = RecallWork(uow)
        self.alerts = AlertWork(uow)
        self.reports = Reports(uow)
        self.overdue = OverdueActions(uow)

    def uow(self) -> SupplierAuditUnitOfWork:
        return SupplierAuditUnitOfWork(self.session_factory)

    def server_specs(self) -> list[ServerSpec]:
        servicer = SupplierAuditServicer(
            record=self.record_attribution,
            master=self.master,
            rules=self.rules,
            inspections=self.inspections,
            recalls=self.recalls,
            alerts=self.alerts,
            reports=self.reports,
        )
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

    def background_workers(self) -> list:  # type: ignore[type-arg]
        return [lambda: self.overdue.run(self.settings.timers_poll_seconds)]
