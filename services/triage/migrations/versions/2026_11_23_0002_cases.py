"""cases, timeline, SLA timers, alerts, incidents, staff, aggregates

Revision ID: triage_0002
Revises: triage_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "triage_0002"
down_revision = "triage_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "id"),
    )
    op.create_table(
        "alerts",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "id"),
        sa.UniqueConstraint("shop_id", "dedupe_key", name="uq_alerts_dedupe"),
    )
    op.create_table(
        "analyses",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("feedback_id", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("intensity", sa.Float(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("risk_terms", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=True),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "feedback_id"),
    )
    op.create_table(
        "case_facts",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("product_line", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "hour", "category", "region", "product_line", "priority"),
    )
    op.create_table(
        "case_timeline",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "case_id", "seq"),
    )
    op.create_table(
        "cases",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("feedback_ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("customer_tier", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("order_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Text(), nullable=False),
        sa.Column("product_line", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("intensity", sa.Float(), nullable=False),
        sa.Column("risk_terms", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("priority_factors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), nullable=False),
        sa.Column("first_response_clock", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("resolution_clock", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached", sa.Boolean(), nullable=False),
        sa.Column("review_updated", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "id"),
    )
    op.create_table(
        "hourly_counts",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "dimension", "value", "hour"),
    )
    op.create_table(
        "incidents",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("case_ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "id"),
    )
    op.create_table(
        "product_line_owners",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("product_line", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "product_line"),
    )
    op.create_table(
        "shifts",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "agent_id", "starts_at"),
    )
    op.create_table(
        "shop_settings",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("calendar", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("risk_overrides", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("category_overrides", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id"),
    )
    op.create_table(
        "sla_timers",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("clock", sa.Text(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("shop_id", "case_id", "clock", "event"),
    )
    op.create_table(
        "tasks",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "id"),
    )
    op.create_index("ix_cases_state", "cases", ["shop_id", "state", "created_at"])
    op.create_index("ix_cases_created", "cases", ["shop_id", "created_at", "id"])
    op.create_index("ix_cases_customer", "cases", ["shop_id", "customer_id"])
    op.create_index("ix_cases_assignee", "cases", ["shop_id", "assignee"])
    op.create_index("ix_cases_order", "cases", ["shop_id", "order_id"], postgresql_where=sa.text("order_id <> ''"))
    op.create_index("ix_cases_sku", "cases", ["shop_id", "sku", "created_at"])
    op.create_index("ix_cases_batch", "cases", ["shop_id", "batch_id", "created_at"])
    op.create_index("ix_cases_region", "cases", ["shop_id", "region", "created_at"])
    op.create_index(
        "ix_sla_timers_due",
        "sla_timers",
        ["fire_at"],
        postgresql_where=sa.text("fired_at IS NULL AND fire_at IS NOT NULL"),
    )
    op.create_index("ix_alerts_created", "alerts", ["shop_id", "created_at", "id"])
    op.create_index(
        "uq_incidents_open",
        "incidents",
        ["shop_id", "key"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
    )
    op.create_index("ix_tasks_case", "tasks", ["shop_id", "case_id"])
    # The timeline is an audit trail: rows are only ever added.
    op.execute(
        "CREATE FUNCTION case_timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'case_timeline is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER case_timeline_no_change BEFORE UPDATE OR DELETE ON case_timeline "
        "FOR EACH ROW EXECUTE FUNCTION case_timeline_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_timeline_no_change ON case_timeline")
    op.execute("DROP FUNCTION IF EXISTS case_timeline_append_only()")
    for table in (
        "tasks",
        "case_facts",
        "hourly_counts",
        "incidents",
        "alerts",
        "sla_timers",
        "case_timeline",
        "cases",
        "analyses",
        "product_line_owners",
        "shifts",
        "agents",
        "shop_settings",
    ):
        op.drop_table(table)
