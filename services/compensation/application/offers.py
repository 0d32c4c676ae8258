"""Offer work: propose from the ladder, approve and reject (maker-checker), pay once, reverse, read.

Each public method is one use case in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime

from libs.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from libs.ids import new_id
from libs.paging import decode_token, encode_token, page_size
from libs.timeutil import utcnow
from services.compensation.adapters.payments import PaymentSession
from services.compensation.adapters.repository import PayoutView, StoredOffer, offer_from_values, offer_values
from services.compensation.application.common import (
    budget_of_offer,
    check_key,
    current_budget,
    not_found,
    policy_of,
    prepare_payment,
    record,
)
from services.compensation.application.ports import PayoutInstruction, PayoutProvider
from services.compensation.application.unit_of_work import CompensationUnitOfWork
from services.compensation.domain import workflow
from services.compensation.domain.ladder import select_level, with_manual_amount
from services.compensation.domain.money import Money
from services.compensation.domain.offer import Actor, require_text
from services.compensation.domain.vocabulary import OfferState, parse_enum


@dataclass(frozen=True)
class ProposeCommand:
    shop_id: str
    case_id: str
    actor: Actor
    level: int | None = None
    amount: Money | None = None
    shipping_fee: Money | None = None
    order_value: Money | None = None
    note: str = ""
    idempotency_key: str = ""

    def fingerprint(self) -> str:
        """What makes two requests with one idempotency key "the same request"."""

        def money(m: Money | None) -> list[object] | None:
            return [m.amount_minor, m.currency] if m is not None else None

        body = {
            "case_id": self.case_id,
            "level": self.level,
            "amount": money(self.amount),
            "shipping_fee": money(self.shipping_fee),
            "order_value": money(self.order_value),
            "note": self.note,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PayoutResult:
    payout: PayoutView
    replayed: bool


class OfferWork:
    def __init__(
        self,
        uow_factory: Callable[[], CompensationUnitOfWork],
        payments: Callable[[], AbstractAsyncContextManager[PaymentSession]],
        provider: PayoutProvider,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._payments = payments
        self._provider = provider
        self._clock = clock

    # --- propose ------------------------------------------------------------------------------

    async def propose(self, cmd: ProposeCommand) -> StoredOffer:
        """A new offer for a received case; a replay of its idempotency key returns the first answer."""
        require_text(cmd.note, "note")
        check_key(cmd.idempotency_key)
        now = self._clock()
        offer_id = new_id("off")
        async with self._uow() as uow:
            if cmd.idempotency_key:
                claimed = await uow.offer_requests.claim(
                    cmd.shop_id, cmd.idempotency_key, request_hash=cmd.fingerprint(), offer_id=offer_id, now=now
                )
                if claimed is not None:
                    if claimed.request_hash != cmd.fingerprint() or claimed.response is None:
                        raise AlreadyExists("this Idempotency-Key was already used with another request")
                    return offer_from_values(claimed.response)
            case = await uow.cases.get(cmd.shop_id, cmd.case_id, for_update=True)
            if case is None:
                raise not_found("case")
            live = await uow.offers.live_for_case(cmd.shop_id, cmd.case_id)
            if live is not None:
                raise FailedPrecondition(
                    f"case {cmd.case_id} already has offer {live.offer_id} ({live.state}); "
                    "reject it before proposing another"
                )
            order_value = case.order_value
            if order_value is None:
                if cmd.order_value is None:
                    raise InvalidArgument.on("order_value", "the case came without an order value; give it here")
                order_value = cmd.order_value
            stored = await policy_of(uow, cmd.shop_id)
            decision = select_level(
                stored.policy,
                category=case.category,
                severity=case.severity,
                tier=case.customer_tier,
                order_value=order_value,
                shipping_fee=cmd.shipping_fee,
                manual_level=cmd.level,
            )
            if cmd.amount is not None:
                decision = with_manual_amount(decision, cmd.amount)
            budget = await current_budget(uow, stored, cmd.shop_id, now, lock=True)
            outcome = workflow.propose(
                stored.policy,
                offer_id=offer_id,
                case_id=case.case_id,
                decision=decision,
                proposer=cmd.actor,
                budget=budget,
                at=now,
                media=case.media,
            )
            result = StoredOffer(outcome.offer, cmd.note)
            uow.offers.add(result, now=now)
            record(uow, budget, outcome)
            if cmd.idempotency_key:
                uow.offer_requests.answer(cmd.shop_id, cmd.idempotency_key, offer_values(result, json_safe=True))
            await uow.commit()
            return result

    # --- decide -------------------------------------------------------------------------------

    async def approve(self, *, shop_id: str, offer_id: str, actor: Actor, note: str = "") -> StoredOffer:
        """A supervisor who did not propose the offer approves it (its amount becomes payable)."""
        require_text(note, "note")
        now = self._clock()
        async with self._uow() as uow:
            stored = await uow.offers.get(shop_id, offer_id, for_update=True)
            if stored is None:
                raise not_found("offer")
            budget = await budget_of_offer(uow, stored.offer)
            outcome = workflow.approve(stored.offer, budget, actor, at=now)
            uow.offers.save(outcome.offer, now=now)
            record(uow, budget, outcome)
            await uow.commit()
            return StoredOffer(outcome.offer, stored.note)

    async def reject(self, *, shop_id: str, offer_id: str, actor: Actor, reason: str = "") -> StoredOffer:
        """A supervisor rejects an offer that is not yet approved; its reservation goes back to the budget."""
        require_text(reason, "reason")
        now = self._clock()
        async with self._uow() as uow:
            stored = await uow.offers.get(shop_id, offer_id, for_update=True)
            if stored is None:
                raise not_found("offer")
            budget = await budget_of_offer(uow, stored.offer)
            outcome = workflow.reject(stored.offer, budget, actor, at=now, reason=reason)
            uow.offers.save(outcome.offer, now=now)
            record(uow, budget, outcome)
            await uow.commit()
            return StoredOffer(outcome.offer, stored.note)

    # --- pay ----------------------------------------------------------------------------------

    async def pay(self, *, shop_id: str, offer_id: str, actor: Actor, idempotency_key: str) -> PayoutResult:
        """Pays an approved offer once per idempotency key: concurrent and repeated calls get the same payout;
        the key with another offer is ALREADY_EXISTS.

        Optimistic: read the offer (no lock), decide in the domain, then record the payment in one statement
        (one transaction, committed when it returns) that applies only to the offer as read and only if the
        key and the offer have no payout yet (unique keys). A call that loses a race reads again and then
        finds the winner's payout (a replay), the offer paid under another key, or the key taken."""
        key = check_key(idempotency_key, required=True)
        async with self._payments() as db:
            for _ in range(3):
                ctx = await db.context(shop_id, offer_id, key)
                if ctx is None:
                    raise not_found("offer")
                offer = ctx.stored.offer
                if ctx.keyed_payout is not None:
                    return _replay(ctx.keyed_payout, offer_id)
                if offer.state == OfferState.PAID:
                    raise FailedPrecondition(
                        f"offer {offer_id} is already paid (payout {offer.payout_id}); "
                        "replay that payout's Idempotency-Key to get it"
                    )
                now = self._clock()
                paid = await prepare_payment(
                    self._provider,
                    db,
                    offer=offer,
                    budget=ctx.budget,
                    customer_id=ctx.customer_id,
                    order_id=ctx.order_id,
                    actor=actor,
                    key=key,
                    now=now,
                )
                if await db.record(read=ctx, outcome=paid.outcome, payout=paid.payout, now=now):
                    return PayoutResult(paid.payout, replayed=False)
        raise RuntimeError(f"offer {offer_id} kept changing while paying it with key {key!r}")

    async def reverse(self, *, shop_id: str, offer_id: str, actor: Actor, reason: str) -> PayoutView:
        """A supervisor undoes a payout: compensating ledger entries, budget given back, a reverse instruction."""
        now = self._clock()
        async with self._uow() as uow:
            stored = await uow.offers.get(shop_id, offer_id, for_update=True)
            if stored is None:
                raise not_found("offer")
            budget = await budget_of_offer(uow, stored.offer)
            outcome = workflow.reverse(stored.offer, budget, actor, at=now, reason=reason)
            payout = await uow.payouts.by_offer(shop_id, offer_id)
            assert payout is not None  # a paid offer has its payout
            case = await uow.cases.get(shop_id, stored.offer.case_id)
            await self._provider.submit(
                uow,
                PayoutInstruction(
                    instruction_id=new_id("pi"),
                    shop_id=shop_id,
                    payout_id=payout.payout_id,
                    action="reverse",
                    offer_id=offer_id,
                    case_id=stored.offer.case_id,
                    customer_id=case.customer_id if case else "",
                    order_id=case.order_id if case else "",
                    kind=str(stored.offer.kind),
                    period=stored.offer.budget_period,
                    amount=stored.offer.amount,
                    memo=f"reversal: {reason}",
                    created_at=now,
                ),
            )
            uow.payouts.add_reversal(payout, reason=reason, by=actor.actor_id, at=now)
            uow.offers.save(outcome.offer, now=now)
            record(uow, budget, outcome)
            await uow.commit()
            return replace(payout, reversed_by=actor.actor_id, reversal_reason=reason, reversed_at=now)

    # --- read ---------------------------------------------------------------------------------

    async def get(self, *, shop_id: str, offer_id: str) -> StoredOffer:
        async with self._uow() as uow:
            stored = await uow.offers.get(shop_id, offer_id)
        if stored is None:
            raise not_found("offer")
        return stored

    async def list(
        self, *, shop_id: str, size: int, token: str, case_id: str = "", state: str = ""
    ) -> tuple[list[StoredOffer], str]:
        """Newest first, with the token of the next page ("" at the end)."""
        limit = page_size(size)
        if state:
            parse_enum(OfferState, state, "state")
        after_key = decode_token(token)
        after = None
        if after_key is not None:
            try:
                after = (datetime.fromisoformat(after_key[0]), str(after_key[1]))
            except (ValueError, IndexError, TypeError):
                raise InvalidArgument.on("page_token", "is not a token this service issued") from None
        async with self._uow() as uow:
            items = await uow.offers.list(shop_id, limit=limit + 1, after=after, case_id=case_id, state=state)
        next_token = ""
        if len(items) > limit:
            items = items[:limit]
            last = items[-1].offer
            next_token = encode_token([last.proposed_at.isoformat(), last.offer_id])
        return items, next_token


def _replay(earlier: PayoutView, offer_id: str) -> PayoutResult:
    if earlier.offer_id != offer_id:
        raise AlreadyExists("this Idempotency-Key was already used to pay another offer")
    return PayoutResult(earlier, replayed=True)
