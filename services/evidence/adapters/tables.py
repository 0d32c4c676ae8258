"""Evidence's tables (SQLAlchemy Core).

The log itself is cross-shop (one global index space): ``evidence_entries``, ``merkle_nodes``,
``tree_heads`` and ``log_keys`` are append-only (triggers in migration evidence_0002 raise on UPDATE,
DELETE and TRUNCATE) and ``log_state`` is the one row every append locks. Shop-owned rows (suspicions,
appeals) have keys starting with ``shop_id``; the malicious-actor registry is platform-wide and holds
keyed hashes only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

TZ = sa.DateTime(timezone=True)
TEXTS = postgresql.ARRAY(sa.Text)
INDEXES = postgresql.ARRAY(sa.BigInteger)

# The serialisation point of appends: one row, locked FOR UPDATE by every appending transaction.
log_state = sa.Table(
    "log_state",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("last_entry_hash", sa.LargeBinary, nullable=False),
    # The right frontier of the tree: one 32-byte perfect-subtree hash per set bit of tree_size, concatenated.
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_log_state_single_row"),
    sa.CheckConstraint("tree_size >= 0", name="ck_log_state_size"),
    sa.CheckConstraint("length(last_entry_hash) = 32", name="ck_log_state_last_hash"),
)

evidence_entries = sa.Table(
    "evidence_entries",
    metadata,
    sa.Column("idx", sa.BigInteger, primary_key=True),
    sa.Column("shop_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("recorded_at", TZ, nullable=False),
    # The canonical bytes of the entry (FORMAT.md section 2): the Merkle leaf and the chain input. Every
    # field served to clients is parsed from these bytes; the columns above exist only to filter on.
    sa.Column("leaf", sa.LargeBinary, nullable=False),
    sa.Column("prev_entry_hash", sa.LargeBinary, nullable=False),
    sa.Column("entry_hash", sa.LargeBinary, nullable=False),
    sa.Column("idempotency_key", sa.Text),
    # SHA-256 of the request's canonical fields, to tell a replay from a reuse of the key with another body.
    sa.Column("request_hash", sa.LargeBinary),
    sa.CheckConstraint("idx >= 0", name="ck_evidence_entries_idx"),
    sa.CheckConstraint("length(prev_entry_hash) = 32", name="ck_evidence_entries_prev_hash"),
    sa.CheckConstraint("length(entry_hash) = 32", name="ck_evidence_entries_entry_hash"),
    sa.CheckConstraint("(idempotency_key IS NULL) = (request_hash IS NULL)", name="ck_evidence_entries_idem"),
    sa.Index("ix_evidence_entries_shop", "shop_id", "idx"),
    sa.Index("ix_evidence_entries_case", "shop_id", "case_id", "idx"),
    sa.Index(
        "uq_evidence_entries_idempotency",
        "shop_id",
        "idempotency_key",
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    ),
)

# Perfect subtrees only: node (level, idx) covers leaves [idx * 2**level, (idx + 1) * 2**level).
merkle_nodes = sa.Table(
    "merkle_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True),
    sa.Column("idx", sa.BigInteger, primary_key=True),
    sa.Column("hash", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("length(hash) = 32", name="ck_merkle_nodes_hash"),
    sa.CheckConstraint("level >= 0 AND level < 63 AND idx >= 0", name="ck_merkle_nodes_key"),
)

# The chain of signed heads: head seq n carries SHA-256 of head n-1's canonical bytes.
tree_heads = sa.Table(
    "tree_heads",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("root_hash", sa.LargeBinary, nullable=False),
    sa.Column("prev_head_hash", sa.LargeBinary, nullable=False),
    sa.Column("timestamp", TZ, nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("signature", sa.Text, nullable=False),
    # SHA-256 of the canonical head (without signature): the next head's prev_head_hash.
    sa.Column("head_hash", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("seq >= 0 AND tree_size >= 0", name="ck_tree_heads_numbers"),
    sa.CheckConstraint("length(root_hash) = 32", name="ck_tree_heads_root"),
    sa.CheckConstraint("length(prev_head_hash) = 32", name="ck_tree_heads_prev"),
    sa.CheckConstraint("length(head_hash) = 32", name="ck_tree_heads_hash"),
    sa.Index("ix_tree_heads_size", "tree_size"),
)

# Every public key that ever signed a head (published so old heads and bundles stay verifiable).
log_keys = sa.Table(
    "log_keys",
    metadata,
    sa.Column("key_id", sa.Text, primary_key=True),
    sa.Column("algorithm", sa.Text, nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("first_used_at", TZ, nullable=False),
    sa.CheckConstraint("length(public_key) = 32", name="ck_log_keys_raw"),
)

# Reviews triage flagged as possibly malicious (FlagSuspectedReview), one per (shop, feedback).
suspected_reviews = sa.Table(
    "suspected_reviews",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("feedback_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("reviewer_id", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reasons", TEXTS, nullable=False),
    sa.Column("text_sha256", sa.Text, nullable=False),
    sa.Column("occurred_at", TZ),
    sa.Column("evidence_index", sa.BigInteger, nullable=False),
    sa.Column("received_at", TZ, nullable=False),
)

appeals = sa.Table(
    "appeals",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("review_feedback_id", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("evidence_indexes", INDEXES, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("reviewer_account_id", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("submitted_at", TZ),
    sa.Column("decided_at", TZ),
    sa.Column("decided_by", sa.Text),
    sa.Column("decision_note", sa.Text, nullable=False, server_default=""),
    sa.Column("idempotency_key", sa.Text),
    sa.Column("request_hash", sa.LargeBinary),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'accepted', 'rejected')", name="ck_appeals_state"),
    sa.Index("ix_appeals_created", "shop_id", "created_at", "id"),
    sa.Index(
        "uq_appeals_open_review",
        "shop_id",
        "review_feedback_id",
        unique=True,
        postgresql_where=sa.text("state <> 'rejected'"),
    ),
    sa.Index(
        "uq_appeals_idempotency",
        "shop_id",
        "idempotency_key",
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    ),
)

# The platform-wide registry: one row per listed account, keyed by HMAC-SHA256(registry key, account id).
malicious_actors = sa.Table(
    "malicious_actors",
    metadata,
    sa.Column("account_hash", sa.LargeBinary, primary_key=True),
    sa.Column("reasons", TEXTS, nullable=False),
    sa.Column("listings", sa.Integer, nullable=False),
    sa.Column("first_listed_at", TZ, nullable=False),
    sa.Column("last_listed_at", TZ, nullable=False),
    sa.CheckConstraint("length(account_hash) = 32", name="ck_malicious_actors_hash"),
    sa.Index("ix_malicious_actors_recent", "last_listed_at", "account_hash"),
)

# Which accepted appeal listed which account (a shop's appeal lists at most one account, once).
malicious_actor_listings = sa.Table(
    "malicious_actor_listings",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("appeal_id", sa.Text, primary_key=True),
    sa.Column("account_hash", sa.LargeBinary, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("listed_at", TZ, nullable=False),
    sa.Index("ix_malicious_actor_listings_account", "account_hash"),
)
