"""gRPC server bootstrap: health, reflection, error mapping, tracing, size limits, graceful drain."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from libs.errors import DomainError, InvalidArgument

log = logging.getLogger(__name__)


def status_for(error: DomainError) -> grpc.Status:
    """A rich gRPC status (google.rpc.Status with BadRequest details for field errors)."""
    details = []
    if isinstance(error, InvalidArgument) and error.violations:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.message)
                for v in error.violations
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad_request)
        details.append(packed)
    return rpc_status.to_status(status_pb2.Status(code=error.code.value[0], message=error.message, details=details))


def item_error(exc: BaseException) -> tuple[str, str]:
    """(status name, message) for one item of a batch call: what the single call would have answered."""
    if isinstance(exc, DomainError):
        return exc.code.name, exc.message
    if is_database_unavailable(exc):
        return "UNAVAILABLE", "database unavailable"
    return "INTERNAL", "internal error"


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection, or an exhausted pool: worth retrying, not a bug."""
    import asyncpg
    from sqlalchemy import exc as sa_exc

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            sa_exc.TimeoutError
            | ConnectionError
            | asyncpg.exceptions.ConnectionDoesNotExistError
            | asyncpg.exceptions.CannotConnectNowError
            | asyncpg.exceptions.TooManyConnectionsError
            | asyncpg.exceptions.AdminShutdownError,
        ):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OSError) and current.errno is not None:
            return True
        current = current.__cause__ or current.__context__
    return False


def nul_field(message: Any, prefix: str = "") -> str | None:
    """The path of the first string field holding a NUL character (PostgreSQL text cannot store one)."""
    from google.protobuf.message import Message

    for descriptor, value in message.ListFields():
        name = f"{prefix}{descriptor.name}"
        repeated = descriptor.is_repeated
        if descriptor.type == descriptor.TYPE_STRING:
            for i, text in enumerate(value if repeated else [value]):
                if "\x00" in text:
                    return f"{name}[{i}]" if repeated else name
        elif descriptor.type == descriptor.TYPE_MESSAGE and not descriptor.message_type.GetOptions().map_entry:
            for i, item in enumerate(value if repeated else [value]):
                if isinstance(item, Message):
                    found = nul_field(item, f"{name}[{i}]." if repeated else f"{name}.")
                    if found:
                        return found
    return None


class DomainErrorInterceptor(grpc.aio.ServerInterceptor):
    """Turns DomainError into its status code; anything else becomes INTERNAL without internals."""

    async def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method

        async def guard(call: Awaitable[Any], context: grpc.aio.ServicerContext) -> Any:
            try:
                return await call
            except DomainError as exc:
                status = status_for(exc)
                await context.abort(status.code, status.details, status.trailing_metadata)
            except (asyncio.CancelledError, grpc.aio.AbortError):
                raise
            except Exception as exc:
                if is_database_unavailable(exc):
                    # Transient: the client may retry (the gateway answers 503 with Retry-After).
                    log.warning("database unavailable in %s: %r", method, exc)
                    await context.abort(grpc.StatusCode.UNAVAILABLE, "database unavailable; retry later")
                log.exception("unhandled error in %s", method)
                await context.abort(grpc.StatusCode.INTERNAL, "internal error")

        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def checked(request: Any, context: grpc.aio.ServicerContext) -> Any:
                field = nul_field(request) if not isinstance(request, bytes) else None
                if field is not None:
                    raise InvalidArgument.on(field, "must not contain NUL characters")
                return await inner_uu(request, context)

            return grpc.unary_unary_rpc_method_handler(
                lambda req, ctx: guard(checked(req, ctx), ctx),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            inner_su = handler.stream_unary
            return grpc.stream_unary_rpc_method_handler(
                lambda it, ctx: guard(inner_su(it, ctx), ctx),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


@dataclass
class ServerSpec:
    """What one gRPC server hosts: servicers to add and the full service names they provide."""

    add_servicers: Callable[[grpc.aio.Server], None]
    service_names: list[str]
    port: int
    host: str = "127.0.0.1"
    max_message_bytes: int = 8 * 1024 * 1024
    extra_interceptors: list[grpc.aio.ServerInterceptor] = field(default_factory=list)


class RunningServer:
    """A started grpc.aio server with its health servicer; stop() drains in-flight calls."""

    def __init__(
        self, server: grpc.aio.Server, health_servicer: health.aio.HealthServicer, port: int, names: list[str]
    ):
        self.server = server
        self.health = health_servicer
        self.port = port
        self.names = names

    async def set_serving(self, serving: bool) -> None:
        """What the health service answers for every service here (and the server as a whole)."""
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in self.names:
            await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


async def start_server(spec: ServerSpec) -> RunningServer:
    """Builds, binds and starts a server; its health service reports SERVING for each service name."""
    server = grpc.aio.server(
        interceptors=[aio_server_interceptor(), DomainErrorInterceptor(), *spec.extra_interceptors],
        options=[
            ("grpc.max_receive_message_length", spec.max_message_bytes),
            ("grpc.max_send_message_length", spec.max_message_bytes),
            ("grpc.so_reuseport", 0),
            # Recycle long-lived connections so clients spread over replicas the autoscaler adds.
            ("grpc.max_connection_age_ms", 5 * 60 * 1000),
            ("grpc.max_connection_age_grace_ms", 30 * 1000),
        ],
    )
    spec.add_servicers(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [*spec.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(names, server)
    port = server.add_insecure_port(f"{spec.host}:{spec.port}")
    if port == 0:
        raise RuntimeError(f"cannot bind {spec.host}:{spec.port}")
    await server.start()
    running = RunningServer(server, health_servicer, port, [*spec.service_names, ""])
    await running.set_serving(True)
    return running


async def wait_for_shutdown_signal() -> None:
    """Returns on SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve_until_signalled(
    servers: Iterable[RunningServer],
    *,
    grace: float,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Blocks until a signal, then drains every server and runs on_stop (background tasks)."""
    servers = list(servers)
    await wait_for_shutdown_signal()
    log.info("shutting down: draining for up to %.0f s", grace)
    await asyncio.gather(*(s.stop(grace) for s in servers))
    if on_stop is not None:
        await on_stop()
