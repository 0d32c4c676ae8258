"""Hand-written word lists: sentiment lexicon features and intensity cues.

Written for this project (not taken from a published lexicon). The lists feed two things: the
``lex:*`` features of the sentiment model (whose weights are learnt in training, so an entry only
has to lean one way, not be always right) and the intensity cues, which are rules.
"""

from __future__ import annotations

# Chinese entries are matched as substrings, longest first, left to right, without overlap, so a
# negated form ("不满意") wins over the word inside it ("满意").
ZH_POSITIVE: frozenset[str] = frozenset(
    """
    满意 很满意 非常满意 不错 挺不错 喜欢 推荐 强烈推荐 划算 实惠 超值 给力 点赞 赞 完美 惊喜 舒服 舒适
    干净 整洁 好吃 美味 可口 新鲜 好用 耐心 热情 周到 贴心 细心 负责 快捷 迅速 及时 准时 很快 挺快 正品
    清晰 流畅 漂亮 好看 合身 值得 回购 物美价廉 性价比高 五星 好评 感谢 开心 放心 靠谱 专业 方便 安静
    宽敞 丰富 结实 精致 很棒 超棒 优秀 顺利 惊艳 没问题 没有问题 不贵 不慢 完好 好评如潮 棒棒 满分 推荐购买
    值得购买 物超所值 性价比 好喝 好闻 柔软 保温 静音 省心 温馨 温暖 友好 礼貌 高效 稳定 正宗 地道 信赖
    好好吃 太好吃 爱了 绝了 优质 喜出望外 省钱 划得来 包装完好 包装精美 服务好 态度好 效果好 质量好
    """.split()
)

ZH_NEGATIVE: frozenset[str] = frozenset(
    """
    差 太差 很差 差劲 差评 垃圾 失望 很失望 后悔 坑 坑人 被坑 骗 骗子 欺骗 假货 山寨 劣质 质量差 破损 坏了
    碎了 漏了 漏水 脏 臭 发霉 霉味 变质 过期 难吃 难用 难闻 难喝 恶心 生气 气死 愤怒 无语 郁闷 糟糕 糟心 烂
    太慢 很慢 慢死 拖延 延误 没发货 不发货 还没发货 还没到 没收到 丢件 少发 漏发 发错 错发 不回复 没人回
    不理 不理人 态度差 态度恶劣 敷衍 推卸 踢皮球 退款 退货 投诉 举报 不值 不值得 不满意 不好 不行 不能用
    用不了 不推荐 别买 再也不 不会再 冷了 凉了 洒了 撒了 吵 噪音 隔音差 隔音不好 蟑螂 虫子 头发 异物 拉肚子
    过敏 失眠 崩溃 黑店 奸商 忽悠 虚假 不符 缩水 褪色 起球 掉色 卡顿 死机 黑屏 不喜欢 不好用 不好吃 不划算
    不干净 不新鲜 不专业 不耐心 不及时 不靠谱 不舒服 不清楚 不合适 太贵 偏贵 贵了 坑爹 骗人 假的 上当 受骗
    残次 瑕疵 划痕 裂了 裂开 断了 掉了 掉漆 异味 刺鼻 馊了 酸了 烂了 生的 没熟 不熟 夹生 少了 缺货 不送
    超时 迟到 晚到 等了 催了 一直等 石沉大海 没下文 骚扰 扣钱 乱收费 多扣 重复扣款 不退 拒绝退款 不给退
    最差 极差 辣鸡 傻逼 妈的 滚 坑货 智商税 呵呵 醉了 服了 气人 闹心 窝火 火大 心塞 吐了 一星 零分 避雷 踩雷
    """.split()
)

EN_POSITIVE: frozenset[str] = frozenset(
    """
    good great excellent amazing awesome perfect perfectly love loved loves lovely nice fantastic wonderful
    happy satisfied recommend recommended fast quick quickly friendly helpful clean comfortable delicious
    tasty fresh beautiful worth reliable smooth easy best superb outstanding pleased thanks thank impressed
    polite professional cozy spacious quiet responsive affordable sturdy genuine authentic prompt efficient
    enjoy enjoyed glad brilliant gorgeous solid flawless exceeded courteous attentive generous bargain
    favourite favorite fabulous incredible terrific well-made hassle-free speedy spotless neat accurate works
    """.split()
)

EN_NEGATIVE: frozenset[str] = frozenset(
    """
    bad terrible horrible awful worst poor poorly broken broke damaged cracked defective faulty useless
    disappointed disappointing disappointment angry furious upset annoyed frustrated frustrating rude ignored
    ignoring late delayed delay missing lost wrong refund scam scammed fraud fake counterfeit cheated dirty
    filthy smelly noisy cold soggy stale spoiled rotten expired leaked leaking spilled overpriced waste hate
    hated unacceptable ridiculous pathetic disgusting gross sick complaint complain slow unhelpful
    unprofessional misleading stuck crashed crashes error fail failed fails failure ripped torn stained mould
    mold moldy cockroach cockroaches bugs nightmare regret avoid lousy mediocre worse sucks junk garbage trash
    shoddy flimsy overcharged unresponsive incompetent liar lied lies dead smashed dented scratched stolen
    cancelled canceled rip-off ripoff joke horrendous appalling dreadful atrocious unusable nobody
    """.split()
)

EN_NEGATORS: frozenset[str] = frozenset(
    """
    not no never cannot without hardly barely nothing none nor don't didn't doesn't isn't wasn't aren't
    weren't won't can't couldn't wouldn't shouldn't haven't hasn't hadn't dont didnt doesnt isnt wasnt arent
    werent wont cant couldnt wouldnt havent hasnt
    """.split()
)

# ---- intensity cues (rules; weights are added up, then squashed) -------------------------------------

ZH_INTENSIFIERS: frozenset[str] = frozenset(
    """
    非常 太 特别 超级 超级无敌 极其 极度 十分 巨 贼 真的 根本 完全 简直 彻底 实在 相当 死了 透了 到爆 爆了
    无比 最最 严重 一点都不 一点也不 绝对 再也 永远 好几次 多次 又 竟然 居然 到底 究竟 一直 三番五次
    """.split()
)

# Words that are themselves strong (anger, insult, threat to escalate), stronger than an adverb.
ZH_STRONG: frozenset[str] = frozenset(
    """
    垃圾 气死 恶心 骗子 黑店 奸商 坑爹 无耻 滚 投诉 举报 曝光 315 报警 律师 起诉 工商 消协 再也不 永远不
    辣鸡 傻逼 妈的 去死 愤怒 崩溃 忍无可忍 受够了 最差 极差 差到 烂透 火大 窝火 太过分 欺诈 诈骗
    """.split()
)

EN_INTENSIFIERS: frozenset[str] = frozenset(
    """
    very so extremely really absolutely totally utterly completely incredibly seriously truly super
    insanely ridiculously beyond
    """.split()
)

EN_STRONG: frozenset[str] = frozenset(
    """
    worst terrible horrible awful disgusting furious outraged scam fraud unacceptable pathetic ridiculous
    appalling atrocious horrendous hate lawyer sue lawsuit report nightmare garbage trash rip-off ripoff
    """.split()
)

EN_STRONG_PHRASES: tuple[str, ...] = (
    "never again",
    "never ever",
    "waste of money",
    "waste of time",
    "do not buy",
    "don't buy",
    "stay away",
    "fed up",
    "sick of",
    "had enough",
)

# Words in capitals that are shouting only when the writer chose them, not acronyms.
CAPS_EXEMPT: frozenset[str] = frozenset(
    """
    OK USB TV SMS DHL UPS USPS EMS SF JD CEO ID PC LCD LED GPS SIM VIP FAQ ETA ASAP PDF USA UK EU AM PM
    QR APP IOS API HDMI SSD RAM CPU GPU XL XXL XS NFC DIY COD PIN UPC SKU
    """.split()
)
