"""LadderPolicy is data: defaults, JSON round trip, per-shop overrides, validation naming the field."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.compensation.domain.errors import InvalidInput
from services.compensation.domain.policy import LadderPolicy, LevelRule
from services.compensation.domain.vocabulary import Category, OfferKind, Severity


def test_defaults():
    p = LadderPolicy()
    assert p.currency == "CNY"
    assert [p.levels[lv].kind for lv in range(1, 7)] == [
        OfferKind.COUPON,
        OfferKind.COUPON,
        OfferKind.PARTIAL_REFUND,
        OfferKind.PARTIAL_REFUND,
        OfferKind.RETURN_AND_REFUND,
        OfferKind.REFUND_WITHOUT_RETURN,
    ]
    assert p.levels[1].fixed_minor < p.levels[2].fixed_minor
    assert p.rule_for(3, Category.LOGISTICS_DAMAGE).kind == OfferKind.SHIPPING_REFUND
    assert p.rule_for(3, Category.PRODUCT_QUALITY).kind == OfferKind.PARTIAL_REFUND
    assert p.levels[4].share_bps == 3000
    assert (p.approval_min_level, p.approval_threshold_minor, p.flash_limit_minor) == (5, 20000, 10000)
    assert (p.budget_period, p.timezone, p.budget_cap_minor) == ("month", "Asia/Shanghai", 1_000_000)
    assert set(p.matrix) == set(Category)
    assert all(set(row) == set(Severity) for row in p.matrix.values())


def test_json_round_trip_is_exact():
    p = LadderPolicy()
    text = p.to_json()
    assert LadderPolicy.from_json(text) == p
    assert json.loads(text) == p.to_dict()
    assert LadderPolicy.from_dict({}) == p


def test_overrides_merge_with_defaults():
    p = LadderPolicy.from_dict(
        {
            "version": "shop-42-v3",
            "levels": {"2": {"fixed_minor": 3000}},
            "matrix": {"payment": {"critical": 5}},
            "category_levels": {
                "logistics_delay": {},
                "payment": {"3": {"kind": "shipping_refund", "fixed_minor": 600}},
            },
            "follow_ups": {"service_attitude": []},
            "flash_enabled": False,
        }
    )
    assert p.version == "shop-42-v3"
    assert p.levels[2] == LevelRule(OfferKind.COUPON, fixed_minor=3000)
    assert p.levels[1] == LadderPolicy().levels[1]
    assert p.matrix[Category.PAYMENT][Severity.CRITICAL] == 5
    assert p.matrix[Category.PAYMENT][Severity.HIGH] == 2
    assert p.rule_for(3, Category.LOGISTICS_DELAY).kind == OfferKind.PARTIAL_REFUND  # override removed
    assert p.rule_for(3, Category.LOGISTICS_DAMAGE).kind == OfferKind.SHIPPING_REFUND  # untouched
    assert p.rule_for(3, Category.PAYMENT) == LevelRule(OfferKind.SHIPPING_REFUND, fixed_minor=600)
    assert p.follow_up_tasks(Category.SERVICE_ATTITUDE, 2) == ()
    assert p.flash_enabled is False
    assert LadderPolicy.from_json(p.to_json()) == p
    assert p != LadderPolicy()


def test_directly_built_policy_round_trips():
    p = LadderPolicy(follow_ups={}, category_levels={}, flash_categories=())
    assert LadderPolicy.from_json(p.to_json()) == p
    assert p.rule_for(3, Category.LOGISTICS_DELAY).kind == OfferKind.PARTIAL_REFUND


def test_policy_is_read_only():
    p = LadderPolicy()
    with pytest.raises(TypeError):
        p.matrix[Category.OTHER] = {}  # type: ignore[index]
    with pytest.raises(AttributeError):
        p.flash_limit_minor = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"levels": {"7": {"fixed_minor": 1}}}, "levels.7"),
        ({"levels": {"1": {"fixed_minor": 5.0}}}, "levels.1.fixed_minor"),
        ({"levels": {"1": {"fixed_minor": -1}}}, "levels.1.fixed_minor"),
        ({"levels": {"1": {"fixed_minor": True}}}, "levels.1.fixed_minor"),
        ({"levels": {"1": {"amount": 5}}}, "levels.1.amount"),
        ({"levels": {"1": {"kind": "partial_refund"}}}, "levels.1.kind"),
        ({"levels": {"4": {"share_bps": 10001}}}, "levels.4.share_bps"),
        ({"levels": {"5": {"share_bps": 5000}}}, "levels.5"),
        ({"levels": {"2": {"fixed_minor": 0}}}, "levels.2"),
        ({"matrix": {"product_quality": {"high": 7}}}, "matrix.product_quality.high"),
        ({"matrix": {"product_quality": {"extreme": 2}}}, "matrix.product_quality"),
        ({"matrix": {"weather": {"low": 1}}}, "matrix"),
        ({"tier_bump": {"vip": 1.5}}, "tier_bump.vip"),
        (
            {"category_levels": {"payment": {"4": {"kind": "coupon", "fixed_minor": 1}}}},
            "category_levels.payment.4.kind",
        ),
        ({"approval_threshold_minor": "200"}, "approval_threshold_minor"),
        ({"flash_limit_minor": 100.0}, "flash_limit_minor"),
        ({"flash_enabled": "yes"}, "flash_enabled"),
        ({"flash_categories": ["weather"]}, "flash_categories.0"),
        ({"follow_ups": {"payment": [{"task": "hug"}]}}, "follow_ups.payment.0.task"),
        ({"follow_ups": {"payment": [{"task": "exchange", "min_level": 5, "max_level": 2}]}}, "follow_ups.payment.0"),
        ({"category_levels": {"payment": {"3": {"fixed_minor": 600}}}}, "category_levels.payment.3.kind"),
        ({"budget_period": "year"}, "budget_period"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"currency": "USD"}, "currency"),
        ({"small_order_no_return_max_minor": 200_000}, "small_order_no_return_max_minor"),
    ],
)
def test_invalid_policy_names_the_field(data, field):
    with pytest.raises(InvalidInput) as exc:
        LadderPolicy.from_dict(data)
    assert exc.value.field == field


def test_from_json_rejects_garbage():
    with pytest.raises(InvalidInput):
        LadderPolicy.from_json("{not json")
    with pytest.raises(InvalidInput):
        LadderPolicy.from_json("[]")


@given(
    st.integers(1, 10**6),
    st.integers(1, 10_000),
    st.integers(0, 10**7),
    st.integers(-2, 3),
    st.sampled_from(list(Category)),
    st.sampled_from(list(Severity)),
    st.integers(1, 6),
)
def test_any_valid_edit_round_trips(coupon, share, threshold, bump, cat, sev, level):
    p = LadderPolicy.from_dict(
        {
            "levels": {"1": {"fixed_minor": coupon}, "4": {"share_bps": share}},
            "approval_threshold_minor": threshold,
            "tier_bump": {"vip": bump},
            "matrix": {str(cat): {str(sev): level}},
        }
    )
    again = LadderPolicy.from_json(p.to_json())
    assert again == p
    assert again.matrix[cat][sev] == level
    assert again.levels[4].share_bps == share
