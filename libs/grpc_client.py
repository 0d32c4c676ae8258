"""gRPC channels with tracing, a deadline on every call, and retries only where they are safe."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

# CANCELLED too: a server draining for shutdown cancels calls it had not started (grpc/grpc#41785).
RETRYABLE = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.CANCELLED,
    }
)
DEFAULT_TIMEOUT = 5.0

T = TypeVar("T")


def make_channel(target: str, *, max_message_bytes: int = 8 * 1024 * 1024) -> grpc.aio.Channel:
    """An insecure loopback/cluster channel with client tracing."""
    return grpc.aio.insecure_channel(
        target,
        interceptors=aio_client_interceptors(),
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.keepalive_time_ms", 30_000),
            # Reconnect quickly after a peer restarts (the default backoff grows to minutes).
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 2_000),
        ],
    )


def is_retryable(exc: BaseException) -> bool:
    """Only transport-level failures that a repeated idempotent call can fix."""
    return isinstance(exc, grpc.aio.AioRpcError) and exc.code() in RETRYABLE


async def call(
    method: Callable[..., Awaitable[T]],
    request: Any,
    *,
    idempotent: bool,
    timeout: float = DEFAULT_TIMEOUT,
    metadata: tuple[tuple[str, str], ...] | None = None,
    attempts: int = 4,
    budget_seconds: float = 10.0,
) -> T:
    """Calls a stub method with a deadline; retries with backoff and jitter only if idempotent."""
    if not idempotent:
        return await method(request, timeout=timeout, metadata=metadata)
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_retryable),
        wait=wait_exponential_jitter(multiplier=0.05, max=1.0, jitter=0.1),
        stop=stop_after_attempt(attempts) | stop_after_delay(budget_seconds),
        reraise=True,
    ):
        with attempt:
            return await method(request, timeout=timeout, metadata=metadata)
    raise AssertionError("unreachable")
