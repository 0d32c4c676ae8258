"""Logistics rules without I/O: event checks, excursion episodes, shipment folding, signals' items, thresholds."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from libs.errors import InvalidArgument
from services.intake.domain.feedback import validate
from services.intake.domain.logistics import (
    MAX_LISTED_REJECTIONS,
    Episode,
    LogisticsEvent,
    Reading,
    ReportSummary,
    Thresholds,
    excursion_item,
    incident_item,
    is_overdue,
    overdue_item,
    rejection,
    shipment_updates,
    signal_external_id,
    validate_thresholds,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SHOPS = frozenset({"shop-a"})
OUT = Reading(10.0, 2.0, 8.0, "°C")
IN = Reading(5.0, 2.0, 8.0, "°C")


def ev(**fields: object) -> LogisticsEvent:
    base: dict[str, object] = {
        "event_id": "e-1",
        "shop_id": "shop-a",
        "order_id": "o-1",
        "kind": "in_transit",
        "occurred_at": NOW - timedelta(hours=1),
    }
    base.update(fields)
    return LogisticsEvent(**base)  # type: ignore[arg-type]


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


# --- event checks -------------------------------------------------------------------------------


def test_a_good_event_passes() -> None:
    assert rejection(ev(), now=NOW, shops=SHOPS) is None
    assert rejection(ev(kind="temperature_excursion", reading=OUT), now=NOW, shops=SHOPS) is None
    assert rejection(ev(occurred_at=NOW + timedelta(minutes=4)), now=NOW, shops=SHOPS) is None  # clock skew


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"kind": "teleported"}, "kind: must be one of"),
        ({"kind": ""}, "kind: must be one of"),
        ({"event_id": " "}, "event_id: is required"),
        ({"event_id": "x" * 129}, "event_id: must be at most 128"),
        ({"order_id": ""}, "order_id: is required"),
        ({"order_id": "o\x00"}, "order_id: must be at most 128 printable"),
        ({"shop_id": ""}, "shop_id: is required"),
        ({"shop_id": "bad shop"}, "shop_id: must be 1-64"),
        ({"shop_id": "shop-b"}, "shop_id: not served by this partner"),
        ({"occurred_at": None}, "occurred_at: is required"),
        ({"occurred_at": NOW + timedelta(minutes=6)}, "occurred_at: must not be in the future"),
        ({"occurred_at": datetime(1999, 12, 31, tzinfo=UTC)}, "occurred_at: must not be before 2000-01-01"),
        ({"promised_at": NOW + timedelta(days=400)}, "promised_at: must be between"),
        ({"kind": "temperature_excursion"}, "reading: is required for temperature_excursion"),
        ({"kind": "humidity_excursion"}, "reading: is required for humidity_excursion"),
        ({"reading": Reading(math.inf, 0, 1)}, "finite"),
        ({"reading": Reading(1, 5, 2)}, "allowed_min must not exceed allowed_max"),
        ({"reading": Reading(1, 0, 2, "u" * 17)}, "reading.unit"),
        ({"description": "d" * 1001}, "description: must be at most 1000"),
        ({"description": "nul\x00"}, "description: must be at most 1000 printable"),
        ({"region": "r" * 129}, "region: must be at most 128"),
    ],
)
def test_malformed_events_are_rejected_with_the_field(fields: dict[str, object], reason: str) -> None:
    found = rejection(ev(**fields), now=NOW, shops=SHOPS)
    assert found is not None and reason in found


def test_every_problem_is_named() -> None:
    found = rejection(ev(event_id="", order_id="", kind="x", occurred_at=None), now=NOW, shops=SHOPS)
    assert found is not None
    for field in ("event_id", "order_id", "kind", "occurred_at"):
        assert f"{field}:" in found


def test_the_summary_lists_a_bounded_number_of_rejections() -> None:
    summary = ReportSummary()
    for i in range(MAX_LISTED_REJECTIONS + 5):
        summary.reject(f"e-{i}" + "x" * 200, "kind: bad")
    assert summary.rejected == MAX_LISTED_REJECTIONS + 5
    assert len(summary.rejected_events) == MAX_LISTED_REJECTIONS
    assert summary.rejected_events_omitted == 5
    assert len(summary.rejected_events[0].event_id) == 128


# --- excursion episodes -------------------------------------------------------------------------


def fold(points: list[tuple[int, Reading]], threshold: timedelta = timedelta(minutes=30)) -> tuple[Episode, list[int]]:
    """Folds readings as the ingest does; returns the episode and the episode numbers signalled."""
    episode, fired = Episode(), []
    for minute, reading in points:
        episode = episode.observe(reading, at(minute))
        if episode.is_due(threshold):
            fired.append(episode.number)
            episode = Episode(**{**episode.__dict__, "signalled": True})
    return episode, fired


def test_an_episode_starts_at_the_first_out_of_range_reading_and_ends_in_range() -> None:
    episode, fired = fold([(0, IN), (5, OUT), (20, OUT), (25, IN)])
    assert fired == []
    assert not episode.open and episode.number == 1
    assert episode.started_at == at(5) and episode.last_out_at == at(20) and episode.ended_at == at(25)


def test_an_episode_fires_once_when_it_outlasts_the_threshold() -> None:
    episode, fired = fold([(0, OUT), (30, OUT), (31, OUT), (60, OUT), (90, OUT)])
    assert fired == [1]  # exactly 30 minutes is not longer than the threshold; 31 is
    assert episode.open and episode.signalled


def test_each_new_episode_can_fire_again() -> None:
    _, fired = fold([(0, OUT), (40, OUT), (41, IN), (50, OUT), (95, OUT), (96, IN), (100, OUT)])
    assert fired == [1, 2]


def test_out_of_order_readings_extend_an_episode_and_stale_in_range_ones_do_not_end_it() -> None:
    episode = Episode().observe(OUT, at(20)).observe(OUT, at(0))
    assert episode.started_at == at(0) and episode.last_out_at == at(20)
    assert episode.observe(IN, at(10)) == episode  # older than the latest out-of-range reading
    ended = episode.observe(IN, at(25))
    assert not ended.open
    assert ended.observe(OUT, at(22)) == ended  # a late reading of the episode that ended
    second = ended.observe(OUT, at(30))
    assert second.number == 2 and second.open and second.started_at == at(30)
    assert second.observe(OUT, at(24)) == second  # belongs to the first episode, which has ended


def test_the_peak_is_the_furthest_reading_outside_the_range() -> None:
    episode = Episode().observe(Reading(9, 2, 8), at(0)).observe(Reading(0.5, 2, 8), at(1))
    assert episode.peak == 0.5
    assert episode.observe(Reading(8.5, 2, 8), at(2)).peak == 0.5


def test_delivery_closes_an_open_episode_and_the_periodic_check_uses_now() -> None:
    episode = Episode().observe(OUT, at(0))
    assert not episode.is_due(timedelta(minutes=30))
    assert episode.is_due(timedelta(minutes=30), until=at(31))
    closed = episode.close(at(10))
    assert not closed.open and closed.ended_at == at(10)
    assert not closed.is_due(timedelta(minutes=30), until=at(100))
    assert Episode().close(at(1)) == Episode()


# --- shipments ----------------------------------------------------------------------------------


def test_shipment_updates_take_the_newest_promise_and_the_first_delivery() -> None:
    events = [
        ev(event_id="1", occurred_at=at(0), promised_at=at(600), tracking_no="SF1"),
        ev(event_id="2", occurred_at=at(50), promised_at=at(900), region="华南"),
        ev(event_id="3", occurred_at=at(20), promised_at=at(700)),  # older than event 2
        ev(event_id="4", kind="delivered", occurred_at=at(800)),
        ev(event_id="5", kind="delivered", occurred_at=at(700)),
        ev(event_id="6", order_id="o-2", kind="in_transit"),  # neither a promise nor a delivery
    ]
    (update,) = shipment_updates(events)
    assert update.promised_at == at(900) and update.promised_seen_at == at(50)
    assert update.delivered_at == at(700)
    assert update.tracking_no == "SF1" and update.region == "华南"


def test_overdue_is_strictly_longer_than_the_threshold() -> None:
    twelve = timedelta(hours=12)
    promised = NOW - twelve
    assert not is_overdue(promised_at=promised, delivered_at=None, now=NOW, threshold=twelve)
    assert is_overdue(promised_at=promised, delivered_at=None, now=NOW + timedelta(seconds=1), threshold=twelve)
    assert not is_overdue(promised_at=promised, delivered_at=NOW - timedelta(hours=1), now=NOW, threshold=twelve)


# --- the items signals become -------------------------------------------------------------------


def test_signal_items_are_valid_logistics_feedback_with_deterministic_ids() -> None:
    items = [
        incident_item(ev(kind="damaged", region="华东"), partner_id="pt_1"),
        excursion_item(
            order_id="o-1",
            kind="humidity_excursion",
            episode=Episode().observe(Reading(90, 30, 70, "%RH"), at(-60)).observe(Reading(95, 30, 70, "%RH"), at(-15)),
            threshold=timedelta(minutes=30),
        ),
        overdue_item(
            order_id="o-1",
            region="",
            tracking_no="SF1",
            promised_at=NOW - timedelta(hours=20),
            delivered_at=None,
            now=NOW,
            threshold=timedelta(hours=12),
        ),
    ]
    for item in items:
        checked = validate(item, now=NOW)
        assert checked.channel == "logistics" and checked.logistics_event and checked.order_id == "o-1"
    assert [i.external_id for i in items] == ["damaged:o-1:1", "humidity_excursion:o-1:1", "delayed:o-1:1"]
    assert "45 min" in items[1].text and "95 %RH" in items[1].text and "30–70 %RH" in items[1].text
    assert "20 h" in items[2].text and items[2].occurred_at == NOW - timedelta(hours=8)


def test_a_long_order_id_still_gives_an_id_within_limits() -> None:
    long_id = signal_external_id("abnormal_signoff", "o" * 128, 3)
    assert len(long_id) <= 128 and long_id.endswith(":3")
    assert long_id == signal_external_id("abnormal_signoff", "o" * 128, 3)


# --- thresholds ---------------------------------------------------------------------------------


def test_thresholds_default_and_change_one_at_a_time() -> None:
    t = Thresholds()
    assert t.overdue_after == timedelta(hours=12) and t.excursion_after("temperature_excursion") == timedelta(
        minutes=30
    )
    changed = t.changed(humidity_excursion_after=timedelta(minutes=5))
    assert changed.excursion_after("humidity_excursion") == timedelta(minutes=5)
    assert changed.overdue_after == t.overdue_after


def test_thresholds_out_of_range_name_each_field() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_thresholds(Thresholds(overdue_after=timedelta(days=31), temperature_excursion_after=timedelta(-1)))
    assert [v.field for v in err.value.violations] == [
        "thresholds.overdue_after",
        "thresholds.temperature_excursion_after",
    ]
    assert validate_thresholds(Thresholds(overdue_after=timedelta(seconds=90.7))).overdue_after == timedelta(seconds=90)
