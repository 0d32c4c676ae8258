"""logistics partners, their events, shipments, excursion episodes, thresholds; feedback.logistics_event

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feedback", sa.Column("logistics_event", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "partners",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("token_sha256", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_partners_name"),
    )
    op.create_table(
        "partner_shops",
        sa.Column("partner_id", sa.Text, sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("shop_id", sa.Text, primary_key=True),
    )
    op.create_table(
        "logistics_events",
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
    )
    op.create_index("ix_logistics_events_order", "logistics_events", ["shop_id", "order_id", "occurred_at"])
    op.create_table(
        "shipments",
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
    )
    # The overdue worker scans only shipments still being watched.
    op.create_index(
        "ix_shipments_watching",
        "shipments",
        ["promised_at"],
        postgresql_where=sa.text("state = 'watching' AND promised_at IS NOT NULL"),
    )
    op.create_table(
        "excursion_episodes",
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
    )
    op.create_index(
        "ix_excursion_episodes_open",
        "excursion_episodes",
        ["started_at"],
        postgresql_where=sa.text("open AND NOT signalled"),
    )
    op.create_table(
        "logistics_thresholds",
        sa.Column("shop_id", sa.Text, primary_key=True),
        sa.Column("overdue_after_s", sa.Integer, nullable=False),
        sa.Column("temperature_excursion_after_s", sa.Integer, nullable=False),
        sa.Column("humidity_excursion_after_s", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("logistics_thresholds")
    op.drop_table("excursion_episodes")
    op.drop_table("shipments")
    op.drop_table("logistics_events")
    op.drop_table("partner_shops")
    op.drop_table("partners")
    op.drop_column("feedback", "logistics_event")
