"""Intake's tables (SQLAlchemy Core); every key starts with shop_id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("rating", sa.SmallInteger),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("customer_tier", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("product_line", sa.Text, nullable=False),
    sa.Column("supplier_id", sa.Text, nullable=False),
    sa.Column("batch_id", sa.Text, nullable=False),
    sa.Column("region", sa.Text, nullable=False),
    sa.Column("order_value_minor", sa.BigInteger),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("media", postgresql.JSONB, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("previous_rating", sa.SmallInteger),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("logistics_event", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("shop_id", "channel", "external_id", name="uq_feedback_source"),
)

feedback_revisions = sa.Table(
    "feedback_revisions",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("feedback_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("rating", sa.SmallInteger),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

# --- logistics partners (cross-shop: reference tables under Citus) -------------------------------

partners = sa.Table(
    "partners",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("token_sha256", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("name", name="uq_partners_name"),
)

partner_shops = sa.Table(
    "partner_shops",
    metadata,
    sa.Column("partner_id", sa.Text, sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("shop_id", sa.Text, primary_key=True),
)

# --- logistics events and the state the signals are computed from (shop-owned) -----------------

logistics_events = sa.Table(
    "logistics_events",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("partner_id", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("tracking_no", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("region", sa.Text, nullable=False),
    sa.Column("reading_value", sa.Float),
    sa.Column("reading_min", sa.Float),
    sa.Column("reading_max", sa.Float),
    sa.Column("reading_unit", sa.Text),
    sa.Column("promised_at", sa.DateTime(timezone=True)),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_logistics_events_order", "shop_id", "order_id", "occurred_at"),
)

# One row per order with a promised delivery time or a delivery; state: watching | settled | signalled.
shipments = sa.Table(
    "shipments",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, primary_key=True),
    sa.Column("tracking_no", sa.Text, nullable=False),
    sa.Column("region", sa.Text, nullable=False),
    sa.Column("promised_at", sa.DateTime(timezone=True)),
    sa.Column("promised_seen_at", sa.DateTime(timezone=True)),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("feedback_id", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('watching', 'settled', 'signalled')", name="ck_shipments_state"),
    sa.Index(
        "ix_shipments_watching",
        "promised_at",
        postgresql_where=sa.text("state = 'watching' AND promised_at IS NOT NULL"),
    ),
)

# The current (or last) excursion episode of each (shop, order, kind) of cold-chain reading.
excursion_episodes = sa.Table(
    "excursion_episodes",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("episode", sa.Integer, nullable=False),
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("last_out_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("signalled", sa.Boolean, nullable=False),
    sa.Column("peak", sa.Float),
    sa.Column("allowed_min", sa.Float),
    sa.Column("allowed_max", sa.Float),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("region", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_excursion_episodes_open", "started_at", postgresql_where=sa.text("open AND NOT signalled")),
)

logistics_thresholds = sa.Table(
    "logistics_thresholds",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("overdue_after_s", sa.Integer, nullable=False),
    sa.Column("temperature_excursion_after_s", sa.Integer, nullable=False),
    sa.Column("humidity_excursion_after_s", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("feedback_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created", sa.Boolean, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
