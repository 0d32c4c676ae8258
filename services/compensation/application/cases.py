"""ReceiveCase: a case from triage's outbox is stored once and, for flash categories, compensated at once.

One transaction: store the case facts (idempotent by shop and case id); for a case of a flash category
with a known order value, propose from the ladder; a flash decision (unboxing video, amount within the
flash limit and the remaining budget) approves and pays in the same transaction and appends the video's
hash to the evidence log through the outbox. Without a video or above the limit the offer waits for a
supervisor (pending_approval, reason ``flash_<why>``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from opentelemetry import trace

from libs.ids import new_id
from libs.timeutil import utcnow
from services.compensation.adapters.evidence_feed import flash_payout_evidence
from services.compensation.adapters.repository import StoredOffer, StoredPolicy
from services.compensation.application.common import current_budget, policy_of, prepare_payment, record
from services.compensation.application.ports import PayoutProvider
from services.compensation.application.unit_of_work import CompensationUnitOfWork
from services.compensation.domain import workflow
from services.compensation.domain.case import CaseFacts
from services.compensation.domain.flash import find_unboxing_video
from services.compensation.domain.ladder import select_level
from services.compensation.domain.offer import Actor
from services.compensation.domain.vocabulary import OfferState

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kintsugi.compensation")

FLASH_ACTOR = Actor.system("flash")


@dataclass(frozen=True)
class Received:
    duplicate: bool
    offer_id: str | None = None
    state: str | None = None
    payout_id: str | None = None


class ReceiveCase:
    def __init__(
        self,
        uow_factory: Callable[[], CompensationUnitOfWork],
        provider: PayoutProvider,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._provider = provider
        self._clock = clock
        self._on_commit = on_commit

    async def __call__(self, case: CaseFacts) -> Received:
        """Idempotent by (shop_id, case_id): a redelivery changes nothing."""
        now = self._clock()
        async with self._uow() as uow:
            if not await uow.cases.add(case, received_at=now):
                return Received(duplicate=True)
            stored = await policy_of(uow, case.shop_id)
            policy = stored.policy
            result = Received(duplicate=False)
            if case.category in policy.flash_categories and case.order_value is not None:
                result = await self._flash(uow, stored, case, now)
            if self._on_commit is not None:
                uow.after_commit(self._on_commit)
            await uow.commit()
            return result

    async def _flash(
        self, uow: CompensationUnitOfWork, stored: StoredPolicy, case: CaseFacts, now: datetime
    ) -> Received:
        policy = stored.policy
        assert case.order_value is not None
        with tracer.start_as_current_span("compensation.flash_decision") as span:
            decision = select_level(
                policy,
                category=case.category,
                severity=case.severity,
                tier=case.customer_tier,
                order_value=case.order_value,
            )
            budget = await current_budget(uow, stored, case.shop_id, now, lock=True)
            outcome = workflow.propose(
                policy,
                offer_id=new_id("off"),
                case_id=case.case_id,
                decision=decision,
                proposer=FLASH_ACTOR,
                budget=budget,
                at=now,
                media=case.media,
            )
            flash = outcome.flash
            span.set_attribute("kintsugi.compensation.flash", bool(flash and flash.auto_approve))
            span.set_attribute("kintsugi.compensation.flash_reason", flash.reason if flash else "")
        offer = outcome.offer
        if not (offer.flash and offer.state == OfferState.APPROVED):
            uow.offers.add(StoredOffer(offer), now=now)
            record(uow, budget, outcome)
            return Received(duplicate=False, offer_id=offer.offer_id, state=str(offer.state))
        paid = await prepare_payment(
            self._provider,
            uow,
            offer=offer,
            budget=outcome.budget,
            customer_id=case.customer_id,
            order_id=case.order_id,
            actor=FLASH_ACTOR,
            key=f"flash:{case.case_id}",
            now=now,
        )
        # Proposed, approved and paid in this transaction: the offer row is new, the budget moves once.
        uow.payouts.add(paid.payout)
        uow.offers.add(StoredOffer(paid.offer), now=now)
        uow.ledger.post(outcome.transactions + paid.outcome.transactions)
        uow.budgets.apply(budget, paid.outcome.budget)
        video = find_unboxing_video(case.media)
        assert video is not None  # a flash approval needs one
        uow.outbox.append(
            flash_payout_evidence(
                shop_id=case.shop_id,
                case_id=case.case_id,
                payout_id=paid.payout.payout_id,
                video=video,
                captured_at=case.created_at,
            )
        )
        log.info("flash payout %s for case %s of shop %s", paid.payout.payout_id, case.case_id, case.shop_id)
        return Received(
            duplicate=False, offer_id=offer.offer_id, state=str(paid.offer.state), payout_id=paid.payout.payout_id
        )
