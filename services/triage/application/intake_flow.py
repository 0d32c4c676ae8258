"""TriageFeedback: one item from intake becomes an analysis and, when it needs action, a case."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from opentelemetry import trace

from libs.ids import new_id
from libs.outbox import mark_processed
from libs.timeutil import utcnow
from services.triage.adapters.handoffs import case_to_compensation, case_to_supplier_audit, suspect_to_evidence
from services.triage.adapters.repository import hours_back
from services.triage.application.scheduling import assign_automatically, schedule_clocks
from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.analysis.sentiment import analyse
from services.triage.domain.assess import Assessment, FeedbackFacts, assess
from services.triage.domain.case import Case, TimelineEntry, higher_priority
from services.triage.domain.category import CategoryOverrides
from services.triage.domain.incident import CaseSignal, detect_incidents
from services.triage.domain.malicious import ReviewerReview, assess_malicious
from services.triage.domain.risk import RiskOverrides
from services.triage.domain.sla import ShopCalendar
from services.triage.domain.surge import DEFAULT_SURGE_POLICY, detect_surge, hour_start

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kintsugi.triage")

RATING_POLARITY = {1: -0.9, 2: -0.5, 3: 0.0, 4: 0.5, 5: 0.9}
REVIEW_CHANNELS = ("review", "review_followup")
CLOSED_STATES = ("resolved", "follow_up", "closed")


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


def sentiment_of(item: IncomingFeedback) -> tuple[float, float, str]:
    """Polarity and intensity from the text, blended with the star rating when there is one."""
    if item.text.strip():
        text = analyse(item.text)
        sentiment, intensity, language = text.sentiment, text.intensity, str(text.language)
    else:
        sentiment, intensity, language = 0.0, 0.0, "und"
    if item.rating is not None:
        stars = RATING_POLARITY[item.rating]
        sentiment = stars if not item.text.strip() else 0.6 * sentiment + 0.4 * stars
        intensity = max(intensity, abs(stars) * 0.5)
    return max(-1.0, min(1.0, sentiment)), max(0.0, min(1.0, intensity)), language


class TriageFeedback:
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
        now = self._clock()
        sentiment, intensity, language = sentiment_of(item)
        async with self._uow() as uow:
            fresh = await mark_processed(
                uow.session,
                shop_id=item.shop_id,
                source="intake.feedback",
                source_id=f"{item.feedback_id}:{item.revision}",
            )
            if not fresh:
                previous = await uow.analyses.get(item.shop_id, item.feedback_id)
                return TriageOutcome(case_id=(previous.case_id or "") if previous else "", duplicate=True)
            with tracer.start_as_current_span("triage.assess") as span:
                settings = await uow.settings.get(item.shop_id)
                calendar = ShopCalendar.from_mapping(settings["calendar"])
                assessment = assess(
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
                    calendar=calendar,
                    category_overrides=CategoryOverrides.from_mapping(settings["category_overrides"])
                    if settings["category_overrides"]
                    else None,
                    risk_overrides=RiskOverrides.from_mapping(settings["risk_overrides"])
                    if settings["risk_overrides"]
                    else None,
                )
                span.set_attribute("kintsugi.triage.category", str(assessment.category.category))
                span.set_attribute("kintsugi.triage.priority", str(assessment.priority.priority))
            # A first revision has no earlier analysis (a redelivery was caught by mark_processed above).
            previous = await uow.analyses.get(item.shop_id, item.feedback_id) if item.revision > 1 else None
            case_id = previous.case_id if previous is not None and previous.case_id else None
            new_case: Case | None = None
            if case_id is not None:
                await self._revision_of_case(uow, item, case_id, now)
            elif assessment.needs_case:
                case_id, new_case = await self._open_or_attach(
                    uow, item, assessment, sentiment, intensity, calendar, now
                )
            await uow.analyses.save(
                {
                    "shop_id": item.shop_id,
                    "feedback_id": item.feedback_id,
                    "revision": item.revision,
                    "channel": item.channel,
                    "sentiment": sentiment,
                    "intensity": intensity,
                    "category": str(assessment.category.category),
                    "risk_terms": [h.term for h in assessment.risk_hits],
                    "language": language,
                    "rating": item.rating,
                    "customer_id": item.customer_id,
                    "case_id": case_id,
                    "analysed_at": now,
                }
            )
            if item.channel in REVIEW_CHANNELS and item.revision == 1:
                await self._maybe_malicious(uow, item, case_id or "", now)
            await self._shared_counters(uow, item, assessment, new_case, now)
            await uow.commit()
        if self._on_commit is not None:
            self._on_commit()
        return TriageOutcome(case_id=case_id or "", duplicate=False)

    async def _revision_of_case(
        self, uow: TriageUnitOfWork, item: IncomingFeedback, case_id: str, now: datetime
    ) -> None:
        """An edited review: record it; a better rating after resolution is the outcome the shop wants."""
        case = await uow.cases.get(item.shop_id, case_id, for_update=True)
        if case is None:
            return
        improved = item.previous_rating is not None and item.rating is not None and item.rating > item.previous_rating
        if improved and case.state in CLOSED_STATES:
            case.review_updated = True
            case.updated_at = now
            await uow.cases.save(case)
            note = f"rating {item.previous_rating}→{item.rating}"
            await uow.cases.record(
                item.shop_id, case.id, TimelineEntry(now, "customer", "review_updated", case.state, case.state, note)
            )
        else:
            await uow.cases.record(
                item.shop_id,
                case.id,
                TimelineEntry(now, "customer", "feedback_revised", case.state, case.state, f"revision {item.revision}"),
            )

    async def _open_or_attach(
        self,
        uow: TriageUnitOfWork,
        item: IncomingFeedback,
        a: Assessment,
        sentiment: float,
        intensity: float,
        calendar: ShopCalendar,
        now: datetime,
    ) -> tuple[str, Case | None]:
        """The case this item belongs to: an open one of the same customer and order, or a new one."""
        risk_terms = [{"term": h.term, "kind": str(h.kind), "severity": str(h.severity)} for h in a.risk_hits]
        existing = None
        if item.order_id and item.customer_id:
            existing = await uow.cases.open_for_order(item.shop_id, item.customer_id, item.order_id)
        if existing is not None:
            case = existing
            case.feedback_ids = [*case.feedback_ids, item.feedback_id]
            case.priority = higher_priority(case.priority, str(a.priority.priority))
            known = {r["term"] for r in case.risk_terms}
            case.risk_terms += [r for r in risk_terms if r["term"] not in known]
            case.priority_factors = list(dict.fromkeys([*case.priority_factors, *a.priority.factors]))
            case.updated_at = now
            await uow.cases.save(case)
            await uow.cases.record(
                item.shop_id,
                case.id,
                TimelineEntry(now, "system", "feedback_added", case.state, case.state, item.feedback_id),
            )
            await self._risk_alerts(uow, case, a, now)
            return case.id, None

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
        await uow.cases.record(
            item.shop_id, case.id, TimelineEntry(now, "system", "created", "", "new", "; ".join(case.priority_factors))
        )
        await assign_automatically(uow, case, now)
        await uow.cases.add(case)
        await schedule_clocks(uow, case, calendar)
        await self._risk_alerts(uow, case, a, now)
        return case.id, case

    async def _shared_counters(
        self, uow: TriageUnitOfWork, item: IncomingFeedback, a: Assessment, case: Case | None, now: datetime
    ) -> None:
        """Steps that touch rows every item of a shop shares (hourly counters, the incident lock).

        They run last, just before commit, so concurrent deliveries hold those row locks for a few
        statements rather than for the whole transaction.
        """
        if case is not None:
            await uow.counts.add_case_fact(
                case.shop_id,
                hour_start(now),
                case.category,
                case.region or "-",
                case.product_line or "-",
                case.priority,
            )
            await self._incidents(uow, case, now)
            if a.compensable:
                uow.outbox.append(case_to_compensation(case, item.media))
            if case.sku or case.supplier_id or case.batch_id:
                uow.outbox.append(case_to_supplier_audit(case, safety=a.safety))
        if a.category.is_complaint:
            await self._surges(uow, item.shop_id, "category", str(a.category.category), now)
        for hit in a.risk_hits:
            await self._surges(uow, item.shop_id, "risk_term", hit.term, now)

    async def _risk_alerts(self, uow: TriageUnitOfWork, case: Case, a: Assessment, now: datetime) -> None:
        for hit in a.risk_hits:
            await uow.alerts.raise_once(
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
            )

    async def _surges(self, uow: TriageUnitOfWork, shop_id: str, dimension: str, value: str, now: datetime) -> None:
        hour = hour_start(now)
        current = await uow.counts.bump(shop_id, dimension, value, hour)
        alerted = (shop_id, dimension, value, hour)
        # Below the minimum count there is no surge whatever the baseline; once alerted, the hour is done.
        if current < DEFAULT_SURGE_POLICY.min_count or alerted in self._surges_alerted:
            return
        past = hours_back(hour, 7)
        counts = await uow.counts.history(shop_id, dimension, value, [hour, *past])
        result = detect_surge(counts.get(hour, 0), [counts.get(h, 0) for h in past])
        if result.is_surge:
            if len(self._surges_alerted) > 10_000:
                self._surges_alerted.clear()
            uow.after_commit(lambda: self._surges_alerted.add(alerted))
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

    async def _incidents(self, uow: TriageUnitOfWork, case: Case, now: datetime) -> None:
        window_start = now - timedelta(hours=24)
        signals: dict[str, CaseSignal] = {}
        # Cases on one SKU, batch or region may arrive in concurrent transactions that cannot see each
        # other; counting them one after another (lock per key, in a fixed order) lets the last one see all.
        for key in sorted(
            f"{case.shop_id}|{c}|{getattr(case, c)}" for c in ("sku", "batch_id", "region") if getattr(case, c)
        ):
            await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))
        keys = {c: getattr(case, c) for c in ("sku", "batch_id", "region") if getattr(case, c)}
        for row in await uow.cases.recent_on(case.shop_id, keys, window_start):
            signals[row.id] = CaseSignal(
                row.id,
                row.created_at,
                row.category,
                sku=row.sku or None,
                batch_id=row.batch_id or None,
                region=row.region or None,
            )
        # Judge at the time the lock was granted: cases committed meanwhile by others opened after `now`.
        judged_at = max(now, self._clock())
        for decision in detect_incidents(shop_id=case.shop_id, cases=signals.values(), now=judged_at):
            if case.id not in decision.case_ids:
                continue
            incident_id, opened = await uow.incidents.open_or_extend(
                {
                    "shop_id": case.shop_id,
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
            raise_ids = list(decision.case_ids) if opened else [case.id]
            await uow.cases.raise_to_p1(case.shop_id, raise_ids, "incident:group_complaint", now)
            case.priority = "P1"
            for cid in raise_ids:
                await uow.cases.record(case.shop_id, cid, TimelineEntry(now, "system", "incident", "", "", incident_id))
            if opened:
                await uow.alerts.raise_once(
                    {
                        "shop_id": case.shop_id,
                        "id": new_id("alert"),
                        "kind": "incident",
                        "severity": "critical",
                        "case_id": case.id,
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

    async def _maybe_malicious(
        self, uow: TriageUnitOfWork, item: IncomingFeedback, case_id: str, now: datetime
    ) -> None:
        history = []
        if item.customer_id:
            since = now - timedelta(days=7)
            history = [
                ReviewerReview(at=at, rating=1)
                for at in await uow.analyses.one_star_reviews_of(item.shop_id, item.customer_id, since)
            ]
        verdict = assess_malicious(
            text=item.text,
            now=now,
            has_matching_order=bool(item.order_id) if item.channel == "review" else None,
            reviewer_reviews=history,
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
