import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from libs.settings import DEFAULT_PORTS, ServiceSettings

DEFAULT_DATA_DIR = Path(os.environ.get("KINTSUGI_DATA_DIR", ".kintsugi"))


class EvidenceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KINTSUGI_EVIDENCE_", extra="ignore")

    grpc_port: int = DEFAULT_PORTS["evidence"]
    # Ed25519 private key (PKCS#8 PEM) that signs tree heads. In development a missing file is generated
    # (mode 0600); in production a missing or unreadable key stops the service at start-up.
    signing_key_file: Path = DEFAULT_DATA_DIR / "evidence_signing_key.pem"
    # HMAC key of the malicious-actor registry (>= 32 characters). Required in production; in development
    # a random one is generated in the file `evidence_registry_key` next to the signing key.
    registry_key: SecretStr | None = None
    # A new signed tree head once this many entries are unsigned, or once the oldest unsigned entry is
    # this many seconds old (a background worker; GetSignedHead also signs on demand when the log grew).
    head_every_entries: int = Field(default=1000, ge=1)
    head_interval_seconds: float = Field(default=5.0, gt=0)
    # The most entries one append transaction writes (AppendEvidenceBatch, and grouped single appends).
    max_batch: int = Field(default=1000, ge=1, le=10_000)
