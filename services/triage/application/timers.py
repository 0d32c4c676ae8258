"""SLA timers: warnings at 80 %, breach escalation, executive escalation — each fired once, by one replica."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from libs.ids import new_id
from libs.timeutil import utcnow
from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.case import TimelineEntry
from services.triage.domain.sla import EscalationLevel

log = logging.getLogger(__name__)

SEVERITY = {"warning": "medium", "breach": "high", "executive": "critical"}
LEVEL = {"breach": EscalationLevel.EXPERT, "executive": EscalationLevel.EXECUTIVE}


class SlaTimers:
    def __init__(self, uow_factory: Callable[[], TriageUnitOfWork], *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def fire_due(self, limit: int = 200) -> int:
        """Fires every due timer this replica could claim; returns how many it handled."""
        now = self._clock()
        async with self._uow() as uow:
            rows = await uow.timers.claim_due(now, limit)
            for row in rows:
                await self._fire(uow, row, now)
                await uow.timers.mark_fired(row, now)
            await uow.commit()
        return len(rows)

    async def _fire(self, uow: TriageUnitOfWork, row, now: datetime) -> None:  # type: ignore[no-untyped-def]
        case = await uow.cases.get(row.shop_id, row.case_id, for_update=True)
        if case is None:
            return
        clock = case.first_response_clock if row.clock == "first_response" else case.resolution_clock
        if clock.is_paused or clock.is_stopped:
            return  # the clock stopped running after the timer was set
        label = "first response" if row.clock == "first_response" else "resolution"
        kind = "sla_warning" if row.event == "warning" else "sla_breach"
        if row.event in LEVEL:
            case.breached = True
            case.escalation_level = max(case.escalation_level, int(LEVEL[row.event]))
            case.updated_at = now
            await uow.cases.save(case)
            await uow.cases.record(
                case.shop_id,
                case.id,
                TimelineEntry(
                    now,
                    "system",
                    "escalated",
                    case.state,
                    case.state,
                    f"{label} SLA {row.event}: level {case.escalation_level}",
                ),
            )
        await uow.alerts.raise_once(
            {
                "shop_id": case.shop_id,
                "id": new_id("alert"),
                "kind": kind,
                "severity": SEVERITY[row.event],
                "case_id": case.id,
                "message": f"{label} SLA {row.event} on case {case.id} (due {clock.due.isoformat()})",
                "details": {
                    "clock": row.clock,
                    "event": row.event,
                    "due": clock.due.isoformat(),
                    "escalation_level": case.escalation_level,
                },
                "dedupe_key": f"sla:{case.id}:{row.clock}:{row.event}:{clock.started_at.isoformat()}",
                "created_at": now,
            }
        )

    async def run(self, poll_seconds: float) -> None:
        """Background loop of the triage service."""
        while True:
            try:
                while await self.fire_due() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("SLA timer pass failed")
            await asyncio.sleep(poll_seconds)
