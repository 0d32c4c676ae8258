"""Compensation budgets per shop and period, and budget period keys in the shop's time zone.

A :class:`Budget` holds ``cap``, ``spent`` and ``reserved``; ``remaining = cap - spent - reserved``.
An offer reserves budget, a payout moves the reservation to spent, a rejection releases it, a
reversed payout gives the spent amount back. Budgets are immutable: every operation returns a new one.

A supervisor may approve an offer that does not fit in the remaining budget; the reservation is then
made with ``allow_overdraft=True`` and the budget shows an ``overdraft`` while ``remaining`` is zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BudgetExceeded, CurrencyMismatch, InvalidInput
from .money import Money

PERIOD_MONTH = "month"
PERIOD_WEEK = "week"
PERIOD_KINDS: frozenset[str] = frozenset({PERIOD_MONTH, PERIOD_WEEK})

_MONTH_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK_KEY = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")


def zone(tz: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone ``tz`` or :class:`InvalidInput`."""
    if not isinstance(tz, str) or not tz:
        raise InvalidInput(field, "must be an IANA time zone name such as 'Asia/Shanghai'")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field, f"unknown time zone {tz!r}") from None


def require_aware(at: datetime, field: str = "at") -> datetime:
    if not isinstance(at, datetime):
        raise InvalidInput(field, f"must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        raise InvalidInput(field, "must be timezone-aware")
    return at


def period_key(at: datetime, tz: str, period: str = PERIOD_MONTH) -> str:
    """The budget period containing instant ``at`` in time zone ``tz``.

    ``month`` gives ``"2026-11"`` (rolls over at local midnight on the 1st); ``week`` gives the ISO
    week ``"2026-W48"`` (rolls over at local midnight on Monday). ``at`` must be timezone-aware.
    """
    require_aware(at)
    local = at.astimezone(zone(tz))
    if period == PERIOD_MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    if period == PERIOD_WEEK:
        iso = local.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    raise InvalidInput("period", f"must be one of {sorted(PERIOD_KINDS)}; got {period!r}")


def _first_day(key: str, field: str = "period") -> tuple[date, str]:
    if not isinstance(key, str):
        raise InvalidInput(field, "must be a period key such as '2026-11' or '2026-W47'")
    m = _MONTH_KEY.match(key)
    if m:
        if int(m.group(1)) < 1:
            raise InvalidInput(field, f"{key!r} is not a month of a year from 0001")
        return date(int(m.group(1)), int(m.group(2)), 1), PERIOD_MONTH
    w = _WEEK_KEY.match(key)
    if w:
        try:
            return date.fromisocalendar(int(w.group(1)), int(w.group(2)), 1), PERIOD_WEEK
        except ValueError:
            raise InvalidInput(field, f"{key!r} is not an ISO week of that year") from None
    raise InvalidInput(field, f"must be a period key such as '2026-11' or '2026-W47'; got {key!r}")


def validate_period_key(key: str, field: str = "period") -> str:
    _first_day(key, field)
    return key


def next_period_key(key: str) -> str:
    start, kind = _first_day(key)
    if kind == PERIOD_MONTH:
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return f"{year:04d}-{month:02d}"
    try:
        nxt = (start + timedelta(days=7)).isocalendar()
    except OverflowError:
        raise InvalidInput("period", f"{key!r} is the last week a date can hold") from None
    return f"{nxt.year:04d}-W{nxt.week:02d}"


def period_bounds(key: str, tz: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of period ``key`` as aware datetimes at local midnight in ``tz``."""
    zi = zone(tz)
    start, _ = _first_day(key)
    end, _ = _first_day(next_period_key(key))
    return (
        datetime(start.year, start.month, start.day, tzinfo=zi),
        datetime(end.year, end.month, end.day, tzinfo=zi),
    )


def _positive(amount: Money, currency: str, field: str) -> Money:
    if not isinstance(amount, Money):
        raise InvalidInput(field, f"must be Money, got {type(amount).__name__}")
    if amount.currency != currency:
        raise CurrencyMismatch(f"{field}.currency", f"budget is in {currency}, amount in {amount.currency}")
    if amount.is_zero:
        raise InvalidInput(f"{field}.amount_minor", "must be positive")
    return amount


@dataclass(frozen=True, slots=True)
class Budget:
    """A shop's compensation budget for one period (e.g. ``"2026-11"``)."""

    shop_id: str
    period: str
    cap: Money
    spent: Money
    reserved: Money

    def __post_init__(self) -> None:
        if not isinstance(self.shop_id, str) or not self.shop_id:
            raise InvalidInput("shop_id", "must be a non-empty string")
        validate_period_key(self.period)
        for name in ("cap", "spent", "reserved"):
            value = getattr(self, name)
            if not isinstance(value, Money):
                raise InvalidInput(name, f"must be Money, got {type(value).__name__}")
        if self.spent.currency != self.cap.currency or self.reserved.currency != self.cap.currency:
            raise CurrencyMismatch("currency", "cap, spent and reserved must share one currency")

    @classmethod
    def open(cls, shop_id: str, period: str, cap: Money) -> Budget:
        """A fresh period: nothing spent or reserved."""
        if not isinstance(cap, Money):
            raise InvalidInput("cap", f"must be Money, got {type(cap).__name__}")
        return cls(shop_id, period, cap, Money.zero(cap.currency), Money.zero(cap.currency))

    @property
    def currency(self) -> str:
        return self.cap.currency

    @property
    def headroom_minor(self) -> int:
        """``cap - spent - reserved`` as a signed integer (negative when overdrawn)."""
        return self.cap.amount_minor - self.spent.amount_minor - self.reserved.amount_minor

    @property
    def remaining(self) -> Money:
        """What is left to reserve; zero (never negative) when overdrawn."""
        return Money(max(0, self.headroom_minor), self.currency)

    @property
    def overdraft(self) -> Money:
        """How far approved overrides took the budget beyond its cap."""
        return Money(max(0, -self.headroom_minor), self.currency)

    def can_cover(self, amount: Money) -> bool:
        """Would reserving ``amount`` stay within the cap?"""
        _positive(amount, self.currency, "amount")
        return amount.amount_minor <= self.headroom_minor

    def reserve(self, amount: Money, *, allow_overdraft: bool = False) -> Budget:
        """Earmark ``amount`` for an offer; :class:`BudgetExceeded` if it does not fit (unless allowed)."""
        _positive(amount, self.currency, "amount")
        if not allow_overdraft and amount.amount_minor > self.headroom_minor:
            raise BudgetExceeded(amount.amount_minor, max(0, self.headroom_minor), self.currency)
        return replace(self, reserved=self.reserved + amount)

    def spend(self, amount: Money) -> Budget:
        """A payout: move ``amount`` from reserved to spent."""
        _positive(amount, self.currency, "amount")
        if amount > self.reserved:
            raise InvalidInput("amount", f"cannot spend {amount} with only {self.reserved} reserved")
        return replace(self, reserved=self.reserved - amount, spent=self.spent + amount)

    def release(self, amount: Money) -> Budget:
        """A rejection: give a reservation back."""
        _positive(amount, self.currency, "amount")
        if amount > self.reserved:
            raise InvalidInput("amount", f"cannot release {amount} with only {self.reserved} reserved")
        return replace(self, reserved=self.reserved - amount)

    def unspend(self, amount: Money) -> Budget:
        """A reversed payout: the spent amount comes back to the budget."""
        _positive(amount, self.currency, "amount")
        if amount > self.spent:
            raise InvalidInput("amount", f"cannot reverse {amount} with only {self.spent} spent")
        return replace(self, spent=self.spent - amount)

    def with_cap(self, cap: Money) -> Budget:
        """The same period with a new cap (spent and reserved unchanged; may leave it overdrawn)."""
        if not isinstance(cap, Money):
            raise InvalidInput("cap", f"must be Money, got {type(cap).__name__}")
        if cap.currency != self.currency:
            raise CurrencyMismatch("cap.currency", f"budget is in {self.currency}")
        return replace(self, cap=cap)
