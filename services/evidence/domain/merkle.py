"""RFC 6962 / RFC 9162 Merkle tree over the evidence log, served from a store of perfect subtrees.

Hashing (RFC 9162 section 2.1.1)::

    MTH({})    = SHA-256()
    leaf hash  = SHA-256(0x00 || leaf)
    node hash  = SHA-256(0x01 || left || right)
    MTH(D[n])  = node hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n

Node store layout
-----------------
Node ``(level, index)`` is the root hash of the *perfect* subtree covering leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes. Only complete subtrees are
ever stored, so a node never changes once written (an append-only table keyed by ``(level, index)``).
A tree of size ``n`` has about ``2n`` stored nodes.

Every subtree the RFC recursion names is either perfect (one stored node) or runs to the right edge of
the tree; a right-edge subtree ``[a, n)`` is recomputed from the <= log2(n) perfect subtrees that
decompose it (the set bits of ``n - a``, largest first), folded from the right. Proofs therefore need
O(log n) node reads, fetched in one batch (``NodeReader.get_many``), never the whole tree.

Proof generation is split in two so that any storage (sync or async) can serve it: ``plan_*`` returns the
node keys to fetch; ``ProofPlan.assemble`` turns the fetched hashes into the RFC proof. ``root``,
``inclusion_proof`` and ``consistency_proof`` (and the ``a``-prefixed async variants) do both.

Appends: ``append_leaf_hashes(frontier, leaf_hashes)`` takes the right frontier (the perfect subtrees of
the current tree, one per set bit of its size) and returns every node that became complete (to insert)
plus the new frontier and root: O(1) amortised hashes per leaf, O(log n) worst case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

from .errors import (
    FrontierMismatch,
    InvalidProofRequest,
    MissingNode,
    NodeConflict,
    ProofVerificationError,
)

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf)."""
    return _sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(NODE_PREFIX + left + right).digest()


class NodeKey(NamedTuple):
    """A perfect subtree: leaves ``[index << level, (index + 1) << level)``."""

    level: int
    index: int  # type: ignore[assignment]  # the field deliberately shadows tuple.index()

    @property
    def first_leaf(self) -> int:
        return self.index << self.level

    @property
    def end_leaf(self) -> int:
        return (self.index + 1) << self.level


@runtime_checkable
class NodeReader(Protocol):
    """Read access to the perfect-subtree store. Implementations raise ``MissingNode`` for an absent key."""

    def get(self, level: int, index: int) -> bytes: ...

    def get_many(self, keys: Sequence[NodeKey]) -> Sequence[bytes]:
        """The hashes of ``keys``, in the same order (one round trip for a database)."""
        ...


class AsyncNodeReader(Protocol):
    """The same store behind an async driver (e.g. SQLAlchemy asyncio)."""

    async def get_many(self, keys: Sequence[NodeKey]) -> Sequence[bytes]: ...


# --------------------------------------------------------------------------------------------- planning


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_keys(start: int, end: int) -> tuple[NodeKey, ...]:
    """The perfect subtrees, left to right, whose right fold is MTH(D[start:end]).

    ``[start, end)`` must be a subtree the RFC recursion can produce: ``start`` is a multiple of the
    smallest power of two >= ``end - start`` (always true for ``start == 0``).
    """
    size = end - start
    if size <= 0:
        raise InvalidProofRequest(f"empty leaf range [{start}, {end})")
    span = 1 << (size - 1).bit_length()
    if start % span:
        raise InvalidProofRequest(f"leaf range [{start}, {end}) is not a subtree of an RFC 6962 tree")
    if span == size:  # a perfect subtree: one stored node
        level = size.bit_length() - 1
        return (NodeKey(level, start >> level),)
    keys = []
    position, remaining = start, size
    while remaining:
        level = remaining.bit_length() - 1
        keys.append(NodeKey(level, position >> level))
        position += 1 << level
        remaining -= 1 << level
    return tuple(keys)


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """node_hash(h0, node_hash(h1, ... node_hash(h[-2], h[-1]))): the hash of a right-edge subtree."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """Which stored nodes a proof (or root) needs, and how to combine them.

    ``ranges`` are the RFC subtrees whose hashes form the result, in RFC order; ``keys`` are the distinct
    perfect-subtree nodes to fetch (O(log n) of them).
    """

    ranges: tuple[tuple[int, int], ...]
    keys: tuple[NodeKey, ...]

    @classmethod
    def of_ranges(cls, ranges: Sequence[tuple[int, int]]) -> ProofPlan:
        seen: dict[NodeKey, None] = {}
        for start, end in ranges:
            for key in subtree_keys(start, end):
                seen.setdefault(key, None)
        return cls(tuple(ranges), tuple(seen))

    def assemble(self, hashes: Sequence[bytes]) -> list[bytes]:
        """The proof from the hashes of ``keys`` (same order)."""
        if len(hashes) != len(self.keys):
            raise ValueError(f"expected {len(self.keys)} node hashes, got {len(hashes)}")
        by_key = dict(zip(self.keys, hashes, strict=True))
        return [fold_right([by_key[k] for k in subtree_keys(start, end)]) for start, end in self.ranges]


def _check_size(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidProofRequest(f"{name} must be a non-negative integer, got {value!r}")


def plan_root(tree_size: int) -> ProofPlan:
    """Nodes for MTH of the first ``tree_size`` leaves (none for the empty tree: see ``root``)."""
    _check_size("tree_size", tree_size)
    return ProofPlan.of_ranges([(0, tree_size)] if tree_size else [])


def plan_inclusion(leaf_index: int, tree_size: int) -> ProofPlan:
    """Nodes for PATH(leaf_index, D[0:tree_size]) (RFC 6962 section 2.1.1), audit path bottom-up."""
    _check_size("leaf_index", leaf_index)
    _check_size("tree_size", tree_size)
    if leaf_index >= tree_size:
        raise InvalidProofRequest(f"leaf_index {leaf_index} is not below tree_size {tree_size}")
    outer_first: list[tuple[int, int]] = []
    offset, size, m = 0, tree_size, leaf_index
    while size > 1:
        k = _largest_power_of_two_below(size)
        if m < k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            outer_first.append((offset + k, offset + size))
            size = k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            outer_first.append((offset, offset + k))
            offset, size, m = offset + k, size - k, m - k
    outer_first.reverse()
    return ProofPlan.of_ranges(outer_first)


def plan_consistency(first_size: int, second_size: int) -> ProofPlan:
    """Nodes for PROOF(first_size, D[0:second_size]) (RFC 6962 section 2.1.2).

    Empty when ``first_size`` is 0 or equal to ``second_size`` (nothing to prove).
    """
    _check_size("first_size", first_size)
    _check_size("second_size", second_size)
    if first_size > second_size:
        raise InvalidProofRequest(f"first size {first_size} is larger than second size {second_size}")
    if first_size == 0 or first_size == second_size:
        return ProofPlan((), ())
    outer_first: list[tuple[int, int]] = []
    offset, size, m, whole = 0, second_size, first_size, True
    while m != size:  # SUBPROOF(m, D[offset:offset+size], whole)
        k = _largest_power_of_two_below(size)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            outer_first.append((offset + k, offset + size))
            size = k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            outer_first.append((offset, offset + k))
            offset, size, m, whole = offset + k, size - k, m - k, False
    if not whole:  # SUBPROOF(m, D[m], false) = [MTH(D[m])]
        outer_first.append((offset, offset + size))
    outer_first.reverse()
    return ProofPlan.of_ranges(outer_first)


# ----------------------------------------------------------------------------------- sync / async serving


def root(reader: NodeReader, tree_size: int) -> bytes:
    """MTH of the first ``tree_size`` leaves (``EMPTY_ROOT`` for 0), from at most log2(n)+1 nodes."""
    plan = plan_root(tree_size)
    if not plan.ranges:
        return EMPTY_ROOT
    return plan.assemble(reader.get_many(plan.keys))[0]


def inclusion_proof(reader: NodeReader, leaf_index: int, tree_size: int) -> list[bytes]:
    plan = plan_inclusion(leaf_index, tree_size)
    return plan.assemble(reader.get_many(plan.keys)) if plan.keys else []


def consistency_proof(reader: NodeReader, first_size: int, second_size: int) -> list[bytes]:
    plan = plan_consistency(first_size, second_size)
    return plan.assemble(reader.get_many(plan.keys)) if plan.keys else []


async def aroot(reader: AsyncNodeReader, tree_size: int) -> bytes:
    plan = plan_root(tree_size)
    if not plan.ranges:
        return EMPTY_ROOT
    return plan.assemble(await reader.get_many(plan.keys))[0]


async def ainclusion_proof(reader: AsyncNodeReader, leaf_index: int, tree_size: int) -> list[bytes]:
    plan = plan_inclusion(leaf_index, tree_size)
    return plan.assemble(await reader.get_many(plan.keys)) if plan.keys else []


async def aconsistency_proof(reader: AsyncNodeReader, first_size: int, second_size: int) -> list[bytes]:
    plan = plan_consistency(first_size, second_size)
    return plan.assemble(await reader.get_many(plan.keys)) if plan.keys else []


# ---------------------------------------------------------------------------------------- verification


def _check_hashes(proof: Sequence[bytes]) -> None:
    for position, h in enumerate(proof):
        if not isinstance(h, bytes | bytearray) or len(h) != HASH_SIZE:
            raise ProofVerificationError(f"proof hash {position} is not {HASH_SIZE} bytes")


def root_from_inclusion_proof(leaf_hash_: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 section 2.1.3.2, steps 1-4 and the sn check).

    Raises ``ProofVerificationError`` when the proof cannot be valid for any root (index not below the
    size, proof too long or too short, a hash of the wrong length).
    """
    if leaf_index < 0 or tree_size < 0 or leaf_index >= tree_size:
        raise ProofVerificationError(f"leaf_index {leaf_index} is not below tree_size {tree_size}")
    _check_hashes([leaf_hash_, *proof])
    fn, sn = leaf_index, tree_size - 1
    r = bytes(leaf_hash_)
    for p in proof:
        if sn == 0:
            raise ProofVerificationError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofVerificationError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf_hash_: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` show leaf ``leaf_index`` in the tree with ``root_hash``?"""
    try:
        return root_from_inclusion_proof(leaf_hash_, leaf_index, tree_size, proof) == root_hash
    except ProofVerificationError:
        return False


def verify_consistency(
    first_size: int,
    second_size: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree (first_size, first_root) a prefix of (second_size,
    second_root)?

    Outside the RFC's 0 < first < second: equal sizes need an empty proof and equal roots; the empty tree
    (size 0, root SHA-256()) is a prefix of every tree, with an empty proof.
    """
    if first_size < 0 or second_size < first_size:
        return False
    try:
        _check_hashes([first_root, second_root, *proof])
    except ProofVerificationError:
        return False
    if first_size == second_size:
        return not proof and first_root == second_root
    if first_size == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if not path:  # step 1
        return False
    if first_size & (first_size - 1) == 0:  # step 2
        path.insert(0, first_root)
    fn, sn = first_size - 1, second_size - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0  # step 7


# ---------------------------------------------------------------------------------------------- appends


@dataclass(frozen=True, slots=True)
class Frontier:
    """The right frontier (compact range [0, size)) of a tree: one perfect subtree per set bit of
    ``size``, largest (leftmost) first. All an appender needs to know about the existing tree."""

    size: int
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise FrontierMismatch(f"frontier size must be a non-negative integer, got {self.size!r}")
        expected = self.size.bit_count()
        if len(self.hashes) != expected:
            raise FrontierMismatch(f"a tree of size {self.size} has {expected} frontier nodes, got {len(self.hashes)}")
        for h in self.hashes:
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                raise FrontierMismatch("frontier hashes must be 32-byte values")

    @staticmethod
    def keys_for(size: int) -> tuple[NodeKey, ...]:
        """The stored nodes that make up the frontier of a tree of ``size`` leaves."""
        return subtree_keys(0, size) if size else ()

    @classmethod
    def empty(cls) -> Frontier:
        return cls(0, ())

    @classmethod
    def load(cls, reader: NodeReader, size: int) -> Frontier:
        keys = cls.keys_for(size)
        return cls(size, tuple(reader.get_many(keys)) if keys else ())

    @classmethod
    async def aload(cls, reader: AsyncNodeReader, size: int) -> Frontier:
        keys = cls.keys_for(size)
        return cls(size, tuple(await reader.get_many(keys)) if keys else ())

    @property
    def keys(self) -> tuple[NodeKey, ...]:
        return self.keys_for(self.size)

    def root(self) -> bytes:
        return fold_right(self.hashes) if self.hashes else EMPTY_ROOT


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Outcome of an append: the leaves got indexes ``first_index ..``; ``new_nodes`` are every node that
    became complete (children before parents) and must be stored; ``frontier`` replaces the old one."""

    first_index: int
    new_nodes: tuple[tuple[NodeKey, bytes], ...]
    frontier: Frontier

    @property
    def tree_size(self) -> int:
        return self.frontier.size

    @property
    def root(self) -> bytes:
        return self.frontier.root()


def append_leaf_hashes(frontier: Frontier, leaf_hashes: Iterable[bytes]) -> AppendResult:
    """Append leaves (given by their leaf hashes) to the tree whose right frontier is ``frontier``."""
    keys = frontier.keys
    stack: list[tuple[int, int, bytes]] = [(k.level, k.index, h) for k, h in zip(keys, frontier.hashes, strict=True)]
    new_nodes: list[tuple[NodeKey, bytes]] = []
    size = frontier.size
    for h in leaf_hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ValueError(f"leaf hash for index {size} is not 32 bytes")
        level, index = 0, size
        new_nodes.append((NodeKey(0, index), h))
        while stack and stack[-1][0] == level:
            _, left_index, left = stack.pop()
            h = node_hash(left, h)
            level, index = level + 1, left_index >> 1
            new_nodes.append((NodeKey(level, index), h))
        stack.append((level, index, h))
        size += 1
    return AppendResult(
        first_index=frontier.size,
        new_nodes=tuple(new_nodes),
        frontier=Frontier(size, tuple(h for _, _, h in stack)),
    )


def append_leaves(frontier: Frontier, leaves: Iterable[bytes]) -> AppendResult:
    """``append_leaf_hashes`` for raw leaf bytes (canonical entries)."""
    return append_leaf_hashes(frontier, (leaf_hash(leaf) for leaf in leaves))


# --------------------------------------------------------------------------------------- in-memory store


class InMemoryNodeStore:
    """A ``NodeReader`` holding every perfect subtree, 32 bytes per node in one bytearray per level.

    Writes follow the store contract the database table must also enforce: a node is written once; writing
    it again with the same hash is a no-op, with another hash (or leaving a gap) raises ``NodeConflict``.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    def count(self, level: int) -> int:
        """How many complete nodes the store has at ``level``."""
        return len(self._levels[level]) // HASH_SIZE if level < len(self._levels) else 0

    @property
    def leaf_count(self) -> int:
        return self.count(0)

    def __len__(self) -> int:
        return sum(len(level) for level in self._levels) // HASH_SIZE

    def put(self, key: NodeKey | tuple[int, int], value: bytes) -> None:
        level, index = key
        if len(value) != HASH_SIZE:
            raise NodeConflict(f"node ({level}, {index}) hash is not 32 bytes")
        if level > len(self._levels) or level < 0 or index < 0:
            raise NodeConflict(f"node ({level}, {index}) would leave a gap in the store")
        if level == len(self._levels):
            self._levels.append(bytearray())
        row = self._levels[level]
        count = len(row) // HASH_SIZE
        if index == count:
            row += value
        elif index < count:
            if row[index * HASH_SIZE : (index + 1) * HASH_SIZE] != value:
                raise NodeConflict(f"node ({level}, {index}) is already stored with another hash")
        else:
            raise NodeConflict(f"node ({level}, {index}) would leave a gap after {count} nodes")

    def put_many(self, nodes: Iterable[tuple[NodeKey, bytes]]) -> None:
        for key, value in nodes:
            self.put(key, value)

    def get(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0 or level >= len(self._levels):
            raise MissingNode(level, index)
        row = self._levels[level]
        start = index * HASH_SIZE
        if start + HASH_SIZE > len(row):
            raise MissingNode(level, index)
        return bytes(row[start : start + HASH_SIZE])

    def get_many(self, keys: Sequence[NodeKey]) -> list[bytes]:
        return [self.get(level, index) for level, index in keys]


class InMemoryTree:
    """A store plus its frontier: an in-memory Merkle log for tests, tools and benchmarks."""

    def __init__(self, store: InMemoryNodeStore | None = None) -> None:
        self.store = store if store is not None else InMemoryNodeStore()
        self.frontier = Frontier.load(self.store, self.store.leaf_count)

    @property
    def size(self) -> int:
        return self.frontier.size

    def append_leaf_hashes(self, leaf_hashes: Iterable[bytes]) -> AppendResult:
        result = append_leaf_hashes(self.frontier, leaf_hashes)
        self.store.put_many(result.new_nodes)
        self.frontier = result.frontier
        return result

    def append(self, leaves: Iterable[bytes]) -> AppendResult:
        return self.append_leaf_hashes(leaf_hash(leaf) for leaf in leaves)

    def root(self, tree_size: int | None = None) -> bytes:
        size = self.size if tree_size is None else tree_size
        self._check_within(size)
        return root(self.store, size)

    def inclusion_proof(self, leaf_index: int, tree_size: int | None = None) -> list[bytes]:
        size = self.size if tree_size is None else tree_size
        self._check_within(size)
        return inclusion_proof(self.store, leaf_index, size)

    def consistency_proof(self, first_size: int, second_size: int | None = None) -> list[bytes]:
        size = self.size if second_size is None else second_size
        self._check_within(size)
        return consistency_proof(self.store, first_size, size)

    def _check_within(self, size: int) -> None:
        if isinstance(size, int) and size > self.size:
            raise InvalidProofRequest(f"tree size {size} is beyond the log's {self.size} leaves")
