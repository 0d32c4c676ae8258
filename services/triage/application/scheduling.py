"""Shared steps of case use cases: who gets a case, and when its SLA timers fire."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.case import Case, TimelineEntry
from services.triage.domain.case_state import state_after_assignment
from services.triage.domain.sla import ShopCalendar, SlaClock, executive_at


class Assigner:
    """Automatic assignment of new cases within one transaction: the product line's owner; else the
    least-loaded agent on shift; else the case waits unassigned. Owners, shifts and loads are read once
    per transaction, and the load counts the cases this assigner handed out."""

    def __init__(self, uow: TriageUnitOfWork, now: datetime) -> None:
        self._uow = uow
        self._now = now
        self._owners: dict[tuple[str, str], str | None] = {}
        self._on_shift: dict[str, list[str]] = {}
        self._open_before: dict[str, dict[str, int]] = {}
        self._handed_out: Counter[tuple[str, str]] = Counter()

    async def assign(self, case: Case) -> TimelineEntry | None:
        """Assigns the case (in memory); the timeline entry saying who and why, or None."""
        agent, reason = await self._owner(case), "product line owner"
        if agent is None:
            on_shift = await self._agents_on_shift(case.shop_id)
            if on_shift:
                load = await self._loads(case.shop_id, on_shift)
                agent = min(on_shift, key=lambda a: (load[a], a))
                reason = f"least loaded on shift ({load[agent]} open)"
        if agent is None:
            return None
        self._handed_out[(case.shop_id, agent)] += 1
        before = case.state
        case.state = str(state_after_assignment(case.state))
        case.assignee = agent
        return TimelineEntry(self._now, "system", "assigned", before, case.state, f"{agent}: {reason}")

    async def _owner(self, case: Case) -> str | None:
        if not case.product_line:
            return None
        key = (case.shop_id, case.product_line)
        if key not in self._owners:
            self._owners[key] = await self._uow.staff.owner_of(case.shop_id, case.product_line)
        return self._owners[key]

    async def _agents_on_shift(self, shop_id: str) -> list[str]:
        if shop_id not in self._on_shift:
            self._on_shift[shop_id] = await self._uow.staff.on_shift(shop_id, self._now)
        return self._on_shift[shop_id]

    async def _loads(self, shop_id: str, agents: list[str]) -> dict[str, int]:
        """Open cases per agent: those stored (read once; this transaction's new cases are stored only
        after every assignment) plus those handed out here."""
        if shop_id not in self._open_before:
            self._open_before[shop_id] = await self._uow.cases.open_count_by_agent(shop_id, agents)
        return {a: self._open_before[shop_id][a] + self._handed_out[(shop_id, a)] for a in agents}


def _times(clock: SlaClock, calendar: ShopCalendar) -> dict[str, datetime | None]:
    if clock.is_paused or clock.is_stopped:
        return {"warning": None, "breach": None, "executive": None}
    return {"warning": clock.warning_at, "breach": clock.due, "executive": executive_at(clock, calendar)}


def clock_plan(case: Case, calendar: ShopCalendar) -> tuple[str, str, dict[str, dict[str, datetime | None]]]:
    """When the case's timers fire; a paused or stopped clock has none pending."""
    return (
        case.shop_id,
        case.id,
        {
            "first_response": _times(case.first_response_clock, calendar),
            "resolution": _times(case.resolution_clock, calendar),
        },
    )


async def schedule_clocks(uow: TriageUnitOfWork, case: Case, calendar: ShopCalendar) -> None:
    """(Re)sets the case's timers from its clocks."""
    await uow.timers.schedule_many([clock_plan(case, calendar)])
