"""Ed25519 signed tree heads."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from services.evidence.domain.canonical import canonical_json
from services.evidence.domain.errors import InvalidHead, InvalidKey, InvalidSignature
from services.evidence.domain.signing import (
    ZERO_HASH_HEX,
    PublicKey,
    SignedTreeHead,
    SigningKey,
    TreeHead,
    key_id_for,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def test_first_head_fields_and_signature(key):
    sth = key.sign_head(5, ROOT, T0)
    wire = sth.to_dict()
    assert set(wire) == {"tree_size", "root_hash", "prev_head_hash", "timestamp", "signature", "key_id"}
    assert wire["tree_size"] == 5
    assert wire["root_hash"] == ROOT.hex()
    assert wire["prev_head_hash"] == ZERO_HASH_HEX == "0" * 64
    assert wire["timestamp"] == "2026-11-23T12:00:00.000000Z"
    raw = key.public_key.raw
    assert len(raw) == 32
    assert wire["key_id"] == hashlib.sha256(raw).hexdigest()[:16] == key.key_id == key_id_for(raw)
    # The signature covers the canonical bytes of the head without the signature.
    unsigned = {k: v for k, v in wire.items() if k != "signature"}
    assert sth.head.canonical_bytes() == canonical_json(unsigned)
    key.public_key.verify(canonical_json(unsigned), base64.b64decode(wire["signature"]))
    key.public_key.verify_head(sth)
    assert SignedTreeHead.from_dict(wire) == sth


def test_heads_chain_to_the_previous_head(key):
    first = key.sign_head(5, ROOT, T0)
    second = key.sign_head(9, hashlib.sha256(b"r2").digest(), T0 + timedelta(minutes=1), previous=first)
    assert second.head.prev_head_hash == hashlib.sha256(first.head.canonical_bytes()).hexdigest()
    assert second.head.prev_head_hash == first.head_hash().hex()
    with pytest.raises(InvalidHead, match="smaller"):
        key.sign_head(4, ROOT, T0 + timedelta(minutes=2), previous=second)
    with pytest.raises(InvalidHead, match="earlier"):
        key.sign_head(10, ROOT, T0, previous=second)


def test_local_timestamps_are_signed_in_utc(key):
    sth = key.sign_head(1, ROOT, datetime(2026, 11, 23, 20, 0, tzinfo=timezone(timedelta(hours=8))))
    assert sth.to_dict()["timestamp"] == "2026-11-23T12:00:00.000000Z"
    with pytest.raises(InvalidHead):
        key.sign_head(1, ROOT, datetime(2026, 11, 23, 20, 0))


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 6},
        {"root_hash": "00" * 32},
        {"prev_head_hash": "11" * 32},
        {"timestamp": T0 + timedelta(microseconds=1)},
    ],
)
def test_any_changed_head_field_breaks_the_signature(key, change):
    sth = key.sign_head(5, ROOT, T0)
    forged = SignedTreeHead(replace(sth.head, **change), sth.signature)
    with pytest.raises(InvalidSignature):
        key.public_key.verify_head(forged)


def test_a_head_signed_by_another_key_is_refused(key):
    other = SigningKey.generate()
    sth = other.sign_head(5, ROOT, T0)
    with pytest.raises(InvalidHead, match="signed by key"):
        key.public_key.verify_head(sth)
    # The same signature with our key id claimed: the signature itself fails.
    claimed = SignedTreeHead(replace(sth.head, key_id=key.key_id), sth.signature)
    with pytest.raises(InvalidSignature):
        key.public_key.verify_head(claimed)


def test_private_key_pem_round_trip(key):
    again = SigningKey.from_pem(key.to_pem())
    assert again.key_id == key.key_id
    encrypted = key.to_pem(password=b"s3cret")
    assert b"ENCRYPTED" in encrypted
    assert SigningKey.from_pem(encrypted, password=b"s3cret").key_id == key.key_id
    with pytest.raises(InvalidKey):
        SigningKey.from_pem(encrypted, password=b"wrong")
    with pytest.raises(InvalidKey):
        SigningKey.from_pem(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")


def test_public_key_exports(key):
    pem = key.public_key.to_pem()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert PublicKey.from_pem(pem) == key.public_key
    assert PublicKey.from_raw_base64(key.public_key.raw_base64) == key.public_key
    assert base64.b64decode(key.public_key.raw_base64) == key.public_key.raw
    with pytest.raises(InvalidKey):
        PublicKey.from_raw(b"\x01" * 31)
    with pytest.raises(InvalidKey):
        PublicKey.from_raw_base64("not base64!")


def test_non_ed25519_keys_are_refused():
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidKey, match="not an Ed25519"):
        SigningKey.from_pem(pem)
    public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InvalidKey, match="not an Ed25519"):
        PublicKey.from_pem(public_pem)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("key_id"), "key_id: missing field"),
        (lambda d: d.update(tree_size=-1), "tree_size"),
        (lambda d: d.update(tree_size=1.0), "tree_size"),
        (lambda d: d.update(root_hash="ABC"), "root_hash"),
        (lambda d: d.update(timestamp="2026-11-23T12:00:00Z"), "timestamp"),
        (lambda d: d.update(signature="AAAA"), "signature"),
        (lambda d: d.update(extra="x"), "extra: unknown field"),
    ],
)
def test_malformed_heads_name_the_field(key, mutate, message):
    wire = key.sign_head(5, ROOT, T0).to_dict()
    mutate(wire)
    with pytest.raises(InvalidHead, match=message):
        SignedTreeHead.from_dict(wire)


def test_unsigned_head_parse():
    head = TreeHead(0, "00" * 32, ZERO_HASH_HEX, T0, "0123456789abcdef")
    assert TreeHead.from_dict(head.to_dict()) == head
