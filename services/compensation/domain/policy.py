"""The compensation ladder policy: plain data, per shop, loadable from and serialisable to JSON.

``LadderPolicy()`` is the default policy. ``LadderPolicy.from_dict(d)`` overlays ``d`` on the defaults:

- scalars replace the default;
- ``levels``: per level, per field (``{"levels": {"1": {"fixed_minor": 800}}}`` keeps the coupon kind);
- ``category_levels``: per category (the mapping replaces that category's level overrides; ``{}``
  removes them);
- ``matrix``: per category, per severity cell;
- ``tier_bump``: per tier;
- ``follow_ups``: per category (the list replaces that category's list).

Unknown keys, wrong types (floats or bools where integers are expected) and out-of-range values raise
:class:`InvalidInput` naming the dotted field path. ``to_dict()`` always emits the full policy, and
``from_dict(p.to_dict()) == p``.

Amounts are integer minor units of ``currency``; shares are basis points (10000 = 100 %).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .budget import PERIOD_KINDS, PERIOD_MONTH, zone
from .errors import InvalidInput
from .money import BPS_DENOMINATOR, MAX_MINOR, require_currency, require_int
from .vocabulary import (
    ALLOWED_KINDS_BY_LEVEL,
    LEVELS,
    MAX_LEVEL,
    MIN_LEVEL,
    Category,
    FollowUpTask,
    OfferKind,
    Severity,
    Tier,
    parse_enum,
)

FULL_SHARE_BPS = BPS_DENOMINATOR


@dataclass(frozen=True, slots=True)
class LevelRule:
    """How a ladder level turns into an offer: ``amount = fixed_minor + share_bps of order value``,
    at most ``max_minor`` (when set), and never more than the order value.

    For ``shipping_refund`` the order's actual shipping fee, when known and positive, replaces
    ``fixed_minor``.
    """

    kind: OfferKind
    fixed_minor: int = 0
    share_bps: int = 0
    max_minor: int | None = None

    def validate(self, level: int, path: str) -> None:
        parse_enum(OfferKind, self.kind, f"{path}.kind")
        if self.kind not in ALLOWED_KINDS_BY_LEVEL[level]:
            allowed = ", ".join(sorted(ALLOWED_KINDS_BY_LEVEL[level]))
            raise InvalidInput(f"{path}.kind", f"level {level} must be one of {allowed}; got {self.kind}")
        require_int(self.fixed_minor, f"{path}.fixed_minor", minimum=0, maximum=MAX_MINOR)
        require_int(self.share_bps, f"{path}.share_bps", minimum=0, maximum=BPS_DENOMINATOR)
        if self.max_minor is not None:
            require_int(self.max_minor, f"{path}.max_minor", minimum=1, maximum=MAX_MINOR)
        if self.fixed_minor == 0 and self.share_bps == 0:
            raise InvalidInput(path, "needs a positive fixed_minor or share_bps")
        if level >= 5 and (self.share_bps != FULL_SHARE_BPS or self.fixed_minor or self.max_minor):
            raise InvalidInput(path, f"level {level} is a full refund: share_bps 10000, no fixed_minor or max_minor")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "fixed_minor": self.fixed_minor,
            "share_bps": self.share_bps,
            "max_minor": self.max_minor,
        }


@dataclass(frozen=True, slots=True)
class FollowUpRule:
    """Attach ``task`` to offers of a category whose level is within ``[min_level, max_level]``."""

    task: FollowUpTask
    min_level: int = MIN_LEVEL
    max_level: int = MAX_LEVEL

    def validate(self, path: str) -> None:
        parse_enum(FollowUpTask, self.task, f"{path}.task")
        require_int(self.min_level, f"{path}.min_level", minimum=MIN_LEVEL, maximum=MAX_LEVEL)
        require_int(self.max_level, f"{path}.max_level", minimum=MIN_LEVEL, maximum=MAX_LEVEL)
        if self.min_level > self.max_level:
            raise InvalidInput(path, "min_level must not exceed max_level")

    def applies(self, level: int) -> bool:
        return self.min_level <= level <= self.max_level

    def to_dict(self) -> dict[str, Any]:
        return {"task": str(self.task), "min_level": self.min_level, "max_level": self.max_level}


C, S = Category, Severity

DEFAULT_LEVELS: dict[int, LevelRule] = {
    1: LevelRule(OfferKind.COUPON, fixed_minor=500),  # apology + ¥5 coupon
    2: LevelRule(OfferKind.COUPON, fixed_minor=2000),  # ¥20 coupon
    3: LevelRule(OfferKind.PARTIAL_REFUND, share_bps=1000, max_minor=5000),  # 10 %, at most ¥50
    4: LevelRule(OfferKind.PARTIAL_REFUND, share_bps=3000),  # 30 % of the order
    5: LevelRule(OfferKind.RETURN_AND_REFUND, share_bps=FULL_SHARE_BPS),
    6: LevelRule(OfferKind.REFUND_WITHOUT_RETURN, share_bps=FULL_SHARE_BPS),
}

# Logistics problems get shipping compensation at level 3 (flat ¥10 when the fee is unknown).
_SHIPPING_L3 = LevelRule(OfferKind.SHIPPING_REFUND, fixed_minor=1000)
DEFAULT_CATEGORY_LEVELS: dict[Category, dict[int, LevelRule]] = {
    C.LOGISTICS_DELAY: {3: _SHIPPING_L3},
    C.LOGISTICS_DAMAGE: {3: _SHIPPING_L3},
}

# Base level per category and severity (low, medium, high, critical).
_MATRIX_ROWS: dict[Category, tuple[int, int, int, int]] = {
    C.PRODUCT_QUALITY: (2, 5, 5, 6),
    C.LOGISTICS_DELAY: (1, 2, 3, 3),
    C.LOGISTICS_DAMAGE: (3, 4, 5, 6),
    C.DESCRIPTION_MISMATCH: (2, 4, 5, 5),
    C.COUNTERFEIT_SUSPICION: (4, 5, 5, 6),
    C.SERVICE_ATTITUDE: (1, 2, 2, 2),
    C.AFTER_SALES_REFUND: (1, 2, 3, 4),
    C.PAYMENT: (1, 1, 2, 3),
    C.PROMOTION_RULES: (1, 2, 2, 3),
    C.SUGGESTION: (1, 1, 1, 1),
    C.OTHER: (1, 2, 3, 4),
}
_SEVERITIES = (S.LOW, S.MEDIUM, S.HIGH, S.CRITICAL)
DEFAULT_MATRIX: dict[Category, dict[Severity, int]] = {
    cat: dict(zip(_SEVERITIES, row, strict=True)) for cat, row in _MATRIX_ROWS.items()
}

DEFAULT_TIER_BUMP: dict[Tier, int] = {Tier.NEW: 0, Tier.REGULAR: 0, Tier.VIP: 1}

DEFAULT_FOLLOW_UPS: dict[Category, tuple[FollowUpRule, ...]] = {
    C.SERVICE_ATTITUDE: (FollowUpRule(FollowUpTask.SUPERVISOR_APOLOGY),),
    C.PRODUCT_QUALITY: (FollowUpRule(FollowUpTask.EXCHANGE, 1, 5),),
    C.DESCRIPTION_MISMATCH: (FollowUpRule(FollowUpTask.EXCHANGE, 1, 5),),
    C.LOGISTICS_DAMAGE: (FollowUpRule(FollowUpTask.CARRIER_CLAIM),),
    C.COUNTERFEIT_SUSPICION: (FollowUpRule(FollowUpTask.AUTHENTICITY_CHECK),),
}


def _freeze_nested(d: Mapping[Any, Mapping[Any, Any]]) -> Mapping[Any, Mapping[Any, Any]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in d.items()})


@dataclass(frozen=True, eq=False)
class LadderPolicy:
    """A shop's compensation policy. All mappings are read-only after construction."""

    version: str = "default-1"
    currency: str = "CNY"
    levels: Mapping[int, LevelRule] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    category_levels: Mapping[Category, Mapping[int, LevelRule]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_CATEGORY_LEVELS.items()}
    )
    matrix: Mapping[Category, Mapping[Severity, int]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_MATRIX.items()}
    )
    tier_bump: Mapping[Tier, int] = field(default_factory=lambda: dict(DEFAULT_TIER_BUMP))
    # Orders up to this value that land on level 5 get level 6: a return would cost more than the goods.
    small_order_no_return_max_minor: int | None = 3000
    # Orders above this value that land on level 6 get level 5: expensive goods come back first.
    refund_without_return_max_minor: int | None = 100_000
    # Maker-checker: a supervisor must approve offers at or above this level (7 = never by level) ...
    approval_min_level: int = 5
    # ... or with an amount strictly above this threshold.
    approval_threshold_minor: int = 20_000
    # Flash compensation: auto-approve and pay within this limit (see flash.decide_flash).
    flash_enabled: bool = True
    flash_limit_minor: int = 10_000
    flash_categories: tuple[Category, ...] = (C.LOGISTICS_DAMAGE,)
    follow_ups: Mapping[Category, tuple[FollowUpRule, ...]] = field(default_factory=lambda: dict(DEFAULT_FOLLOW_UPS))
    budget_period: str = PERIOD_MONTH
    budget_cap_minor: int = 1_000_000
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        self._validate()
        object.__setattr__(self, "levels", MappingProxyType(dict(self.levels)))
        object.__setattr__(self, "category_levels", _freeze_nested(self.category_levels))
        object.__setattr__(self, "matrix", _freeze_nested(self.matrix))
        object.__setattr__(self, "tier_bump", MappingProxyType(dict(self.tier_bump)))
        object.__setattr__(self, "follow_ups", MappingProxyType(dict(self.follow_ups)))
        object.__setattr__(self, "flash_categories", tuple(self.flash_categories))

    # Equality by value of the serialised form (the read-only mappings are not hashable).
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LadderPolicy):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    # -- validation ---------------------------------------------------------------------------

    def _validate(self) -> None:
        if not isinstance(self.version, str) or not self.version:
            raise InvalidInput("version", "must be a non-empty string")
        require_currency(self.currency)
        if not isinstance(self.levels, Mapping) or set(self.levels) != set(LEVELS):
            raise InvalidInput("levels", "must define exactly levels 1 to 6")
        for level in LEVELS:
            rule = self.levels[level]
            if not isinstance(rule, LevelRule):
                raise InvalidInput(f"levels.{level}", "must be a LevelRule")
            rule.validate(level, f"levels.{level}")
        for cat, overrides in self.category_levels.items():
            parse_enum(Category, cat, "category_levels")
            for level, rule in overrides.items():
                path = f"category_levels.{cat}.{level}"
                require_int(level, path, minimum=MIN_LEVEL, maximum=MAX_LEVEL)
                if not isinstance(rule, LevelRule):
                    raise InvalidInput(path, "must be a LevelRule")
                rule.validate(level, path)
        if set(self.matrix) != set(Category):
            missing = sorted(set(Category) - set(self.matrix))
            raise InvalidInput("matrix", f"must have a row for every category; missing {missing}")
        for cat, row in self.matrix.items():
            if set(row) != set(Severity):
                raise InvalidInput(f"matrix.{cat}", "must have a level for every severity")
            for sev, level in row.items():
                require_int(level, f"matrix.{cat}.{sev}", minimum=MIN_LEVEL, maximum=MAX_LEVEL)
        if set(self.tier_bump) != set(Tier):
            raise InvalidInput("tier_bump", "must have a value for every tier")
        for tier, bump in self.tier_bump.items():
            require_int(bump, f"tier_bump.{tier}", minimum=-(MAX_LEVEL - 1), maximum=MAX_LEVEL - 1)
        for name in ("small_order_no_return_max_minor", "refund_without_return_max_minor"):
            value = getattr(self, name)
            if value is not None:
                require_int(value, name, minimum=0, maximum=MAX_MINOR)
        if (
            self.small_order_no_return_max_minor is not None
            and self.refund_without_return_max_minor is not None
            and self.small_order_no_return_max_minor > self.refund_without_return_max_minor
        ):
            raise InvalidInput("small_order_no_return_max_minor", "must not exceed refund_without_return_max_minor")
        require_int(self.approval_min_level, "approval_min_level", minimum=MIN_LEVEL, maximum=MAX_LEVEL + 1)
        require_int(self.approval_threshold_minor, "approval_threshold_minor", minimum=0, maximum=MAX_MINOR)
        if type(self.flash_enabled) is not bool:
            raise InvalidInput("flash_enabled", "must be a boolean")
        require_int(self.flash_limit_minor, "flash_limit_minor", minimum=0, maximum=MAX_MINOR)
        for i, cat in enumerate(self.flash_categories):
            parse_enum(Category, cat, f"flash_categories.{i}")
        for cat, rules in self.follow_ups.items():
            parse_enum(Category, cat, "follow_ups")
            for i, follow_up in enumerate(rules):
                if not isinstance(follow_up, FollowUpRule):
                    raise InvalidInput(f"follow_ups.{cat}.{i}", "must be a FollowUpRule")
                follow_up.validate(f"follow_ups.{cat}.{i}")
        if self.budget_period not in PERIOD_KINDS:
            raise InvalidInput("budget_period", f"must be one of {sorted(PERIOD_KINDS)}")
        require_int(self.budget_cap_minor, "budget_cap_minor", minimum=0, maximum=MAX_MINOR)
        zone(self.timezone, "timezone")

    # -- lookups ------------------------------------------------------------------------------

    def rule_for(self, level: int, category: Category) -> LevelRule:
        """The level rule for a category (a category override wins over the general rule)."""
        override = self.category_levels.get(category, {}).get(level)
        return override if override is not None else self.levels[level]

    def follow_up_tasks(self, category: Category, level: int) -> tuple[FollowUpTask, ...]:
        return tuple(r.task for r in self.follow_ups.get(category, ()) if r.applies(level))

    # -- (de)serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "currency": self.currency,
            "levels": {str(lv): self.levels[lv].to_dict() for lv in LEVELS},
            "category_levels": {
                str(cat): {str(lv): rule.to_dict() for lv, rule in sorted(self.category_levels.get(cat, {}).items())}
                for cat in Category
            },
            "matrix": {str(cat): {str(sev): self.matrix[cat][sev] for sev in _SEVERITIES} for cat in Category},
            "tier_bump": {str(t): self.tier_bump[t] for t in Tier},
            "small_order_no_return_max_minor": self.small_order_no_return_max_minor,
            "refund_without_return_max_minor": self.refund_without_return_max_minor,
            "approval_min_level": self.approval_min_level,
            "approval_threshold_minor": self.approval_threshold_minor,
            "flash_enabled": self.flash_enabled,
            "flash_limit_minor": self.flash_limit_minor,
            "flash_categories": [str(c) for c in self.flash_categories],
            "follow_ups": {str(cat): [r.to_dict() for r in self.follow_ups.get(cat, ())] for cat in Category},
            "budget_period": self.budget_period,
            "budget_cap_minor": self.budget_cap_minor,
            "timezone": self.timezone,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> LadderPolicy:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise InvalidInput("policy", f"not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LadderPolicy:
        """Overlay ``data`` on the default policy (see module docstring)."""
        if not isinstance(data, Mapping):
            raise InvalidInput("policy", "must be an object")
        base = cls().to_dict()
        unknown = set(data) - set(base)
        if unknown:
            raise InvalidInput(str(sorted(unknown)[0]), "unknown policy field")
        merged = dict(base)
        for key, value in data.items():
            if key in ("levels", "category_levels", "matrix", "tier_bump", "follow_ups"):
                _require_mapping(value, key)
            if key == "levels":
                merged[key] = {k: dict(v) for k, v in base[key].items()}
                for lv, rule in value.items():
                    lv_key = _level_key(lv, f"levels.{lv}")
                    _require_mapping(rule, f"levels.{lv_key}")
                    _reject_unknown(rule, _LEVEL_FIELDS, f"levels.{lv_key}")
                    merged[key][lv_key].update(rule)
            elif key == "category_levels":
                merged[key] = {k: dict(v) for k, v in base[key].items()}
                for cat, overrides in value.items():
                    cat = str(parse_enum(Category, cat, "category_levels"))
                    _require_mapping(overrides, f"category_levels.{cat}")
                    row = {}
                    for lv, rule in overrides.items():
                        lv_key = _level_key(lv, f"category_levels.{cat}.{lv}")
                        path = f"category_levels.{cat}.{lv_key}"
                        _require_mapping(rule, path)
                        _reject_unknown(rule, _LEVEL_FIELDS, path)
                        row[lv_key] = dict(rule)
                    merged[key][cat] = row
            elif key == "matrix":
                merged[key] = {k: dict(v) for k, v in base[key].items()}
                for cat, row in value.items():
                    cat = str(parse_enum(Category, cat, "matrix"))
                    _require_mapping(row, f"matrix.{cat}")
                    for sev, level in row.items():
                        sev = str(parse_enum(Severity, sev, f"matrix.{cat}"))
                        merged[key][cat][sev] = level
            elif key == "tier_bump":
                merged[key] = dict(base[key])
                for tier, bump in value.items():
                    merged[key][str(parse_enum(Tier, tier, "tier_bump"))] = bump
            elif key == "follow_ups":
                merged[key] = dict(base[key])
                for cat, rules in value.items():
                    cat = str(parse_enum(Category, cat, "follow_ups"))
                    if not isinstance(rules, list):
                        raise InvalidInput(f"follow_ups.{cat}", "must be a list")
                    merged[key][cat] = rules
            else:
                merged[key] = value
        return cls._from_full_dict(merged)

    @classmethod
    def _from_full_dict(cls, d: dict[str, Any]) -> LadderPolicy:
        levels = {int(lv): _level_rule(rule, f"levels.{lv}") for lv, rule in d["levels"].items()}
        category_levels: dict[Category, dict[int, LevelRule]] = {}
        for cat, overrides in d["category_levels"].items():
            category_levels[Category(cat)] = {
                int(lv): _level_rule(rule, f"category_levels.{cat}.{lv}") for lv, rule in overrides.items()
            }
        matrix = {
            Category(cat): {Severity(sev): level for sev, level in row.items()} for cat, row in d["matrix"].items()
        }
        tier_bump = {Tier(t): b for t, b in d["tier_bump"].items()}
        follow_ups: dict[Category, tuple[FollowUpRule, ...]] = {}
        for cat, rules in d["follow_ups"].items():
            parsed = []
            for i, rule in enumerate(rules):
                path = f"follow_ups.{cat}.{i}"
                _require_mapping(rule, path)
                _reject_unknown(rule, {"task", "min_level", "max_level"}, path)
                if "task" not in rule:
                    raise InvalidInput(f"{path}.task", "is required")
                parsed.append(
                    FollowUpRule(
                        parse_enum(FollowUpTask, rule["task"], f"{path}.task"),
                        rule.get("min_level", MIN_LEVEL),
                        rule.get("max_level", MAX_LEVEL),
                    )
                )
            follow_ups[Category(cat)] = tuple(parsed)
        flash_categories = d["flash_categories"]
        if not isinstance(flash_categories, list):
            raise InvalidInput("flash_categories", "must be a list")
        return cls(
            version=d["version"],
            currency=d["currency"],
            levels=levels,
            category_levels=category_levels,
            matrix=matrix,
            tier_bump=tier_bump,
            small_order_no_return_max_minor=d["small_order_no_return_max_minor"],
            refund_without_return_max_minor=d["refund_without_return_max_minor"],
            approval_min_level=d["approval_min_level"],
            approval_threshold_minor=d["approval_threshold_minor"],
            flash_enabled=d["flash_enabled"],
            flash_limit_minor=d["flash_limit_minor"],
            flash_categories=tuple(
                parse_enum(Category, c, f"flash_categories.{i}") for i, c in enumerate(flash_categories)
            ),
            follow_ups=follow_ups,
            budget_period=d["budget_period"],
            budget_cap_minor=d["budget_cap_minor"],
            timezone=d["timezone"],
        )


_LEVEL_FIELDS = {"kind", "fixed_minor", "share_bps", "max_minor"}


def _require_mapping(value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, "must be an object")


def _reject_unknown(value: Mapping[str, Any], allowed: set[str], path: str) -> None:
    unknown = set(value) - allowed
    if unknown:
        raise InvalidInput(f"{path}.{sorted(unknown)[0]}", "unknown field")


def _level_key(value: Any, path: str) -> str:
    """Level keys are strings in JSON ("1".."6"); ints are accepted too."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    require_int(value, path, minimum=MIN_LEVEL, maximum=MAX_LEVEL)
    return str(value)


def _level_rule(d: Mapping[str, Any], path: str) -> LevelRule:
    if "kind" not in d:
        raise InvalidInput(f"{path}.kind", "is required")
    return LevelRule(
        kind=parse_enum(OfferKind, d["kind"], f"{path}.kind"),
        fixed_minor=d.get("fixed_minor", 0),
        share_bps=d.get("share_bps", 0),
        max_minor=d.get("max_minor"),
    )
