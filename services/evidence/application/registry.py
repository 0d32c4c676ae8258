"""The malicious-actor registry: moderators list it (keyed hashes only); a shop asks about one account."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from libs.errors import InvalidArgument, PermissionDenied
from libs.paging import decode_token, encode_token, page_size
from services.evidence.adapters.repository import ListedActor
from services.evidence.application.errors import domain_errors
from services.evidence.application.unit_of_work import EvidenceUnitOfWork
from services.evidence.domain.appeal import MODERATOR_ROLES
from services.evidence.domain.registry import account_hash, check_account_id


def _after(token: str) -> tuple[datetime, bytes] | None:
    key = decode_token(token)
    if key is None:
        return None
    try:
        return datetime.fromisoformat(key[0]), bytes.fromhex(key[1])
    except (IndexError, TypeError, ValueError):
        raise InvalidArgument.on("page_token", "is not a token this service issued") from None


class Registry:
    def __init__(self, uow_factory: Callable[[], EvidenceUnitOfWork], registry_key: bytes) -> None:
        self._uow = uow_factory
        self._key = registry_key

    async def list(self, *, roles: Sequence[str], size: int, token: str) -> tuple[list[ListedActor], str]:
        """Every listed account, most recently listed first (moderators only)."""
        if not MODERATOR_ROLES & set(roles):
            raise PermissionDenied("the malicious-actor registry is for moderators")
        limit = page_size(size)
        async with self._uow() as uow:
            rows = await uow.registry.list(after=_after(token), limit=limit + 1)
        next_token = ""
        if len(rows) > limit:
            rows = rows[:limit]
            next_token = encode_token([rows[-1].last_listed_at.isoformat(), rows[-1].account_hash.hex()])
        return rows, next_token

    async def check(self, *, account_id: str) -> ListedActor | None:
        """The listing of one account id, if it is listed."""
        with domain_errors():
            check_account_id(account_id)
        async with self._uow() as uow:
            return await uow.registry.get(account_hash(self._key, account_id))
