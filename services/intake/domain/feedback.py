"""The normalised feedback item and the per-channel rules a submission must pass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from libs.errors import FieldViolation, InvalidArgument

CHANNELS = frozenset(
    {
        "review",
        "review_followup",
        "in_app",
        "chat",
        "hotline",
        "weibo",
        "douyin",
        "complaint_platform",
        "logistics",
    }
)
RATED_CHANNELS = frozenset({"review", "review_followup"})
CUSTOMER_TIERS = frozenset({"new", "regular", "vip"})
# What a logistics item may name as the event that raised it (API.md, partner gRPC).
LOGISTICS_EVENTS = frozenset(
    {
        "picked_up",
        "in_transit",
        "delayed",
        "exception",
        "damaged",
        "lost",
        "abnormal_signoff",
        "temperature_excursion",
        "humidity_excursion",
        "delivered",
    }
)
MEDIA_KINDS = frozenset({"image", "video", "audio", "document"})
CURRENCIES = frozenset({"CNY"})

MAX_TEXT = 5000
MAX_MEDIA = 9
MAX_ID = 128
MAX_URI = 2048
MAX_FUTURE = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Control characters other than tab/newline/CR never belong in customer text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone surrogates: what a string decoded from invalid UTF-8 (or JSON escapes) may carry.
SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class MediaRef:
    kind: str
    sha256: str
    uri: str = ""


@dataclass(frozen=True)
class Feedback:
    """One item from any channel, as intake stores it (minus ids and bookkeeping)."""

    channel: str
    external_id: str
    text: str = ""
    rating: int | None = None
    order_id: str = ""
    customer_id: str = ""
    customer_tier: str = "regular"
    sku: str = ""
    product_line: str = ""
    supplier_id: str = ""
    batch_id: str = ""
    region: str = ""
    order_value_minor: int | None = None
    currency: str = "CNY"
    media: tuple[MediaRef, ...] = field(default_factory=tuple)
    occurred_at: datetime | None = None
    raw: str = ""
    logistics_event: str = ""

    def content_key(self) -> tuple[str, int | None]:
        """What makes a resubmission an edit rather than a replay."""
        return (self.text, self.rating)


def _check_id(name: str, value: str, errors: list[FieldViolation], *, required: bool = False) -> None:
    if required and not value.strip():
        errors.append(FieldViolation(name, "is required"))
    elif len(value) > MAX_ID:
        errors.append(FieldViolation(name, f"must be at most {MAX_ID} characters"))
    elif CONTROL.search(value):
        errors.append(FieldViolation(name, "must not contain control characters"))


def validate(item: Feedback, *, now: datetime) -> Feedback:
    """Returns the item normalised, or raises InvalidArgument naming every bad field."""
    errors: list[FieldViolation] = []
    if item.channel not in CHANNELS:
        errors.append(FieldViolation("channel", f"must be one of {', '.join(sorted(CHANNELS))}"))
    _check_id("external_id", item.external_id, errors, required=True)
    for name in ("order_id", "customer.id", "sku", "product_line", "supplier_id", "batch_id", "region"):
        attr = "customer_id" if name == "customer.id" else name
        _check_id(name, getattr(item, attr), errors)

    text = item.text.strip()
    if len(text) > MAX_TEXT:
        errors.append(FieldViolation("text", f"must be at most {MAX_TEXT} characters"))
    if CONTROL.search(text):
        errors.append(FieldViolation("text", "must not contain control characters"))
    if SURROGATE.search(text):
        errors.append(FieldViolation("text", "must be valid UTF-8"))

    if item.channel in RATED_CHANNELS:
        if item.rating is None:
            errors.append(FieldViolation("rating", "is required for reviews"))
    elif not text and item.channel != "logistics":
        errors.append(FieldViolation("text", "is required"))
    if item.rating is not None and not 1 <= item.rating <= 5:
        errors.append(FieldViolation("rating", "must be between 1 and 5"))

    if item.logistics_event and item.logistics_event not in LOGISTICS_EVENTS:
        errors.append(FieldViolation("logistics_event", f"must be one of {', '.join(sorted(LOGISTICS_EVENTS))}"))

    if item.customer_tier not in CUSTOMER_TIERS:
        errors.append(FieldViolation("customer.tier", "must be one of new, regular, vip"))

    if item.order_value_minor is not None:
        if item.order_value_minor < 0:
            errors.append(FieldViolation("order_value.amount_minor", "must not be negative"))
        if item.currency not in CURRENCIES:
            errors.append(FieldViolation("order_value.currency", "must be CNY"))

    if len(item.media) > MAX_MEDIA:
        errors.append(FieldViolation("media", f"at most {MAX_MEDIA} items"))
    for i, m in enumerate(item.media[:MAX_MEDIA]):
        if m.kind not in MEDIA_KINDS:
            errors.append(FieldViolation(f"media[{i}].kind", "must be one of audio, document, image, video"))
        if not SHA256.match(m.sha256):
            errors.append(FieldViolation(f"media[{i}].sha256", "must be 64 lowercase hex digits"))
        if len(m.uri) > MAX_URI:
            errors.append(FieldViolation(f"media[{i}].uri", f"must be at most {MAX_URI} characters"))

    occurred = item.occurred_at
    if occurred is not None:
        if occurred.tzinfo is None:
            errors.append(FieldViolation("occurred_at", "must carry a UTC offset"))
        elif occurred > now + MAX_FUTURE:
            errors.append(FieldViolation("occurred_at", "must not be in the future"))
        elif occurred < EARLIEST:
            errors.append(FieldViolation("occurred_at", "must not be before 2000-01-01"))

    if errors:
        raise InvalidArgument("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    if text == item.text and occurred is not None:
        return item
    # The constructor rather than dataclasses.replace, which inspects the fields on every call.
    return Feedback(**{**item.__dict__, "text": text, "occurred_at": occurred or now})


@dataclass(frozen=True)
class StoredFeedback:
    """A feedback item as stored: the latest revision plus bookkeeping."""

    id: str
    shop_id: str
    item: Feedback
    revision: int
    received_at: datetime
    updated_at: datetime
    previous_rating: int | None = None


@dataclass(frozen=True)
class SubmitOutcome:
    id: str
    status: str  # accepted | duplicate | revised
    created: bool
    revision: int
