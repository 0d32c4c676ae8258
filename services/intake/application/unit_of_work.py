"""Intake's unit of work: one transaction with its repositories and the outbox."""

from __future__ import annotations

from libs.outbox import OutboxUnitOfWork
from services.intake.adapters.logistics_repository import LogisticsRepository
from services.intake.adapters.partner_repository import PartnerRepository
from services.intake.adapters.repository import FeedbackRepository, IdempotencyKeys


class IntakeUnitOfWork(OutboxUnitOfWork):
    feedback: FeedbackRepository
    partners: PartnerRepository
    logistics: LogisticsRepository

    def bind_repositories(self) -> None:
        self.feedback = FeedbackRepository(self.session)
        self.idempotency = IdempotencyKeys(self.session)
        self.partners = PartnerRepository(self.session)
        self.logistics = LogisticsRepository(self.session)
