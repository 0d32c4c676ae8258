"""CSV parsers: valid files parse whole; every error names its row and column."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.supplier_audit.domain.csv_import import (
    MAX_ERRORS,
    CsvError,
    check_references,
    parse_batches_csv,
    parse_order_volumes_csv,
    parse_sku_map_csv,
    parse_suppliers_csv,
)
from services.supplier_audit.domain.model import Batch, OrderVolume, SkuMapping, Supplier

TZ = ZoneInfo("Asia/Shanghai")


def where(result) -> list[tuple[int, str | None]]:
    return [(e.row, e.column) for e in result.errors]


def test_valid_files_parse_completely() -> None:
    sup = parse_suppliers_csv(
        '\ufeffsupplier_id,name,contact\r\nS1,"Acme Foods, Ltd.",Li Wei 138-0000\r\nS2,"Say ""hi"" Co",\r\n'
    )
    assert sup.ok and sup.records == (
        Supplier("S1", "Acme Foods, Ltd.", "Li Wei 138-0000"),
        Supplier("S2", 'Say "hi" Co', None),
    )
    assert sup.rows == (2, 3)
    skus = parse_sku_map_csv("Product_Line , SKU,supplier_id\nSnacks,SKU-1,S1\n\nHome & Kitchen,SKU-2,S2\n")
    assert skus.ok and skus.records == (
        SkuMapping("SKU-1", "S1", "Snacks"),
        SkuMapping("SKU-2", "S2", "Home & Kitchen"),
    )
    assert skus.rows == (2, 4)  # the blank row 3 is skipped but still counted
    batches = parse_batches_csv(
        "batch_id,sku,supplier_id,produced_at\n"
        "B1,SKU-1,S1,2026-11-02T08:00:00+08:00\n"
        "B2,SKU-1,S1,2026-11-03T00:00:00Z\n"
        "B3,SKU-2,S2,2026-11-04\n",
        time_zone=TZ,
    )
    assert batches.ok
    assert batches.records[0] == Batch("B1", "SKU-1", "S1", datetime(2026, 11, 2, 8, tzinfo=TZ))
    assert batches.records[2].produced_at == datetime(2026, 11, 4, tzinfo=TZ)
    vols = parse_order_volumes_csv("sku,date,orders\nSKU-1,2026-11-02,120\nSKU-1,2026-11-03,0\n")
    assert vols.ok and vols.records == (
        OrderVolume("SKU-1", date(2026, 11, 2), 120),
        OrderVolume("SKU-1", date(2026, 11, 3), 0),
    )
    assert check_references(sup, skus, batches) == ()


def test_cell_errors_name_row_and_column_and_reject_the_whole_file() -> None:
    text = (
        "supplier_id,name,contact\n"
        "S1,Acme,\n"  # row 2 fine
        "S 2,,x\n"  # row 3: bad id, missing name
        "S1,Dup,\n"  # row 4: duplicate id
        "S4," + "n" * 201 + ",\n"  # row 5: name too long
    )
    r = parse_suppliers_csv(text)
    assert r.records == () and not r.ok
    assert where(r) == [(3, "supplier_id"), (3, "name"), (4, "supplier_id"), (5, "name")]
    assert "first on row 2" in r.errors[2].message
    assert str(r.errors[0]) == "suppliers: row 3, column supplier_id: must be 1-128 characters without whitespace"
    assert r.errors[0].to_dict() == {
        "file": "suppliers",
        "row": 3,
        "column": "supplier_id",
        "message": "must be 1-128 characters without whitespace",
    }


def test_order_volume_errors() -> None:
    r = parse_order_volumes_csv(
        "sku,date,orders\n"
        "A,2026-02-30,5\n"  # row 2: not a calendar day
        "A,2026-02-01,-1\n"  # row 3: negative
        "A,2026-02-01,3\n"  # row 4 fine
        "A,2026-02-01,3,4\n"  # row 5: too many values
        "A,2026-02-01,7\n"  # row 6: duplicate (sku, date)
        "A,01/02/2026,1.5\n"  # row 7: date format and a fraction
        "A,2026-02-02,99999999999\n"  # row 8: too large
        "A,2026-02-03\n"  # row 9: missing value
    )
    assert where(r) == [
        (2, "date"),
        (3, "orders"),
        (5, None),
        (6, "date"),
        (7, "date"),
        (7, "orders"),
        (8, "orders"),
        (9, "orders"),
    ]
    assert r.errors[3].message == "duplicate sku/date A/2026-02-01 (first on row 4)"
    assert r.errors[-1].message == "required"


def test_header_errors_are_on_row_one() -> None:
    r = parse_batches_csv("batch_id,sku,Produced_At,colour,sku\n")
    assert where(r) == [(1, "colour"), (1, "sku"), (1, "supplier_id")]
    assert [e.message.split(";")[0] for e in r.errors] == ["unknown column", "column appears twice", "missing column"]
    assert where(parse_suppliers_csv("")) == [(0, None)]
    assert where(parse_suppliers_csv("\n\n")) == [(1, None)]


def test_timestamps_need_an_offset_or_a_time_zone() -> None:
    text = "batch_id,sku,supplier_id,produced_at\nB1,S,X,2026-11-02T08:00:00\nB2,S,X,2026-11-02\nB3,S,X,yesterday\n"
    r = parse_batches_csv(text)
    assert where(r) == [(2, "produced_at"), (3, "produced_at"), (4, "produced_at")]
    assert "time zone" in r.errors[1].message
    assert where(parse_batches_csv(text, time_zone=TZ)) == [(2, "produced_at"), (4, "produced_at")]


def test_malformed_csv_and_binary_input() -> None:
    r = parse_batches_csv('batch_id,sku,supplier_id,produced_at\nB1,S,X,"unterminated\n')
    assert where(r) == [(2, None)] and "malformed CSV" in r.errors[0].message
    assert where(parse_suppliers_csv("supplier_id,name\nS1,\x00\n")) == [(0, None)]


def test_limits_on_rows_values_and_errors() -> None:
    many = "sku,date,orders\n" + "".join(f"A{i},2026-01-01,1\n" for i in range(11))
    r = parse_order_volumes_csv(many, max_rows=10)
    assert where(r) == [(0, None)] and "at most 10" in r.errors[0].message
    assert parse_order_volumes_csv(many, max_rows=11).ok
    r = parse_suppliers_csv("supplier_id,name\nS1," + "x" * 1001 + "\n")
    assert where(r) == [(2, "name")]
    bad = "supplier_id,name\n" + "bad id,\n" * 300
    r = parse_suppliers_csv(bad)
    assert len(r.errors) == MAX_ERRORS + 1 and "too many errors" in r.errors[-1].message


def test_cross_file_references_name_the_referring_row() -> None:
    sup = parse_suppliers_csv("supplier_id,name\nS1,Acme\n")
    skus = parse_sku_map_csv("sku,supplier_id,product_line\nK1,S1,food\nK2,S9,food\n")
    batches = parse_batches_csv(
        "batch_id,sku,supplier_id,produced_at\n"
        "B1,K1,S1,2026-11-02T08:00:00+08:00\n"
        "B2,K7,S1,2026-11-02T08:00:00+08:00\n"
        "B3,K1,S2,2026-11-02T08:00:00+08:00\n"
    )
    errors = check_references(sup, skus, batches)
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("sku_map", 3, "supplier_id"),
        ("batches", 3, "sku"),
        ("batches", 4, "supplier_id"),
    ]
    assert isinstance(errors[0], CsvError) and "S9" in errors[0].message
