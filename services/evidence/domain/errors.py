"""Errors of the evidence domain.

The domain is pure (no gRPC, no database), so these do not derive from ``libs.errors``; the application
layer maps them (suggested mapping in the docstring of each class). Every class carries a human-readable
message; the ones about a client-supplied value also name the ``field``.
"""

from __future__ import annotations


class EvidenceError(Exception):
    """Base of every error the evidence domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidEntry(EvidenceError):
    """An evidence entry (or a value inside it) breaks a rule. Maps to INVALID_ARGUMENT on ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class InvalidAppeal(EvidenceError):
    """An appeal breaks a rule (empty id, no evidence indexes...). Maps to INVALID_ARGUMENT on ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class CanonicalizationError(EvidenceError):
    """A value cannot be written as canonical JSON (a float, a non-string key, an unpaired surrogate...).

    ``path`` is a JSON-path-like location (``$.a[2].b``) of the offending value.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = message


class ProofError(EvidenceError):
    """Base of Merkle-proof errors."""


class InvalidProofRequest(ProofError):
    """A proof or root was asked for sizes/indexes that do not exist (index >= size, m > n...).

    Maps to INVALID_ARGUMENT (or OUT_OF_RANGE when the size is beyond the current tree).
    """


class ProofVerificationError(ProofError):
    """A proof is malformed for the sizes it claims (too long, too short, hash of the wrong length)."""


class NodeStoreError(EvidenceError):
    """Base of node-store errors (the persistence of the perfect-subtree hashes)."""


class MissingNode(NodeStoreError):
    """The node store has no hash for ``(level, index)``: the store is behind the requested tree size
    or has lost a row. Maps to INTERNAL / FAILED_PRECONDITION, never to a client error."""

    def __init__(self, level: int, index: int) -> None:
        super().__init__(f"node store has no node (level={level}, index={index})")
        self.level = level
        self.index = index


class NodeConflict(NodeStoreError):
    """An attempt to store a different hash for an existing node, or to leave a gap: the store is
    append-only and every node is immutable."""


class FrontierMismatch(EvidenceError):
    """A frontier (compact range) does not have the shape its tree size implies."""


class SigningError(EvidenceError):
    """Base of key and signature errors."""


class InvalidKey(SigningError):
    """Key material cannot be loaded or is not an Ed25519 key."""


class InvalidSignature(SigningError):
    """A signed tree head's signature does not verify under the given public key."""


class InvalidHead(EvidenceError):
    """A tree head is malformed (negative size, bad hex, wrong key id...)."""


class InvalidBundle(EvidenceError):
    """``build_bundle`` was given parts that do not make a verifiable bundle; ``problems`` lists why."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])
