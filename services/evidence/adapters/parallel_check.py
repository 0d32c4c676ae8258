"""Checking ranges of entries in worker processes (`kintsugi evidence verify --workers N`).

The hash walk is CPU-bound Python: decoding rows and two SHA-256 per entry. Each worker process joins the
verifier's exported snapshot (so it reads exactly what the verifier reads), audits whole ranges
(``application.verify.audit_range``: the chain inside the range and every Merkle node inside it, compared
with the store) and sends back the result; the verifier links the ranges, folds the few nodes above them
and checks the heads, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from services.evidence.adapters.log_snapshot import SnapshotReader, join_snapshot
from services.evidence.application.verify import RangeAudit, audit_range
from services.evidence.domain.audit import ChunkChecker

_worker: dict[str, Any] = {}


def _start(url: str, snapshot_id: str, check_leaves: bool) -> None:
    loop = asyncio.new_event_loop()
    _worker.update(
        loop=loop,
        reader=SnapshotReader(loop.run_until_complete(join_snapshot(url, snapshot_id))),
        checker=ChunkChecker(check_leaves=check_leaves),
    )


def _audit(bounds: tuple[int, int]) -> RangeAudit:
    coroutine = audit_range(_worker["reader"], _worker["checker"], *bounds)
    return _worker["loop"].run_until_complete(coroutine)  # type: ignore[no-any-return]


async def audited_ranges(
    url: str, snapshot_id: str, ranges: Sequence[tuple[int, int]], *, workers: int, check_leaves: bool
) -> AsyncIterator[RangeAudit]:
    """The audit of each range, in order, computed by ``workers`` processes (a few ranges ahead)."""
    loop = asyncio.get_running_loop()
    # spawn, not fork: the caller may hold gRPC or database threads that a fork would copy half-way.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_start,
        initargs=(url, snapshot_id, check_leaves),
    ) as pool:
        window = 2 * workers
        futures = [loop.run_in_executor(pool, _audit, r) for r in ranges[:window]]
        try:
            for n in range(len(ranges)):
                chunk = await futures[n]
                if n + window < len(ranges):
                    futures.append(loop.run_in_executor(pool, _audit, ranges[n + window]))
                yield chunk
        finally:
            for future in futures:
                future.cancel()
