"""The overdue-CAPA worker: each action past its due date raises one alert, whatever the number of replicas.

A pass claims inspections holding an action due before now with FOR UPDATE SKIP LOCKED (another
replica skips them), lets the domain pick the overdue, not yet alerted actions, stores the alerts
and marks the actions alerted in the same transaction. The alerts table's unique dedupe key is a
second guard.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from libs.ids import new_id
from libs.timeutil import utcnow
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.domain.inspections import collect_overdue_alerts

log = logging.getLogger(__name__)

CLAIM_LIMIT = 100


class OverdueActions:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def fire_due(self, limit: int = CLAIM_LIMIT) -> tuple[int, int]:
        """One pass: (inspections claimed, alerts raised)."""
        now = self._clock()
        raised = 0
        async with self._uow() as uow:
            claimed = await uow.inspections.claim_overdue(now, limit)
            for shop_id, insp in claimed:
                changed, alerts = collect_overdue_alerts([insp], now)
                for alert in alerts:
                    fresh = await uow.alerts.raise_once(
                        {
                            "shop_id": shop_id,
                            "alert_id": new_id("alert"),
                            "kind": "capa_overdue",
                            "severity": "high",
                            "inspection_id": alert.inspection_id,
                            "action_id": alert.action_id,
                            "supplier_id": alert.supplier_id,
                            "message": (
                                f"{alert.kind.value} action {alert.action_id} of inspection {alert.inspection_id} "
                                f"(supplier {alert.supplier_id}, owner {alert.owner}) was due "
                                f"{alert.due_at.isoformat()} and is still open"
                            ),
                            "details": alert.to_dict(),
                            "dedupe_key": f"capa_overdue:{alert.inspection_id}:{alert.action_id}",
                            "created_at": now,
                        }
                    )
                    raised += int(fresh)
                # Saving also recomputes when the inspection is next due (never again for alerted actions).
                await uow.inspections.save(shop_id, changed[0] if changed else insp, now)
            await uow.commit()
        return len(claimed), raised

    async def run(self, poll_seconds: float) -> None:
        """Background loop of the supplier_audit service."""
        while True:
            try:
                while (await self.fire_due())[0] >= CLAIM_LIMIT:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("overdue CAPA pass failed")
            await asyncio.sleep(poll_seconds)
