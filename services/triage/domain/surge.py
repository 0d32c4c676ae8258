"""Surge detection: this hour's count of a category or risk word against the same hour last week."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.triage.domain.errors import InvalidInput


@dataclass(frozen=True)
class SurgePolicy:
    """A surge is at least ``ratio`` × the trailing mean and at least ``min_count`` items."""

    ratio: float = 3.0
    min_count: int = 5
    days: int = 7

    def __post_init__(self) -> None:
        if not self.ratio > 1:
            raise InvalidInput.on("policy.ratio", "must be greater than 1")
        if isinstance(self.min_count, bool) or not isinstance(self.min_count, int) or self.min_count < 1:
            raise InvalidInput.on("policy.min_count", "must be a positive integer")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or not 1 <= self.days <= 60:
            raise InvalidInput.on("policy.days", "must be an integer from 1 to 60")


DEFAULT_SURGE_POLICY = SurgePolicy()


@dataclass(frozen=True)
class SurgeResult:
    """The decision with its numbers: current count, baseline (trailing mean), ratio and the rule applied."""

    is_surge: bool
    current: int
    baseline: float
    ratio: float | None  # None when the baseline is zero
    history: tuple[int, ...]
    reason: str


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput.on(name, "must be a non-negative integer")
    return value


def detect_surge(current: int, history: Sequence[int], *, policy: SurgePolicy = DEFAULT_SURGE_POLICY) -> SurgeResult:
    """Compare ``current`` with the mean of ``history`` (same hour on previous days; may be empty)."""
    now = _count(current, "current")
    past = tuple(_count(h, f"history[{i}]") for i, h in enumerate(history))
    if len(past) > policy.days:
        raise InvalidInput.on("history", f"at most {policy.days} days of history")
    baseline = sum(past) / len(past) if past else 0.0
    enough = now >= policy.min_count
    if baseline == 0:
        # nothing to compare with: only the absolute count can say it is unusual
        verdict = "surge" if enough else "no surge"
        return SurgeResult(
            enough, now, 0.0, None, past, f"{verdict}: zero baseline, {now} vs minimum {policy.min_count}"
        )
    ratio = now / baseline
    steep = ratio >= policy.ratio
    if steep and enough:
        reason = f"surge: {now} is {ratio:.2f}x the baseline {baseline:.2f} (>= {policy.ratio}x, >= {policy.min_count})"
    elif not enough:
        reason = f"no surge: {now} is below the minimum count {policy.min_count}"
    else:
        reason = f"no surge: {now} is {ratio:.2f}x the baseline {baseline:.2f} (< {policy.ratio}x)"
    return SurgeResult(steep and enough, now, round(baseline, 4), round(ratio, 4), past, reason)


def hour_start(at: datetime) -> datetime:
    """The start of the hour containing ``at``, in ``at``'s own zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput.on("at", "must be timezone-aware")
    return at.replace(minute=0, second=0, microsecond=0)


def same_hour_history(
    counts: Mapping[datetime, int], hour: datetime, *, days: int = DEFAULT_SURGE_POLICY.days
) -> tuple[int, ...]:
    """Counts at the same local hour on each of the ``days`` previous days, oldest first (missing = 0).

    ``hour`` is given in the shop's time zone so "the same hour" follows the shop's wall clock.
    """
    start = hour_start(hour)
    by_instant = {hour_start(k).astimezone(UTC): v for k, v in counts.items()}
    # same tzinfo: Python adds days on the wall clock, which is the shop's "same hour yesterday"
    wanted = [(start - timedelta(days=d)).astimezone(UTC) for d in range(days, 0, -1)]
    return tuple(_count(by_instant.get(w, 0), "counts") for w in wanted)


def surge_key(shop_id: str, *, category: str | None = None, risk_term: str | None = None) -> str:
    """The counter a surge is measured on: one shop and either one category or one risk word."""
    if not shop_id:
        raise InvalidInput.on("shop_id", "required")
    if (category is None) == (risk_term is None):
        raise InvalidInput.on("category", "give exactly one of category or risk_term")
    return f"{shop_id}:category:{category}" if category is not None else f"{shop_id}:risk:{risk_term}"
