from libs.service import run_service
from services.intake.app import IntakeService
from services.intake.settings import IntakeSettings

run_service(IntakeService, IntakeSettings())
