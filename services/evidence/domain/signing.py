"""Ed25519 signed tree heads.

A head is the JSON object ``{tree_size, root_hash, prev_head_hash, timestamp, key_id}``:

- ``root_hash``: hex of the RFC 6962 root of the first ``tree_size`` leaves;
- ``prev_head_hash``: hex of SHA-256 of the previous head's canonical bytes (64 zeros for the first head);
- ``timestamp``: RFC 3339 UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``;
- ``key_id``: the first 16 hex digits of SHA-256 of the signer's raw 32-byte Ed25519 public key.

The head's canonical bytes are ``canonical_json`` of exactly those five fields; the ``signature`` is the
Ed25519 signature of those bytes, base64 (RFC 4648, standard alphabet, padded). A signed head is the same
object plus ``signature``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import canonical_json, format_time, parse_time
from .entry import MAX_SAFE_INTEGER, to_utc
from .errors import InvalidEntry, InvalidHead, InvalidKey, InvalidSignature

SIGNATURE_ALGORITHM = "Ed25519"
HEAD_FIELDS = ("key_id", "prev_head_hash", "root_hash", "timestamp", "tree_size")
SIGNED_HEAD_FIELDS = (*HEAD_FIELDS, "signature")
ZERO_HASH_HEX = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


def key_id_for(raw_public_key: bytes) -> str:
    """First 16 hex digits of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, field: str) -> bytes:
    """Strict standard base64 (padding required, no whitespace); ``InvalidHead`` naming ``field``."""
    if not isinstance(text, str):
        raise InvalidHead(f"{field}: must be a base64 string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidHead(f"{field}: not valid base64") from None
    if b64encode(data) != text:
        raise InvalidHead(f"{field}: not canonical base64")
    return data


def to_utc_head(value: object) -> datetime:
    try:
        return to_utc("timestamp", value)
    except InvalidEntry as exc:
        raise InvalidHead(exc.message) from None


@dataclass(frozen=True, slots=True)
class TreeHead:
    """An unsigned tree head. Hashes are lowercase hex strings, as they appear on the wire."""

    tree_size: int
    root_hash: str
    prev_head_hash: str
    timestamp: datetime
    key_id: str

    def __post_init__(self) -> None:
        if isinstance(self.tree_size, bool) or not isinstance(self.tree_size, int):
            raise InvalidHead("tree_size: must be an integer")
        if not 0 <= self.tree_size <= MAX_SAFE_INTEGER:
            raise InvalidHead(f"tree_size: must be between 0 and {MAX_SAFE_INTEGER}")
        for name in ("root_hash", "prev_head_hash"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEX64.fullmatch(value):
                raise InvalidHead(f"{name}: must be 64 lowercase hexadecimal digits")
        if not isinstance(self.key_id, str) or not _KEY_ID.fullmatch(self.key_id):
            raise InvalidHead("key_id: must be 16 lowercase hexadecimal digits")
        object.__setattr__(self, "timestamp", to_utc_head(self.timestamp))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "prev_head_hash": self.prev_head_hash,
            "root_hash": self.root_hash,
            "timestamp": format_time(self.timestamp),
            "tree_size": self.tree_size,
        }

    def canonical_bytes(self) -> bytes:
        """The bytes that are signed, and hashed into the next head's ``prev_head_hash``."""
        return canonical_json(self.to_dict())

    def head_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_bytes()).digest()

    @property
    def root_hash_bytes(self) -> bytes:
        return bytes.fromhex(self.root_hash)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TreeHead:
        """Strict: exactly the five head fields (see ``SignedTreeHead.from_dict`` for the signed form)."""
        return _head_from_mapping(data, HEAD_FIELDS)


def _head_from_mapping(data: Mapping[str, Any], fields: tuple[str, ...]) -> TreeHead:
    if not isinstance(data, Mapping):
        raise InvalidHead("head: must be a JSON object")
    for name in fields:
        if name not in data:
            raise InvalidHead(f"{name}: missing field")
    extra = sorted(str(name) for name in data if name not in fields)
    if extra:
        raise InvalidHead(f"{extra[0]}: unknown field")
    try:
        timestamp = parse_time(data["timestamp"], "timestamp")
    except InvalidEntry as exc:
        raise InvalidHead(exc.message) from None
    return TreeHead(
        tree_size=data["tree_size"],
        root_hash=data["root_hash"],
        prev_head_hash=data["prev_head_hash"],
        timestamp=timestamp,
        key_id=data["key_id"],
    )


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    head: TreeHead
    signature: str  # base64 of the 64-byte Ed25519 signature over head.canonical_bytes()

    def __post_init__(self) -> None:
        if len(b64decode(self.signature, "signature")) != 64:
            raise InvalidHead("signature: an Ed25519 signature is 64 bytes")

    @property
    def tree_size(self) -> int:
        return self.head.tree_size

    @property
    def root_hash(self) -> str:
        return self.head.root_hash

    @property
    def key_id(self) -> str:
        return self.head.key_id

    def to_dict(self) -> dict[str, Any]:
        """The wire form (``GET /v1/log/head``): the head's fields plus ``signature``."""
        return {**self.head.to_dict(), "signature": self.signature}

    def head_hash(self) -> bytes:
        return self.head.head_hash()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignedTreeHead:
        head = _head_from_mapping(data, SIGNED_HEAD_FIELDS)
        return cls(head, data["signature"])


class PublicKey:
    """An Ed25519 public key that verifies signed tree heads."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidKey("not an Ed25519 public key")
        self._key = key
        self.raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = key_id_for(self.raw)

    @classmethod
    def from_raw(cls, raw: bytes) -> PublicKey:
        if len(raw) != 32:
            raise InvalidKey("a raw Ed25519 public key is 32 bytes")
        try:
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except ValueError as exc:
            raise InvalidKey(f"not an Ed25519 public key: {exc}") from None

    @classmethod
    def from_raw_base64(cls, text: str) -> PublicKey:
        try:
            raw = b64decode(text, "public_key")
        except InvalidHead as exc:
            raise InvalidKey(exc.message) from None
        return cls.from_raw(raw)

    @classmethod
    def from_pem(cls, pem: bytes) -> PublicKey:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidKey(f"cannot load PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidKey(f"PEM holds a {type(key).__name__}, not an Ed25519 public key")
        return cls(key)

    @property
    def raw_base64(self) -> str:
        return b64encode(self.raw)

    def to_pem(self) -> bytes:
        """SubjectPublicKeyInfo PEM."""
        return self._key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def verify(self, data: bytes, signature: bytes) -> None:
        try:
            self._key.verify(signature, data)
        except _CryptoInvalidSignature:
            raise InvalidSignature(f"signature does not verify under key {self.key_id}") from None

    def verify_head(self, signed: SignedTreeHead) -> None:
        """Raises ``InvalidHead`` when the head names another key, ``InvalidSignature`` when the
        signature does not verify under this key."""
        if signed.head.key_id != self.key_id:
            raise InvalidHead(f"head is signed by key {signed.head.key_id}, this key is {self.key_id}")
        self.verify(signed.head.canonical_bytes(), b64decode(signed.signature, "signature"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"PublicKey(key_id={self.key_id!r})"


class SigningKey:
    """The log's Ed25519 private key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidKey("not an Ed25519 private key")
        self._key = key
        self.public_key = PublicKey(key.public_key())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> SigningKey:
        """Load a PEM private key (PKCS#8, optionally encrypted); it must be Ed25519."""
        try:
            key = serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidKey(f"cannot load PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidKey(f"PEM holds a {type(key).__name__}, not an Ed25519 private key")
        return cls(key)

    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with ``password`` when given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def sign_head(
        self,
        tree_size: int,
        root_hash: bytes,
        timestamp: datetime,
        previous: SignedTreeHead | TreeHead | None = None,
    ) -> SignedTreeHead:
        """Sign the head of a tree of ``tree_size`` leaves with root ``root_hash``, chained to
        ``previous`` (``None`` for the first head). A head may not shrink the tree or go back in time
        (``InvalidHead``); it does not check the roots are consistent, which needs a consistency proof."""
        if not isinstance(root_hash, bytes) or len(root_hash) != 32:
            raise InvalidHead("root_hash: must be 32 bytes")
        timestamp = to_utc_head(timestamp)
        prev = previous.head if isinstance(previous, SignedTreeHead) else previous
        if prev is None:
            prev_head_hash = ZERO_HASH_HEX
        else:
            if tree_size < prev.tree_size:
                raise InvalidHead(f"tree_size {tree_size} is smaller than the previous head's {prev.tree_size}")
            if timestamp < prev.timestamp:
                raise InvalidHead("timestamp is earlier than the previous head's")
            prev_head_hash = prev.head_hash().hex()
        head = TreeHead(tree_size, root_hash.hex(), prev_head_hash, timestamp, self.key_id)
        return SignedTreeHead(head, b64encode(self.sign(head.canonical_bytes())))

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"
