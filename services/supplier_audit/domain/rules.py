"""Per-shop audit rules with defaults.

``AuditRules()`` are the defaults; ``AuditRules.from_dict(d)`` overlays a shop's partial settings on
them (unknown keys and bad values are rejected, every problem named); ``to_dict`` is JSON-able and
round-trips through ``from_dict``.

Defaults and meaning

=================================== ========= =====================================================
key                                 default   meaning
=================================== ========= =====================================================
time_zone                           Asia/     IANA zone of the shop: calendar days, ISO weeks
                                    Shanghai
inspection_threshold                3         complaints of one category on one supplier ...
inspection_window_days              30        ... within this many days open a flying inspection
recall_on_safety                    true      a safety-related complaint on a batch recommends a
                                              recall of that batch
safety_risk_kinds                   allergy,  risk kinds that make a complaint safety-related
                                    spoilage, (besides the attribution's ``safety`` flag)
                                    ...
batch_surge_threshold               5         complaints (any category) on one batch ...
batch_surge_window_days             7         ... within this many days recommend a recall
grade_a_max_rate                    1.0       complaints per 1,000 orders (90 days) for grade A
grade_b_max_rate                    3.0       ... for grade B
grade_c_max_rate                    6.0       ... for grade C; above is D
failed_inspection_lookback_days     180       window for counting failed inspections
grade_d_failed_inspections          2         this many failed inspections in the lookback -> D
replace_after_failed_inspections    2         this many failed inspections in the lookback ->
                                              recommend replacing the supplier
report_top_n                        5         rows per "top" table in the weekly report
=================================== ========= =====================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import FieldError, RulesValidationError
from .model import DEFAULT_SAFETY_RISK_KINDS, is_valid_slug

_INT_RANGES: dict[str, tuple[int, int]] = {
    "inspection_threshold": (1, 1000),
    "inspection_window_days": (1, 365),
    "batch_surge_threshold": (1, 10000),
    "batch_surge_window_days": (1, 365),
    "failed_inspection_lookback_days": (1, 3650),
    "grade_d_failed_inspections": (1, 100),
    "replace_after_failed_inspections": (1, 100),
    "report_top_n": (1, 50),
}
_RATE_FIELDS = ("grade_a_max_rate", "grade_b_max_rate", "grade_c_max_rate")
_MAX_RATE = 1000.0
_MAX_SAFETY_KINDS = 64


@dataclass(frozen=True, slots=True)
class AuditRules:
    time_zone: str = "Asia/Shanghai"
    inspection_threshold: int = 3
    inspection_window_days: int = 30
    recall_on_safety: bool = True
    safety_risk_kinds: frozenset[str] = field(default_factory=lambda: DEFAULT_SAFETY_RISK_KINDS)
    batch_surge_threshold: int = 5
    batch_surge_window_days: int = 7
    grade_a_max_rate: float = 1.0
    grade_b_max_rate: float = 3.0
    grade_c_max_rate: float = 6.0
    failed_inspection_lookback_days: int = 180
    grade_d_failed_inspections: int = 2
    replace_after_failed_inspections: int = 2
    report_top_n: int = 5

    def __post_init__(self) -> None:
        errors = _rules_errors(self)
        if errors:
            raise RulesValidationError(errors)

    # -- derived -------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def inspection_window(self) -> timedelta:
        return timedelta(days=self.inspection_window_days)

    @property
    def batch_surge_window(self) -> timedelta:
        return timedelta(days=self.batch_surge_window_days)

    @property
    def failed_inspection_lookback(self) -> timedelta:
        return timedelta(days=self.failed_inspection_lookback_days)

    def exact_rate(self, name: str) -> Fraction:
        """A grade threshold as an exact fraction (``1.1`` is 11/10, not the binary float)."""
        return Fraction(repr(float(getattr(self, name))))

    # -- (de)serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = sorted(value) if isinstance(value, frozenset) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AuditRules:
        """Shop settings overlaid on the defaults. Raises ``RulesValidationError`` naming each key."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise RulesValidationError([FieldError("", "rules must be an object")])
        known = {f.name for f in fields(cls)}
        errors: list[FieldError] = [FieldError(str(k), "unknown rule") for k in sorted(data, key=str) if k not in known]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if key == "safety_risk_kinds":
                if not isinstance(value, list | tuple | set | frozenset):
                    errors.append(FieldError(key, "must be a list of slugs"))
                    continue
                values[key] = frozenset(value) if all(isinstance(v, str) for v in value) else value
            elif key in _RATE_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    errors.append(FieldError(key, "must be a number"))
                    continue
                values[key] = float(value)
            else:
                values[key] = value
        if errors:
            raise RulesValidationError(errors)
        merged = {f.name: getattr(_DEFAULTS, f.name) for f in fields(cls)}
        merged.update(values)
        errs = _rules_errors_from_values(merged)
        if errs:
            raise RulesValidationError(errs)
        return cls(**merged)


def _rules_errors(rules: AuditRules) -> list[FieldError]:
    return _rules_errors_from_values({f.name: getattr(rules, f.name) for f in fields(rules)})


def _rules_errors_from_values(v: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    tz_name = v["time_zone"]
    if not isinstance(tz_name, str) or not tz_name or len(tz_name) > 64:
        errors.append(FieldError("time_zone", "must be an IANA time zone name"))
    else:
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(FieldError("time_zone", f"unknown IANA time zone {tz_name!r}"))
    for name, (lo, hi) in _INT_RANGES.items():
        value = v[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(name, "must be an integer"))
        elif not lo <= value <= hi:
            errors.append(FieldError(name, f"must be between {lo} and {hi}"))
    if not isinstance(v["recall_on_safety"], bool):
        errors.append(FieldError("recall_on_safety", "must be a boolean"))
    kinds = v["safety_risk_kinds"]
    if not isinstance(kinds, frozenset):
        errors.append(FieldError("safety_risk_kinds", "must be a set of slugs"))
    else:
        if len(kinds) > _MAX_SAFETY_KINDS:
            errors.append(FieldError("safety_risk_kinds", f"at most {_MAX_SAFETY_KINDS} kinds"))
        for kind in sorted(kinds, key=str):
            if not is_valid_slug(kind):
                errors.append(FieldError("safety_risk_kinds", f"{kind!r} is not a snake_case slug"))
    rates_ok = True
    for name in _RATE_FIELDS:
        value = v[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors.append(FieldError(name, "must be a finite number"))
            rates_ok = False
        elif not 0 <= value <= _MAX_RATE:
            errors.append(FieldError(name, f"must be between 0 and {_MAX_RATE:g}"))
            rates_ok = False
    if rates_ok and not v["grade_a_max_rate"] <= v["grade_b_max_rate"] <= v["grade_c_max_rate"]:
        errors.append(FieldError("grade_b_max_rate", "grade thresholds must satisfy a_max <= b_max <= c_max"))
    return errors


_DEFAULTS = AuditRules()
