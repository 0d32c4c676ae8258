"""Risk words: defaults with kind and severity, robust matching, per-shop overrides."""

from __future__ import annotations

import pytest

from services.triage.domain.errors import InvalidInput
from services.triage.domain.risk import (
    RiskKind,
    RiskOverrides,
    RiskTerm,
    Severity,
    default_risk_terms,
    find_risk_terms,
    kinds,
    max_severity,
)

K, S = RiskKind, Severity

REQUIRED_ZH = [
    "315", "投诉", "举报", "工商", "市场监管", "12315", "律师", "起诉", "法院", "曝光", "媒体", "记者", "假货", "欺诈",
    "过敏", "中毒", "变质", "发霉", "受伤", "起火", "爆炸", "漏电", "拉肚子",
]  # fmt: skip
REQUIRED_EN = [
    "lawyer", "sue", "lawsuit", "fraud", "scam", "counterfeit", "fake", "allergic", "allergy", "poisoning",
    "food poisoning", "injured", "injury", "fire", "explode", "exploded", "media", "journalist",
    "report to authorities", "consumer protection",
]  # fmt: skip


def terms(text: str, overrides: RiskOverrides | None = None) -> list[str]:
    return [h.term for h in find_risk_terms(text, overrides)]


def test_every_required_default_is_present_with_a_kind_and_severity() -> None:
    defaults = {t.term: t for t in default_risk_terms()}
    for term in REQUIRED_ZH + REQUIRED_EN:
        assert term in defaults, term
        assert isinstance(defaults[term].kind, RiskKind)
        assert isinstance(defaults[term].severity, Severity)
    assert {t.kind for t in defaults.values()} == set(RiskKind)
    assert {t.severity for t in defaults.values()} == set(Severity)


@pytest.mark.parametrize("term", REQUIRED_ZH + REQUIRED_EN)
def test_every_required_default_fires_in_a_sentence(term: str) -> None:
    text = f"我说了：{term}！" if not term.isascii() else f"I said: {term}!"
    assert term in terms(text)


@pytest.mark.parametrize(
    ("text", "term", "kind", "severity"),
    [
        ("不给说法我就打315", "315", K.REGULATORY, S.CRITICAL),
        ("已经打了12315", "12315", K.REGULATORY, S.CRITICAL),
        ("我要投诉你们", "投诉", K.REGULATORY, S.HIGH),
        ("去市场监管局举报", "市场监管", K.REGULATORY, S.HIGH),
        ("律师函已经寄出", "律师函", K.LEGAL, S.HIGH),
        ("准备起诉", "起诉", K.LEGAL, S.HIGH),
        ("联系了记者", "记者", K.MEDIA, S.HIGH),
        ("孩子吃了中毒了", "中毒", K.SAFETY, S.CRITICAL),
        ("手被划伤还受伤流血", "受伤", K.SAFETY, S.CRITICAL),
        ("这是假货", "假货", K.FRAUD, S.HIGH),
        ("I will SUE you", "sue", K.LEGAL, S.HIGH),
        ("my lawyers will call", "lawyer", K.LEGAL, S.HIGH),
        ("Food poisoning after one bite", "food poisoning", K.SAFETY, S.CRITICAL),
        ("the charger EXPLODED", "exploded", K.SAFETY, S.CRITICAL),
        ("I'll report you to the authorities", "report you to the authorities", K.REGULATORY, S.HIGH),
        ("I'll tell the media", "media", K.MEDIA, S.MEDIUM),
        ("total scam", "scam", K.FRAUD, S.HIGH),
    ],
)
def test_hits_carry_term_kind_and_severity(text: str, term: str, kind: RiskKind, severity: Severity) -> None:
    hit = next(h for h in find_risk_terms(text) if h.term == term)
    assert (hit.kind, hit.severity) == (kind, severity)
    assert hit.factor == f"risk:{kind}:{term}"


@pytest.mark.parametrize(
    "text",
    [
        "订单号13152，请尽快发货",  # 315 inside an order number
        "订单号 2023150088",
        "tracking 7731590",
        "电话13153158888",
        "花了315元买的",  # a price
        "¥315 is too much",
        "净含量315ml",  # a measure
        "3.15号下的单",  # a date, not the consumer-rights day
        "13.15元",
        "SKU A315B",
    ],
)
def test_315_does_not_fire_inside_numbers_prices_or_measures(text: str) -> None:
    assert "315" not in terms(text)


@pytest.mark.parametrize("text", ["打315", "315晚会见", "去3·15投诉", "向 315 反映", "#315#", "@315消费者"])
def test_315_fires_when_it_stands_alone(text: str) -> None:
    assert "315" in terms(text)


def test_12315_is_not_also_reported_as_315() -> None:
    assert terms("打12315") == ["12315"]


@pytest.mark.parametrize(
    "text",
    [
        "There is an issue with my order",  # "sue" inside "issue"
        "pursue a refund",
        "the firewall blocks it",  # "fire" inside "firewall"
        "multimedia player",  # "media" inside "multimedia"
        "defraud",  # not the word fraud
        "scampi were tasty",
    ],
)
def test_english_words_need_word_boundaries(text: str) -> None:
    assert terms(text) == []


def test_english_is_case_insensitive_and_accepts_plurals() -> None:
    assert terms("LAWSUIT") == ["lawsuit"]
    assert terms("Two lawyers") == ["lawyer"]
    assert terms("ＳＣＡＭ") == ["scam"]  # full width


def test_negated_safety_and_fraud_words_do_not_fire() -> None:
    assert terms("用了一个月没有过敏") == []
    assert terms("It's not fake") == []
    assert terms("肯定不是假货") == []


def test_threats_fire_even_when_hedged() -> None:
    # "I didn't want to complain, but ..." is still a complaint threat
    assert terms("本来不想投诉的，但是实在忍不了") == ["投诉"]


def test_longer_terms_win_and_each_term_is_reported_once() -> None:
    found = find_risk_terms("food poisoning, food poisoning again, and the lawyer said sue")
    assert [h.term for h in found] == ["food poisoning", "lawyer", "sue"]


def test_hits_are_ordered_most_severe_first() -> None:
    found = find_risk_terms("媒体已经知道了，孩子过敏住院了")
    assert [h.severity for h in found] == sorted((h.severity for h in found), key=lambda s: -s.rank)
    assert found[0].term == "住院"
    assert max_severity(found) is S.CRITICAL
    assert kinds(found) == {K.MEDIA, K.SAFETY}
    assert max_severity(()) is None


def test_no_hits_in_a_normal_complaint() -> None:
    assert find_risk_terms("快递三天了还没到，麻烦催一下") == ()


# --- per-shop overrides ---------------------------------------------------------------------------------------


def test_a_shop_can_add_a_term() -> None:
    overrides = RiskOverrides(add=(RiskTerm("黑猫", "regulatory", "high"), RiskTerm("Trustpilot", "media", "medium")))
    found = {h.term: h for h in find_risk_terms("我要去黑猫，还要发trustpilot", overrides)}
    assert found["黑猫"].kind is K.REGULATORY
    assert found["trustpilot"].severity is S.MEDIUM
    assert "黑猫" not in terms("我要去黑猫")  # other shops are unaffected


def test_a_shop_can_remove_a_term() -> None:
    # a fire-extinguisher shop: "fire" is its product, not a hazard
    overrides = RiskOverrides(remove=("fire", "FIRE"))
    assert terms("The fire extinguisher arrived late", overrides) == []
    assert terms("The fire extinguisher arrived late") == ["fire"]
    assert terms("it exploded", overrides) == ["exploded"]


def test_a_shop_can_remove_the_315_pattern_by_label() -> None:
    assert terms("打315", RiskOverrides(remove=("315",))) == []


def test_overrides_from_stored_configuration() -> None:
    overrides = RiskOverrides.from_mapping(
        {"add": [{"term": "消费宝", "kind": "media", "severity": "high"}], "remove": ["投诉"]}
    )
    assert terms("我要投诉，还要发消费宝", overrides) == ["消费宝"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"add": [{"term": "x", "kind": "weather", "severity": "high"}]}, "risk_term.kind"),
        ({"add": [{"term": "x", "kind": "media", "severity": "huge"}]}, "risk_term.severity"),
        ({"add": [{"term": " ", "kind": "media", "severity": "high"}]}, "risk_term.term"),
        ({"add": [{"term": "x", "kind": "media"}]}, "overrides.add[0]"),
        ({"add": [{"term": "x", "kind": "media", "severity": "high", "pattern": ".*"}]}, "overrides.add[0]"),
        ({"remove": "fire"}, "overrides.remove"),
        ({"delete": ["fire"]}, "overrides"),
    ],
)
def test_bad_overrides_name_the_field(raw: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        RiskOverrides.from_mapping(raw)
    assert err.value.field == field


def test_text_is_validated() -> None:
    with pytest.raises(InvalidInput):
        find_risk_terms(b"bytes")  # type: ignore[arg-type]
