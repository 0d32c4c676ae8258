import uvicorn
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from gateway.app import create_app
from gateway.settings import GatewaySettings
from libs.telemetry import setup_logging, setup_telemetry

settings = GatewaySettings()
setup_logging("gateway")
setup_telemetry("gateway")
app = create_app(settings)
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")
uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", timeout_graceful_shutdown=20)
