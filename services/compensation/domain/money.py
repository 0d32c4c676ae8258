"""Money: integer minor units (fen for CNY) with a currency. Never a float.

A :class:`Money` is never negative. Signed quantities (ledger balances, budget headroom) are plain
``int`` minor units next to an explicit currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CurrencyMismatch, InvalidInput

SUPPORTED_CURRENCIES: frozenset[str] = frozenset({"CNY"})
# Minor-unit digits and display symbol per currency.
_MINOR_DIGITS = {"CNY": 2}
_SYMBOL = {"CNY": "¥"}
# int64, the width of Money.amount_minor on the wire.
MAX_MINOR = 2**63 - 1
BPS_DENOMINATOR = 10_000


def require_int(value: Any, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` if it is a true ``int`` (not bool, not float) within bounds, else raise."""
    if type(value) is not int:
        raise InvalidInput(field, f"must be an integer, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise InvalidInput(field, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InvalidInput(field, f"must be at most {maximum}, got {value}")
    return value


def require_currency(value: Any, field: str = "currency") -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a currency code string, got {type(value).__name__}")
    if value not in SUPPORTED_CURRENCIES:
        raise InvalidInput(field, f"unsupported currency {value!r}; supported: {sorted(SUPPORTED_CURRENCIES)}")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """A non-negative amount in integer minor units of a supported currency.

    ``Money(1250, "CNY")`` is ¥12.50. Floats, bools, Decimals and strings are refused, as are
    negative amounts and currencies other than ``SUPPORTED_CURRENCIES``. Arithmetic and ordering only
    work between amounts of the same currency (:class:`CurrencyMismatch` otherwise); subtraction that
    would go below zero raises :class:`InvalidInput`.
    """

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        require_int(self.amount_minor, "amount_minor", minimum=0, maximum=MAX_MINOR)
        require_currency(self.currency)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def cny(cls, amount_minor: int) -> Money:
        return cls(amount_minor, "CNY")

    @classmethod
    def parse(cls, value: Any, field: str = "amount") -> Money:
        """Build from the wire shape ``{"amount_minor": int, "currency": "CNY"}``; errors name ``field``."""
        if isinstance(value, Money):
            return value
        if not isinstance(value, Mapping):
            raise InvalidInput(field, 'must be an object {"amount_minor": int, "currency": str}')
        unknown = set(value) - {"amount_minor", "currency"}
        if unknown:
            raise InvalidInput(f"{field}.{sorted(unknown)[0]}", "unknown field")
        if "amount_minor" not in value:
            raise InvalidInput(f"{field}.amount_minor", "is required")
        if "currency" not in value:
            raise InvalidInput(f"{field}.currency", "is required")
        try:
            return cls(value["amount_minor"], value["currency"])
        except InvalidInput as exc:
            raise InvalidInput(f"{field}.{exc.field}", exc.detail) from None

    def to_dict(self) -> dict[str, Any]:
        return {"amount_minor": self.amount_minor, "currency": self.currency}

    # -- arithmetic ---------------------------------------------------------------------------

    def _same(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidInput("amount", f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch("currency", f"cannot {op} {self.currency} and {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        o = self._same(other, "add")
        return Money(self.amount_minor + o.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        o = self._same(other, "subtract")
        if o.amount_minor > self.amount_minor:
            raise InvalidInput("amount_minor", f"{self.amount_minor} - {o.amount_minor} would be negative")
        return Money(self.amount_minor - o.amount_minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount_minor < self._same(other, "compare").amount_minor

    def __le__(self, other: Money) -> bool:
        return self.amount_minor <= self._same(other, "compare").amount_minor

    def __gt__(self, other: Money) -> bool:
        return self.amount_minor > self._same(other, "compare").amount_minor

    def __ge__(self, other: Money) -> bool:
        return self.amount_minor >= self._same(other, "compare").amount_minor

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def share_bps(self, bps: int) -> Money:
        """``bps`` basis points (1/100 %) of this amount, rounded half up to the minor unit."""
        require_int(bps, "share_bps", minimum=0, maximum=BPS_DENOMINATOR)
        numerator = self.amount_minor * bps
        amount = (2 * numerator + BPS_DENOMINATOR) // (2 * BPS_DENOMINATOR)
        return Money(amount, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def format(self) -> str:
        """Human-readable, e.g. ``¥1,234.50``."""
        digits = _MINOR_DIGITS[self.currency]
        major, minor = divmod(self.amount_minor, 10**digits)
        return f"{_SYMBOL.get(self.currency, self.currency + ' ')}{major:,}.{minor:0{digits}d}"

    def __str__(self) -> str:
        return self.format()
