from libs.service import run_service
from services.supplier_audit.app import SupplierAuditService
from services.supplier_audit.settings import SupplierAuditSettings

run_service(SupplierAuditService, SupplierAuditSettings())
