"""Hand-written training seeds that widen the model beyond long Chinese product reviews.

Everything here was written for this project (no data set was copied): English complaints and
praise, and Chinese customer-service chat lines, Weibo-style posts, hotel and food-delivery
reviews, and verdict-free questions (added with both labels). Short phrases are combined by fixed
templates with a seeded random generator, so the seed set is reproducible. None of these sentences
is in ``ood_eval.py``.
"""

from __future__ import annotations

import random

# ---- English ------------------------------------------------------------------------------------------

_EN_ITEMS = (
    "item",
    "product",
    "phone case",
    "charger",
    "kettle",
    "vacuum",
    "laptop",
    "headset",
    "watch",
    "sofa",
    "lamp",
    "backpack",
    "dress",
    "pair of shoes",
    "coat",
    "toaster",
    "mattress",
    "camera",
    "printer",
    "toy",
    "desk",
    "bike",
    "tablet",
    "speaker",
    "shampoo",
    "cream",
    "book",
    "mug",
    "rice cooker",
)
_EN_DISHES = ("pizza", "burger", "noodles", "curry", "salad", "fries", "soup", "sushi", "dumplings", "rice")
_EN_DURATIONS = ("two days", "a week", "three weeks", "one use", "a month", "ten minutes", "an hour")

_EN_NEG_CLAUSES = (
    "the {item} arrived broken",
    "the {item} came damaged",
    "the {item} was cracked when I opened the box",
    "the {item} stopped working after {duration}",
    "the {item} is cheap and flimsy",
    "the {item} does not work at all",
    "the {item} looks nothing like the photos",
    "the {item} was missing parts",
    "the {item} is obviously a fake",
    "the {item} smells awful",
    "the {item} broke the first time I used it",
    "poor quality, the {item} is falling apart",
    "my package is {duration} late",
    "the parcel never arrived",
    "tracking has not updated for {duration}",
    "the courier threw the box over the fence",
    "delivery took {duration} longer than promised",
    "I received the wrong {item}",
    "customer service ignored my emails",
    "support was rude and unhelpful",
    "the seller never replied to my messages",
    "nobody answers the phone",
    "I was promised a refund {duration} ago and got nothing",
    "they refused to give me a refund",
    "I was charged twice",
    "the agent hung up on me",
    "the room was dirty",
    "the room was noisy all night",
    "the bathroom was filthy",
    "the sheets had stains on them",
    "the staff at reception were rude",
    "check-in took {duration}",
    "there were cockroaches in the bathroom",
    "the air conditioning was broken",
    "the hotel looked nothing like the pictures",
    "the {dish} was cold",
    "the {dish} was soggy",
    "the {dish} was undercooked",
    "the {dish} tasted stale",
    "the {dish} arrived {duration} late",
    "half of my order was missing",
    "I found a hair in my {dish}",
    "the drink had leaked all over the bag",
    "the driver was rude",
    "it is overpriced for what you get",
    "the {item} is not worth the money",
    "the {item} is not what I ordered",
    "it doesn't fit",
    "it didn't work out of the box",
    "not happy with this purchase",
    "no one has replied to my complaint",
    "I never received my order",
    "the instructions were useless",
    "the battery dies in an hour",
    "the screen has dead pixels",
)
_EN_NEG_CLOSERS = (
    "very disappointed",
    "never again",
    "worst purchase ever",
    "I want my money back",
    "avoid this shop",
    "not recommended",
    "absolutely terrible",
    "so frustrating",
    "what a joke",
    "total waste of money",
    "I am so angry",
    "really bad experience",
    "awful service",
    "do not buy",
    "I regret buying it",
    "unacceptable",
    "terrible experience",
    "I will be reporting this",
    "stay away",
    "what a rip-off",
    "",
)

_EN_POS_CLAUSES = (
    "the {item} is excellent",
    "the {item} works perfectly",
    "great quality for the price",
    "the {item} is exactly as described",
    "the {item} looks even better than the photos",
    "good value for money",
    "the {item} feels solid and well made",
    "the {item} is easy to use",
    "the {item} is comfortable and fits well",
    "fast delivery",
    "it arrived earlier than expected",
    "well packed and arrived safely",
    "the delivery was quick",
    "the courier was very polite",
    "customer service was helpful and friendly",
    "the seller answered all my questions quickly",
    "the refund was processed in a day",
    "support solved my problem right away",
    "the room was clean and spacious",
    "the room was quiet and the bed was comfortable",
    "the staff were friendly and helpful",
    "great location near the station",
    "breakfast was delicious",
    "the view from the room was amazing",
    "the {dish} was hot and fresh",
    "the {dish} was delicious",
    "the {dish} tasted amazing",
    "generous portions and tasty food",
    "the driver delivered early",
    "the {item} exceeded my expectations",
    "my family loves the {item}",
    "the {item} is worth every penny",
    "I am very happy with the {item}",
    "no problems at all",
    "no complaints",
    "not bad at all",
    "nothing to complain about",
    "I couldn't be happier",
    "never had an issue with it",
    "the {item} does exactly what it should",
)
_EN_POS_CLOSERS = (
    "highly recommend",
    "will buy again",
    "five stars",
    "love it",
    "very happy",
    "thank you",
    "would order again",
    "great job",
    "totally worth it",
    "best purchase this year",
    "thanks a lot",
    "great service",
    "very satisfied",
    "perfect",
    "I am impressed",
    "",
)

# ---- Chinese: chat, social, hotel, food delivery -----------------------------------------------------

_ZH_SHOPS = ("@官方旗舰店", "@店小二", "@客服小美", "@某某专营店", "@平台客服", "@外卖平台")
_ZH_NEG_CLAUSES = (
    "怎么还没发货",
    "付款三天了还不发货",
    "快递到底到哪了",
    "催了好几次了还是没动静",
    "客服在吗，等了半天没人回",
    "人工客服一直排队",
    "退款拖了一个星期还没到账",
    "申请换货没人处理",
    "收到的东西是坏的",
    "包装破了，里面的东西也摔坏了",
    "颜色和图片差太多了",
    "尺码完全不对",
    "用了两次就坏了",
    "一股刺鼻的味道",
    "少发了一件",
    "发错货了还不给换",
    "客服态度特别差",
    "一直让我等，等到现在也没结果",
    "说好的包邮结果又收运费",
    "物流慢得离谱",
    "快递员直接放门口被偷了",
    "质量太差了",
    "这是假货吧",
    "再也不会在这家买了",
    "后悔买了",
    "大家别买，被坑惨了",
    "房间又小又潮，墙上都是霉斑",
    "酒店隔音太差，一晚上没睡好",
    "前台爱答不理",
    "热水时有时无，洗个澡都困难",
    "床上居然有虫子",
    "房间和网上的照片完全不一样",
    "外卖送到都凉透了",
    "等了一个多小时才送到",
    "饭菜太咸了，根本没法吃",
    "汤洒得到处都是",
    "菜里有异物",
    "米饭是夹生的",
    "吃完就拉肚子了",
    "骑手态度很凶",
    "东西是变质的",
)
_ZH_NEG_ENDINGS = ("", "？？？", "！！！", "😡", "😤", "[怒]", "👎", "，无语", "，气死了", "。", "😭", "，差评")

_ZH_POS_CLAUSES = (
    "收到了，很满意",
    "东西收到了，质量很好",
    "发货很快，第二天就到了",
    "物流超快",
    "客服很耐心，问题很快解决了",
    "谢谢客服，帮我处理得很好",
    "换货很快，服务不错",
    "退款很快就到账了",
    "和图片一模一样",
    "做工精细，很有质感",
    "尺码正合适",
    "性价比很高",
    "已经回购好几次了",
    "推荐给朋友了",
    "包装很用心",
    "用了一段时间了，很好用",
    "颜色很正，很喜欢",
    "价格实惠，质量也好",
    "这次购物体验很好",
    "宝贝很好，五星好评",
    "房间干净整洁，床很舒服",
    "酒店位置很好，交通方便",
    "前台服务热情周到",
    "早餐丰富，味道不错",
    "房间很安静，睡得很好",
    "下次来还住这家",
    "外卖送得很快，还是热的",
    "味道很好，分量也足",
    "骑手很准时，态度也好",
    "包装很严实，一点没洒",
    "菜很新鲜，好吃",
    "以后就点这家了",
)
_ZH_POS_ENDINGS = ("", "！", "👍", "😊", "[赞]", "❤️", "，赞", "，满意", "。", "🥰", "，好评")

_HANDWRITTEN: tuple[tuple[str, int], ...] = (
    ("Broken on arrival and the seller wants me to pay for the return.", 0),
    ("Three weeks and still no sign of my parcel.", 0),
    ("The worst customer service I have ever dealt with.", 0),
    ("It's a cheap knock-off, not the real brand.", 0),
    ("Stopped charging after a week. Rubbish.", 0),
    ("They cancelled my order without telling me.", 0),
    ("Dirty towels and a broken shower, awful stay.", 0),
    ("Soggy fries and a cold burger again.", 0),
    ("Still waiting on a reply from support.", 0),
    ("I am never shopping here again!", 0),
    ("Sturdy, well designed and great value.", 1),
    ("Arrived quickly and works great.", 1),
    ("Super friendly staff and a spotless room.", 1),
    ("Tasty food, delivered hot and on time.", 1),
    ("The seller went above and beyond to help me.", 1),
    ("Really pleased with this, thanks!", 1),
    ("Good product, good price, fast shipping.", 1),
    ("My second order and just as good as the first.", 1),
    ("Very comfortable and the colour is lovely.", 1),
    ("Problem fixed in one call, excellent support.", 1),
)


# Questions and statements with no verdict. Each is added once as negative and once as positive, which
# teaches the model that their words say nothing either way (so "在吗" stays near 0).
_NEUTRAL: tuple[str, ...] = (
    "在吗",
    "在不在",
    "你好",
    "您好，请问一下",
    "亲，在吗",
    "有人吗",
    "客服你好",
    "请问什么时候发货",
    "请问发什么快递",
    "这个有现货吗",
    "有没有蓝色的",
    "可以改地址吗",
    "能开发票吗",
    "尺码怎么选",
    "我身高一米七穿多大的",
    "这款和那款有什么区别",
    "请问保修多久",
    "可以货到付款吗",
    "订单号发你了",
    "我想问一下物流",
    "麻烦查一下我的订单",
    "已经下单了",
    "地址填好了",
    "帮我备注一下",
    "好的",
    "嗯嗯",
    "知道了",
    "收到",
    "明天再说",
    "我再看看",
    "能便宜点吗",
    "有优惠券吗",
    "包邮吗",
    "几天能到北京",
    "请问今天下单明天能到吗",
    "这个是什么材质的",
    "适合几岁的孩子",
    "怎么安装",
    "说明书在哪",
    "能不能开专票",
    "这个酒店有停车场吗",
    "几点可以入住",
    "早餐几点开始",
    "能加床吗",
    "请问可以延迟退房吗",
    "外卖能放门口吗",
    "不要香菜",
    "少放辣",
    "麻烦多给一双筷子",
    "几点能送到",
    "@客服 麻烦看一下私信",
    "转发微博",
    "看看这个",
    "分享图片",
    "今天周五",
    "下午三点",
    "Hi, is anyone there?",
    "Hello",
    "When will my order ship?",
    "Do you have this in blue?",
    "Can I change the delivery address?",
    "What size should I order?",
    "Is there a warranty?",
    "Please check my order number",
    "I placed the order this morning",
    "OK",
    "Thanks for the update",
    "Can I get an invoice?",
    "What time is check-in?",
    "Does the hotel have parking?",
    "Please leave it at the door",
    "No onions please",
    "How long does shipping take to London?",
    "Is this compatible with my phone?",
    "See the photo attached",
    "Noted",
)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _english(rng: random.Random, clauses: tuple[str, ...], closers: tuple[str, ...], mark: str) -> str:
    picked = rng.sample(clauses, rng.choice((1, 1, 2)))
    parts = [
        c.format(item=rng.choice(_EN_ITEMS), dish=rng.choice(_EN_DISHES), duration=rng.choice(_EN_DURATIONS))
        for c in picked
    ]
    text = rng.choice((", ", " and ", ". ")).join(parts)
    closer = rng.choice(closers)
    text = _capitalise(text) + (f". {_capitalise(closer)}" if closer else "")
    text += rng.choice((".", ".", "!", mark, ""))
    if rng.random() < 0.05:
        text = text.upper()
    return text


def _chinese(rng: random.Random, clauses: tuple[str, ...], endings: tuple[str, ...]) -> str:
    picked = rng.sample(clauses, rng.choice((1, 1, 2)))
    text = "，".join(picked) + rng.choice(endings)
    if rng.random() < 0.2:
        text = f"{rng.choice(_ZH_SHOPS)} {text}"
    return text


def seed_examples(*, seed: int = 20240611, per_class: int = 1500) -> list[tuple[str, int]]:
    """The seed sentences with labels (1 = positive), generated deterministically from ``seed``."""
    rng = random.Random(seed)
    out: set[tuple[str, int]] = set(_HANDWRITTEN)
    out.update((text, label) for text in _NEUTRAL for label in (0, 1))
    for _ in range(per_class):
        out.add((_english(rng, _EN_NEG_CLAUSES, _EN_NEG_CLOSERS, "!!!"), 0))
        out.add((_english(rng, _EN_POS_CLAUSES, _EN_POS_CLOSERS, " :)"), 1))
    for _ in range(per_class // 2):
        out.add((_chinese(rng, _ZH_NEG_CLAUSES, _ZH_NEG_ENDINGS), 0))
        out.add((_chinese(rng, _ZH_POS_CLAUSES, _ZH_POS_ENDINGS), 1))
    return sorted(out)
