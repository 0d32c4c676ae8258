"""A consistent, read-only view of the whole log for verification: one REPEATABLE READ transaction, read in
pages by index (never the whole log in memory), Merkle nodes fetched as one byte string per level range."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import asyncpg

from libs.db import asyncpg_url
from services.evidence.domain.signing import PublicKey, SignedTreeHead, TreeHead


def plain_url(url: str) -> str:
    """asyncpg's own driver wants postgresql://, not SQLAlchemy's postgresql+asyncpg://."""
    return "postgresql://" + asyncpg_url(url).split("://", 1)[1]


_PAGE = (
    "SELECT idx, shop_id, leaf, prev_entry_hash, entry_hash FROM evidence_entries WHERE idx >= $1 ORDER BY idx LIMIT $2"
)
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
_NODE_INDEXES = "SELECT idx FROM merkle_nodes WHERE level = $1 AND idx BETWEEN $2 AND $3 ORDER BY idx"


class LogSnapshot:
    """``async with LogSnapshot(url) as snap:`` every read sees the same committed state of the log.

    Two connections share one exported snapshot: entry pages stream on one while Merkle nodes, heads and
    the state row are read on the other, so the next page is on its way while a page is being checked.
    """

    def __init__(self, url: str) -> None:
        self._url = plain_url(url)
        self._pages: Any = None  # entry pages
        self._conn: Any = None  # everything else

    async def __aenter__(self) -> Self:
        self._pages = await asyncpg.connect(self._url)
        try:
            await self._pages.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot_id = await self._pages.fetchval("SELECT pg_export_snapshot()")
            self._conn = await asyncpg.connect(self._url)
            await self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            await self._conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
        except BaseException:
            await self._close()
            raise
        return self

    async def _close(self) -> None:
        for conn in (self._conn, self._pages):
            if conn is not None:
                await conn.close()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()

    async def state(self) -> tuple[int, bytes, bytes]:
        """(tree_size, last_entry_hash, frontier bytes) of log_state."""
        row = await self._conn.fetchrow("SELECT tree_size, last_entry_hash, frontier FROM log_state WHERE id = 1")
        return row["tree_size"], bytes(row["last_entry_hash"]), bytes(row["frontier"])

    async def heads(self) -> list[tuple[int, SignedTreeHead, bytes]]:
        """Every signed head in order: (seq, head, stored head_hash)."""
        rows = await self._conn.fetch(
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
        rows = await self._conn.fetch("SELECT key_id, public_key FROM log_keys")
        keys = {}
        for r in rows:
            key = PublicKey.from_raw(bytes(r["public_key"]))
            if key.key_id == r["key_id"]:  # a row whose id does not match its key is not trusted
                keys[key.key_id] = key
        return keys

    async def page(self, first_index: int, limit: int) -> Sequence[Any]:
        """Up to ``limit`` entries from ``first_index`` on, by index (records unpack as audit rows)."""
        return await self._pages.fetch(_PAGE, first_index, limit)  # type: ignore[no-any-return]

    async def nodes(self, ranges: Sequence[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]:
        """For each (level, first, count): (how many nodes exist, their hashes concatenated in order)."""
        if not ranges:
            return {}
        rows = await self._conn.fetch(
            _NODES,
            [level for level, _, _ in ranges],
            [first for _, first, _ in ranges],
            [first + count - 1 for _, first, count in ranges],
        )
        return {r["level"]: (r["found"], bytes(r["hashes"] or b"")) for r in rows}

    async def node_indexes(self, level: int, first: int, last: int) -> list[int]:
        rows = await self._conn.fetch(_NODE_INDEXES, level, first, last)
        return [r["idx"] for r in rows]

    async def node_count(self) -> int:
        return int(await self._conn.fetchval("SELECT count(*) FROM merkle_nodes"))
