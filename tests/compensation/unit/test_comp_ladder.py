"""Ladder selection: category × severity × tier × order value → level, kind, amount and the rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.compensation.domain.errors import CurrencyMismatch, InvalidInput
from services.compensation.domain.ladder import select_level, severity_from_signals
from services.compensation.domain.money import Money
from services.compensation.domain.policy import LadderPolicy
from services.compensation.domain.vocabulary import Category, FollowUpTask, OfferKind, Severity, Tier

POLICY = LadderPolicy()
COUPON, SHIP, PART = OfferKind.COUPON, OfferKind.SHIPPING_REFUND, OfferKind.PARTIAL_REFUND
RETURN, NO_RETURN = OfferKind.RETURN_AND_REFUND, OfferKind.REFUND_WITHOUT_RETURN

# (category, severity, tier, order value fen, shipping fee fen | None) → (level, kind, amount fen)
TABLE = [
    ("suggestion", "low", "new", 10000, None, 1, COUPON, 500),
    ("suggestion", "low", "vip", 10000, None, 2, COUPON, 2000),  # VIP one level up
    ("service_attitude", "medium", "regular", 10000, None, 2, COUPON, 2000),
    ("service_attitude", "critical", "vip", 10000, None, 3, PART, 1000),
    ("logistics_delay", "low", "regular", 8000, None, 1, COUPON, 500),
    ("logistics_delay", "high", "regular", 8000, None, 3, SHIP, 1000),  # flat shipping compensation
    ("logistics_delay", "high", "regular", 8000, 1200, 3, SHIP, 1200),  # the actual shipping fee
    ("logistics_delay", "critical", "vip", 8000, None, 4, PART, 2400),
    ("logistics_delay", "medium", "vip", 500, None, 3, SHIP, 500),  # capped at the ¥5 order
    ("logistics_damage", "low", "regular", 500, 800, 3, SHIP, 500),  # fee above order value: capped
    ("logistics_damage", "medium", "new", 20000, None, 4, PART, 6000),
    ("logistics_damage", "high", "new", 20000, None, 5, RETURN, 20000),
    ("logistics_damage", "critical", "regular", 50000, None, 6, NO_RETURN, 50000),
    ("logistics_damage", "critical", "regular", 150000, None, 5, RETURN, 150000),  # expensive: return
    ("product_quality", "low", "new", 5000, None, 2, COUPON, 2000),
    ("product_quality", "medium", "regular", 20000, None, 5, RETURN, 20000),
    ("product_quality", "medium", "regular", 2500, None, 6, NO_RETURN, 2500),  # small order: no return
    ("product_quality", "medium", "regular", 3000, None, 6, NO_RETURN, 3000),  # boundary is inclusive
    ("product_quality", "medium", "regular", 3001, None, 5, RETURN, 3001),
    ("product_quality", "high", "vip", 50000, None, 6, NO_RETURN, 50000),  # VIP 5 → 6
    ("product_quality", "high", "vip", 100000, None, 6, NO_RETURN, 100000),  # ≤ ¥1000 stays 6
    ("product_quality", "high", "vip", 100001, None, 5, RETURN, 100001),  # > ¥1000 back to 5
    ("product_quality", "critical", "vip", 20000, None, 6, NO_RETURN, 20000),  # capped at 6
    ("suggestion", "low", "new", 300, None, 1, COUPON, 300),  # ¥5 coupon on a ¥3 order
    ("service_attitude", "medium", "new", 1500, None, 2, COUPON, 1500),
    ("after_sales_refund", "high", "regular", 80000, None, 3, PART, 5000),  # 10 %, at most ¥50
    ("after_sales_refund", "high", "regular", 30000, None, 3, PART, 3000),
    ("other", "critical", "new", 9999, None, 4, PART, 3000),  # 2999.7 rounds half up
    ("other", "critical", "new", 1, None, 4, PART, 1),  # a 1-fen order still gets 1 fen
    ("counterfeit_suspicion", "low", "new", 30000, None, 4, PART, 9000),
    ("counterfeit_suspicion", "critical", "new", 2000, None, 6, NO_RETURN, 2000),
    ("description_mismatch", "critical", "vip", 40000, None, 6, NO_RETURN, 40000),
    ("description_mismatch", "high", "new", 2000, None, 6, NO_RETURN, 2000),
    ("payment", "medium", "vip", 10000, None, 2, COUPON, 2000),
    ("promotion_rules", "critical", "new", 10000, None, 3, PART, 1000),
]


@pytest.mark.parametrize(("cat", "sev", "tier", "value", "fee", "level", "kind", "amount"), TABLE)
def test_ladder_table(cat, sev, tier, value, fee, level, kind, amount):
    d = select_level(
        POLICY,
        category=cat,
        severity=sev,
        tier=tier,
        order_value=Money.cny(value),
        shipping_fee=None if fee is None else Money.cny(fee),
    )
    assert (d.level, d.kind, d.amount) == (level, kind, Money.cny(amount))
    assert d.amount <= d.order_value
    assert d.rule_id.startswith(f"matrix.{cat}.{sev}")
    assert d.policy_version == POLICY.version


def test_table_is_large_enough():
    assert len(TABLE) >= 20


def test_rule_records_vip_bump_and_cap():
    d = select_level(POLICY, category="product_quality", severity="critical", tier="vip", order_value=Money.cny(20000))
    assert "tier.vip" in d.rule_id.split("+")
    assert "capped at 6" in d.explanation
    regular = select_level(
        POLICY, category="product_quality", severity="critical", tier="regular", order_value=Money.cny(20000)
    )
    assert "tier.regular" not in regular.rule_id
    assert regular.level == 6


def test_rule_records_small_order_and_order_value_cap():
    d = select_level(POLICY, category="product_quality", severity="medium", tier="new", order_value=Money.cny(2500))
    assert d.rule_id.split("+") == ["matrix.product_quality.medium", "order.small_no_return", "level.6"]
    assert "¥25.00" in d.explanation
    capped = select_level(POLICY, category="suggestion", severity="low", tier="new", order_value=Money.cny(300))
    assert capped.rule_id.endswith("+amount.order_value_cap")
    assert "order value ¥3.00" in capped.explanation


def test_rule_records_category_level_override_and_shipping_fee():
    flat = select_level(POLICY, category="logistics_delay", severity="high", tier="new", order_value=Money.cny(8000))
    assert flat.rule_id == "matrix.logistics_delay.high+level.3.logistics_delay"
    fee = select_level(
        POLICY,
        category="logistics_delay",
        severity="high",
        tier="new",
        order_value=Money.cny(8000),
        shipping_fee=Money.cny(1200),
    )
    assert fee.rule_id == "matrix.logistics_delay.high+amount.shipping_fee"
    free_shipping = select_level(
        POLICY,
        category="logistics_delay",
        severity="high",
        tier="new",
        order_value=Money.cny(8000),
        shipping_fee=Money.cny(0),
    )
    assert free_shipping.amount == Money.cny(1000)  # free shipping: the flat compensation


@pytest.mark.parametrize(
    ("cat", "level", "tasks"),
    [
        ("service_attitude", 2, (FollowUpTask.SUPERVISOR_APOLOGY,)),
        ("product_quality", 5, (FollowUpTask.EXCHANGE,)),
        ("product_quality", 6, ()),  # refund without return: nothing to exchange
        ("logistics_damage", 4, (FollowUpTask.CARRIER_CLAIM,)),
        ("counterfeit_suspicion", 4, (FollowUpTask.AUTHENTICITY_CHECK,)),
        ("suggestion", 1, ()),
    ],
)
def test_remedies_fit_the_problem(cat, level, tasks):
    d = select_level(POLICY, category=cat, severity="low", tier="new", order_value=Money.cny(50000), manual_level=level)
    assert d.level == level
    assert d.follow_up_tasks == tasks
    assert d.rule_id.startswith(f"manual.{level}")


def test_shop_policy_edits_change_the_outcome():
    policy = LadderPolicy.from_dict(
        {
            "levels": {"1": {"fixed_minor": 800}},
            "matrix": {"suggestion": {"low": 2}},
            "tier_bump": {"vip": 0},
            "small_order_no_return_max_minor": None,
        }
    )
    assert select_level(policy, category="other", severity="low", tier="new", order_value=Money.cny(9000)).amount == (
        Money.cny(800)
    )
    assert (
        select_level(policy, category="suggestion", severity="low", tier="new", order_value=Money.cny(9000)).level == 2
    )
    assert select_level(policy, category="payment", severity="low", tier="vip", order_value=Money.cny(9000)).level == 1
    small = select_level(policy, category="product_quality", severity="medium", tier="new", order_value=Money.cny(2500))
    assert small.level == 5


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "angry"}, "category"),
        ({"severity": "urgent"}, "severity"),
        ({"tier": "gold"}, "tier"),
        ({"order_value": Money.cny(0)}, "order_value.amount_minor"),
        ({"order_value": 100}, "order_value"),
        ({"shipping_fee": 12.0}, "shipping_fee"),
        ({"manual_level": 7}, "manual_level"),
        ({"manual_level": True}, "manual_level"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = {"category": "other", "severity": "low", "tier": "new", "order_value": Money.cny(1000)} | kwargs
    with pytest.raises(InvalidInput) as exc:
        select_level(POLICY, **args)
    assert exc.value.field == field


def test_order_value_currency_must_match_policy(monkeypatch):
    monkeypatch.setattr("services.compensation.domain.money.SUPPORTED_CURRENCIES", frozenset({"CNY", "USD"}))
    with pytest.raises(CurrencyMismatch):
        select_level(POLICY, category="other", severity="low", tier="new", order_value=Money(100, "USD"))


@given(
    st.sampled_from(list(Category)),
    st.sampled_from(list(Severity)),
    st.sampled_from(list(Tier)),
    st.integers(1, 10**9),
    st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_amount_is_positive_and_never_exceeds_order_value(cat, sev, tier, value, fee):
    d = select_level(
        POLICY,
        category=cat,
        severity=sev,
        tier=tier,
        order_value=Money.cny(value),
        shipping_fee=None if fee is None else Money.cny(fee),
    )
    assert 1 <= d.level <= 6
    assert 1 <= d.amount.amount_minor <= value
    assert d.kind in {COUPON, SHIP, PART, RETURN, NO_RETURN}
    if d.kind in (RETURN, NO_RETURN):
        assert d.amount.amount_minor == value
    base = POLICY.matrix[cat][sev]
    if tier == Tier.VIP:
        assert d.level >= min(base + 1, 6) - 1  # at most the high-value rule takes one back
    assert d.explanation.count(";") == d.rule_id.count("+")


# --- severity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "intensity", "terms", "expected"),
    [
        ("P3", 0.1, [], "low"),
        ("P3", 0.9, [], "medium"),
        ("P2", 0.5, [], "medium"),
        ("P2", 0.75, [], "high"),
        ("P2", 0.2, ["投诉"], "high"),
        ("P2", 0.9, ["315", "lawyer"], "high"),  # non-P1 never reaches critical without harm
        ("P1", 0.3, [], "high"),
        ("P1", 0.3, ["曝光"], "critical"),
        ("P1", 0.8, [], "critical"),
        ("P3", 0.0, ["过敏"], "critical"),
        ("P2", 0.1, ["Injured"], "critical"),
    ],
)
def test_severity_from_signals(priority, intensity, terms, expected):
    assert severity_from_signals(priority, intensity, terms) == Severity(expected)


@pytest.mark.parametrize(
    ("priority", "intensity", "terms", "field"),
    [
        ("P4", 0.1, [], "priority"),
        ("P1", 1.5, [], "intensity"),
        ("P1", float("nan"), [], "intensity"),
        ("P1", True, [], "intensity"),
        ("P1", 0.5, "投诉", "risk_terms"),
    ],
)
def test_severity_rejects_bad_signals(priority, intensity, terms, field):
    with pytest.raises(InvalidInput) as exc:
        severity_from_signals(priority, intensity, terms)
    assert exc.value.field == field
