"""Appeal bundles: a good bundle verifies offline; every kind of tampering is named precisely."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.evidence.domain import merkle
from services.evidence.domain.bundle import (
    BUNDLE_FORMAT,
    Appeal,
    ProblemCode,
    build_bundle,
    bundle_bytes,
    verify_bundle,
)
from services.evidence.domain.canonical import FORMAT_VERSION, canonical_json
from services.evidence.domain.chain import chain_entries
from services.evidence.domain.entry import EvidenceEntry, EvidenceKind
from services.evidence.domain.errors import InvalidAppeal, InvalidBundle
from services.evidence.domain.signing import SignedTreeHead, SigningKey

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CITED = (3, 4, 17, 30)
SIZE = 40


def make_entry(i: int) -> EvidenceEntry:
    return EvidenceEntry(
        index=i,
        shop_id="shop-2" if i % 5 == 1 else "shop-1",
        case_id=f"case-{i // 3}",
        kind=list(EvidenceKind)[i % 7],
        content_sha256=hashlib.sha256(f"blob {i}".encode()).hexdigest(),
        content_type="video/mp4",
        description=f"买家开箱视频 #{i}",
        captured_at=T0 + timedelta(hours=i),
        recorded_at=T0 + timedelta(hours=i, minutes=5),
        recorder="cs-agent-9",
    )


RECORDS = chain_entries(make_entry(i) for i in range(SIZE))
TREE = merkle.InMemoryTree()
TREE.append(r.leaf for r in RECORDS)
KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate()
HEAD = KEY.sign_head(SIZE, TREE.root(), T0 + timedelta(days=3))
APPEAL = Appeal("appeal-1", "shop-1", "fb-8842", "Reviewer demanded a refund then posted a fake photo", CITED)


def good_bundle() -> dict:
    proofs = {i: TREE.inclusion_proof(i, SIZE) for i in CITED}
    return build_bundle(APPEAL, RECORDS, proofs, HEAD, KEY.public_key)


@pytest.fixture
def doc() -> dict:
    return copy.deepcopy(GOOD)


GOOD = good_bundle()


def entry_at(doc: dict, index: int) -> dict:
    return next(e for e in doc["entries"] if e["index"] == index)


def codes(result) -> set[str]:
    return {p.code.value for p in result.problems}


def only(result, code: ProblemCode) -> list:
    assert codes(result) == {code.value}, result.failures
    return [p for p in result.problems if p.code is code]


# ------------------------------------------------------------------------------------------ good


def test_good_bundle_verifies(doc):
    result = verify_bundle(doc)
    assert result.ok, result.failures
    assert result.failures == []
    assert result.entries_checked == len(CITED)
    assert result.tree_size == SIZE and result.key_id == KEY.key_id
    assert verify_bundle(doc, trusted_key_ids={KEY.key_id}).ok


def test_bundle_layout(doc):
    assert doc["format"] == BUNDLE_FORMAT and doc["rules"] == FORMAT_VERSION
    assert doc["appeal"]["evidence_indexes"] == list(CITED)
    assert [e["index"] for e in doc["entries"]] == sorted(CITED)
    assert doc["public_key"] == {
        "algorithm": "Ed25519",
        "key_id": KEY.key_id,
        "raw_base64": KEY.public_key.raw_base64,
    }
    entry = entry_at(doc, 17)
    assert canonical_json(entry["entry"]) == RECORDS[17].leaf
    assert entry["leaf_hash"] == merkle.leaf_hash(RECORDS[17].leaf).hex()
    assert entry["entry_hash"] == RECORDS[17].entry_hash.hex()
    assert entry["inclusion_proof"]["tree_size"] == SIZE
    assert SignedTreeHead.from_dict(doc["head"]) == HEAD


def test_bundle_survives_a_json_round_trip(doc):
    data = bundle_bytes(doc)
    assert verify_bundle(json.loads(data)).ok
    assert verify_bundle(json.loads(json.dumps(doc, indent=2))).ok
    assert bundle_bytes(json.loads(data)) == data


# -------------------------------------------------------------------------------------- tampering


def test_edited_entry_is_a_leaf_hash_mismatch(doc):
    entry_at(doc, 17)["entry"]["description"] = "买家开箱视频 #17 (clean)"
    result = verify_bundle(doc)
    assert codes(result) == {"leaf_hash_mismatch", "entry_hash_mismatch"}
    assert {p.index for p in result.problems} == {17}
    assert any(f.startswith("leaf_hash_mismatch: entry 17:") and "edited" in f for f in result.failures)


def test_edited_entry_with_recomputed_hashes_is_a_root_mismatch(doc):
    entry = entry_at(doc, 30)
    entry["entry"]["captured_at"] = "2026-11-21T10:00:00.000000Z"
    leaf = canonical_json(entry["entry"])
    entry["leaf_hash"] = merkle.leaf_hash(leaf).hex()
    entry["entry_hash"] = hashlib.sha256(bytes.fromhex(entry["prev_entry_hash"]) + leaf).hexdigest()
    (problem,) = only(verify_bundle(doc), ProblemCode.ROOT_MISMATCH)
    assert problem.index == 30
    assert problem.message.startswith("entry 30: the inclusion proof leads to root")
    assert HEAD.root_hash in problem.message


def test_rewritten_entry_also_breaks_the_link_to_the_next_cited_entry(doc):
    entry = entry_at(doc, 3)
    entry["entry"]["recorder"] = "someone-else"
    leaf = canonical_json(entry["entry"])
    entry["leaf_hash"] = merkle.leaf_hash(leaf).hex()
    entry["entry_hash"] = hashlib.sha256(bytes.fromhex(entry["prev_entry_hash"]) + leaf).hexdigest()
    result = verify_bundle(doc)
    assert codes(result) == {"root_mismatch", "chain_link_mismatch"}
    link = next(p for p in result.problems if p.code is ProblemCode.CHAIN_LINK_MISMATCH)
    assert link.index == 4 and "entry 3's entry_hash" in link.message


@pytest.mark.parametrize("position", [0, 2, -1])
def test_changed_proof_hash_is_a_root_mismatch_for_that_entry(doc, position):
    hashes = entry_at(doc, 4)["inclusion_proof"]["hashes"]
    hashes[position] = ("0" if hashes[position][0] != "0" else "1") + hashes[position][1:]
    (problem,) = only(verify_bundle(doc), ProblemCode.ROOT_MISMATCH)
    assert problem.index == 4
    assert str(problem).startswith("root_mismatch: entry 4:")


def test_shortened_or_lengthened_proof_is_invalid(doc):
    entry_at(doc, 4)["inclusion_proof"]["hashes"].pop()
    entry_at(doc, 17)["inclusion_proof"]["hashes"].append("ab" * 32)
    result = verify_bundle(doc)
    assert codes(result) == {"proof_invalid"}
    assert {p.index for p in result.problems} == {4, 17}


def test_swapped_proofs_fail_for_both_entries(doc):
    a, b = entry_at(doc, 3), entry_at(doc, 17)
    a["inclusion_proof"]["hashes"], b["inclusion_proof"]["hashes"] = (
        b["inclusion_proof"]["hashes"],
        a["inclusion_proof"]["hashes"],
    )
    result = verify_bundle(doc)
    assert codes(result) == {"root_mismatch"}
    assert {p.index for p in result.problems} == {3, 17}


def test_head_resigned_with_another_key_is_a_key_id_mismatch_and_bad_signature(doc):
    forged = OTHER_KEY.sign_head(SIZE, TREE.root(), T0 + timedelta(days=3))
    doc["head"] = forged.to_dict()
    result = verify_bundle(doc)
    assert codes(result) == {"key_id_mismatch", "bad_signature"}
    assert any(
        f"head.key_id {OTHER_KEY.key_id} is not the bundle's public key ({KEY.key_id})" in f for f in result.failures
    )


def test_head_resigned_with_another_key_under_our_key_id_is_a_bad_signature(doc):
    head = OTHER_KEY.sign_head(SIZE, TREE.root(), T0 + timedelta(days=3)).head
    claimed = replace(head, key_id=KEY.key_id)
    signature = base64.b64encode(OTHER_KEY.sign(claimed.canonical_bytes())).decode()
    doc["head"] = {**claimed.to_dict(), "signature": signature}
    (problem,) = only(verify_bundle(doc), ProblemCode.BAD_SIGNATURE)
    assert f"under the bundle's public key {KEY.key_id}" in problem.message


def test_fully_forged_log_needs_a_trusted_key_list(doc):
    """Someone who edits an entry, rebuilds the tree, signs with their own key and ships that key:
    the bundle is self-consistent; only the verifier's list of the log's keys exposes it."""
    records = chain_entries(make_entry(i) for i in range(SIZE))
    forged_tree = merkle.InMemoryTree()
    forged_tree.append(r.leaf for r in records)
    head = OTHER_KEY.sign_head(SIZE, forged_tree.root(), T0 + timedelta(days=3))
    proofs = {i: forged_tree.inclusion_proof(i) for i in CITED}
    forged = build_bundle(APPEAL, records, proofs, head, OTHER_KEY.public_key)
    assert verify_bundle(forged).ok
    (problem,) = only(verify_bundle(forged, trusted_key_ids=[KEY.key_id]), ProblemCode.UNTRUSTED_KEY)
    assert OTHER_KEY.key_id in problem.message


def test_public_key_with_a_wrong_key_id(doc):
    doc["public_key"]["key_id"] = OTHER_KEY.key_id
    (problem,) = only(verify_bundle(doc), ProblemCode.KEY_ID_MISMATCH)
    assert problem.message.startswith(f"public_key.key_id {OTHER_KEY.key_id} is not the key id")


@pytest.mark.parametrize("field", ["tree_size", "root_hash", "timestamp", "prev_head_hash"])
def test_edited_head_field_breaks_the_signature(doc, field):
    values = {
        "tree_size": SIZE + 1,
        "root_hash": "ee" * 32,
        "timestamp": "2026-11-24T09:00:00.000000Z",
        "prev_head_hash": "11" * 32,
    }
    doc["head"][field] = values[field]
    result = verify_bundle(doc)
    assert "bad_signature" in codes(result)
    if field == "tree_size":
        assert codes(result) == {"bad_signature", "proof_mismatch"}
    elif field == "root_hash":
        assert codes(result) == {"bad_signature", "root_mismatch"}
    else:
        assert codes(result) == {"bad_signature"}


def test_removed_entry_is_named(doc):
    doc["entries"] = [e for e in doc["entries"] if e["index"] != 17]
    (problem,) = only(verify_bundle(doc), ProblemCode.MISSING_ENTRY)
    assert problem.index == 17
    assert str(problem) == (
        "missing_entry: the appeal cites evidence index 17 but the bundle has no entry for it (entry removed)"
    )


def test_appeal_citing_an_extra_index_is_named(doc):
    doc["appeal"]["evidence_indexes"].append(31)
    (problem,) = only(verify_bundle(doc), ProblemCode.MISSING_ENTRY)
    assert problem.index == 31


def test_entry_moved_to_another_index(doc):
    entry_at(doc, 30)["index"] = 31
    result = verify_bundle(doc)
    assert codes(result) == {"index_mismatch", "missing_entry"}
    assert any("entry 31: the entry object carries index 30" in f for f in result.failures)


def test_duplicate_entry(doc):
    doc["entries"].append(copy.deepcopy(entry_at(doc, 4)))
    (problem,) = only(verify_bundle(doc), ProblemCode.DUPLICATE_ENTRY)
    assert problem.index == 4


def test_entry_of_another_shop_is_named(doc):
    doc["appeal"]["shop_id"] = "shop-9"
    result = verify_bundle(doc)
    assert codes(result) == {"shop_mismatch"}
    assert len(result.problems) == len(CITED)


def test_float_in_an_entry_is_invalid(doc):
    entry_at(doc, 3)["entry"]["index"] = 3.0
    result = verify_bundle(doc)
    assert "invalid_entry" in codes(result)
    assert any("entry 3: entry.index: floats are not allowed" in f for f in result.failures)


def test_unknown_versions_stop_verification(doc):
    doc["format"] = "kintsugi-appeal-bundle-v9"
    doc["rules"] = "kintsugi-evidence-v9"
    result = verify_bundle(doc)
    assert codes(result) == {"unsupported_version"}
    assert len(result.problems) == 2


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("format",), "malformed: format: missing field"),
        (("head",), "malformed: head: missing field"),
        (("head", "root_hash"), "malformed: head.root_hash: missing field"),
        (("head", "signature"), "malformed: head.signature: missing field"),
        (("public_key",), "malformed: public_key: missing field"),
        (("public_key", "raw_base64"), "malformed: public_key.raw_base64: missing field"),
        (("appeal",), "malformed: appeal: missing field"),
        (("appeal", "evidence_indexes"), "malformed: appeal.evidence_indexes: missing field"),
        (("entries",), "malformed: entries: missing field"),
        (("entries", 1, "leaf_hash"), "malformed: entries[1].leaf_hash: missing field"),
        (("entries", 0, "entry"), "malformed: entries[0].entry: missing field"),
        (("entries", 2, "inclusion_proof", "hashes"), "malformed: entries[2].inclusion_proof.hashes: missing field"),
        (("entries", 3, "index"), "malformed: entries[3].index: missing field"),
    ],
)
def test_missing_fields_are_named(doc, path, expected):
    target = doc
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    result = verify_bundle(doc)
    assert not result.ok
    assert expected in result.failures, result.failures
    assert "malformed" in codes(result)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["entries"][0].update(leaf_hash="XYZ"), "entries[0].leaf_hash: must be 64 lowercase"),
        (lambda d: d["entries"][0]["inclusion_proof"].update(tree_size="40"), "inclusion_proof.tree_size"),
        (lambda d: d["entries"][1]["inclusion_proof"]["hashes"].insert(1, 7), "inclusion_proof.hashes[1]"),
        (lambda d: d["appeal"]["evidence_indexes"].append(-1), "appeal.evidence_indexes[4]"),
        (lambda d: d["head"].update(tree_size=True), "head.tree_size"),
        (lambda d: d["public_key"].update(raw_base64="@@@"), "public_key.raw_base64"),
        (lambda d: d.update(entries={}), "entries: must be a JSON array"),
    ],
)
def test_wrong_types_are_named(doc, mutate, expected):
    mutate(doc)
    result = verify_bundle(doc)
    assert any(f.startswith("malformed: ") and expected in f for f in result.failures), result.failures
    assert codes(result) == {"malformed"}, result.failures  # nothing else is guessed from a broken field


def test_not_an_object():
    assert verify_bundle([1, 2]).failures == ["malformed: bundle: must be a JSON object"]


# -------------------------------------------------------------------------------------- building


def test_build_refuses_parts_that_do_not_verify():
    proofs = {i: TREE.inclusion_proof(i, SIZE - 1) for i in CITED}  # proofs for another tree size
    with pytest.raises(InvalidBundle) as caught:
        build_bundle(APPEAL, RECORDS, proofs, HEAD, KEY.public_key)
    assert any(p.startswith("root_mismatch") or p.startswith("proof_invalid") for p in caught.value.problems)
    with pytest.raises(InvalidBundle, match="no record"):
        build_bundle(APPEAL, RECORDS[:10], {i: TREE.inclusion_proof(i) for i in CITED}, HEAD, KEY.public_key)
    other_shop = Appeal("appeal-2", "shop-1", "fb-1", "reason", (1,))  # entry 1 is shop-2's
    with pytest.raises(InvalidBundle) as caught:
        build_bundle(other_shop, RECORDS, {1: TREE.inclusion_proof(1)}, HEAD, KEY.public_key)
    assert any(p.startswith("shop_mismatch") for p in caught.value.problems)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"evidence_indexes": ()}, "evidence_indexes"),
        ({"evidence_indexes": (1, 1)}, "evidence_indexes"),
        ({"evidence_indexes": (-1,)}, "evidence_indexes"),
        ({"id": ""}, "id"),
        ({"reason": ""}, "reason"),
    ],
)
def test_invalid_appeals_name_the_field(kwargs, field):
    values = {"id": "a", "shop_id": "s", "review_feedback_id": "f", "reason": "r", "evidence_indexes": (1,)}
    with pytest.raises(InvalidAppeal) as caught:
        Appeal(**(values | kwargs))
    assert caught.value.field == field
