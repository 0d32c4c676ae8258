"""Triage's tables (SQLAlchemy Core); every key starts with shop_id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

TZ = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB
TEXTS = postgresql.ARRAY(sa.Text)

shop_settings = sa.Table(
    "shop_settings",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("calendar", JSONB, nullable=False),
    sa.Column("risk_overrides", JSONB, nullable=False),
    sa.Column("category_overrides", JSONB, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),  # 1 frontline, 2 expert, 3 executive
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)

shifts = sa.Table(
    "shifts",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("agent_id", sa.Text, primary_key=True),
    sa.Column("starts_at", TZ, primary_key=True),
    sa.Column("ends_at", TZ, nullable=False),
)

product_line_owners = sa.Table(
    "product_line_owners",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("product_line", sa.Text, primary_key=True),
    sa.Column("agent_id", sa.Text, nullable=False),
)

analyses = sa.Table(
    "analyses",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("feedback_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("sentiment", sa.Float, nullable=False),
    sa.Column("intensity", sa.Float, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("risk_terms", TEXTS, nullable=False),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("rating", sa.SmallInteger),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text),
    sa.Column("analysed_at", TZ, nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("feedback_ids", TEXTS, nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("customer_tier", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("order_value_minor", sa.BigInteger),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("batch_id", sa.Text, nullable=False),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("product_line", sa.Text, nullable=False),
    sa.Column("region", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("sentiment", sa.Float, nullable=False),
    sa.Column("intensity", sa.Float, nullable=False),
    sa.Column("risk_terms", JSONB, nullable=False),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("priority_factors", JSONB, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("assignee", sa.Text),
    sa.Column("escalation_level", sa.SmallInteger, nullable=False),
    sa.Column("first_response_clock", JSONB, nullable=False),
    sa.Column("resolution_clock", JSONB, nullable=False),
    sa.Column("first_response_at", TZ),
    sa.Column("breached", sa.Boolean, nullable=False),
    sa.Column("review_updated", sa.Boolean, nullable=False),
    sa.Column("satisfaction", sa.SmallInteger),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

case_timeline = sa.Table(
    "case_timeline",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", TZ, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("from_state", sa.Text, nullable=False),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
)

sla_timers = sa.Table(
    "sla_timers",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("clock", sa.Text, primary_key=True),  # first_response | resolution
    sa.Column("event", sa.Text, primary_key=True),  # warning | breach | executive
    sa.Column("fire_at", TZ),  # NULL while the clock is paused or stopped
    sa.Column("fired_at", TZ),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("details", JSONB, nullable=False),
    sa.Column("dedupe_key", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("shop_id", "dedupe_key", name="uq_alerts_dedupe"),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, nullable=False),  # the domain's incident_key: scope, value and category
    sa.Column("scope", sa.Text, nullable=False),  # sku | batch | region
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("case_ids", TEXTS, nullable=False),
    sa.Column("opened_at", TZ, nullable=False),
)

hourly_counts = sa.Table(
    "hourly_counts",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("dimension", sa.Text, primary_key=True),  # category | risk_term
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("hour", TZ, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Heatmap aggregates, bumped when a case opens. Pairs with the hour or weekday read the per-hour
# marginal of the other dimension; pairs of two other dimensions read the daily joint counts. Both stay
# small however many cases there are (hours × values, days × combinations), so heatmaps never scan cases.
case_counts_by_hour = sa.Table(
    "case_counts_by_hour",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("dimension", sa.Text, primary_key=True),  # category | region | product_line | priority
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("hour", TZ, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

case_counts_by_day = sa.Table(
    "case_counts_by_day",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),  # UTC day
    sa.Column("category", sa.Text, primary_key=True),
    sa.Column("region", sa.Text, primary_key=True),
    sa.Column("product_line", sa.Text, primary_key=True),
    sa.Column("priority", sa.Text, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # ask_review_update | publish_reply | follow_up
    sa.Column("due_at", TZ, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # open | done
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)
