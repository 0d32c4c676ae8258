"""Domain records ⇄ table rows: inspections keep findings, actions and history as JSON in their row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from services.supplier_audit.domain.inspections import (
    ActionKind,
    ActionStatus,
    CorrectiveAction,
    Finding,
    FindingSeverity,
    Inspection,
    InspectionStatus,
    StatusChange,
)
from services.supplier_audit.domain.model import Attribution, Severity
from services.supplier_audit.domain.recalls import RecallRecommendation, RecallStatus, RecallTrigger


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _mapping(row: Any) -> Any:
    """A SQLAlchemy row's mapping, or an asyncpg record (which is one already)."""
    return getattr(row, "_mapping", row)


def attribution_from_row(row: Any) -> Attribution:
    """A stored complaint (validated when it was recorded, so not again)."""
    m = _mapping(row)
    return Attribution.restore(
        case_id=m["case_id"],
        sku=m["sku"],
        supplier_id=m["supplier_id"],
        category=m["category"],
        severity=Severity(m["severity"]),
        occurred_at=m["occurred_at"],
        batch_id=m["batch_id"],
        safety=m["safety"],
        risk_kinds=frozenset(m["risk_kinds"]),
        product_line=m["product_line"],
        order_id=m["order_id"],
        region=m["region"],
    )


def _next_overdue_at(insp: Inspection) -> datetime | None:
    """When the overdue worker has to look at this inspection next (None: never)."""
    due = [a.due_at for a in insp.actions if a.status is ActionStatus.OPEN and a.overdue_alerted_at is None]
    return min(due) if due else None


def inspection_values(shop_id: str, insp: Inspection, now: datetime) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "inspection_id": insp.inspection_id,
        "supplier_id": insp.supplier_id,
        "category": insp.category,
        "status": insp.status.value,
        "opened_at": insp.opened_at,
        "reason": insp.reason,
        "case_ids": list(insp.case_ids),
        "findings": [f.to_dict() for f in insp.findings],
        "actions": [a.to_dict() for a in insp.actions],
        "history": [h.to_dict() for h in insp.history],
        "ended_at": insp.ended_at,
        "next_overdue_at": _next_overdue_at(insp),
        "updated_at": now,
    }


def _finding(d: dict[str, Any]) -> Finding:
    return Finding(
        d["finding_id"], d["description"], FindingSeverity(d["severity"]), datetime.fromisoformat(d["recorded_at"])
    )


def _action(d: dict[str, Any]) -> CorrectiveAction:
    return CorrectiveAction(
        action_id=d["action_id"],
        kind=ActionKind(d["kind"]),
        description=d["description"],
        owner=d["owner"],
        due_at=datetime.fromisoformat(d["due_at"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        completed_at=_time(d.get("completed_at")),
        cancelled_at=_time(d.get("cancelled_at")),
        overdue_alerted_at=_time(d.get("overdue_alerted_at")),
    )


def _change(d: dict[str, Any]) -> StatusChange:
    return StatusChange(
        InspectionStatus(d["from"]) if d.get("from") else None,
        InspectionStatus(d["to"]),
        datetime.fromisoformat(d["at"]),
        d.get("note", ""),
        d.get("actor", ""),
    )


def inspection_from_row(row: Any) -> Inspection:
    m = _mapping(row)
    return Inspection(
        inspection_id=m["inspection_id"],
        supplier_id=m["supplier_id"],
        category=m["category"],
        opened_at=m["opened_at"],
        status=InspectionStatus(m["status"]),
        case_ids=tuple(m["case_ids"]),
        history=tuple(_change(h) for h in m["history"]),
        findings=tuple(_finding(f) for f in m["findings"]),
        actions=tuple(_action(a) for a in m["actions"]),
        reason=m["reason"],
    )


def inspection_summary_from_row(row: Any) -> Inspection:
    """An inspection without its findings and case ids, from ``history_json`` / ``actions_json`` text columns.

    With no ``history_json`` (the inspection has not changed since the moment asked about), its
    history is summed up as one entry: opened in its present status.
    """
    actions = orjson.loads(row.actions_json) if row.actions_json else []
    status = InspectionStatus(row.status)
    if row.history_json is None:
        history: tuple[StatusChange, ...] = (StatusChange(None, status, row.opened_at),)
    else:
        history = tuple(_change(h) for h in orjson.loads(row.history_json))
    return Inspection(
        inspection_id=row.inspection_id,
        supplier_id=row.supplier_id,
        category=row.category,
        opened_at=row.opened_at,
        status=status,
        case_ids=(),
        history=history,
        actions=tuple(_action(a) for a in actions),
        reason=row.reason,
    )


def recall_values(shop_id: str, rec: RecallRecommendation, now: datetime) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "recall_id": rec.recall_id,
        "batch_id": rec.batch_id,
        "sku": rec.sku,
        "supplier_id": rec.supplier_id,
        "trigger": rec.trigger.value,
        "affected_orders": rec.affected_orders,
        "case_ids": list(rec.case_ids),
        "created_at": rec.created_at,
        "reason": rec.reason,
        "status": rec.status.value,
        "resolved_at": rec.resolved_at,
        "updated_at": now,
    }


def recall_from_row(row: Any) -> RecallRecommendation:
    m = _mapping(row)
    return RecallRecommendation(
        recall_id=m["recall_id"],
        batch_id=m["batch_id"],
        sku=m["sku"],
        supplier_id=m["supplier_id"],
        trigger=RecallTrigger(m["trigger"]),
        affected_orders=m["affected_orders"],
        case_ids=tuple(m["case_ids"]),
        created_at=m["created_at"],
        reason=m["reason"],
        status=RecallStatus(m["status"]),
        resolved_at=m["resolved_at"],
    )
