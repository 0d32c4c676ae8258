from pydantic_settings import SettingsConfigDict

from libs.settings import DEFAULT_PORTS, PARTNER_PORT, ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KINTSUGI_INTAKE_", extra="ignore")

    grpc_port: int = DEFAULT_PORTS["intake"]
    # The partner-facing server (LogisticsIngest only), on its own port so a NetworkPolicy can expose just it.
    partner_port: int = PARTNER_PORT
    partner_max_message_bytes: int = 1024 * 1024
    # Partner streams: events per transaction, events per stream, and how long a partial chunk may wait.
    partner_chunk_size: int = 500
    partner_max_events_per_stream: int = 100_000
    partner_flush_seconds: float = 1.0
    # Rows (overdue shipments, long excursions) one pass of the logistics signal worker claims.
    signals_batch_size: int = 200
