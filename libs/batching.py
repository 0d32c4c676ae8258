"""Many items in one transaction, without letting one bad item fail the others; single calls grouped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import DBAPIError

from libs.errors import DomainError
from libs.grpc_server import is_database_unavailable

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

DEADLOCK_RETRIES = 2


def is_deadlock(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == "40P01"


async def together_else_alone(
    items: Sequence[Item],
    together: Callable[[Sequence[Item]], Awaitable[Sequence[Outcome]]],
    what: Callable[[Item], str] = repr,
) -> list[Outcome | Exception]:
    """Each item's outcome or error, in order.

    `together` handles all items in one transaction (retried when PostgreSQL broke a deadlock). Should it
    fail otherwise, each item goes through `together` alone, so a bad item gets its own error and the
    others go on. A database that does not answer is raised, not reported per item: the caller's whole
    request is then worth retrying.
    """
    if not items:
        return []
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return list(await together(items))
        except Exception as exc:
            if is_database_unavailable(exc):
                raise
            if is_deadlock(exc) and attempt < DEADLOCK_RETRIES:
                continue
            if len(items) == 1:
                if not isinstance(exc, DomainError):
                    log.exception("%s failed", what(items[0]))
                return [exc]
            log.warning("%d items failed together; handling each alone", len(items), exc_info=True)
            break
    outcomes: list[Outcome | Exception] = []
    for item in items:
        outcomes.extend(await together_else_alone([item], together, what))
    return outcomes


class GroupCommit(Generic[Item, Outcome]):
    """Single calls written together: calls that arrive while earlier ones are being written wait and go
    in the next transaction together (at most `max_running` transactions at once, `max_batch` items
    each). With no concurrency a transaction holds one call; under load, one commit serves many calls.
    Each call returns only after the transaction holding its item committed.
    """

    def __init__(
        self,
        write: Callable[[Sequence[Item]], Awaitable[Sequence[Outcome]]],
        *,
        max_batch: int = 200,
        max_running: int = 2,
        what: Callable[[Item], str] = repr,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._max_running = max_running
        self._what = what
        self._pending: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def __call__(self, item: Item) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._start()
        return await future

    def _start(self) -> None:
        while self._pending and len(self._running) < self._max_running:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            task = asyncio.create_task(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._start()

    async def _run(self, batch: list[tuple[Item, asyncio.Future[Outcome]]]) -> None:
        try:
            results = await together_else_alone([item for item, _ in batch], self._write, self._what)
        except Exception as exc:  # the database did not answer: every caller of the batch hears it
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the caller went away; its item was written all the same
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


Request = TypeVar("Request")


async def parsed_then_together(
    requests: Sequence[Request],
    parse: Callable[[Request], Item],
    many: Callable[[Sequence[Item]], Awaitable[Sequence[Outcome | Exception]]],
) -> list[Outcome | Exception]:
    """A batch call's answer per request, in order: a request that does not parse (a DomainError) is refused
    alone; the others go to `many` together."""
    results: list[Outcome | Exception | None] = [None] * len(requests)
    parsed: list[tuple[int, Item]] = []
    for n, request in enumerate(requests):
        try:
            parsed.append((n, parse(request)))
        except DomainError as exc:
            results[n] = exc
    for (n, _), outcome in zip(parsed, await many([item for _, item in parsed]), strict=True):
        results[n] = outcome
    return [r for r in results if r is not None]
