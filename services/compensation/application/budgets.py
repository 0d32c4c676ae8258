"""Budgets and the ladder policy: read them, and let admins change the cap and the policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from libs.errors import FailedPrecondition
from libs.ids import new_id
from libs.timeutil import utcnow
from services.compensation.adapters.repository import StoredPolicy
from services.compensation.application.common import current_budget, policy_of, require_admin
from services.compensation.application.unit_of_work import CompensationUnitOfWork
from services.compensation.domain.budget import Budget, period_key
from services.compensation.domain.errors import CurrencyMismatch, InvalidInput
from services.compensation.domain.ledger import cap_adjustment_txn
from services.compensation.domain.money import Money
from services.compensation.domain.offer import Actor
from services.compensation.domain.policy import LadderPolicy

MAX_POLICY_BYTES = 256 * 1024


class BudgetWork:
    def __init__(
        self, uow_factory: Callable[[], CompensationUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def budget(self, *, shop_id: str) -> Budget:
        """The current period's budget (as it would open, when nothing has touched it yet)."""
        now = self._clock()
        async with self._uow() as uow:
            stored = await policy_of(uow, shop_id)
            policy = stored.policy
            period = period_key(now, policy.timezone, policy.budget_period)
            budget = await uow.budgets.get(shop_id, period)
        return budget or Budget.open(shop_id, period, Money(policy.budget_cap_minor, policy.currency))

    async def set_cap(self, *, shop_id: str, actor: Actor, cap: Money) -> Budget:
        """An admin changes the current period's cap; the difference is posted to the ledger."""
        require_admin(actor, "set the budget cap")
        now = self._clock()
        async with self._uow() as uow:
            stored = await policy_of(uow, shop_id)
            budget = await current_budget(uow, stored, shop_id, now, lock=True)
            if cap.currency != budget.currency:
                raise CurrencyMismatch("cap.currency", f"the budget is in {budget.currency}")
            txn = cap_adjustment_txn(
                budget, cap, txn_id=f"budget/{shop_id}/{budget.period}/cap/{new_id('adj')}", at=now
            )
            updated = budget.with_cap(cap)
            if txn is not None:
                uow.ledger.post([txn])
                uow.budgets.apply(budget, updated)
            await uow.commit()
            return updated

    async def policy(self, *, shop_id: str) -> StoredPolicy:
        async with self._uow() as uow:
            return await policy_of(uow, shop_id)

    async def set_policy(self, *, shop_id: str, actor: Actor, policy_json: str) -> StoredPolicy:
        """An admin replaces the shop's policy: the JSON object is overlaid on the defaults and validated.
        Without a "version" the new revision is called r<revision>."""
        require_admin(actor, "set the compensation policy")
        if len(policy_json.encode()) > MAX_POLICY_BYTES:
            raise InvalidInput("policy", f"must be at most {MAX_POLICY_BYTES} bytes")
        try:
            data = json.loads(policy_json)
        except ValueError as exc:
            raise InvalidInput("policy", f"not valid JSON: {exc}") from None
        policy = LadderPolicy.from_dict(data)
        now = self._clock()
        async with self._uow() as uow:
            current = await policy_of(uow, shop_id)
            revision = current.revision + 1
            if "version" not in data:
                policy = replace(policy, version=f"r{revision}")
            if not await uow.policies.add(shop_id, revision=revision, policy=policy, set_by=actor.actor_id, set_at=now):
                raise FailedPrecondition("the policy was changed at the same time; read it again and retry")
            await uow.commit()
        return StoredPolicy(policy, revision, actor.actor_id, now)
