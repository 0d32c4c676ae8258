from pydantic_settings import SettingsConfigDict

from libs.settings import DEFAULT_PORTS, PARTNER_PORT, ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KINTSUGI_INTAKE_", extra="ignore")

    grpc_port: int = DEFAULT_PORTS["intake"]
    partner_port: int = PARTNER_PORT
