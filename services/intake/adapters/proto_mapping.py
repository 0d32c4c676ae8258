"""Feedback ⇄ protobuf: the one place intake's domain objects meet kintsugi.v1 messages."""

from __future__ import annotations

from kintsugi.v1 import common_pb2, intake_pb2

from libs.timeutil import from_ts, to_ts
from services.intake.domain.feedback import Feedback, MediaRef, StoredFeedback


def feedback_from_proto(msg: intake_pb2.FeedbackInput) -> Feedback:
    has_value = msg.HasField("order_value")
    return Feedback(
        channel=msg.channel,
        external_id=msg.external_id,
        text=msg.text,
        rating=msg.rating if msg.HasField("rating") else None,
        order_id=msg.order_id,
        customer_id=msg.customer.id,
        customer_tier=msg.customer.tier or "regular",
        sku=msg.sku,
        product_line=msg.product_line,
        supplier_id=msg.supplier_id,
        batch_id=msg.batch_id,
        region=msg.region,
        order_value_minor=msg.order_value.amount_minor if has_value else None,
        currency=(msg.order_value.currency or "CNY") if has_value else "CNY",
        media=tuple(MediaRef(kind=m.kind, sha256=m.sha256, uri=m.uri) for m in msg.media),
        occurred_at=from_ts(msg.occurred_at) if msg.HasField("occurred_at") else None,
        raw=msg.raw_json,
    )


def feedback_to_proto(item: Feedback) -> intake_pb2.FeedbackInput:
    msg = intake_pb2.FeedbackInput(
        channel=item.channel,
        external_id=item.external_id,
        text=item.text,
        order_id=item.order_id,
        customer=intake_pb2.Customer(id=item.customer_id, tier=item.customer_tier),
        sku=item.sku,
        product_line=item.product_line,
        supplier_id=item.supplier_id,
        batch_id=item.batch_id,
        region=item.region,
        media=[intake_pb2.Media(kind=m.kind, sha256=m.sha256, uri=m.uri) for m in item.media],
        occurred_at=to_ts(item.occurred_at),
        raw_json=item.raw,
    )
    if item.rating is not None:
        msg.rating = item.rating
    if item.order_value_minor is not None:
        msg.order_value.CopyFrom(common_pb2.Money(amount_minor=item.order_value_minor, currency=item.currency))
    return msg


def stored_to_proto(stored: StoredFeedback) -> intake_pb2.FeedbackItem:
    msg = intake_pb2.FeedbackItem(
        id=stored.id,
        shop_id=stored.shop_id,
        input=feedback_to_proto(stored.item),
        status="received",
        revision=stored.revision,
        received_at=to_ts(stored.received_at),
        updated_at=to_ts(stored.updated_at),
    )
    if stored.previous_rating is not None:
        msg.previous_rating = stored.previous_rating
    return msg
