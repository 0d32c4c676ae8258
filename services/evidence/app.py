"""Wires evidence: settings → keys → database → use cases → servicer, plus the head-signing worker."""

from __future__ import annotations

from kintsugi.v1 import evidence_pb2, evidence_pb2_grpc

from libs.grpc_server import ServerSpec
from libs.service import Service
from services.evidence.adapters.keys import load_registry_key, load_signing_key
from services.evidence.application.appeals import Appeals
from services.evidence.application.heads import TreeHeads
from services.evidence.application.log import EvidenceLog
from services.evidence.application.registry import Registry
from services.evidence.application.suspicions import SuspectedReviews
from services.evidence.application.unit_of_work import EvidenceUnitOfWork
from services.evidence.servicer import EvidenceServicer
from services.evidence.settings import EvidenceSettings


class EvidenceService(Service):
    name = "evidence"
    uses_outbox = False  # evidence receives hand-offs but sends none

    def __init__(self, settings: EvidenceSettings, endpoints=None) -> None:  # type: ignore[no-untyped-def]
        # Keys first: in production a missing key is a start-up error, before anything listens.
        signing_key = load_signing_key(settings.signing_key_file, env=settings.env)
        registry_key = load_registry_key(
            settings.registry_key.get_secret_value() if settings.registry_key else None,
            signing_key_file=settings.signing_key_file,
            env=settings.env,
        )
        super().__init__(settings, endpoints)
        uow = self.uow
        self.heads = TreeHeads(
            uow,
            signing_key,
            every_entries=settings.head_every_entries,
            interval_seconds=settings.head_interval_seconds,
        )
        self.log = EvidenceLog(uow, max_batch=settings.max_batch, on_appended=self.heads.note_appended)
        self.suspicions = SuspectedReviews(uow, on_appended=self.heads.note_appended)
        self.appeals = Appeals(uow, self.heads, registry_key)
        self.registry = Registry(uow, registry_key)

    def uow(self) -> EvidenceUnitOfWork:
        return EvidenceUnitOfWork(self.session_factory)

    async def start(self) -> None:
        await self.heads.publish_key()
        await super().start()

    def server_specs(self) -> list[ServerSpec]:
        servicer = EvidenceServicer(self.log, self.heads, self.suspicions, self.appeals, self.registry)
        return [
            ServerSpec(
                add_servicers=lambda server: evidence_pb2_grpc.add_EvidenceServicer_to_server(servicer, server),
                service_names=[evidence_pb2.DESCRIPTOR.services_by_name["Evidence"].full_name],
                port=self.settings.grpc_port,
                host=self.settings.host,
                max_message_bytes=self.settings.max_message_bytes,
            )
        ]

    def background_workers(self) -> list:  # type: ignore[type-arg]
        return [self.heads.run]
