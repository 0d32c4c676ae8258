"""Compensation's tables (SQLAlchemy Core); every key starts with shop_id.

The ledger (journal_transactions, journal_postings), payouts, payout reversals, payout instructions and
policy revisions are append-only: migration 0002 adds triggers that refuse UPDATE, DELETE and TRUNCATE,
and a deferred constraint trigger that refuses a journal transaction whose debits and credits differ.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

TZ = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB
TEXTS = postgresql.ARRAY(sa.Text)

# Every revision of a shop's ladder policy; the highest revision is in force, none means the defaults.
ladder_policies = sa.Table(
    "ladder_policies",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.BigInteger, primary_key=True),
    sa.Column("version", sa.Text, nullable=False),
    sa.Column("policy", JSONB, nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("set_at", TZ, nullable=False),
)

# The facts of each case triage handed over (one row per case, whatever the number of deliveries).
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("customer_tier", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("order_value_minor", sa.BigInteger),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("media", JSONB, nullable=False),
    sa.Column("feedback_ids", TEXTS, nullable=False),
    sa.Column("risk_kinds", TEXTS, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("received_at", TZ, nullable=False),
)

offers = sa.Table(
    "offers",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("order_value_minor", sa.BigInteger, nullable=False),
    sa.Column("rule_id", sa.Text, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("policy_version", sa.Text, nullable=False),
    sa.Column("follow_up_tasks", TEXTS, nullable=False),
    sa.Column("budget_period", sa.Text, nullable=False),
    sa.Column("proposed_by", sa.Text, nullable=False),
    sa.Column("proposed_at", TZ, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("approval_reasons", TEXTS, nullable=False),
    sa.Column("flash", sa.Boolean, nullable=False),
    sa.Column("flash_reason", sa.Text),
    sa.Column("approved_by", sa.Text),
    sa.Column("rejected_by", sa.Text),
    sa.Column("rejection_reason", sa.Text, nullable=False),
    sa.Column("payout_id", sa.Text),
    sa.Column("reversed_by", sa.Text),
    sa.Column("reversal_reason", sa.Text, nullable=False),
    sa.Column("history", JSONB, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.CheckConstraint("amount_minor > 0", name="ck_offers_amount_positive"),
    sa.Index("ix_offers_case", "shop_id", "case_id"),
)

# Idempotency-Key of ProposeCompensation: the first request's hash and answer.
offer_requests = sa.Table(
    "offer_requests",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("idempotency_key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("offer_id", sa.Text, nullable=False),
    sa.Column("response", JSONB),  # the offer as first answered
    sa.Column("created_at", TZ, nullable=False),
)

budgets = sa.Table(
    "budgets",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("period", sa.Text, primary_key=True),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("cap_minor", sa.BigInteger, nullable=False),
    sa.Column("spent_minor", sa.BigInteger, nullable=False),
    sa.Column("reserved_minor", sa.BigInteger, nullable=False),
    sa.Column("opened_at", TZ, nullable=False),
    sa.CheckConstraint("cap_minor >= 0 AND spent_minor >= 0 AND reserved_minor >= 0", name="ck_budgets_non_negative"),
)

journal_transactions = sa.Table(
    "journal_transactions",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("txn_id", sa.Text, primary_key=True),
    sa.Column("period", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("offer_id", sa.Text),
    sa.Column("memo", sa.Text, nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("recorded_at", TZ, nullable=False, server_default=sa.func.now()),
    sa.Index("ix_journal_transactions_period", "shop_id", "period"),
)

journal_postings = sa.Table(
    "journal_postings",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("txn_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.SmallInteger, primary_key=True),
    sa.Column("period", sa.Text, nullable=False),
    sa.Column("account", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("side", sa.Text, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.CheckConstraint("amount_minor > 0", name="ck_journal_postings_amount_positive"),
    sa.CheckConstraint("side IN ('debit', 'credit')", name="ck_journal_postings_side"),
    sa.ForeignKeyConstraint(
        ["shop_id", "txn_id"],
        ["journal_transactions.shop_id", "journal_transactions.txn_id"],
        name="fk_journal_postings_txn",
    ),
    sa.Index("ix_journal_postings_account", "shop_id", "period", "account"),
)

payouts = sa.Table(
    "payouts",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    sa.Column("offer_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("period", sa.Text, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("provider_reference", sa.Text, nullable=False),
    sa.Column("paid_by", sa.Text, nullable=False),
    sa.Column("paid_at", TZ, nullable=False),
    sa.CheckConstraint("amount_minor > 0", name="ck_payouts_amount_positive"),
    sa.UniqueConstraint("shop_id", "idempotency_key", name="uq_payouts_idempotency_key"),
    sa.UniqueConstraint("shop_id", "offer_id", name="uq_payouts_offer"),
)

payout_reversals = sa.Table(
    "payout_reversals",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("payout_id", sa.Text, primary_key=True),
    sa.Column("offer_id", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reversed_by", sa.Text, nullable=False),
    sa.Column("reversed_at", TZ, nullable=False),
    sa.ForeignKeyConstraint(
        ["shop_id", "payout_id"], ["payouts.shop_id", "payouts.id"], name="fk_payout_reversals_payout"
    ),
)

# What the local payout provider recorded for export to the platform's refund API (pay and reverse).
payout_instructions = sa.Table(
    "payout_instructions",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("payout_id", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),  # pay | reverse
    sa.Column("offer_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("period", sa.Text, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("memo", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("shop_id", "payout_id", "action", name="uq_payout_instructions_action"),
)

# Tables whose rows are never changed or removed once written.
APPEND_ONLY = (
    "ladder_policies",
    "journal_transactions",
    "journal_postings",
    "payouts",
    "payout_reversals",
    "payout_instructions",
)
