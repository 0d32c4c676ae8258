"""Intake's tables (SQLAlchemy Core); every key starts with shop_id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from libs.outbox import metadata

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
