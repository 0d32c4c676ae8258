"""The hash chain over the evidence log.

``entry_hash[i] = SHA-256(prev_entry_hash[i] || leaf[i])`` where ``leaf[i]`` is the canonical bytes of entry
``i`` (the same bytes as its Merkle leaf) and ``prev_entry_hash[0]`` is 32 zero bytes; ``prev_entry_hash[i]``
is ``entry_hash[i - 1]``. A ``ChainRecord`` is what the persistence layer stores per entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .canonical import canonical_entry, parse_leaf
from .entry import EvidenceEntry
from .errors import InvalidEntry
from .merkle import HASH_SIZE, leaf_hash

GENESIS_PREV_HASH = bytes(HASH_SIZE)


def compute_entry_hash(prev_entry_hash: bytes, leaf: bytes) -> bytes:
    """SHA-256(prev_entry_hash || leaf)."""
    if len(prev_entry_hash) != HASH_SIZE:
        raise ValueError("prev_entry_hash must be 32 bytes")
    return hashlib.sha256(prev_entry_hash + leaf).digest()


@dataclass(frozen=True, slots=True)
class ChainRecord:
    """One stored log entry: its index, its canonical bytes (``leaf``) and its two chain hashes."""

    index: int
    leaf: bytes
    prev_entry_hash: bytes
    entry_hash: bytes

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf)

    def entry(self) -> EvidenceEntry:
        """The entry the leaf encodes (``InvalidEntry`` when the bytes are not a canonical v1 entry)."""
        return parse_leaf(self.leaf)


def chain_entry(entry: EvidenceEntry, prev_entry_hash: bytes) -> ChainRecord:
    """The record for ``entry`` appended after an entry whose hash is ``prev_entry_hash``."""
    leaf = canonical_entry(entry)
    return ChainRecord(entry.index, leaf, bytes(prev_entry_hash), compute_entry_hash(prev_entry_hash, leaf))


def chain_entries(
    entries: Iterable[EvidenceEntry],
    prev_entry_hash: bytes = GENESIS_PREV_HASH,
    first_index: int = 0,
) -> list[ChainRecord]:
    """Records for consecutive entries appended after ``prev_entry_hash``; entry indexes must run
    ``first_index, first_index + 1, ...`` (``InvalidEntry`` otherwise)."""
    records = []
    expected = first_index
    for entry in entries:
        if entry.index != expected:
            raise InvalidEntry("index", f"expected index {expected}, got {entry.index}")
        record = chain_entry(entry, prev_entry_hash)
        records.append(record)
        prev_entry_hash = record.entry_hash
        expected += 1
    return records


class ChainProblem(StrEnum):
    GAP = "gap"  # an index is missing (the next record has a larger index)
    OUT_OF_ORDER = "out_of_order"  # a record repeats or goes back to an earlier index
    PREV_LINK_MISMATCH = "prev_link_mismatch"  # prev_entry_hash is not the previous record's entry_hash
    ENTRY_HASH_MISMATCH = "entry_hash_mismatch"  # SHA-256(prev || leaf) differs: a changed byte
    INVALID_LEAF = "invalid_leaf"  # the bytes are not a canonical v1 entry, or encode another index


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """Outcome of ``verify_chain``. ``checked`` counts the records found good before the first bad one;
    ``last_entry_hash`` is the hash of the last good record (to continue a verification later)."""

    checked: int
    last_entry_hash: bytes
    first_bad_index: int | None = None
    problem: ChainProblem | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_index is None


def verify_chain(
    records: Iterable[ChainRecord],
    *,
    first_index: int = 0,
    prev_entry_hash: bytes = GENESIS_PREV_HASH,
    check_leaves: bool = True,
    expected_count: int | None = None,
) -> ChainVerification:
    """Walk ``records`` (in index order, starting at ``first_index`` after ``prev_entry_hash``) and stop
    at the first bad one.

    Checked per record ``i``: its index is ``i`` (a larger one is a gap: ``i`` is missing; a smaller one
    is out of order), its ``prev_entry_hash`` is the previous record's ``entry_hash``, ``entry_hash``
    equals SHA-256(prev || leaf) (any changed byte of the leaf or the hash), and with ``check_leaves``
    the leaf is a canonical v1 entry carrying index ``i``. With ``expected_count``, running out of
    records early is reported as a gap at the first missing index.
    """
    expected = first_index
    prev = bytes(prev_entry_hash)
    checked = 0

    def bad(problem: ChainProblem, message: str) -> ChainVerification:
        return ChainVerification(checked, prev, expected, problem, message)

    for record in records:
        if record.index != expected:
            if record.index > expected:
                return bad(
                    ChainProblem.GAP,
                    f"index {expected} is missing: the next record has index {record.index}",
                )
            return bad(
                ChainProblem.OUT_OF_ORDER,
                f"expected index {expected}, found a record with index {record.index} (repeated or reordered)",
            )
        if record.prev_entry_hash != prev:
            return bad(
                ChainProblem.PREV_LINK_MISMATCH,
                f"entry {expected}: prev_entry_hash {record.prev_entry_hash.hex()} is not the entry_hash "
                f"{prev.hex()} of the entry before it",
            )
        if hashlib.sha256(prev + record.leaf).digest() != record.entry_hash:
            return bad(
                ChainProblem.ENTRY_HASH_MISMATCH,
                f"entry {expected}: SHA-256(prev_entry_hash || canonical bytes) does not equal the stored "
                f"entry_hash (the entry or its hash was changed)",
            )
        if check_leaves:
            try:
                entry = parse_leaf(record.leaf)
            except InvalidEntry as exc:
                return bad(ChainProblem.INVALID_LEAF, f"entry {expected}: {exc.message}")
            if entry.index != expected:
                return bad(
                    ChainProblem.INVALID_LEAF,
                    f"entry {expected}: its canonical bytes carry index {entry.index}",
                )
        prev = record.entry_hash
        expected += 1
        checked += 1
    if expected_count is not None and checked < expected_count:
        return bad(
            ChainProblem.GAP,
            f"index {expected} is missing: the log ends after {checked} of {expected_count} entries",
        )
    return ChainVerification(checked, prev)
