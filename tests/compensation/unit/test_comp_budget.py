"""Budgets: reserve, spend, release, overdraft; period keys in the shop's time zone."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.compensation.domain.budget import Budget, next_period_key, period_bounds, period_key
from services.compensation.domain.errors import BudgetExceeded, InvalidInput
from services.compensation.domain.ledger import AccountName, account, account_balances
from services.compensation.domain.money import Money
from services.compensation.domain.policy import LadderPolicy
from services.compensation.domain.workflow import open_budget

SH = "Asia/Shanghai"


def test_reserve_spend_release():
    b = Budget.open("shop-1", "2026-11", Money.cny(10000))
    assert (b.spent, b.reserved, b.remaining) == (Money.cny(0), Money.cny(0), Money.cny(10000))
    b = b.reserve(Money.cny(3000)).reserve(Money.cny(2000))
    assert (b.reserved, b.remaining) == (Money.cny(5000), Money.cny(5000))
    b = b.spend(Money.cny(3000))
    assert (b.spent, b.reserved, b.remaining) == (Money.cny(3000), Money.cny(2000), Money.cny(5000))
    b = b.release(Money.cny(2000))
    assert (b.spent, b.reserved, b.remaining) == (Money.cny(3000), Money.cny(0), Money.cny(7000))
    b = b.unspend(Money.cny(3000))
    assert (b.spent, b.remaining) == (Money.cny(0), Money.cny(10000))


def test_reservation_beyond_remaining_is_refused_unless_overdraft_allowed():
    b = Budget.open("shop-1", "2026-11", Money.cny(10000)).reserve(Money.cny(8000))
    assert b.can_cover(Money.cny(2000)) and not b.can_cover(Money.cny(2001))
    with pytest.raises(BudgetExceeded) as exc:
        b.reserve(Money.cny(2001))
    assert (exc.value.requested_minor, exc.value.remaining_minor) == (2001, 2000)
    over = b.reserve(Money.cny(5000), allow_overdraft=True)
    assert over.remaining == Money.cny(0)
    assert over.overdraft == Money.cny(3000)
    assert over.headroom_minor == -3000
    with pytest.raises(BudgetExceeded):
        over.reserve(Money.cny(1))


@pytest.mark.parametrize("op", ["spend", "release"])
def test_cannot_spend_or_release_more_than_reserved(op):
    b = Budget.open("shop-1", "2026-11", Money.cny(10000)).reserve(Money.cny(100))
    with pytest.raises(InvalidInput):
        getattr(b, op)(Money.cny(101))


def test_cannot_unspend_more_than_spent():
    b = Budget.open("shop-1", "2026-11", Money.cny(10000)).reserve(Money.cny(100)).spend(Money.cny(100))
    with pytest.raises(InvalidInput):
        b.unspend(Money.cny(101))


@pytest.mark.parametrize("amount", [Money.cny(0), 100, 1.5])
def test_amounts_must_be_positive_money(amount):
    b = Budget.open("shop-1", "2026-11", Money.cny(10000))
    with pytest.raises(InvalidInput):
        b.reserve(amount)


def test_lowering_the_cap_can_leave_the_budget_overdrawn():
    b = Budget.open("shop-1", "2026-11", Money.cny(10000)).reserve(Money.cny(6000)).with_cap(Money.cny(5000))
    assert b.remaining == Money.cny(0) and b.overdraft == Money.cny(1000)


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "26-11", "2026-W54", "2026-W00", "november", ""])
def test_budget_period_key_is_validated(period):
    with pytest.raises(InvalidInput) as exc:
        Budget.open("shop-1", period, Money.cny(1))
    assert exc.value.field == "period"


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "tz", "expected"),
    [
        ("2026-11-30T17:00:00+00:00", SH, "2026-12"),  # already 1 Dec 01:00 in Shanghai
        ("2026-11-30T17:00:00+00:00", "UTC", "2026-11"),
        ("2026-11-30T15:59:59+00:00", SH, "2026-11"),  # 23:59:59 local
        ("2026-11-30T16:00:00+00:00", SH, "2026-12"),  # local midnight on the 1st
        ("2026-12-31T16:00:00+00:00", SH, "2027-01"),  # year rollover
        ("2026-12-31T16:00:00+00:00", "UTC", "2026-12"),
        ("2026-12-01T00:59:59+09:00", SH, "2026-11"),  # Tokyo's 1 Dec is still 30 Nov in Shanghai
        ("2026-12-01T01:00:00+09:00", SH, "2026-12"),
        ("2026-03-01T04:59:59+00:00", "America/New_York", "2026-02"),
        ("2026-03-01T05:00:00+00:00", "America/New_York", "2026-03"),
    ],
)
def test_month_period_key(instant, tz, expected):
    assert period_key(datetime.fromisoformat(instant), tz) == expected


def test_week_period_key_rolls_over_on_local_monday():
    # 2026-11-30 is a Monday.
    at = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
    assert period_key(at, SH, "week") == "2026-W49"
    assert period_key(at, "UTC", "week") == "2026-W48"
    assert period_key(at - timedelta(seconds=1), SH, "week") == "2026-W48"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((datetime(2026, 11, 30, 17), SH), "at"),  # naive
        (("2026-11-30", SH), "at"),
        ((datetime(2026, 11, 30, tzinfo=UTC), "Mars/Olympus"), "timezone"),
        ((datetime(2026, 11, 30, tzinfo=UTC), SH, "year"), "period"),
    ],
)
def test_period_key_rejects_bad_input(args, field):
    with pytest.raises(InvalidInput) as exc:
        period_key(*args)
    assert exc.value.field == field


def test_period_bounds_are_local_midnights():
    start, end = period_bounds("2026-12", SH)
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert period_key(start, SH) == "2026-12"
    assert period_key(end - timedelta(microseconds=1), SH) == "2026-12"
    assert period_key(end, SH) == "2027-01"
    ws, we = period_bounds("2026-W53", SH)
    assert ws.date().isoformat() == "2026-12-28" and we.date().isoformat() == "2027-01-04"
    assert ws.tzinfo == ZoneInfo(SH)


@pytest.mark.parametrize(
    ("key", "nxt"), [("2026-11", "2026-12"), ("2026-12", "2027-01"), ("2026-W52", "2026-W53"), ("2026-W53", "2027-W01")]
)
def test_next_period_key(key, nxt):
    assert next_period_key(key) == nxt


def test_every_instant_falls_in_exactly_its_period():
    tz = timezone(timedelta(hours=8))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    while at < datetime(2027, 1, 10, tzinfo=UTC):
        key = period_key(at, SH)
        start, end = period_bounds(key, SH)
        assert start <= at < end, (at, key)
        assert key == at.astimezone(tz).strftime("%Y-%m")
        at += timedelta(hours=7, minutes=13)


def test_open_budget_uses_the_policy_period_zone_and_cap():
    at = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    budget, funding = open_budget(LadderPolicy(), "shop-1", at)
    assert (budget.period, budget.cap, budget.remaining) == ("2026-12", Money.cny(1_000_000), Money.cny(1_000_000))
    assert account_balances([funding])[account("shop-1", "2026-12", AccountName.BUDGET_AVAILABLE, "CNY")] == 1_000_000
    utc_weekly = LadderPolicy.from_dict({"timezone": "UTC", "budget_period": "week", "budget_cap_minor": 0})
    budget, funding = open_budget(utc_weekly, "shop-1", at)
    assert (budget.period, budget.cap, funding) == ("2026-W49", Money.cny(0), None)
