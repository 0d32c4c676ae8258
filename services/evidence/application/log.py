"""The evidence log's use cases: append (one, a batch, or concurrent ones grouped), read entries, proofs.

Appends are serialised in PostgreSQL: every appending transaction locks the single ``log_state`` row
(FOR UPDATE), takes the next indexes from it, writes the entries, the Merkle nodes that became complete
and the new state, and commits; a transaction that fails rolls all of it back, so indexes never repeat
and never leave a gap, whatever the number of replicas. Concurrent single appends on one replica are
grouped into one transaction (``AppendQueue``: the writer takes every request queued while it waited for
the lock), which is what makes many small appends fast.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from libs.errors import AlreadyExists, DomainError, InvalidArgument, NotFound
from libs.paging import decode_token, encode_token, page_size
from libs.timeutil import utcnow
from services.evidence.adapters.repository import LogState, NewEntry, StoredEntry
from services.evidence.application.errors import domain_errors
from services.evidence.application.unit_of_work import EvidenceUnitOfWork
from services.evidence.domain.canonical import canonical_json, format_time
from services.evidence.domain.chain import ChainRecord, chain_entries
from services.evidence.domain.entry import MAX_ID_LENGTH, EvidenceEntry, EvidenceKind, check_text
from services.evidence.domain.merkle import aconsistency_proof, ainclusion_proof, append_leaf_hashes, leaf_hash

MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(slots=True)
class Draft:
    """An entry to append: what the client sent; ``validate_draft`` checks it and keeps the validated entry
    (``template``) so the append path does not validate it twice. Index and recording time come later."""

    shop_id: str
    case_id: str
    kind: str
    content_sha256: str
    content_type: str
    description: str
    captured_at: datetime
    recorder: str
    idempotency_key: str | None = None
    # The entry as validated on receipt (index and recording time are the log's to assign).
    template: EvidenceEntry | None = field(default=None, compare=False, repr=False)

    def request_hash(self) -> bytes:
        """What a replay must repeat: the entry's content fields (not who sends it or when)."""
        return hashlib.sha256(
            canonical_json(
                {
                    "captured_at": format_time(self.captured_at),
                    "case_id": self.case_id,
                    "content_sha256": self.content_sha256,
                    "content_type": self.content_type,
                    "description": self.description,
                    "kind": self.kind,
                    "shop_id": self.shop_id,
                }
            )
        ).digest()

    def entry(self, index: int, recorded_at: datetime) -> EvidenceEntry:
        if self.template is not None:
            return self.template.placed(index, recorded_at)
        return EvidenceEntry(
            index=index,
            shop_id=self.shop_id,
            case_id=self.case_id,
            kind=self.kind,  # type: ignore[arg-type]  # EvidenceEntry converts (and names the field)
            content_sha256=self.content_sha256,
            content_type=self.content_type,
            description=self.description,
            captured_at=self.captured_at,
            recorded_at=recorded_at,
            recorder=self.recorder,
        )


@dataclass(frozen=True)
class Appended:
    index: int
    leaf_hash: bytes
    entry_hash: bytes
    replayed: bool = False


@dataclass(frozen=True)
class EntryView:
    """A stored entry as a shop reads it: the record and the entry parsed from its canonical bytes."""

    record: ChainRecord
    entry: EvidenceEntry


def validate_draft(draft: Draft, *, now: datetime, prefix: str = "") -> Draft:
    """The draft if it makes a valid entry; ``InvalidArgument`` naming the field (with ``prefix``) if not."""
    if draft.captured_at is None:
        raise InvalidArgument.on(f"{prefix}captured_at", "is required")
    draft.template = None  # validate what the draft says now, never a template from before
    with domain_errors(prefix):
        template = draft.entry(0, now)
    if draft.captured_at > now + MAX_CLOCK_SKEW:
        raise InvalidArgument.on(f"{prefix}captured_at", "is in the future")
    if draft.idempotency_key is not None:
        with domain_errors(prefix):
            check_text(
                "idempotency_key", draft.idempotency_key, max_length=MAX_ID_LENGTH, allow_empty=False, multiline=False
            )
    draft.template = template
    return draft


def _conflict(key: str) -> AlreadyExists:
    return AlreadyExists(f"idempotency key {key!r} was already used with another request")


async def append_locked(
    uow: EvidenceUnitOfWork, state: LogState, drafts: Sequence[Draft], now: datetime
) -> tuple[list[Appended | DomainError], LogState]:
    """Write ``drafts`` after the locked ``state`` (inside the caller's transaction).

    Returns one outcome per draft (a new entry, a replay of an idempotency key, or the conflict error of a
    key reused with another body) and the state after the writes.
    """
    outcomes: list[Appended | DomainError | None] = [None] * len(drafts)
    keys_by_shop: dict[str, list[str]] = {}
    for d in drafts:
        if d.idempotency_key:
            keys_by_shop.setdefault(d.shop_id, []).append(d.idempotency_key)
    existing: dict[tuple[str, str], StoredEntry] = {}
    for shop_id, keys in keys_by_shop.items():
        for key, stored in (await uow.log.by_idempotency_keys(shop_id, keys)).items():
            existing[(shop_id, key)] = stored

    request_hashes = {p: d.request_hash() for p, d in enumerate(drafts) if d.idempotency_key}
    fresh: list[int] = []  # positions of the drafts that become new entries
    first_use: dict[tuple[str, str], tuple[int, bytes]] = {}  # keys first used in this batch
    replays: list[tuple[int, int]] = []  # (position, position of the first use in this batch)
    for position, d in enumerate(drafts):
        if not d.idempotency_key:
            fresh.append(position)
            continue
        k = (d.shop_id, d.idempotency_key)
        request_hash = request_hashes[position]
        if k in existing:
            stored = existing[k]
            outcomes[position] = (
                Appended(stored.record.index, stored.record.leaf_hash, stored.record.entry_hash, replayed=True)
                if stored.request_hash == request_hash
                else _conflict(d.idempotency_key)
            )
        elif k in first_use:
            first, first_hash = first_use[k]
            if first_hash == request_hash:
                replays.append((position, first))
            else:
                outcomes[position] = _conflict(d.idempotency_key)
        else:
            first_use[k] = (position, request_hash)
            fresh.append(position)

    if fresh:
        entries = [drafts[p].entry(state.tree_size + n, now) for n, p in enumerate(fresh)]
        records = chain_entries(entries, state.last_entry_hash, state.tree_size)
        leaf_hashes = [leaf_hash(r.leaf) for r in records]
        grown = append_leaf_hashes(state.frontier, leaf_hashes)
        new_entries = [
            NewEntry(
                record=r,
                shop_id=drafts[p].shop_id,
                case_id=drafts[p].case_id,
                kind=drafts[p].kind,
                recorded_at=now,
                idempotency_key=drafts[p].idempotency_key or None,
                request_hash=request_hashes.get(p),
            )
            for p, r in zip(fresh, records, strict=True)
        ]
        await uow.log.append(new_entries, grown.new_nodes, grown.frontier, now)
        for p, r, h in zip(fresh, records, leaf_hashes, strict=True):
            outcomes[p] = Appended(r.index, h, r.entry_hash)
        state = LogState(grown.tree_size, records[-1].entry_hash, grown.frontier)
    for position, first in replays:
        done = outcomes[first]
        assert isinstance(done, Appended)
        outcomes[position] = Appended(done.index, done.leaf_hash, done.entry_hash, replayed=True)
    return [o for o in outcomes if o is not None], state


Take = Callable[[], list[Draft]]


class AppendQueue:
    """Groups concurrent appends into one transaction. The writer takes the queued requests only once it
    holds the log lock, so every request that arrived while it waited (for the previous write, or for
    another replica's) goes in the same transaction; there is no timer, so a lone request is written at
    once."""

    def __init__(self, write: Callable[[Take], Awaitable[list[Appended | DomainError]]], *, max_batch: int) -> None:
        self._write = write
        self._max_batch = max_batch
        self._pending: list[tuple[Draft, asyncio.Future[Appended]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, draft: Draft) -> Appended:
        future: asyncio.Future[Appended] = asyncio.get_running_loop().create_future()
        self._pending.append((draft, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="evidence-append-queue")
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._pending:
            batch: list[tuple[Draft, asyncio.Future[Appended]]] = []

            def take() -> list[Draft]:
                nonlocal batch
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                return [d for d, _ in batch]

            try:
                outcomes = await self._write(take)
            except BaseException as exc:  # the transaction failed: every request in it learns why
                if not batch:  # it failed before taking any (e.g. no database): fail what is queued
                    take()
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    for _, future in self._pending:
                        if not future.done():
                            future.set_exception(exc)
                    self._pending = []
                    raise
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, Appended):
                    future.set_result(outcome)
                else:
                    future.set_exception(outcome)


def _after_index(token: str) -> int | None:
    key = decode_token(token)
    if key is None:
        return None
    if len(key) != 1 or not isinstance(key[0], int):
        raise InvalidArgument.on("page_token", "is not a token this service issued")
    return key[0]


class EvidenceLog:
    def __init__(
        self,
        uow_factory: Callable[[], EvidenceUnitOfWork],
        *,
        max_batch: int = 1000,
        clock: Callable[[], datetime] = utcnow,
        on_appended: Callable[[int], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._max_batch = max_batch
        self._on_appended = on_appended
        self.queue = AppendQueue(self._write_group, max_batch=max_batch)
        # The log only grows: a size seen once stays valid, so proofs within it skip reading log_state.
        self._known_size = 0

    async def _write_group(self, take: Take) -> list[Appended | DomainError]:
        async with self._uow() as uow:
            state = await uow.log.lock_state()
            drafts = take()  # everything queued while we waited for the lock goes in this transaction
            now = self._clock()
            outcomes, state = await append_locked(uow, state, drafts, now)
            await uow.commit()
        self._appended(state.tree_size)
        return outcomes

    def _appended(self, tree_size: int) -> None:
        self._known_size = max(self._known_size, tree_size)
        if self._on_appended is not None:
            self._on_appended(tree_size)

    async def append(self, draft: Draft) -> Appended:
        """Append one entry (grouped with concurrent appends); a replayed idempotency key answers its first
        entry, the same key with another body is ALREADY_EXISTS."""
        draft = validate_draft(draft, now=self._clock())
        return await self.queue.submit(draft)

    async def append_batch(self, drafts: Sequence[Draft]) -> list[Appended]:
        """Append up to ``max_batch`` entries in one transaction with consecutive indexes; an invalid item
        (named ``items[i].field``) or a conflicting idempotency key rejects the whole batch."""
        if not drafts:
            raise InvalidArgument.on("items", "must not be empty")
        if len(drafts) > self._max_batch:
            raise InvalidArgument.on("items", f"at most {self._max_batch} entries per batch")
        now = self._clock()
        drafts = [validate_draft(d, now=now, prefix=f"items[{i}].") for i, d in enumerate(drafts)]
        async with self._uow() as uow:
            state = await uow.log.lock_state()
            outcomes, state = await append_locked(uow, state, drafts, now)
            for i, outcome in enumerate(outcomes):
                if not isinstance(outcome, Appended):
                    raise type(outcome)(f"items[{i}]: {outcome.message}")
            await uow.commit()
        self._appended(state.tree_size)
        return [o for o in outcomes if isinstance(o, Appended)]

    async def get(self, *, shop_id: str, index: int) -> EntryView:
        """One of the shop's entries; another shop's index is NOT_FOUND exactly like a missing one."""
        async with self._uow() as uow:
            record = await uow.log.get(shop_id, index)
        if record is None:
            raise NotFound(f"evidence entry {index} not found")
        return EntryView(record, record.entry())

    async def inclusion_proof(self, *, leaf_index: int, tree_size: int) -> list[bytes]:
        """RFC 6962 audit path of ``leaf_index`` in the tree of ``tree_size`` leaves (one node fetch)."""
        if leaf_index < 0:
            raise InvalidArgument.on("leaf_index", "must not be negative")
        if tree_size <= leaf_index:
            raise InvalidArgument.on("tree_size", f"must be greater than the leaf index {leaf_index}")
        async with self._uow() as uow:
            await self._within_log(uow, tree_size, "tree_size")
            with domain_errors():
                return await ainclusion_proof(uow.log.nodes, leaf_index, tree_size)

    async def consistency_proof(self, *, first_size: int, second_size: int) -> list[bytes]:
        """RFC 6962 PROOF(first_size, D[second_size]) (one node fetch)."""
        if first_size < 0:
            raise InvalidArgument.on("first_size", "must not be negative")
        if second_size < first_size:
            raise InvalidArgument.on("second_size", f"must not be smaller than first_size {first_size}")
        async with self._uow() as uow:
            await self._within_log(uow, second_size, "second_size")
            with domain_errors():
                return await aconsistency_proof(uow.log.nodes, first_size, second_size)

    async def _within_log(self, uow: EvidenceUnitOfWork, tree_size: int, field: str) -> None:
        if tree_size <= self._known_size:
            return
        current = await uow.log.tree_size()
        self._known_size = max(self._known_size, current)
        if tree_size > current:
            raise InvalidArgument.on(field, f"is beyond the log's {current} entries")

    async def list(
        self, *, shop_id: str, size: int, token: str, case_id: str = "", kind: str = ""
    ) -> tuple[list[EntryView], str]:
        """The shop's entries by index, optionally of one case or kind."""
        limit = page_size(size)
        if kind and kind not in {k.value for k in EvidenceKind}:
            raise InvalidArgument.on("kind", f"must be one of {', '.join(k.value for k in EvidenceKind)}")
        async with self._uow() as uow:
            records = await uow.log.list(
                shop_id, after=_after_index(token), limit=limit + 1, case_id=case_id, kind=kind
            )
        next_token = ""
        if len(records) > limit:
            records = records[:limit]
            next_token = encode_token([records[-1].index])
        return [EntryView(r, r.entry()) for r in records], next_token
