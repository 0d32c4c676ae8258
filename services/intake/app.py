"""Wires intake: settings → database → use cases → servicers."""

from __future__ import annotations

from kintsugi.v1 import intake_pb2, intake_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service
from services.intake.application.feedback import FeedbackUseCases
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.servicer import IntakeServicer
from services.intake.settings import IntakeSettings


class IntakeService(Service):
    name = "intake"
    settings: IntakeSettings

    def __init__(self, settings: IntakeSettings, endpoints=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings, endpoints)
        self.feedback = FeedbackUseCases(lambda: IntakeUnitOfWork(self.session_factory), on_commit=self.nudge_relay)

    def server_specs(self) -> list[ServerSpec]:
        servicer = IntakeServicer(self.feedback)
        return [
            ServerSpec(
                add_servicers=lambda server: intake_pb2_grpc.add_IntakeServicer_to_server(servicer, server),
                service_names=[intake_pb2.DESCRIPTOR.services_by_name["Intake"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]
