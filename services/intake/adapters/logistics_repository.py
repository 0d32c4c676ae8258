"""Logistics persistence: partners' events (deduplicated), shipments, excursion episodes, thresholds.

Writes are set-based (one statement per table per chunk of events) so a partner stream of thousands
of events per second costs a handful of round trips per chunk, not several per event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import excursion_episodes, logistics_thresholds, shipments
from services.intake.domain.logistics import (
    DEFAULT_THRESHOLDS,
    Episode,
    LogisticsEvent,
    ShipmentUpdate,
    Thresholds,
)

EpisodeKey = tuple[str, str, str]  # shop, order, kind
OrderKey = tuple[str, str]  # shop, order
EventKey = tuple[str, str]  # shop, event id

# Chunks of events go in as one statement over arrays (unnest): one round trip, no per-row statement work.
_RECORD_EVENTS = sa.text(
    """
    INSERT INTO logistics_events (shop_id, partner_id, event_id, order_id, tracking_no, kind, occurred_at, region,
        reading_value, reading_min, reading_max, reading_unit, promised_at, description, received_at)
    SELECT t.shop_id, CAST(:partner_id AS text), t.event_id, t.order_id, t.tracking_no, t.kind, t.occurred_at,
        t.region, t.reading_value, t.reading_min, t.reading_max, t.reading_unit, t.promised_at, t.description,
        CAST(:received_at AS timestamptz)
    FROM unnest(
        CAST(:shop_ids AS text[]), CAST(:event_ids AS text[]), CAST(:order_ids AS text[]),
        CAST(:tracking_nos AS text[]), CAST(:kinds AS text[]), CAST(:occurred AS timestamptz[]),
        CAST(:regions AS text[]), CAST(:values AS float8[]), CAST(:mins AS float8[]), CAST(:maxs AS float8[]),
        CAST(:units AS text[]), CAST(:promised AS timestamptz[]), CAST(:descriptions AS text[])
    ) AS t(shop_id, event_id, order_id, tracking_no, kind, occurred_at, region, reading_value, reading_min,
        reading_max, reading_unit, promised_at, description)
    ON CONFLICT (shop_id, partner_id, event_id) DO NOTHING
    RETURNING shop_id, event_id
    """
)

# The newest promise wins, the earliest delivery wins, and a signalled shipment stays signalled; a
# settled one whose promise or delivery changes is judged again.
_UPSERT_SHIPMENTS = sa.text(
    """
    INSERT INTO shipments AS s (shop_id, order_id, tracking_no, region, promised_at, promised_seen_at,
        delivered_at, state, updated_at)
    SELECT t.shop_id, t.order_id, t.tracking_no, t.region, t.promised_at, t.promised_seen_at, t.delivered_at,
        'watching', CAST(:now AS timestamptz)
    FROM unnest(
        CAST(:shop_ids AS text[]), CAST(:order_ids AS text[]), CAST(:tracking_nos AS text[]),
        CAST(:regions AS text[]), CAST(:promised AS timestamptz[]), CAST(:promised_seen AS timestamptz[]),
        CAST(:delivered AS timestamptz[])
    ) AS t(shop_id, order_id, tracking_no, region, promised_at, promised_seen_at, delivered_at)
    ON CONFLICT (shop_id, order_id) DO UPDATE SET
        tracking_no = CASE WHEN excluded.tracking_no <> '' THEN excluded.tracking_no ELSE s.tracking_no END,
        region = CASE WHEN excluded.region <> '' THEN excluded.region ELSE s.region END,
        promised_at = CASE WHEN excluded.promised_at IS NOT NULL
            AND (s.promised_seen_at IS NULL OR excluded.promised_seen_at >= s.promised_seen_at)
            THEN excluded.promised_at ELSE s.promised_at END,
        promised_seen_at = CASE WHEN excluded.promised_at IS NOT NULL
            AND (s.promised_seen_at IS NULL OR excluded.promised_seen_at >= s.promised_seen_at)
            THEN excluded.promised_seen_at ELSE s.promised_seen_at END,
        delivered_at = LEAST(s.delivered_at, excluded.delivered_at),
        state = CASE WHEN s.state = 'signalled' THEN 'signalled' ELSE 'watching' END,
        updated_at = excluded.updated_at
    """
)

ONE_SECOND: sa.ColumnElement[Any] = sa.literal_column("interval '1 second'")


def _seconds(td: timedelta) -> int:
    return int(td.total_seconds())


def _thresholds(row: Any) -> Thresholds:
    return Thresholds(
        overdue_after=timedelta(seconds=row.overdue_after_s),
        temperature_excursion_after=timedelta(seconds=row.temperature_excursion_after_s),
        humidity_excursion_after=timedelta(seconds=row.humidity_excursion_after_s),
        updated_at=row.updated_at,
    )


def _episode(row: Any) -> Episode:
    return Episode(
        number=row.episode,
        open=row.open,
        started_at=row.started_at,
        last_out_at=row.last_out_at,
        ended_at=row.ended_at,
        signalled=row.signalled,
        peak=row.peak,
        allowed_min=row.allowed_min,
        allowed_max=row.allowed_max,
        unit=row.unit,
        region=row.region,
    )


@dataclass(frozen=True)
class DueShipment:
    shop_id: str
    order_id: str
    tracking_no: str
    region: str
    promised_at: datetime
    delivered_at: datetime | None
    threshold: timedelta


@dataclass(frozen=True)
class DueEpisode:
    key: EpisodeKey
    episode: Episode
    threshold: timedelta


class LogisticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- events ---------------------------------------------------------------------------------

    async def record_events(self, *, partner_id: str, events: list[LogisticsEvent], now: datetime) -> set[EventKey]:
        """Inserts events not seen before from this partner; returns the (shop, event id) keys inserted."""
        if not events:
            return set()
        readings = [e.reading for e in events]
        rows = await self.session.execute(
            _RECORD_EVENTS,
            {
                "partner_id": partner_id,
                "received_at": now,
                "shop_ids": [e.shop_id for e in events],
                "event_ids": [e.event_id for e in events],
                "order_ids": [e.order_id for e in events],
                "tracking_nos": [e.tracking_no for e in events],
                "kinds": [e.kind for e in events],
                "occurred": [e.occurred_at for e in events],
                "regions": [e.region for e in events],
                "values": [r.value if r else None for r in readings],
                "mins": [r.allowed_min if r else None for r in readings],
                "maxs": [r.allowed_max if r else None for r in readings],
                "units": [r.unit if r else None for r in readings],
                "promised": [e.promised_at for e in events],
                "descriptions": [e.description for e in events],
            },
        )
        return {(r.shop_id, r.event_id) for r in rows.all()}

    # --- shipments ------------------------------------------------------------------------------

    async def upsert_shipments(self, *, updates: list[ShipmentUpdate], now: datetime) -> None:
        """Merges promises and deliveries into shipments; a signalled shipment stays signalled."""
        if not updates:
            return
        await self.session.execute(
            _UPSERT_SHIPMENTS,
            {
                "now": now,
                "shop_ids": [u.shop_id for u in updates],
                "order_ids": [u.order_id for u in updates],
                "tracking_nos": [u.tracking_no for u in updates],
                "regions": [u.region for u in updates],
                "promised": [u.promised_at for u in updates],
                "promised_seen": [u.promised_seen_at for u in updates],
                "delivered": [u.delivered_at for u in updates],
            },
        )

    async def delivered_at(self, *, orders: Iterable[OrderKey]) -> dict[OrderKey, datetime]:
        """When each of these orders was delivered (orders not delivered are absent)."""
        keys = sorted(set(orders))
        if not keys:
            return {}
        rows = (
            await self.session.execute(
                sa.select(shipments.c.shop_id, shipments.c.order_id, shipments.c.delivered_at).where(
                    sa.tuple_(shipments.c.shop_id, shipments.c.order_id).in_(keys),
                    shipments.c.delivered_at.is_not(None),
                )
            )
        ).all()
        return {(r.shop_id, r.order_id): r.delivered_at for r in rows}

    async def claim_due_shipments(self, *, now: datetime, limit: int) -> list[DueShipment]:
        """Watched shipments past their promise that are overdue or delivered, locked (SKIP LOCKED)."""
        after = sa.func.coalesce(logistics_thresholds.c.overdue_after_s, _seconds(DEFAULT_THRESHOLDS.overdue_after))
        rows = (
            await self.session.execute(
                sa.select(
                    shipments.c.shop_id,
                    shipments.c.order_id,
                    shipments.c.tracking_no,
                    shipments.c.region,
                    shipments.c.promised_at,
                    shipments.c.delivered_at,
                    after.label("after_s"),
                )
                .select_from(
                    shipments.outerjoin(logistics_thresholds, logistics_thresholds.c.shop_id == shipments.c.shop_id)
                )
                .where(
                    shipments.c.state == "watching",
                    shipments.c.promised_at.is_not(None),
                    shipments.c.promised_at < now,
                    sa.or_(shipments.c.delivered_at.is_not(None), shipments.c.promised_at + after * ONE_SECOND < now),
                )
                .order_by(shipments.c.promised_at)
                .limit(limit)
                .with_for_update(of=shipments, skip_locked=True)
            )
        ).all()
        return [
            DueShipment(
                r.shop_id,
                r.order_id,
                r.tracking_no,
                r.region,
                r.promised_at,
                r.delivered_at,
                timedelta(seconds=r.after_s),
            )
            for r in rows
        ]

    async def settle_shipments(self, *, outcomes: list[tuple[OrderKey, str, str | None]], now: datetime) -> None:
        """Records each claimed shipment's outcome: ('settled' | 'signalled', feedback id)."""
        if not outcomes:
            return
        await self.session.execute(
            shipments.update()
            .where(shipments.c.shop_id == sa.bindparam("b_shop"), shipments.c.order_id == sa.bindparam("b_order"))
            .values(state=sa.bindparam("b_state"), feedback_id=sa.bindparam("b_feedback"), updated_at=now),
            [
                {"b_shop": shop, "b_order": order, "b_state": state, "b_feedback": fid}
                for (shop, order), state, fid in outcomes
            ],
        )

    # --- excursion episodes ---------------------------------------------------------------------

    async def lock_episodes(
        self, *, keys: Iterable[EpisodeKey], orders: Iterable[OrderKey], now: datetime
    ) -> dict[EpisodeKey, Episode]:
        """Every episode row of these orders, locked; rows for new keys are created first (empty)."""
        new_keys = sorted(set(keys))
        if new_keys:
            await self.session.execute(
                postgresql.insert(excursion_episodes).on_conflict_do_nothing(),
                [
                    {
                        "shop_id": shop,
                        "order_id": order,
                        "kind": kind,
                        "episode": 0,
                        "open": False,
                        "signalled": False,
                        "unit": "",
                        "region": "",
                        "updated_at": now,
                    }
                    for shop, order, kind in new_keys
                ],
            )
        order_keys = sorted(set(orders) | {(shop, order) for shop, order, _ in new_keys})
        if not order_keys:
            return {}
        rows = (
            await self.session.execute(
                sa.select(excursion_episodes)
                .where(sa.tuple_(excursion_episodes.c.shop_id, excursion_episodes.c.order_id).in_(order_keys))
                # One lock order for every transaction, so concurrent streams never deadlock on it.
                .order_by(excursion_episodes.c.shop_id, excursion_episodes.c.order_id, excursion_episodes.c.kind)
                .with_for_update()
            )
        ).all()
        return {(r.shop_id, r.order_id, r.kind): _episode(r) for r in rows}

    async def save_episodes(self, *, episodes: dict[EpisodeKey, Episode], now: datetime) -> None:
        if not episodes:
            return
        await self.session.execute(
            excursion_episodes.update()
            .where(
                excursion_episodes.c.shop_id == sa.bindparam("b_shop"),
                excursion_episodes.c.order_id == sa.bindparam("b_order"),
                excursion_episodes.c.kind == sa.bindparam("b_kind"),
            )
            .values(
                episode=sa.bindparam("b_episode"),
                open=sa.bindparam("b_open"),
                started_at=sa.bindparam("b_started"),
                last_out_at=sa.bindparam("b_last_out"),
                ended_at=sa.bindparam("b_ended"),
                signalled=sa.bindparam("b_signalled"),
                peak=sa.bindparam("b_peak"),
                allowed_min=sa.bindparam("b_min"),
                allowed_max=sa.bindparam("b_max"),
                unit=sa.bindparam("b_unit"),
                region=sa.bindparam("b_region"),
                updated_at=now,
            ),
            [
                {
                    "b_shop": shop,
                    "b_order": order,
                    "b_kind": kind,
                    "b_episode": ep.number,
                    "b_open": ep.open,
                    "b_started": ep.started_at,
                    "b_last_out": ep.last_out_at,
                    "b_ended": ep.ended_at,
                    "b_signalled": ep.signalled,
                    "b_peak": ep.peak,
                    "b_min": ep.allowed_min,
                    "b_max": ep.allowed_max,
                    "b_unit": ep.unit,
                    "b_region": ep.region,
                }
                for (shop, order, kind), ep in sorted(episodes.items())
            ],
        )

    async def claim_due_episodes(self, *, now: datetime, limit: int) -> list[DueEpisode]:
        """Open, unsignalled episodes that have lasted past their threshold by now, locked (SKIP LOCKED)."""
        th = logistics_thresholds
        after = sa.case(
            (
                excursion_episodes.c.kind == "temperature_excursion",
                sa.func.coalesce(
                    th.c.temperature_excursion_after_s, _seconds(DEFAULT_THRESHOLDS.temperature_excursion_after)
                ),
            ),
            else_=sa.func.coalesce(
                th.c.humidity_excursion_after_s, _seconds(DEFAULT_THRESHOLDS.humidity_excursion_after)
            ),
        )
        rows = (
            await self.session.execute(
                sa.select(excursion_episodes, after.label("after_s"))
                .select_from(excursion_episodes.outerjoin(th, th.c.shop_id == excursion_episodes.c.shop_id))
                .where(
                    excursion_episodes.c.open,
                    sa.not_(excursion_episodes.c.signalled),
                    excursion_episodes.c.started_at < now,
                    excursion_episodes.c.started_at + after * ONE_SECOND < now,
                )
                .order_by(excursion_episodes.c.started_at)
                .limit(limit)
                .with_for_update(of=excursion_episodes, skip_locked=True)
            )
        ).all()
        return [DueEpisode((r.shop_id, r.order_id, r.kind), _episode(r), timedelta(seconds=r.after_s)) for r in rows]

    # --- thresholds -----------------------------------------------------------------------------

    async def thresholds(self, *, shop_ids: Iterable[str]) -> dict[str, Thresholds]:
        """Each shop's thresholds (the defaults for shops that never set theirs)."""
        shops = sorted(set(shop_ids))
        if not shops:
            return {}
        rows = (
            await self.session.execute(sa.select(logistics_thresholds).where(logistics_thresholds.c.shop_id.in_(shops)))
        ).all()
        found = {r.shop_id: _thresholds(r) for r in rows}
        return {s: found.get(s, DEFAULT_THRESHOLDS) for s in shops}

    async def lock_thresholds(self, *, shop_id: str, now: datetime) -> Thresholds:
        """The shop's thresholds, locked for an update (a row with the defaults is created if missing)."""
        await self.session.execute(
            postgresql.insert(logistics_thresholds)
            .values(shop_id=shop_id, **self._values(DEFAULT_THRESHOLDS, now))
            .on_conflict_do_nothing()
        )
        row = (
            await self.session.execute(
                sa.select(logistics_thresholds).where(logistics_thresholds.c.shop_id == shop_id).with_for_update()
            )
        ).one()
        return _thresholds(row)

    @staticmethod
    def _values(thresholds: Thresholds, now: datetime) -> dict[str, Any]:
        return {
            "overdue_after_s": _seconds(thresholds.overdue_after),
            "temperature_excursion_after_s": _seconds(thresholds.temperature_excursion_after),
            "humidity_excursion_after_s": _seconds(thresholds.humidity_excursion_after),
            "updated_at": now,
        }

    async def save_thresholds(self, *, shop_id: str, thresholds: Thresholds, now: datetime) -> Thresholds:
        values = self._values(thresholds, now)
        row = (
            await self.session.execute(
                postgresql.insert(logistics_thresholds)
                .values(shop_id=shop_id, **values)
                .on_conflict_do_update(index_elements=["shop_id"], set_=values)
                .returning(*logistics_thresholds.c)
            )
        ).one()
        return _thresholds(row)
