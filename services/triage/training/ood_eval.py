"""Hand-written out-of-domain evaluation sentences (1 = positive, 0 = negative).

Written for this project, not taken from any data set, and never used for training: customer-service
chat lines, Weibo-style posts, hotel and food-delivery reviews, English complaints and praise. The
training seeds (``seeds.py``) were written separately and share no sentence with this list.
"""

from __future__ import annotations

OOD_EVAL: tuple[tuple[str, int, str], ...] = (
    # customer-service chat
    ("下单五天了还没发货？？？", 0, "chat"),
    ("人呢？问了三遍都没人回我", 0, "chat"),
    ("你们这样处理问题我真的很无语", 0, "chat"),
    ("退款申请提交一周了，钱到现在都没退回来", 0, "chat"),
    ("收到的尺码跟我下单的不一样，麻烦给个说法", 0, "chat"),
    ("物流信息三天没更新了，是不是丢件了", 0, "chat"),
    ("好的，问题解决了，谢谢你的耐心", 1, "chat"),
    ("东西已经收到了，包装很严实，辛苦了", 1, "chat"),
    ("客服回复很及时，赞一个", 1, "chat"),
    ("换货很顺利，新的一台用着挺好", 1, "chat"),
    ("谢谢亲，补发的那件已经到了，很满意", 1, "chat"),
    ("没想到周末也能这么快处理，给你们点赞", 1, "chat"),
    # Weibo-style social posts
    ("@某某旗舰店 买的保温杯漏水，找客服也不管，大家避雷😡", 0, "social"),
    ("第一次网购就踩坑，图片和实物完全两回事[怒]", 0, "social"),
    ("说好的七天无理由退货，结果各种推脱 #消费维权#", 0, "social"),
    ("双十一买的东西到现在都没到，心累😩", 0, "social"),
    ("这家店的售后真是绝了，拉黑了👎", 0, "social"),
    ("花了两千块买了个寂寞，质量还不如地摊货", 0, "social"),
    ("新买的耳机音质太好了，通勤路上的快乐😍", 1, "social"),
    ("今天收到的花超级新鲜，女朋友开心坏了🥰", 1, "social"),
    ("@小店日记 回购第三次了，一如既往的好👍", 1, "social"),
    ("这个价格能买到这种品质，真香[赞]", 1, "social"),
    ("种草很久的裙子终于到手，上身效果比图片还好看✨", 1, "social"),
    ("被朋友安利的面膜，用了一周皮肤明显变好了😊", 1, "social"),
    # hotel
    ("床单上有污渍，卫生间一股下水道的味道", 0, "hotel"),
    ("半夜隔壁装修一样吵，根本睡不着", 0, "hotel"),
    ("前台办理入住等了四十分钟，也没人解释", 0, "hotel"),
    ("空调坏了报修两次都没人来修", 0, "hotel"),
    ("图片上是海景房，到了才发现窗外是停车场", 0, "hotel"),
    ("房间宽敞明亮，推开窗就能看到湖", 1, "hotel"),
    ("早餐种类很多，服务员也很热情", 1, "hotel"),
    ("离地铁站步行两分钟，出行特别方便", 1, "hotel"),
    ("前台帮我们免费升级了房间，很贴心", 1, "hotel"),
    # food delivery
    ("外卖送到的时候汤全洒在袋子里了", 0, "food"),
    ("点的麻辣烫里吃出了一根头发，太恶心了", 0, "food"),
    ("预计半小时送达，结果等了一个半小时", 0, "food"),
    ("炸鸡送到已经软塌塌的，一点都不脆", 0, "food"),
    ("少送了一份米饭，打电话商家还不承认", 0, "food"),
    ("骑手小哥冒雨送餐，还提前到了，感谢", 1, "food"),
    ("分量很足，味道也正宗，会再点的", 1, "food"),
    ("饭菜送到还是热乎的，包装也很干净", 1, "food"),
    ("这家的酸菜鱼真的绝，已经连续点了一个星期", 1, "food"),
    # English
    ("My order showed delivered but nothing ever arrived.", 0, "en"),
    ("The jacket fell apart after two washes. Total waste of money.", 0, "en"),
    ("I have emailed support four times and nobody has answered.", 0, "en"),
    ("Charged twice for the same order and still no refund!!!", 0, "en"),
    ("The room smelled of smoke and the sheets were stained.", 0, "en"),
    ("Food arrived cold and an hour late, never ordering from them again.", 0, "en"),
    ("Received a used phone with scratches instead of a new one.", 0, "en"),
    ("The blender stopped working after three days, very disappointed.", 0, "en"),
    ("Arrived a day early and everything was perfectly packed.", 1, "en"),
    ("The customer service rep sorted out my problem in minutes, thank you!", 1, "en"),
    ("Lovely hotel, friendly staff and a really comfortable bed.", 1, "en"),
    ("The noodles were hot, fresh and delicious.", 1, "en"),
    ("Exactly what I ordered and the quality is excellent.", 1, "en"),
    ("I've bought this three times now, my kids love it.", 1, "en"),
    ("Easy to set up and it works like a charm.", 1, "en"),
    ("Refund came through quickly, no questions asked. Great service.", 1, "en"),
)
