"""`kintsugi evidence verify`: walk the whole stored log and recompute everything it claims.

In one consistent snapshot, range by range: the hash chain (index, prev link, entry hash, shop column), the
Merkle tree (every stored node compared with the node recomputed from the entries), every signed head
(signature under a published key, the chain of heads, the root at its size) and finally ``log_state``
(size, chain tip, frontier), rows beyond the recorded size and the node count. It stops at the first problem
and names the first bad index. Memory is a few ranges plus the frontier, whatever the size of the log.

Ranges are checked in this process (the next range, its entries column by column and its stored nodes, is read
while one is hashed; any difference re-reads the range row by row to name the problem) or, with ``workers``, by
worker processes that join the same snapshot (``adapters.parallel_check``); either way the tree is folded
and compared here, in order.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.evidence.domain.audit import (
    AuditCode,
    AuditProblem,
    ChunkCheck,
    ChunkChecker,
    EntryColumns,
    LogAuditor,
    subtree_levels,
)
from services.evidence.domain.merkle import HASH_SIZE
from services.evidence.domain.signing import PublicKey, SignedTreeHead

PARALLEL_FROM = 200_000  # entries from which `workers=None` uses worker processes


class Snapshot(Protocol):
    url: str
    snapshot_id: str

    async def state(self) -> tuple[int, bytes, bytes]: ...
    async def heads(self) -> list[tuple[int, SignedTreeHead, bytes]]: ...
    async def keys(self) -> dict[str, PublicKey]: ...
    async def entries(self, first_index: int, end_index: int) -> Sequence[Any]: ...
    async def entry_columns(self, first_index: int, end_index: int) -> EntryColumns: ...
    async def range_nodes(self, ranges: list[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]: ...
    async def entries_from(self, first_index: int) -> int: ...
    async def first_column_mismatch(self, end_index: int) -> int | None: ...
    async def nodes(self, ranges: list[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]: ...
    async def node_indexes(self, level: int, first: int, last: int) -> list[int]: ...
    async def node_count(self) -> int: ...


@dataclass(frozen=True)
class VerifyReport:
    entries: int  # entries checked and found good
    tree_size: int  # the size log_state records
    heads: int  # signed heads checked
    root_hash: str  # the recomputed root of the entries checked
    seconds: float
    problem: AuditProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def entries_per_second(self) -> float:
        return self.entries / self.seconds if self.seconds > 0 else float("inf")


class NodeSource(Protocol):
    async def nodes(self, ranges: list[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]: ...
    async def node_indexes(self, level: int, first: int, last: int) -> list[int]: ...


async def compare_nodes(source: NodeSource, expected: list[tuple[int, int, bytes]]) -> AuditProblem | None:
    """Compare recomputed nodes (level, first index, concatenated hashes) with the stored ones; the
    problem at the lowest entry index, if any."""
    expected = [e for e in expected if e[2]]
    if not expected:
        return None
    ranges = [(level, first, len(data) // HASH_SIZE) for level, first, data in expected]
    stored = await source.nodes(ranges)
    problems: list[tuple[int, AuditProblem]] = []  # (level, problem): the first bad node of each level
    for (level, first, data), (_, _, count) in zip(expected, ranges, strict=True):
        found, hashes = stored.get(level, (0, b""))
        if found < count:  # a row is missing: the concatenation is shifted, so find which one
            present = set(await source.node_indexes(level, first, first + count - 1))
            missing = next(i for i in range(first, first + count) if i not in present)
            lo, hi = missing << level, ((missing + 1) << level) - 1
            problems.append(
                (
                    level,
                    AuditProblem(
                        AuditCode.NODE_MISSING,
                        f"the node store has no Merkle node (level {level}, index {missing}) for entries {lo}..{hi}",
                        lo,
                    ),
                )
            )
            continue
        problem = LogAuditor.compare_nodes(level, first, data, hashes[: len(data)])
        if problem is not None:
            problems.append((level, problem))
    # A changed leaf also changes every node above it: a node whose entries contain a lower level's bad
    # node is explained by it, and the lowest such is the precise answer.
    kept: list[AuditProblem] = []
    for level, problem in sorted(problems, key=lambda lp: lp[0]):
        lo = problem.index if problem.index is not None else -1
        hi = lo + (1 << level) - 1
        if not any(k.index is not None and lo <= k.index <= hi for k in kept):
            kept.append(problem)
    return min(kept, key=lambda p: -1 if p.index is None else p.index) if kept else None


@dataclass(frozen=True)
class RangeAudit:
    """One range of entries checked on its own: the chain inside it, the shop column, every complete Merkle
    subtree inside it (recomputed and compared with the stored nodes)."""

    chunk: ChunkCheck
    end: int
    levels: list[bytes]
    node_problem: AuditProblem | None


class RangeSource(NodeSource, Protocol):
    async def entries(self, first_index: int, end_index: int) -> Sequence[Any]: ...
    async def entry_columns(self, first_index: int, end_index: int) -> EntryColumns: ...
    async def range_nodes(self, ranges: list[tuple[int, int, int]]) -> dict[int, tuple[int, bytes]]: ...


def subtrees_inside(first: int, end: int) -> list[tuple[int, int, int]]:
    """(level, first node index, count) of every complete perfect subtree inside [first, end), ``first`` a
    multiple of a power of two >= end - first: what ``subtree_levels`` recomputes for the whole range."""
    count = end - first
    return [(level, first >> level, count >> level) for level in range(count.bit_length())]


@dataclass(frozen=True)
class FetchedRange:
    """A range's stored entries (column by column) and its stored Merkle nodes, read ahead of its check."""

    first: int
    end: int
    columns: EntryColumns
    nodes: dict[int, tuple[int, bytes]]


async def fetch_range(source: RangeSource, first: int, end: int) -> FetchedRange:
    """Read [first, end)'s entries and nodes (on the source's two connections, at the same time)."""
    columns, nodes = await asyncio.gather(
        source.entry_columns(first, end), source.range_nodes(subtrees_inside(first, end))
    )
    return FetchedRange(first, end, columns, nodes)


async def audit_fetched(source: RangeSource, checker: ChunkChecker, fetched: FetchedRange) -> RangeAudit:
    """Check a fetched range: the whole columns at once, and when anything is off the rows one by one, read
    again, so the problem is named exactly as the row-by-row check names it."""
    first, end = fetched.first, fetched.end
    chunk = checker.check_columns(fetched.columns, first)
    if chunk is None:
        chunk = checker.check(await source.entries(first, end), first)
    levels = subtree_levels(chunk.leaf_hashes)
    stored = fetched.nodes
    if chunk.good == end - first and all(
        stored.get(level) == (len(data) // HASH_SIZE, data) for level, data in enumerate(levels)
    ):
        return RangeAudit(chunk, end, levels, None)  # every node of the range is stored and equal
    problem = await compare_nodes(source, [(level, first >> level, data) for level, data in enumerate(levels)])
    return RangeAudit(chunk, end, levels, problem)


async def audit_range(source: RangeSource, checker: ChunkChecker, first: int, end: int) -> RangeAudit:
    """Check entries [first, end); ``first`` is a multiple of a power of two >= end - first."""
    return await audit_fetched(source, checker, await fetch_range(source, first, end))


async def _read_ahead(source: RangeSource, first: int, end: int) -> asyncio.Future[FetchedRange]:
    """Start reading a range and return once its queries are sent: PostgreSQL then works on them while
    this process hashes the range before (which never yields to the event loop)."""
    future = asyncio.ensure_future(fetch_range(source, first, end))
    for _ in range(3):  # the task, then gather's two children, each run up to their first wait on the socket
        await asyncio.sleep(0)
    return future


async def _audited_here(
    snapshot: Snapshot, ranges: Sequence[tuple[int, int]], checker: ChunkChecker
) -> AsyncIterator[RangeAudit]:
    """Each range audited in this process, the next one being read meanwhile."""
    following: asyncio.Future[FetchedRange] | None = None
    try:
        for n in range(len(ranges)):
            current = following or await _read_ahead(snapshot, *ranges[n])
            fetched = await current
            following = await _read_ahead(snapshot, *ranges[n + 1]) if n + 1 < len(ranges) else None
            yield await audit_fetched(snapshot, checker, fetched)
    finally:
        if following is not None and not following.done():
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)


async def verify_log(
    snapshot: Snapshot,
    *,
    page_size: int = 10_000,
    check_leaves: bool = False,
    trusted_key_ids: Collection[str] | None = None,
    workers: int | None = 0,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Verify everything in ``snapshot``; the report names the first problem, if any.

    ``workers``: 0 checks ranges in this process, N in N worker processes, None decides by the log's size.
    """
    started = time.perf_counter()
    tree_size, last_hash, frontier = await snapshot.state()
    heads = await snapshot.heads()
    keys = await snapshot.keys()
    if trusted_key_ids is not None:
        keys = {k: v for k, v in keys.items() if k in set(trusted_key_ids)}
    auditor = LogAuditor(check_leaves=check_leaves)
    next_head = 0
    previous: SignedTreeHead | None = None
    checked_heads = 0

    def report(problem: AuditProblem | None) -> VerifyReport:
        good = auditor.size if problem is None or problem.index is None else min(auditor.size, problem.index)
        return VerifyReport(
            entries=good,
            tree_size=tree_size,
            heads=checked_heads,
            root_hash=auditor.root().hex(),
            seconds=time.perf_counter() - started,
            problem=problem,
        )

    def head_problem(seq: int, head: SignedTreeHead, stored_hash: bytes, root: bytes) -> AuditProblem | None:
        """Check the next head against the recomputed root at its size; on success move past it."""
        nonlocal next_head, previous, checked_heads
        problem = auditor.check_head(seq, head, stored_hash, previous, keys, root)
        if problem is not None:
            if trusted_key_ids is not None and head.key_id not in keys:
                problem = AuditProblem(
                    AuditCode.HEAD_INVALID,
                    f"head #{seq} (tree_size {head.tree_size}) is signed by key {head.key_id}, "
                    "which is not a trusted key",
                )
            return problem
        previous = head
        next_head += 1
        checked_heads += 1
        return None

    def due_heads() -> AuditProblem | None:
        """Check every head for exactly the leaves folded so far."""
        while next_head < len(heads) and heads[next_head][1].tree_size <= auditor.size:
            seq, head, stored_hash = heads[next_head]
            if head.tree_size < auditor.size:
                return AuditProblem(
                    AuditCode.HEAD_CHAIN_MISMATCH,
                    f"head #{seq} (tree_size {head.tree_size}) is smaller than the head before it",
                )
            problem = head_problem(seq, head, stored_hash, auditor.root())
            if problem is not None:
                return problem
        return None

    def absorb(audited: RangeAudit) -> AuditProblem | None:
        """Link the range to the log so far, check the heads inside it, fold it in; the range's first
        problem (the lowest index among chain, node and missing-row problems), if any."""
        chunk = audited.chunk
        problem = auditor.link(chunk)
        if problem is not None:
            return problem
        problem = due_heads()
        while problem is None and next_head < len(heads):
            seq, head, stored_hash = heads[next_head]
            inside = head.tree_size - auditor.size
            if not 0 < inside <= chunk.good:
                break
            problem = head_problem(seq, head, stored_hash, auditor.root_within(inside, audited.levels))
        auditor.absorb_range(chunk.good, audited.levels)
        if chunk.last_entry_hash is not None:
            auditor.last_entry_hash = chunk.last_entry_hash
        candidates = [p for p in (problem, audited.node_problem, chunk.problem) if p is not None]
        if not candidates and chunk.first_index + chunk.good < audited.end:  # rows missing at the end
            missing = chunk.first_index + chunk.good
            if audited.end == tree_size:
                return AuditProblem(
                    AuditCode.MISSING_ENTRIES,
                    f"index {missing} is missing: the log ends after {missing} of {tree_size} entries",
                    missing,
                )
            return AuditProblem(AuditCode.GAP, f"index {missing} is missing", missing)
        # A head problem has no index of its own: it is reported only if nothing in the entries explains it.
        return min(candidates, key=lambda p: tree_size if p.index is None else p.index) if candidates else None

    size = 1 << max(0, (max(1, page_size) - 1).bit_length())  # ranges are aligned perfect subtrees
    ranges = [(first, min(first + size, tree_size)) for first in range(0, tree_size, size)]
    if workers is None:
        # Automatic: worker processes (each ~1-2 s to start) pay off on large logs with cores to spare;
        # PostgreSQL serving the rows needs CPU too, so on a 2-core machine one process is as fast.
        cores = os.cpu_count() or 1
        workers = min(cores - 2, 8) if tree_size >= PARALLEL_FROM and cores >= 4 else 0
    audits: AsyncIterator[RangeAudit]
    if workers > 0 and len(ranges) > 1:
        from services.evidence.adapters.parallel_check import audited_ranges

        audits = audited_ranges(snapshot.url, snapshot.snapshot_id, ranges, workers=workers, check_leaves=check_leaves)
    else:
        audits = _audited_here(snapshot, ranges, auditor.checker)
    # Nodes above the ranges are compared (on the snapshot's other connection) while the next range is read.
    node_check: asyncio.Future[AuditProblem | None] | None = None
    try:
        async for audited in audits:
            stop = absorb(audited)
            earlier = await node_check if node_check is not None else None
            node_check = asyncio.ensure_future(compare_nodes(snapshot, auditor.take_expected_nodes()))
            if earlier is not None:
                return report(earlier)
            if stop is not None:
                above = await node_check
                return report(above if above is not None and (above.index or 0) < (stop.index or tree_size) else stop)
            if progress is not None:
                progress(auditor.size, tree_size)
        problem = await node_check if node_check is not None else None
        if problem is not None:
            return report(problem)
    finally:
        if node_check is not None and not node_check.done():
            node_check.cancel()
            await asyncio.gather(node_check, return_exceptions=True)
        await audits.aclose()  # type: ignore[attr-defined]
    problem = due_heads()
    if problem is None and next_head < len(heads):
        seq, head, _ = heads[next_head]
        problem = AuditProblem(
            AuditCode.MISSING_ENTRIES,
            f"head #{seq} signs a tree of {head.tree_size} entries, the log has {auditor.size}",
            auditor.size,
        )
    if problem is None and check_leaves:
        # Every leaf is intact by now; the columns lists filter on must say what the leaves say.
        bad = await snapshot.first_column_mismatch(tree_size)
        if bad is not None:
            problem = AuditProblem(
                AuditCode.COLUMN_MISMATCH,
                f"entry {bad}: its case_id, kind or recorded_at column is not what its canonical bytes say "
                "(lists filtered by them would mislead)",
                bad,
            )
    if problem is None:
        extra = await snapshot.entries_from(tree_size)
        if extra:
            problem = AuditProblem(
                AuditCode.EXTRA_ENTRIES, f"{extra} entries beyond the recorded log size {tree_size}", tree_size
            )
    if problem is None:
        problem = auditor.check_end(
            state_size=tree_size,
            state_last_hash=last_hash,
            state_frontier=frontier,
            node_count=await snapshot.node_count(),
        )
    return report(problem)
