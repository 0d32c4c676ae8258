import uvicorn
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from gateway.app import create_app
from gateway.settings import GatewaySettings
from libs.telemetry import setup_logging, setup_telemetry

settings = GatewaySettings()
setup_logging("gateway")
setup_telemetry("gateway")
app = create_app(settings)
# No spans for each ASGI receive and send: the request span and its gRPC children say what matters.
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"])
uvicorn.run(
    app, host=settings.host, port=settings.port, log_level="warning", access_log=False, timeout_graceful_shutdown=20
)
