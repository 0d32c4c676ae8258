"""Shared steps of case use cases: who gets a case, and when its SLA timers fire."""

from __future__ import annotations

from datetime import datetime

from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.case import Case, TimelineEntry
from services.triage.domain.case_state import state_after_assignment
from services.triage.domain.sla import ShopCalendar, SlaClock, executive_at


async def assign_automatically(uow: TriageUnitOfWork, case: Case, now: datetime) -> None:
    """The product line's owner; else the least-loaded agent on shift; else the case waits unassigned."""
    agent = await uow.staff.owner_of(case.shop_id, case.product_line) if case.product_line else None
    reason = "product line owner"
    if agent is None:
        on_shift = await uow.staff.on_shift(case.shop_id, now)
        if on_shift:
            load = await uow.cases.open_count_by_agent(case.shop_id, on_shift)
            agent = min(on_shift, key=lambda a: (load[a], a))
            reason = f"least loaded on shift ({load[agent]} open)"
    if agent is None:
        return
    before = case.state
    case.state = str(state_after_assignment(case.state))
    case.assignee = agent
    await uow.cases.record(
        case.shop_id, case.id, TimelineEntry(now, "system", "assigned", before, case.state, f"{agent}: {reason}")
    )


def _times(clock: SlaClock, calendar: ShopCalendar) -> dict[str, datetime | None]:
    if clock.is_paused or clock.is_stopped:
        return {"warning": None, "breach": None, "executive": None}
    return {"warning": clock.warning_at, "breach": clock.due, "executive": executive_at(clock, calendar)}


async def schedule_clocks(uow: TriageUnitOfWork, case: Case, calendar: ShopCalendar) -> None:
    """(Re)sets the case's timers from its clocks; a paused or stopped clock has none pending."""
    await uow.timers.schedule(
        case.shop_id,
        case.id,
        {
            "first_response": _times(case.first_response_clock, calendar),
            "resolution": _times(case.resolution_clock, calendar),
        },
    )
