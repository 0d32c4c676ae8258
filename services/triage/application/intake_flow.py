"""TriageFeedback: one item from intake becomes an analysis and, when it needs action, a case."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace

from libs.batching import together_else_alone
from libs.ids import new_id
from libs.outbox import mark_processed_many
from libs.timeutil import utcnow
from services.triage.adapters.handoffs import case_to_compensation, case_to_supplier_audit, suspect_to_evidence
from services.triage.adapters.repository import hours_back
from services.triage.application.scheduling import Assigner, clock_plan
from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.analysis.sentiment import analyse_batch
from services.triage.domain.assess import Assessment, FeedbackFacts, assess
from services.triage.domain.case import Case, TimelineEntry, higher_priority
from services.triage.domain.category import CategoryOverrides
from services.triage.domain.incident import CaseSignal, IncidentDecision, detect_incidents
from services.triage.domain.malicious import ReviewerReview, assess_malicious
from services.triage.domain.risk import RiskOverrides
from services.triage.domain.sla import ShopCalendar
from services.triage.domain.surge import DEFAULT_SURGE_POLICY, detect_surge, hour_start

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kintsugi.triage")

RATING_POLARITY = {1: -0.9, 2: -0.5, 3: 0.0, 4: 0.5, 5: 0.9}
REVIEW_CHANNELS = ("review", "review_followup")
CLOSED_STATES = ("resolved", "follow_up", "closed")
SOURCE = "intake.feedback"
MALICIOUS_WINDOW = timedelta(days=7)
INCIDENT_KEYS = ("sku", "batch_id", "region")


@dataclass(frozen=True)
class IncomingFeedback:
    """The item as intake sent it (kintsugi.v1.FeedbackItem)."""

    shop_id: str
    feedback_id: str
    revision: int
    channel: str
    text: str
    rating: int | None
    previous_rating: int | None
    customer_id: str
    customer_tier: str
    order_id: str
    order_value_minor: int | None
    sku: str
    batch_id: str
    supplier_id: str
    product_line: str
    region: str
    occurred_at: datetime
    logistics_event: str = ""
    media: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TriageOutcome:
    case_id: str
    duplicate: bool


def sentiments_of(items: Sequence[IncomingFeedback]) -> list[tuple[float, float, str]]:
    """Polarity, intensity and language of each item: the texts scored in one batch, blended with the
    star rating when there is one."""
    texts = [item.text for item in items if item.text.strip()]
    by_text = iter(analyse_batch(texts)) if texts else iter(())
    results = []
    for item in items:
        if item.text.strip():
            text = next(by_text)
            sentiment, intensity, language = text.sentiment, text.intensity, str(text.language)
        else:
            sentiment, intensity, language = 0.0, 0.0, "und"
        if item.rating is not None:
            stars = RATING_POLARITY[item.rating]
            sentiment = stars if not item.text.strip() else 0.6 * sentiment + 0.4 * stars
            intensity = max(intensity, abs(stars) * 0.5)
        results.append((max(-1.0, min(1.0, sentiment)), max(0.0, min(1.0, intensity)), language))
    return results


class TriageFeedback:
    """Triages deliveries of items from intake: a batch in one transaction, idempotent per item."""

    def __init__(
        self,
        uow_factory: Callable[[], TriageUnitOfWork],
        *,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._on_commit = on_commit
        # (shop, dimension, value, hour) this replica already raised a surge alert for: skip the history read.
        self._surges_alerted: set[tuple[str, str, str, datetime]] = set()

    async def __call__(self, item: IncomingFeedback) -> TriageOutcome:
        """Idempotent by (feedback id, revision): a redelivery changes nothing and returns the same case."""
        outcome = (await self.many([item]))[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def many(self, items: Sequence[IncomingFeedback]) -> list[TriageOutcome | Exception]:
        """Each item's outcome, in order: all in one transaction, or, should that fail, each alone."""
        return await together_else_alone(
            items, self._many_at_once, lambda i: f"triage of feedback {i.feedback_id} revision {i.revision}"
        )

    async def _many_at_once(self, items: Sequence[IncomingFeedback]) -> list[TriageOutcome]:
        now = self._clock()
        analysed = [(item, *scores) for item, scores in zip(items, sentiments_of(items), strict=True)]
        async with self._uow() as uow:
            fresh_keys = await mark_processed_many(
                uow.session, source=SOURCE, keys=[(i.shop_id, f"{i.feedback_id}:{i.revision}") for i in items]
            )
            fresh: list[tuple[IncomingFeedback, float, float, str]] = []
            for entry in analysed:
                key = (entry[0].shop_id, f"{entry[0].feedback_id}:{entry[0].revision}")
                if key in fresh_keys:
                    fresh_keys.discard(key)  # a second copy in the same delivery is a duplicate
                    fresh.append(entry)
            fresh_ids = {id(entry[0]) for entry in fresh}
            settings = await uow.settings.many(i.shop_id for i in items)
            case_of: dict[tuple[str, str], str] = {}
            for group in _groups(fresh):
                case_of.update(await self._triage_group(uow, group, settings, now))
            duplicates = [(i.shop_id, i.feedback_id) for i in items if id(i) not in fresh_ids]
            earlier = await uow.analyses.case_ids(duplicates)
            await uow.commit()
        if self._on_commit is not None:
            self._on_commit()
        return [
            TriageOutcome(case_id=case_of.get((i.shop_id, i.feedback_id), ""), duplicate=False)
            if id(i) in fresh_ids
            else TriageOutcome(case_id=earlier.get((i.shop_id, i.feedback_id)) or "", duplicate=True)
            for i in items
        ]

    async def _triage_group(
        self,
        uow: TriageUnitOfWork,
        group: list[tuple[IncomingFeedback, float, float, str]],
        settings: dict[str, dict[str, Any]],
        now: datetime,
    ) -> dict[tuple[str, str], str]:
        """Triages items of distinct feedback; returns each item's case id."""
        writes = _Writes()
        calendars = {shop: ShopCalendar.from_mapping(doc["calendar"]) for shop, doc in settings.items()}
        assessed = [
            (*entry, a) for entry, a in zip(group, self._assess_all(group, settings, calendars, now), strict=True)
        ]
        # An edited review belongs to the case of its earlier revision.
        previous = await uow.analyses.case_ids((it.shop_id, it.feedback_id) for it, *_ in group if it.revision > 1)
        open_for_order = await uow.cases.open_for_orders(
            (it.shop_id, it.customer_id, it.order_id)
            for it, _, _, _, a in assessed
            if a.needs_case and it.order_id and it.customer_id and not previous.get((it.shop_id, it.feedback_id))
        )
        for case in open_for_order.values():
            writes.loaded[case.id] = case
        one_star = await uow.analyses.one_star_reviews_of(
            ((it.shop_id, it.customer_id) for it, *_ in group if _is_first_review(it) and it.customer_id),
            now - MALICIOUS_WINDOW,
        )
        assigner = Assigner(uow, now)
        case_of: dict[tuple[str, str], str] = {}
        for item, sentiment, intensity, language, a in assessed:
            case_id = previous.get((item.shop_id, item.feedback_id))
            if case_id:
                await self._revision_of_case(uow, writes, item, case_id, now)
            elif a.needs_case:
                case_id = await self._open_or_attach(
                    writes, assigner, open_for_order, item, a, sentiment, intensity, calendars[item.shop_id], now
                )
            if case_id:
                case_of[(item.shop_id, item.feedback_id)] = case_id
            writes.analyses.append(
                {
                    "shop_id": item.shop_id,
                    "feedback_id": item.feedback_id,
                    "revision": item.revision,
                    "channel": item.channel,
                    "sentiment": sentiment,
                    "intensity": intensity,
                    "category": str(a.category.category),
                    "risk_terms": [h.term for h in a.risk_hits],
                    "language": language,
                    "rating": item.rating,
                    "customer_id": item.customer_id,
                    "case_id": case_id,
                    "analysed_at": now,
                }
            )
            if _is_first_review(item):
                # The history counts this review too, as it is stored with the others.
                history = one_star.setdefault((item.shop_id, item.customer_id), [])
                if item.rating == 1 and item.customer_id:
                    history.append(now)
                self._maybe_malicious(uow, item, case_id or "", history if item.customer_id else [], now)
            if a.category.is_complaint:
                writes.surges[(item.shop_id, "category", str(a.category.category), hour_start(now))] += 1
            for hit in a.risk_hits:
                writes.surges[(item.shop_id, "risk_term", hit.term, hour_start(now))] += 1
        await writes.store(uow)
        await self._shared_counters(uow, writes, now)
        return case_of

    @staticmethod
    def _assess_all(
        group: list[tuple[IncomingFeedback, float, float, str]],
        settings: dict[str, dict[str, Any]],
        calendars: dict[str, ShopCalendar],
        now: datetime,
    ) -> list[Assessment]:
        """Each item's category, risk words, priority and SLA; each shop's overrides parsed once."""
        overrides = {
            shop: (
                CategoryOverrides.from_mapping(doc["category_overrides"]) if doc["category_overrides"] else None,
                RiskOverrides.from_mapping(doc["risk_overrides"]) if doc["risk_overrides"] else None,
            )
            for shop, doc in settings.items()
        }
        with tracer.start_as_current_span("triage.assess", attributes={"kintsugi.triage.items": len(group)}) as span:
            assessments = [
                assess(
                    FeedbackFacts(
                        item.channel,
                        item.text,
                        item.rating,
                        item.customer_tier,
                        item.order_value_minor,
                        item.logistics_event or None,
                    ),
                    sentiment=sentiment,
                    intensity=intensity,
                    opened_at=now,
                    calendar=calendars[item.shop_id],
                    category_overrides=overrides[item.shop_id][0],
                    risk_overrides=overrides[item.shop_id][1],
                )
                for item, sentiment, intensity, _ in group
            ]
            span.set_attribute("kintsugi.triage.p1", sum(a.priority.priority == "P1" for a in assessments))
        return assessments

    async def _revision_of_case(
        self, uow: TriageUnitOfWork, writes: _Writes, item: IncomingFeedback, case_id: str, now: datetime
    ) -> None:
        """An edited review: record it; a better rating after resolution is the outcome the shop wants."""
        case = writes.loaded.get(case_id) or await uow.cases.get(item.shop_id, case_id, for_update=True)
        if case is None:
            return
        writes.loaded[case.id] = case
        improved = item.previous_rating is not None and item.rating is not None and item.rating > item.previous_rating
        if improved and case.state in CLOSED_STATES:
            case.review_updated = True
            case.updated_at = now
            writes.changed[case.id] = case
            note = f"rating {item.previous_rating}→{item.rating}"
            writes.timeline.append(
                (item.shop_id, case.id, TimelineEntry(now, "customer", "review_updated", case.state, case.state, note))
            )
        else:
            writes.timeline.append(
                (
                    item.shop_id,
                    case.id,
                    TimelineEntry(
                        now, "customer", "feedback_revised", case.state, case.state, f"revision {item.revision}"
                    ),
                )
            )

    async def _open_or_attach(
        self,
        writes: _Writes,
        assigner: Assigner,
        open_for_order: dict[tuple[str, str, str], Case],
        item: IncomingFeedback,
        a: Assessment,
        sentiment: float,
        intensity: float,
        calendar: ShopCalendar,
        now: datetime,
    ) -> str:
        """The case this item belongs to: an open one of the same customer and order, or a new one."""
        risk_terms = [{"term": h.term, "kind": str(h.kind), "severity": str(h.severity)} for h in a.risk_hits]
        order_key = (item.shop_id, item.customer_id, item.order_id)
        existing = open_for_order.get(order_key) if item.order_id and item.customer_id else None
        if existing is not None:
            case = existing
            case.feedback_ids = [*case.feedback_ids, item.feedback_id]
            case.priority = higher_priority(case.priority, str(a.priority.priority))
            known = {r["term"] for r in case.risk_terms}
            case.risk_terms += [r for r in risk_terms if r["term"] not in known]
            case.priority_factors = list(dict.fromkeys([*case.priority_factors, *a.priority.factors]))
            case.updated_at = now
            if case.id not in writes.new_ids:
                writes.changed[case.id] = case
            writes.timeline.append(
                (
                    item.shop_id,
                    case.id,
                    TimelineEntry(now, "system", "feedback_added", case.state, case.state, item.feedback_id),
                )
            )
            writes.alerts += _risk_alerts(case, a, now)
            return case.id

        assert a.sla is not None
        case = Case(
            id=new_id("case"),
            shop_id=item.shop_id,
            feedback_ids=[item.feedback_id],
            customer_id=item.customer_id,
            customer_tier=item.customer_tier,
            order_id=item.order_id,
            order_value_minor=item.order_value_minor,
            channel=item.channel,
            sku=item.sku,
            batch_id=item.batch_id,
            supplier_id=item.supplier_id,
            product_line=item.product_line,
            region=item.region,
            category=str(a.category.category),
            sentiment=sentiment,
            intensity=intensity,
            risk_terms=risk_terms,
            priority=str(a.priority.priority),
            priority_factors=list(a.priority.factors),
            severity=a.severity,
            state="new",
            assignee=None,
            escalation_level=1,
            first_response_clock=a.sla.first_response,
            resolution_clock=a.sla.resolution,
            first_response_at=None,
            breached=False,
            created_at=now,
            updated_at=now,
        )
        writes.timeline.append(
            (
                item.shop_id,
                case.id,
                TimelineEntry(now, "system", "created", "", "new", "; ".join(case.priority_factors)),
            )
        )
        assigned = await assigner.assign(case)
        if assigned is not None:
            writes.timeline.append((item.shop_id, case.id, assigned))
        writes.new_cases.append(_NewCase(case, item.media, a.compensable, a.safety))
        writes.new_ids.add(case.id)
        writes.clocks.append(clock_plan(case, calendar))
        writes.alerts += _risk_alerts(case, a, now)
        if item.order_id and item.customer_id:
            open_for_order[order_key] = case
        return case.id

    async def _shared_counters(self, uow: TriageUnitOfWork, writes: _Writes, now: datetime) -> None:
        """Steps that touch rows every item of a shop shares (hourly counters, the incident locks).

        They run last, just before commit, so concurrent deliveries hold those row locks for a few
        statements rather than for the whole transaction; each takes its locks in one global order.
        """
        await uow.counts.add_case_facts(
            Counter(
                (
                    n.case.shop_id,
                    hour_start(now),
                    n.case.category,
                    n.case.region or "-",
                    n.case.product_line or "-",
                    n.case.priority,
                )
                for n in writes.new_cases
            )
        )
        await self._incidents(uow, [n.case for n in writes.new_cases], now)
        for n in writes.new_cases:
            if n.compensable:
                uow.outbox.append(case_to_compensation(n.case, n.media))
            if n.case.sku or n.case.supplier_id or n.case.batch_id:
                uow.outbox.append(case_to_supplier_audit(n.case, safety=n.safety))
        totals = await uow.counts.bump(writes.surges)
        for key in sorted(totals):
            await self._surge(uow, key, totals[key], now)

    async def _surge(
        self, uow: TriageUnitOfWork, key: tuple[str, str, str, datetime], current: int, now: datetime
    ) -> None:
        shop_id, dimension, value, hour = key
        # Below the minimum count there is no surge whatever the baseline; once alerted, the hour is done.
        if current < DEFAULT_SURGE_POLICY.min_count or key in self._surges_alerted:
            return
        past = hours_back(hour, 7)
        counts = await uow.counts.history(shop_id, dimension, value, [hour, *past])
        result = detect_surge(counts.get(hour, 0), [counts.get(h, 0) for h in past])
        if result.is_surge:
            if len(self._surges_alerted) > 10_000:
                self._surges_alerted.clear()
            uow.after_commit(lambda: self._surges_alerted.add(key))
            await uow.alerts.raise_once(
                {
                    "shop_id": shop_id,
                    "id": new_id("alert"),
                    "kind": "surge",
                    "severity": "high",
                    "case_id": None,
                    "message": f"{dimension} {value!r} surging: {result.reason}",
                    "details": {
                        "dimension": dimension,
                        "value": value,
                        "current": result.current,
                        "baseline": result.baseline,
                        "hour": hour.isoformat(),
                    },
                    "dedupe_key": f"surge:{dimension}:{value}:{hour.isoformat()}",
                    "created_at": now,
                }
            )

    async def _incidents(self, uow: TriageUnitOfWork, cases: list[Case], now: datetime) -> None:
        keyed = [c for c in cases if any(getattr(c, k) for k in INCIDENT_KEYS)]
        if not keyed:
            return
        # Cases on one SKU, batch or region may arrive in concurrent transactions that cannot see each
        # other; counting them one after another (lock per key, in a fixed order) lets the last one see all.
        locks = sorted({f"{c.shop_id}|{k}|{getattr(c, k)}" for c in keyed for k in INCIDENT_KEYS if getattr(c, k)})
        for key in locks:
            await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))
        window_start = now - timedelta(hours=24)
        # Judge at the time the locks were granted: cases committed meanwhile by others opened after `now`.
        judged_at = max(now, self._clock())
        for shop_id in sorted({c.shop_id for c in keyed}):
            mine = {c.id: c for c in keyed if c.shop_id == shop_id}
            values = {k: {getattr(c, k) for c in mine.values() if getattr(c, k)} for k in INCIDENT_KEYS}
            signals = [
                CaseSignal(
                    row.id,
                    row.created_at,
                    row.category,
                    sku=row.sku or None,
                    batch_id=row.batch_id or None,
                    region=row.region or None,
                )
                for row in await uow.cases.recent_on(shop_id, values, window_start)
            ]
            for decision in detect_incidents(shop_id=shop_id, cases=signals, now=judged_at):
                here = [cid for cid in decision.case_ids if cid in mine]
                if here:
                    await self._group_complaint(uow, shop_id, decision, here, mine, now)

    async def _group_complaint(
        self,
        uow: TriageUnitOfWork,
        shop_id: str,
        decision: IncidentDecision,
        here: list[str],
        mine: dict[str, Case],
        now: datetime,
    ) -> None:
        """Opens the incident (raising every case in it to P1) or adds this delivery's cases to it."""
        incident_id, opened = await uow.incidents.open_or_extend(
            {
                "shop_id": shop_id,
                "id": new_id("inc"),
                "key": decision.key,
                "scope": str(decision.scope),
                "value": decision.value,
                "category": str(decision.category or ""),
                "state": "open",
                "opened_at": now,
            },
            list(decision.case_ids),
        )
        raise_ids = list(decision.case_ids) if opened else here
        await uow.cases.raise_to_p1(shop_id, raise_ids, "incident:group_complaint", now)
        for cid in here:
            mine[cid].priority = "P1"
        await uow.cases.record_many(
            [(shop_id, cid, TimelineEntry(now, "system", "incident", "", "", incident_id)) for cid in raise_ids]
        )
        if opened:
            await uow.alerts.raise_once(
                {
                    "shop_id": shop_id,
                    "id": new_id("alert"),
                    "kind": "incident",
                    "severity": "critical",
                    "case_id": here[-1],
                    "message": f"group complaint: {decision.count} cases on {decision.scope} {decision.value}",
                    "details": {
                        "incident_id": incident_id,
                        "scope": str(decision.scope),
                        "value": decision.value,
                        "case_ids": list(decision.case_ids),
                    },
                    "dedupe_key": f"incident:{incident_id}",
                    "created_at": now,
                }
            )

    def _maybe_malicious(
        self, uow: TriageUnitOfWork, item: IncomingFeedback, case_id: str, one_star_at: list[datetime], now: datetime
    ) -> None:
        verdict = assess_malicious(
            text=item.text,
            now=now,
            has_matching_order=bool(item.order_id) if item.channel == "review" else None,
            reviewer_reviews=[ReviewerReview(at=at, rating=1) for at in one_star_at],
        )
        if verdict.suspicious:
            uow.outbox.append(
                suspect_to_evidence(
                    shop_id=item.shop_id,
                    feedback_id=item.feedback_id,
                    case_id=case_id,
                    reviewer_id=item.customer_id,
                    text=item.text,
                    verdict=verdict,
                    occurred_at=item.occurred_at,
                )
            )


@dataclass
class _NewCase:
    case: Case
    media: list[dict[str, str]]
    compensable: bool
    safety: bool


@dataclass
class _Writes:
    """What one group of items changes, stored together (one statement per table, not per item)."""

    new_cases: list[_NewCase] = field(default_factory=list)
    new_ids: set[str] = field(default_factory=set)
    loaded: dict[str, Case] = field(default_factory=dict)
    changed: dict[str, Case] = field(default_factory=dict)
    timeline: list[tuple[str, str, TimelineEntry]] = field(default_factory=list)
    clocks: list[tuple[str, str, dict[str, dict[str, datetime | None]]]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, Any]] = field(default_factory=list)
    surges: Counter[tuple[str, str, str, datetime]] = field(default_factory=Counter)

    async def store(self, uow: TriageUnitOfWork) -> None:
        await uow.cases.add_many([n.case for n in self.new_cases])
        for case_id in sorted(self.changed):
            await uow.cases.save(self.changed[case_id])
        await uow.cases.record_many(self.timeline)
        await uow.timers.schedule_many(self.clocks)
        await uow.alerts.raise_many(self.alerts)
        await uow.analyses.save_many(self.analyses)


def _risk_alerts(case: Case, a: Assessment, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "shop_id": case.shop_id,
            "id": new_id("alert"),
            "kind": "risk_term",
            "severity": str(hit.severity),
            "case_id": case.id,
            "message": f"risk word {hit.term!r} ({hit.kind}) in case {case.id}",
            "details": {"term": hit.term, "kind": str(hit.kind), "as_written": hit.text},
            "dedupe_key": f"risk:{case.id}:{hit.term}",
            "created_at": now,
        }
        for hit in a.risk_hits
    ]


def _is_first_review(item: IncomingFeedback) -> bool:
    return item.channel in REVIEW_CHANNELS and item.revision == 1


def _groups(
    entries: list[tuple[IncomingFeedback, float, float, str]],
) -> list[list[tuple[IncomingFeedback, float, float, str]]]:
    """Consecutive runs of items with distinct feedback: two revisions of one review are triaged one
    after the other, the later seeing the earlier's case."""
    groups: list[list[tuple[IncomingFeedback, float, float, str]]] = [[]]
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry[0].shop_id, entry[0].feedback_id)
        if key in seen:
            groups.append([])
            seen = set()
        seen.add(key)
        groups[-1].append(entry)
    return [g for g in groups if g]
