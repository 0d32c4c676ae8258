"""Per-shop audit rules: read them (defaults overlaid with the shop's overrides) and replace the overrides."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.errors import InvalidArgument
from libs.timeutil import utcnow
from services.supplier_audit.application.errors import domain_errors
from services.supplier_audit.application.unit_of_work import SupplierAuditUnitOfWork
from services.supplier_audit.domain.errors import RulesValidationError
from services.supplier_audit.domain.rules import AuditRules

log = logging.getLogger(__name__)
MAX_RULES_JSON = 16 * 1024


@dataclass(frozen=True)
class ShopRules:
    rules: AuditRules
    overrides: dict[str, Any]
    updated_at: datetime | None


async def load_rules(uow: SupplierAuditUnitOfWork, shop_id: str) -> AuditRules:
    """The shop's effective rules (the defaults while it has no overrides)."""
    return (await _load(uow, shop_id)).rules


async def _load(uow: SupplierAuditUnitOfWork, shop_id: str) -> ShopRules:
    row = await uow.rules.get(shop_id)
    if row is None:
        return ShopRules(AuditRules(), {}, None)
    try:
        return ShopRules(AuditRules.from_dict(row.overrides), dict(row.overrides), row.updated_at)
    except RulesValidationError:
        # Stored overrides were valid when written; only a change of defaults can get here.
        log.exception("stored audit rules of shop %s no longer validate; using the defaults", shop_id)
        return ShopRules(AuditRules(), dict(row.overrides), row.updated_at)


class RulesCache:
    """Each shop's parsed rules, parsed again only when the shop's overrides row changed.

    Every batch of complaints needs its shop's rules; reading the row's ``updated_at`` is one indexed
    lookup, parsing and validating the overrides each time was not free. Keyed on that stamp, the
    cache is never stale, whichever replica changed the rules.
    """

    MAX_SHOPS = 10_000

    def __init__(self) -> None:
        self._by_shop: dict[str, tuple[datetime | None, AuditRules]] = {}

    async def get(self, uow: SupplierAuditUnitOfWork, shop_id: str) -> AuditRules:
        stamp = await uow.store.rules_stamp(shop_id)
        cached = self._by_shop.get(shop_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = await _load(uow, shop_id)
        if len(self._by_shop) >= self.MAX_SHOPS:
            self._by_shop.clear()
        self._by_shop[shop_id] = (loaded.updated_at, loaded.rules)
        return loaded.rules


class RulesWork:
    def __init__(
        self, uow_factory: Callable[[], SupplierAuditUnitOfWork], *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def get(self, *, shop_id: str) -> ShopRules:
        """The effective rules and the overrides they come from."""
        async with self._uow() as uow:
            return await _load(uow, shop_id)

    async def update(self, *, shop_id: str, overrides_json: str, actor: str) -> ShopRules:
        """Replaces the shop's overrides; keys left out fall back to the defaults."""
        if len(overrides_json) > MAX_RULES_JSON:
            raise InvalidArgument.on("overrides_json", f"at most {MAX_RULES_JSON} characters")
        try:
            data = json.loads(overrides_json or "{}")
        except ValueError:
            raise InvalidArgument.on("overrides_json", "is not JSON") from None
        if not isinstance(data, dict):
            raise InvalidArgument.on("overrides_json", "must be a JSON object of rule keys")
        with domain_errors():
            rules = AuditRules.from_dict(data)
        normalised = rules.to_dict()
        overrides = {key: normalised[key] for key in data}
        now = self._clock()
        async with self._uow() as uow:
            await uow.rules.put(shop_id, overrides, actor, now)
            await uow.commit()
        return ShopRules(rules, overrides, now)
