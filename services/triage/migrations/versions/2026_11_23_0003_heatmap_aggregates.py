"""heatmap aggregates: per-hour marginals and daily joint counts replace case_facts

Revision ID: triage_0003
Revises: triage_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "triage_0003"
down_revision = "triage_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_counts_by_hour",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "dimension", "value", "hour"),
    )
    op.create_table(
        "case_counts_by_day",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("product_line", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "day", "category", "region", "product_line", "priority"),
    )
    # Carry existing counts over before dropping the old aggregate.
    op.execute(
        "INSERT INTO case_counts_by_hour (shop_id, dimension, value, hour, count) "
        "SELECT shop_id, d.dimension, d.value, hour, sum(count) FROM case_facts, "
        "LATERAL (VALUES ('category', category), ('region', region), ('product_line', product_line), "
        "('priority', priority)) AS d(dimension, value) GROUP BY 1, 2, 3, 4"
    )
    op.execute(
        "INSERT INTO case_counts_by_day (shop_id, day, category, region, product_line, priority, count) "
        "SELECT shop_id, (hour AT TIME ZONE 'UTC')::date, category, region, product_line, priority, sum(count) "
        "FROM case_facts GROUP BY 1, 2, 3, 4, 5, 6"
    )
    op.drop_table("case_facts")


def downgrade() -> None:
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
    op.drop_table("case_counts_by_day")
    op.drop_table("case_counts_by_hour")
