"""Evidence persistence: the log (state row, entries, Merkle nodes), heads and keys, suspicions, appeals,
the registry. Bulk writes go through ``unnest`` so a batch of a thousand entries is one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.evidence.adapters import tables as t
from services.evidence.domain.chain import ChainRecord
from services.evidence.domain.errors import MissingNode
from services.evidence.domain.merkle import HASH_SIZE, Frontier, NodeKey
from services.evidence.domain.signing import PublicKey, SignedTreeHead, TreeHead


@dataclass(frozen=True)
class LogState:
    tree_size: int
    last_entry_hash: bytes
    frontier: Frontier


@dataclass(frozen=True)
class NewEntry:
    """One row of ``evidence_entries`` about to be written."""

    record: ChainRecord
    shop_id: str
    case_id: str
    kind: str
    recorded_at: datetime
    idempotency_key: str | None
    request_hash: bytes | None


@dataclass(frozen=True)
class StoredEntry:
    record: ChainRecord
    shop_id: str
    idempotency_key: str | None
    request_hash: bytes | None


@dataclass(frozen=True)
class StoredHead:
    seq: int
    head: SignedTreeHead


def _frontier(size: int, data: bytes) -> Frontier:
    data = bytes(data)
    return Frontier(size, tuple(data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)))


def _record(row: Any) -> ChainRecord:
    return ChainRecord(row.idx, bytes(row.leaf), bytes(row.prev_entry_hash), bytes(row.entry_hash))


# One round trip per append transaction: the entries, the nodes that became complete and the new state.
_APPEND = sa.text(
    """
    WITH entries AS (
        INSERT INTO evidence_entries (idx, shop_id, case_id, kind, recorded_at, leaf, prev_entry_hash, entry_hash,
                                      idempotency_key, request_hash)
        SELECT * FROM unnest(
            CAST(:idx AS bigint[]), CAST(:shop_id AS text[]), CAST(:case_id AS text[]), CAST(:kind AS text[]),
            CAST(:recorded_at AS timestamptz[]), CAST(:leaf AS bytea[]), CAST(:prev AS bytea[]),
            CAST(:entry_hash AS bytea[]), CAST(:idem AS text[]), CAST(:request_hash AS bytea[]))
    ), nodes AS (
        INSERT INTO merkle_nodes (level, idx, hash)
        SELECT * FROM unnest(CAST(:node_level AS smallint[]), CAST(:node_idx AS bigint[]), CAST(:node_hash AS bytea[]))
    )
    UPDATE log_state SET tree_size = :tree_size, last_entry_hash = :last_entry_hash, frontier = :frontier,
                         updated_at = :now
    WHERE id = 1
    """
)
# LATERAL: one primary-key lookup per wanted node, whatever the planner thinks of unnest's row count.
_GET_NODES = sa.text(
    "SELECT k.level, k.idx, n.hash "
    "FROM unnest(CAST(:level AS smallint[]), CAST(:idx AS bigint[])) AS k(level, idx) "
    "CROSS JOIN LATERAL (SELECT hash FROM merkle_nodes WHERE level = k.level AND idx = k.idx) AS n"
)


class NodeStore:
    """``AsyncNodeReader`` over ``merkle_nodes``: every proof's nodes in one round trip."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, keys: Sequence[NodeKey]) -> list[bytes]:
        if not keys:
            return []
        rows = await self.session.execute(
            _GET_NODES, {"level": [k.level for k in keys], "idx": [k.index for k in keys]}
        )
        found = {(r.level, r.idx): bytes(r.hash) for r in rows}
        out = []
        for key in keys:
            value = found.get((key.level, key.index))
            if value is None:
                raise MissingNode(key.level, key.index)
            out.append(value)
        return out


class LogRepository:
    """The log's state row and its entries. Reads of entries always filter on the shop."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.nodes = NodeStore(session)

    async def lock_state(self) -> LogState:
        """The state row, locked until the transaction ends: appends are serialised here, across replicas."""
        row = (
            await self.session.execute(
                sa.select(t.log_state.c.tree_size, t.log_state.c.last_entry_hash, t.log_state.c.frontier)
                .where(t.log_state.c.id == 1)
                .with_for_update()
            )
        ).one()
        return LogState(row.tree_size, bytes(row.last_entry_hash), _frontier(row.tree_size, row.frontier))

    async def state(self) -> LogState:
        row = (
            await self.session.execute(
                sa.select(t.log_state.c.tree_size, t.log_state.c.last_entry_hash, t.log_state.c.frontier).where(
                    t.log_state.c.id == 1
                )
            )
        ).one()
        return LogState(row.tree_size, bytes(row.last_entry_hash), _frontier(row.tree_size, row.frontier))

    async def tree_size(self) -> int:
        return int((await self.session.execute(sa.select(t.log_state.c.tree_size))).scalar_one())

    async def by_idempotency_keys(self, shop_id: str, keys: Sequence[str]) -> dict[str, StoredEntry]:
        if not keys:
            return {}
        rows = await self.session.execute(
            sa.select(
                t.evidence_entries.c.idx,
                t.evidence_entries.c.shop_id,
                t.evidence_entries.c.leaf,
                t.evidence_entries.c.prev_entry_hash,
                t.evidence_entries.c.entry_hash,
                t.evidence_entries.c.idempotency_key,
                t.evidence_entries.c.request_hash,
            ).where(
                t.evidence_entries.c.shop_id == shop_id,
                t.evidence_entries.c.idempotency_key.in_(list(set(keys))),
            )
        )
        return {
            r.idempotency_key: StoredEntry(_record(r), r.shop_id, r.idempotency_key, bytes(r.request_hash))
            for r in rows
        }

    async def append(
        self,
        entries: Sequence[NewEntry],
        nodes: Sequence[tuple[NodeKey, bytes]],
        frontier: Frontier,
        now: datetime,
    ) -> None:
        """Write appended entries, their completed Merkle nodes and the new state in one statement."""
        await self.session.execute(
            _APPEND,
            {
                "idx": [e.record.index for e in entries],
                "shop_id": [e.shop_id for e in entries],
                "case_id": [e.case_id for e in entries],
                "kind": [e.kind for e in entries],
                "recorded_at": [e.recorded_at for e in entries],
                "leaf": [e.record.leaf for e in entries],
                "prev": [e.record.prev_entry_hash for e in entries],
                "entry_hash": [e.record.entry_hash for e in entries],
                "idem": [e.idempotency_key for e in entries],
                "request_hash": [e.request_hash for e in entries],
                "node_level": [k.level for k, _ in nodes],
                "node_idx": [k.index for k, _ in nodes],
                "node_hash": [h for _, h in nodes],
                "tree_size": frontier.size,
                "last_entry_hash": entries[-1].record.entry_hash,
                "frontier": b"".join(frontier.hashes),
                "now": now,
            },
        )

    def _entries(self, shop_id: str) -> sa.Select[Any]:
        e = t.evidence_entries.c
        return sa.select(e.idx, e.leaf, e.prev_entry_hash, e.entry_hash).where(e.shop_id == shop_id)

    async def get(self, shop_id: str, index: int) -> ChainRecord | None:
        row = (await self.session.execute(self._entries(shop_id).where(t.evidence_entries.c.idx == index))).first()
        return None if row is None else _record(row)

    async def get_many(self, shop_id: str, indexes: Sequence[int]) -> list[ChainRecord]:
        if not indexes:
            return []
        rows = await self.session.execute(
            self._entries(shop_id).where(t.evidence_entries.c.idx.in_(list(indexes))).order_by(t.evidence_entries.c.idx)
        )
        return [_record(r) for r in rows]

    async def existing_indexes(self, shop_id: str, indexes: Sequence[int]) -> set[int]:
        """Which of ``indexes`` are entries of this shop (another shop's index counts as absent)."""
        if not indexes:
            return set()
        e = t.evidence_entries.c
        rows = await self.session.execute(sa.select(e.idx).where(e.shop_id == shop_id, e.idx.in_(list(indexes))))
        return {r.idx for r in rows}

    async def list(
        self, shop_id: str, *, after: int | None, limit: int, case_id: str = "", kind: str = ""
    ) -> list[ChainRecord]:
        e = t.evidence_entries.c
        stmt = self._entries(shop_id)
        if case_id:
            stmt = stmt.where(e.case_id == case_id)
        if kind:
            stmt = stmt.where(e.kind == kind)
        if after is not None:
            stmt = stmt.where(e.idx > after)
        rows = await self.session.execute(stmt.order_by(e.idx).limit(limit))
        return [_record(r) for r in rows]


def _head_from_row(row: Any) -> StoredHead:
    head = TreeHead(
        tree_size=row.tree_size,
        root_hash=bytes(row.root_hash).hex(),
        prev_head_hash=bytes(row.prev_head_hash).hex(),
        timestamp=row.timestamp,
        key_id=row.key_id,
    )
    return StoredHead(row.seq, SignedTreeHead(head, row.signature))


class HeadRepository:
    """Signed tree heads (a chain: each carries the previous head's hash) and the keys that signed them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self) -> None:
        """Serialise head signing across replicas without blocking appends (which lock log_state)."""
        await self.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('kintsugi.evidence.heads'))"))

    async def latest(self) -> StoredHead | None:
        row = (await self.session.execute(sa.select(t.tree_heads).order_by(t.tree_heads.c.seq.desc()).limit(1))).first()
        return None if row is None else _head_from_row(row)

    async def covering(self, tree_size: int) -> StoredHead | None:
        """The earliest head whose tree has at least ``tree_size`` leaves."""
        row = (
            await self.session.execute(
                sa.select(t.tree_heads)
                .where(t.tree_heads.c.tree_size >= tree_size)
                .order_by(t.tree_heads.c.tree_size)
                .limit(1)
            )
        ).first()
        return None if row is None else _head_from_row(row)

    async def add(self, seq: int, head: SignedTreeHead) -> None:
        h = head.head
        await self.session.execute(
            t.tree_heads.insert().values(
                seq=seq,
                tree_size=h.tree_size,
                root_hash=bytes.fromhex(h.root_hash),
                prev_head_hash=bytes.fromhex(h.prev_head_hash),
                timestamp=h.timestamp,
                key_id=h.key_id,
                signature=head.signature,
                head_hash=head.head_hash(),
            )
        )

    async def register_key(self, key: PublicKey, now: datetime) -> None:
        await self.session.execute(
            postgresql.insert(t.log_keys)
            .values(key_id=key.key_id, algorithm="Ed25519", public_key=key.raw, first_used_at=now)
            .on_conflict_do_nothing()
        )

    async def keys(self) -> list[tuple[PublicKey, datetime]]:
        rows = await self.session.execute(sa.select(t.log_keys).order_by(t.log_keys.c.first_used_at.desc()))
        return [(PublicKey.from_raw(bytes(r.public_key)), r.first_used_at) for r in rows]

    async def list(self, *, after_seq: int | None, limit: int) -> list[StoredHead]:
        stmt = sa.select(t.tree_heads).order_by(t.tree_heads.c.seq).limit(limit)
        if after_seq is not None:
            stmt = stmt.where(t.tree_heads.c.seq > after_seq)
        return [_head_from_row(r) for r in await self.session.execute(stmt)]


@dataclass(frozen=True)
class Suspicion:
    shop_id: str
    feedback_id: str
    case_id: str
    reviewer_id: str
    score: float
    reasons: tuple[str, ...]
    text_sha256: str
    occurred_at: datetime | None
    evidence_index: int
    received_at: datetime


class SuspicionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, s: Suspicion) -> bool:
        """False when (shop, feedback) was flagged before; the caller then does nothing."""
        stmt = (
            postgresql.insert(t.suspected_reviews)
            .values(
                shop_id=s.shop_id,
                feedback_id=s.feedback_id,
                case_id=s.case_id,
                reviewer_id=s.reviewer_id,
                score=s.score,
                reasons=list(s.reasons),
                text_sha256=s.text_sha256,
                occurred_at=s.occurred_at,
                evidence_index=s.evidence_index,
                received_at=s.received_at,
            )
            .on_conflict_do_nothing()
            .returning(t.suspected_reviews.c.feedback_id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def get(self, shop_id: str, feedback_id: str) -> Suspicion | None:
        row = (
            await self.session.execute(
                sa.select(t.suspected_reviews).where(
                    t.suspected_reviews.c.shop_id == shop_id, t.suspected_reviews.c.feedback_id == feedback_id
                )
            )
        ).first()
        if row is None:
            return None
        m = row._mapping
        return Suspicion(**{**m, "reasons": tuple(m["reasons"])})


@dataclass
class AppealRow:
    shop_id: str
    id: str
    review_feedback_id: str
    reason: str
    evidence_indexes: tuple[int, ...]
    state: str
    reviewer_account_id: str
    created_by: str
    created_at: datetime
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_note: str = ""
    idempotency_key: str | None = None
    request_hash: bytes | None = None


def _appeal(row: Any) -> AppealRow:
    m = dict(row._mapping)
    m["evidence_indexes"] = tuple(m["evidence_indexes"])
    if m["request_hash"] is not None:
        m["request_hash"] = bytes(m["request_hash"])
    return AppealRow(**m)


class AppealRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, appeal: AppealRow) -> None:
        values = {**appeal.__dict__, "evidence_indexes": list(appeal.evidence_indexes)}
        await self.session.execute(t.appeals.insert().values(**values))

    async def get(self, shop_id: str, appeal_id: str, *, for_update: bool = False) -> AppealRow | None:
        stmt = sa.select(t.appeals).where(t.appeals.c.shop_id == shop_id, t.appeals.c.id == appeal_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else _appeal(row)

    async def by_idempotency_key(self, shop_id: str, key: str) -> AppealRow | None:
        row = (
            await self.session.execute(
                sa.select(t.appeals).where(t.appeals.c.shop_id == shop_id, t.appeals.c.idempotency_key == key)
            )
        ).first()
        return None if row is None else _appeal(row)

    async def save(self, appeal: AppealRow) -> None:
        await self.session.execute(
            t.appeals.update()
            .where(t.appeals.c.shop_id == appeal.shop_id, t.appeals.c.id == appeal.id)
            .values(
                state=appeal.state,
                submitted_at=appeal.submitted_at,
                decided_at=appeal.decided_at,
                decided_by=appeal.decided_by,
                decision_note=appeal.decision_note,
            )
        )

    async def list(
        self, shop_id: str, *, after: tuple[datetime, str] | None, limit: int, state: str = ""
    ) -> list[AppealRow]:
        a = t.appeals.c
        stmt = sa.select(t.appeals).where(a.shop_id == shop_id)
        if state:
            stmt = stmt.where(a.state == state)
        if after is not None:
            stmt = stmt.where(sa.tuple_(a.created_at, a.id) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
        rows = await self.session.execute(stmt.order_by(a.created_at.desc(), a.id.desc()).limit(limit))
        return [_appeal(r) for r in rows]


@dataclass(frozen=True)
class ListedActor:
    account_hash: bytes
    reasons: tuple[str, ...]
    listings: int
    shops: int
    first_listed_at: datetime
    last_listed_at: datetime


class RegistryRepository:
    """The platform-wide registry (keyed hashes only)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_account(
        self, *, account_hash: bytes, shop_id: str, appeal_id: str, reason: str, now: datetime
    ) -> None:
        inserted = (
            await self.session.execute(
                postgresql.insert(t.malicious_actor_listings)
                .values(shop_id=shop_id, appeal_id=appeal_id, account_hash=account_hash, reason=reason, listed_at=now)
                .on_conflict_do_nothing()
                .returning(t.malicious_actor_listings.c.appeal_id)
            )
        ).first()
        if inserted is None:
            return
        m = t.malicious_actors
        stmt = postgresql.insert(m).values(
            account_hash=account_hash, reasons=[reason], listings=1, first_listed_at=now, last_listed_at=now
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[m.c.account_hash],
                set_={
                    "listings": m.c.listings + 1,
                    "last_listed_at": now,
                    "reasons": sa.case(
                        (m.c.reasons.any(reason), m.c.reasons),
                        else_=sa.func.array_append(m.c.reasons, reason),
                    ),
                },
            )
        )

    def _select(self) -> sa.Select[Any]:
        m, listing = t.malicious_actors, t.malicious_actor_listings
        shops = (
            sa.select(sa.func.count(sa.distinct(listing.c.shop_id)))
            .where(listing.c.account_hash == m.c.account_hash)
            .scalar_subquery()
        )
        return sa.select(
            m.c.account_hash,
            m.c.reasons,
            m.c.listings,
            shops.label("shops"),
            m.c.first_listed_at,
            m.c.last_listed_at,
        )

    async def get(self, account_hash: bytes) -> ListedActor | None:
        row = (
            await self.session.execute(self._select().where(t.malicious_actors.c.account_hash == account_hash))
        ).first()
        return None if row is None else _actor(row)

    async def list(self, *, after: tuple[datetime, bytes] | None, limit: int) -> list[ListedActor]:
        m = t.malicious_actors.c
        stmt = self._select()
        if after is not None:
            stmt = stmt.where(
                sa.tuple_(m.last_listed_at, m.account_hash) < sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        rows = await self.session.execute(stmt.order_by(m.last_listed_at.desc(), m.account_hash.desc()).limit(limit))
        return [_actor(r) for r in rows]


def _actor(row: Any) -> ListedActor:
    return ListedActor(
        account_hash=bytes(row.account_hash),
        reasons=tuple(row.reasons),
        listings=row.listings,
        shops=row.shops,
        first_listed_at=row.first_listed_at,
        last_listed_at=row.last_listed_at,
    )
