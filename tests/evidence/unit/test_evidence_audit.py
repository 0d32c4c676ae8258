"""The log auditor: its fast fold agrees with the domain appender node for node, and every kind of damage to
stored rows is named at the right index."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

import pytest

from services.evidence.domain import merkle
from services.evidence.domain.audit import (
    AuditCode,
    ChunkChecker,
    EntryColumns,
    LogAuditor,
    expected_node_count,
    index_column,
    nodes_as_keys,
    subtree_levels,
)
from services.evidence.domain.chain import chain_entries
from services.evidence.domain.entry import EvidenceEntry
from services.evidence.domain.signing import SigningKey

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def make_entry(i: int) -> EvidenceEntry:
    return EvidenceEntry(
        index=i,
        shop_id=f"shop-{i % 3}",
        case_id=f"case-{i // 4}",
        kind="chat_log",
        content_sha256=hashlib.sha256(str(i).encode()).hexdigest(),
        content_type="text/plain",
        description=f"聊天记录 {i}",
        captured_at=T0,
        recorded_at=T0 + timedelta(seconds=i),
        recorder="agent-1",
    )


RECORDS = chain_entries(make_entry(i) for i in range(300))


def rows(records=RECORDS):  # type: ignore[no-untyped-def]
    return [(r.index, f"shop-{r.index % 3}", r.leaf, r.prev_entry_hash, r.entry_hash) for r in records]


@pytest.mark.parametrize("seed", range(5))
def test_fold_matches_the_domain_appender_for_any_page_split(seed: int) -> None:
    rng = random.Random(seed)
    auditor = LogAuditor()
    all_rows = rows()
    got = []
    position = 0
    while position < len(all_rows):
        step = rng.randint(1, 40)
        assert auditor.feed(all_rows[position : position + step]) is None
        got += nodes_as_keys(auditor.take_expected_nodes())
        position += step
    expected = merkle.append_leaves(merkle.Frontier.empty(), (r.leaf for r in RECORDS))
    assert sorted(got) == sorted(expected.new_nodes)
    assert len(got) == expected_node_count(300)
    assert auditor.root() == expected.root
    assert auditor.frontier == expected.frontier
    assert auditor.last_entry_hash == RECORDS[-1].entry_hash


def test_full_mode_parses_every_leaf_and_accepts_a_good_log() -> None:
    auditor = LogAuditor(check_leaves=True)
    assert auditor.feed(rows()) is None
    assert auditor.size == 300


def _damaged(index: int, **change):  # type: ignore[no-untyped-def]
    out = rows()
    idx, shop, leaf, prev, entry_hash = out[index]
    values = {"idx": idx, "shop": shop, "leaf": leaf, "prev": prev, "entry_hash": entry_hash, **change}
    out[index] = (values["idx"], values["shop"], values["leaf"], values["prev"], values["entry_hash"])
    return out


@pytest.mark.parametrize(
    ("damaged", "code", "index"),
    [
        (lambda: rows()[:50] + rows()[51:], AuditCode.GAP, 50),
        (lambda: rows()[:50] + rows()[49:], AuditCode.OUT_OF_ORDER, 50),
        (
            lambda: _damaged(120, leaf=RECORDS[120].leaf.replace(b"agent-1", b"agent-2")),
            AuditCode.ENTRY_HASH_MISMATCH,
            120,
        ),
        (lambda: _damaged(77, prev=bytes(32)), AuditCode.PREV_LINK_MISMATCH, 77),
        (lambda: _damaged(5, entry_hash=bytes(32)), AuditCode.ENTRY_HASH_MISMATCH, 5),
        (lambda: _damaged(9, shop="shop-x"), AuditCode.SHOP_MISMATCH, 9),
    ],
)
def test_damage_is_named_at_its_index(damaged, code: AuditCode, index: int) -> None:  # type: ignore[no-untyped-def]
    auditor = LogAuditor()
    problem = auditor.feed(damaged())
    assert problem is not None and problem.code is code and problem.index == index
    assert auditor.size == index  # the good records before it were folded


def test_full_mode_names_an_entry_whose_hashes_were_recomputed_over_bad_bytes() -> None:
    # An attacker who also rewrote entry_hash and every later link: only the leaf itself can tell.
    bad_leaf = RECORDS[3].leaf.replace(b'"index":3', b'"index":4')
    records = list(RECORDS[:3])
    from services.evidence.domain.chain import ChainRecord, compute_entry_hash

    prev = records[-1].entry_hash
    for r in RECORDS[3:10]:
        leaf = bad_leaf if r.index == 3 else r.leaf
        records.append(ChainRecord(r.index, leaf, prev, compute_entry_hash(prev, leaf)))
        prev = records[-1].entry_hash
    problem = LogAuditor(check_leaves=True).feed(rows(records))
    assert problem is not None and problem.code is AuditCode.INVALID_LEAF and problem.index == 3


def test_changed_nodes_are_named_with_the_entries_they_cover() -> None:
    auditor = LogAuditor()
    auditor.feed(rows())
    for level, first, data in auditor.take_expected_nodes():
        assert LogAuditor.compare_nodes(level, first, data, data) is None
        if level == 3:
            tampered = bytearray(data)
            tampered[5 * 32] ^= 1
            problem = LogAuditor.compare_nodes(level, first, data, bytes(tampered))
            assert problem is not None and problem.code is AuditCode.NODE_MISMATCH
            assert problem.index == (first + 5) * 8 and "level 3" in problem.message
        if level == 0:
            problem = LogAuditor.compare_nodes(level, first, data, data[:-32])
            assert problem is not None and problem.code is AuditCode.NODE_MISSING and problem.index == 299


def test_heads_are_checked_against_the_recomputed_root_and_the_head_chain() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    keys = {key.key_id: key.public_key}
    auditor = LogAuditor()
    auditor.feed(rows()[:100])
    first = key.sign_head(100, auditor.root(), T0)
    assert auditor.check_head(0, first, first.head_hash(), None, keys) is None
    forged = other.sign_head(100, auditor.root(), T0)
    assert auditor.check_head(0, forged, forged.head_hash(), None, keys).code is AuditCode.HEAD_INVALID  # type: ignore[union-attr]
    wrong_root = key.sign_head(100, bytes(32), T0)
    problem = auditor.check_head(0, wrong_root, wrong_root.head_hash(), None, keys)
    assert problem is not None and problem.code is AuditCode.HEAD_ROOT_MISMATCH
    auditor.feed(rows()[100:])
    unchained = key.sign_head(300, auditor.root(), T0 + timedelta(seconds=1))
    problem = auditor.check_head(1, unchained, unchained.head_hash(), first, keys)
    assert problem is not None and problem.code is AuditCode.HEAD_CHAIN_MISMATCH
    second = key.sign_head(300, auditor.root(), T0 + timedelta(seconds=1), first)
    assert auditor.check_head(1, second, second.head_hash(), first, keys) is None


def test_end_of_walk_compares_the_recorded_state() -> None:
    auditor = LogAuditor()
    auditor.feed(rows())
    frontier = b"".join(auditor.frontier.hashes)
    good = {"state_size": 300, "state_last_hash": RECORDS[-1].entry_hash, "state_frontier": frontier}
    assert auditor.check_end(**good, node_count=expected_node_count(300)) is None
    missing = auditor.check_end(**{**good, "state_size": 301}, node_count=expected_node_count(300))
    assert missing is not None and missing.code is AuditCode.MISSING_ENTRIES and missing.index == 300
    extra = auditor.check_end(**good, node_count=expected_node_count(300) + 1)
    assert extra is not None and extra.code is AuditCode.EXTRA_NODES
    assert auditor.check_end(**{**good, "state_frontier": bytes(32)}, node_count=599).code is AuditCode.STATE_MISMATCH  # type: ignore[union-attr]


def columns_of(table) -> EntryColumns:  # type: ignore[no-untyped-def]
    """Rows as the verifier reads them column by column (the idx column as 8-byte big-endian integers)."""
    return EntryColumns(
        b"".join(idx.to_bytes(8, "big", signed=True) for idx, *_ in table),
        [shop for _, shop, *_ in table],
        [leaf for _, _, leaf, *_ in table],
        b"".join(prev for *_, prev, _ in table),
        b"".join(entry_hash for *_, entry_hash in table),
    )


@pytest.mark.parametrize("check_leaves", [False, True])
@pytest.mark.parametrize(("first", "end"), [(0, 300), (128, 256), (256, 300), (7, 8)])
def test_the_column_check_agrees_with_the_row_check_on_good_entries(check_leaves: bool, first: int, end: int) -> None:
    checker = ChunkChecker(check_leaves=check_leaves)
    table = rows()[first:end]
    fast = checker.check_columns(columns_of(table), first)
    assert fast is not None
    assert fast == checker.check(table, first)
    assert (fast.good, fast.problem) == (end - first, None)
    assert fast.last_entry_hash == RECORDS[end - 1].entry_hash and fast.first_prev == RECORDS[first].prev_entry_hash


def test_index_column_is_the_big_endian_idx_sequence() -> None:
    assert index_column(5, 3) == b"".join(i.to_bytes(8, "big") for i in (5, 6, 7))
    assert index_column(0, 0) == b""


def _shifted(table, field: int):  # type: ignore[no-untyped-def]
    """One column shifted by one entry against the others (as a misaligned read would give)."""
    out = [list(r) for r in table]
    for i in range(len(out) - 1, 0, -1):
        out[i][field] = out[i - 1][field]
    return [tuple(r) for r in out]


@pytest.mark.parametrize(
    "damaged",
    [
        lambda: rows()[:50] + rows()[51:],  # a gap
        lambda: rows()[:50] + rows()[49:],  # a repeat
        lambda: rows()[:10] + [rows()[11], rows()[10]] + rows()[12:],  # two entries swapped
        lambda: _damaged(120, leaf=RECORDS[120].leaf.replace(b"agent-1", b"agent-2")),
        lambda: _damaged(77, prev=bytes(32)),
        lambda: _damaged(5, entry_hash=bytes(32)),
        lambda: _damaged(9, shop="shop-x"),
        lambda: _damaged(299, leaf=RECORDS[299].leaf + b" "),
        lambda: _shifted(rows(), 2),  # leaves misaligned with their hashes
        lambda: _shifted(rows(), 1),  # shops misaligned with their leaves
    ],
)
def test_the_column_check_hands_any_damage_to_the_row_check(damaged) -> None:  # type: ignore[no-untyped-def]
    table = damaged()
    checker = ChunkChecker()
    assert checker.check_columns(columns_of(table), 0) is None
    assert checker.check(table, 0).problem is not None  # which then names it (see test_damage_is_named_at_its_index)


def test_the_column_check_refuses_columns_that_do_not_line_up() -> None:
    good = columns_of(rows())
    checker = ChunkChecker()
    broken = [
        EntryColumns(good.indexes, good.shops, [*good.leaves, good.leaves[-1]], good.prev_hashes, good.entry_hashes),
        EntryColumns(good.indexes, good.shops[:-1], good.leaves, good.prev_hashes, good.entry_hashes),
        EntryColumns(good.indexes[:-8], good.shops, good.leaves, good.prev_hashes, good.entry_hashes),
        EntryColumns(good.indexes, good.shops, good.leaves, good.prev_hashes[:-1], good.entry_hashes),
        EntryColumns(good.indexes, good.shops, good.leaves, good.prev_hashes, good.entry_hashes + bytes(32)),
        EntryColumns(index_column(1, 300), good.shops, good.leaves, good.prev_hashes, good.entry_hashes),
        EntryColumns(b"", [], [], b"", b""),
    ]
    for columns in broken:
        assert checker.check_columns(columns, 0) is None


def test_full_mode_column_check_hands_a_bad_leaf_to_the_row_check() -> None:
    bad_leaf = RECORDS[3].leaf.replace(b'"index":3', b'"index":4')
    from services.evidence.domain.chain import ChainRecord, compute_entry_hash

    records, prev = list(RECORDS[:3]), RECORDS[2].entry_hash
    for r in RECORDS[3:10]:
        leaf = bad_leaf if r.index == 3 else r.leaf
        records.append(ChainRecord(r.index, leaf, prev, compute_entry_hash(prev, leaf)))
        prev = records[-1].entry_hash
    assert ChunkChecker().check_columns(columns_of(rows(records)), 0) is not None  # the hash walk cannot tell
    assert ChunkChecker(check_leaves=True).check_columns(columns_of(rows(records)), 0) is None


@pytest.mark.parametrize("count", [1, 2, 3, 64, 100, 256])
def test_subtree_levels_are_the_domain_appenders_nodes(count: int) -> None:
    first = 256  # a multiple of a power of two >= count
    leaves = [r.leaf for r in RECORDS[:count]]
    levels = subtree_levels(b"".join(merkle.leaf_hash(leaf) for leaf in leaves))
    got = nodes_as_keys([(level, first >> level, data) for level, data in enumerate(levels)])
    appended = merkle.append_leaves(merkle.Frontier.empty(), [b"pad"] * first + leaves).new_nodes
    expected = [(key, h) for key, h in appended if key.index << key.level >= first]
    assert sorted(got) == sorted(expected)
