"""Attribution validation and idempotency, AuditRules from/to dict, ISO weeks, recalls, errors."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.supplier_audit.domain import errors as E
from services.supplier_audit.domain.isoweek import IsoWeek, parse_iso_week, weeks_in_year
from services.supplier_audit.domain.model import (
    Attribution,
    Batch,
    OrderVolume,
    OrderVolumes,
    Severity,
    record_attribution,
    validate_attribution,
)
from services.supplier_audit.domain.recalls import (
    RecallRecommendation,
    RecallStatus,
    RecallTrigger,
    estimate_affected_orders,
    set_recall_status,
)
from services.supplier_audit.domain.rules import AuditRules

TZ = ZoneInfo("Asia/Shanghai")
GOOD = {
    "case_id": "case-1",
    "sku": "SKU-1",
    "batch_id": "B-7",
    "supplier_id": "S1",
    "category": "product_quality",
    "severity": "high",
    "occurred_at": "2026-11-02T10:00:00+08:00",
    "safety": True,
    "risk_kinds": ["allergy"],
    "product_line": "休闲零食 (snacks)",
    "order_id": "O-1001",
    "region": "CN-31",
}


# -- attributions ----------------------------------------------------------------------------------


def test_a_valid_attribution_round_trips() -> None:
    a = validate_attribution(GOOD)
    assert a.severity is Severity.HIGH and a.occurred_at == datetime(2026, 11, 2, 10, tzinfo=TZ)
    assert a.risk_kinds == frozenset({"allergy"}) and a.is_safety_related()
    assert Attribution.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    assert (a.product_line, a.order_id, a.region) == ("休闲零食 (snacks)", "O-1001", "CN-31")
    no_batch = validate_attribution(
        {**GOOD, "batch_id": "", "safety": False, "risk_kinds": [], "order_id": "", "region": None}
    )
    assert no_batch.batch_id is None and not no_batch.is_safety_related()
    assert (no_batch.order_id, no_batch.region) == (None, None)
    # triage's coarse risk kind "safety" is safety-related by default; "media" is not
    coarse = validate_attribution({**GOOD, "safety": False, "risk_kinds": ["safety", "media"]})
    assert coarse.is_safety_related()
    assert not validate_attribution({**GOOD, "safety": False, "risk_kinds": ["media"]}).is_safety_related()


def test_attribution_validation_names_every_bad_field() -> None:
    bad = {
        **GOOD,
        "case_id": "",
        "sku": "has space",
        "category": "Product Quality",
        "severity": "urgent",
        "occurred_at": "2026-11-02T10:00:00",  # no offset
        "safety": "yes",
        "risk_kinds": ["ok_kind", "Bad Kind"],
        "colour": "red",
        "order_id": "O 1",
        "region": "x" * 65,
    }
    with pytest.raises(E.AttributionValidationError) as info:
        validate_attribution(bad)
    fields = [e.field for e in info.value.errors]
    assert fields == [
        "colour",
        "case_id",
        "sku",
        "category",
        "severity",
        "occurred_at",
        "safety",
        "risk_kinds[1]",
        "region",
        "order_id",
    ]
    assert isinstance(info.value, E.DomainValidationError)
    assert info.value.errors[1].to_dict() == {"field": "case_id", "message": "required"}
    with pytest.raises(E.AttributionValidationError):
        validate_attribution({k: v for k, v in GOOD.items() if k != "supplier_id"})


def test_constructing_an_invalid_attribution_directly_is_refused() -> None:
    with pytest.raises(E.AttributionValidationError):
        Attribution("c", "s", "S1", "product_quality", Severity.LOW, datetime(2026, 1, 1))  # naive
    with pytest.raises(E.AttributionValidationError):
        Attribution("c", "s", "S1", "product_quality", "low", datetime(2026, 1, 1, tzinfo=TZ))  # type: ignore[arg-type]


def test_recording_is_idempotent_on_case_id() -> None:
    a = validate_attribution(GOOD)
    stored, created = record_attribution(None, a)
    assert stored is a and created
    # the same record again (same instant written in UTC) is a replay
    replay = validate_attribution({**GOOD, "occurred_at": "2026-11-02T02:00:00Z"})
    stored2, created2 = record_attribution(stored, replay)
    assert stored2 is stored and not created2
    with pytest.raises(E.AttributionConflict) as info:
        record_attribution(stored, validate_attribution({**GOOD, "supplier_id": "S2", "severity": "low"}))
    assert info.value.differing_fields == ("supplier_id", "severity")
    assert isinstance(info.value, E.DomainConflict)


# -- rules -----------------------------------------------------------------------------------------


def test_rules_defaults_and_round_trip() -> None:
    r = AuditRules()
    assert (r.inspection_threshold, r.inspection_window_days, r.time_zone) == (3, 30, "Asia/Shanghai")
    assert (r.grade_a_max_rate, r.grade_b_max_rate, r.grade_c_max_rate) == (1.0, 3.0, 6.0)
    assert (r.failed_inspection_lookback_days, r.replace_after_failed_inspections) == (180, 2)
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d and "allergy" in d["safety_risk_kinds"]
    assert AuditRules.from_dict(d) == r
    assert AuditRules.from_dict(None) == r == AuditRules.from_dict({})
    shop = AuditRules.from_dict({"inspection_threshold": 4, "time_zone": "Europe/Berlin", "grade_c_max_rate": 8})
    assert (shop.inspection_threshold, shop.tz, shop.grade_c_max_rate) == (4, ZoneInfo("Europe/Berlin"), 8.0)
    assert shop.inspection_window_days == 30  # untouched keys keep the defaults
    assert AuditRules.from_dict(shop.to_dict()) == shop


def test_rules_validation_names_each_key() -> None:
    with pytest.raises(E.RulesValidationError) as info:
        AuditRules.from_dict(
            {
                "inspection_threshold": 0,
                "inspection_window_days": True,
                "time_zone": "Mars/Olympus",
                "safety_risk_kinds": ["Fire!"],
                "grade_a_max_rate": 5.0,  # above b
                "recall_on_safety": "yes",
            }
        )
    assert sorted(e.field for e in info.value.errors) == sorted(
        [
            "time_zone",
            "inspection_threshold",
            "inspection_window_days",
            "recall_on_safety",
            "safety_risk_kinds",
            "grade_b_max_rate",
        ]
    )
    with pytest.raises(E.RulesValidationError) as info:
        AuditRules.from_dict({"inspection_treshold": 3, "grade_b_max_rate": "3"})
    assert [e.field for e in info.value.errors] == ["inspection_treshold", "grade_b_max_rate"]
    with pytest.raises(E.RulesValidationError):
        AuditRules.from_dict({"grade_c_max_rate": float("nan")})
    with pytest.raises(E.RulesValidationError):
        AuditRules(batch_surge_threshold=-1)


# -- ISO weeks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-W60", "2026-W00", "2027-W53", "2026-W7", "2026W47", "26-W47", "2026-W47x", "2026-47", "", "２０２６-W47"],
)
def test_invalid_iso_weeks_are_rejected(text: str) -> None:
    with pytest.raises(E.InvalidIsoWeek) as info:
        parse_iso_week(text)
    assert info.value.errors[0].field == "week"


def test_iso_week_parsing_and_bounds() -> None:
    w = parse_iso_week("2026-W47")
    assert w == IsoWeek(2026, 47) and str(w) == "2026-W47"
    assert w.monday == date(2026, 11, 16) and w.days()[-1] == date(2026, 11, 22)
    assert w.start(TZ) == datetime(2026, 11, 16, tzinfo=TZ) and w.end(TZ) == datetime(2026, 11, 23, tzinfo=TZ)
    assert parse_iso_week("2026-W53") == IsoWeek(2026, 53)  # 2026 has 53 ISO weeks
    assert (weeks_in_year(2026), weeks_in_year(2027)) == (53, 52)
    assert IsoWeek(2026, 1).previous() == IsoWeek(2025, 52)
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)
    assert IsoWeek.of(datetime.fromisoformat("2026-11-15T16:00:00+00:00"), TZ) == w  # Monday 00:00 local
    with pytest.raises(E.InvalidIsoWeek):
        IsoWeek(2026, 60)


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(9990, 12, 31)))
def test_every_day_lies_in_the_week_parsed_from_its_own_label(day: date) -> None:
    w = IsoWeek.from_date(day)
    assert parse_iso_week(str(w)) == w
    assert w.monday <= day <= w.monday + timedelta(days=6)
    assert w.next().previous() == w


# -- recalls and volumes ---------------------------------------------------------------------------


def test_affected_orders_estimate_uses_shop_local_days() -> None:
    vols = OrderVolumes(
        [OrderVolume("K", date(2026, 11, d), n) for d, n in ((1, 5), (2, 7), (3, 11), (4, 13))]
        + [OrderVolume("OTHER", date(2026, 11, 2), 100)]
    )
    # 2026-11-01 17:00 UTC is 2026-11-02 01:00 in Shanghai: production day is the 2nd
    batch = Batch("B", "K", "S", datetime.fromisoformat("2026-11-01T17:00:00+00:00"))
    assert estimate_affected_orders(batch, vols, datetime(2026, 11, 3, 23, tzinfo=TZ), TZ) == 7 + 11
    assert estimate_affected_orders(batch, vols, datetime(2026, 11, 1, 12, tzinfo=TZ), TZ) == 0
    assert estimate_affected_orders(
        batch, vols, datetime(2026, 11, 3, 23, tzinfo=ZoneInfo("UTC")), ZoneInfo("UTC")
    ) == (5 + 7 + 11)
    with pytest.raises(E.DomainValidationError):
        OrderVolumes([OrderVolume("K", date(2026, 1, 1), 1), OrderVolume("K", date(2026, 1, 1), 2)])


def test_recall_lifecycle() -> None:
    t0 = datetime(2026, 11, 2, tzinfo=TZ)
    r = RecallRecommendation("R1", "B1", "K", "S1", RecallTrigger.SURGE, 10, ("c1",), t0)
    assert r.is_active and r.is_active_at(t0) and not r.is_active_at(t0 - timedelta(seconds=1))
    done = set_recall_status(set_recall_status(r, "accepted", t0), RecallStatus.COMPLETED, t0 + timedelta(days=2))
    assert not done.is_active and done.resolved_at == t0 + timedelta(days=2)
    assert done.is_active_at(t0 + timedelta(days=1)) and not done.is_active_at(t0 + timedelta(days=2))
    with pytest.raises(E.InvalidTransition) as info:
        set_recall_status(done, "recommended", t0 + timedelta(days=3))
    assert info.value.kind == "recall"
    with pytest.raises(E.InvalidTransition):
        set_recall_status(r, "completed", t0)
    with pytest.raises(E.DomainValidationError):
        RecallRecommendation("R1", "B1", "K", "S1", RecallTrigger.SURGE, -1, (), t0)


def test_error_hierarchy_and_codes() -> None:
    assert issubclass(E.InvalidIsoWeek, E.DomainValidationError)
    assert issubclass(E.InspectionClosed, E.InspectionStateError)
    for cls in (E.AttributionConflict, E.InvalidTransition, E.TransitionPreconditionFailed, E.ActionStateError):
        assert issubclass(cls, E.DomainConflict)
    for cls in (E.DomainValidationError, E.DomainConflict, E.NotFound):
        assert issubclass(cls, E.SupplierAuditError)
    codes = [
        c.code
        for c in (
            E.DomainValidationError,
            E.AttributionValidationError,
            E.RulesValidationError,
            E.InvalidIsoWeek,
            E.DomainConflict,
            E.AttributionConflict,
            E.InvalidTransition,
            E.TransitionPreconditionFailed,
            E.InspectionStateError,
            E.InspectionClosed,
            E.ActionStateError,
            E.NotFound,
        )
    ]
    assert len(set(codes)) == len(codes)
    with pytest.raises(ValueError):
        E.DomainValidationError([])


def test_restore_rebuilds_a_stored_record_equal_to_the_validated_one() -> None:
    from dataclasses import fields

    a = Attribution.from_dict(
        {
            "case_id": "c1",
            "sku": "SKU-1",
            "supplier_id": "S1",
            "category": "product_quality",
            "severity": "high",
            "occurred_at": "2026-11-02T10:00:00+08:00",
            "risk_kinds": ["allergy"],
        }
    )
    restored = Attribution.restore(**{f.name: getattr(a, f.name) for f in fields(Attribution)})
    assert restored == a and hash(restored) == hash(a) and restored.is_safety_related()
