"""Unit tests of the triage text analysis: language, tokens, sentiment polarity and intensity.

Every sentence here was written for these tests (none comes from a data set, the training seeds or
the out-of-domain evaluation set).
"""

from __future__ import annotations

import logging
from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.triage.domain.analysis import (
    Language,
    SentimentModel,
    TextAnalysis,
    analyse,
    analyse_batch,
    default_model,
    detect_language,
    intensity,
    normalize,
    tokenize,
)
from services.triage.domain.analysis.sentiment import MODEL_PATH
from services.triage.domain.analysis.tokenize import jieba_tokenizer

# ---- language -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快递三天了还没到", Language.ZH),
        ("这个iPhone壳很好看", Language.ZH),
        ("@小王 你看这家店的评价 https://example.com/shop/1", Language.ZH),
        ("The parcel is three days late", Language.EN),
        ("Great quality 👍 would buy again", Language.EN),
        ("质量太差了，totally disappointed with it", Language.MIXED),
        ("客服说 we will call you back 然后就没消息了", Language.MIXED),
        ("", Language.UNKNOWN),
        ("😡😡😡 !!!", Language.UNKNOWN),
        ("12345", Language.UNKNOWN),
    ],
)
def test_detect_language(text: str, expected: Language) -> None:
    assert detect_language(text) == expected


# ---- normalisation and tokens -----------------------------------------------------------------------------


def test_normalize_full_width_urls_mentions_and_repeats() -> None:
    text = "ＡＢＣ！！！！！＠客服小李 看这里 https://shop.example.com/item?id=9 好好好好好"
    assert normalize(text) == "abc!!! <user> 看这里 <url> 好好好"


def test_normalize_keeps_digits_and_email_addresses() -> None:
    assert normalize("订单号 100000，邮箱 me@example.com") == "订单号 100000,邮箱 me@example.com"


def test_emoji_become_class_tags() -> None:
    assert normalize("太慢了😡👍🏻[怒]:(") == "太慢了 <emo:angry> <emo:up> <emo:angry> <emo:sad>"


def test_tokenize_chinese_with_mention_and_emoji() -> None:
    tokens = tokenize("@京东客服 快递三天了还没到😡")
    assert tokens[0] == "<user>"
    assert tokens[-1] == "<emo:angry>"
    assert "快递" in tokens
    assert "京东客服" not in "".join(tokens[1:])


def test_tokenize_english_and_url() -> None:
    assert tokenize("The box was CRUSHED, see https://imgs.example.org/a.jpg 😭") == [
        "the", "box", "was", "crushed", "see", "<url>", "<emo:sad>",
    ]


def test_tokenize_drops_punctuation_and_whitespace() -> None:
    tokens = tokenize("质量 很好 ！！！ 。。。")
    assert tokens and all(any(ch.isalnum() for ch in t) for t in tokens)


def test_jieba_is_initialised_once_and_quietly() -> None:
    assert jieba_tokenizer() is jieba_tokenizer()
    assert jieba_tokenizer().initialized
    assert logging.getLogger("jieba").getEffectiveLevel() >= logging.WARNING


# ---- polarity ---------------------------------------------------------------------------------------------

NEGATIVE = [
    # chat
    "到底什么时候发货？等了一周了",
    "客服一直不回消息，什么意思",
    "我要退款，这东西根本没法用",
    # social
    "@某品牌官方 买的吹风机用三天就冒烟了，太吓人了😠",
    "踩雷了，衣服洗一次就缩水严重[泪]",
    "千万别在这家买，售后推来推去",
    # hotel
    "酒店的卫生太差了，浴缸里都是头发",
    "房间一股烟味，要求换房也不给换",
    "wifi根本连不上，找前台也不管",
    # food delivery
    "送来的奶茶洒了一半，杯子都是黏的",
    "面条都坨了，又冷又难吃",
    "外卖比预计晚到了五十分钟",
    # product
    "手机用了一个月屏幕就失灵了",
    "鞋子开胶了，质量太差",
    "充电宝根本充不进电，垃圾",
    # English
    "The package arrived broken and support ignored me",
    "Terrible service, my refund never came",
    "The hotel room was filthy and the staff didn't care",
    "My food was cold and the order was wrong",
    "The charger stopped working after two days",
]

POSITIVE = [
    # chat
    "收到啦，东西很好，谢谢客服",
    "问题已经处理好了，非常感谢",
    "补发的快递今天到了，很满意",
    # social
    "新买的台灯颜值超高，学习都有动力了😊",
    "这款洗面奶真的好用，已经安利给室友了👍",
    "@某某家居 沙发到了，坐着特别舒服❤️",
    # hotel
    "酒店服务很周到，还送了水果",
    "房间很干净，窗外的景色也很美",
    "位置方便，早餐也很好吃",
    # food delivery
    "饺子皮薄馅大，很好吃",
    "送餐很快，饭菜还热着",
    "奶茶味道很好，下次还点",
    # product
    "衣服面料很舒服，做工也好",
    "电脑运行很流畅，很满意",
    "水果很新鲜，个头也大",
    # English
    "Great quality, fast delivery",
    "Friendly staff and a very clean room",
    "The pizza was hot and delicious",
    "Works perfectly, very happy with it",
    "Support replied quickly and fixed everything",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative_text_has_negative_polarity(text: str) -> None:
    assert analyse(text).sentiment < 0


@pytest.mark.parametrize("text", POSITIVE)
def test_positive_text_has_positive_polarity(text: str) -> None:
    assert analyse(text).sentiment > 0


def test_batch_predict_matches_single_predictions_and_stays_in_range() -> None:
    texts = NEGATIVE + POSITIVE
    batch = default_model().predict(texts)
    singles = [default_model().predict([t])[0] for t in texts]
    assert np.allclose(batch, singles, atol=1e-6)
    assert all(-1.0 <= p <= 1.0 for p in batch)
    assert sum(p < 0 for p in batch[: len(NEGATIVE)]) == len(NEGATIVE)


def test_links_and_mentions_do_not_move_polarity() -> None:
    plain, with_link, with_mention = default_model().predict(
        ["耳机音质很好", "耳机音质很好 https://img.example.com/p/123.jpg", "@耳机旗舰店 耳机音质很好"]
    )
    assert with_link == pytest.approx(plain, abs=1e-6)
    assert with_mention == pytest.approx(plain, abs=1e-6)


def test_emoji_move_polarity_their_way() -> None:
    plain, angry, thumbs_up = default_model().predict(["收到货了", "收到货了😡", "收到货了👍"])
    assert angry < plain < thumbs_up


def test_verdict_free_questions_stay_near_neutral() -> None:
    for polarity in default_model().predict(["请问这款有白色的吗", "Do you ship to Shanghai?"]):
        assert abs(polarity) < 0.6


def test_text_with_nothing_in_it_is_neutral() -> None:
    assert default_model().predict(["", "   ", "\ufeff"]) == [0.0, 0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_a_polarity_and_intensity_in_range(text: str) -> None:
    result = analyse(text)
    assert -1.0 <= result.sentiment <= 1.0
    assert 0.0 <= result.intensity <= 1.0


# ---- intensity --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calm", "intense"),
    [
        ("物流很慢", "物流非常慢"),
        ("物流很慢", "物流很慢！！！"),
        ("物流很慢", "物流很慢!!!"),
        ("物流很慢", "物流太慢了"),
        ("客服不回消息", "客服不回消息，气死了"),
        ("东西质量不好", "东西质量不好，垃圾"),
        ("还没发货", "还没发货？？？"),
        ("又没发货", "又没发货😡"),
        ("The delivery was late", "The delivery was LATE"),
        ("The delivery was late", "The delivery was late!!!"),
        ("The delivery was late", "The delivery was extremely late"),
        ("Bad service", "Worst service ever, never again"),
    ],
)
def test_intensifiers_raise_intensity_at_the_same_polarity(calm: str, intense: str) -> None:
    for polarity in (-0.9, -0.3, 0.0, 0.5):
        assert intensity(intense, polarity) > intensity(calm, polarity)


def test_acronyms_are_not_shouting() -> None:
    assert intensity("My USB cable arrived via DHL, OK", 0.5) == intensity("My usb cable arrived via dhl, ok", 0.5)
    assert intensity("My cable arrived BROKEN", 0.5) > intensity("My cable arrived broken", 0.5)


def test_stronger_polarity_means_stronger_intensity() -> None:
    assert intensity("物流很慢", -0.9) > intensity("物流很慢", -0.2)
    assert intensity("物流很慢", 0.9) == pytest.approx(intensity("物流很慢", -0.9))


def test_intensity_without_cues_stays_moderate() -> None:
    assert intensity("请问这个有蓝色的吗", 0.0) == 0.0
    assert intensity("收到了", 1.0) <= 0.61


def test_analysed_intensity_ranks_angry_customers_first() -> None:
    calm, angry = analyse_batch(["快递有点慢", "快递非常非常慢！！！气死我了😡"])
    assert angry.intensity > calm.intensity
    assert angry.intensity > 0.8
    calm_en, angry_en = analyse_batch(
        ["The delivery was a bit late", "The delivery was LATE AGAIN!!! Worst service ever"]
    )
    assert angry_en.intensity > calm_en.intensity
    assert angry_en.sentiment < 0


# ---- the shipped model ------------------------------------------------------------------------------------


def test_default_model_is_loaded_once_and_shared() -> None:
    first = default_model()
    assert default_model() is first
    assert isinstance(first, SentimentModel)
    analyse("很好")
    assert default_model() is first


def test_shipped_artifact_stays_small() -> None:
    assert MODEL_PATH.stat().st_size <= 8 * 1024 * 1024


def test_loading_refuses_an_artifact_of_another_format(tmp_path: Path) -> None:
    path = tmp_path / "other.joblib"
    joblib.dump({"format": "something-else", "format_version": 1}, path)
    with pytest.raises(ValueError, match="is not a version .* artifact"):
        SentimentModel.load(path)
    with pytest.raises(FileNotFoundError, match="make train"):
        SentimentModel.load(tmp_path / "missing.joblib")


def test_analyse_returns_everything_the_triage_needs() -> None:
    result = analyse("@小店 耳机左边没声音，太失望了😭")
    assert isinstance(result, TextAnalysis)
    assert result.language is Language.ZH
    assert result.sentiment < 0
    assert "<user>" in result.tokens and "<emo:sad>" in result.tokens
    assert 0.0 < result.intensity <= 1.0
