"""Supplier audit's tables (SQLAlchemy Core); every key starts with shop_id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

TZ = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB
TEXTS = postgresql.ARRAY(sa.Text)

# The shop's overrides of AuditRules; a shop without a row runs on the defaults.
audit_rules = sa.Table(
    "audit_rules",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("overrides", JSONB, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

suppliers = sa.Table(
    "suppliers",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("supplier_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("contact", sa.Text),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

sku_map = sa.Table(
    "sku_map",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("product_line", sa.Text, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Index("ix_sku_map_supplier", "shop_id", "supplier_id"),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("batch_id", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("produced_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

# Orders of one SKU on one shop-local calendar day; a missing day is zero orders.
order_volumes = sa.Table(
    "order_volumes",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("orders", sa.BigInteger, nullable=False),
)

# One row per complaint (triage case): the primary key makes the receiver idempotent.
attributions = sa.Table(
    "attributions",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("batch_id", sa.Text),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("product_line", sa.Text),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("safety", sa.Boolean, nullable=False),
    sa.Column("risk_kinds", TEXTS, nullable=False),
    sa.Column("occurred_at", TZ, nullable=False),
    sa.Column("order_id", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("recorded_at", TZ, nullable=False),
    # A decision reads one supplier's complaints of one category around a moment.
    sa.Index("ix_attributions_supplier", "shop_id", "supplier_id", "category", "occurred_at"),
    sa.Index(
        "ix_attributions_batch",
        "shop_id",
        "batch_id",
        "occurred_at",
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    ),
    # The weekly report counts by category, SKU and supplier from this index alone.
    sa.Index(
        "ix_attributions_time",
        "shop_id",
        "occurred_at",
        postgresql_include=["category", "sku", "supplier_id"],
    ),
)

# A flying inspection is one aggregate: findings, CAPA actions and history live in the row.
inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("inspection_id", sa.Text, primary_key=True),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("opened_at", TZ, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("case_ids", TEXTS, nullable=False),
    sa.Column("findings", JSONB, nullable=False),
    sa.Column("actions", JSONB, nullable=False),
    sa.Column("history", JSONB, nullable=False),
    sa.Column("ended_at", TZ),
    # The earliest due date of an open, not yet alerted action: what the overdue worker claims on.
    sa.Column("next_overdue_at", TZ),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Index("ix_inspections_supplier", "shop_id", "supplier_id", "category", "opened_at"),
    sa.Index("ix_inspections_opened", "shop_id", "opened_at"),
    # One open inspection per supplier and category, even with many replicas.
    sa.Index(
        "uq_inspections_open",
        "shop_id",
        "supplier_id",
        "category",
        unique=True,
        postgresql_where=sa.text("status NOT IN ('closed', 'failed')"),
    ),
    sa.Index("ix_inspections_overdue", "next_overdue_at", postgresql_where=sa.text("next_overdue_at IS NOT NULL")),
)

recalls = sa.Table(
    "recalls",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("recall_id", sa.Text, primary_key=True),
    sa.Column("batch_id", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("trigger", sa.Text, nullable=False),
    sa.Column("affected_orders", sa.BigInteger),
    sa.Column("case_ids", TEXTS, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("resolved_at", TZ),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Index("ix_recalls_created", "shop_id", "created_at"),
    # One active recommendation per batch.
    sa.Index(
        "uq_recalls_active",
        "shop_id",
        "batch_id",
        unique=True,
        postgresql_where=sa.text("status IN ('recommended', 'accepted')"),
    ),
)

audit_alerts = sa.Table(
    "audit_alerts",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("alert_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("inspection_id", sa.Text, nullable=False),
    sa.Column("action_id", sa.Text, nullable=False),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("details", JSONB, nullable=False),
    sa.Column("dedupe_key", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("shop_id", "dedupe_key", name="uq_audit_alerts_dedupe"),
    sa.Index("ix_audit_alerts_created", "shop_id", "created_at"),
)
