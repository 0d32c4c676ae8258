"""Hash chain: entry hashes and a verifier that names the first bad index."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.evidence.domain.canonical import canonical_entry
from services.evidence.domain.chain import (
    GENESIS_PREV_HASH,
    ChainProblem,
    ChainRecord,
    chain_entries,
    chain_entry,
    compute_entry_hash,
    verify_chain,
)
from services.evidence.domain.entry import EvidenceEntry, EvidenceKind
from services.evidence.domain.errors import InvalidEntry

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
KINDS = list(EvidenceKind)


def make_entry(i: int) -> EvidenceEntry:
    return EvidenceEntry(
        index=i,
        shop_id=f"shop-{i % 3}",
        case_id=f"case-{i // 4}",
        kind=KINDS[i % len(KINDS)],
        content_sha256=hashlib.sha256(f"content {i}".encode()).hexdigest(),
        content_type="image/png" if i % 2 else "application/json",
        description=f"证据 {i}",
        captured_at=T0 + timedelta(minutes=i),
        recorded_at=T0 + timedelta(minutes=i, seconds=30),
        recorder="agent-1",
    )


@pytest.fixture
def records() -> list[ChainRecord]:
    return chain_entries(make_entry(i) for i in range(20))


def test_genesis_and_links(records):
    assert GENESIS_PREV_HASH == bytes(32)
    assert records[0].prev_entry_hash == GENESIS_PREV_HASH
    for before, after in zip(records, records[1:], strict=False):
        assert after.prev_entry_hash == before.entry_hash
    first = records[0]
    assert first.entry_hash == hashlib.sha256(bytes(32) + canonical_entry(make_entry(0))).digest()
    assert compute_entry_hash(first.prev_entry_hash, first.leaf) == first.entry_hash
    assert first.entry() == make_entry(0)
    assert first.leaf_hash == hashlib.sha256(b"\x00" + first.leaf).digest()


def test_good_chain_verifies(records):
    result = verify_chain(records)
    assert result.ok
    assert result.checked == 20
    assert result.first_bad_index is None
    assert result.last_entry_hash == records[-1].entry_hash


def test_verification_can_resume_from_a_checkpoint(records):
    first = verify_chain(records[:12])
    rest = verify_chain(records[12:], first_index=first.checked, prev_entry_hash=first.last_entry_hash)
    assert rest.ok and rest.checked == 8
    assert not verify_chain(records[12:]).ok  # without the checkpoint it cannot start at 12


@pytest.mark.parametrize("bad", [0, 7, 19])
def test_a_changed_byte_names_its_index(records, bad):
    leaf = bytearray(records[bad].leaf)
    leaf[leaf.index(b"agent-1") + 6] ^= 0x01  # "agent-1" -> "agent-0"
    records[bad] = replace(records[bad], leaf=bytes(leaf))
    result = verify_chain(records)
    assert not result.ok
    assert result.first_bad_index == bad
    assert result.problem is ChainProblem.ENTRY_HASH_MISMATCH
    assert result.checked == bad
    assert f"entry {bad}" in result.message


def test_a_changed_stored_entry_hash_names_its_index(records):
    records[5] = replace(records[5], entry_hash=bytes(32))
    result = verify_chain(records)
    assert (result.first_bad_index, result.problem) == (5, ChainProblem.ENTRY_HASH_MISMATCH)


def test_a_missing_index_is_a_gap(records):
    del records[9]
    result = verify_chain(records)
    assert result.first_bad_index == 9
    assert result.problem is ChainProblem.GAP
    assert "index 9 is missing" in result.message


def test_a_truncated_log_is_a_gap_when_the_size_is_known(records):
    result = verify_chain(records[:15], expected_count=20)
    assert (result.first_bad_index, result.problem) == (15, ChainProblem.GAP)
    assert verify_chain(records[:15]).ok


def test_repeated_or_reordered_records(records):
    records.insert(4, records[3])
    result = verify_chain(records)
    assert (result.first_bad_index, result.problem) == (4, ChainProblem.OUT_OF_ORDER)


def test_a_wrong_prev_link_names_its_index(records):
    records[11] = replace(records[11], prev_entry_hash=records[9].entry_hash)
    result = verify_chain(records)
    assert (result.first_bad_index, result.problem) == (11, ChainProblem.PREV_LINK_MISMATCH)


def test_a_rewritten_entry_with_recomputed_hash_breaks_the_next_link(records):
    forged = replace(make_entry(6), description="edited later")
    records[6] = chain_entry(forged, records[5].entry_hash)
    result = verify_chain(records)
    assert (result.first_bad_index, result.problem) == (7, ChainProblem.PREV_LINK_MISMATCH)


def test_a_hashed_but_non_canonical_leaf_is_caught(records):
    # Whoever can write rows could also store non-canonical bytes with matching hashes.
    spaced = records[3].leaf.replace(b'"index":3', b'"index": 3')
    records[3] = ChainRecord(3, spaced, records[2].entry_hash, compute_entry_hash(records[2].entry_hash, spaced))
    result = verify_chain(records)
    assert (result.first_bad_index, result.problem) == (3, ChainProblem.INVALID_LEAF)
    assert verify_chain(records, check_leaves=False).first_bad_index == 4  # next link broken instead


def test_a_leaf_carrying_another_index_is_caught(records):
    moved = chain_entry(make_entry(8), records[2].entry_hash)  # leaf says 8, stored at 3
    records[3] = replace(moved, index=3)
    result = verify_chain(records)
    assert (result.first_bad_index, result.problem) == (3, ChainProblem.INVALID_LEAF)


def test_chain_entries_requires_consecutive_indexes():
    with pytest.raises(InvalidEntry) as caught:
        chain_entries([make_entry(0), make_entry(2)])
    assert caught.value.field == "index"
