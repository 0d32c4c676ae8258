from libs.service import run_service
from services.evidence.app import EvidenceService
from services.evidence.settings import EvidenceSettings

run_service(EvidenceService, EvidenceSettings())
