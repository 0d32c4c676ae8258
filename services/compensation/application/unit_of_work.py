"""Compensation's unit of work: one transaction over every compensation repository and the outbox.

Repositories queue the writes nobody waits for; they reach the database as one statement when the unit
of work flushes, which ``commit`` does first.
"""

from __future__ import annotations

from opentelemetry import propagate
from sqlalchemy import text

from libs.db import UnitOfWork
from libs.outbox import OutboxMessage, outbox
from services.compensation.adapters.repository import (
    BudgetRepository,
    CaseRepository,
    InstructionRepository,
    LedgerRepository,
    OfferRepository,
    OfferRequestRepository,
    PayoutRepository,
    PolicyRepository,
    Writes,
)


class CompensationUnitOfWork(UnitOfWork):
    def bind_repositories(self) -> None:
        self.writes = Writes()
        self.policies = PolicyRepository(self.session, self.writes)
        self.cases = CaseRepository(self.session, self.writes)
        self.offers = OfferRepository(self.session, self.writes)
        self.offer_requests = OfferRequestRepository(self.session, self.writes)
        self.budgets = BudgetRepository(self.session, self.writes)
        self.ledger = LedgerRepository(self.session, self.writes)
        self.payouts = PayoutRepository(self.session, self.writes)
        self.instructions = InstructionRepository(self.session, self.writes)
        self.outbox: list[OutboxMessage] = []

    async def flush(self) -> None:
        """Sends the queued writes (reads after this see them)."""
        await self.writes.flush(self.session)

    async def commit(self) -> None:
        if self.outbox:
            # The outbox rows (libs.outbox's table and trace context) go with the other queued writes.
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            for m in self.outbox:
                self.writes.insert(
                    outbox,
                    {
                        "shop_id": m.shop_id,
                        "destination": m.destination,
                        "method": m.method,
                        "payload": m.payload,
                        "source_id": m.source_id,
                        "trace_context": carrier,
                    },
                )
            self.outbox = []
        await self.flush()
        await super().commit()

    async def snapshot(self) -> None:
        """Makes every read of this (read-only) transaction see one snapshot; call before the first query."""
        await self.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
