"""Many items in one transaction, without letting one bad item fail the others."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

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
