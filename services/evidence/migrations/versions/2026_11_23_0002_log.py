"""evidence log (entries, Merkle nodes, signed heads, keys), append-only triggers, appeals, registry

Revision ID: evidence_0002
Revises: evidence_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "evidence_0002"
down_revision = "evidence_0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("evidence_entries", "merkle_nodes", "tree_heads", "log_keys")


def upgrade() -> None:
    op.create_table(
        "log_state",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("last_entry_hash", sa.LargeBinary(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_log_state_single_row"),
        sa.CheckConstraint("length(last_entry_hash) = 32", name="ck_log_state_last_hash"),
        sa.CheckConstraint("tree_size >= 0", name="ck_log_state_size"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO log_state (id, tree_size, last_entry_hash, frontier, updated_at) "
        "VALUES (1, 0, decode(repeat('00', 32), 'hex'), ''::bytea, now())"
    )
    op.create_table(
        "evidence_entries",
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("prev_entry_hash", sa.LargeBinary(), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("request_hash", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("(idempotency_key IS NULL) = (request_hash IS NULL)", name="ck_evidence_entries_idem"),
        sa.CheckConstraint("idx >= 0", name="ck_evidence_entries_idx"),
        sa.CheckConstraint("length(entry_hash) = 32", name="ck_evidence_entries_entry_hash"),
        sa.CheckConstraint("length(prev_entry_hash) = 32", name="ck_evidence_entries_prev_hash"),
        sa.PrimaryKeyConstraint("idx"),
    )
    op.create_index("ix_evidence_entries_shop", "evidence_entries", ["shop_id", "idx"])
    op.create_index("ix_evidence_entries_case", "evidence_entries", ["shop_id", "case_id", "idx"])
    op.create_index(
        "uq_evidence_entries_idempotency",
        "evidence_entries",
        ["shop_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("length(hash) = 32", name="ck_merkle_nodes_hash"),
        sa.CheckConstraint("level >= 0 AND level < 63 AND idx >= 0", name="ck_merkle_nodes_key"),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "tree_heads",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("prev_head_hash", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("head_hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("length(head_hash) = 32", name="ck_tree_heads_hash"),
        sa.CheckConstraint("length(prev_head_hash) = 32", name="ck_tree_heads_prev"),
        sa.CheckConstraint("length(root_hash) = 32", name="ck_tree_heads_root"),
        sa.CheckConstraint("seq >= 0 AND tree_size >= 0", name="ck_tree_heads_numbers"),
        sa.PrimaryKeyConstraint("seq"),
    )
    # A head is signed only when the tree grew: one head per size.
    op.create_index("ix_tree_heads_size", "tree_heads", ["tree_size"], unique=True)
    op.create_table(
        "log_keys",
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(public_key) = 32", name="ck_log_keys_raw"),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "suspected_reviews",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("feedback_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("text_sha256", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence_index", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "feedback_id"),
    )
    op.create_table(
        "appeals",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("review_feedback_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_indexes", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("reviewer_account_id", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("request_hash", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'submitted', 'accepted', 'rejected')", name="ck_appeals_state"),
        sa.PrimaryKeyConstraint("shop_id", "id"),
    )
    op.create_index("ix_appeals_created", "appeals", ["shop_id", "created_at", "id"])
    # One live appeal per review (a rejected one may be followed by a new one).
    op.create_index(
        "uq_appeals_open_review",
        "appeals",
        ["shop_id", "review_feedback_id"],
        unique=True,
        postgresql_where=sa.text("state <> 'rejected'"),
    )
    op.create_index(
        "uq_appeals_idempotency",
        "appeals",
        ["shop_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_table(
        "malicious_actors",
        sa.Column("account_hash", sa.LargeBinary(), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("listings", sa.Integer(), nullable=False),
        sa.Column("first_listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(account_hash) = 32", name="ck_malicious_actors_hash"),
        sa.PrimaryKeyConstraint("account_hash"),
    )
    op.create_index("ix_malicious_actors_recent", "malicious_actors", ["last_listed_at", "account_hash"])
    op.create_table(
        "malicious_actor_listings",
        sa.Column("shop_id", sa.Text(), nullable=False),
        sa.Column("appeal_id", sa.Text(), nullable=False),
        sa.Column("account_hash", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "appeal_id"),
    )
    op.create_index("ix_malicious_actor_listings_account", "malicious_actor_listings", ["account_hash"])

    # Append-only in the database too: UPDATE, DELETE and TRUNCATE of the log's tables raise, whatever
    # the client. (One statement per execute: asyncpg prepares each, and a prepared statement holds one.)
    op.execute(
        """
        CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'evidence log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
        END $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION evidence_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only()"
        )
    # log_state is updated by every append, but it only grows and is never removed.
    op.execute(
        """
        CREATE FUNCTION evidence_log_state_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'UPDATE' THEN
            RAISE EXCEPTION 'log_state: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
          END IF;
          IF NEW.tree_size < OLD.tree_size THEN
            RAISE EXCEPTION 'log_state: tree_size may not shrink (% -> %)', OLD.tree_size, NEW.tree_size
              USING ERRCODE = 'restrict_violation';
          END IF;
          RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER log_state_only_grows BEFORE UPDATE OR DELETE ON log_state "
        "FOR EACH ROW EXECUTE FUNCTION evidence_log_state_only_grows()"
    )
    op.execute(
        "CREATE TRIGGER log_state_no_truncate BEFORE TRUNCATE ON log_state "
        "FOR EACH STATEMENT EXECUTE FUNCTION evidence_log_state_only_grows()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS log_state_no_truncate ON log_state")
    op.execute("DROP TRIGGER IF EXISTS log_state_only_grows ON log_state")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS evidence_log_state_only_grows()")
    op.execute("DROP FUNCTION IF EXISTS evidence_append_only()")
    for table in (
        "malicious_actor_listings",
        "malicious_actors",
        "appeals",
        "suspected_reviews",
        "log_keys",
        "tree_heads",
        "merkle_nodes",
        "evidence_entries",
        "log_state",
    ):
        op.drop_table(table)
