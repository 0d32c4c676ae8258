"""Working inspections (findings, CAPA, status moves), recall recommendations and audit alerts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.errors import InvalidArgument
from libs.ids import new_id
from libs.paging import decode_keyset, encode_token, page_size
from libs.timeutil import utcnow
from services.supplier_audit.application.errors import domain_errors, not_found
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.domain.errors import NotFound as DomainNotFound
from services.supplier_audit.domain.inspections import (
    MAX_TEXT_LENGTH,
    ActionKind,
    CorrectiveAction,
    Finding,
    FindingSeverity,
    Inspection,
    InspectionStatus,
    add_action,
    add_finding,
    cancel_action,
    complete_action,
    transition,
)
from services.supplier_audit.domain.recalls import RecallRecommendation, RecallStatus, set_recall_status

MAX_ITEMS_PER_UPDATE = 50


@dataclass(frozen=True)
class NewFinding:
    description: str
    severity: str


@dataclass(frozen=True)
class NewAction:
    kind: str
    description: str
    owner: str
    due_at: datetime | None


def _enum(enum: Any, value: str) -> Any:
    """The enum member, or the raw value so the domain names the field and the allowed values."""
    try:
        return enum(value)
    except ValueError:
        return value


def _one_of(field: str, value: str, allowed: Sequence[str]) -> None:
    if value and value not in allowed:
        raise InvalidArgument.on(field, f"must be one of {', '.join(allowed)}")


class InspectionWork:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def get(self, *, shop_id: str, inspection_id: str) -> Inspection:
        async with self._uow() as uow:
            insp = await uow.inspections.get(shop_id, inspection_id)
        if insp is None:
            raise not_found("inspection", inspection_id)
        return insp

    async def list(
        self, *, shop_id: str, size: int, token: str, status: str = "", supplier_id: str = "", category: str = ""
    ) -> tuple[list[Inspection], str]:
        """Inspections, newest first."""
        limit = page_size(size)
        _one_of("status", status, [s.value for s in InspectionStatus])
        async with self._uow() as uow:
            items = await uow.inspections.page(
                shop_id,
                limit=limit + 1,
                after=decode_keyset(token),
                status=status,
                supplier_id=supplier_id,
                category=category,
            )
        next_token = ""
        if len(items) > limit:
            items = items[:limit]
            next_token = encode_token([items[-1].opened_at.isoformat(), items[-1].inspection_id])
        return items, next_token

    async def update(
        self,
        *,
        shop_id: str,
        inspection_id: str,
        add_findings: Sequence[NewFinding] = (),
        add_actions: Sequence[NewAction] = (),
        complete_actions: Sequence[str] = (),
        cancel_actions: Sequence[str] = (),
        status: str = "",
        note: str = "",
        actor: str = "",
    ) -> Inspection:
        """Findings, then actions, completions, cancellations, then the status move: all or nothing."""
        for name, items in (
            ("add_findings", add_findings),
            ("add_actions", add_actions),
            ("complete_actions", complete_actions),
            ("cancel_actions", cancel_actions),
        ):
            if len(items) > MAX_ITEMS_PER_UPDATE:
                raise InvalidArgument.on(name, f"at most {MAX_ITEMS_PER_UPDATE} per request")
        if note and not status:
            raise InvalidArgument.on("note", "goes with a status move")
        if len(note) > MAX_TEXT_LENGTH:
            raise InvalidArgument.on("note", f"at most {MAX_TEXT_LENGTH} characters")
        if not (add_findings or add_actions or complete_actions or cancel_actions or status):
            raise InvalidArgument.on("request", "nothing to change")
        now = self._clock()
        async with self._uow() as uow:
            insp = await uow.inspections.get(shop_id, inspection_id, for_update=True)
            if insp is None:
                raise not_found("inspection", inspection_id)
            for i, f in enumerate(add_findings):
                with domain_errors(f"add_findings[{i}]"):
                    finding = Finding(new_id("finding"), f.description, _enum(FindingSeverity, f.severity), now)
                    insp = add_finding(insp, finding)
            for i, a in enumerate(add_actions):
                with domain_errors(f"add_actions[{i}]"):
                    action = CorrectiveAction(
                        action_id=new_id("capa"),
                        kind=_enum(ActionKind, a.kind),
                        description=a.description,
                        owner=a.owner,
                        due_at=a.due_at,  # type: ignore[arg-type]  # None is refused by the domain
                        created_at=now,
                    )
                    insp = add_action(insp, action)
            for name, ids, step in (
                ("complete_actions", complete_actions, complete_action),
                ("cancel_actions", cancel_actions, cancel_action),
            ):
                for i, action_id in enumerate(ids):
                    with domain_errors(f"{name}[{i}]"):
                        try:
                            insp = step(insp, action_id, now)
                        except DomainNotFound:
                            raise InvalidArgument.on(f"{name}[{i}]", f"no action {action_id!r} here") from None
            if status:
                with domain_errors():
                    insp = transition(insp, status, now, note, actor)
            await uow.inspections.save(shop_id, insp, now)
            await uow.commit()
        return insp


class RecallWork:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def list(
        self, *, shop_id: str, size: int, token: str, status: str = "", batch_id: str = ""
    ) -> tuple[list[RecallRecommendation], str]:
        """Recall recommendations, newest first."""
        limit = page_size(size)
        _one_of("status", status, [s.value for s in RecallStatus])
        async with self._uow() as uow:
            items = await uow.recalls.page(
                shop_id, limit=limit + 1, after=decode_keyset(token), status=status, batch_id=batch_id
            )
        next_token = ""
        if len(items) > limit:
            items = items[:limit]
            next_token = encode_token([items[-1].created_at.isoformat(), items[-1].recall_id])
        return items, next_token

    async def update(self, *, shop_id: str, recall_id: str, status: str) -> RecallRecommendation:
        """Accept, dismiss or complete a recommendation."""
        if not status:
            raise InvalidArgument.on("status", "required")
        now = self._clock()
        async with self._uow() as uow:
            rec = await uow.recalls.get(shop_id, recall_id, for_update=True)
            if rec is None:
                raise not_found("recall", recall_id)
            with domain_errors():
                rec = set_recall_status(rec, status, now)
            await uow.recalls.save(shop_id, rec, now)
            await uow.commit()
        return rec


class AlertWork:
    def __init__(self, uow_factory: Callable[[], SupplierAuditUnitOfWork]) -> None:
        self._uow = uow_factory

    async def list(self, *, shop_id: str, size: int, token: str) -> tuple[list[Any], str]:
        """Audit alerts, newest first."""
        limit = page_size(size)
        async with self._uow() as uow:
            rows = await uow.alerts.page(shop_id, limit=limit + 1, after=decode_keyset(token))
        next_token = ""
        if len(rows) > limit:
            rows = rows[:limit]
            next_token = encode_token([rows[-1].created_at.isoformat(), rows[-1].alert_id])
        return rows, next_token
