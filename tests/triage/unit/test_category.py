"""Category classification: a table of hand-written complaints, plus the rules one at a time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.triage.domain.category import (
    Category,
    CategoryOverrides,
    classify,
)
from services.triage.domain.errors import InvalidInput

C = Category


@dataclass(frozen=True)
class Complaint:
    """One hand-written item with what a senior agent would decide about it.

    sentiment and intensity stand in for the model (elsewhere); plausible values for each text.
    """

    id: str
    text: str
    category: Category
    priority: str
    sentiment: float
    intensity: float
    channel: str = "review"
    rating: int | None = None
    tier: str = "regular"
    order_value_minor: int | None = None
    event: str | None = None
    in_incident: bool = False


# fmt: off
COMPLAINTS: tuple[Complaint, ...] = (
    # --- logistics_delay ---
    Complaint("zh-delay-3days", "快递三天了还没到，客服也不回复，什么情况？",
              C.LOGISTICS_DELAY, "P2", -0.6, 0.6, rating=1),
    Complaint("zh-delay-chat", "亲，我的快递呢？？下单一周了还没发货", C.LOGISTICS_DELAY, "P2", -0.4, 0.5, "chat"),
    Complaint("zh-delay-ordernumber-315", "订单号2023131520，物流一直不更新，麻烦查一下",
              C.LOGISTICS_DELAY, "P2", -0.3, 0.3, "chat"),
    Complaint("zh-delay-5star", "东西很好，就是快递太慢了，等了一个星期", C.LOGISTICS_DELAY, "P2", 0.3, 0.3, rating=5),
    Complaint("zh-delay-negated-damage", "包装完好没有破损，但是发货太慢了，催了好几次",
              C.LOGISTICS_DELAY, "P2", -0.3, 0.4, rating=3),
    Complaint("en-delay-12days", "It's been 12 days and still nothing. Where is my order??",
              C.LOGISTICS_DELAY, "P2", -0.6, 0.7, "chat"),
    Complaint("en-delay-tracking", "Tracking hasn't updated since Monday, is my parcel lost?",
              C.LOGISTICS_DELAY, "P2", -0.4, 0.5, "in_app"),
    # --- logistics_damage ---
    Complaint("zh-damage-review", "包装破损，外箱压坏了，里面的杯子摔碎了两个😡",
              C.LOGISTICS_DAMAGE, "P2", -0.7, 0.8, rating=1),
    Complaint("zh-damage-douyin", "@某某旗舰店 你们家发的快递外箱全压扁了，东西都碎了，心态崩了😭😭 #快递暴力",
              C.LOGISTICS_DAMAGE, "P1", -0.7, 0.85, "douyin"),
    Complaint("zh-damage-suggestion-tie", "建议改进一下包装，这次收到盒子有点压扁了",
              C.LOGISTICS_DAMAGE, "P2", -0.2, 0.3, rating=3),
    Complaint("en-damage-crushed", "Package arrived damaged, the box was crushed and the glass shattered.",
              C.LOGISTICS_DAMAGE, "P2", -0.7, 0.7, rating=1),
    Complaint("en-damage-vip", "This is the third time my order arrived damaged. I'm extremely upset.",
              C.LOGISTICS_DAMAGE, "P1", -0.85, 0.9, "chat", tier="vip", order_value_minor=250_000),
    # --- product_quality ---
    Complaint("zh-quality-315", "质量太差了，一洗就掉色，不给个说法我就打315",
              C.PRODUCT_QUALITY, "P1", -0.7, 0.8, rating=1),
    Complaint("zh-quality-vip-urgent", "我是你们的老客户，刚买的冰箱不制冷，家里一堆东西要坏了，今天必须给我解决！",
              C.PRODUCT_QUALITY, "P1", -0.7, 0.9, "chat", tier="vip", order_value_minor=350_000),
    Complaint("zh-quality-vip-mild", "衣服有点起球，想问下能不能换一件",
              C.PRODUCT_QUALITY, "P2", -0.2, 0.2, "chat", tier="vip", order_value_minor=20_000),
    Complaint("zh-quality-vip-high-value", "电视收到了，屏幕有一条划痕，麻烦处理一下",
              C.PRODUCT_QUALITY, "P1", -0.3, 0.3, "chat", tier="vip", order_value_minor=500_000),
    Complaint("zh-quality-regular-high-value", "笔记本屏幕有一条划痕，麻烦处理一下",
              C.PRODUCT_QUALITY, "P2", -0.3, 0.3, "chat", order_value_minor=500_000),
    Complaint("zh-quality-allergy", "宝宝用了这款面霜后脸上过敏起红疹，已经去医院了",
              C.PRODUCT_QUALITY, "P1", -0.8, 0.9, rating=1),
    Complaint("zh-quality-spoiled-milk", "买的牛奶打开是变质的，孩子喝了拉肚子",
              C.PRODUCT_QUALITY, "P1", -0.8, 0.85, "chat"),
    Complaint("zh-quality-fire", "充电器充着充着冒烟起火了，差点把房子烧了！",
              C.PRODUCT_QUALITY, "P1", -0.9, 0.95, "hotline"),
    Complaint("zh-quality-expired-media", "某某店铺卖过期食品还不承认，已联系记者，准备曝光！@头条新闻",
              C.PRODUCT_QUALITY, "P1", -0.8, 0.85, "weibo"),
    Complaint("zh-quality-hotline-12315",
              "坐席：您好，这里是售后。客户：我上周买的电热水壶漏电，手被电了一下，你们不处理我就打12315",
              C.PRODUCT_QUALITY, "P1", -0.8, 0.9, "hotline"),
    Complaint("zh-quality-batch-incident", "同一批次的酸奶胀包了，打开一股酸臭味",
              C.PRODUCT_QUALITY, "P1", -0.5, 0.5, rating=2, in_incident=True),
    Complaint("zh-quality-mixed-lang", "这个 charger 用了两天就坏了，not working at all，退款吧",
              C.PRODUCT_QUALITY, "P2", -0.6, 0.6, "chat"),
    Complaint("en-quality-negated-damage", "The box was not damaged, but the blender stopped working after two uses.",
              C.PRODUCT_QUALITY, "P2", -0.5, 0.5, rating=2),
    Complaint("en-quality-allergy-er",
              "My son got a rash and an allergic reaction from this sunscreen. We ended up in the emergency room.",
              C.PRODUCT_QUALITY, "P1", -0.9, 0.9, rating=1),
    Complaint("en-quality-fire", "The power bank overheated and caught fire on my desk!",
              C.PRODUCT_QUALITY, "P1", -0.9, 0.95, "chat"),
    Complaint("en-quality-defective", "Defective out of the box, won't turn on. Really disappointed.",
              C.PRODUCT_QUALITY, "P2", -0.6, 0.6, rating=1),
    # --- description_mismatch ---
    Complaint("zh-mismatch-color", "和描述不符，色差太大了，图片是深蓝实物是紫色",
              C.DESCRIPTION_MISMATCH, "P2", -0.5, 0.5, rating=2),
    Complaint("zh-mismatch-size", "尺码不对，平时穿M这个M像S，偏小一码",
              C.DESCRIPTION_MISMATCH, "P2", -0.3, 0.3, rating=3),
    Complaint("zh-mismatch-douyin", "家人们谁懂啊😅 买的衣服和图片完全不一样，卖家秀vs买家秀 #避雷 @某某女装",
              C.DESCRIPTION_MISMATCH, "P2", -0.5, 0.5, "douyin"),
    Complaint("zh-mismatch-wrong-item", "发错货了！我买的是黑色42码，寄来的是白色40码",
              C.DESCRIPTION_MISMATCH, "P2", -0.5, 0.6, "chat"),
    Complaint("en-mismatch", "Not as described. The color is way off and it runs small.",
              C.DESCRIPTION_MISMATCH, "P2", -0.5, 0.5, rating=2),
    Complaint("en-mismatch-wrong-size", "Ordered a large, received the wrong size (small).",
              C.DESCRIPTION_MISMATCH, "P2", -0.3, 0.4, "in_app"),
    # --- counterfeit_suspicion ---
    Complaint("zh-fake-chat", "我怀疑是假货，不是正品，防伪码查不到！",
              C.COUNTERFEIT_SUSPICION, "P1", -0.7, 0.8, "chat"),
    Complaint("zh-fake-replica", "高仿吧这是，logo都是歪的", C.COUNTERFEIT_SUSPICION, "P1", -0.6, 0.7, rating=1),
    Complaint("en-fake-scam", "This is a counterfeit. Serial number is invalid on the brand website. Total scam.",
              C.COUNTERFEIT_SUSPICION, "P1", -0.9, 0.9, rating=1),
    Complaint("en-fake-unsure", "Not sure if this is fake, the logo looks slightly different. Can you confirm?",
              C.COUNTERFEIT_SUSPICION, "P2", -0.2, 0.3, "chat"),
    # --- service_attitude ---
    Complaint("zh-service-hotline",
              "客服：您好，请问有什么可以帮您？顾客：你们客服态度太差了，问了三遍都不理人，还挂我电话！",
              C.SERVICE_ATTITUDE, "P2", -0.8, 0.9, "hotline"),
    Complaint("zh-service-weibo-slow", "@某某官方旗舰店 客服回复好慢啊，等了一下午",
              C.SERVICE_ATTITUDE, "P2", -0.3, 0.3, "weibo"),
    Complaint("zh-service-weibo-angry", "@某品牌客服 三天了没人回复，态度恶劣，什么垃圾服务！！！",
              C.SERVICE_ATTITUDE, "P1", -0.9, 0.95, "weibo"),
    Complaint("en-service-rude", "Your customer service agent was rude and hung up on me twice.",
              C.SERVICE_ATTITUDE, "P2", -0.8, 0.8, "chat"),
    Complaint("en-service-journalist",
              "I'm going to post this on social media and tag every journalist I know. Terrible customer service.",
              C.SERVICE_ATTITUDE, "P1", -0.8, 0.9, "in_app"),
    # --- after_sales_refund ---
    Complaint("zh-refund-not-arrived", "退款不到账，已经申请退款7天了",
              C.AFTER_SALES_REFUND, "P2", -0.5, 0.5, "in_app"),
    Complaint("zh-refund-return-ignored", "退货寄回去五天了都没人处理，到底管不管？",
              C.AFTER_SALES_REFUND, "P2", -0.6, 0.7, "chat"),
    Complaint("zh-refund-lawyer", "退款申请被驳回三次了，再不给退款我就找律师起诉你们",
              C.AFTER_SALES_REFUND, "P1", -0.7, 0.8, "chat"),
    Complaint("zh-refund-12315", "已向12315投诉，商家拒绝退款，要求处理",
              C.AFTER_SALES_REFUND, "P1", -0.6, 0.6, "complaint_platform"),
    Complaint("zh-refund-platform", "商家拒绝退款，客服推来推去",
              C.AFTER_SALES_REFUND, "P1", -0.6, 0.7, "complaint_platform"),
    Complaint("en-refund-still-none", "I returned the item 3 weeks ago and still no refund. Where is my refund?",
              C.AFTER_SALES_REFUND, "P2", -0.6, 0.6, "in_app"),
    Complaint("en-refund-lawyer",
              "Still no refund after 30 days. If this isn't resolved by Friday my lawyer will be in touch.",
              C.AFTER_SALES_REFUND, "P1", -0.6, 0.7, "in_app"),
    Complaint("en-refund-how", "How do I start a return request? The shoes don't fit.",
              C.AFTER_SALES_REFUND, "P2", -0.1, 0.2, "chat"),
    # --- payment ---
    Complaint("zh-pay-double", "付款扣了两次，银行卡显示两笔，订单只有一个", C.PAYMENT, "P2", -0.5, 0.6, "in_app"),
    Complaint("zh-pay-failed", "支付失败但是钱被扣了，订单没生成", C.PAYMENT, "P2", -0.5, 0.6, "chat"),
    Complaint("zh-pay-pending", "微信支付显示成功了但订单还是待付款，钱扣了订单没变",
              C.PAYMENT, "P2", -0.4, 0.5, "chat"),
    Complaint("en-pay-twice", "I was charged twice for the same order, please fix this.",
              C.PAYMENT, "P2", -0.4, 0.5, "in_app"),
    # --- promotion_rules ---
    Complaint("zh-promo-coupon", "说好的满减不给，优惠券也用不了，套路太深",
              C.PROMOTION_RULES, "P2", -0.5, 0.5, rating=2),
    Complaint("zh-promo-fraud-weibo", "#双十一# 某店先涨价后降价，价格欺诈！大家避雷 @中国消费者报",
              C.PROMOTION_RULES, "P1", -0.7, 0.8, "weibo"),
    Complaint("en-promo-coupon", "The coupon didn't apply at checkout and the discount wasn't applied either.",
              C.PROMOTION_RULES, "P2", -0.4, 0.4, rating=2),
    Complaint("en-promo-price-protection", "The price dropped right after I bought it and you refuse price protection.",
              C.PROMOTION_RULES, "P2", -0.4, 0.4, "chat"),
    # --- suggestion ---
    Complaint("zh-suggestion", "东西不错，建议增加一个收纳袋，出门方便", C.SUGGESTION, "P3", 0.5, 0.2, rating=4),
    Complaint("en-suggestion", "Love it! It would be great if you could add a dark mode color option.",
              C.SUGGESTION, "P3", 0.6, 0.3, rating=4),
    # --- other ---
    Complaint("zh-praise", "很好用，物流也快，客服小姐姐很耐心👍", C.OTHER, "P3", 0.9, 0.6, rating=5),
    Complaint("zh-praise-repurchase", "第二次回购了，质量很好，包装也很严实", C.OTHER, "P3", 0.9, 0.5, rating=5),
    Complaint("en-praise", "Absolutely perfect, fast shipping and great quality!", C.OTHER, "P3", 0.95, 0.7, rating=5),
    Complaint("en-praise-fire-sale", "Bought during the fire sale, great price, works perfectly",
              C.OTHER, "P3", 0.8, 0.5, rating=5),
    Complaint("zh-question", "请问这款有没有加大码？什么时候补货？", C.OTHER, "P3", 0.1, 0.1, "chat"),
    Complaint("en-question", "Hi, can I change the delivery address for my order?", C.OTHER, "P3", 0.0, 0.1, "chat"),
    Complaint("en-question-pay", "Can I pay with PayPal?", C.OTHER, "P3", 0.0, 0.0, "chat"),
    Complaint("zh-neutral", "收到了", C.OTHER, "P3", 0.0, 0.0, "review_followup"),
    Complaint("zh-rant-1star", "差评，不解释", C.OTHER, "P2", -0.7, 0.6, rating=1),
    Complaint("zh-extortion", "不给我赔偿500块我就天天差评，全网曝光", C.OTHER, "P1", -0.7, 0.8, rating=1),
    # --- partner logistics events (channel logistics) ---
    Complaint("event-damaged", "parcel damaged at Hangzhou sorting center",
              C.LOGISTICS_DAMAGE, "P2", 0.0, 0.0, "logistics", event="damaged"),
    Complaint("event-lost", "包裹在转运中心丢失", C.LOGISTICS_DELAY, "P2", 0.0, 0.0, "logistics", event="lost"),
    Complaint("event-delayed", "", C.LOGISTICS_DELAY, "P2", 0.0, 0.0, "logistics", event="delayed"),
    Complaint("event-cold-chain", "冷链温度超标: 12.5°C (允许 0-8°C)",
              C.PRODUCT_QUALITY, "P1", 0.0, 0.0, "logistics", event="temperature_excursion"),
    Complaint("event-humidity", "humidity 92% (allowed 30-70%)",
              C.PRODUCT_QUALITY, "P1", 0.0, 0.0, "logistics", event="humidity_excursion"),
    Complaint("event-signoff-refused", "收件人拒收，退回发件人",
              C.AFTER_SALES_REFUND, "P2", 0.0, 0.0, "logistics", event="abnormal_signoff"),
    Complaint("event-signoff-other", "签收异常：非本人签收",
              C.LOGISTICS_DELAY, "P2", 0.0, 0.0, "logistics", event="abnormal_signoff"),
    Complaint("event-delivered", "已签收", C.OTHER, "P3", 0.0, 0.0, "logistics", event="delivered"),
)
# fmt: on


def classify_row(row: Complaint):  # noqa: ANN201 - the result type is the module's
    return classify(row.text, channel=row.channel, rating=row.rating, logistics_event=row.event)


def test_the_table_is_big_and_mixed() -> None:
    assert len(COMPLAINTS) >= 60
    assert len({r.id for r in COMPLAINTS}) == len(COMPLAINTS)
    assert {r.category for r in COMPLAINTS} == set(Category)
    english = [r for r in COMPLAINTS if r.text.isascii() and r.text]
    assert 15 <= len(english) <= len(COMPLAINTS) - 30


@pytest.mark.parametrize("row", COMPLAINTS, ids=lambda r: r.id)
def test_table_category(row: Complaint) -> None:
    result = classify_row(row)
    assert result.category is row.category, (result.category, result.scores, result.matched)
    if row.category is not Category.OTHER:
        assert result.matched_terms, "a category must be explained by at least one term or event"
        assert result.score > 0


# --- one rule at a time -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "term"),
    [
        ("快递三天了还没到", C.LOGISTICS_DELAY, "N天了还没到"),
        ("包装破损", C.LOGISTICS_DAMAGE, "包装破损"),
        ("外箱压坏", C.LOGISTICS_DAMAGE, "外箱压坏"),
        ("摔碎了", C.LOGISTICS_DAMAGE, "摔碎"),
        ("和描述不符", C.DESCRIPTION_MISMATCH, "和描述不符"),
        ("有色差", C.DESCRIPTION_MISMATCH, "色差"),
        ("尺码不对", C.DESCRIPTION_MISMATCH, "尺码不对"),
        ("假货", C.COUNTERFEIT_SUSPICION, "假货"),
        ("不是正品", C.COUNTERFEIT_SUSPICION, "不是正品"),
        ("高仿", C.COUNTERFEIT_SUSPICION, "高仿"),
        ("客服态度差", C.SERVICE_ATTITUDE, "态度差"),
        ("不理人", C.SERVICE_ATTITUDE, "不理人"),
        ("退款不到账", C.AFTER_SALES_REFUND, "退款不到账"),
        ("退货没人处理", C.AFTER_SALES_REFUND, "退货没人处理"),
        ("付款扣了两次", C.PAYMENT, "付款扣了两次"),
        ("支付失败", C.PAYMENT, "支付失败"),
        ("满减不给", C.PROMOTION_RULES, "满减不给"),
        ("优惠券用不了", C.PROMOTION_RULES, "优惠券用不了"),
        ("价格欺诈", C.PROMOTION_RULES, "价格欺诈"),
        ("建议增加夜间模式", C.SUGGESTION, "建议增加"),
        ("Still hasn't arrived", C.LOGISTICS_DELAY, "still hasn't arrived"),
        ("arrived damaged", C.LOGISTICS_DAMAGE, "arrived damaged"),
        ("not as described", C.DESCRIPTION_MISMATCH, "not as described"),
        ("wrong size", C.DESCRIPTION_MISMATCH, "wrong size"),
        ("knockoff", C.COUNTERFEIT_SUSPICION, "knockoff"),
        ("very RUDE staff", C.SERVICE_ATTITUDE, "rude"),
        ("still no refund", C.AFTER_SALES_REFUND, "still no refund"),
        ("double charged", C.PAYMENT, "double charged"),
        ("promo code doesn't work", C.PROMOTION_RULES, "promo code doesn't work"),
        ("Feature request: export to PDF", C.SUGGESTION, "feature request"),
    ],
)
def test_each_required_phrase_selects_its_category(text: str, category: Category, term: str) -> None:
    result = classify(text)
    assert result.category is category
    assert term.lower() in [t.lower() for t in result.matched_terms]


def test_full_width_and_case_are_folded() -> None:
    assert classify("ＤＥＦＥＣＴＩＶＥ").category is C.PRODUCT_QUALITY
    assert classify("Where’s my package").category is C.LOGISTICS_DELAY  # curly apostrophe


def test_english_terms_need_word_boundaries() -> None:
    # "rude" inside "prudent", "late" inside "chocolate", "delay" inside "delayable" must not fire
    result = classify("A prudent choice, chocolate was tasty")
    assert result.category is C.OTHER
    assert result.matched == ()


def test_a_negated_defect_does_not_count() -> None:
    assert classify("没有破损").category is C.OTHER
    assert classify("包装完好，没有任何破损").category is C.OTHER
    assert classify("The box was not damaged").category is C.OTHER
    # "不仅" (not only) is no negation
    assert classify("不仅破损还漏液").category is C.LOGISTICS_DAMAGE


def test_five_stars_without_complaint_words_is_not_a_complaint() -> None:
    praise = classify("很满意，下次还来", rating=5)
    assert praise.category is C.OTHER
    assert not praise.is_complaint
    assert "rating:5:no_complaint_words" in praise.signals
    gripe = classify("很满意，就是发货太慢了", rating=5)
    assert gripe.is_complaint
    assert gripe.category is C.LOGISTICS_DELAY


def test_low_rating_alone_is_a_complaint_of_category_other() -> None:
    result = classify("嗯", rating=1)
    assert result.category is C.OTHER
    assert result.is_complaint
    assert not classify("嗯", rating=3).is_complaint


def test_suggestion_is_not_a_complaint() -> None:
    result = classify("建议增加一个黑色款")
    assert result.category is C.SUGGESTION
    assert not result.is_complaint


def test_context_words_alone_choose_nothing() -> None:
    result = classify("快递员小哥人很好，客服也热情")
    assert result.category is C.OTHER
    assert result.score == 0
    assert not result.is_complaint


def test_context_words_reinforce_and_break_ties() -> None:
    # "不回复" (service 2.5) vs "发货慢" (delay 2): without context words the delay would lose anyway;
    # "快递" and "物流" add to the delay only because it already has a real term
    result = classify("物流发货慢，快递不回复")
    assert result.scores[C.LOGISTICS_DELAY] == pytest.approx(3.0)
    assert result.category is C.LOGISTICS_DELAY
    assert any(m.context and m.term == "快递" for m in result.matched)


def test_ties_go_to_the_more_specific_category() -> None:
    result = classify("建议改进一下，盒子压扁了")  # suggestion 3 vs damage 2.5 + context 0.5
    assert result.scores[C.SUGGESTION] == result.scores[C.LOGISTICS_DAMAGE]
    assert result.category is C.LOGISTICS_DAMAGE


def test_the_longer_term_wins_an_overlap() -> None:
    result = classify("退款不到账")
    assert result.matched_terms == ("退款不到账",)  # not also "退款"


def test_result_is_explainable() -> None:
    result = classify("假货！不是正品，客服还不理人")
    assert result.category is C.COUNTERFEIT_SUSPICION
    assert result.matched_terms == ("假货", "不是正品")
    assert result.scores[C.COUNTERFEIT_SUSPICION] == 6.0
    assert result.scores[C.SERVICE_ATTITUDE] == pytest.approx(3.5)
    assert result.confidence == pytest.approx(6.0 / 9.5, abs=1e-3)
    texts = {m.text for m in result.matched}
    assert {"假货", "不是正品", "不理人", "客服"} <= texts


def test_questions_are_flagged() -> None:
    assert classify("请问有红色吗").is_question
    assert classify("Does it come in red?").is_question
    assert not classify("红色很好看").is_question
    # "can i" must be a word sequence, not the inside of "scan it"
    assert not classify("I scan items daily").is_question


# --- logistics events -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "category", "spoilage"),
    [
        ("delayed", C.LOGISTICS_DELAY, False),
        ("lost", C.LOGISTICS_DELAY, False),
        ("exception", C.LOGISTICS_DELAY, False),
        ("damaged", C.LOGISTICS_DAMAGE, False),
        ("temperature_excursion", C.PRODUCT_QUALITY, True),
        ("humidity_excursion", C.PRODUCT_QUALITY, True),
        ("abnormal_signoff", C.LOGISTICS_DELAY, False),
    ],
)
def test_adverse_logistics_events_decide_the_category(event: str, category: Category, spoilage: bool) -> None:
    result = classify("", channel="logistics", logistics_event=event)
    assert result.category is category
    assert result.is_complaint
    assert result.spoilage_risk is spoilage
    assert result.matched_terms == (f"event:{event}",)


@pytest.mark.parametrize("event", ["picked_up", "in_transit", "delivered"])
def test_routine_logistics_events_are_not_complaints(event: str) -> None:
    result = classify("", channel="logistics", logistics_event=event)
    assert result.category is C.OTHER
    assert not result.is_complaint


def test_event_outweighs_the_partner_note() -> None:
    # the note mentions a delay, the event says the parcel is damaged: the event is the fact
    result = classify("运输延误，外箱有磕碰", channel="logistics", logistics_event="damaged")
    assert result.category is C.LOGISTICS_DAMAGE


def test_abnormal_signoff_refused_by_customer_is_a_return() -> None:
    refused = classify("customer refused the parcel, returned to sender", logistics_event="abnormal_signoff")
    assert refused.category is C.AFTER_SALES_REFUND
    assert "event:abnormal_signoff:refused_or_returned" in refused.signals


# --- shop overrides -------------------------------------------------------------------------------------------


def test_a_shop_can_add_terms() -> None:
    assert classify("这个杯子是塑料味的").category is C.OTHER
    overrides = CategoryOverrides(add={"product_quality": ["塑料味"]})
    result = classify("这个杯子是塑料味的", overrides=overrides)
    assert result.category is C.PRODUCT_QUALITY
    assert result.matched_terms == ("塑料味",)


def test_a_shop_can_remove_terms() -> None:
    assert classify("有色差").category is C.DESCRIPTION_MISMATCH
    result = classify("有色差", overrides=CategoryOverrides(remove=("色差",)))
    assert result.category is C.OTHER


def test_a_shop_can_move_a_term_to_another_category() -> None:
    overrides = CategoryOverrides.from_mapping({"add": {"product_quality": ["色差"]}, "remove": ["色差"]})
    assert classify("有色差", overrides=overrides).category is C.PRODUCT_QUALITY


def test_a_shop_can_remove_a_pattern_by_label() -> None:
    overrides = CategoryOverrides(remove=("N天了还没到",))
    assert classify("三天了还没到", overrides=overrides).matched_terms != ("N天了还没到",)


def test_overrides_of_one_shop_do_not_leak_into_defaults() -> None:
    classify("塑料味", overrides=CategoryOverrides(add={"product_quality": ["塑料味"]}))
    assert classify("塑料味").category is C.OTHER


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"add": {"nonsense": ["x"]}}, "overrides.add"),
        ({"add": {"other": ["x"]}}, "overrides.add"),
        ({"add": {"payment": [""]}}, "overrides.add.payment"),
        ({"add": {"payment": "扣款"}}, "overrides.add.payment"),
        ({"add": ["x"]}, "overrides.add"),
        ({"remove": "x"}, "overrides.remove"),
        ({"colour": 1}, "overrides"),
        ({"weight": 0}, "overrides.weight"),
    ],
)
def test_bad_overrides_name_the_field(raw: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        CategoryOverrides.from_mapping(raw)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"channel": "fax"}, "channel"),
        ({"logistics_event": "teleported"}, "logistics_event"),
    ],
)
def test_bad_inputs_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        classify("text", **kwargs)
    assert err.value.field == field


def test_text_must_be_a_bounded_string() -> None:
    with pytest.raises(InvalidInput):
        classify(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        classify("慢" * 20_001)
