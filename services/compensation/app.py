"""Wires compensation: settings → database → payout provider → use cases → servicer (outbox relay to evidence)."""

from __future__ import annotations

from kintsugi.v1 import compensation_pb2, compensation_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service
from services.compensation.adapters.payments import PaymentStore
from services.compensation.adapters.payout_provider import LocalPayoutProvider
from services.compensation.application.budgets import BudgetWork
from services.compensation.application.cases import ReceiveCase
from services.compensation.application.offers import OfferWork
from services.compensation.application.reports import Reports
from services.compensation.application.unit_of_work import CompensationUnitOfWork
from services.compensation.servicer import CompensationServicer


class CompensationService(Service):
    name = "compensation"

    def __init__(self, settings, endpoints=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings, endpoints)
        uow = self.uow
        provider = LocalPayoutProvider()
        self.receive_case = ReceiveCase(uow, provider, on_commit=self.nudge_relay)
        payments = PaymentStore(self.engine, connections=min(settings.payment_connections, settings.db_pool_size))
        self.offers = OfferWork(uow, payments.session, provider)
        self.budgets = BudgetWork(uow)
        self.reports = Reports(uow)

    def uow(self) -> CompensationUnitOfWork:
        return CompensationUnitOfWork(self.session_factory)

    def server_specs(self) -> list[ServerSpec]:
        servicer = CompensationServicer(self.receive_case, self.offers, self.budgets, self.reports)
        return [
            ServerSpec(
                add_servicers=lambda server: compensation_pb2_grpc.add_CompensationServicer_to_server(servicer, server),
                service_names=[compensation_pb2.DESCRIPTOR.services_by_name["Compensation"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]
