"""Working a case: read, list, assign, move through the state machine, escalate, annotate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from libs.errors import InvalidArgument, NotFound
from libs.ids import new_id
from libs.paging import decode_keyset, encode_token, page_size
from libs.timeutil import utcnow
from services.triage.application.scheduling import schedule_clocks
from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.case import Case, Task, TimelineEntry, public_reply
from services.triage.domain.case_state import (
    CaseState,
    ClockAction,
    ClockName,
    clock_effects,
    state_after_assignment,
    transition,
)
from services.triage.domain.sla import ShopCalendar, SlaClock, escalate, pause, resume, start_clock, stop

MAX_NOTE = 2000
FOLLOW_UP_AFTER = timedelta(days=7)


def _note(note: str) -> str:
    if len(note) > MAX_NOTE:
        raise InvalidArgument.on("note", f"must be at most {MAX_NOTE} characters")
    return note


def _apply(clock: SlaClock, action: ClockAction, at: datetime, calendar: ShopCalendar) -> SlaClock:
    if action is ClockAction.PAUSE:
        return pause(clock, at)
    if action is ClockAction.RESUME:
        return resume(clock, at, calendar)
    if action is ClockAction.STOP:
        return stop(clock, at, calendar)
    # RESTART: a fresh clock of the same length from now
    from services.triage.domain.sla import SlaTarget

    return start_clock(at, SlaTarget(clock.allowed, clock.basis, clock.reason), calendar)


class CaseWork:
    def __init__(self, uow_factory: Callable[[], TriageUnitOfWork], *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def _load(self, uow: TriageUnitOfWork, shop_id: str, case_id: str, *, for_update: bool = False) -> Case:
        case = await uow.cases.get(shop_id, case_id, for_update=for_update)
        if case is None:
            raise NotFound(f"case {case_id} not found")
        return case

    async def _full(self, uow: TriageUnitOfWork, case: Case) -> Case:
        case.timeline = await uow.cases.timeline(case.shop_id, case.id)
        case.tasks = await uow.cases.tasks(case.shop_id, case.id)
        return case

    async def get(self, *, shop_id: str, case_id: str) -> Case:
        async with self._uow() as uow:
            return await self._full(uow, await self._load(uow, shop_id, case_id))

    async def list(self, *, shop_id: str, size: int, token: str, **filters) -> tuple[list[Case], str]:  # type: ignore[no-untyped-def]
        limit = page_size(size)
        if filters.get("priority") and filters["priority"] not in ("P1", "P2", "P3"):
            raise InvalidArgument.on("priority", "must be P1, P2 or P3")
        if filters.get("state") and filters["state"] not in {s.value for s in CaseState}:
            raise InvalidArgument.on("state", f"must be one of {', '.join(s.value for s in CaseState)}")
        async with self._uow() as uow:
            items = await uow.cases.page(shop_id, limit=limit + 1, after=decode_keyset(token), **filters)
        next_token = ""
        if len(items) > limit:
            items = items[:limit]
            next_token = encode_token([items[-1].created_at.isoformat(), items[-1].id])
        return items, next_token

    async def assign(self, *, shop_id: str, case_id: str, agent_id: str, actor: str) -> Case:
        now = self._clock()
        async with self._uow() as uow:
            case = await self._load(uow, shop_id, case_id, for_update=True)
            agent = await uow.staff.agent(shop_id, agent_id)
            if agent is None or not agent.active:
                raise InvalidArgument.on("agent_id", "no active agent with this id in this shop")
            before = case.state
            case.state = str(state_after_assignment(case.state))
            case.assignee = agent_id
            case.updated_at = now
            await uow.cases.save(case)
            await uow.cases.record(
                shop_id, case_id, TimelineEntry(now, actor, "assigned", before, case.state, agent_id)
            )
            case = await self._full(uow, case)
            await uow.commit()
        return case

    async def transition(self, *, shop_id: str, case_id: str, to: str, note: str, actor: str) -> Case:
        """One state move; forbidden moves raise FAILED_PRECONDITION and change nothing."""
        now = self._clock()
        async with self._uow() as uow:
            case = await self._load(uow, shop_id, case_id, for_update=True)
            calendar = ShopCalendar.from_mapping((await uow.settings.get(shop_id))["calendar"])
            before = case.state
            effects = clock_effects(before, to)  # raises ForbiddenTransition
            case.state = str(transition(before, to))
            for effect in effects:
                if effect.clock is ClockName.FIRST_RESPONSE:
                    case.first_response_clock = _apply(case.first_response_clock, effect.action, now, calendar)
                    if effect.action is ClockAction.STOP and case.first_response_at is None:
                        case.first_response_at = now
                else:
                    case.resolution_clock = _apply(case.resolution_clock, effect.action, now, calendar)
                    if effect.action is ClockAction.RESTART:
                        await uow.timers.rearm(shop_id, case_id, "resolution")
            case.updated_at = now
            await uow.cases.save(case)
            await uow.cases.record(
                shop_id, case_id, TimelineEntry(now, actor, "transition", before, case.state, _note(note))
            )
            await schedule_clocks(uow, case, calendar)
            if case.state == CaseState.RESOLVED:
                await self._review_repair(uow, case, now)
            case = await self._full(uow, case)
            await uow.commit()
        return case

    async def _review_repair(self, uow: TriageUnitOfWork, case: Case, now: datetime) -> None:
        """On resolution: ask for a review update, publish a reply, follow up after 7 days."""
        existing = {t.kind for t in await uow.cases.tasks(case.shop_id, case.id)}
        wanted = [
            Task(new_id("task"), "ask_review_update", now, "open", "邀请顾客更新评价"),
            Task(new_id("task"), "publish_reply", now, "open", public_reply(case)),
            Task(new_id("task"), "follow_up", now + FOLLOW_UP_AFTER, "open", "7 天回访，记录满意度"),
        ]
        for task in wanted:
            if task.kind not in existing:
                await uow.cases.add_task(case.shop_id, case.id, task, now)

    async def escalate(self, *, shop_id: str, case_id: str, reason: str, actor: str) -> Case:
        now = self._clock()
        if not reason.strip():
            raise InvalidArgument.on("reason", "is required")
        async with self._uow() as uow:
            case = await self._load(uow, shop_id, case_id, for_update=True)
            case.escalation_level = int(escalate(case.escalation_level))
            case.updated_at = now
            await uow.cases.save(case)
            await uow.cases.record(
                shop_id,
                case_id,
                TimelineEntry(
                    now, actor, "escalated", case.state, case.state, f"level {case.escalation_level}: {_note(reason)}"
                ),
            )
            case = await self._full(uow, case)
            await uow.commit()
        return case

    async def add_note(self, *, shop_id: str, case_id: str, note: str, actor: str) -> Case:
        now = self._clock()
        if not note.strip():
            raise InvalidArgument.on("note", "is required")
        async with self._uow() as uow:
            case = await self._load(uow, shop_id, case_id, for_update=True)
            await uow.cases.record(
                shop_id, case_id, TimelineEntry(now, actor, "note", case.state, case.state, _note(note))
            )
            case = await self._full(uow, case)
            await uow.commit()
        return case

    async def record_satisfaction(self, *, shop_id: str, case_id: str, score: int, actor: str) -> Case:
        now = self._clock()
        if not 1 <= score <= 5:
            raise InvalidArgument.on("score", "must be between 1 and 5")
        async with self._uow() as uow:
            case = await self._load(uow, shop_id, case_id, for_update=True)
            case.satisfaction = score
            case.updated_at = now
            await uow.cases.save(case)
            await uow.cases.record(
                shop_id, case_id, TimelineEntry(now, actor, "satisfaction", case.state, case.state, str(score))
            )
            case = await self._full(uow, case)
            await uow.commit()
        return case
