"""Flash compensation: logistics damage + unboxing video + amount within the flash limit → automatic."""

from datetime import UTC, datetime

import pytest

from services.compensation.domain import flash as F
from services.compensation.domain.budget import Budget
from services.compensation.domain.errors import InvalidInput
from services.compensation.domain.flash import MediaItem, decide_flash
from services.compensation.domain.ladder import select_level
from services.compensation.domain.money import Money
from services.compensation.domain.offer import Actor
from services.compensation.domain.policy import LadderPolicy
from services.compensation.domain.vocabulary import OfferState
from services.compensation.domain.workflow import pay, propose

POLICY = LadderPolicy()
SHA = "ab" * 32
VIDEO = {"kind": "video", "sha256": SHA, "uri": "oss://u/1.mp4"}
AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

# (category, media, amount fen, budget remaining fen | None, policy overrides) → (auto, reason)
TABLE = [
    ("logistics_damage", [VIDEO], 10000, None, {}, True, F.FLASH_ELIGIBLE),  # exactly at the limit
    ("logistics_damage", [VIDEO], 1, None, {}, True, F.FLASH_ELIGIBLE),
    ("logistics_damage", [VIDEO], 10001, None, {}, False, F.FLASH_AMOUNT_ABOVE_LIMIT),
    ("logistics_damage", [], 500, None, {}, False, F.FLASH_NO_UNBOXING_VIDEO),
    ("logistics_damage", [{"kind": "image", "sha256": SHA}], 500, None, {}, False, F.FLASH_NO_UNBOXING_VIDEO),
    ("logistics_damage", [{"kind": "video", "sha256": SHA[:63]}], 500, None, {}, False, F.FLASH_NO_UNBOXING_VIDEO),
    ("logistics_damage", [{"kind": "video", "sha256": "g" * 64}], 500, None, {}, False, F.FLASH_NO_UNBOXING_VIDEO),
    ("logistics_damage", [{"kind": "video"}], 500, None, {}, False, F.FLASH_NO_UNBOXING_VIDEO),
    ("logistics_damage", [None, {"kind": "video", "sha256": SHA.upper()}], 500, None, {}, True, F.FLASH_ELIGIBLE),
    ("logistics_damage", [MediaItem("image", SHA), MediaItem("video", SHA)], 500, None, {}, True, F.FLASH_ELIGIBLE),
    ("logistics_delay", [VIDEO], 500, None, {}, False, F.FLASH_CATEGORY_NOT_ELIGIBLE),
    ("product_quality", [VIDEO], 500, None, {}, False, F.FLASH_CATEGORY_NOT_ELIGIBLE),
    ("logistics_damage", [VIDEO], 500, None, {"flash_enabled": False}, False, F.FLASH_DISABLED),
    ("logistics_damage", [VIDEO], 500, None, {"flash_limit_minor": 0}, False, F.FLASH_AMOUNT_ABOVE_LIMIT),
    ("logistics_damage", [VIDEO], 30000, None, {"flash_limit_minor": 30000}, True, F.FLASH_ELIGIBLE),
    ("product_quality", [VIDEO], 500, None, {"flash_categories": ["product_quality"]}, True, F.FLASH_ELIGIBLE),
    ("logistics_damage", [VIDEO], 6000, 5000, {}, False, F.FLASH_BUDGET_INSUFFICIENT),
    ("logistics_damage", [VIDEO], 5000, 5000, {}, True, F.FLASH_ELIGIBLE),
]


@pytest.mark.parametrize(("cat", "media", "amount", "remaining", "overrides", "auto", "reason"), TABLE)
def test_flash_decision_table(cat, media, amount, remaining, overrides, auto, reason):
    policy = LadderPolicy.from_dict(overrides) if overrides else POLICY
    budget = None if remaining is None else Budget.open("shop-1", "2026-11", Money.cny(remaining))
    d = decide_flash(policy, category=cat, media=media, amount=Money.cny(amount), budget=budget)
    assert (d.auto_approve, d.reason) == (auto, reason)
    assert d.explanation
    if auto:
        assert d.evidence_sha256 == SHA  # normalised to lower case


def test_flash_rejects_bad_arguments():
    with pytest.raises(InvalidInput):
        decide_flash(POLICY, category="logistics_damage", media=[VIDEO], amount=500)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        decide_flash(POLICY, category="weather", media=[VIDEO], amount=Money.cny(5))
    with pytest.raises(InvalidInput):
        decide_flash(POLICY, category="logistics_damage", media="video", amount=Money.cny(5))


def _damage_decision(severity: str, value: int):
    return select_level(
        POLICY, category="logistics_damage", severity=severity, tier="regular", order_value=Money.cny(value)
    )


def test_flash_offer_is_approved_and_paid_without_a_person():
    budget = Budget.open("shop-1", "2026-11", Money.cny(100000))
    decision = _damage_decision("high", 8000)  # level 5 return and refund, ¥80
    out = propose(
        POLICY,
        offer_id="o-1",
        case_id="c-1",
        decision=decision,
        proposer=Actor.system("triage"),
        budget=budget,
        at=AT,
        media=[VIDEO],
    )
    assert out.flash is not None and out.flash.auto_approve
    assert out.offer.state == OfferState.APPROVED
    assert out.offer.flash and out.offer.approved_by == "system:flash"
    assert out.offer.approval_reasons == ()
    paid = pay(out.offer, out.budget, Actor.system("flash"), payout_id="pay-1", at=AT)
    assert paid.offer.state == OfferState.PAID
    assert paid.budget.spent == Money.cny(8000)


def test_damage_without_video_waits_for_a_person_with_the_reason():
    budget = Budget.open("shop-1", "2026-11", Money.cny(100000))
    out = propose(
        POLICY,
        offer_id="o-2",
        case_id="c-2",
        decision=_damage_decision("low", 8000),  # level 3 shipping refund, ¥10
        proposer=Actor("agent-1", {"agent"}),
        budget=budget,
        at=AT,
        media=[{"kind": "image", "sha256": SHA}],
    )
    assert out.offer.state == OfferState.PENDING_APPROVAL
    assert out.offer.approval_reasons == ("flash_no_unboxing_video",)
    assert out.offer.flash_reason == F.FLASH_NO_UNBOXING_VIDEO
    assert not out.offer.flash


def test_damage_waits_for_a_person_when_flash_is_switched_off():
    policy = LadderPolicy.from_dict({"flash_enabled": False})
    budget = Budget.open("shop-1", "2026-11", Money.cny(100000))
    out = propose(
        policy,
        offer_id="o-4",
        case_id="c-4",
        decision=_damage_decision("low", 8000),
        proposer=Actor("agent-1", {"agent"}),
        budget=budget,
        at=AT,
        media=[VIDEO],
    )
    assert out.offer.state == OfferState.PENDING_APPROVAL
    assert out.offer.approval_reasons == ("flash_disabled",)


def test_damage_above_flash_limit_waits_with_all_reasons():
    budget = Budget.open("shop-1", "2026-11", Money.cny(100000))
    out = propose(
        POLICY,
        offer_id="o-3",
        case_id="c-3",
        decision=_damage_decision("critical", 50000),  # level 6, ¥500
        proposer=Actor("agent-1", {"agent"}),
        budget=budget,
        at=AT,
        media=[VIDEO],
    )
    assert out.offer.state == OfferState.PENDING_APPROVAL
    assert out.offer.approval_reasons == (
        "level_requires_approval",
        "amount_above_threshold",
        "flash_amount_above_flash_limit",
    )
