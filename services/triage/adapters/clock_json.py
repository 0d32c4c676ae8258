"""SLA clocks ⇄ JSON documents stored on the case row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.triage.domain.sla import Basis, SlaClock


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def clock_to_json(clock: SlaClock) -> dict[str, Any]:
    return {
        "started_at": clock.started_at.isoformat(),
        "due": clock.due.isoformat(),
        "warning_at": clock.warning_at.isoformat(),
        "allowed_s": clock.allowed.total_seconds(),
        "basis": str(clock.basis),
        "reason": clock.reason,
        "paused_at": clock.paused_at.isoformat() if clock.paused_at else None,
        "paused_total_s": clock.paused_total.total_seconds(),
        "stopped_at": clock.stopped_at.isoformat() if clock.stopped_at else None,
    }


def clock_from_json(doc: dict[str, Any]) -> SlaClock:
    started, due, warning = _dt(doc["started_at"]), _dt(doc["due"]), _dt(doc["warning_at"])
    assert started is not None and due is not None and warning is not None
    return SlaClock(
        started_at=started,
        due=due,
        warning_at=warning,
        allowed=timedelta(seconds=doc["allowed_s"]),
        basis=Basis(doc["basis"]),
        reason=doc.get("reason", ""),
        paused_at=_dt(doc.get("paused_at")),
        paused_total=timedelta(seconds=doc.get("paused_total_s", 0)),
        stopped_at=_dt(doc.get("stopped_at")),
    )
