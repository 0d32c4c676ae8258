"""The gateway refuses to run outside development without a real signing key."""

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings


@pytest.mark.parametrize("secret", ["", "changeme", "secret", "short-but-not-placeholder"])
def test_placeholder_secret_refused_in_production(secret: str) -> None:
    with pytest.raises(ValidationError, match="KINTSUGI_JWT_SECRET"):
        GatewaySettings(env="production", jwt_secret=secret)


def test_real_secret_accepted_in_production() -> None:
    assert GatewaySettings(env="production", jwt_secret="k" * 40).env == "production"


def test_development_runs_without_a_secret() -> None:
    assert GatewaySettings(env="development", jwt_secret="").env == "development"
