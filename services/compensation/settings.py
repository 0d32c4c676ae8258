from pydantic_settings import SettingsConfigDict

from libs.settings import DEFAULT_PORTS, ServiceSettings


class CompensationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KINTSUGI_COMPENSATION_", extra="ignore")

    grpc_port: int = DEFAULT_PORTS["compensation"]
    # Payments holding a database connection at once (at most db_pool_size); more wait for one. Beyond a
    # few per core, more concurrent payment statements only queue inside PostgreSQL and cost CPU switching.
    payment_connections: int = 4
