"""Money: integer minor units, one currency, never negative, never a float."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.compensation.domain.errors import CompensationError, CurrencyMismatch, InvalidInput
from services.compensation.domain.money import Money


@pytest.mark.parametrize("amount", [1.0, 12.5, 0.0, float("nan"), Decimal("1"), "100", None, True, False])
def test_rejects_non_integer_amounts(amount):
    with pytest.raises(InvalidInput) as exc:
        Money(amount, "CNY")
    assert exc.value.field == "amount_minor"


@pytest.mark.parametrize("amount", [-1, -100_00])
def test_rejects_negative_amounts(amount):
    with pytest.raises(InvalidInput, match="at least 0"):
        Money(amount, "CNY")


@pytest.mark.parametrize("currency", ["USD", "cny", "", "RMB", None, 156])
def test_rejects_unknown_currency(currency):
    with pytest.raises(InvalidInput) as exc:
        Money(100, currency)
    assert exc.value.field == "currency"


def test_rejects_amount_beyond_int64():
    with pytest.raises(InvalidInput):
        Money(2**63, "CNY")


def test_errors_are_compensation_errors():
    assert issubclass(InvalidInput, CompensationError)
    assert issubclass(CurrencyMismatch, InvalidInput)


def test_parse_names_the_nested_field():
    assert Money.parse({"amount_minor": 1250, "currency": "CNY"}) == Money(1250, "CNY")
    with pytest.raises(InvalidInput) as exc:
        Money.parse({"amount_minor": 12.5, "currency": "CNY"}, field="order_value")
    assert exc.value.field == "order_value.amount_minor"
    with pytest.raises(InvalidInput) as exc:
        Money.parse({"amount_minor": 1, "currency": "EUR"}, field="amount")
    assert exc.value.field == "amount.currency"
    with pytest.raises(InvalidInput) as exc:
        Money.parse({"amount_minor": 1}, field="amount")
    assert exc.value.field == "amount.currency"
    with pytest.raises(InvalidInput) as exc:
        Money.parse({"amount_minor": 1, "currency": "CNY", "amount": 1.0})
    assert exc.value.field == "amount.amount"
    with pytest.raises(InvalidInput):
        Money.parse(12.5)


def test_round_trips_through_wire_shape():
    m = Money(99, "CNY")
    assert Money.parse(m.to_dict()) == m
    assert m.to_dict() == {"amount_minor": 99, "currency": "CNY"}


def test_arithmetic_and_ordering():
    a, b = Money.cny(1500), Money.cny(250)
    assert a + b == Money.cny(1750)
    assert a - b == Money.cny(1250)
    assert b < a and a > b and a >= a and b <= b
    assert a.min(b) == b
    with pytest.raises(InvalidInput, match="negative"):
        b - a


def test_arithmetic_only_between_same_currency(monkeypatch):
    # Only CNY is supported today; build a second currency the way a future release would.
    monkeypatch.setattr("services.compensation.domain.money.SUPPORTED_CURRENCIES", frozenset({"CNY", "USD"}))
    usd = Money(100, "USD")
    cny = Money(100, "CNY")
    with pytest.raises(CurrencyMismatch):
        usd + cny
    with pytest.raises(CurrencyMismatch):
        cny - usd
    with pytest.raises(CurrencyMismatch):
        assert cny < usd


def test_arithmetic_refuses_plain_numbers():
    with pytest.raises(InvalidInput):
        Money.cny(100) + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("amount", "bps", "expected"),
    [(9999, 3000, 3000), (10000, 1000, 1000), (1, 3000, 0), (5, 1000, 1), (3, 5000, 2), (12345, 10000, 12345)],
)
def test_share_bps_rounds_half_up(amount, bps, expected):
    assert Money.cny(amount).share_bps(bps) == Money.cny(expected)


@given(st.integers(0, 10**12), st.integers(0, 10_000))
def test_share_never_exceeds_whole(amount, bps):
    share = Money.cny(amount).share_bps(bps)
    assert share <= Money.cny(amount)
    assert abs(share.amount_minor * 10_000 - amount * bps) <= 5_000


def test_format():
    assert Money.cny(123450).format() == "¥1,234.50"
    assert str(Money.cny(5)) == "¥0.05"
