"""Surge detection: a week of background at the same hour, then a spike (or not), and a zero baseline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.triage.domain.errors import InvalidInput
from services.triage.domain.surge import (
    SurgePolicy,
    detect_surge,
    hour_start,
    same_hour_history,
    surge_key,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 14, 37, tzinfo=SH)  # a Friday afternoon


def synthetic_week(seed: int, level: int) -> dict[datetime, int]:
    """Hourly counts for 7 days before NOW: a daily rhythm around ``level`` with noise."""
    rng = random.Random(seed)
    start = hour_start(NOW) - timedelta(days=7)
    counts: dict[datetime, int] = {}
    for h in range(7 * 24):
        at = start + timedelta(hours=h)
        daytime = 1.0 if 9 <= at.hour <= 22 else 0.3
        counts[at] = max(0, round(level * daytime + rng.uniform(-1.5, 1.5)))
    return counts


def test_week_of_background_then_a_spike_is_a_surge() -> None:
    counts = synthetic_week(seed=7, level=3)
    history = same_hour_history(counts, NOW)
    assert len(history) == 7
    baseline = sum(history) / 7
    assert 1 <= baseline <= 5
    spike = round(baseline * 4) + 1
    result = detect_surge(spike, history)
    assert result.is_surge
    assert result.baseline == pytest.approx(baseline, abs=1e-3)
    assert result.ratio == pytest.approx(spike / baseline, abs=1e-3)
    assert result.reason.startswith("surge:")


def test_week_of_background_without_a_spike_is_not_a_surge() -> None:
    counts = synthetic_week(seed=11, level=3)
    history = same_hour_history(counts, NOW)
    usual = counts[hour_start(NOW) - timedelta(days=1)]
    result = detect_surge(usual, history)
    assert not result.is_surge
    assert result.reason.startswith("no surge:")


@pytest.mark.parametrize(
    ("current", "history", "is_surge"),
    [
        (6, [2, 2, 2, 2, 2, 2, 2], True),  # exactly 3x and above the minimum
        (5, [2, 2, 2, 2, 2, 2, 2], False),  # 2.5x
        (4, [1, 1, 1, 1, 1, 1, 1], False),  # 4x but below the minimum count of 5
        (5, [1, 1, 1, 1, 1, 1, 1], True),
        (30, [10, 9, 11, 10, 10, 9, 11], True),
        (29, [10, 10, 10, 10, 10, 10, 10], False),
    ],
)
def test_ratio_and_minimum_both_apply(current: int, history: list[int], is_surge: bool) -> None:
    assert detect_surge(current, history).is_surge is is_surge


@pytest.mark.parametrize(("current", "is_surge"), [(0, False), (4, False), (5, True), (40, True)])
def test_zero_baseline_lets_the_minimum_count_decide(current: int, is_surge: bool) -> None:
    result = detect_surge(current, [0] * 7)
    assert result.is_surge is is_surge
    assert result.ratio is None
    assert result.baseline == 0
    assert "zero baseline" in result.reason


def test_missing_history_counts_as_zero_baseline() -> None:
    assert detect_surge(5, []).is_surge
    assert not detect_surge(4, []).is_surge


def test_policy_is_configurable() -> None:
    history = [2] * 7
    assert not detect_surge(6, history, policy=SurgePolicy(ratio=4.0)).is_surge
    assert detect_surge(8, history, policy=SurgePolicy(ratio=4.0)).is_surge
    assert not detect_surge(5, [0] * 7, policy=SurgePolicy(min_count=10)).is_surge


def test_same_hour_history_follows_the_shop_wall_clock_and_fills_gaps() -> None:
    base = hour_start(NOW)
    counts = {base - timedelta(days=1): 4, base - timedelta(days=3): 2, base - timedelta(hours=1): 99}
    # counts stored under UTC keys are found too
    counts[(base - timedelta(days=7)).astimezone(UTC)] = 1
    assert same_hour_history(counts, NOW) == (1, 0, 0, 0, 2, 0, 4)
    assert same_hour_history(counts, NOW, days=3) == (2, 0, 4)


def test_same_hour_across_daylight_saving_is_the_same_local_hour() -> None:
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 9, 10, 15, tzinfo=ny)  # Monday after the spring-forward Sunday
    before = datetime(2026, 3, 7, 10, tzinfo=ny)  # Saturday 10:00 EST (UTC 15:00)
    assert same_hour_history({before: 3}, now, days=2) == (3, 0)


def test_surge_keys() -> None:
    assert surge_key("shop-1", category="logistics_delay") == "shop-1:category:logistics_delay"
    assert surge_key("shop-1", risk_term="过敏") == "shop-1:risk:过敏"
    with pytest.raises(InvalidInput):
        surge_key("shop-1")
    with pytest.raises(InvalidInput):
        surge_key("shop-1", category="payment", risk_term="315")


@pytest.mark.parametrize(
    ("current", "history", "field"),
    [(-1, [1], "current"), (True, [1], "current"), (3, [1, -2], "history[1]"), (3, [0] * 8, "history")],
)
def test_bad_counts_name_the_field(current: int, history: list[int], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        detect_surge(current, history)
    assert err.value.field == field


def test_bad_policies_are_refused() -> None:
    with pytest.raises(InvalidInput):
        SurgePolicy(ratio=1.0)
    with pytest.raises(InvalidInput):
        SurgePolicy(min_count=0)
