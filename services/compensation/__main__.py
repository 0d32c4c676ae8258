import gc

from libs.service import run_service
from services.compensation.app import CompensationService
from services.compensation.settings import CompensationSettings

# Everything imported so far lives as long as the process: keep it out of the collector's scans, and
# collect the young generation less often (each call allocates a few thousand short-lived objects).
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 20, 20)

run_service(CompensationService, CompensationSettings())
