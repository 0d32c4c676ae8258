"""Triage persistence: settings, analyses, cases with their timeline, timers, alerts, incidents, staff, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.triage.adapters import tables as t
from services.triage.adapters.clock_json import clock_from_json, clock_to_json
from services.triage.domain.case import Case, Task, TimelineEntry


def _case_values(case: Case) -> dict[str, Any]:
    return {
        "shop_id": case.shop_id,
        "id": case.id,
        "feedback_ids": case.feedback_ids,
        "customer_id": case.customer_id,
        "customer_tier": case.customer_tier,
        "order_id": case.order_id,
        "order_value_minor": case.order_value_minor,
        "channel": case.channel,
        "sku": case.sku,
        "batch_id": case.batch_id,
        "supplier_id": case.supplier_id,
        "product_line": case.product_line,
        "region": case.region,
        "category": case.category,
        "sentiment": case.sentiment,
        "intensity": case.intensity,
        "risk_terms": case.risk_terms,
        "priority": case.priority,
        "priority_factors": case.priority_factors,
        "severity": case.severity,
        "state": case.state,
        "assignee": case.assignee,
        "escalation_level": case.escalation_level,
        "first_response_clock": clock_to_json(case.first_response_clock),
        "resolution_clock": clock_to_json(case.resolution_clock),
        "first_response_at": case.first_response_at,
        "breached": case.breached,
        "review_updated": case.review_updated,
        "satisfaction": case.satisfaction,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _case_from_row(row: Any) -> Case:
    m = row._mapping
    return Case(
        id=m["id"],
        shop_id=m["shop_id"],
        feedback_ids=list(m["feedback_ids"]),
        customer_id=m["customer_id"],
        customer_tier=m["customer_tier"],
        order_id=m["order_id"],
        order_value_minor=m["order_value_minor"],
        channel=m["channel"],
        sku=m["sku"],
        batch_id=m["batch_id"],
        supplier_id=m["supplier_id"],
        product_line=m["product_line"],
        region=m["region"],
        category=m["category"],
        sentiment=m["sentiment"],
        intensity=m["intensity"],
        risk_terms=list(m["risk_terms"]),
        priority=m["priority"],
        priority_factors=list(m["priority_factors"]),
        severity=m["severity"],
        state=m["state"],
        assignee=m["assignee"],
        escalation_level=m["escalation_level"],
        first_response_clock=clock_from_json(m["first_response_clock"]),
        resolution_clock=clock_from_json(m["resolution_clock"]),
        first_response_at=m["first_response_at"],
        breached=m["breached"],
        review_updated=m["review_updated"],
        satisfaction=m["satisfaction"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, shop_id: str) -> dict[str, Any]:
        return (await self.many([shop_id]))[shop_id]

    async def many(self, shop_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each shop's settings (the defaults for a shop that has none), in one query."""
        wanted = sorted(set(shop_ids))
        found = {
            row.shop_id: dict(row._mapping)
            for row in await self.session.execute(
                sa.select(t.shop_settings).where(t.shop_settings.c.shop_id.in_(wanted))
            )
        }
        return {s: found.get(s) or {"calendar": {}, "risk_overrides": {}, "category_overrides": {}} for s in wanted}

    async def put(self, shop_id: str, *, calendar: dict, risk: dict, category: dict, now: datetime) -> None:  # type: ignore[type-arg]
        stmt = postgresql.insert(t.shop_settings).values(
            shop_id=shop_id, calendar=calendar, risk_overrides=risk, category_overrides=category, updated_at=now
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["shop_id"],
                set_={"calendar": calendar, "risk_overrides": risk, "category_overrides": category, "updated_at": now},
            )
        )


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_many(self, rows: list[dict[str, Any]]) -> None:
        """Stores each feedback's latest analysis (at most one row per feedback in one call)."""
        if not rows:
            return
        stmt = postgresql.insert(t.analyses)
        update = {c.name: stmt.excluded[c.name] for c in t.analyses.c if c.name not in ("shop_id", "feedback_id")}
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["shop_id", "feedback_id"], set_=update), rows
        )

    async def case_ids(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        """The case of each analysed (shop, feedback id); feedback never analysed is absent."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = await self.session.execute(
            sa.select(t.analyses.c.shop_id, t.analyses.c.feedback_id, t.analyses.c.case_id).where(
                sa.tuple_(t.analyses.c.shop_id, t.analyses.c.feedback_id).in_(wanted)
            )
        )
        return {(r.shop_id, r.feedback_id): r.case_id for r in rows}

    async def many(self, shop_id: str, feedback_ids: list[str]) -> list[Any]:
        if not feedback_ids:
            return []
        return list(
            (
                await self.session.execute(
                    sa.select(t.analyses).where(
                        t.analyses.c.shop_id == shop_id, t.analyses.c.feedback_id.in_(feedback_ids)
                    )
                )
            ).all()
        )

    async def one_star_reviews_of(
        self, customers: Iterable[tuple[str, str]], since: datetime
    ) -> dict[tuple[str, str], list[datetime]]:
        """When each (shop, customer) gave one-star reviews since `since`."""
        wanted = sorted(set(customers))
        found: dict[tuple[str, str], list[datetime]] = {key: [] for key in wanted}
        if not wanted:
            return found
        rows = await self.session.execute(
            sa.select(t.analyses.c.shop_id, t.analyses.c.customer_id, t.analyses.c.analysed_at).where(
                sa.tuple_(t.analyses.c.shop_id, t.analyses.c.customer_id).in_(wanted),
                t.analyses.c.rating == 1,
                t.analyses.c.analysed_at >= since,
            )
        )
        for r in rows:
            found[(r.shop_id, r.customer_id)].append(r.analysed_at)
        return found


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, cases: list[Case]) -> None:
        if cases:
            await self.session.execute(t.cases.insert(), [_case_values(c) for c in cases])

    async def save(self, case: Case) -> None:
        values = _case_values(case)
        await self.session.execute(
            t.cases.update().where(t.cases.c.shop_id == case.shop_id, t.cases.c.id == case.id).values(**values)
        )

    async def get(self, shop_id: str, case_id: str, *, for_update: bool = False) -> Case | None:
        query = sa.select(t.cases).where(t.cases.c.shop_id == shop_id, t.cases.c.id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _case_from_row(row) if row else None

    async def open_for_orders(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], Case]:
        """For each (shop, customer, order), the customer's oldest open case about it, locked: a new
        complaint about the order is attached to it."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = await self.session.execute(
            sa.select(t.cases)
            .where(
                sa.tuple_(t.cases.c.shop_id, t.cases.c.customer_id, t.cases.c.order_id).in_(wanted),
                t.cases.c.state.notin_(["resolved", "follow_up", "closed"]),
            )
            # Locks are taken in one order by every caller, so two deliveries cannot deadlock here.
            .order_by(t.cases.c.shop_id, t.cases.c.id)
            .with_for_update()
        )
        found: dict[tuple[str, str, str], Case] = {}
        for case in sorted((_case_from_row(r) for r in rows), key=lambda c: (c.created_at, c.id)):
            found.setdefault((case.shop_id, case.customer_id, case.order_id), case)
        return found

    async def page(
        self,
        shop_id: str,
        *,
        limit: int,
        after: tuple[datetime, str] | None,
        state: str = "",
        priority: str = "",
        category: str = "",
        assignee: str = "",
        breached_only: bool = False,
        customer_id: str = "",
    ) -> list[Case]:
        query = sa.select(t.cases).where(t.cases.c.shop_id == shop_id)
        for column, value in (
            (t.cases.c.state, state),
            (t.cases.c.priority, priority),
            (t.cases.c.category, category),
            (t.cases.c.assignee, assignee),
            (t.cases.c.customer_id, customer_id),
        ):
            if value:
                query = query.where(column == value)
        if breached_only:
            query = query.where(t.cases.c.breached.is_(True))
        if after is not None:
            query = query.where(
                sa.tuple_(t.cases.c.created_at, t.cases.c.id) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        rows = await self.session.execute(query.order_by(t.cases.c.created_at.desc(), t.cases.c.id.desc()).limit(limit))
        return [_case_from_row(r) for r in rows]

    async def recent_on(self, shop_id: str, keys: dict[str, set[str]], since: datetime) -> list[Any]:
        """Cases opened since `since` on any of the SKUs, batches or regions given in keys (group complaints)."""
        keys = {column: values for column, values in keys.items() if values}
        if not keys:
            return []
        rows = await self.session.execute(
            sa.select(
                t.cases.c.id,
                t.cases.c.created_at,
                t.cases.c.category,
                t.cases.c.sku,
                t.cases.c.batch_id,
                t.cases.c.region,
            ).where(
                t.cases.c.shop_id == shop_id,
                t.cases.c.created_at > since,
                sa.or_(*(t.cases.c[column].in_(sorted(values)) for column, values in keys.items())),
            )
        )
        return list(rows)

    async def raise_to_p1(self, shop_id: str, case_ids: list[str], factor: str, now: datetime) -> None:
        await self.session.execute(
            t.cases.update()
            .where(t.cases.c.shop_id == shop_id, t.cases.c.id.in_(case_ids))
            .values(
                priority="P1",
                priority_factors=sa.func.jsonb_build_array(factor).op("||")(t.cases.c.priority_factors),
                updated_at=now,
            )
        )

    async def open_count_by_agent(self, shop_id: str, agent_ids: list[str]) -> dict[str, int]:
        if not agent_ids:
            return {}
        rows = await self.session.execute(
            sa.select(t.cases.c.assignee, sa.func.count())
            .where(
                t.cases.c.shop_id == shop_id,
                t.cases.c.assignee.in_(agent_ids),
                t.cases.c.state.notin_(["resolved", "follow_up", "closed"]),
            )
            .group_by(t.cases.c.assignee)
        )
        counts = dict.fromkeys(agent_ids, 0)
        counts.update({r[0]: r[1] for r in rows})
        return counts

    async def timeline(self, shop_id: str, case_id: str) -> list[TimelineEntry]:
        rows = await self.session.execute(
            sa.select(t.case_timeline)
            .where(t.case_timeline.c.shop_id == shop_id, t.case_timeline.c.case_id == case_id)
            .order_by(t.case_timeline.c.seq)
        )
        return [TimelineEntry(r.at, r.actor, r.action, r.from_state, r.to_state, r.note) for r in rows]

    async def record(self, shop_id: str, case_id: str, entry: TimelineEntry) -> None:
        await self.record_many([(shop_id, case_id, entry)])

    async def record_many(self, entries: list[tuple[str, str, TimelineEntry]]) -> None:
        """Appends timeline entries in the order given (their sequence numbers follow it)."""
        if not entries:
            return
        await self.session.execute(
            t.case_timeline.insert(),
            [
                {
                    "shop_id": shop_id,
                    "case_id": case_id,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "note": e.note,
                }
                for shop_id, case_id, e in entries
            ],
        )

    async def add_task(self, shop_id: str, case_id: str, task: Task, now: datetime) -> None:
        await self.session.execute(
            t.tasks.insert().values(
                shop_id=shop_id,
                id=task.id,
                case_id=case_id,
                kind=task.kind,
                due_at=task.due_at,
                state=task.state,
                payload={"text": task.text},
                created_at=now,
            )
        )

    async def tasks(self, shop_id: str, case_id: str) -> list[Task]:
        rows = await self.session.execute(
            sa.select(t.tasks)
            .where(t.tasks.c.shop_id == shop_id, t.tasks.c.case_id == case_id)
            .order_by(t.tasks.c.due_at)
        )
        return [Task(r.id, r.kind, r.due_at, r.state, r.payload.get("text", "")) for r in rows]


TIMER_EVENTS = ("warning", "breach", "executive")


class TimerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule_many(self, plans: list[tuple[str, str, dict[str, dict[str, datetime | None]]]]) -> None:
        """Sets when each event of each case's clocks fires (None: not while paused or stopped); fired ones
        stay fired."""
        rows = [
            {"shop_id": shop_id, "case_id": case_id, "clock": clock, "event": event, "fire_at": fire_at}
            for shop_id, case_id, clocks in plans
            for clock, times in clocks.items()
            for event, fire_at in times.items()
        ]
        if not rows:
            return
        stmt = postgresql.insert(t.sla_timers)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["shop_id", "case_id", "clock", "event"],
                set_={"fire_at": stmt.excluded.fire_at},
                where=t.sla_timers.c.fired_at.is_(None),
            ),
            rows,
        )

    async def rearm(self, shop_id: str, case_id: str, clock_name: str) -> None:
        """A restarted clock (a reopened case) may warn and breach again."""
        await self.session.execute(
            t.sla_timers.update()
            .where(
                t.sla_timers.c.shop_id == shop_id, t.sla_timers.c.case_id == case_id, t.sla_timers.c.clock == clock_name
            )
            .values(fired_at=None)
        )

    async def claim_due(self, now: datetime, limit: int) -> list[Any]:
        """Due, unfired timers, locked so another replica skips them."""
        rows = await self.session.execute(
            sa.select(t.sla_timers)
            .where(
                t.sla_timers.c.fired_at.is_(None), t.sla_timers.c.fire_at.is_not(None), t.sla_timers.c.fire_at <= now
            )
            .order_by(t.sla_timers.c.fire_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def mark_fired(self, row: Any, now: datetime) -> None:
        await self.session.execute(
            t.sla_timers.update()
            .where(
                t.sla_timers.c.shop_id == row.shop_id,
                t.sla_timers.c.case_id == row.case_id,
                t.sla_timers.c.clock == row.clock,
                t.sla_timers.c.event == row.event,
            )
            .values(fired_at=now)
        )


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def raise_once(self, values: dict[str, Any]) -> bool:
        """Stores the alert unless one with the same dedupe key exists; True if it is new."""
        stmt = (
            postgresql.insert(t.alerts)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_alerts_dedupe")
            .returning(t.alerts.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def raise_many(self, alerts: list[dict[str, Any]]) -> None:
        """Stores each alert unless one with its dedupe key exists."""
        if alerts:
            stmt = postgresql.insert(t.alerts).on_conflict_do_nothing(constraint="uq_alerts_dedupe")
            await self.session.execute(stmt, alerts)

    async def page(self, shop_id: str, *, limit: int, after: tuple[datetime, str] | None, kind: str = "") -> list[Any]:
        query = sa.select(t.alerts).where(t.alerts.c.shop_id == shop_id)
        if kind:
            query = query.where(t.alerts.c.kind == kind)
        if after is not None:
            query = query.where(
                sa.tuple_(t.alerts.c.created_at, t.alerts.c.id) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        rows = await self.session.execute(
            query.order_by(t.alerts.c.created_at.desc(), t.alerts.c.id.desc()).limit(limit)
        )
        return list(rows)


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_or_extend(self, values: dict[str, Any], case_ids: list[str]) -> tuple[str, bool]:
        """Opens the incident for this key, or adds the cases to the open one; (id, newly opened)."""
        stmt = (
            postgresql.insert(t.incidents)
            .values(**values, case_ids=case_ids)
            .on_conflict_do_nothing(index_elements=["shop_id", "key"], index_where=sa.text("state = 'open'"))
            .returning(t.incidents.c.id)
        )
        row = (await self.session.execute(stmt)).first()
        if row is not None:
            return row[0], True
        existing = (
            await self.session.execute(
                sa.select(t.incidents.c.id, t.incidents.c.case_ids)
                .where(
                    t.incidents.c.shop_id == values["shop_id"],
                    t.incidents.c.key == values["key"],
                    t.incidents.c.state == "open",
                )
                .with_for_update()
            )
        ).one()
        merged = list(dict.fromkeys([*existing.case_ids, *case_ids]))
        await self.session.execute(
            t.incidents.update()
            .where(t.incidents.c.shop_id == values["shop_id"], t.incidents.c.id == existing.id)
            .values(case_ids=merged)
        )
        return existing.id, False

    async def page(self, shop_id: str, *, limit: int, after: tuple[datetime, str] | None) -> list[Any]:
        query = sa.select(t.incidents).where(t.incidents.c.shop_id == shop_id)
        if after is not None:
            query = query.where(
                sa.tuple_(t.incidents.c.opened_at, t.incidents.c.id)
                < sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        rows = await self.session.execute(
            query.order_by(t.incidents.c.opened_at.desc(), t.incidents.c.id.desc()).limit(limit)
        )
        return list(rows)


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_agent(
        self, shop_id: str, agent_id: str, name: str, level: int, active: bool, now: datetime
    ) -> None:
        stmt = postgresql.insert(t.agents).values(
            shop_id=shop_id, id=agent_id, name=name, level=level, active=active, created_at=now
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["shop_id", "id"], set_={"name": name, "level": level, "active": active}
            )
        )

    async def agent(self, shop_id: str, agent_id: str) -> Any:
        return (
            await self.session.execute(
                sa.select(t.agents).where(t.agents.c.shop_id == shop_id, t.agents.c.id == agent_id)
            )
        ).first()

    async def agents(self, shop_id: str) -> list[Any]:
        return list(
            await self.session.execute(sa.select(t.agents).where(t.agents.c.shop_id == shop_id).order_by(t.agents.c.id))
        )

    async def set_owner(self, shop_id: str, product_line: str, agent_id: str) -> None:
        stmt = postgresql.insert(t.product_line_owners).values(
            shop_id=shop_id, product_line=product_line, agent_id=agent_id
        )
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["shop_id", "product_line"], set_={"agent_id": agent_id})
        )

    async def owner_of(self, shop_id: str, product_line: str) -> str | None:
        row = (
            await self.session.execute(
                sa.select(t.product_line_owners.c.agent_id)
                .join(
                    t.agents,
                    sa.and_(
                        t.agents.c.shop_id == t.product_line_owners.c.shop_id,
                        t.agents.c.id == t.product_line_owners.c.agent_id,
                    ),
                )
                .where(
                    t.product_line_owners.c.shop_id == shop_id,
                    t.product_line_owners.c.product_line == product_line,
                    t.agents.c.active.is_(True),
                )
            )
        ).first()
        return row[0] if row else None

    async def add_shift(self, shop_id: str, agent_id: str, starts_at: datetime, ends_at: datetime) -> None:
        stmt = postgresql.insert(t.shifts).values(
            shop_id=shop_id, agent_id=agent_id, starts_at=starts_at, ends_at=ends_at
        )
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["shop_id", "agent_id", "starts_at"], set_={"ends_at": ends_at})
        )

    async def on_shift(self, shop_id: str, at: datetime, min_level: int = 1) -> list[str]:
        rows = await self.session.execute(
            sa.select(t.shifts.c.agent_id)
            .join(t.agents, sa.and_(t.agents.c.shop_id == t.shifts.c.shop_id, t.agents.c.id == t.shifts.c.agent_id))
            .where(
                t.shifts.c.shop_id == shop_id,
                t.shifts.c.starts_at <= at,
                t.shifts.c.ends_at > at,
                t.agents.c.active.is_(True),
                t.agents.c.level >= min_level,
            )
            .distinct()
        )
        return sorted(r[0] for r in rows)


class CountsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bump(self, added: Counter[tuple[str, str, str, datetime]]) -> dict[tuple[str, str, str, datetime], int]:
        """Adds items to (shop, dimension, value, hour) counters; returns each counter's total so far."""
        if not added:
            return {}
        # Rows are locked in key order by every caller, so concurrent deliveries cannot deadlock.
        keys = sorted(added)
        stmt = postgresql.insert(t.hourly_counts)
        h = t.hourly_counts.c
        # Rows as parameters (not VALUES built into the statement): one compiled statement whatever the count.
        rows = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["shop_id", "dimension", "value", "hour"], set_={"count": h.count + stmt.excluded.count}
            ).returning(h.shop_id, h.dimension, h.value, h.hour, h.count),
            [
                {"shop_id": s, "dimension": d, "value": v, "hour": hr, "count": added[(s, d, v, hr)]}
                for s, d, v, hr in keys
            ],
        )
        return {(r[0], r[1], r[2], r[3]): int(r[4]) for r in rows}

    async def history(self, shop_id: str, dimension: str, value: str, hours: list[datetime]) -> dict[datetime, int]:
        rows = await self.session.execute(
            sa.select(t.hourly_counts.c.hour, t.hourly_counts.c.count).where(
                t.hourly_counts.c.shop_id == shop_id,
                t.hourly_counts.c.dimension == dimension,
                t.hourly_counts.c.value == value,
                t.hourly_counts.c.hour.in_(hours),
            )
        )
        return {r[0]: r[1] for r in rows}

    async def top(
        self, shop_id: str, dimension: str, since: datetime, until: datetime, previous: datetime, limit: int
    ) -> list[tuple[str, int, int]]:
        """The most frequent values of a dimension in [since, until), with their count in [previous, since)."""
        h = t.hourly_counts
        current = sa.func.sum(sa.case((h.c.hour >= since, h.c.count), else_=0))
        before = sa.func.sum(sa.case((h.c.hour < since, h.c.count), else_=0))
        rows = await self.session.execute(
            sa.select(h.c.value, current.label("n"), before.label("p"))
            .where(h.c.shop_id == shop_id, h.c.dimension == dimension, h.c.hour >= previous, h.c.hour < until)
            .group_by(h.c.value)
            .having(current > 0)
            .order_by(sa.desc("n"), h.c.value)
            .limit(limit)
        )
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    async def add_case_facts(self, facts: Counter[tuple[str, datetime, str, str, str, str]]) -> None:
        """Counts new cases, given as (shop, hour, category, region, product line, priority) → how many,
        in both heatmap aggregates."""
        if not facts:
            return
        by_hour: Counter[tuple[str, str, str, datetime]] = Counter()
        by_day: Counter[tuple[str, date, str, str, str, str]] = Counter()
        for (shop_id, hour, category, region, product_line, priority), n in facts.items():
            for dimension, value in (
                ("category", category),
                ("region", region),
                ("product_line", product_line),
                ("priority", priority),
            ):
                by_hour[(shop_id, dimension, value, hour)] += n
            by_day[(shop_id, hour.date(), category, region, product_line, priority)] += n
        # Sorted keys: every caller locks the counter rows in one order, so concurrent deliveries cannot deadlock.
        hour_stmt = postgresql.insert(t.case_counts_by_hour)
        await self.session.execute(
            hour_stmt.on_conflict_do_update(
                index_elements=["shop_id", "dimension", "value", "hour"],
                set_={"count": t.case_counts_by_hour.c.count + hour_stmt.excluded.count},
            ),
            [
                {"shop_id": s, "dimension": d, "value": v, "hour": h, "count": by_hour[(s, d, v, h)]}
                for s, d, v, h in sorted(by_hour)
            ],
        )
        day_stmt = postgresql.insert(t.case_counts_by_day)
        await self.session.execute(
            day_stmt.on_conflict_do_update(
                index_elements=["shop_id", "day", "category", "region", "product_line", "priority"],
                set_={"count": t.case_counts_by_day.c.count + day_stmt.excluded.count},
            ),
            [
                {"shop_id": s, "day": d, "category": c, "region": r, "product_line": p, "priority": pr, "count": n}
                for (s, d, c, r, p, pr), n in sorted(by_day.items())
            ],
        )

    async def heatmap(
        self, shop_id: str, rows: str, cols: str, tz: str, since: datetime, until: datetime
    ) -> list[tuple[str, str, int]]:
        """(row, col, count) triples; hours and weekdays in the shop's time zone."""
        time_dims = {"hour", "weekday"}
        if rows in time_dims or cols in time_dims:
            h = t.case_counts_by_hour
            local = sa.func.timezone(tz, h.c.hour)

            def dim(name: str) -> Any:
                if name == "hour":
                    return sa.cast(sa.extract("hour", local), sa.Integer).cast(sa.Text)
                if name == "weekday":
                    return sa.cast(sa.extract("isodow", local), sa.Integer).cast(sa.Text)
                return h.c.value

            other = next((d for d in (rows, cols) if d not in time_dims), "priority")
            r, c = dim(rows).label("r"), dim(cols).label("c")
            query = (
                sa.select(r, c, sa.func.sum(h.c.count))
                .where(h.c.shop_id == shop_id, h.c.dimension == other, h.c.hour >= since, h.c.hour < until)
                .group_by(r, c)
            )
        else:
            d = t.case_counts_by_day
            r, c = d.c[rows].label("r"), d.c[cols].label("c")
            query = (
                sa.select(r, c, sa.func.sum(d.c.count))
                .where(d.c.shop_id == shop_id, d.c.day >= since.date(), d.c.day <= until.date())
                .group_by(r, c)
            )
        return [(row[0], row[1], int(row[2])) for row in await self.session.execute(query)]


def hours_back(hour: datetime, days: int) -> list[datetime]:
    return [hour - timedelta(days=d) for d in range(1, days + 1)]
