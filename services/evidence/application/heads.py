"""Signed tree heads: a chain of Ed25519-signed heads, one more each time the log has grown.

When a head is signed (``sign_if_grown``):

- by the background worker, once ``head_every_entries`` entries are unsigned (appends on this replica
  nudge it) or every ``head_interval_seconds`` when the log grew at all (covers other replicas' appends);
- on demand, when ``GetSignedHead`` is asked and the log grew since the latest head, so a client always
  gets a head that covers every committed entry (a bundle export likewise signs if its entries are newer
  than the latest head). A head is only ever signed for a larger tree, so heads never outnumber entries.

Signers on every replica are serialised by a transaction-scoped advisory lock (appends, which lock the
``log_state`` row, are not blocked); each head carries SHA-256 of the previous head, so the heads form a
chain whose consecutive members are linked by RFC 6962 consistency proofs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from libs.errors import InvalidArgument
from libs.paging import decode_token, encode_token, page_size
from libs.timeutil import utcnow
from services.evidence.adapters.repository import StoredHead
from services.evidence.application.unit_of_work import EvidenceUnitOfWork
from services.evidence.domain.merkle import aroot
from services.evidence.domain.signing import PublicKey, SignedTreeHead, SigningKey

log = logging.getLogger(__name__)


class LogCorrupted(RuntimeError):
    """The stored state disagrees with the stored nodes: refuse to sign (``kintsugi evidence verify``)."""


class TreeHeads:
    def __init__(
        self,
        uow_factory: Callable[[], EvidenceUnitOfWork],
        key: SigningKey,
        *,
        every_entries: int = 1000,
        interval_seconds: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self.key = key
        self._every = every_entries
        self._interval = interval_seconds
        self._clock = clock
        self._signed_size = -1  # the largest head size this replica has seen
        self._wake = asyncio.Event()

    async def publish_key(self) -> None:
        """Record this replica's public key in ``log_keys`` (before it signs anything)."""
        async with self._uow() as uow:
            await uow.heads.register_key(self.key.public_key, self._clock())
            await uow.commit()

    def note_appended(self, tree_size: int) -> None:
        """Called after an append commits: wake the worker when enough entries are unsigned."""
        if tree_size - max(self._signed_size, 0) >= self._every:
            self._wake.set()

    async def sign_if_grown(self) -> SignedTreeHead:
        """The latest head, after signing a new one if the log grew since it."""
        async with self._uow() as uow:
            await uow.heads.lock()
            latest = await uow.heads.latest()
            state = await uow.log.state()
            if latest is not None and latest.head.tree_size >= state.tree_size:
                self._seen(latest.head.tree_size)
                return latest.head
            root = await aroot(uow.log.nodes, state.tree_size)
            if root != state.frontier.root():
                raise LogCorrupted(f"log_state frontier and merkle_nodes disagree at tree size {state.tree_size}")
            now = self._clock()
            previous = latest.head if latest is not None else None
            if previous is not None and now < previous.head.timestamp:
                now = previous.head.timestamp  # a replica whose clock is behind must not go back in time
            signed = self.key.sign_head(state.tree_size, root, now, previous)
            await uow.heads.add(0 if latest is None else latest.seq + 1, signed)
            await uow.commit()
        self._seen(signed.tree_size)
        return signed

    def _seen(self, tree_size: int) -> None:
        self._signed_size = max(self._signed_size, tree_size)

    async def covering(self, index: int) -> SignedTreeHead:
        """A signed head whose tree contains entry ``index`` (the latest one, signed now if needed)."""
        async with self._uow() as uow:
            latest = await uow.heads.latest()
        if latest is not None and latest.head.tree_size > index:
            return latest.head
        head = await self.sign_if_grown()
        if head.tree_size <= index:
            raise InvalidArgument.on("index", f"entry {index} is not in the log")
        return head

    async def keys(self) -> list[tuple[PublicKey, datetime | None, bool]]:
        """Every key that signed heads of this log: (key, first used, is this replica's key)."""
        async with self._uow() as uow:
            stored = await uow.heads.keys()
        out: list[tuple[PublicKey, datetime | None, bool]] = [(k, at, k == self.key.public_key) for k, at in stored]
        if not any(current for _, _, current in out):
            out.insert(0, (self.key.public_key, None, True))
        out.sort(key=lambda item: not item[2])
        return out

    async def public_key(self, key_id: str) -> PublicKey:
        """The published key with this id (heads signed before a rotation name an older key)."""
        if key_id == self.key.key_id:
            return self.key.public_key
        for key, _, _ in await self.keys():
            if key.key_id == key_id:
                return key
        raise LogCorrupted(f"no published key {key_id}")

    async def run(self) -> None:
        """Background worker: sign pending growth every N entries or T seconds."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.sign_if_grown()
            except Exception:
                log.exception("signing a tree head failed")
                await asyncio.sleep(min(self._interval, 1.0))

    async def list(self, *, size: int, token: str) -> tuple[list[StoredHead], str]:
        """Every signed head, oldest first."""
        limit = page_size(size)
        key = decode_token(token)
        after = None
        if key is not None:
            if len(key) != 1 or not isinstance(key[0], int):
                raise InvalidArgument.on("page_token", "is not a token this service issued")
            after = key[0]
        async with self._uow() as uow:
            heads = await uow.heads.list(after_seq=after, limit=limit + 1)
        next_token = ""
        if len(heads) > limit:
            heads = heads[:limit]
            next_token = encode_token([heads[-1].seq])
        return heads, next_token
