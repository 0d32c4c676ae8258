"""Wires triage: settings → database → use cases → servicer, plus the SLA timer loop."""

from __future__ import annotations

from kintsugi.v1 import triage_pb2, triage_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service
from services.triage.adapters.handoffs import HANDOFF_BATCH_ROUTES
from services.triage.application.cases import CaseWork
from services.triage.application.insights import Insights
from services.triage.application.intake_flow import TriageFeedback
from services.triage.application.timers import SlaTimers
from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.analysis.sentiment import default_model
from services.triage.servicer import TriageServicer


class TriageService(Service):
    name = "triage"
    relay_batch_routes = HANDOFF_BATCH_ROUTES

    def __init__(self, settings, endpoints=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings, endpoints)
        default_model()  # load the sentiment model once, before the first request
        uow = self.uow
        self.triage_feedback = TriageFeedback(uow, on_commit=self.nudge_relay)
        self.cases = CaseWork(uow)
        self.insights = Insights(uow)
        self.timers = SlaTimers(uow)

    def uow(self) -> TriageUnitOfWork:
        return TriageUnitOfWork(self.session_factory)

    def server_specs(self) -> list[ServerSpec]:
        servicer = TriageServicer(self.triage_feedback, self.cases, self.insights, self.uow)
        return [
            ServerSpec(
                add_servicers=lambda server: triage_pb2_grpc.add_TriageServicer_to_server(servicer, server),
                service_names=[triage_pb2.DESCRIPTOR.services_by_name["Triage"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]

    def background_workers(self) -> list:  # type: ignore[type-arg]
        return [lambda: self.timers.run(self.settings.timers_poll_seconds)]
