from pydantic_settings import SettingsConfigDict

from libs.settings import DEFAULT_PORTS, ServiceSettings


class CompensationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KINTSUGI_COMPENSATION_", extra="ignore")

    grpc_port: int = DEFAULT_PORTS["compensation"]
