"""`kintsugi evidence verify`: walk the whole stored log and recompute everything it claims.

In one consistent snapshot, page by page: the hash chain (index, prev link, entry hash, shop column), the
Merkle tree (every stored node compared with the node recomputed from the entries), every signed head
(signature under a published key, the chain of heads, the root at its size) and finally ``log_state``
(size, chain tip, frontier) and the node count. It stops at the first problem and names the first bad
index. Memory is one page plus the frontier, whatever the size of the log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol

from services.evidence.domain.audit import AuditCode, AuditProblem, LogAuditor
from services.evidence.domain.merkle import HASH_SIZE
from services.evidence.domain.signing import PublicKey, SignedTreeHead


class Snapshot(Protocol):
    async def state(self) -> tuple[int, bytes, bytes]: ...
    async def heads(self) -> list[tuple[int, SignedTreeHead, bytes]]: ...
    async def keys(self) -> dict[str, PublicKey]: ...
    async def page(self, first_index: int, limit: int): ...  # type: ignore[no-untyped-def]
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


async def _compare_nodes(snapshot: Snapshot, expected: list[tuple[int, int, bytes]]) -> AuditProblem | None:
    """Compare recomputed nodes (``LogAuditor.take_expected_nodes``) with the stored ones."""
    if not expected:
        return None
    ranges = [(level, first, len(data) // HASH_SIZE) for level, first, data in expected]
    stored = await snapshot.nodes(ranges)
    for (level, first, data), (_, _, count) in zip(expected, ranges, strict=True):
        found, hashes = stored.get(level, (0, b""))
        if found != count:
            present = set(await snapshot.node_indexes(level, first, first + count - 1))
            missing = next(i for i in range(first, first + count) if i not in present)
            lo, hi = missing << level, ((missing + 1) << level) - 1
            return AuditProblem(
                AuditCode.NODE_MISSING,
                f"the node store has no Merkle node (level {level}, index {missing}) for entries {lo}..{hi}",
                lo,
            )
        problem = LogAuditor.compare_nodes(level, first, data, hashes)
        if problem is not None:
            return problem
    return None


async def verify_log(
    snapshot: Snapshot,
    *,
    page_size: int = 10_000,
    check_leaves: bool = False,
    trusted_key_ids: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Verify everything in ``snapshot``; the report names the first problem, if any."""
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

    def due_heads() -> AuditProblem | None:
        """Check every head for exactly the leaves folded so far."""
        nonlocal next_head, previous, checked_heads
        while next_head < len(heads) and heads[next_head][1].tree_size <= auditor.size:
            seq, head, stored_hash = heads[next_head]
            if head.tree_size < auditor.size:
                return AuditProblem(
                    AuditCode.HEAD_CHAIN_MISMATCH,
                    f"head #{seq} (tree_size {head.tree_size}) is smaller than the head before it",
                )
            problem = auditor.check_head(seq, head, stored_hash, previous, keys)
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

    # Pipeline: the next page is fetched (on the snapshot's page connection) and the previous page's nodes
    # are compared (on its other connection) while this page is checked.
    next_page = asyncio.ensure_future(snapshot.page(0, page_size))
    node_check: asyncio.Future[AuditProblem | None] | None = None
    try:
        while True:
            rows = await next_page
            if rows:
                next_page = asyncio.ensure_future(snapshot.page(rows[-1][0] + 1, page_size))
            stop: AuditProblem | None = None
            position = 0
            while position < len(rows) and stop is None:
                stop = due_heads()
                if stop is not None:
                    break
                end = len(rows)
                if next_head < len(heads):
                    end = min(end, position + heads[next_head][1].tree_size - auditor.size)
                stop = auditor.feed(rows[position:end])
                position = end
            # Nodes first: a node problem always concerns entries before the point where the walk stopped.
            earlier = await node_check if node_check is not None else None
            node_check = asyncio.ensure_future(_compare_nodes(snapshot, auditor.take_expected_nodes()))
            if earlier is not None:
                return report(earlier)
            if stop is not None:
                return report(await node_check or stop)
            if progress is not None:
                progress(auditor.size, tree_size)
            if len(rows) < page_size:
                break
        problem = await node_check if node_check is not None else None
        if problem is not None:
            return report(problem)
    finally:
        for task in (next_page, node_check):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    problem = due_heads()
    if problem is None and next_head < len(heads):
        seq, head, _ = heads[next_head]
        problem = AuditProblem(
            AuditCode.MISSING_ENTRIES,
            f"head #{seq} signs a tree of {head.tree_size} entries, the log has {auditor.size}",
            auditor.size,
        )
    if problem is None:
        problem = auditor.check_end(
            state_size=tree_size,
            state_last_hash=last_hash,
            state_frontier=frontier,
            node_count=await snapshot.node_count(),
        )
    return report(problem)
