from libs.service import run_service
from services.triage.app import TriageService
from services.triage.settings import TriageSettings

run_service(TriageService, TriageSettings())
