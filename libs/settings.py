"""Settings shared by every service; each service subclasses ServiceSettings with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {
    "intake": 50061,
    "triage": 50062,
    "compensation": 50063,
    "supplier_audit": 50064,
    "evidence": 50065,
}
PARTNER_PORT = 50051
GATEWAY_PORT = 8080
SERVICES = tuple(DEFAULT_PORTS)


class ServiceSettings(BaseSettings):
    """What every gRPC service needs; subclasses set env_prefix, e.g. KINTSUGI_TRIAGE_."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("KINTSUGI_ENV")
    )
    host: str = "127.0.0.1"
    grpc_port: int = 0
    database_url: str | None = None
    db_pool_size: int = 10
    drain_seconds: float = 20.0
    max_message_bytes: int = 8 * 1024 * 1024
    log_level: str = "INFO"
    # Outbox relay: how often to poll when idle, and how many rows one claim takes.
    outbox_poll_seconds: float = 0.1
    outbox_batch_size: int = 200
    # How long the relay waits after being woken, so rows committed meanwhile go in the same call.
    outbox_linger_seconds: float = 0.05
    timers_poll_seconds: float = 1.0


class Endpoints(BaseSettings):
    """Where each service listens, for clients (gateway, outbox relays): KINTSUGI_<SERVICE>_TARGET."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    intake_target: str = f"127.0.0.1:{DEFAULT_PORTS['intake']}"
    triage_target: str = f"127.0.0.1:{DEFAULT_PORTS['triage']}"
    compensation_target: str = f"127.0.0.1:{DEFAULT_PORTS['compensation']}"
    supplier_audit_target: str = f"127.0.0.1:{DEFAULT_PORTS['supplier_audit']}"
    evidence_target: str = f"127.0.0.1:{DEFAULT_PORTS['evidence']}"

    def target(self, service: str) -> str:
        """The host:port of one service."""
        return str(getattr(self, f"{service}_target"))
