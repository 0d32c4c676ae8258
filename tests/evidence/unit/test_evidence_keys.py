"""Key material: development generates keys (0600, next to each other); production refuses to start without."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.evidence.adapters.keys import KeyConfigurationError, load_registry_key, load_signing_key
from services.evidence.domain.signing import SigningKey


def test_development_generates_a_private_signing_key_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"
    first = load_signing_key(path, env="development")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signing_key(path, env="development").key_id == first.key_id


def test_production_refuses_a_missing_or_wrong_key(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigurationError, match="does not exist"):
        load_signing_key(tmp_path / "missing.pem", env="production")
    assert not (tmp_path / "missing.pem").exists()
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(KeyConfigurationError, match="cannot load PEM"):
        load_signing_key(bad, env="production")
    good = tmp_path / "good.pem"
    good.write_bytes(SigningKey.generate().to_pem())
    assert load_signing_key(good, env="production").key_id


def test_registry_key(tmp_path: Path) -> None:
    signing = tmp_path / "signing.pem"
    generated = load_registry_key(None, signing_key_file=signing, env="development")
    assert len(generated) >= 32 and load_registry_key("", signing_key_file=signing, env="test") == generated
    assert stat.S_IMODE((tmp_path / "evidence_registry_key").stat().st_mode) == 0o600
    with pytest.raises(KeyConfigurationError, match="is not set"):
        load_registry_key(None, signing_key_file=signing, env="production")
    with pytest.raises(KeyConfigurationError, match="at least 32"):
        load_registry_key("changeme", signing_key_file=signing, env="production")
    assert load_registry_key("r" * 40, signing_key_file=signing, env="production") == b"r" * 40
