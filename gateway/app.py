"""The FastAPI gateway: authenticates, authorises, validates, maps REST to gRPC and errors to problem+json."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import gateway.routers
from gateway import problems
from gateway.auth import RateLimiter, TokenVerifier
from gateway.clients import ServiceClients
from gateway.settings import GatewaySettings
from libs.settings import Endpoints

JSON_METHODS = {"POST", "PUT", "PATCH"}


class BodyLimitMiddleware:
    """413 for bodies over the limit (declared or streamed), 415 for non-JSON bodies."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in JSON_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        ctype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await problems.problem_response(413, f"body larger than {self.max_bytes} bytes")(scope, receive, send)
            return
        if ctype not in ("application/json", "application/merge-patch+json") and (length or b"0") != b"0":
            await problems.problem_response(415, "send application/json")(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise problems.Problem(413, f"body larger than {self.max_bytes} bytes")
            return message

        await self.app(scope, limited, send)


class RequestIdMiddleware:
    """X-Request-Id (the caller's, else a new one) and X-Trace-Id on every response.

    Plain ASGI: Starlette's @app.middleware("http") runs each request through extra tasks and streams.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = b""
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                request_id = value[:64]
                break
        request_id = request_id or uuid.uuid4().hex.encode()

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id))
                ctx = trace.get_current_span().get_span_context()
                if ctx.is_valid:
                    headers.append((b"x-trace-id", f"{ctx.trace_id:032x}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except problems.Problem as exc:
            response = problems.problem_response(exc.status, exc.detail, headers=exc.headers)
            await response(scope, receive, send_with_ids)


def discover_routers() -> list[APIRouter]:
    """Every module in gateway/routers with a `router`, in name order (each resource owns its file)."""
    routers = []
    for info in sorted(pkgutil.iter_modules(gateway.routers.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"gateway.routers.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


def create_app(settings: GatewaySettings | None = None, endpoints: Endpoints | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    endpoints = endpoints or Endpoints()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.clients = ServiceClients(endpoints)
        yield
        await app.state.clients.close()

    app = FastAPI(
        title="Kintsugi",
        version="1.0.0",
        description="Negative reviews and complaints, end to end. Errors are RFC 9457 problem+json.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)

    app.add_exception_handler(RequestValidationError, problems.validation_handler)
    app.add_exception_handler(StarletteHTTPException, problems.http_handler)
    app.add_exception_handler(problems.Problem, problems.problem_handler)
    app.add_exception_handler(grpc.aio.AioRpcError, problems.grpc_handler)
    app.add_exception_handler(Exception, problems.unhandled_handler)

    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
        )
    for router in discover_routers():
        app.include_router(router)
    _document_problem_schema(app)
    return app


def _document_problem_schema(app: FastAPI) -> None:
    """Makes ProblemOut a named component so every route's problem responses can refer to it."""
    from fastapi.openapi.utils import get_openapi

    from gateway.schemas import ProblemOut

    def openapi() -> dict:  # type: ignore[type-arg]
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem_schema.pop("$defs", {}))
        components["ProblemOut"] = problem_schema
        # FastAPI's default 422 body is replaced by our problem document.
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        problem = {
            "description": "problem+json",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
        }
        for path in schema.get("paths", {}).values():
            for op in path.values():
                responses = op.setdefault("responses", {})
                if "422" in responses:
                    responses["422"]["content"] = problem["content"]
                if "requestBody" in op:
                    # Malformed JSON (400), a body over the limit (413), a body that is not JSON (415).
                    for status in ("400", "413", "415"):
                        responses.setdefault(status, dict(problem))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
