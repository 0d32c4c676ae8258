"""suppliers, SKU map, batches, order volumes, attributions, rules, inspections, recalls, alerts

Revision ID: supplier_audit_0002
Revises: supplier_audit_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "supplier_audit_0002"
down_revision = "supplier_audit_0001"
branch_labels = None
depends_on = None

TABLES = (
    "audit_alerts",
    "recalls",
    "inspections",
    "attributions",
    "order_volumes",
    "batches",
    "sku_map",
    "suppliers",
    "audit_rules",
)


def upgrade() -> None:
    op.create_table(
        "attributions",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=True),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("product_line", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("safety", sa.Boolean(), nullable=False),
        sa.Column("risk_kinds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "case_id"),
    )
    op.create_table(
        "audit_alerts",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("inspection_id", sa.Text(), nullable=False),
        sa.Column("action_id", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "alert_id"),
        sa.UniqueConstraint("shop_id", "dedupe_key", name="uq_audit_alerts_dedupe"),
    )
    op.create_table(
        "audit_rules",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("overrides", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id"),
    )
    op.create_table(
        "batches",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "batch_id"),
    )
    op.create_table(
        "inspections",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("inspection_id", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("case_ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("history", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "inspection_id"),
    )
    op.create_table(
        "order_volumes",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "sku", "day"),
    )
    op.create_table(
        "recalls",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("recall_id", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("affected_orders", sa.BigInteger(), nullable=True),
        sa.Column("case_ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "recall_id"),
    )
    op.create_table(
        "sku_map",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("product_line", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "sku"),
    )
    op.create_table(
        "suppliers",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "supplier_id"),
    )

    op.create_index("ix_sku_map_supplier", "sku_map", ["shop_id", "supplier_id"])
    # A decision reads one supplier's complaints of one category around a moment.
    op.create_index("ix_attributions_supplier", "attributions", ["shop_id", "supplier_id", "category", "occurred_at"])
    op.create_index(
        "ix_attributions_batch",
        "attributions",
        ["shop_id", "batch_id", "occurred_at"],
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    # The weekly report counts by category, SKU and supplier from this index alone.
    op.create_index(
        "ix_attributions_time",
        "attributions",
        ["shop_id", "occurred_at"],
        postgresql_include=["category", "sku", "supplier_id"],
    )
    op.create_index("ix_inspections_supplier", "inspections", ["shop_id", "supplier_id", "category", "opened_at"])
    op.create_index("ix_inspections_opened", "inspections", ["shop_id", "opened_at"])
    # One open inspection per supplier and category, even with many replicas.
    op.create_index(
        "uq_inspections_open",
        "inspections",
        ["shop_id", "supplier_id", "category"],
        unique=True,
        postgresql_where=sa.text("status NOT IN ('closed', 'failed')"),
    )
    op.create_index(
        "ix_inspections_overdue",
        "inspections",
        ["next_overdue_at"],
        postgresql_where=sa.text("next_overdue_at IS NOT NULL"),
    )
    op.create_index("ix_recalls_created", "recalls", ["shop_id", "created_at"])
    # One active recommendation per batch.
    op.create_index(
        "uq_recalls_active",
        "recalls",
        ["shop_id", "batch_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('recommended', 'accepted')"),
    )
    op.create_index("ix_audit_alerts_created", "audit_alerts", ["shop_id", "created_at"])


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
