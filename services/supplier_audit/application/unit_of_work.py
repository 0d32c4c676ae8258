"""Supplier audit's unit of work: one transaction over every repository (and the outbox, unused so far)."""

from __future__ import annotations

from libs.db import UnitOfWork
from services.supplier_audit.adapters.attribution_store import AttributionStore
from services.supplier_audit.adapters.repository import (
    AlertRepository,
    AttributionRepository,
    InspectionRepository,
    MasterDataRepository,
    RecallRepository,
    RulesRepository,
)


class SupplierAuditUnitOfWork(UnitOfWork):
    def bind_repositories(self) -> None:
        self.rules = RulesRepository(self.session)
        self.master = MasterDataRepository(self.session)
        self.attributions = AttributionRepository(self.session)
        self.inspections = InspectionRepository(self.session)
        self.recalls = RecallRepository(self.session)
        self.alerts = AlertRepository(self.session)
        self.store = AttributionStore(self.session)
