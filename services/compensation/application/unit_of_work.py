"""Compensation's unit of work: one transaction over every compensation repository and the outbox."""

from __future__ import annotations

from sqlalchemy import text

from libs.db import UnitOfWork
from libs.outbox import OutboxMessage, enqueue
from services.compensation.adapters.repository import (
    BudgetRepository,
    CaseRepository,
    InstructionRepository,
    LedgerRepository,
    OfferRepository,
    OfferRequestRepository,
    PayoutRepository,
    PolicyRepository,
)


class CompensationUnitOfWork(UnitOfWork):
    def bind_repositories(self) -> None:
        self.policies = PolicyRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.offers = OfferRepository(self.session)
        self.offer_requests = OfferRequestRepository(self.session)
        self.budgets = BudgetRepository(self.session)
        self.ledger = LedgerRepository(self.session)
        self.payouts = PayoutRepository(self.session)
        self.instructions = InstructionRepository(self.session)
        self.outbox: list[OutboxMessage] = []

    async def commit(self) -> None:
        await enqueue(self.session, self.outbox)
        self.outbox = []
        await super().commit()

    async def snapshot(self) -> None:
        """Makes every read of this (read-only) transaction see one snapshot; call before the first query."""
        await self.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
