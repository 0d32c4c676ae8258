"""RFC 9457 problem+json for every error, including gRPC failures from the services."""

from __future__ import annotations

from typing import Any

import grpc
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """Raise anywhere in a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://kintsugi.dev/problems/{status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


GRPC_TO_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
    # A server shutting down (a rolling update) cancels calls still queued on it: transient.
    grpc.StatusCode.CANCELLED: 503,
}


def field_errors(exc: grpc.aio.AioRpcError) -> list[dict[str, str]]:
    """The BadRequest field violations a service attached to INVALID_ARGUMENT."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    errors: list[dict[str, str]] = []
    if status is None:
        return errors
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            errors.extend({"field": v.field, "message": v.description} for v in bad.field_violations)
    return errors


def from_grpc(exc: grpc.aio.AioRpcError) -> JSONResponse:
    """Maps a service's status to HTTP; unknown failures become 500 with no internals."""
    code = exc.code()
    status = GRPC_TO_HTTP.get(code, 500)
    if status == 503:
        return problem_response(503, "a service is unavailable; retry later", headers={"Retry-After": "1"})
    if status == 500:
        return problem_response(500, "internal error")
    if status == 404:
        # The same words whatever the reason, so nothing leaks about other shops' data.
        return problem_response(404, exc.details() or "not found")
    errors = field_errors(exc) if code == grpc.StatusCode.INVALID_ARGUMENT else None
    return problem_response(status, exc.details() or TITLES[status], errors=errors)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _loc_to_field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    return problem_response(422, "the request is not valid", errors=errors)


async def http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(exc.status_code, str(exc.detail), headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method any route offers at this path (Starlette names only the first route it matched)."""
    from starlette.routing import Match, Route

    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**scope, "type": "http"})
            if match is not Match.NONE:
                methods |= route.methods
    return sorted(methods - {"HEAD"})


async def problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


async def grpc_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, grpc.aio.AioRpcError)
    return from_grpc(exc)


async def unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(500, "internal error")
