"""compensation: ladder policies, cases, offers, budgets, double-entry ledger, payouts

Revision ID: compensation_0002
Revises: compensation_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "compensation_0002"
down_revision = "compensation_0001"
branch_labels = None
depends_on = None

APPEND_ONLY = (
    "ladder_policies",
    "journal_transactions",
    "journal_postings",
    "payouts",
    "payout_reversals",
    "payout_instructions",
)

# A journal transaction must have at least two postings whose debits equal their credits in every currency.
# Checked at commit (deferred), once for each new transaction and once for each posting added to one.
BALANCE_CHECK = """
CREATE FUNCTION journal_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    unbalanced text;
BEGIN
    SELECT count(*) INTO n FROM journal_postings WHERE shop_id = NEW.shop_id AND txn_id = NEW.txn_id;
    IF n < 2 THEN
        RAISE EXCEPTION 'journal transaction % of shop % has % posting(s); at least two are needed',
            NEW.txn_id, NEW.shop_id, n USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency INTO unbalanced FROM journal_postings
        WHERE shop_id = NEW.shop_id AND txn_id = NEW.txn_id
        GROUP BY currency
        HAVING sum(CASE side WHEN 'debit' THEN amount_minor ELSE -amount_minor END) <> 0
        LIMIT 1;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'journal transaction % of shop % is unbalanced: debits differ from credits in %',
            NEW.txn_id, NEW.shop_id, unbalanced USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION compensation_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$
"""


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("cap_minor", sa.BigInteger(), nullable=False),
        sa.Column("spent_minor", sa.BigInteger(), nullable=False),
        sa.Column("reserved_minor", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cap_minor >= 0 AND spent_minor >= 0 AND reserved_minor >= 0", name="ck_budgets_non_negative"
        ),
        sa.PrimaryKeyConstraint("shop_id", "period"),
    )
    op.create_table(
        "cases",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("customer_tier", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("order_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("media", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("feedback_ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("risk_kinds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "case_id"),
    )
    op.create_table(
        "journal_transactions",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("txn_id", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("offer_id", sa.Text(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "txn_id"),
    )
    op.create_table(
        "ladder_policies",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "revision"),
    )
    op.create_table(
        "offer_requests",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("offer_id", sa.Text(), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "idempotency_key"),
    )
    op.create_table(
        "offers",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("order_value_minor", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.Text(), nullable=False),
        sa.Column("follow_up_tasks", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("budget_period", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.Text(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("approval_reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("flash", sa.Boolean(), nullable=False),
        sa.Column("flash_reason", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("rejected_by", sa.Text(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("payout_id", sa.Text(), nullable=True),
        sa.Column("reversed_by", sa.Text(), nullable=True),
        sa.Column("reversal_reason", sa.Text(), nullable=False),
        sa.Column("history", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name="ck_offers_amount_positive"),
        sa.PrimaryKeyConstraint("shop_id", "id"),
    )
    op.create_table(
        "payout_instructions",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("payout_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("offer_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "id"),
        sa.UniqueConstraint("shop_id", "payout_id", "action", name="uq_payout_instructions_action"),
    )
    op.create_table(
        "payouts",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("offer_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_reference", sa.Text(), nullable=False),
        sa.Column("paid_by", sa.Text(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name="ck_payouts_amount_positive"),
        sa.PrimaryKeyConstraint("shop_id", "id"),
        sa.UniqueConstraint("shop_id", "idempotency_key", name="uq_payouts_idempotency_key"),
        sa.UniqueConstraint("shop_id", "offer_id", name="uq_payouts_offer"),
    )
    op.create_table(
        "journal_postings",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("txn_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("side IN ('debit', 'credit')", name="ck_journal_postings_side"),
        sa.CheckConstraint("amount_minor > 0", name="ck_journal_postings_amount_positive"),
        sa.ForeignKeyConstraint(
            ["shop_id", "txn_id"],
            ["journal_transactions.shop_id", "journal_transactions.txn_id"],
            name="fk_journal_postings_txn",
        ),
        sa.PrimaryKeyConstraint("shop_id", "txn_id", "seq"),
    )
    op.create_table(
        "payout_reversals",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("payout_id", sa.Text(), nullable=False),
        sa.Column("offer_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reversed_by", sa.Text(), nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id", "payout_id"], ["payouts.shop_id", "payouts.id"], name="fk_payout_reversals_payout"
        ),
        sa.PrimaryKeyConstraint("shop_id", "payout_id"),
    )
    op.create_index("ix_offers_case", "offers", ["shop_id", "case_id"])
    op.create_index("ix_journal_transactions_period", "journal_transactions", ["shop_id", "period"])
    op.create_index("ix_journal_postings_account", "journal_postings", ["shop_id", "period", "account"])
    op.execute(BALANCE_CHECK)
    op.execute(
        "CREATE CONSTRAINT TRIGGER journal_transactions_balanced AFTER INSERT ON journal_transactions "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_txn_balanced()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER journal_postings_balanced AFTER INSERT ON journal_postings "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_txn_balanced()"
    )
    # The ledger and the payout records are evidence of money moved: rows are only ever added.
    op.execute(APPEND_ONLY_FUNCTION)
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION compensation_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION compensation_append_only()"
        )


def downgrade() -> None:
    for table in (
        "payout_reversals",
        "journal_postings",
        "payouts",
        "payout_instructions",
        "offers",
        "offer_requests",
        "ladder_policies",
        "journal_transactions",
        "cases",
        "budgets",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS compensation_append_only()")
    op.execute("DROP FUNCTION IF EXISTS journal_txn_balanced()")
