"""Suppliers, the SKU map, batches and order volumes: one at a time through the API, or a whole CSV file.

Every load is all-or-nothing: a request or file with any bad row is refused whole, naming each
problem, and nothing is written. References are checked against what the shop has already loaded:
a SKU's supplier must be registered, a batch's SKU must be in the SKU map with the same supplier,
order volumes must be for mapped SKUs. Load suppliers first, then SKUs, then batches and volumes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from libs.errors import FieldViolation, InvalidArgument
from libs.paging import decode_token, encode_token, page_size
from libs.timeutil import utcnow
from services.supplier_audit.application.errors import domain_errors, not_found
from services.supplier_audit.application.rules import load_rules
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.domain.csv_import import (
    MAX_ERRORS,
    MAX_ORDERS_PER_DAY,
    CsvError,
    CsvResult,
    parse_batches_csv,
    parse_order_volumes_csv,
    parse_sku_map_csv,
    parse_suppliers_csv,
)
from services.supplier_audit.domain.model import (
    MAX_NAME_LENGTH,
    Batch,
    OrderVolume,
    OrderVolumes,
    SkuMapping,
    Supplier,
    is_aware,
    is_valid_id,
)

KINDS = ("suppliers", "skus", "batches", "volumes")
MAX_VOLUMES_PER_CALL = 10_000
MAX_CSV_CHARS = 64 * 1024 * 1024
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = "must be 1-128 characters without whitespace"


@dataclass(frozen=True)
class SupplierRecord:
    supplier_id: str
    name: str
    contact: str | None
    updated_at: datetime


def _supplier(row: Any) -> SupplierRecord:
    return SupplierRecord(row.supplier_id, row.name, row.contact, row.updated_at)


def _csv_field(e: CsvError) -> str:
    if e.row == 0:
        return "csv"
    return f"csv:row {e.row}" + (f":{e.column}" if e.column else "")


def _refuse_csv(kind: str, errors: Sequence[CsvError]) -> InvalidArgument:
    violations = [FieldViolation(_csv_field(e), e.message) for e in errors[: MAX_ERRORS + 1]]
    return InvalidArgument(
        f"the {kind} file was refused whole: {len(errors)} problem(s), nothing was stored", violations
    )


def _check_id(errors: list[FieldViolation], field: str, value: str) -> None:
    if not value:
        errors.append(FieldViolation(field, "required"))
    elif not is_valid_id(value):
        errors.append(FieldViolation(field, _ID))


def _check_text(errors: list[FieldViolation], field: str, value: str, *, required: bool) -> None:
    if required and not value.strip():
        errors.append(FieldViolation(field, "required"))
    elif len(value) > MAX_NAME_LENGTH:
        errors.append(FieldViolation(field, f"at most {MAX_NAME_LENGTH} characters"))


def _raise(errors: list[FieldViolation]) -> None:
    if errors:
        raise InvalidArgument("; ".join(f"{v.field}: {v.message}" for v in errors), errors)


class MasterData:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    # --- one at a time -------------------------------------------------------------------------

    async def upsert_supplier(self, *, shop_id: str, supplier_id: str, name: str, contact: str) -> SupplierRecord:
        """Registers a supplier or renames it."""
        errors: list[FieldViolation] = []
        _check_id(errors, "supplier_id", supplier_id)
        _check_text(errors, "name", name, required=True)
        _check_text(errors, "contact", contact, required=False)
        _raise(errors)
        now = self._clock()
        async with self._uow() as uow:
            await uow.master.upsert_suppliers(
                shop_id, [Supplier(supplier_id, name.strip(), contact.strip() or None)], now
            )
            row = await uow.master.supplier(shop_id, supplier_id)
            await uow.commit()
        return _supplier(row)

    async def get_supplier(self, *, shop_id: str, supplier_id: str) -> SupplierRecord:
        async with self._uow() as uow:
            row = await uow.master.supplier(shop_id, supplier_id)
        if row is None:
            raise not_found("supplier", supplier_id)
        return _supplier(row)

    async def list_suppliers(self, *, shop_id: str, size: int, token: str) -> tuple[list[SupplierRecord], str]:
        limit = page_size(size)
        key = decode_token(token)
        if key is not None and (len(key) != 1 or not isinstance(key[0], str)):
            raise InvalidArgument.on("page_token", "is not a token this service issued")
        async with self._uow() as uow:
            rows = await uow.master.list_suppliers(shop_id, limit=limit + 1, after=key[0] if key else None)
        items = [_supplier(r) for r in rows]
        next_token = ""
        if len(items) > limit:
            items = items[:limit]
            next_token = encode_token([items[-1].supplier_id])
        return items, next_token

    async def upsert_sku(self, *, shop_id: str, sku: str, supplier_id: str, product_line: str) -> SkuMapping:
        """Maps a SKU to the registered supplier that makes it and its product line."""
        errors: list[FieldViolation] = []
        _check_id(errors, "sku", sku)
        _check_id(errors, "supplier_id", supplier_id)
        _check_text(errors, "product_line", product_line, required=True)
        _raise(errors)
        mapping = SkuMapping(sku, supplier_id, product_line.strip())
        async with self._uow() as uow:
            if not await uow.master.known_suppliers(shop_id, [supplier_id]):
                raise InvalidArgument.on("supplier_id", f"unknown supplier {supplier_id!r}; register it first")
            await uow.master.upsert_skus(shop_id, [mapping], self._clock())
            await uow.commit()
        return mapping

    async def upsert_batch(
        self, *, shop_id: str, batch_id: str, sku: str, supplier_id: str, produced_at: datetime | None
    ) -> Batch:
        """Registers a production batch of a mapped SKU."""
        errors: list[FieldViolation] = []
        _check_id(errors, "batch_id", batch_id)
        _check_id(errors, "sku", sku)
        _check_id(errors, "supplier_id", supplier_id)
        if produced_at is None or not is_aware(produced_at):
            errors.append(FieldViolation("produced_at", "required, with a UTC offset"))
        _raise(errors)
        assert produced_at is not None
        batch = Batch(batch_id, sku, supplier_id, produced_at)
        async with self._uow() as uow:
            owner = (await uow.master.sku_owners(shop_id, [sku])).get(sku)
            if owner is None:
                raise InvalidArgument.on("sku", f"SKU {sku!r} is not in the SKU map; map it first")
            if owner != supplier_id:
                raise InvalidArgument.on("supplier_id", f"SKU {sku!r} is made by {owner!r} per the SKU map")
            await uow.master.upsert_batches(shop_id, [batch], self._clock())
            await uow.commit()
        return batch

    async def set_volumes(self, *, shop_id: str, volumes: Sequence[tuple[str, str, int]]) -> int:
        """Stores orders per SKU per shop-local day (replacing the days named); returns how many."""
        if not volumes:
            raise InvalidArgument.on("volumes", "at least one")
        if len(volumes) > MAX_VOLUMES_PER_CALL:
            raise InvalidArgument.on("volumes", f"at most {MAX_VOLUMES_PER_CALL:,} per call; import a CSV for more")
        errors: list[FieldViolation] = []
        rows: list[OrderVolume] = []
        seen: set[tuple[str, date]] = set()
        for i, (sku, day_text, orders) in enumerate(volumes):
            before = len(errors)
            _check_id(errors, f"volumes[{i}].sku", sku)
            day: date | None = None
            try:
                day = date.fromisoformat(day_text) if _DAY.fullmatch(day_text) else None
            except ValueError:
                day = None
            if day is None:
                errors.append(FieldViolation(f"volumes[{i}].date", "must be a calendar date YYYY-MM-DD"))
            if not 0 <= orders <= MAX_ORDERS_PER_DAY:
                errors.append(FieldViolation(f"volumes[{i}].orders", f"must be 0-{MAX_ORDERS_PER_DAY:,}"))
            if len(errors) > before or day is None:
                continue
            if (sku, day) in seen:
                errors.append(FieldViolation(f"volumes[{i}]", f"duplicate sku/date {sku}/{day}"))
                continue
            seen.add((sku, day))
            rows.append(OrderVolume(sku, day, orders))
        _raise(errors)
        async with self._uow() as uow:
            known = await uow.master.sku_owners(shop_id, {v.sku for v in rows})
            for i, v in enumerate(rows):
                if v.sku not in known:
                    errors.append(FieldViolation(f"volumes[{i}].sku", f"SKU {v.sku!r} is not in the SKU map"))
            _raise(errors)
            stored = await uow.master.upsert_volumes(shop_id, rows)
            await uow.commit()
        return stored

    # --- whole files ---------------------------------------------------------------------------

    async def import_csv(self, *, shop_id: str, kind: str, text: str) -> int:
        """Loads one CSV file (see domain.csv_import for the columns); returns the rows stored."""
        if kind not in KINDS:
            raise InvalidArgument.on("kind", f"must be one of {', '.join(KINDS)}")
        if len(text) > MAX_CSV_CHARS:
            raise InvalidArgument.on("csv", f"at most {MAX_CSV_CHARS // (1024 * 1024)} MiB of text")
        now = self._clock()
        async with self._uow() as uow:
            if kind == "batches":
                tz = (await load_rules(uow, shop_id)).tz
                result: CsvResult[Any] = await asyncio.to_thread(parse_batches_csv, text, time_zone=tz)
            else:
                parser: Callable[[str], CsvResult[Any]] = {  # type: ignore[assignment]
                    "suppliers": parse_suppliers_csv,
                    "skus": parse_sku_map_csv,
                    "volumes": parse_order_volumes_csv,
                }[kind]
                result = await asyncio.to_thread(parser, text)
            if not result.ok:
                raise _refuse_csv(kind, result.errors)
            if not result.records:
                raise InvalidArgument.on("csv", "no data rows")
            errors = await self._check_references(uow, shop_id, kind, result)
            if errors:
                raise _refuse_csv(kind, errors)
            with domain_errors("csv"):
                if kind == "volumes":
                    OrderVolumes(result.records)  # the parser already refused duplicates; belt and braces
            stored = await {
                "suppliers": lambda: uow.master.upsert_suppliers(shop_id, result.records, now),
                "skus": lambda: uow.master.upsert_skus(shop_id, result.records, now),
                "batches": lambda: uow.master.upsert_batches(shop_id, result.records, now),
                "volumes": lambda: uow.master.upsert_volumes(shop_id, result.records),
            }[kind]()
            await uow.commit()
        return stored

    async def _check_references(
        self, uow: SupplierAuditUnitOfWork, shop_id: str, kind: str, result: CsvResult[Any]
    ) -> list[CsvError]:
        errors: list[CsvError] = []
        file = {"skus": "sku_map", "batches": "batches", "volumes": "order_volumes"}.get(kind, kind)
        pairs = list(zip(result.records, result.rows, strict=True))
        if kind == "skus":
            known = await uow.master.known_suppliers(shop_id, {m.supplier_id for m in result.records})
            for m, row in pairs:
                if m.supplier_id not in known:
                    errors.append(CsvError(row, "supplier_id", f"unknown supplier {m.supplier_id!r}", file))
        elif kind in ("batches", "volumes"):
            owners = await uow.master.sku_owners(shop_id, {r.sku for r in result.records})
            for r, row in pairs:
                if r.sku not in owners:
                    errors.append(CsvError(row, "sku", f"SKU {r.sku!r} is not in the SKU map", file))
                elif kind == "batches" and owners[r.sku] != r.supplier_id:
                    errors.append(
                        CsvError(
                            row,
                            "supplier_id",
                            f"SKU {r.sku!r} is made by {owners[r.sku]!r} per the SKU map, not {r.supplier_id!r}",
                            file,
                        )
                    )
        return errors[:MAX_ERRORS]
