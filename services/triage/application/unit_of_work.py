"""Triage's unit of work: one transaction over every triage repository and the outbox."""

from __future__ import annotations

from libs.outbox import OutboxUnitOfWork
from services.triage.adapters.repository import (
    AlertRepository,
    AnalysisRepository,
    CaseRepository,
    CountsRepository,
    IncidentRepository,
    SettingsRepository,
    StaffRepository,
    TimerRepository,
)


class TriageUnitOfWork(OutboxUnitOfWork):
    def bind_repositories(self) -> None:
        self.settings = SettingsRepository(self.session)
        self.analyses = AnalysisRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.timers = TimerRepository(self.session)
        self.alerts = AlertRepository(self.session)
        self.incidents = IncidentRepository(self.session)
        self.staff = StaffRepository(self.session)
        self.counts = CountsRepository(self.session)
