"""Merkle tree: roots, inclusion and consistency proofs against a straightforward RFC 6962 reference."""

from __future__ import annotations

import asyncio
import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.evidence.domain import merkle
from services.evidence.domain.errors import (
    FrontierMismatch,
    InvalidProofRequest,
    MissingNode,
    NodeConflict,
    ProofVerificationError,
)

MAX_EXHAUSTIVE = 64
MAX_RANDOM = 300
MAX_LEAVES = 1024

# Leaves of varying length, the first one empty (an edge case of the leaf hash).
LEAVES = [b""] + [f"leaf {i} ".encode() * (1 + i % 3) for i in range(1, MAX_LEAVES)]


# ------------------------------------------------------------------------ RFC 6962 section 2.1, literally


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) over LEAVES."""
    n = hi - lo
    if n == 0:
        return _sha256(b"")
    if n == 1:
        return _sha256(b"\x00" + LEAVES[lo])
    k = _k(n)
    return _sha256(b"\x01" + ref_mth(lo, lo + k) + ref_mth(lo + k, hi))


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi])."""
    n = hi - lo
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return ref_path(m, lo, lo + k) + [ref_mth(lo + k, hi)]
    return ref_path(m - k, lo + k, hi) + [ref_mth(lo, lo + k)]


def ref_subproof(m: int, lo: int, hi: int, b: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], b)."""
    n = hi - lo
    if m == n:
        return [] if b else [ref_mth(lo, hi)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, lo, lo + k, b) + [ref_mth(lo + k, hi)]
    return ref_subproof(m - k, lo + k, hi, False) + [ref_mth(lo, lo + k)]


def ref_proof(m: int, n: int) -> list[bytes]:
    """PROOF(m, D[n])."""
    return ref_subproof(m, 0, n, True)


# ---------------------------------------------------------------------------------------- fixtures


def build_tree(size: int) -> merkle.InMemoryTree:
    assert size <= MAX_LEAVES
    tree = merkle.InMemoryTree()
    tree.append(LEAVES[:size])
    return tree


@pytest.fixture(scope="module")
def tree64() -> merkle.InMemoryTree:
    return build_tree(MAX_EXHAUSTIVE)


def flipped(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


SIZES = range(1, MAX_EXHAUSTIVE + 1)


# ------------------------------------------------------------------------------------------ vectors


def test_hash_primitives_use_rfc_prefixes():
    assert merkle.leaf_hash(b"abc") == _sha256(b"\x00abc")
    assert merkle.node_hash(b"L" * 32, b"R" * 32) == _sha256(b"\x01" + b"L" * 32 + b"R" * 32)
    assert merkle.EMPTY_ROOT == _sha256(b"")


def test_known_certificate_transparency_roots():
    # The test vectors of the certificate-transparency reference implementation (merkle_tree_test).
    leaves = [
        bytes.fromhex(h)
        for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    ]
    expected = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    tree = merkle.InMemoryTree()
    tree.append(leaves)
    assert [tree.root(n).hex() for n in range(1, 9)] == expected
    assert tree.root(0) == merkle.EMPTY_ROOT


# ------------------------------------------------------------------------------ exhaustive 1..64


@pytest.mark.parametrize("n", SIZES)
def test_root_matches_reference(tree64, n):
    assert tree64.root(n) == ref_mth(0, n)
    assert build_tree(n).frontier.root() == ref_mth(0, n)


@pytest.mark.parametrize("n", SIZES)
def test_inclusion_proofs_match_reference_and_verify(tree64, n):
    root = ref_mth(0, n)
    for m in range(n):
        proof = tree64.inclusion_proof(m, n)
        assert proof == ref_path(m, 0, n), (m, n)
        leaf = merkle.leaf_hash(LEAVES[m])
        assert merkle.verify_inclusion(leaf, m, n, proof, root)
        # Any flipped hash, in the proof, the leaf or the root, breaks it.
        for position in range(len(proof)):
            bad = list(proof)
            bad[position] = flipped(bad[position], position % 8)
            assert not merkle.verify_inclusion(leaf, m, n, bad, root), (m, n, position)
        assert not merkle.verify_inclusion(flipped(leaf), m, n, proof, root)
        assert not merkle.verify_inclusion(leaf, m, n, proof, flipped(root))
        # The wrong position, a shortened or lengthened proof.
        if n > 1:
            assert not merkle.verify_inclusion(leaf, (m + 1) % n, n, proof, root)
        if proof:
            assert not merkle.verify_inclusion(leaf, m, n, proof[:-1], root)
        assert not merkle.verify_inclusion(leaf, m, n, [*proof, root], root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(LEAVES[0]), n, n, [], root)


@pytest.mark.parametrize("n", SIZES)
def test_consistency_proofs_match_reference_and_verify(tree64, n):
    second = ref_mth(0, n)
    for m in range(1, n + 1):
        proof = tree64.consistency_proof(m, n)
        first = ref_mth(0, m)
        if m == n:
            assert proof == []
        else:
            assert proof == ref_proof(m, n), (m, n)
        assert merkle.verify_consistency(m, n, first, second, proof), (m, n)
        for position in range(len(proof)):
            bad = list(proof)
            bad[position] = flipped(bad[position], position % 8)
            assert not merkle.verify_consistency(m, n, first, second, bad), (m, n, position)
        assert not merkle.verify_consistency(m, n, flipped(first), second, proof)
        assert not merkle.verify_consistency(m, n, first, flipped(second), proof)
        if proof:
            assert not merkle.verify_consistency(m, n, first, second, proof[:-1])
            assert not merkle.verify_consistency(m, n, first, second, [*proof, second])
        if 1 < m < n:
            assert not merkle.verify_consistency(m - 1, n, first, second, proof)


def test_consistency_edge_sizes(tree64):
    root5 = tree64.root(5)
    assert tree64.consistency_proof(0, 5) == []
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root5, [])
    assert not merkle.verify_consistency(0, 5, root5, root5, [])
    assert merkle.verify_consistency(5, 5, root5, root5, [])
    assert not merkle.verify_consistency(5, 5, root5, tree64.root(6), [])
    assert not merkle.verify_consistency(5, 5, root5, root5, [root5])
    assert not merkle.verify_consistency(6, 5, root5, root5, [])
    # RFC 9162 step 1: an empty proof never proves 0 < m < n.
    assert not merkle.verify_consistency(4, 5, tree64.root(4), root5, [])
    with pytest.raises(InvalidProofRequest):
        tree64.consistency_proof(6, 5)


def test_proof_requests_out_of_range_are_refused(tree64):
    with pytest.raises(InvalidProofRequest):
        tree64.inclusion_proof(5, 5)
    with pytest.raises(InvalidProofRequest):
        tree64.inclusion_proof(-1, 5)
    with pytest.raises(InvalidProofRequest):
        tree64.root(65)
    with pytest.raises(InvalidProofRequest):
        merkle.plan_inclusion(0, 0)
    with pytest.raises(ProofVerificationError):
        merkle.root_from_inclusion_proof(b"\x00" * 32, 3, 3, [])
    with pytest.raises(ProofVerificationError):
        merkle.root_from_inclusion_proof(b"\x00" * 31, 0, 1, [])


# ------------------------------------------------------------------------- storage and O(log n)


class CountingReader:
    """A real NodeReader in front of the in-memory store that records every key it serves."""

    def __init__(self, store: merkle.InMemoryNodeStore) -> None:
        self.store = store
        self.calls: list[list[merkle.NodeKey]] = []

    def get(self, level: int, index: int) -> bytes:
        self.calls.append([merkle.NodeKey(level, index)])
        return self.store.get(level, index)

    def get_many(self, keys):
        self.calls.append(list(keys))
        return self.store.get_many(keys)


def test_proofs_fetch_log_n_nodes_in_one_batch():
    size = 1000
    tree = build_tree(size)
    reader = CountingReader(tree.store)
    assert isinstance(reader, merkle.NodeReader)
    bound = 2 * size.bit_length()
    for index in (0, 1, 511, 512, 998, 999):
        reader.calls.clear()
        assert merkle.inclusion_proof(reader, index, size) == ref_path(index, 0, size)
        assert len(reader.calls) == 1 and len(reader.calls[0]) <= bound
    for first in (1, 3, 500, 512, 999):
        reader.calls.clear()
        assert merkle.consistency_proof(reader, first, size) == ref_proof(first, size)
        assert len(reader.calls) == 1 and len(reader.calls[0]) <= bound
    reader.calls.clear()
    assert merkle.root(reader, size) == ref_mth(0, size)
    assert len(reader.calls[0]) == size.bit_count()


@pytest.mark.parametrize("size", [2**40 + 12345, 2**52 + 7])
def test_plans_for_huge_trees_stay_logarithmic(size):
    bound = 2 * size.bit_length()
    for index in (0, size // 3, size - 1):
        assert len(merkle.plan_inclusion(index, size).keys) <= bound
    for first in (1, size // 2 + 1, size - 1):
        assert len(merkle.plan_consistency(first, size).keys) <= bound


def test_plan_keys_are_complete_subtrees_inside_the_tree():
    for size in range(1, 130):
        for index in range(size):
            for key in merkle.plan_inclusion(index, size).keys:
                assert key.end_leaf <= size


def test_missing_node_is_reported():
    tree = build_tree(10)
    with pytest.raises(MissingNode) as caught:
        merkle.inclusion_proof(tree.store, 0, 12)  # the store only knows 10 leaves
    assert (caught.value.level, caught.value.index) in {(1, 5), (2, 2), (0, 10), (0, 11)}


def test_store_is_append_only():
    store = merkle.InMemoryNodeStore()
    h = merkle.leaf_hash(b"a")
    store.put((0, 0), h)
    store.put((0, 0), h)  # same value again: idempotent
    with pytest.raises(NodeConflict):
        store.put((0, 0), merkle.leaf_hash(b"b"))
    with pytest.raises(NodeConflict):
        store.put((0, 2), h)  # gap
    with pytest.raises(NodeConflict):
        store.put((2, 0), h)  # a level above a missing level
    assert len(store) == 1


def test_async_reader_serves_the_same_proofs():
    tree = build_tree(37)

    class AsyncReader:
        async def get_many(self, keys):
            await asyncio.sleep(0)
            return tree.store.get_many(keys)

    async def run():
        reader = AsyncReader()
        assert await merkle.aroot(reader, 37) == ref_mth(0, 37)
        assert await merkle.aroot(reader, 0) == merkle.EMPTY_ROOT
        assert await merkle.ainclusion_proof(reader, 20, 37) == ref_path(20, 0, 37)
        assert await merkle.aconsistency_proof(reader, 13, 37) == ref_proof(13, 37)
        frontier = await merkle.Frontier.aload(reader, 37)
        assert frontier == tree.frontier

    asyncio.run(run())


# ----------------------------------------------------------------------------------- appender


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12))
def test_incremental_appends_match_reference(batches):
    tree = merkle.InMemoryTree()
    for batch in batches:
        start = tree.size
        end = min(start + batch, MAX_RANDOM)
        result = tree.append(LEAVES[start:end])
        assert result.first_index == start
        assert result.tree_size == end
        assert result.root == ref_mth(0, end)
        # Exactly the nodes that became complete with this batch, each with its reference hash.
        expected_keys = {
            (level, index)
            for level in range(end.bit_length())
            for index in range(end >> level)
            if ((index + 1) << level) > start
        }
        assert {tuple(k) for k, _ in result.new_nodes} == expected_keys
        assert len(result.new_nodes) == len(expected_keys)
        for key, value in result.new_nodes:
            assert value == ref_mth(key.first_leaf, key.end_leaf)
        # The frontier is what a fresh process would load from the store.
        assert merkle.Frontier.load(tree.store, end) == result.frontier
        assert merkle.InMemoryTree(tree.store).root() == ref_mth(0, end)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_RANDOM - 1), st.data())
def test_random_sizes_proofs_match_reference(size, data):
    tree = build_tree(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    first = data.draw(st.integers(min_value=1, max_value=size))
    assert tree.inclusion_proof(index) == ref_path(index, 0, size)
    expected = [] if first == size else ref_proof(first, size)
    assert tree.consistency_proof(first) == expected


def test_frontier_shape_is_checked():
    with pytest.raises(FrontierMismatch):
        merkle.Frontier(3, (merkle.leaf_hash(b"x"),))
    with pytest.raises(FrontierMismatch):
        merkle.Frontier(-1, ())
    assert merkle.Frontier.keys_for(11) == (
        merkle.NodeKey(3, 0),
        merkle.NodeKey(1, 4),
        merkle.NodeKey(0, 10),
    )
    assert merkle.Frontier.empty().root() == merkle.EMPTY_ROOT


def test_appending_from_a_frontier_only():
    """The appender needs nothing but the frontier: appending to a frontier built elsewhere gives the
    same nodes as appending everything at once."""
    whole = merkle.append_leaves(merkle.Frontier.empty(), LEAVES[:77])
    head = merkle.append_leaves(merkle.Frontier.empty(), LEAVES[:50])
    tail = merkle.append_leaves(merkle.Frontier(50, head.frontier.hashes), LEAVES[50:77])
    assert tail.root == whole.root == ref_mth(0, 77)
    assert dict(head.new_nodes) | dict(tail.new_nodes) == dict(whole.new_nodes)
