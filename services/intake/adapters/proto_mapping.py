"""Intake ⇄ protobuf: the one place intake's domain objects meet kintsugi.v1 messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from kintsugi.v1 import intake_pb2

from libs.errors import InvalidArgument
from libs.timeutil import from_ts, to_ts
from services.intake.domain.feedback import Feedback, MediaRef, StoredFeedback
from services.intake.domain.logistics import LogisticsEvent, Reading, ReportSummary, Thresholds

# Stands for a timestamp Python cannot represent; the event check then rejects it as out of range.
_UNREPRESENTABLE = datetime.max.replace(tzinfo=UTC)
_MAX_DURATION = timedelta(days=3650)


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
        logistics_event=msg.logistics_event,
    )


def _fill_input(msg: intake_pb2.FeedbackInput, item: Feedback, occurred_at: Timestamp | None) -> None:
    """Sets the fields in place (sub-message constructors and CopyFrom cost more; this runs per item)."""
    msg.channel = item.channel
    msg.external_id = item.external_id
    msg.text = item.text
    msg.order_id = item.order_id
    msg.customer.id = item.customer_id
    msg.customer.tier = item.customer_tier
    msg.sku = item.sku
    msg.product_line = item.product_line
    msg.supplier_id = item.supplier_id
    msg.batch_id = item.batch_id
    msg.region = item.region
    for m in item.media:
        msg.media.add(kind=m.kind, sha256=m.sha256, uri=m.uri)
    if occurred_at is not None:
        msg.occurred_at.CopyFrom(occurred_at)
    msg.raw_json = item.raw
    msg.logistics_event = item.logistics_event
    if item.rating is not None:
        msg.rating = item.rating
    if item.order_value_minor is not None:
        msg.order_value.amount_minor = item.order_value_minor
        msg.order_value.currency = item.currency


def feedback_to_proto(item: Feedback) -> intake_pb2.FeedbackInput:
    msg = intake_pb2.FeedbackInput()
    _fill_input(msg, item, to_ts(item.occurred_at))
    return msg


def stored_to_proto(stored: StoredFeedback) -> intake_pb2.FeedbackItem:
    # Times are usually one instant (a new item, received now, occurred now): converted once.
    received = to_ts(stored.received_at)
    msg = intake_pb2.FeedbackItem(
        id=stored.id, shop_id=stored.shop_id, status="received", revision=stored.revision, received_at=received
    )
    msg.updated_at.CopyFrom(received if stored.updated_at == stored.received_at else to_ts(stored.updated_at))
    occurred = stored.item.occurred_at
    _fill_input(msg.input, stored.item, received if occurred == stored.received_at else to_ts(occurred))
    if stored.previous_rating is not None:
        msg.previous_rating = stored.previous_rating
    return msg


def _time(ts: Timestamp) -> datetime | None:
    try:
        return from_ts(ts)
    except (ValueError, OverflowError):
        return _UNREPRESENTABLE


def event_from_proto(msg: intake_pb2.LogisticsEvent) -> LogisticsEvent:
    reading = None
    if msg.HasField("reading"):
        r = msg.reading
        reading = Reading(value=r.value, allowed_min=r.allowed_min, allowed_max=r.allowed_max, unit=r.unit)
    return LogisticsEvent(
        event_id=msg.event_id,
        shop_id=msg.shop_id,
        order_id=msg.order_id,
        kind=msg.kind,
        occurred_at=_time(msg.occurred_at) if msg.HasField("occurred_at") else None,
        tracking_no=msg.tracking_no,
        region=msg.region,
        reading=reading,
        promised_at=_time(msg.promised_at) if msg.HasField("promised_at") else None,
        description=msg.description,
    )


def summary_to_proto(summary: ReportSummary) -> intake_pb2.ReportSummary:
    return intake_pb2.ReportSummary(
        accepted=summary.accepted,
        duplicate=summary.duplicate,
        rejected=summary.rejected,
        rejected_events=[
            intake_pb2.RejectedEvent(event_id=r.event_id, reason=r.reason, index=r.index)
            for r in summary.rejected_events
        ],
        rejected_events_omitted=summary.rejected_events_omitted,
    )


def _duration(msg: Duration, field: str) -> timedelta:
    if abs(msg.seconds) > _MAX_DURATION.total_seconds():
        raise InvalidArgument.on(field, f"must be at most {_MAX_DURATION.days} days")
    return msg.ToTimedelta()


def threshold_changes_from_proto(msg: intake_pb2.LogisticsThresholds) -> dict[str, timedelta]:
    """Only the thresholds the message sets (unset ones keep their value)."""
    return {
        name: _duration(getattr(msg, name), f"thresholds.{name}")
        for name in ("overdue_after", "temperature_excursion_after", "humidity_excursion_after")
        if msg.HasField(name)
    }


def thresholds_to_proto(thresholds: Thresholds) -> intake_pb2.LogisticsThresholds:
    msg = intake_pb2.LogisticsThresholds()
    msg.overdue_after.FromTimedelta(thresholds.overdue_after)
    msg.temperature_excursion_after.FromTimedelta(thresholds.temperature_excursion_after)
    msg.humidity_excursion_after.FromTimedelta(thresholds.humidity_excursion_after)
    if thresholds.updated_at is not None:
        msg.updated_at.CopyFrom(to_ts(thresholds.updated_at))
    return msg
