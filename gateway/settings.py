from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.settings import GATEWAY_PORT

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "changethis", "secret", "dev", "development", "test"}
MIN_SECRET_LENGTH = 32


class GatewaySettings(BaseSettings):
    """KINTSUGI_GATEWAY_* plus the two JWT settings named in API.md."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_GATEWAY_", extra="ignore", populate_by_name=True)

    env: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("KINTSUGI_ENV")
    )
    host: str = "127.0.0.1"
    port: int = GATEWAY_PORT
    jwt_secret: str = Field(default="", validation_alias=AliasChoices("KINTSUGI_JWT_SECRET"))
    jwt_public_key: str = Field(default="", validation_alias=AliasChoices("KINTSUGI_JWT_PUBLIC_KEY"))
    # During a rotation tokens signed with the previous secret stay valid until they expire.
    jwt_previous_secret: str = Field(default="", validation_alias=AliasChoices("KINTSUGI_JWT_PREVIOUS_SECRET"))
    jwt_leeway_seconds: int = 30
    call_timeout_seconds: float = 5.0
    max_body_bytes: int = 16 * 1024 * 1024
    rate_limit_per_second: float = 200.0
    rate_limit_burst: int = 400
    cors_origins: list[str] = []

    @model_validator(mode="after")
    def refuse_placeholder_secrets(self) -> "GatewaySettings":
        """Outside development a real key is required; we never run production on a default."""
        if self.env == "development":
            return self
        if self.jwt_public_key:
            return self
        if self.jwt_secret.strip().lower() in PLACEHOLDER_SECRETS or len(self.jwt_secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                "KINTSUGI_JWT_SECRET is missing or a placeholder: set a random secret of at least "
                f"{MIN_SECRET_LENGTH} characters, or KINTSUGI_JWT_PUBLIC_KEY"
            )
        return self
