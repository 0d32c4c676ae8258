"""Key material from files: the log's Ed25519 signing key and the registry's HMAC key.

Development (and tests) get keys generated on first use, written with mode 0600 next to each other;
production refuses to start without them, so a log is never signed with a key nobody kept.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

from services.evidence.domain.errors import InvalidKey
from services.evidence.domain.registry import MIN_KEY_BYTES
from services.evidence.domain.signing import SigningKey

log = logging.getLogger(__name__)

REGISTRY_KEY_FILE = "evidence_registry_key"
PLACEHOLDERS = {"changeme", "change-me", "changethis", "secret", "dev", "development", "test"}


class KeyConfigurationError(RuntimeError):
    """The service cannot start: a key is missing or unusable."""


def _write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` (mode 0600) with ``data`` unless it exists; True if we wrote it.

    Written to a private temporary file first and then hard-linked into place, so replicas or test workers
    racing at start-up never read a half-written key: one link wins, the others read the winner's file.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def load_signing_key(path: Path, *, env: str) -> SigningKey:
    """The log's signing key from a PEM file; generated there in development when missing."""
    path = Path(path)
    if not path.exists():
        if env == "production":
            raise KeyConfigurationError(
                f"evidence signing key {path} does not exist: set KINTSUGI_EVIDENCE_SIGNING_KEY_FILE to an "
                "Ed25519 PEM key (openssl genpkey -algorithm ed25519)"
            )
        if _write_new(path, SigningKey.generate().to_pem()):
            log.warning("generated a development evidence signing key in %s", path)
    try:
        key = SigningKey.from_pem(path.read_bytes())
    except OSError as exc:
        raise KeyConfigurationError(f"cannot read evidence signing key {path}: {exc.strerror}") from None
    except InvalidKey as exc:
        raise KeyConfigurationError(f"evidence signing key {path}: {exc.message}") from None
    if path.stat().st_mode & 0o007:
        log.warning("evidence signing key %s is readable by other users; chmod 600 it", path)
    return key


def load_registry_key(value: str | None, *, signing_key_file: Path, env: str) -> bytes:
    """The registry's HMAC key: the configured secret, or (development) a generated one next to the
    signing key."""
    if value is None or not value.strip():
        if env == "production":
            raise KeyConfigurationError(
                f"KINTSUGI_EVIDENCE_REGISTRY_KEY is not set: use a random secret of at least {MIN_KEY_BYTES} "
                "characters (it keys the malicious-actor registry's hashes; keep it stable)"
            )
        path = Path(signing_key_file).parent / REGISTRY_KEY_FILE
        if not path.exists() and _write_new(path, secrets.token_urlsafe(48).encode()):
            log.warning("generated a development registry key in %s", path)
        value = path.read_text().strip()
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES or value.strip().lower() in PLACEHOLDERS:
        raise KeyConfigurationError(
            f"KINTSUGI_EVIDENCE_REGISTRY_KEY must be a random secret of at least {MIN_KEY_BYTES} characters"
        )
    return key
