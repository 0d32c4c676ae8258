"""Logistics events from partners and the proactive signals they raise: pure rules, no I/O.

Signals (each becomes one feedback item of channel "logistics", before the customer complains):
an overdue delivery, an abnormal sign-off, a damaged or lost parcel, and a cold-chain excursion that
lasts longer than the shop's threshold. Every signal has a deterministic external id, so storing it
twice yields one item.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from libs.errors import FieldViolation, InvalidArgument
from libs.scope import SHOP_ID
from services.intake.domain.feedback import CONTROL, EARLIEST, LOGISTICS_EVENTS, MAX_FUTURE, MAX_ID, Feedback

INCIDENT_KINDS = frozenset({"damaged", "lost", "abnormal_signoff"})
EXCURSION_KINDS = frozenset({"temperature_excursion", "humidity_excursion"})
DELIVERED = "delivered"
OVERDUE = "delayed"  # the logistics_event of an item raised for an overdue delivery

MAX_DESCRIPTION = 1000
MAX_UNIT = 16
MAX_PROMISE_AHEAD = timedelta(days=366)
MAX_LISTED_REJECTIONS = 1000
_KINDS_TEXT = ", ".join(sorted(LOGISTICS_EVENTS))


@dataclass(frozen=True)
class Reading:
    value: float
    allowed_min: float
    allowed_max: float
    unit: str = ""

    @property
    def in_range(self) -> bool:
        return self.allowed_min <= self.value <= self.allowed_max

    @property
    def deviation(self) -> float:
        """How far outside the allowed range the value is (0 inside it)."""
        return max(self.allowed_min - self.value, self.value - self.allowed_max, 0.0)


@dataclass(frozen=True)
class LogisticsEvent:
    event_id: str
    shop_id: str
    order_id: str
    kind: str
    occurred_at: datetime | None
    tracking_no: str = ""
    region: str = ""
    reading: Reading | None = None
    promised_at: datetime | None = None
    description: str = ""


def rejection(event: LogisticsEvent, *, now: datetime, shops: frozenset[str]) -> str | None:
    """Why a partner's event cannot be accepted ("field: problem; …"), or None when it can."""
    problems: list[str] = []
    for name in ("event_id", "order_id"):
        value = getattr(event, name)
        if not value.strip():
            problems.append(f"{name}: is required")
        elif len(value) > MAX_ID or CONTROL.search(value):
            problems.append(f"{name}: must be at most {MAX_ID} printable characters")
    if not event.shop_id:
        problems.append("shop_id: is required")
    elif not SHOP_ID.match(event.shop_id):
        problems.append("shop_id: must be 1-64 letters, digits, '.', '_' or '-'")
    elif event.shop_id not in shops:
        problems.append("shop_id: not served by this partner")
    for name in ("tracking_no", "region"):
        value = getattr(event, name)
        if len(value) > MAX_ID or CONTROL.search(value):
            problems.append(f"{name}: must be at most {MAX_ID} printable characters")
    if len(event.description) > MAX_DESCRIPTION or CONTROL.search(event.description):
        problems.append(f"description: must be at most {MAX_DESCRIPTION} printable characters")
    if event.kind not in LOGISTICS_EVENTS:
        problems.append(f"kind: must be one of {_KINDS_TEXT}")
    if event.occurred_at is None:
        problems.append("occurred_at: is required")
    elif event.occurred_at > now + MAX_FUTURE:
        problems.append("occurred_at: must not be in the future")
    elif event.occurred_at < EARLIEST:
        problems.append("occurred_at: must not be before 2000-01-01")
    if event.promised_at is not None and not EARLIEST <= event.promised_at <= now + MAX_PROMISE_AHEAD:
        problems.append("promised_at: must be between 2000-01-01 and a year from now")
    reading = event.reading
    if reading is None:
        if event.kind in EXCURSION_KINDS:
            problems.append(f"reading: is required for {event.kind}")
    elif not all(math.isfinite(v) for v in (reading.value, reading.allowed_min, reading.allowed_max)):
        problems.append("reading: value and allowed range must be finite numbers")
    elif reading.allowed_min > reading.allowed_max:
        problems.append("reading: allowed_min must not exceed allowed_max")
    elif len(reading.unit) > MAX_UNIT or CONTROL.search(reading.unit):
        problems.append(f"reading.unit: must be at most {MAX_UNIT} printable characters")
    return "; ".join(problems) or None


@dataclass(frozen=True)
class RejectedEvent:
    event_id: str
    reason: str
    index: int = 0  # position in the stream


@dataclass
class ReportSummary:
    """What one partner stream achieved, answered once at its end."""

    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejected_events: list[RejectedEvent] = field(default_factory=list)
    rejected_events_omitted: int = 0

    def reject(self, event_id: str, reason: str, index: int = 0) -> None:
        self.rejected += 1
        if len(self.rejected_events) < MAX_LISTED_REJECTIONS:
            self.rejected_events.append(RejectedEvent(event_id[:MAX_ID], reason, index))
        else:
            self.rejected_events_omitted += 1


# --- thresholds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """When a shop's logistics events become feedback items."""

    overdue_after: timedelta = timedelta(hours=12)
    temperature_excursion_after: timedelta = timedelta(minutes=30)
    humidity_excursion_after: timedelta = timedelta(minutes=30)
    updated_at: datetime | None = None

    def excursion_after(self, kind: str) -> timedelta:
        return self.temperature_excursion_after if kind == "temperature_excursion" else self.humidity_excursion_after

    def changed(
        self,
        *,
        overdue_after: timedelta | None = None,
        temperature_excursion_after: timedelta | None = None,
        humidity_excursion_after: timedelta | None = None,
    ) -> Thresholds:
        """These thresholds with the given ones replaced (None keeps the current value)."""
        return Thresholds(
            overdue_after=self.overdue_after if overdue_after is None else overdue_after,
            temperature_excursion_after=self.temperature_excursion_after
            if temperature_excursion_after is None
            else temperature_excursion_after,
            humidity_excursion_after=self.humidity_excursion_after
            if humidity_excursion_after is None
            else humidity_excursion_after,
            updated_at=self.updated_at,
        )


DEFAULT_THRESHOLDS = Thresholds()
LIMITS = {
    "overdue_after": timedelta(days=30),
    "temperature_excursion_after": timedelta(days=7),
    "humidity_excursion_after": timedelta(days=7),
}


def validate_thresholds(thresholds: Thresholds) -> Thresholds:
    """Returns the thresholds (whole seconds), or raises InvalidArgument naming every bad one."""
    errors = []
    for name, limit in LIMITS.items():
        value: timedelta = getattr(thresholds, name)
        if not timedelta(0) <= value <= limit:
            errors.append(FieldViolation(f"thresholds.{name}", f"must be between 0 and {limit.days} days"))
    if errors:
        raise InvalidArgument("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return Thresholds(
        overdue_after=_whole_seconds(thresholds.overdue_after),
        temperature_excursion_after=_whole_seconds(thresholds.temperature_excursion_after),
        humidity_excursion_after=_whole_seconds(thresholds.humidity_excursion_after),
        updated_at=thresholds.updated_at,
    )


def _whole_seconds(value: timedelta) -> timedelta:
    return timedelta(seconds=int(value.total_seconds()))


# --- shipments (overdue deliveries) -------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentUpdate:
    """What one batch of events says about one order's shipment."""

    shop_id: str
    order_id: str
    tracking_no: str = ""
    region: str = ""
    promised_at: datetime | None = None
    promised_seen_at: datetime | None = None  # when the event that carried promised_at happened
    delivered_at: datetime | None = None


def shipment_updates(events: list[LogisticsEvent]) -> list[ShipmentUpdate]:
    """Folds events carrying a promise or a delivery into one update per (shop, order).

    The newest event's promise wins; the earliest delivery wins.
    """
    folded: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events:
        if e.promised_at is None and e.kind != DELIVERED:
            continue
        assert e.occurred_at is not None
        cur = folded.setdefault((e.shop_id, e.order_id), {})
        if e.tracking_no:
            cur["tracking_no"] = e.tracking_no
        if e.region:
            cur["region"] = e.region
        seen = cur.get("promised_seen_at")
        if e.promised_at is not None and (seen is None or e.occurred_at >= seen):
            cur["promised_at"], cur["promised_seen_at"] = e.promised_at, e.occurred_at
        delivered = cur.get("delivered_at")
        if e.kind == DELIVERED and (delivered is None or e.occurred_at < delivered):
            cur["delivered_at"] = e.occurred_at
    return [ShipmentUpdate(shop, order, **folded[(shop, order)]) for shop, order in sorted(folded)]


def is_overdue(*, promised_at: datetime, delivered_at: datetime | None, now: datetime, threshold: timedelta) -> bool:
    """Delivered (or still not delivered at now) more than threshold after the promised time."""
    return (delivered_at or now) - promised_at > threshold


# --- cold-chain excursions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """The current (or last) excursion episode of one (shop, order, kind).

    An episode starts at the first out-of-range reading and ends at an in-range reading or delivery.
    It raises one item once it has lasted longer than the threshold, and never a second one.
    `ended_at` is when the last episode ended; while a later one is open it still marks the boundary
    before which late readings belong to an earlier episode.
    """

    number: int = 0
    open: bool = False
    started_at: datetime | None = None
    last_out_at: datetime | None = None
    ended_at: datetime | None = None
    signalled: bool = False
    peak: float | None = None
    allowed_min: float | None = None
    allowed_max: float | None = None
    unit: str = ""
    region: str = ""

    def observe(self, reading: Reading, at: datetime, region: str = "") -> Episode:
        """The episode after one reading (readings may arrive out of order)."""
        if reading.in_range:
            if self.open and self.last_out_at is not None and at >= self.last_out_at:
                return replace(self, open=False, ended_at=at)
            return self  # a stale in-range reading cannot end an episode a later reading extends
        if self.ended_at is not None and at <= self.ended_at:
            return self  # a late reading from an episode that has already ended
        if self.open:
            assert self.started_at is not None and self.last_out_at is not None
            peak = self.peak
            if peak is None or reading.deviation > _deviation(peak, self):
                peak = reading.value
            return replace(
                self,
                started_at=min(self.started_at, at),
                last_out_at=max(self.last_out_at, at),
                peak=peak,
                region=region or self.region,
            )
        return Episode(
            number=self.number + 1,
            open=True,
            started_at=at,
            last_out_at=at,
            ended_at=self.ended_at,
            peak=reading.value,
            allowed_min=reading.allowed_min,
            allowed_max=reading.allowed_max,
            unit=reading.unit,
            region=region or self.region,
        )

    def close(self, at: datetime) -> Episode:
        """The episode after the parcel was delivered at `at`."""
        if not self.open:
            return self
        assert self.last_out_at is not None
        return replace(self, open=False, ended_at=max(at, self.last_out_at))

    def duration(self, until: datetime | None = None) -> timedelta:
        """Latest out-of-range reading (or `until`, for the periodic check) minus the start."""
        if self.started_at is None or self.last_out_at is None:
            return timedelta(0)
        return (until or self.last_out_at) - self.started_at

    def is_due(self, threshold: timedelta, until: datetime | None = None) -> bool:
        """An open episode that has lasted longer than threshold and has not raised its item yet."""
        return self.open and not self.signalled and self.duration(until) > threshold


def _deviation(value: float, episode: Episode) -> float:
    lo = episode.allowed_min if episode.allowed_min is not None else value
    hi = episode.allowed_max if episode.allowed_max is not None else value
    return max(lo - value, value - hi, 0.0)


# --- the feedback items signals become ----------------------------------------------------------

_INCIDENT_TEXT = {
    "damaged": (
        "物流异常：订单 {o} 的包裹在运输中破损。",
        "Logistics: the parcel for order {o} was damaged in transit.",
    ),
    "lost": ("物流异常：订单 {o} 的包裹已丢失。", "Logistics: the parcel for order {o} was lost."),
    "abnormal_signoff": (
        "物流异常：订单 {o} 的包裹被异常签收（非本人或未经确认）。",
        "Logistics: the parcel for order {o} was signed for abnormally (not by the customer, or unconfirmed).",
    ),
}
_QUANTITY = {"temperature_excursion": ("温度", "temperature"), "humidity_excursion": ("湿度", "humidity")}


def signal_external_id(kind: str, order_id: str, episode: int) -> str:
    """Deterministic, so one signal is stored once; long order ids are hashed to fit the id limit."""
    candidate = f"{kind}:{order_id}:{episode}"
    if len(candidate) <= MAX_ID:
        return candidate
    return f"{kind}:sha256-{hashlib.sha256(order_id.encode()).hexdigest()[:40]}:{episode}"


def _raw(facts: dict[str, object]) -> str:
    return json.dumps({k: v for k, v in facts.items() if v not in (None, "")}, ensure_ascii=False, sort_keys=True)


def _minutes(d: timedelta) -> int:
    return max(0, int(d.total_seconds() // 60))


def _hours_text(d: timedelta) -> tuple[str, str]:
    minutes = _minutes(d)
    if minutes < 120:
        return f"{minutes} 分钟", f"{minutes} min"
    return f"{minutes // 60} 小时", f"{minutes // 60} h"


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def incident_item(event: LogisticsEvent, *, partner_id: str) -> Feedback:
    """A damaged / lost / abnormal sign-off event as a feedback item (one per kind and order)."""
    zh, en = _INCIDENT_TEXT[event.kind]
    return Feedback(
        channel="logistics",
        external_id=signal_external_id(event.kind, event.order_id, 1),
        text=f"{zh.format(o=event.order_id)} {en.format(o=event.order_id)}",
        order_id=event.order_id,
        region=event.region,
        occurred_at=event.occurred_at,
        logistics_event=event.kind,
        raw=_raw(
            {
                "signal": event.kind,
                "partner_id": partner_id,
                "event_id": event.event_id,
                "tracking_no": event.tracking_no,
                "description": event.description,
            }
        ),
    )


def excursion_item(
    *, order_id: str, kind: str, episode: Episode, threshold: timedelta, until: datetime | None = None
) -> Feedback:
    """A cold-chain excursion episode that outlasted its threshold, as one feedback item.

    `until` is the periodic check's now; without it the episode lasted until its latest out-of-range reading.
    """
    zh_q, en_q = _QUANTITY[kind]
    zh_d, en_d = _hours_text(episode.duration(until))
    unit = episode.unit
    bounds = f"{_num(episode.allowed_min)}–{_num(episode.allowed_max)} {unit}".rstrip()
    peak = f"{_num(episode.peak)} {unit}".rstrip()
    return Feedback(
        channel="logistics",
        external_id=signal_external_id(kind, order_id, episode.number),
        text=(
            f"冷链{zh_q}异常：订单 {order_id} 的{zh_q}超出 {bounds} 已持续 {zh_d}（峰值 {peak}）。"
            f" Cold-chain {en_q} excursion: order {order_id} outside {bounds} for {en_d} (peak {peak})."
        ),
        order_id=order_id,
        region=episode.region,
        occurred_at=until or episode.last_out_at,
        logistics_event=kind,
        raw=_raw(
            {
                "signal": kind,
                "episode": episode.number,
                "started_at": episode.started_at.isoformat() if episode.started_at else None,
                "last_out_of_range_at": episode.last_out_at.isoformat() if episode.last_out_at else None,
                "peak": episode.peak,
                "allowed_min": episode.allowed_min,
                "allowed_max": episode.allowed_max,
                "unit": unit,
                "threshold_seconds": int(threshold.total_seconds()),
            }
        ),
    )


def overdue_item(
    *,
    order_id: str,
    region: str,
    tracking_no: str,
    promised_at: datetime,
    delivered_at: datetime | None,
    now: datetime,
    threshold: timedelta,
) -> Feedback:
    """An overdue (or late-delivered) shipment as one "delayed" feedback item."""
    if delivered_at is None:
        zh_d, en_d = _hours_text(now - promised_at)
        text = (
            f"物流延误：订单 {order_id} 已超过承诺送达时间 {zh_d} 仍未送达。"
            f" Delivery overdue: order {order_id} is {en_d} past its promised delivery time."
        )
    else:
        zh_d, en_d = _hours_text(delivered_at - promised_at)
        text = (
            f"物流延误：订单 {order_id} 比承诺送达时间晚 {zh_d} 送达。"
            f" Late delivery: order {order_id} arrived {en_d} after its promised delivery time."
        )
    return Feedback(
        channel="logistics",
        external_id=signal_external_id(OVERDUE, order_id, 1),
        text=text,
        order_id=order_id,
        region=region,
        occurred_at=min(promised_at + threshold, now),
        logistics_event=OVERDUE,
        raw=_raw(
            {
                "signal": "overdue",
                "tracking_no": tracking_no,
                "promised_at": promised_at.isoformat(),
                "delivered_at": delivered_at.isoformat() if delivered_at else None,
                "threshold_seconds": int(threshold.total_seconds()),
            }
        ),
    )
