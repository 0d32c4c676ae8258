"""Wires intake: settings → database → use cases → servicers (internal port and partner port) and workers."""

from __future__ import annotations

from kintsugi.v1 import intake_pb2, intake_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service
from services.intake.adapters.triage_feed import TRIAGE_BATCH_ROUTES
from services.intake.application.feedback import FeedbackUseCases
from services.intake.application.logistics_signals import LogisticsSignals
from services.intake.application.partner_stream import PartnerIngest
from services.intake.application.partners import PartnerUseCases
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.servicer import IntakeServicer, LogisticsIngestServicer
from services.intake.settings import IntakeSettings


class IntakeService(Service):
    name = "intake"
    relay_batch_routes = TRIAGE_BATCH_ROUTES
    settings: IntakeSettings

    def __init__(self, settings: IntakeSettings, endpoints=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings, endpoints)
        self.feedback = FeedbackUseCases(self.uow, on_commit=self.nudge_relay)
        self.partners = PartnerUseCases(self.uow)
        self.signals = LogisticsSignals(
            self.uow, self.feedback, on_commit=self.nudge_relay, batch_size=settings.signals_batch_size
        )
        self.ingest = PartnerIngest(
            self.uow,
            self.signals,
            on_commit=self.nudge_relay,
            chunk_size=settings.partner_chunk_size,
            max_events=settings.partner_max_events_per_stream,
            flush_seconds=settings.partner_flush_seconds,
        )

    def uow(self) -> IntakeUnitOfWork:
        return IntakeUnitOfWork(self.session_factory)

    def server_specs(self) -> list[ServerSpec]:
        servicer = IntakeServicer(self.feedback, self.signals)
        partner_servicer = LogisticsIngestServicer(self.partners, self.ingest)
        return [
            ServerSpec(
                add_servicers=lambda server: intake_pb2_grpc.add_IntakeServicer_to_server(servicer, server),
                service_names=[intake_pb2.DESCRIPTOR.services_by_name["Intake"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            ),
            ServerSpec(
                add_servicers=lambda server: intake_pb2_grpc.add_LogisticsIngestServicer_to_server(
                    partner_servicer, server
                ),
                service_names=[intake_pb2.DESCRIPTOR.services_by_name["LogisticsIngest"].full_name],
                port=self.settings.partner_port,
                host=self.settings.host,
                max_message_bytes=self.settings.partner_max_message_bytes,
            ),
        ]

    def background_workers(self) -> list:  # type: ignore[type-arg]
        return [lambda: self.signals.run(self.settings.timers_poll_seconds)]
