"""The local payout provider: records payout instructions in the database, for export as CSV or JSON.

It is the stand-in for the platform's refund API; an adapter for the real API implements the same
``PayoutProvider`` interface (services/compensation/application/ports.py) without touching the domain.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from services.compensation.application.ports import PayoutInstruction, RecordsInstructions

EXPORT_COLUMNS = (
    "instruction_id",
    "payout_id",
    "action",
    "shop_id",
    "offer_id",
    "case_id",
    "customer_id",
    "order_id",
    "kind",
    "period",
    "amount_minor",
    "currency",
    "memo",
    "created_at",
)


class LocalPayoutProvider:
    name = "local"

    async def submit(self, into: RecordsInstructions, instruction: PayoutInstruction) -> str:
        """Records the instruction in the same transaction as the payout; the reference is its id."""
        into.instructions.add(
            {
                "shop_id": instruction.shop_id,
                "id": instruction.instruction_id,
                "payout_id": instruction.payout_id,
                "action": instruction.action,
                "offer_id": instruction.offer_id,
                "case_id": instruction.case_id,
                "customer_id": instruction.customer_id,
                "order_id": instruction.order_id,
                "kind": instruction.kind,
                "period": instruction.period,
                "amount_minor": instruction.amount.amount_minor,
                "currency": instruction.amount.currency,
                "memo": instruction.memo,
                "created_at": instruction.created_at,
            }
        )
        return instruction.instruction_id


def _export_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {c: row.get(c) for c in EXPORT_COLUMNS}
    out["instruction_id"] = row["id"]
    out["created_at"] = row["created_at"].isoformat()
    return out


def export_instructions(rows: list[dict[str, Any]], fmt: str) -> tuple[str, bytes]:
    """(content type, bytes) of instructions as CSV (header row first) or a JSON array."""
    records = [_export_row(r) for r in rows]
    if fmt == "json":
        return "application/json", json.dumps(records, ensure_ascii=False).encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return "text/csv; charset=utf-8", buffer.getvalue().encode()
