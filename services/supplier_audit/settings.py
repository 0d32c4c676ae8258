from pydantic_settings import SettingsConfigDict

from libs.settings import DEFAULT_PORTS, ServiceSettings


class SupplierAuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KINTSUGI_SUPPLIER_AUDIT_", extra="ignore")

    grpc_port: int = DEFAULT_PORTS["supplier_audit"]
