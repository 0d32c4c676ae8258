"""Proactive logistics signals: events and timers become feedback items before the customer complains.

Items are stored through FeedbackUseCases in the caller's transaction, so each one's outbox row to
triage commits with it, exactly like submitted feedback. Deterministic external ids and the
per-shipment / per-episode "signalled" flags (checked under row locks) make each signal one item.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from libs.timeutil import utcnow
from services.intake.adapters.logistics_repository import EpisodeKey, OrderKey
from services.intake.application.feedback import FeedbackUseCases
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.feedback import Feedback
from services.intake.domain.logistics import (
    DELIVERED,
    EXCURSION_KINDS,
    INCIDENT_KINDS,
    Episode,
    LogisticsEvent,
    Thresholds,
    excursion_item,
    incident_item,
    is_overdue,
    overdue_item,
    shipment_updates,
    validate_thresholds,
)

log = logging.getLogger(__name__)


class LogisticsSignals:
    def __init__(
        self,
        uow_factory: Callable[[], IntakeUnitOfWork],
        feedback: FeedbackUseCases,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
        batch_size: int = 200,
    ) -> None:
        self._uow = uow_factory
        self._feedback = feedback
        self._clock = clock
        self._on_commit = on_commit
        self._batch_size = batch_size

    # --- from partners' events (inside the stream's transaction) --------------------------------

    async def absorb(
        self, uow: IntakeUnitOfWork, *, partner_id: str, events: list[LogisticsEvent], now: datetime
    ) -> int:
        """Folds newly accepted events into shipments and excursion episodes; stores the items they raise."""
        items: dict[str, list[Feedback]] = defaultdict(list)
        await uow.logistics.upsert_shipments(updates=shipment_updates(events), now=now)
        for event in events:
            if event.kind in INCIDENT_KINDS:
                items[event.shop_id].append(incident_item(event, partner_id=partner_id))
        readings = [e for e in events if e.kind in EXCURSION_KINDS and e.reading is not None]
        deliveries = {(e.shop_id, e.order_id) for e in events if e.kind == DELIVERED}
        if readings or deliveries:
            await self._follow_excursions(uow, readings, deliveries, items, now)
        stored = 0
        for shop_id, shop_items in items.items():
            stored += len(await self._feedback.store_in(uow, shop_id=shop_id, items=shop_items, now=now))
        return stored

    async def _follow_excursions(
        self,
        uow: IntakeUnitOfWork,
        readings: list[LogisticsEvent],
        deliveries: set[OrderKey],
        items: dict[str, list[Feedback]],
        now: datetime,
    ) -> None:
        by_key: dict[EpisodeKey, list[LogisticsEvent]] = defaultdict(list)
        for e in sorted(readings, key=lambda e: e.occurred_at or now):
            by_key[(e.shop_id, e.order_id, e.kind)].append(e)
        # Only an out-of-range reading can start an episode; in-range ones only matter to existing rows.
        starting = [k for k, evs in by_key.items() if any(e.reading and not e.reading.in_range for e in evs)]
        orders = deliveries | {(shop, order) for shop, order, _ in by_key}
        episodes = await uow.logistics.lock_episodes(keys=starting, orders=orders, now=now)
        if not episodes:
            return
        delivered = await uow.logistics.delivered_at(orders={(shop, order) for shop, order, _ in episodes})
        thresholds = await uow.logistics.thresholds(shop_ids={shop for shop, _, _ in episodes})
        changed: dict[EpisodeKey, Episode] = {}
        for key, before in episodes.items():
            shop, order, kind = key
            threshold = thresholds[shop].excursion_after(kind)
            delivered_at = delivered.get((shop, order))
            episode = before
            for e in by_key.get(key, []):
                assert e.reading is not None and e.occurred_at is not None
                if delivered_at is not None and e.occurred_at >= delivered_at:
                    continue  # readings after delivery are not the shop's cold chain any more
                episode = episode.observe(e.reading, e.occurred_at, e.region)
                if episode.is_due(threshold):
                    items[shop].append(excursion_item(order_id=order, kind=kind, episode=episode, threshold=threshold))
                    episode = replace(episode, signalled=True)
            if delivered_at is not None:
                episode = episode.close(delivered_at)
            if episode != before:
                changed[key] = episode
        await uow.logistics.save_episodes(episodes=changed, now=now)

    # --- from timers (the background worker) ----------------------------------------------------

    async def check_due(self) -> int:
        """One pass: overdue shipments and long open excursions this replica could claim; returns how many."""
        now = self._clock()
        stored = 0
        async with self._uow() as uow:
            due = await uow.logistics.claim_due_shipments(now=now, limit=self._batch_size)
            outcomes: list[tuple[OrderKey, str, str | None]] = []
            overdue: dict[str, list[tuple[OrderKey, Feedback]]] = defaultdict(list)
            for s in due:
                key = (s.shop_id, s.order_id)
                if not is_overdue(
                    promised_at=s.promised_at, delivered_at=s.delivered_at, now=now, threshold=s.threshold
                ):
                    outcomes.append((key, "settled", None))  # delivered in time
                    continue
                item = overdue_item(
                    order_id=s.order_id,
                    region=s.region,
                    tracking_no=s.tracking_no,
                    promised_at=s.promised_at,
                    delivered_at=s.delivered_at,
                    now=now,
                    threshold=s.threshold,
                )
                overdue[s.shop_id].append((key, item))
            for shop_id, pairs in overdue.items():
                results = await self._feedback.store_in(uow, shop_id=shop_id, items=[i for _, i in pairs], now=now)
                outcomes += [(key, "signalled", r.id) for (key, _), r in zip(pairs, results, strict=True)]
                stored += len(results)
            await uow.logistics.settle_shipments(outcomes=outcomes, now=now)

            episodes = await uow.logistics.claim_due_episodes(now=now, limit=self._batch_size)
            excursions: dict[str, list[Feedback]] = defaultdict(list)
            for d in episodes:
                _, order, kind = d.key
                item = excursion_item(order_id=order, kind=kind, episode=d.episode, threshold=d.threshold, until=now)
                excursions[d.key[0]].append(item)
            for shop_id, shop_items in excursions.items():
                stored += len(await self._feedback.store_in(uow, shop_id=shop_id, items=shop_items, now=now))
            await uow.logistics.save_episodes(
                episodes={d.key: replace(d.episode, signalled=True) for d in episodes}, now=now
            )
            await uow.commit()
        if stored:
            self._committed()
        return len(due) + len(episodes)

    async def run(self, poll_seconds: float) -> None:
        """The background worker: check, sleep, repeat (at once again while there is a backlog)."""
        while True:
            try:
                handled = await self.check_due()
            except Exception:  # the database may be down; keep trying
                log.exception("logistics signal check failed")
                handled = 0
            if handled < self._batch_size:
                await asyncio.sleep(poll_seconds)

    # --- thresholds -----------------------------------------------------------------------------

    async def thresholds(self, *, shop_id: str) -> Thresholds:
        """The shop's thresholds (the defaults until it sets its own)."""
        async with self._uow() as uow:
            return (await uow.logistics.thresholds(shop_ids=[shop_id]))[shop_id]

    async def update_thresholds(
        self,
        *,
        shop_id: str,
        overdue_after: timedelta | None = None,
        temperature_excursion_after: timedelta | None = None,
        humidity_excursion_after: timedelta | None = None,
    ) -> Thresholds:
        """Changes the given thresholds (None keeps the current value); names each out-of-range one."""
        now = self._clock()
        changes = {
            "overdue_after": overdue_after,
            "temperature_excursion_after": temperature_excursion_after,
            "humidity_excursion_after": humidity_excursion_after,
        }
        validate_thresholds(Thresholds().changed(**changes))  # bad input fails before touching the database
        async with self._uow() as uow:
            current = await uow.logistics.lock_thresholds(shop_id=shop_id, now=now)
            saved = await uow.logistics.save_thresholds(
                shop_id=shop_id, thresholds=validate_thresholds(current.changed(**changes)), now=now
            )
            await uow.commit()
        return saved

    def _committed(self) -> None:
        if self._on_commit is not None:
            self._on_commit()
