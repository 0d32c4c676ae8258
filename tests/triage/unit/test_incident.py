"""Group complaints: thresholds per scope, the window, category grouping, incident keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.triage.domain.errors import InvalidInput
from services.triage.domain.incident import (
    CaseSignal,
    IncidentPolicy,
    IncidentScope,
    detect_incidents,
    incident_key,
    should_open_incident,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SH)


def cases(n: int, *, category: str = "product_quality", minutes_apart: int = 30, **where: str) -> list[CaseSignal]:
    return [
        CaseSignal(f"c{i}", NOW - timedelta(minutes=minutes_apart * i), category, **where)  # type: ignore[arg-type]
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("scope", "n", "opens"),
    [
        ("batch", 2, False),
        ("batch", 3, True),
        ("sku", 2, False),
        ("sku", 3, True),
        ("region", 4, False),
        ("region", 5, True),
    ],
)
def test_default_thresholds(scope: str, n: int, opens: bool) -> None:
    assert should_open_incident(n, scope) is opens
    field = {"batch": "batch_id", "sku": "sku", "region": "region"}[scope]
    decisions = detect_incidents(shop_id="s1", cases=cases(n, **{field: "X-1"}), now=NOW)
    assert bool(decisions) is opens


def test_three_cases_on_one_batch_open_an_incident_with_its_key_and_cases() -> None:
    found = cases(3, batch_id="B-2026-11", sku="SKU-9")
    (batch, sku) = detect_incidents(shop_id="s1", cases=found, now=NOW)
    assert batch.scope is IncidentScope.BATCH
    assert batch.key == "s1:incident:batch:B-2026-11:product_quality"
    assert batch.case_ids == ("c0", "c1", "c2")
    assert (batch.count, batch.threshold, batch.is_new) == (3, 3, True)
    assert batch.reason == "3 product_quality cases on batch B-2026-11 within the window (>= 3)"
    assert sku.scope is IncidentScope.SKU


def test_cases_outside_the_window_do_not_count() -> None:
    # 3 cases 11 hours apart: the oldest is 22 h ago (inside 24 h); with 13 h spacing it is 26 h ago
    assert detect_incidents(shop_id="s1", cases=cases(3, minutes_apart=11 * 60, sku="A"), now=NOW)
    assert not detect_incidents(shop_id="s1", cases=cases(3, minutes_apart=13 * 60, sku="A"), now=NOW)
    future = [CaseSignal("f", NOW + timedelta(minutes=1), "product_quality", sku="A")]
    assert not detect_incidents(shop_id="s1", cases=cases(2, sku="A") + future, now=NOW)


def test_different_categories_are_not_one_group_by_default() -> None:
    mixed = [
        CaseSignal("a", NOW, "logistics_delay", region="杭州"),
        CaseSignal("b", NOW, "logistics_delay", region="杭州"),
        CaseSignal("c", NOW, "logistics_delay", region="杭州"),
        CaseSignal("d", NOW, "payment", region="杭州"),
        CaseSignal("e", NOW, "payment", region="杭州"),
    ]
    assert detect_incidents(shop_id="s1", cases=mixed, now=NOW) == ()
    (any_category,) = detect_incidents(shop_id="s1", cases=mixed, now=NOW, policy=IncidentPolicy(same_category=False))
    assert any_category.key == "s1:incident:region:杭州:*"
    assert any_category.count == 5


def test_suggestions_are_not_complaints_and_do_not_count() -> None:
    assert not detect_incidents(shop_id="s1", cases=cases(5, category="suggestion", sku="A"), now=NOW)


def test_a_case_is_counted_once_even_if_listed_twice() -> None:
    twice = cases(2, sku="A") + [cases(1, sku="A")[0]]
    assert not detect_incidents(shop_id="s1", cases=twice, now=NOW)


def test_blank_values_are_unknown_not_a_group() -> None:
    assert not detect_incidents(shop_id="s1", cases=cases(5, sku="  ", region=""), now=NOW)


def test_an_already_open_incident_is_attached_to_not_reopened() -> None:
    key = incident_key("s1", "sku", "A", "product_quality")
    (decision,) = detect_incidents(shop_id="s1", cases=cases(4, sku="A"), now=NOW, open_keys={key})
    assert decision.key == key
    assert not decision.is_new


def test_thresholds_are_configurable_per_scope() -> None:
    policy = IncidentPolicy(thresholds={"region": 10, "sku": 2}, window=timedelta(hours=2))
    assert policy.thresholds[IncidentScope.BATCH] == 3  # unchanged default
    assert should_open_incident(2, "sku", policy=policy)
    assert not should_open_incident(9, "region", policy=policy)
    # 2 cases 90 min apart are inside 2 h
    assert detect_incidents(shop_id="s1", cases=cases(2, minutes_apart=90, sku="A"), now=NOW, policy=policy)


def test_incident_keys_are_stable_and_shop_scoped() -> None:
    assert incident_key("s1", "region", " 杭州 ") == "s1:incident:region:杭州:*"
    assert incident_key("s1", IncidentScope.SKU, "A", "payment") != incident_key("s2", "sku", "A", "payment")


@pytest.mark.parametrize(
    "kwargs",
    [{"thresholds": {"sku": 1}}, {"thresholds": {"city": 3}}, {"window": timedelta(0)}],
)
def test_bad_policies_are_refused(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        IncidentPolicy(**kwargs)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        detect_incidents(shop_id="s1", cases=[], now=datetime(2026, 11, 20, 15))
    naive = [CaseSignal("a", datetime(2026, 11, 20, 15), "payment", sku="A")]
    with pytest.raises(InvalidInput) as err:
        detect_incidents(shop_id="s1", cases=naive, now=NOW)
    assert err.value.field == "cases[0].opened_at"
    with pytest.raises(InvalidInput):
        incident_key("s1", "sku", "")
