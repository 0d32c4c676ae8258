"""outbox and processed messages

Revision ID: supplier_audit_0001
Revises:
Create Date: 2026-11-23
"""

from libs import outbox

revision = "supplier_audit_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox.create_tables()


def downgrade() -> None:
    from alembic import op

    op.drop_table("processed_messages")
    op.drop_table("outbox")
