"""Factories for test data: real messages with sensible defaults, overridden per test."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from kintsugi.v1 import common_pb2, intake_pb2

from libs.timeutil import to_ts

_seq = itertools.count(1)


def feedback_item(
    shop_id: str,
    *,
    text: str = "质量太差了，用一次就坏",
    channel: str = "review",
    rating: int | None = 1,
    revision: int = 1,
    previous_rating: int | None = None,
    feedback_id: str | None = None,
    customer_id: str = "c-1",
    tier: str = "regular",
    order_id: str = "",
    sku: str = "",
    batch_id: str = "",
    supplier_id: str = "",
    product_line: str = "",
    region: str = "",
    order_value_minor: int | None = None,
    media: list[tuple[str, str]] = (),  # type: ignore[assignment]
    occurred_at: datetime | None = None,
    logistics_event: str = "",
) -> intake_pb2.FeedbackItem:
    n = next(_seq)
    item = intake_pb2.FeedbackItem(
        id=feedback_id or f"fb_test{n:08d}",
        shop_id=shop_id,
        revision=revision,
        status="received",
        received_at=to_ts(datetime.now(UTC)),
        input=intake_pb2.FeedbackInput(
            channel=channel,
            external_id=f"ext-{n}",
            text=text,
            order_id=order_id,
            customer=intake_pb2.Customer(id=customer_id, tier=tier),
            sku=sku,
            batch_id=batch_id,
            supplier_id=supplier_id,
            product_line=product_line,
            region=region,
            media=[intake_pb2.Media(kind=k, sha256=h) for k, h in media],
            occurred_at=to_ts(occurred_at or datetime.now(UTC)),
            logistics_event=logistics_event,
        ),
    )
    if rating is not None:
        item.input.rating = rating
    if previous_rating is not None:
        item.previous_rating = previous_rating
    if order_value_minor is not None:
        item.input.order_value.CopyFrom(common_pb2.Money(amount_minor=order_value_minor, currency="CNY"))
    return item
