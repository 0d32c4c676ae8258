from libs.service import run_service
from services.compensation.app import CompensationService
from services.compensation.settings import CompensationSettings

run_service(CompensationService, CompensationSettings())
