"""ISO 8601 weeks ("2026-W47") in a shop's time zone.

A week runs from Monday 00:00 to the next Monday 00:00 shop-local time. ``parse_iso_week`` accepts
exactly ``YYYY-Www`` (``2026-W47``; the lowercase ``w`` too) and rejects weeks a year does not have:
``2026-W60``, ``2026-W00`` and ``2027-W53`` (2027 has 52 ISO weeks; 2026 has 53) raise
``InvalidIsoWeek``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .errors import InvalidIsoWeek
from .model import is_aware

_WEEK_RE = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")
MIN_YEAR = 1970
MAX_YEAR = 9998


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week number of 28 December is the last week of its year."""
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        if not isinstance(self.year, int) or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InvalidIsoWeek(f"{self.year}-W{self.week}", f"year must be {MIN_YEAR}-{MAX_YEAR}")
        last = weeks_in_year(self.year)
        if not isinstance(self.week, int) or not 1 <= self.week <= last:
            raise InvalidIsoWeek(f"{self.year}-W{self.week}", f"week must be 01-{last:02d} in {self.year}")

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def days(self) -> tuple[date, ...]:
        return tuple(self.monday + timedelta(days=i) for i in range(7))

    def start(self, tz: tzinfo) -> datetime:
        """Monday 00:00 shop-local (aware)."""
        return datetime.combine(self.monday, time(0), tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The next Monday 00:00 shop-local (exclusive end)."""
        return self.next().start(tz)

    def contains(self, moment: datetime, tz: tzinfo) -> bool:
        return IsoWeek.of(moment, tz) == self

    def previous(self) -> IsoWeek:
        return IsoWeek.from_date(self.monday - timedelta(days=7))

    def next(self) -> IsoWeek:
        return IsoWeek.from_date(self.monday + timedelta(days=7))

    @classmethod
    def from_date(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def of(cls, moment: datetime, tz: tzinfo) -> IsoWeek:
        """The ISO week of an aware moment, in the given time zone."""
        if not is_aware(moment):
            raise InvalidIsoWeek(str(moment), "needs a timezone-aware datetime", field="at")
        return cls.from_date(moment.astimezone(tz).date())


def parse_iso_week(text: object, field: str = "week") -> IsoWeek:
    if not isinstance(text, str):
        raise InvalidIsoWeek(text, "must be a string like 2026-W47", field=field)
    m = _WEEK_RE.fullmatch(text.strip())
    if m is None:
        raise InvalidIsoWeek(text, "must look like 2026-W47", field=field)
    year, week = int(m.group(1)), int(m.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidIsoWeek(text, f"year must be {MIN_YEAR}-{MAX_YEAR}", field=field)
    last = weeks_in_year(year)
    if not 1 <= week <= last:
        raise InvalidIsoWeek(text, f"week must be 01-{last:02d} in {year}", field=field)
    return IsoWeek(year, week)
