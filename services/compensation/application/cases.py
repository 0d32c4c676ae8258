"""ReceiveCase: a case from triage's outbox is stored once and, for flash categories, compensated at once.

A delivery of many cases is one transaction (each alone only if that fails). Per case: store the case
facts (idempotent by shop and case id); for a case of a flash category with a known order value,
propose from the ladder; a flash decision (unboxing video, amount within the flash limit and the
remaining budget) approves and pays in the same transaction and appends the video's hash to the
evidence log through the outbox. Without a video or above the limit the offer waits for a supervisor
(pending_approval, reason ``flash_<why>``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from opentelemetry import trace

from libs.batching import together_else_alone
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
        outcome = (await self.many([case]))[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def many(self, cases: Sequence[CaseFacts]) -> list[Received | Exception]:
        """Each case's outcome, in order: all in one transaction, or, should that fail, each alone."""
        return await together_else_alone(cases, self._all_at_once, lambda c: f"receiving case {c.case_id}")

    async def _all_at_once(self, cases: Sequence[CaseFacts]) -> list[Received]:
        now = self._clock()
        results: dict[tuple[str, str], Received] = {}
        async with self._uow() as uow:
            new = await uow.cases.add_many(cases, received_at=now)
            policies: dict[str, StoredPolicy] = {}
            # Shops in one order: two deliveries lock the budgets they share in the same order.
            for case in sorted(cases, key=lambda c: (c.shop_id, c.case_id)):
                key = (case.shop_id, case.case_id)
                if key in results or key not in new:
                    results.setdefault(key, Received(duplicate=True))
                    continue
                results[key] = Received(duplicate=False)
                if case.order_value is None:
                    continue
                if case.shop_id not in policies:
                    policies[case.shop_id] = await policy_of(uow, case.shop_id)
                if case.category in policies[case.shop_id].policy.flash_categories:
                    results[key] = await self._flash(uow, policies[case.shop_id], case, now)
            if self._on_commit is not None:
                uow.after_commit(self._on_commit)
            await uow.commit()
        # A case given twice in one delivery: the first is taken, the second is its duplicate.
        seen: set[tuple[str, str]] = set()
        outcomes = []
        for case in cases:
            key = (case.shop_id, case.case_id)
            outcomes.append(results[key] if key not in seen else Received(duplicate=True))
            seen.add(key)
        return outcomes

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
