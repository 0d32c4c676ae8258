"""Auditing a stored log: recompute the chain and the tree page by page and compare with what is stored.

``LogAuditor`` is fed the stored rows in index order, a page at a time (nothing is kept per entry), and
stops at the first bad record. Per record ``i`` it checks what ``chain.verify_chain`` checks (index ``i``,
prev link, ``entry_hash = SHA-256(prev || leaf)``; with ``check_leaves`` also that the leaf is a canonical
v1 entry), plus that the row's ``shop_id`` column is the shop inside the leaf (reads filter on that
column). It folds the leaf hashes into the right frontier and keeps the perfect-subtree nodes that
became complete, so the caller can compare them with the stored ``merkle_nodes`` (one range per level
per page); ``check_head`` compares a signed head with the recomputed root at its size.

The fold is the domain's ``append_leaf_hashes`` written for throughput (per-level byte strings instead
of one key object per node); the unit tests check the two agree node for node.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .canonical import parse_leaf
from .chain import GENESIS_PREV_HASH
from .errors import InvalidEntry, InvalidHead, InvalidSignature
from .merkle import EMPTY_ROOT, HASH_SIZE, Frontier, NodeKey, fold_right
from .signing import ZERO_HASH_HEX, PublicKey, SignedTreeHead

_sha256 = hashlib.sha256


class AuditCode(StrEnum):
    GAP = "gap"  # an index is missing
    OUT_OF_ORDER = "out_of_order"  # an index repeats or goes back
    PREV_LINK_MISMATCH = "prev_link_mismatch"  # prev_entry_hash is not the previous entry_hash
    ENTRY_HASH_MISMATCH = "entry_hash_mismatch"  # SHA-256(prev || leaf) differs from entry_hash
    INVALID_LEAF = "invalid_leaf"  # the leaf is not a canonical v1 entry of this index (check_leaves)
    SHOP_MISMATCH = "shop_mismatch"  # the shop_id column is not the leaf's shop
    COLUMN_MISMATCH = "column_mismatch"  # case_id, kind or recorded_at column differs from the leaf (check_leaves)
    NODE_MISMATCH = "node_mismatch"  # a stored Merkle node differs from the recomputed one
    NODE_MISSING = "node_missing"  # a complete subtree has no stored node
    EXTRA_NODES = "extra_nodes"  # the node store holds more nodes than the tree has
    MISSING_ENTRIES = "missing_entries"  # the log ends before its recorded size
    EXTRA_ENTRIES = "extra_entries"  # rows beyond the recorded size
    STATE_MISMATCH = "state_mismatch"  # log_state disagrees with the recomputed log
    HEAD_INVALID = "head_invalid"  # a signed head is malformed, signed by an unknown key, or does not verify
    HEAD_CHAIN_MISMATCH = "head_chain_mismatch"  # prev_head_hash is not the previous head's hash
    HEAD_ROOT_MISMATCH = "head_root_mismatch"  # a head's root is not the recomputed root at its size


@dataclass(frozen=True, slots=True)
class AuditProblem:
    code: AuditCode
    message: str
    index: int | None = None  # the first bad log index, when the problem is about entries

    def __str__(self) -> str:
        where = f" (first bad index: {self.index})" if self.index is not None else ""
        return f"{self.code.value}: {self.message}{where}"


Row = tuple[int, str, bytes, bytes, bytes]
"""A stored entry as the auditor reads it: (idx, shop_id column, leaf, prev_entry_hash, entry_hash)."""


@dataclass(frozen=True, slots=True)
class EntryColumns:
    """Consecutive stored entries column by column (what ``ChunkChecker.check_columns`` reads): the idx
    column as 8-byte big-endian integers concatenated, one shop_id and one leaf per entry, and the
    prev_entry_hash and entry_hash columns concatenated (32 bytes per entry). Nothing is assumed about
    the columns: their lengths, the index sequence and every hash are checked."""

    indexes: bytes
    shops: Sequence[str]
    leaves: Sequence[bytes]
    prev_hashes: bytes
    entry_hashes: bytes


def index_column(first_index: int, count: int) -> bytes:
    """The idx column of ``count`` consecutive entries from ``first_index``, as ``EntryColumns.indexes``."""
    return struct.pack(f">{count}q", *range(first_index, first_index + count))


def expected_node_count(tree_size: int) -> int:
    """Perfect subtrees of a tree of ``tree_size`` leaves: 2n - popcount(n)."""
    return 2 * tree_size - tree_size.bit_count()


def node_range(level: int, index: int) -> tuple[int, int]:
    """First and last leaf index covered by node (level, index)."""
    return index << level, ((index + 1) << level) - 1


def subtree_levels(leaf_hashes: bytes) -> list[bytes]:
    """Every complete perfect subtree inside a run of leaves that starts at a multiple of a power of two at
    least as large as the run: ``levels[L]`` holds the level-L nodes left to right, concatenated
    (``levels[0]`` is the leaves themselves)."""
    sha = _sha256
    levels = [data := bytes(leaf_hashes)]
    pair = 2 * HASH_SIZE
    while len(data) >= pair:
        data = b"".join([sha(b"\x01" + data[i : i + pair]).digest() for i in range(0, len(data) - pair + 1, pair)])
        levels.append(data)
    return levels


def decomposition(first: int, count: int) -> list[tuple[int, int]]:
    """The perfect subtrees, largest first, that cover leaves [first, first + count) when ``first`` is a
    multiple of a power of two >= ``count``: one (level, index) per set bit of ``count``."""
    out = []
    position = first
    for level in range(count.bit_length() - 1, -1, -1):
        if count >> level & 1:
            out.append((level, position >> level))
            position += 1 << level
    return out


@dataclass(frozen=True, slots=True)
class ChunkCheck:
    """The outcome of checking consecutive stored entries from ``first_index`` on (``ChunkChecker``)."""

    first_index: int
    good: int  # entries found good before the problem (all of them when there is none)
    leaf_hashes: bytes  # SHA-256(0x00 || leaf) of the good entries, concatenated
    first_prev: bytes | None  # the first entry's stored prev_entry_hash, when it is at first_index
    last_entry_hash: bytes | None  # the last good entry's entry_hash
    problem: AuditProblem | None = None


class ChunkChecker:
    """Checks stored entries one chunk at a time, each chunk on its own (so chunks can be checked in
    parallel): index sequence, prev links inside the chunk, entry hashes, the shop column (and with
    ``check_leaves`` the canonical form). The link into the chunk is the caller's to check."""

    def __init__(self, *, check_leaves: bool = False) -> None:
        self.check_leaves = check_leaves
        self._shop_suffix: dict[str, bytes] = {}

    def _suffix(self, shop_id: str) -> bytes:
        # shop_id is the last key of a canonical entry, so the leaf ends with ,"shop_id":"<shop>"}.
        suffix = self._shop_suffix.get(shop_id)
        if suffix is None:
            if len(self._shop_suffix) > 100_000:
                self._shop_suffix.clear()
            suffix = b',"shop_id":' + json.dumps(shop_id, ensure_ascii=False).encode("utf-8") + b"}"
            self._shop_suffix[shop_id] = suffix
        return suffix

    def check(self, rows: Sequence[Row], first_index: int, prev: bytes | None = None) -> ChunkCheck:
        """Check ``rows`` (stored entries by index, expected from ``first_index``). With ``prev`` the first
        entry must link to it; without, its stored prev_entry_hash is taken as given (and reported)."""
        expected = first_index
        first_prev = None
        if rows and rows[0][0] == first_index:
            first_prev = bytes(rows[0][3])
            if prev is None:
                prev = first_prev
        last = None
        leaf_hashes: list[bytes] = []
        problem: AuditProblem | None = None
        check_leaves = self.check_leaves
        # Hot loop (hundreds of thousands of rows a second): locals only.
        sha, add, suffixes = _sha256, leaf_hashes.append, self._shop_suffix
        for idx, shop_id, leaf, prev_hash, entry_hash in rows:
            if idx != expected:
                if idx > expected:
                    problem = AuditProblem(
                        AuditCode.GAP, f"index {expected} is missing: the next entry has index {idx}", expected
                    )
                else:
                    problem = AuditProblem(
                        AuditCode.OUT_OF_ORDER,
                        f"expected index {expected}, found an entry with index {idx} (repeated or reordered)",
                        expected,
                    )
                break
            if prev_hash != prev:
                problem = AuditProblem(
                    AuditCode.PREV_LINK_MISMATCH,
                    f"entry {idx}: prev_entry_hash {bytes(prev_hash).hex()} is not the entry_hash "
                    f"{bytes(prev).hex() if prev else '?'} of the entry before it",
                    idx,
                )
                break
            if sha(prev + leaf).digest() != entry_hash:
                problem = AuditProblem(
                    AuditCode.ENTRY_HASH_MISMATCH,
                    f"entry {idx}: SHA-256(prev_entry_hash || canonical bytes) does not equal the stored "
                    "entry_hash (the entry or its hash was changed)",
                    idx,
                )
                break
            if check_leaves:
                problem = self._check_leaf(idx, shop_id, leaf)
                if problem is not None:
                    break
            elif not leaf.endswith(suffixes.get(shop_id) or self._suffix(shop_id)):
                problem = AuditProblem(
                    AuditCode.SHOP_MISMATCH,
                    f"entry {idx}: the shop_id column {shop_id!r} is not the shop in the entry's canonical bytes",
                    idx,
                )
                break
            add(sha(b"\x00" + leaf).digest())
            prev = last = entry_hash
            expected += 1
        return ChunkCheck(
            first_index,
            expected - first_index,
            b"".join(leaf_hashes),
            first_prev,
            None if last is None else bytes(last),
            problem,
        )

    def check_columns(self, columns: EntryColumns, first_index: int) -> ChunkCheck | None:
        """The fast path of ``check`` (without ``prev``) for entries read column by column: the very same
        checks, made over whole columns at once (every hash is still computed here, one per entry for the
        chain and one for the leaf). ``None`` when anything at all is off, a damaged entry or columns that
        do not line up: ``check`` on the rows then names the problem exactly as it always did."""
        indexes, shops, leaves = columns.indexes, columns.shops, columns.leaves
        prev_hashes, entry_hashes = columns.prev_hashes, columns.entry_hashes
        count = len(leaves)
        if (
            count == 0
            or len(shops) != count
            or len(prev_hashes) != count * HASH_SIZE
            or len(entry_hashes) != count * HASH_SIZE
            or indexes != index_column(first_index, count)  # index i at position i: no gap, repeat or swap
        ):
            return None
        # Links inside the range: prev_entry_hash[i] = entry_hash[i - 1] (the first one is linked by the caller).
        if prev_hashes[HASH_SIZE:] != entry_hashes[:-HASH_SIZE]:
            return None
        # entry_hash[i] = SHA-256(entry_hash[i - 1] || leaf[i]) and SHA-256(0x00 || leaf[i]), every one computed
        # here. Hot loop (hundreds of thousands of entries a second): locals only, one pass over each leaf.
        chained: list[bytes] = []
        hashed: list[bytes] = []
        sha, add_chained, add_hashed = _sha256, chained.append, hashed.append
        prev = prev_hashes[:HASH_SIZE]
        for leaf in leaves:
            prev = sha(prev + leaf).digest()
            add_chained(prev)
            add_hashed(sha(b"\x00" + leaf).digest())
        if b"".join(chained) != entry_hashes:
            return None
        # The shop_id column is the shop the leaf ends with.
        suffixes = {shop: self._suffix(shop) for shop in set(shops)}
        if not all(map(bytes.endswith, leaves, map(suffixes.__getitem__, shops))):
            return None
        if self.check_leaves:
            for position, (shop, leaf) in enumerate(zip(shops, leaves, strict=True)):
                if self._check_leaf(first_index + position, shop, leaf) is not None:
                    return None
        return ChunkCheck(
            first_index,
            count,
            b"".join(hashed),
            prev_hashes[:HASH_SIZE],
            entry_hashes[-HASH_SIZE:],
        )

    def _check_leaf(self, idx: int, shop_id: str, leaf: bytes) -> AuditProblem | None:
        try:
            entry = parse_leaf(bytes(leaf))
        except InvalidEntry as exc:
            return AuditProblem(AuditCode.INVALID_LEAF, f"entry {idx}: {exc.message}", idx)
        if entry.index != idx:
            return AuditProblem(
                AuditCode.INVALID_LEAF, f"entry {idx}: its canonical bytes carry index {entry.index}", idx
            )
        if entry.shop_id != shop_id:
            return AuditProblem(
                AuditCode.SHOP_MISMATCH,
                f"entry {idx}: the shop_id column {shop_id!r} is not the entry's shop {entry.shop_id!r}",
                idx,
            )
        return None


class LogAuditor:
    """Recomputes a stored log incrementally; see the module docstring."""

    def __init__(self, *, check_leaves: bool = False) -> None:
        self.checker = ChunkChecker(check_leaves=check_leaves)
        self.size = 0
        self.last_entry_hash = GENESIS_PREV_HASH
        self._frontier: dict[int, bytes] = {}  # level -> the unpaired perfect subtree at that level
        # level -> [first node index, concatenated hashes] of nodes completed since the last take.
        self._pending: dict[int, list] = {}  # type: ignore[type-arg]

    # ------------------------------------------------------------------------------------------ entries

    def feed(self, rows: Sequence[Row]) -> AuditProblem | None:
        """Check and fold ``rows`` (the next records in index order). On a bad record, the good ones
        before it are folded (their nodes are pending) and the problem is returned; feed no more then."""
        chunk = self.checker.check(rows, self.size, self.last_entry_hash)
        self.fold(chunk.leaf_hashes)
        if chunk.last_entry_hash is not None:
            self.last_entry_hash = chunk.last_entry_hash
        return chunk.problem

    def link(self, chunk: ChunkCheck) -> AuditProblem | None:
        """The problem with a chunk checked on its own (``ChunkChecker.check`` without ``prev``) at the
        point where it joins the entries folded so far, if any."""
        if chunk.first_index != self.size:
            raise ValueError(f"chunk starts at {chunk.first_index}, the auditor is at {self.size}")
        if chunk.first_prev is not None and chunk.first_prev != self.last_entry_hash:
            return AuditProblem(
                AuditCode.PREV_LINK_MISMATCH,
                f"entry {self.size}: prev_entry_hash {chunk.first_prev.hex()} is not the entry_hash "
                f"{self.last_entry_hash.hex()} of the entry before it",
                self.size,
            )
        return None

    # --------------------------------------------------------------------------------------------- tree

    def fold(self, leaf_hashes: bytes) -> None:
        """Fold new leaves (their leaf hashes, concatenated) into the frontier, level by level: at each
        level the unpaired node of the frontier (if any) and the new nodes pair up left to right; the pairs
        are the next level's new nodes and an odd one out becomes that level's frontier node."""
        sha = _sha256
        frontier, pending = self._frontier, self._pending
        count = len(leaf_hashes) // HASH_SIZE
        new = [leaf_hashes[i : i + HASH_SIZE] for i in range(0, len(leaf_hashes), HASH_SIZE)]
        size, level = self.size, 0
        while new:
            complete = size >> level  # nodes of this level before these leaves; the new ones follow
            entry = pending.get(level)
            if entry is None:
                entry = pending[level] = [complete, bytearray()]
            entry[1] += leaf_hashes if level == 0 else b"".join(new)
            row = [frontier.pop(level), *new] if complete & 1 else new
            if len(row) & 1:
                frontier[level] = row[-1]
            new = [sha(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row) - 1, 2)]
            level += 1
        self.size = size + count

    def _push(self, level: int, node: bytes, frontier: dict[int, bytes], size: int, record: bool) -> None:
        """Add the perfect subtree (level, size >> level) to ``frontier``, merging with unpaired left
        siblings; the parents it completes are recorded as pending nodes when ``record``."""
        index = size >> level
        while level in frontier:
            node = _sha256(b"\x01" + frontier.pop(level) + node).digest()
            level, index = level + 1, index >> 1
            if record:
                entry = self._pending.get(level)
                if entry is None:
                    entry = self._pending[level] = [index, bytearray()]
                entry[1] += node
        frontier[level] = node

    def absorb_range(self, count: int, levels: Sequence[bytes]) -> None:
        """Take in ``count`` leaves checked on their own, whose complete subtrees are ``levels``
        (``subtree_levels``); the auditor's size must be a multiple of a power of two >= ``count``. Only
        nodes above the range become pending (the range's own were compared with it)."""
        first = self.size
        for level, index in decomposition(first, count):
            start = (index - (first >> level)) * HASH_SIZE
            self._push(level, levels[level][start : start + HASH_SIZE], self._frontier, self.size, True)
            self.size += 1 << level

    def root_within(self, count: int, levels: Sequence[bytes]) -> bytes:
        """The root the tree would have after ``absorb_range(count, levels)`` (nothing is changed)."""
        frontier, size = dict(self._frontier), self.size
        for level, index in decomposition(self.size, count):
            start = (index - (self.size >> level)) * HASH_SIZE
            self._push(level, levels[level][start : start + HASH_SIZE], frontier, size, False)
            size += 1 << level
        return fold_right([frontier[level] for level in sorted(frontier, reverse=True)]) if frontier else EMPTY_ROOT

    def take_expected_nodes(self) -> list[tuple[int, int, bytes]]:
        """The nodes completed since the last call: (level, first node index, concatenated hashes)."""
        taken = [(level, first, bytes(data)) for level, (first, data) in sorted(self._pending.items()) if data]
        self._pending = {}
        return taken

    @staticmethod
    def compare_nodes(level: int, first: int, expected: bytes, stored: bytes) -> AuditProblem | None:
        """Compare the recomputed nodes ``first, first + 1, ...`` of ``level`` with the stored ones."""
        if stored == expected:
            return None
        for position in range(0, len(expected), HASH_SIZE):
            if stored[position : position + HASH_SIZE] != expected[position : position + HASH_SIZE]:
                index = first + position // HASH_SIZE
                lo, hi = node_range(level, index)
                if position >= len(stored):
                    return AuditProblem(
                        AuditCode.NODE_MISSING,
                        f"the node store has no Merkle node (level {level}, index {index}) for entries {lo}..{hi}",
                        lo,
                    )
                if level == 0:
                    return AuditProblem(
                        AuditCode.NODE_MISMATCH,
                        f"entry {lo}: SHA-256(0x00 || canonical bytes) differs from the stored Merkle leaf "
                        f"node (level 0, index {index}) (the entry, its hashes or the node was changed)",
                        lo,
                    )
                return AuditProblem(
                    AuditCode.NODE_MISMATCH,
                    f"the stored Merkle node (level {level}, index {index}) covering entries {lo}..{hi} differs "
                    "from the hash recomputed from those entries (the node was changed)",
                    lo,
                )
        return AuditProblem(AuditCode.NODE_MISMATCH, f"level {level}: more stored nodes than expected", None)

    def _frontier_hashes(self) -> list[bytes]:
        return [self._frontier[level] for level in sorted(self._frontier, reverse=True)]

    @property
    def frontier(self) -> Frontier:
        return Frontier(self.size, tuple(self._frontier_hashes()))

    def root(self) -> bytes:
        return fold_right(self._frontier_hashes()) if self._frontier else EMPTY_ROOT

    # --------------------------------------------------------------------------------- heads and state

    def check_head(
        self,
        seq: int,
        head: SignedTreeHead,
        stored_head_hash: bytes,
        previous: SignedTreeHead | None,
        keys: Mapping[str, PublicKey],
        root: bytes | None = None,
    ) -> AuditProblem | None:
        """Check signed head number ``seq`` against ``root`` (by default the root of the leaves folded so
        far, which must then be exactly ``head.tree_size``)."""
        name = f"head #{seq} (tree_size {head.tree_size})"
        key = keys.get(head.key_id)
        if key is None:
            return AuditProblem(AuditCode.HEAD_INVALID, f"{name} is signed by key {head.key_id}, not a log key")
        try:
            key.verify_head(head)
        except (InvalidHead, InvalidSignature) as exc:
            return AuditProblem(AuditCode.HEAD_INVALID, f"{name}: {exc.message}")
        if head.head_hash() != stored_head_hash:
            return AuditProblem(AuditCode.HEAD_INVALID, f"{name}: the stored head_hash is not SHA-256 of the head")
        expected_prev = previous.head_hash().hex() if previous is not None else ZERO_HASH_HEX
        if head.head.prev_head_hash != expected_prev:
            return AuditProblem(
                AuditCode.HEAD_CHAIN_MISMATCH,
                f"{name}: prev_head_hash {head.head.prev_head_hash} is not the hash {expected_prev} of the head "
                "before it",
            )
        if previous is not None and (
            head.tree_size < previous.tree_size or head.head.timestamp < previous.head.timestamp
        ):
            return AuditProblem(AuditCode.HEAD_CHAIN_MISMATCH, f"{name}: goes back in size or time")
        if root is None:
            if self.size != head.tree_size:
                raise ValueError(f"auditor is at {self.size} leaves, the head is for {head.tree_size}")
            root = self.root()
        if head.root_hash != root.hex():
            return AuditProblem(
                AuditCode.HEAD_ROOT_MISMATCH,
                f"{name}: signed root {head.root_hash} is not the root {root.hex()} recomputed from entries "
                f"0..{head.tree_size - 1}",
            )
        return None

    def check_end(
        self, *, state_size: int, state_last_hash: bytes, state_frontier: bytes, node_count: int
    ) -> AuditProblem | None:
        """After the last page: the recorded size, chain tip, frontier and node count agree with the walk."""
        if self.size < state_size:
            return AuditProblem(
                AuditCode.MISSING_ENTRIES,
                f"index {self.size} is missing: the log ends after {self.size} of {state_size} entries",
                self.size,
            )
        if self.size > state_size:
            return AuditProblem(
                AuditCode.EXTRA_ENTRIES,
                f"{self.size - state_size} entries beyond the recorded log size {state_size}",
                state_size,
            )
        if bytes(state_last_hash) != self.last_entry_hash:
            return AuditProblem(AuditCode.STATE_MISMATCH, "log_state.last_entry_hash is not the last entry's hash")
        if bytes(state_frontier) != b"".join(self._frontier_hashes()):
            return AuditProblem(AuditCode.STATE_MISMATCH, "log_state.frontier is not the recomputed right frontier")
        expected = expected_node_count(self.size)
        if node_count != expected:
            return AuditProblem(
                AuditCode.EXTRA_NODES if node_count > expected else AuditCode.NODE_MISSING,
                f"the node store holds {node_count} nodes, a tree of {self.size} entries has {expected}",
            )
        return None


def nodes_as_keys(taken: Sequence[tuple[int, int, bytes]]) -> list[tuple[NodeKey, bytes]]:
    """``take_expected_nodes`` output as (key, hash) pairs (for tests and small logs)."""
    out = []
    for level, first, data in taken:
        for position in range(0, len(data), HASH_SIZE):
            out.append((NodeKey(level, first + position // HASH_SIZE), data[position : position + HASH_SIZE]))
    return out
