"""Reading what triage noticed: alerts, incidents, heatmaps; and the staff and settings that drive it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from libs.errors import InvalidArgument, NotFound
from libs.paging import decode_keyset, encode_token, page_size
from libs.timeutil import utcnow
from services.triage.application.unit_of_work import TriageUnitOfWork
from services.triage.domain.category import CategoryOverrides
from services.triage.domain.risk import RiskOverrides
from services.triage.domain.sla import ShopCalendar

DIMENSIONS = ("category", "hour", "region", "product_line", "weekday", "priority")
FIXED_AXES = {"hour": [str(h) for h in range(24)], "weekday": [str(d) for d in range(1, 8)]}
MAX_RANGE = timedelta(days=366)


def _json_object(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        raise InvalidArgument.on(field, "must be a JSON object") from None
    if not isinstance(value, dict):
        raise InvalidArgument.on(field, "must be a JSON object")
    return value


class Insights:
    def __init__(self, uow_factory: Callable[[], TriageUnitOfWork], *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def alerts(self, *, shop_id: str, size: int, token: str, kind: str = "") -> tuple[list[Any], str]:
        limit = page_size(size)
        async with self._uow() as uow:
            rows = await uow.alerts.page(shop_id, limit=limit + 1, after=decode_keyset(token), kind=kind)
        next_token = ""
        if len(rows) > limit:
            rows = rows[:limit]
            next_token = encode_token([rows[-1].created_at.isoformat(), rows[-1].id])
        return rows, next_token

    async def incidents(self, *, shop_id: str, size: int, token: str) -> tuple[list[Any], str]:
        limit = page_size(size)
        async with self._uow() as uow:
            rows = await uow.incidents.page(shop_id, limit=limit + 1, after=decode_keyset(token))
        next_token = ""
        if len(rows) > limit:
            rows = rows[:limit]
            next_token = encode_token([rows[-1].opened_at.isoformat(), rows[-1].id])
        return rows, next_token

    async def heatmap(
        self, *, shop_id: str, rows: str, cols: str, since: datetime | None, until: datetime | None
    ) -> tuple[list[str], list[str], list[list[int]]]:
        """Counts of cases by two dimensions (hours and weekdays in the shop's time zone)."""
        for name, value in (("rows", rows), ("cols", cols)):
            if value not in DIMENSIONS:
                raise InvalidArgument.on(name, f"must be one of {', '.join(DIMENSIONS)}")
        if rows == cols:
            raise InvalidArgument.on("cols", "must differ from rows")
        until = until or self._clock()
        since = since or until - timedelta(days=30)
        if since >= until or until - since > MAX_RANGE:
            raise InvalidArgument.on("from", "the range must be positive and at most 366 days")
        async with self._uow() as uow:
            tz = ShopCalendar.from_mapping((await uow.settings.get(shop_id))["calendar"]).timezone
            triples = await uow.counts.heatmap(shop_id, rows, cols, tz, since, until)
        row_keys = FIXED_AXES.get(rows) or sorted({r for r, _, _ in triples})
        col_keys = FIXED_AXES.get(cols) or sorted({c for _, c, _ in triples})
        index_r = {k: i for i, k in enumerate(row_keys)}
        index_c = {k: i for i, k in enumerate(col_keys)}
        cells = [[0] * len(col_keys) for _ in row_keys]
        for r, c, n in triples:
            cells[index_r[r]][index_c[c]] += n
        return row_keys, col_keys, cells

    async def top_terms(self, *, shop_id: str, dimension: str, days: int, limit: int) -> list[tuple[str, int, int]]:
        """Keyword top-N: risk words (or complaint categories) by count, with the previous span's count."""
        if dimension not in ("risk_term", "category"):
            raise InvalidArgument.on("dimension", "must be risk_term or category")
        days = days or 7
        limit = limit or 10
        if not 1 <= days <= 90:
            raise InvalidArgument.on("days", "must be between 1 and 90")
        if not 1 <= limit <= 100:
            raise InvalidArgument.on("limit", "must be between 1 and 100")
        until = self._clock()
        since = until - timedelta(days=days)
        async with self._uow() as uow:
            return await uow.counts.top(shop_id, dimension, since, until, since - timedelta(days=days), limit)

    # --- staff and settings ----------------------------------------------------------------------

    async def upsert_agent(self, *, shop_id: str, agent_id: str, name: str, level: int, active: bool) -> Any:
        if not agent_id or len(agent_id) > 128:
            raise InvalidArgument.on("agent.id", "is required (at most 128 characters)")
        if level not in (1, 2, 3):
            raise InvalidArgument.on("agent.level", "must be 1 (frontline), 2 (expert) or 3 (executive)")
        async with self._uow() as uow:
            await uow.staff.upsert_agent(shop_id, agent_id, name[:200], level, active, self._clock())
            row = await uow.staff.agent(shop_id, agent_id)
            await uow.commit()
        return row

    async def agents(self, *, shop_id: str) -> list[tuple[Any, int]]:
        async with self._uow() as uow:
            rows = await uow.staff.agents(shop_id)
            load = await uow.cases.open_count_by_agent(shop_id, [r.id for r in rows])
        return [(r, load.get(r.id, 0)) for r in rows]

    async def set_owner(self, *, shop_id: str, product_line: str, agent_id: str) -> None:
        if not product_line:
            raise InvalidArgument.on("owner.product_line", "is required")
        async with self._uow() as uow:
            if await uow.staff.agent(shop_id, agent_id) is None:
                raise InvalidArgument.on("owner.agent_id", "no agent with this id in this shop")
            await uow.staff.set_owner(shop_id, product_line, agent_id)
            await uow.commit()

    async def add_shift(
        self, *, shop_id: str, agent_id: str, starts_at: datetime | None, ends_at: datetime | None
    ) -> None:
        if starts_at is None or ends_at is None or ends_at <= starts_at:
            raise InvalidArgument.on("shift.ends_at", "a shift needs a start and a later end")
        if ends_at - starts_at > timedelta(hours=24):
            raise InvalidArgument.on("shift.ends_at", "a shift lasts at most 24 hours")
        async with self._uow() as uow:
            if await uow.staff.agent(shop_id, agent_id) is None:
                raise NotFound(f"agent {agent_id} not found")
            await uow.staff.add_shift(shop_id, agent_id, starts_at, ends_at)
            await uow.commit()

    async def settings(self, *, shop_id: str) -> dict[str, Any]:
        async with self._uow() as uow:
            return await uow.settings.get(shop_id)

    async def update_settings(
        self, *, shop_id: str, calendar_json: str, risk_json: str, category_json: str
    ) -> dict[str, Any]:
        calendar = _json_object(calendar_json, "calendar")
        risk = _json_object(risk_json, "risk_overrides")
        category = _json_object(category_json, "category_overrides")
        # Each document must parse into its domain object before anything is stored.
        ShopCalendar.from_mapping(calendar)
        RiskOverrides.from_mapping(risk)
        CategoryOverrides.from_mapping(category)
        async with self._uow() as uow:
            await uow.settings.put(shop_id, calendar=calendar, risk=risk, category=category, now=self._clock())
            result = await uow.settings.get(shop_id)
            await uow.commit()
        return result


MAX_LOOKUP = 1000


async def analyses_of(uow_factory: Callable[[], TriageUnitOfWork], shop_id: str, feedback_ids: list[str]) -> list[Any]:
    """Triage's analysis (and case id) of each given item that it has seen."""
    if len(feedback_ids) > MAX_LOOKUP:
        raise InvalidArgument.on("feedback_ids", f"at most {MAX_LOOKUP} ids")
    async with uow_factory() as uow:
        return await uow.analyses.many(shop_id, list(dict.fromkeys(feedback_ids)))
