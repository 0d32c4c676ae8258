"""Evidence's unit of work: one transaction over the log, heads, suspicions, appeals and the registry."""

from __future__ import annotations

from libs.db import UnitOfWork
from services.evidence.adapters.repository import (
    AppealRepository,
    HeadRepository,
    LogRepository,
    RegistryRepository,
    SuspicionRepository,
)


class EvidenceUnitOfWork(UnitOfWork):
    log: LogRepository
    heads: HeadRepository
    suspicions: SuspicionRepository
    appeals: AppealRepository
    registry: RegistryRepository

    def bind_repositories(self) -> None:
        self.log = LogRepository(self.session)
        self.heads = HeadRepository(self.session)
        self.suspicions = SuspicionRepository(self.session)
        self.appeals = AppealRepository(self.session)
        self.registry = RegistryRepository(self.session)
