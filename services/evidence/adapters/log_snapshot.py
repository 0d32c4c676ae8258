"""A consistent, read-only view of the whole log for verification: REPEATABLE READ transactions sharing one
exported snapshot, entries read by index range (never the whole log in memory), Merkle nodes fetched as one
byte string per level range."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import asyncpg

from libs.db import asyncpg_url
from services.evidence.domain.audit import EntryColumns
from services.evidence.domain.signing import PublicKey, SignedTreeHead, TreeHead


def plain_url(url: str) -> str:
    """asyncpg's own driver wants postgresql://, not SQLAlchemy's postgresql+asyncpg://."""
    return "postgresql://" + asyncpg_url(url).split("://", 1)[1]


_RANGE = (
    "SELECT idx, shop_id, leaf, prev_entry_hash, entry_hash FROM evidence_entries "
    "WHERE idx >= $1 AND idx < $2 ORDER BY idx"
)
# The same range as one row of whole columns: PostgreSQL gathers them before sending anything, so it works on
# the next range while the verifier hashes this one, and the driver decodes five values instead of five per
# entry. The idx column comes as int8send bytes and the fixed-size hashes concatenated. The order is the
# subquery's; the verifier checks the index sequence itself.
_COLUMNS = """
SELECT string_agg(int8send(e.idx), ''::bytea) AS indexes,
       array_agg(e.shop_id) AS shops,
       array_agg(e.leaf) AS leaves,
       string_agg(e.prev_entry_hash, ''::bytea) AS prev_hashes,
       string_agg(e.entry_hash, ''::bytea) AS entry_hashes
FROM (
    SELECT idx, shop_id, leaf, prev_entry_hash, entry_hash FROM evidence_entries
    WHERE idx >= $1 AND idx < $2 ORDER BY idx
) AS e
"""
# LATERAL keeps each level's range an index range scan (a plain join makes the planner scan the table).
_NODES = """
SELECT r.level, agg.found, agg.hashes
FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS r(level, lo, hi)
CROSS JOIN LATERAL (
    SELECT count(*) AS found, string_agg(n.hash, ''::bytea ORDER BY n.idx) AS hashes
    FROM merkle_nodes n
    WHERE n.level = r.level AND n.idx BETWEEN r.lo AND r.hi
) AS agg
"""
# The same, for reading a whole range's nodes ahead of its check: the rows come from an ordered index scan (the
# LIMIT makes it one, instead of a bitmap scan and a sort) and are concatenated in that order, which is about
# a third cheaper than the ordered aggregate above. The verifier compares the result with the nodes it
# recomputed and re-reads any difference with _NODES, which alone names problems.
_RANGE_NODES = """
SELECT r.level, agg.found, agg.hashes
FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS r(level, lo, hi)
CROSS JOIN LATERAL (
    SELECT count(*) AS found, string_agg(s.hash, ''::bytea) AS hashes
    FROM (
        SELECT n.hash FROM merkle_nodes n
        WHERE n.level = r.level AND n.idx BETWEEN r.lo AND r.hi ORDER BY n.idx LIMIT r.hi - r.lo + 1
    ) AS s
) AS agg
"""
# Range reads are small index scans: no parallel plans (which could also reorder the aggregated columns).
_SERIAL_PLANS = "SET LOCAL max_parallel_workers_per_gather = 0"
_NODE_INDEXES = "SELECT idx FROM merkle_nodes WHERE level = $1 AND idx BETWEEN $2 AND $3 ORDER BY idx"


async def join_snapshot(url: str, snapshot_id: str) -> Any:
    """A connection whose read-only transaction sees exactly the exported snapshot ``snapshot_id``."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
        await conn.execute(_SERIAL_PLANS)
    except BaseException:
        await conn.close()
        raise
    return conn


_COLUMN_MISMATCH = """
SELECT min(idx) AS idx FROM (
    SELECT idx, case_id, kind, recorded_at, convert_from(leaf, 'UTF8')::jsonb AS doc
    FROM evidence_entries WHERE idx < $1
) AS e
WHERE doc->>'case_id' IS DISTINCT FROM case_id
   OR doc->>'kind' IS DISTINCT FROM kind
   OR (doc->>'recorded_at')::timestamptz IS DISTINCT FROM recorded_at
"""


class SnapshotReader:
    """The log's reads on one connection (inside a snapshot), one query at a time."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self._lock:
            return await self.conn.fetch(sql, *args)  # type: ignore[no-any-return]

    async def entries(self, first_index: int, end_index: int) -> Sequence[Any]:
        """The stored entries with first_index <= idx < end_index, by index (records unpack as audit rows)."""
        return await self._fetch(_RANGE, first_index, end_index)

    async def entry_columns(self, first_index: int, end_index: int) -> EntryColumns:
        """The same entries as ``entries``, column by column (``ChunkChecker.check_columns`` checks them)."""
        (row,) = await self._fetch(_COLUMNS, first_index, end_index)
        return EntryColumns(
            row["indexes"] or b"",
            row["shops"] or [],
            row["leaves"] or [],
            row["prev_hashes"] or b"",
            row["entry_hashes"] or b"",
        )

    async def entries_from(self, first_index: int) -> int:
        """How many entries have an index >= first_index (rows beyond the recorded size)."""
        rows = await self._fetch("SELECT count(*) AS n FROM evidence_entries WHERE idx >= $1", first_index)
        return int(rows[0]["n"])

    async def first_column_mismatch(self, end_index: int) -> int | None:
        """The lowest index below end_index whose case_id, kind or recorded_at column (what lists filter on)
        is not what its canonical bytes say; None when every one agrees. Only for verified leaves."""
        rows = await self._fetch(_COLUMN_MISMATCH, end_index)
        return None if rows[0]["idx"] is None else int(rows[0]["idx"])

    async def nodes(self, ranges: Sequence[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]:
        """For each (level, first, count): (how many nodes exist, their hashes concatenated in order)."""
        return await self._nodes(_NODES, ranges)

    async def range_nodes(self, ranges: Sequence[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]:
        """As ``nodes``, for a range's own nodes read ahead of its check (``_RANGE_NODES``)."""
        return await self._nodes(_RANGE_NODES, ranges)

    async def _nodes(self, sql: str, ranges: Sequence[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]:
        if not ranges:
            return {}
        rows = await self._fetch(
            sql,
            [level for level, _, _ in ranges],
            [first for _, first, _ in ranges],
            [first + count - 1 for _, first, count in ranges],
        )
        return {r["level"]: (r["found"], bytes(r["hashes"] or b"")) for r in rows}

    async def node_indexes(self, level: int, first: int, last: int) -> list[int]:
        return [r["idx"] for r in await self._fetch(_NODE_INDEXES, level, first, last)]

    async def node_count(self) -> int:
        return int((await self._fetch("SELECT count(*) AS n FROM merkle_nodes"))[0]["n"])

    async def state(self) -> tuple[int, bytes, bytes]:
        """(tree_size, last_entry_hash, frontier bytes) of log_state."""
        (row,) = await self._fetch("SELECT tree_size, last_entry_hash, frontier FROM log_state WHERE id = 1")
        return row["tree_size"], bytes(row["last_entry_hash"]), bytes(row["frontier"])

    async def heads(self) -> list[tuple[int, SignedTreeHead, bytes]]:
        """Every signed head in order: (seq, head, stored head_hash)."""
        rows = await self._fetch(
            "SELECT seq, tree_size, root_hash, prev_head_hash, timestamp, key_id, signature, head_hash "
            "FROM tree_heads ORDER BY seq"
        )
        out = []
        for r in rows:
            head = TreeHead(
                tree_size=r["tree_size"],
                root_hash=bytes(r["root_hash"]).hex(),
                prev_head_hash=bytes(r["prev_head_hash"]).hex(),
                timestamp=r["timestamp"],
                key_id=r["key_id"],
            )
            out.append((r["seq"], SignedTreeHead(head, r["signature"]), bytes(r["head_hash"])))
        return out

    async def keys(self) -> dict[str, PublicKey]:
        keys = {}
        for r in await self._fetch("SELECT key_id, public_key FROM log_keys"):
            key = PublicKey.from_raw(bytes(r["public_key"]))
            if key.key_id == r["key_id"]:  # a row whose id does not match its key is not trusted
                keys[key.key_id] = key
        return keys


class LogSnapshot:
    """``async with LogSnapshot(url) as snap:`` every read sees the same committed state of the log.

    Two connections share one exported snapshot (as may worker processes, by ``snapshot_id``): entry ranges
    stream on one while Merkle nodes, heads and the state row are read on the other.
    """

    def __init__(self, url: str) -> None:
        self.url = plain_url(url)
        self.snapshot_id = ""
        self._pages: SnapshotReader | None = None
        self._other: SnapshotReader | None = None

    async def __aenter__(self) -> Self:
        pages = await asyncpg.connect(self.url)
        self._pages = SnapshotReader(pages)
        try:
            await pages.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            await pages.execute(_SERIAL_PLANS)
            self.snapshot_id = await pages.fetchval("SELECT pg_export_snapshot()")
            self._other = SnapshotReader(await join_snapshot(self.url, self.snapshot_id))
        except BaseException:
            await self._close()
            raise
        return self

    async def _close(self) -> None:
        for reader in (self._other, self._pages):
            if reader is not None:
                await reader.conn.close()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()

    async def backend_pids(self) -> list[int]:
        """The PostgreSQL server processes serving this snapshot (to account for their CPU time)."""
        readers = [r for r in (self._pages, self._other) if r is not None]
        return [int(await r.conn.fetchval("SELECT pg_backend_pid()")) for r in readers]

    @property
    def _o(self) -> SnapshotReader:
        assert self._other is not None, "use LogSnapshot in `async with`"
        return self._other

    async def entries(self, first_index: int, end_index: int) -> Sequence[Any]:
        assert self._pages is not None, "use LogSnapshot in `async with`"
        return await self._pages.entries(first_index, end_index)

    async def entry_columns(self, first_index: int, end_index: int) -> EntryColumns:
        assert self._pages is not None, "use LogSnapshot in `async with`"
        return await self._pages.entry_columns(first_index, end_index)

    async def entries_from(self, first_index: int) -> int:
        return await self._o.entries_from(first_index)

    async def first_column_mismatch(self, end_index: int) -> int | None:
        return await self._o.first_column_mismatch(end_index)

    async def nodes(self, ranges: Sequence[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]:
        return await self._o.nodes(ranges)

    async def range_nodes(self, ranges: Sequence[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]:
        return await self._o.range_nodes(ranges)

    async def node_indexes(self, level: int, first: int, last: int) -> list[int]:
        return await self._o.node_indexes(level, first, last)

    async def node_count(self) -> int:
        return await self._o.node_count()

    async def state(self) -> tuple[int, bytes, bytes]:
        return await self._o.state()

    async def heads(self) -> list[tuple[int, SignedTreeHead, bytes]]:
        return await self._o.heads()

    async def keys(self) -> dict[str, PublicKey]:
        return await self._o.keys()
