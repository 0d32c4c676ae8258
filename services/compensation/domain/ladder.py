"""The six-level compensation ladder: pick a level and an amount, and say which rules chose them.

Order of rules (each applied rule is a :class:`RuleStep` of the decision):

1. ``matrix.<category>.<severity>`` — the base level from the policy matrix;
2. ``tier.<tier>`` — the customer tier's bump (VIP +1 by default), kept within 1..6;
3. ``order.small_no_return`` — a level-5 offer on a small order becomes level 6 (a return would cost
   more than the goods); ``order.high_value_return`` — a level-6 offer on an expensive order becomes
   level 5 (the goods come back first);
4. ``level.<n>`` or ``level.<n>.<category>`` — the level rule computing the amount
   (``amount.shipping_fee`` when the order's actual shipping fee is used);
5. ``amount.max`` — the rule's maximum; ``amount.order_value_cap`` — never more than the order value.

The decision's ``rule_id`` joins the step ids with ``+``; ``explanation`` joins their descriptions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .errors import CurrencyMismatch, InvalidInput
from .money import Money
from .policy import LadderPolicy
from .vocabulary import (
    MAX_LEVEL,
    MIN_LEVEL,
    Category,
    FollowUpTask,
    OfferKind,
    Severity,
    Tier,
    parse_enum,
)


@dataclass(frozen=True, slots=True)
class RuleStep:
    rule_id: str
    description: str
    level: int  # the level after this step


@dataclass(frozen=True, slots=True)
class LadderDecision:
    """What the ladder chose for one case, with the rules that chose it."""

    level: int
    kind: OfferKind
    amount: Money
    order_value: Money
    category: Category
    severity: Severity
    tier: Tier
    rule_id: str
    explanation: str
    steps: tuple[RuleStep, ...]
    follow_up_tasks: tuple[FollowUpTask, ...]
    policy_version: str


def _clamp(level: int) -> int:
    return max(MIN_LEVEL, min(MAX_LEVEL, level))


def select_level(
    policy: LadderPolicy,
    *,
    category: Category | str,
    severity: Severity | str,
    tier: Tier | str,
    order_value: Money,
    shipping_fee: Money | None = None,
    manual_level: int | None = None,
) -> LadderDecision:
    """Choose the compensation level and amount for a case.

    ``order_value`` must be positive and in the policy's currency. ``shipping_fee`` (optional) is
    the order's actual shipping fee, used for ``shipping_refund`` offers. ``manual_level`` (1..6)
    replaces steps 1-3 with a person's choice (``manual.<n>``); amounts still follow the policy.
    """
    cat = parse_enum(Category, category, "category")
    sev = parse_enum(Severity, severity, "severity")
    tr = parse_enum(Tier, tier, "tier")
    if not isinstance(order_value, Money):
        raise InvalidInput("order_value", f"must be Money, got {type(order_value).__name__}")
    if order_value.currency != policy.currency:
        raise CurrencyMismatch("order_value.currency", f"policy is in {policy.currency}")
    if order_value.is_zero:
        raise InvalidInput("order_value.amount_minor", "must be positive")
    if shipping_fee is not None:
        if not isinstance(shipping_fee, Money):
            raise InvalidInput("shipping_fee", f"must be Money, got {type(shipping_fee).__name__}")
        if shipping_fee.currency != policy.currency:
            raise CurrencyMismatch("shipping_fee.currency", f"policy is in {policy.currency}")

    steps: list[RuleStep] = []
    if manual_level is not None:
        if type(manual_level) is not int or not MIN_LEVEL <= manual_level <= MAX_LEVEL:
            raise InvalidInput("manual_level", f"must be an integer from 1 to 6; got {manual_level!r}")
        level = manual_level
        steps.append(RuleStep(f"manual.{level}", f"level {level} chosen by hand", level))
    else:
        level = policy.matrix[cat][sev]
        steps.append(RuleStep(f"matrix.{cat}.{sev}", f"{cat} with {sev} severity: level {level}", level))

        bump = policy.tier_bump[tr]
        if bump:
            new = _clamp(level + bump)
            capped = " (capped at 6)" if level + bump > MAX_LEVEL else ""
            if new != level or capped:
                steps.append(RuleStep(f"tier.{tr}", f"{tr} customer {bump:+d}: level {level} → {new}{capped}", new))
            level = new

        small_max = policy.small_order_no_return_max_minor
        if level == 5 and small_max is not None and order_value.amount_minor <= small_max:
            level = 6
            steps.append(
                RuleStep(
                    "order.small_no_return",
                    f"order {order_value} is at most {Money(small_max, policy.currency)}: "
                    "refund without return instead of return (level 5 → 6)",
                    level,
                )
            )
        rwr_max = policy.refund_without_return_max_minor
        if level == 6 and rwr_max is not None and order_value.amount_minor > rwr_max:
            level = 5
            steps.append(
                RuleStep(
                    "order.high_value_return",
                    f"order {order_value} is above {Money(rwr_max, policy.currency)}: "
                    "the goods come back first (level 6 → 5)",
                    level,
                )
            )

    rule = policy.rule_for(level, cat)
    overridden = cat in policy.category_levels and level in policy.category_levels[cat]
    rule_step_id = f"level.{level}.{cat}" if overridden else f"level.{level}"
    if rule.kind == OfferKind.SHIPPING_REFUND and shipping_fee is not None and not shipping_fee.is_zero:
        amount = shipping_fee
        steps.append(
            RuleStep(
                "amount.shipping_fee",
                f"level {level} {rule.kind}: the order's shipping fee {amount}",
                level,
            )
        )
    else:
        amount = Money(rule.fixed_minor, policy.currency) + order_value.share_bps(rule.share_bps)
        if amount.is_zero:  # a share of a tiny order rounded to nothing: pay the smallest unit
            amount = Money(1, policy.currency)
        steps.append(RuleStep(rule_step_id, f"level {level} {rule.kind}: {_describe(rule, amount)}", level))
    if rule.max_minor is not None and amount.amount_minor > rule.max_minor:
        amount = Money(rule.max_minor, policy.currency)
        steps.append(RuleStep("amount.max", f"limited to the level's maximum {amount}", level))
    if amount > order_value:
        amount = order_value
        steps.append(RuleStep("amount.order_value_cap", f"limited to the order value {order_value}", level))

    return LadderDecision(
        level=level,
        kind=rule.kind,
        amount=amount,
        order_value=order_value,
        category=cat,
        severity=sev,
        tier=tr,
        rule_id="+".join(s.rule_id for s in steps),
        explanation="; ".join(s.description for s in steps),
        steps=tuple(steps),
        follow_up_tasks=policy.follow_up_tasks(cat, level),
        policy_version=policy.version,
    )


def with_manual_amount(decision: LadderDecision, amount: Money) -> LadderDecision:
    """The decision with a person's amount instead of the policy's (step ``manual.amount``).

    Only levels 1-4 take a chosen amount (levels 5 and 6 refund the whole order); the amount must be
    positive, in the decision's currency and at most the order value.
    """
    if not isinstance(amount, Money):
        raise InvalidInput("amount", f"must be Money, got {type(amount).__name__}")
    if amount.currency != decision.amount.currency:
        raise CurrencyMismatch("amount.currency", f"the order is in {decision.amount.currency}")
    if amount.is_zero:
        raise InvalidInput("amount.amount_minor", "must be positive")
    if decision.level >= 5:
        raise InvalidInput(
            "amount", f"level {decision.level} refunds the whole order; its amount is not chosen by hand"
        )
    if amount > decision.order_value:
        raise InvalidInput("amount.amount_minor", f"must not exceed the order value {decision.order_value}")
    step = RuleStep(
        "manual.amount", f"amount {amount} chosen by hand (the policy said {decision.amount})", decision.level
    )
    return replace(
        decision,
        amount=amount,
        rule_id=f"{decision.rule_id}+{step.rule_id}",
        explanation=f"{decision.explanation}; {step.description}",
        steps=decision.steps + (step,),
    )


def _describe(rule: Any, amount: Money) -> str:
    parts = []
    if rule.fixed_minor:
        parts.append(str(Money(rule.fixed_minor, amount.currency)))
    if rule.share_bps:
        parts.append(f"{rule.share_bps / 100:g}% of the order")
    return f"{' + '.join(parts)} = {amount}"


# --- severity from triage signals --------------------------------------------------------------

# Words that mean someone may have been harmed: always critical.
SAFETY_TERMS: frozenset[str] = frozenset(
    {
        "过敏",
        "变质",
        "中毒",
        "受伤",
        "烫伤",
        "allergy",
        "allergic",
        "poisoning",
        "poisoned",
        "injury",
        "injured",
        "burn",
        "spoiled",
    }
)
# Words that threaten escalation (regulator, media, legal): one step up.
ESCALATION_TERMS: frozenset[str] = frozenset(
    {"315", "投诉", "举报", "曝光", "假货", "欺诈", "律师", "起诉", "lawyer", "fraud", "sue", "media"}
)
HIGH_INTENSITY = 0.75
_PRIORITY_BASE = {"P1": Severity.HIGH, "P2": Severity.MEDIUM, "P3": Severity.LOW}


def severity_from_signals(priority: str, intensity: float, risk_terms: Iterable[str] = ()) -> Severity:
    """Map triage's priority, intensity (0..1) and risk terms to a severity.

    - P1 → high, P2 → medium, P3 → low;
    - one step up when intensity ≥ 0.75 or an escalation term (315, 投诉, lawyer, …) is present; only
      P1 cases reach critical this way;
    - any safety term (过敏, 中毒, 受伤, injury, …) → critical.
    """
    if priority not in _PRIORITY_BASE:
        raise InvalidInput("priority", f"must be P1, P2 or P3; got {priority!r}")
    if isinstance(intensity, bool) or not isinstance(intensity, int | float) or not math.isfinite(intensity):
        raise InvalidInput("intensity", "must be a number from 0 to 1")
    if not 0 <= intensity <= 1:
        raise InvalidInput("intensity", f"must be from 0 to 1; got {intensity}")
    if isinstance(risk_terms, str):
        raise InvalidInput("risk_terms", "must be a list of terms, not a string")
    terms = {t.strip().lower() for t in risk_terms if isinstance(t, str)}
    if terms & SAFETY_TERMS:
        return Severity.CRITICAL
    base = _PRIORITY_BASE[priority]
    if intensity >= HIGH_INTENSITY or terms & ESCALATION_TERMS:
        ceiling = Severity.CRITICAL if priority == "P1" else Severity.HIGH
        order = list(Severity)
        return order[min(base.rank + 1, ceiling.rank)]
    return base
