"""Appeal bundles: one self-contained JSON document that anyone can verify offline.

Layout (``format`` = ``kintsugi-appeal-bundle-v1``)::

    {
      "format": "kintsugi-appeal-bundle-v1",
      "rules": "kintsugi-evidence-v1",          # version of the recomputation rules (FORMAT.md)
      "appeal": {"id", "shop_id", "review_feedback_id", "reason", "evidence_indexes": [int, ...]},
      "head": {"tree_size", "root_hash", "prev_head_hash", "timestamp", "key_id", "signature"},
      "public_key": {"algorithm": "Ed25519", "raw_base64", "key_id"},
      "entries": [
        {"index": int,
         "entry": {...},                          # the entry object; its canonical JSON is the leaf
         "leaf_hash": hex,                        # SHA-256(0x00 || leaf)
         "prev_entry_hash": hex, "entry_hash": hex,   # entry_hash = SHA-256(prev_entry_hash || leaf)
         "inclusion_proof": {"leaf_index": int, "tree_size": int, "hashes": [hex, ...]}},
        ...
      ]
    }

``verify_bundle`` checks everything it can and reports every problem found, each with a stable code
(``Problem.code``) and a precise message; the bundle is valid iff there is none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .canonical import FORMAT_VERSION, canonical_json, entry_from_dict, parse_canonical
from .chain import ChainRecord
from .entry import MAX_DESCRIPTION_LENGTH, MAX_ID_LENGTH, MAX_SAFE_INTEGER, check_text
from .errors import (
    CanonicalizationError,
    InvalidAppeal,
    InvalidBundle,
    InvalidEntry,
    InvalidHead,
    InvalidKey,
    InvalidSignature,
    ProofVerificationError,
)
from .merkle import leaf_hash, root_from_inclusion_proof
from .signing import SIGNATURE_ALGORITHM, PublicKey, SignedTreeHead, b64decode

BUNDLE_FORMAT = "kintsugi-appeal-bundle-v1"
MAX_EVIDENCE_PER_APPEAL = 1000

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Appeal:
    """An appeal against a review, citing log entries by index."""

    id: str
    shop_id: str
    review_feedback_id: str
    reason: str
    evidence_indexes: tuple[int, ...]

    def __post_init__(self) -> None:
        for name in ("id", "shop_id", "review_feedback_id"):
            try:
                check_text(name, getattr(self, name), max_length=MAX_ID_LENGTH, allow_empty=False, multiline=False)
            except InvalidEntry as exc:
                raise InvalidAppeal(exc.field, exc.reason) from None
        try:
            check_text("reason", self.reason, max_length=MAX_DESCRIPTION_LENGTH, allow_empty=False, multiline=True)
        except InvalidEntry as exc:
            raise InvalidAppeal(exc.field, exc.reason) from None
        indexes = tuple(self.evidence_indexes)
        if not indexes:
            raise InvalidAppeal("evidence_indexes", "must cite at least one entry")
        if len(indexes) > MAX_EVIDENCE_PER_APPEAL:
            raise InvalidAppeal("evidence_indexes", f"at most {MAX_EVIDENCE_PER_APPEAL} entries")
        for value in indexes:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
                raise InvalidAppeal("evidence_indexes", f"{value!r} is not a log index")
        if len(set(indexes)) != len(indexes):
            raise InvalidAppeal("evidence_indexes", "cites an index twice")
        object.__setattr__(self, "evidence_indexes", indexes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "evidence_indexes": list(self.evidence_indexes),
            "id": self.id,
            "reason": self.reason,
            "review_feedback_id": self.review_feedback_id,
            "shop_id": self.shop_id,
        }


class ProblemCode(StrEnum):
    MALFORMED = "malformed"  # a field is missing or has the wrong type/shape
    UNSUPPORTED_VERSION = "unsupported_version"  # unknown bundle format or recomputation rules
    KEY_ID_MISMATCH = "key_id_mismatch"  # head or public_key names another key than the one given
    BAD_SIGNATURE = "bad_signature"  # the head's signature does not verify under the bundle's key
    UNTRUSTED_KEY = "untrusted_key"  # the bundle's key is not one the caller trusts
    INVALID_ENTRY = "invalid_entry"  # the entry object is not a valid canonical v1 entry
    DUPLICATE_ENTRY = "duplicate_entry"  # two entries claim the same index
    INDEX_MISMATCH = "index_mismatch"  # entry / proof / bundle disagree on the index
    SHOP_MISMATCH = "shop_mismatch"  # an entry belongs to another shop than the appeal
    LEAF_HASH_MISMATCH = "leaf_hash_mismatch"  # the entry does not hash to its stated leaf hash
    ENTRY_HASH_MISMATCH = "entry_hash_mismatch"  # SHA-256(prev || leaf) differs from the entry hash
    CHAIN_LINK_MISMATCH = "chain_link_mismatch"  # consecutive entries whose prev link does not match
    PROOF_MISMATCH = "proof_mismatch"  # the proof is for another tree size than the signed head
    INDEX_OUT_OF_RANGE = "index_out_of_range"  # the entry's index is not inside the signed tree
    PROOF_INVALID = "proof_invalid"  # the proof has the wrong number of hashes for its index/size
    ROOT_MISMATCH = "root_mismatch"  # the proof leads to another root than the signed head's
    MISSING_ENTRY = "missing_entry"  # the appeal cites an index the bundle has no entry for


@dataclass(frozen=True, slots=True)
class Problem:
    code: ProblemCode
    message: str
    index: int | None = None  # the log index concerned, when there is one

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    problems: tuple[Problem, ...] = ()
    entries_checked: int = 0
    tree_size: int | None = None
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failures(self) -> list[str]:
        """One precise message per problem, ``"<code>: <detail>"``; empty iff the bundle is valid."""
        return [str(p) for p in self.problems]

    def codes(self) -> set[ProblemCode]:
        return {p.code for p in self.problems}


# ----------------------------------------------------------------------------------------- building


def build_bundle(
    appeal: Appeal,
    records: Sequence[ChainRecord],
    proofs: Mapping[int, Sequence[bytes]],
    head: SignedTreeHead,
    public_key: PublicKey,
) -> dict[str, Any]:
    """Assemble the bundle for ``appeal`` from the cited entries' stored records, their inclusion proofs
    against ``head`` (keyed by index) and the log's public key.

    The result is verified before it is returned; ``InvalidBundle`` lists the problems otherwise (so a
    bundle that would not verify is never exported).
    """
    by_index = {r.index: r for r in records}
    missing = [i for i in appeal.evidence_indexes if i not in by_index]
    if missing:
        raise InvalidBundle(f"no record for cited indexes {missing}")
    without_proof = [i for i in appeal.evidence_indexes if i not in proofs]
    if without_proof:
        raise InvalidBundle(f"no inclusion proof for cited indexes {without_proof}")
    entries = []
    for index in sorted(appeal.evidence_indexes):
        record = by_index[index]
        entries.append(
            {
                "entry": parse_canonical(record.leaf),
                "entry_hash": record.entry_hash.hex(),
                "inclusion_proof": {
                    "hashes": [h.hex() for h in proofs[index]],
                    "leaf_index": index,
                    "tree_size": head.tree_size,
                },
                "index": index,
                "leaf_hash": record.leaf_hash.hex(),
                "prev_entry_hash": record.prev_entry_hash.hex(),
            }
        )
    doc = {
        "appeal": appeal.to_dict(),
        "entries": entries,
        "format": BUNDLE_FORMAT,
        "head": head.to_dict(),
        "public_key": {
            "algorithm": SIGNATURE_ALGORITHM,
            "key_id": public_key.key_id,
            "raw_base64": public_key.raw_base64,
        },
        "rules": FORMAT_VERSION,
    }
    result = verify_bundle(doc, trusted_key_ids=[public_key.key_id])
    if not result.ok:
        raise InvalidBundle("the assembled bundle does not verify", result.failures)
    return doc


def bundle_bytes(doc: Mapping[str, Any]) -> bytes:
    """The bundle as canonical JSON bytes (deterministic export)."""
    return canonical_json(doc)


# ---------------------------------------------------------------------------------------- verifying


class _Bad:
    """Marker for a field that is missing or malformed (already reported)."""


_BAD = _Bad()


@dataclass
class _Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: ProblemCode, message: str, index: int | None = None) -> None:
        self.problems.append(Problem(code, message, index))

    def malformed(self, path: str, message: str) -> _Bad:
        self.add(ProblemCode.MALFORMED, f"{path}: {message}")
        return _BAD

    def field(self, obj: Mapping[str, Any], key: str, path: str, kind: str) -> Any:
        """``obj[key]`` checked against ``kind`` (str, int, dict, list, hex); ``_BAD`` when not."""
        where = f"{path}.{key}" if path else key
        if key not in obj:
            return self.malformed(where, "missing field")
        value = obj[key]
        if kind == "str" and not isinstance(value, str):
            return self.malformed(where, "must be a string")
        if kind == "int" and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER
        ):
            return self.malformed(where, "must be a non-negative integer")
        if kind == "dict" and not isinstance(value, Mapping):
            return self.malformed(where, "must be a JSON object")
        if kind == "list" and not isinstance(value, list):
            return self.malformed(where, "must be a JSON array")
        if kind == "hex" and not (isinstance(value, str) and _HEX64.fullmatch(value)):
            return self.malformed(where, "must be 64 lowercase hexadecimal digits")
        return value


def _read_public_key(report: _Report, doc: Mapping[str, Any]) -> PublicKey | None:
    pk = report.field(doc, "public_key", "", "dict")
    if pk is _BAD:
        return None
    algorithm = report.field(pk, "algorithm", "public_key", "str")
    raw = report.field(pk, "raw_base64", "public_key", "str")
    stated_id = report.field(pk, "key_id", "public_key", "str")
    if algorithm is not _BAD and algorithm != SIGNATURE_ALGORITHM:
        report.add(
            ProblemCode.UNSUPPORTED_VERSION,
            f"public_key.algorithm {algorithm!r} is not supported (only {SIGNATURE_ALGORITHM})",
        )
        return None
    if raw is _BAD:
        return None
    try:
        key = PublicKey.from_raw_base64(raw)
    except InvalidKey as exc:
        report.malformed("public_key.raw_base64", exc.message)
        return None
    if stated_id is not _BAD and stated_id != key.key_id:
        report.add(
            ProblemCode.KEY_ID_MISMATCH,
            f"public_key.key_id {stated_id} is not the key id of public_key.raw_base64 ({key.key_id})",
        )
    return key


def _read_head(report: _Report, doc: Mapping[str, Any], key: PublicKey | None) -> SignedTreeHead | None:
    raw = report.field(doc, "head", "", "dict")
    if raw is _BAD:
        return None
    try:
        head = SignedTreeHead.from_dict(raw)
    except InvalidHead as exc:
        report.add(ProblemCode.MALFORMED, f"head.{exc.message}")
        return None
    if key is not None:
        if head.key_id != key.key_id:
            report.add(
                ProblemCode.KEY_ID_MISMATCH,
                f"head.key_id {head.key_id} is not the bundle's public key ({key.key_id}): "
                "the head was signed with another key",
            )
        try:
            key.verify(head.head.canonical_bytes(), b64decode(head.signature, "signature"))
        except InvalidSignature:
            report.add(
                ProblemCode.BAD_SIGNATURE,
                f"head.signature does not verify under the bundle's public key {key.key_id} "
                f"(head for tree_size {head.tree_size} altered or re-signed with another key)",
            )
    return head


def _read_appeal(report: _Report, doc: Mapping[str, Any]) -> tuple[str | None, list[int] | None]:
    appeal = report.field(doc, "appeal", "", "dict")
    if appeal is _BAD:
        return None, None
    for name in ("id", "review_feedback_id", "reason"):
        report.field(appeal, name, "appeal", "str")
    shop = report.field(appeal, "shop_id", "appeal", "str")
    cited = report.field(appeal, "evidence_indexes", "appeal", "list")
    indexes: list[int] | None = None
    if cited is not _BAD:
        indexes = []
        for position, value in enumerate(cited):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                report.malformed(f"appeal.evidence_indexes[{position}]", "must be a non-negative integer")
            else:
                indexes.append(value)
        if not cited:
            report.malformed("appeal.evidence_indexes", "must cite at least one entry")
    return (None if shop is _BAD else shop), indexes


@dataclass
class _Entry:
    index: int
    prev_entry_hash: str
    entry_hash: str


def _check_entry(
    report: _Report,
    raw: Any,
    path: str,
    head: SignedTreeHead | None,
    appeal_shop: str | None,
) -> _Entry | None:
    """Check one bundle entry; returns what the chain-link check needs (None when unusable)."""
    if not isinstance(raw, Mapping):
        report.malformed(path, "must be a JSON object")
        return None
    index = report.field(raw, "index", path, "int")
    obj = report.field(raw, "entry", path, "dict")
    stated_leaf = report.field(raw, "leaf_hash", path, "hex")
    prev = report.field(raw, "prev_entry_hash", path, "hex")
    stated_entry_hash = report.field(raw, "entry_hash", path, "hex")
    proof = report.field(raw, "inclusion_proof", path, "dict")
    proof_index: Any = _BAD
    proof_size: Any = _BAD
    proof_hashes: list[bytes] | None = None
    if proof is not _BAD:
        proof_index = report.field(proof, "leaf_index", f"{path}.inclusion_proof", "int")
        proof_size = report.field(proof, "tree_size", f"{path}.inclusion_proof", "int")
        raw_hashes = report.field(proof, "hashes", f"{path}.inclusion_proof", "list")
        if raw_hashes is not _BAD:
            proof_hashes = []
            for position, h in enumerate(raw_hashes):
                if not (isinstance(h, str) and _HEX64.fullmatch(h)):
                    report.malformed(
                        f"{path}.inclusion_proof.hashes[{position}]",
                        "must be 64 lowercase hexadecimal digits",
                    )
                    proof_hashes = None
                    break
                proof_hashes.append(bytes.fromhex(h))
    who = f"entry {index}" if index is not _BAD else path
    log_index = None if index is _BAD else index

    leaf: bytes | None = None
    if obj is not _BAD:
        try:
            leaf = canonical_json(obj)
        except CanonicalizationError as exc:
            report.add(ProblemCode.INVALID_ENTRY, f"{who}: entry{exc.path[1:]}: {exc.reason}", log_index)
        try:
            entry = entry_from_dict(obj)
        except InvalidEntry as exc:
            if leaf is not None:
                report.add(ProblemCode.INVALID_ENTRY, f"{who}: entry.{exc.field}: {exc.reason}", log_index)
        else:
            if index is not _BAD and entry.index != index:
                report.add(
                    ProblemCode.INDEX_MISMATCH,
                    f"{who}: the entry object carries index {entry.index}",
                    log_index,
                )
            if appeal_shop is not None and entry.shop_id != appeal_shop:
                report.add(
                    ProblemCode.SHOP_MISMATCH,
                    f"{who}: belongs to shop {entry.shop_id!r}, the appeal to shop {appeal_shop!r}",
                    log_index,
                )

    computed_leaf_hash = leaf_hash(leaf) if leaf is not None else None
    leaf_ok = False
    if computed_leaf_hash is not None and stated_leaf is not _BAD:
        leaf_ok = computed_leaf_hash.hex() == stated_leaf
        if not leaf_ok:
            report.add(
                ProblemCode.LEAF_HASH_MISMATCH,
                f"{who}: the entry's canonical bytes hash to leaf hash {computed_leaf_hash.hex()}, "
                f"the bundle states {stated_leaf} (the entry was edited)",
                log_index,
            )
    if leaf is not None and prev is not _BAD and stated_entry_hash is not _BAD:
        computed = hashlib.sha256(bytes.fromhex(prev) + leaf).hexdigest()
        if computed != stated_entry_hash:
            report.add(
                ProblemCode.ENTRY_HASH_MISMATCH,
                f"{who}: SHA-256(prev_entry_hash || canonical entry) is {computed}, "
                f"the bundle states entry_hash {stated_entry_hash}",
                log_index,
            )

    # Inclusion: with the recomputed leaf hash when it agrees with the stated one; when the entry was
    # edited (already reported) the stated leaf hash is checked, so that a proof altered as well is
    # reported on its own.
    proof_leaf = computed_leaf_hash if leaf_ok else (None if stated_leaf is _BAD else bytes.fromhex(stated_leaf))
    if (
        head is not None
        and proof_leaf is not None
        and proof_hashes is not None
        and _BAD not in (index, proof_index, proof_size)
    ):
        usable = True
        if proof_index != index:
            report.add(
                ProblemCode.INDEX_MISMATCH,
                f"{who}: inclusion_proof.leaf_index is {proof_index}",
                log_index,
            )
            usable = False
        if proof_size != head.tree_size:
            report.add(
                ProblemCode.PROOF_MISMATCH,
                f"{who}: inclusion proof is for tree size {proof_size}, the signed head for {head.tree_size}",
                log_index,
            )
            usable = False
        if index >= head.tree_size:
            report.add(
                ProblemCode.INDEX_OUT_OF_RANGE,
                f"{who}: index is not inside the signed tree of {head.tree_size} entries",
                log_index,
            )
            usable = False
        if usable:
            try:
                computed_root = root_from_inclusion_proof(proof_leaf, index, head.tree_size, proof_hashes)
            except ProofVerificationError as exc:
                report.add(ProblemCode.PROOF_INVALID, f"{who}: {exc.message}", log_index)
            else:
                if computed_root.hex() != head.root_hash:
                    report.add(
                        ProblemCode.ROOT_MISMATCH,
                        f"{who}: the inclusion proof leads to root {computed_root.hex()}, the signed head's "
                        f"root is {head.root_hash} (a proof hash or the leaf hash was altered)",
                        log_index,
                    )
    if index is _BAD or prev is _BAD or stated_entry_hash is _BAD:
        return None
    return _Entry(index, prev, stated_entry_hash)


def verify_bundle(doc: Any, *, trusted_key_ids: Collection[str] | None = None) -> VerificationResult:
    """Verify an appeal bundle offline (no database, no network).

    ``trusted_key_ids``: when given, the bundle's public key must be one of them (otherwise anyone could
    re-sign a forged head with a key of their own and ship that key in the bundle).
    """
    report = _Report()
    if not isinstance(doc, Mapping):
        report.malformed("bundle", "must be a JSON object")
        return VerificationResult(tuple(report.problems))
    bundle_format = report.field(doc, "format", "", "str")
    rules = report.field(doc, "rules", "", "str")
    if bundle_format is not _BAD and bundle_format != BUNDLE_FORMAT:
        report.add(
            ProblemCode.UNSUPPORTED_VERSION,
            f"format {bundle_format!r} is not supported (expected {BUNDLE_FORMAT!r})",
        )
    if rules is not _BAD and rules != FORMAT_VERSION:
        report.add(
            ProblemCode.UNSUPPORTED_VERSION,
            f"rules {rules!r} are not supported (expected {FORMAT_VERSION!r})",
        )
    if any(p.code is ProblemCode.UNSUPPORTED_VERSION for p in report.problems):
        return VerificationResult(tuple(report.problems))

    key = _read_public_key(report, doc)
    if key is not None and trusted_key_ids is not None and key.key_id not in trusted_key_ids:
        report.add(ProblemCode.UNTRUSTED_KEY, f"the bundle's public key {key.key_id} is not a trusted log key")
    head = _read_head(report, doc, key)
    appeal_shop, cited = _read_appeal(report, doc)

    raw_entries = report.field(doc, "entries", "", "list")
    present: dict[int, _Entry | None] = {}  # None: an entry with this index exists but is unusable
    checked = 0
    if raw_entries is not _BAD:
        for position, raw in enumerate(raw_entries):
            path = f"entries[{position}]"
            usable = _check_entry(report, raw, path, head, appeal_shop)
            checked += 1
            if usable is None:
                if isinstance(raw, Mapping) and isinstance(raw.get("index"), int):
                    present.setdefault(raw["index"], None)
                continue
            if usable.index in present:
                report.add(
                    ProblemCode.DUPLICATE_ENTRY,
                    f"{path}: a second entry claims index {usable.index}",
                    usable.index,
                )
                continue
            present[usable.index] = usable
        for index in sorted(present):
            current, following = present[index], present.get(index + 1)
            if current is None or following is None:
                continue
            if following.prev_entry_hash != current.entry_hash:
                report.add(
                    ProblemCode.CHAIN_LINK_MISMATCH,
                    f"entry {index + 1}: prev_entry_hash {following.prev_entry_hash} is not entry {index}'s "
                    f"entry_hash {current.entry_hash}",
                    index + 1,
                )
    if cited is not None and raw_entries is not _BAD:
        for index in cited:
            if index not in present:
                report.add(
                    ProblemCode.MISSING_ENTRY,
                    f"the appeal cites evidence index {index} but the bundle has no entry for it (entry removed)",
                    index,
                )
    return VerificationResult(
        tuple(report.problems),
        entries_checked=checked,
        tree_size=None if head is None else head.tree_size,
        key_id=None if key is None else key.key_id,
    )
