"""Malicious review signals: extortion wording, no matching order, one-star bursts, the registry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.triage.domain.errors import InvalidInput
from services.triage.domain.malicious import (
    MaliciousPolicy,
    ReviewerReview,
    assess_malicious,
    find_extortion,
    one_star_burst,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("给钱就删", "strong"),
        ("删评要钱，懂的都懂", "strong"),
        ("给我补偿500块我马上删差评", "strong"),
        ("删差评可以，给我200元", "strong"),
        ("赔钱就改好评", "strong"),
        ("I will remove the review if you refund me", "strong"),
        ("I'll delete my 1-star review once you pay me back", "strong"),
        ("Happy to change my review for $50", "strong"),
        ("不赔钱就差评", "threat"),
        ("不给补偿就曝光", "threat"),
        ("不给我赔偿我就全网曝光", "threat"),
        ("Pay me $200 or this review stays", "threat"),
        ("Unless you refund me I will leave a 1-star review everywhere", "threat"),
    ],
)
def test_extortion_wording_is_found(text: str, group: str) -> None:
    found = find_extortion(text)
    assert found, text
    assert found[0][0] == group


@pytest.mark.parametrize(
    "text",
    [
        "快递三天了还没到",
        "不退款我就投诉",  # an ordinary consumer threat to complain, not extortion
        "打开就改变颜色了",  # "打…就改" is not "pay … and I'll change the review"
        "问题解决了我会改好评的",
        "Great shop, will buy again",
        "I paid and the order never arrived",
    ],
)
def test_ordinary_complaints_are_not_extortion(text: str) -> None:
    assert find_extortion(text) == ()


def test_one_star_burst_counts_only_one_stars_inside_the_window() -> None:
    reviews = [
        ReviewerReview(NOW - timedelta(days=1), 1),
        ReviewerReview(NOW - timedelta(days=2), 1),
        ReviewerReview(NOW - timedelta(days=3), 2),  # two stars
        ReviewerReview(NOW - timedelta(days=6), 1),
        ReviewerReview(NOW - timedelta(days=8), 1),  # outside 7 days
        ReviewerReview(NOW + timedelta(hours=1), 1),  # in the future: not yet
    ]
    assert one_star_burst(reviews, NOW, timedelta(days=7)) == 3


def test_a_plain_review_is_not_suspicious() -> None:
    result = assess_malicious(text="质量太差了", now=NOW, has_matching_order=True)
    assert result.score == 0
    assert not result.suspicious
    assert result.reasons == ()


def test_extortion_alone_is_suspicious() -> None:
    result = assess_malicious(text="给钱就删", now=NOW, has_matching_order=True)
    assert result.score == pytest.approx(0.7)
    assert result.suspicious
    assert result.reasons == ("extortion:给钱就删",)
    assert result.extortion_terms == ("给钱就删",)


def test_a_threat_alone_is_not_enough_but_with_no_order_it_is() -> None:
    alone = assess_malicious(text="不赔钱就差评", now=NOW, has_matching_order=True)
    assert alone.score == pytest.approx(0.4)
    assert not alone.suspicious
    with_no_order = assess_malicious(text="不赔钱就差评", now=NOW, has_matching_order=False)
    assert with_no_order.score == pytest.approx(1 - 0.6 * 0.6)
    assert with_no_order.suspicious
    assert with_no_order.reasons == ("threat:不赔钱就差评", "no_matching_order")


def test_unknown_order_counts_for_nothing() -> None:
    assert assess_malicious(text="差", now=NOW, has_matching_order=None).score == 0


def test_one_star_burst_grows_with_the_number_of_reviews() -> None:
    def burst(n: int) -> float:
        reviews = [ReviewerReview(NOW - timedelta(hours=5 * i + 1), 1) for i in range(n)]
        return assess_malicious(text="垃圾", now=NOW, reviewer_reviews=reviews).score

    assert burst(2) == 0
    assert burst(3) == pytest.approx(0.3)
    assert burst(5) == pytest.approx(0.5)
    assert burst(20) == pytest.approx(0.6)  # capped
    reviews = [ReviewerReview(NOW - timedelta(hours=i + 1), 1) for i in range(4)]
    result = assess_malicious(text="垃圾", now=NOW, reviewer_reviews=reviews)
    assert result.reasons == ("one_star_burst:4_in_7d",)


def test_all_signals_together_and_the_registry() -> None:
    reviews = [ReviewerReview(NOW - timedelta(hours=i + 1), 1) for i in range(6)]
    result = assess_malicious(
        text="Pay me or I will leave a 1-star review. 给钱就删",
        now=NOW,
        has_matching_order=False,
        reviewer_reviews=reviews,
        in_registry=True,
    )
    assert result.suspicious
    # 1 - (1-0.7)(1-0.4)(1-0.4)(1-0.6)(1-0.5): extortion, threat, no order, burst of 6 (0.3 + 3 × 0.1), registry
    assert result.score == pytest.approx(1 - 0.3 * 0.6 * 0.6 * 0.4 * 0.5)
    assert "registry:confirmed_malicious_actor" in result.reasons
    assert result.reasons[0] == "extortion:给钱就删"


def test_policy_is_configurable() -> None:
    lenient = MaliciousPolicy(suspicious_at=0.8)
    assert not assess_malicious(text="给钱就删", now=NOW, policy=lenient).suspicious
    with pytest.raises(InvalidInput):
        MaliciousPolicy(extortion_weight=1.5)


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        assess_malicious(text="x", now=NOW, reviewer_reviews=[ReviewerReview(NOW, 0)])
    assert err.value.field == "reviewer_reviews[0].rating"
    with pytest.raises(InvalidInput) as err:
        assess_malicious(text="x", now=datetime(2026, 11, 20))
    assert err.value.field == "now"
