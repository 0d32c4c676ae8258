"""Pure CSV parsers for the supplier register, the SKU map, the batch register and order volumes.

Each parser takes the file's text and returns a ``CsvResult``: either all records (``errors`` empty)
or no records and every error found (``records`` empty) — a file is accepted whole or not at all.

General format
--------------
* UTF-8 text (a leading BOM is ignored), comma-separated, RFC 4180 quoting (a value with a comma is
  quoted, a quote inside a quoted value is doubled); ``\\n`` or ``\\r\\n`` line ends.
* The first row is the header. Column names are matched case-insensitively after trimming and may
  come in any order; a required column missing, an unknown column or a repeated column is an
  error. Values are trimmed. Completely blank rows are skipped.
* Errors name ``row`` and ``column``: rows are numbered as a spreadsheet shows them — the header
  is row 1, the first data row is row 2 (blank rows count too); ``column`` is the header name, or
  ``None`` for a problem with the whole row/file. ``row`` 0 is used for file-level problems (empty
  file, too many rows).
* Limits: ``max_rows`` data rows (default 500,000), 1,000 characters per value; at most
  ``MAX_ERRORS`` errors are listed, then one "too many errors" entry.
* Identifiers (supplier_id, sku, batch_id): 1-128 characters without whitespace.

Suppliers file (``parse_suppliers_csv``)
----------------------------------------
=============  ========  ========================================================
column         required  value
=============  ========  ========================================================
supplier_id    yes       identifier, unique in the file
name           yes       1-200 characters
contact        no        free text (person, phone, e-mail), up to 200 characters
=============  ========  ========================================================

SKU map file (``parse_sku_map_csv``)
------------------------------------
=============  ========  ========================================================
sku            yes       identifier, unique in the file (one supplier per SKU)
supplier_id    yes       identifier of the supplier that makes the SKU
product_line   yes       1-200 characters (the product line whose owner handles it)
=============  ========  ========================================================

Batches file (``parse_batches_csv``)
------------------------------------
=============  ========  ========================================================
batch_id       yes       identifier, unique in the file
sku            yes       identifier
supplier_id    yes       identifier
produced_at    yes       RFC 3339 timestamp with offset (``2026-11-02T08:00:00+08:00``,
                         ``...Z``); a bare date ``2026-11-02`` only when the parser is
                         given the shop's time zone (it then means 00:00 local time)
=============  ========  ========================================================

Order-volume file (``parse_order_volumes_csv``)
-----------------------------------------------
=============  ========  ========================================================
sku            yes       identifier
date           yes       shop-local calendar day, ``YYYY-MM-DD``
orders         yes       whole number 0-1,000,000,000: orders of the SKU that day
=============  ========  ========================================================
(sku, date) is unique in the file. Days without a row count as zero orders.

``check_references`` cross-checks parsed files: SKU map suppliers exist in the supplier register,
batch SKUs exist in the SKU map with the same supplier.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any, Generic, TypeVar

from .model import (
    MAX_NAME_LENGTH,
    Batch,
    OrderVolume,
    SkuMapping,
    Supplier,
    is_valid_id,
    parse_datetime,
)

T = TypeVar("T")

MAX_ERRORS = 200
MAX_VALUE_LENGTH = 1000
DEFAULT_MAX_ROWS = 500_000
MAX_ORDERS_PER_DAY = 1_000_000_000
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT_RE = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class CsvError:
    row: int  # 1 = header, 2 = first data row, 0 = the whole file
    column: str | None  # header name, None for the whole row / file
    message: str
    file: str = ""  # "suppliers" | "sku_map" | "batches" | "order_volumes"

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        col = f", column {self.column}" if self.column else ""
        return f"{where}row {self.row}{col}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class CsvResult(Generic[T]):
    records: tuple[T, ...]
    errors: tuple[CsvError, ...]
    rows: tuple[int, ...] = ()  # the spreadsheet row of each record

    @property
    def ok(self) -> bool:
        return not self.errors


class _CellError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    required: bool
    parse: Callable[[str], Any]


def _identifier(value: str) -> str:
    if not value:
        raise _CellError("required")
    if not is_valid_id(value):
        raise _CellError("must be 1-128 characters without whitespace")
    return value


def _text(limit: int = MAX_NAME_LENGTH, required: bool = True) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        if not value:
            if required:
                raise _CellError("required")
            return None
        if len(value) > limit:
            raise _CellError(f"at most {limit} characters")
        return value

    return parse


def _day(value: str) -> date:
    if not value:
        raise _CellError("required")
    if not _DATE_RE.fullmatch(value):
        raise _CellError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _CellError(f"{value!r} is not a calendar date") from None


def _orders(value: str) -> int:
    if not value:
        raise _CellError("required")
    if not _INT_RE.fullmatch(value):
        raise _CellError("must be a whole number >= 0")
    n = int(value)
    if n > MAX_ORDERS_PER_DAY:
        raise _CellError(f"must be at most {MAX_ORDERS_PER_DAY:,}")
    return n


def _timestamp(tz: tzinfo | None) -> Callable[[str], datetime]:
    def parse(value: str) -> datetime:
        if not value:
            raise _CellError("required")
        if _DATE_RE.fullmatch(value):
            if tz is None:
                raise _CellError("a bare date needs the shop's time zone; give a timestamp with offset")
            return datetime.combine(_day(value), time(0), tzinfo=tz)
        parsed = parse_datetime(value)
        if parsed is None:
            raise _CellError("must be an RFC 3339 timestamp with offset, e.g. 2026-11-02T08:00:00+08:00")
        return parsed

    return parse


def _parse(
    text: str,
    file: str,
    columns: Sequence[_Column],
    build: Callable[[dict[str, Any]], T],
    key: Callable[[dict[str, Any]], tuple[Any, ...]],
    key_columns: tuple[str, ...],
    max_rows: int,
) -> CsvResult[T]:
    errors: list[CsvError] = []

    def add(row: int, column: str | None, message: str) -> bool:
        """Record an error; False once the list is full."""
        if len(errors) >= MAX_ERRORS:
            return False
        errors.append(CsvError(row, column, message, file))
        if len(errors) == MAX_ERRORS:
            errors.append(CsvError(row, None, f"too many errors; stopped after {MAX_ERRORS}", file))
            return False
        return True

    def failed() -> CsvResult[T]:
        return CsvResult((), tuple(errors))

    if not isinstance(text, str):
        add(0, None, "expected text")
        return failed()
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        add(0, None, "the file contains NUL bytes; is it UTF-8 CSV?")
        return failed()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        add(1, None, f"malformed CSV: {exc}")
        return failed()
    if header is None or not any(h.strip() for h in header):
        add(0 if header is None else 1, None, "empty file: expected a header row")
        return failed()

    by_name = {c.name: c for c in columns}
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lower()
        label = raw.strip() or f"#{i + 1}"
        if name not in by_name:
            add(1, label, f"unknown column; expected {', '.join(c.name for c in columns)}")
        elif name in positions:
            add(1, label, "column appears twice")
        else:
            positions[name] = i
    for c in columns:
        if c.required and c.name not in positions:
            add(1, c.name, "missing column")
    if errors:
        return failed()

    records: list[T] = []
    rows: list[int] = []
    first_row_of: dict[tuple[Any, ...], int] = {}
    row_no = 1
    data_rows = 0
    while True:
        try:
            raw_row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            add(row_no + 1, None, f"malformed CSV: {exc}")
            return failed()
        row_no += 1
        if not any(v.strip() for v in raw_row):
            continue
        data_rows += 1
        if data_rows > max_rows:
            add(0, None, f"too many rows: at most {max_rows:,} data rows")
            return failed()
        if len(raw_row) > len(header):
            if not add(row_no, None, f"{len(raw_row)} values but the header has {len(header)} columns"):
                return failed()
            continue
        values: dict[str, Any] = {}
        row_ok = True
        for c in columns:
            pos = positions.get(c.name)
            cell = raw_row[pos].strip() if pos is not None and pos < len(raw_row) else ""
            if len(cell) > MAX_VALUE_LENGTH:
                row_ok = False
                if not add(row_no, c.name, f"value longer than {MAX_VALUE_LENGTH} characters"):
                    return failed()
                continue
            try:
                values[c.name] = c.parse(cell)
            except _CellError as exc:
                row_ok = False
                if not add(row_no, c.name, str(exc)):
                    return failed()
        if not row_ok:
            continue
        k = key(values)
        if k in first_row_of:
            if not add(
                row_no,
                key_columns[-1],
                f"duplicate {'/'.join(key_columns)} {'/'.join(map(str, k))} (first on row {first_row_of[k]})",
            ):
                return failed()
            continue
        first_row_of[k] = row_no
        records.append(build(values))
        rows.append(row_no)
    if errors:
        return failed()
    return CsvResult(tuple(records), (), tuple(rows))


def parse_suppliers_csv(text: str, *, max_rows: int = DEFAULT_MAX_ROWS) -> CsvResult[Supplier]:
    cols = [
        _Column("supplier_id", True, _identifier),
        _Column("name", True, _text()),
        _Column("contact", False, _text(required=False)),
    ]
    return _parse(
        text,
        "suppliers",
        cols,
        lambda v: Supplier(v["supplier_id"], v["name"], v.get("contact")),
        lambda v: (v["supplier_id"],),
        ("supplier_id",),
        max_rows,
    )


def parse_sku_map_csv(text: str, *, max_rows: int = DEFAULT_MAX_ROWS) -> CsvResult[SkuMapping]:
    cols = [
        _Column("sku", True, _identifier),
        _Column("supplier_id", True, _identifier),
        _Column("product_line", True, _text()),
    ]
    return _parse(
        text,
        "sku_map",
        cols,
        lambda v: SkuMapping(v["sku"], v["supplier_id"], v["product_line"]),
        lambda v: (v["sku"],),
        ("sku",),
        max_rows,
    )


def parse_batches_csv(
    text: str, *, time_zone: tzinfo | None = None, max_rows: int = DEFAULT_MAX_ROWS
) -> CsvResult[Batch]:
    cols = [
        _Column("batch_id", True, _identifier),
        _Column("sku", True, _identifier),
        _Column("supplier_id", True, _identifier),
        _Column("produced_at", True, _timestamp(time_zone)),
    ]
    return _parse(
        text,
        "batches",
        cols,
        lambda v: Batch(v["batch_id"], v["sku"], v["supplier_id"], v["produced_at"]),
        lambda v: (v["batch_id"],),
        ("batch_id",),
        max_rows,
    )


def parse_order_volumes_csv(text: str, *, max_rows: int = DEFAULT_MAX_ROWS) -> CsvResult[OrderVolume]:
    cols = [
        _Column("sku", True, _identifier),
        _Column("date", True, _day),
        _Column("orders", True, _orders),
    ]
    return _parse(
        text,
        "order_volumes",
        cols,
        lambda v: OrderVolume(v["sku"], v["date"], v["orders"]),
        lambda v: (v["sku"], v["date"].isoformat()),
        ("sku", "date"),
        max_rows,
    )


def check_references(
    suppliers: CsvResult[Supplier],
    sku_map: CsvResult[SkuMapping],
    batches: CsvResult[Batch] | None = None,
) -> tuple[CsvError, ...]:
    """Cross-file checks on successfully parsed files; errors name the referring file's row/column."""
    errors: list[CsvError] = []
    known_suppliers = {s.supplier_id for s in suppliers.records}
    supplier_of: dict[str, str] = {}
    for m, row in zip(sku_map.records, sku_map.rows, strict=False):
        supplier_of[m.sku] = m.supplier_id
        if m.supplier_id not in known_suppliers:
            errors.append(CsvError(row, "supplier_id", f"unknown supplier {m.supplier_id!r}", "sku_map"))
    if batches is not None:
        for b, row in zip(batches.records, batches.rows, strict=False):
            if b.sku not in supplier_of:
                errors.append(CsvError(row, "sku", f"SKU {b.sku!r} is not in the SKU map", "batches"))
            elif supplier_of[b.sku] != b.supplier_id:
                errors.append(
                    CsvError(
                        row,
                        "supplier_id",
                        f"SKU {b.sku!r} is made by {supplier_of[b.sku]!r} per the SKU map, not {b.supplier_id!r}",
                        "batches",
                    )
                )
    return tuple(errors[:MAX_ERRORS])
