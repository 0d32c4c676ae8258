"""Bare baselines for the gRPC and database figures (payouts, attributions, appends, partner streams).

- grpc.aio: an echo server in its own process: unary calls with 32 in flight, and one client stream
  of small messages, for 10 s each;
- asyncpg: one durable INSERT (its own transaction, synchronous_commit on) per call from 32
  connections, for 10 s, on KINTSUGI_BENCH_PG's server or an embedded one.

Compare a service's calls/s or events/s with these to see what the service's own work costs on
this machine (bench/run.py puts each figure beside its baseline).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time

import grpc

from bench.common import ROOT, free_port, latency_summary, write_result

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = 32


async def serve(port: int) -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    async def count(requests, context: grpc.aio.ServicerContext) -> bytes:  # type: ignore[no-untyped-def]
        n = 0
        async for _ in requests:
            n += 1
        return str(n).encode()

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {"Echo": grpc.unary_unary_rpc_method_handler(echo), "Count": grpc.stream_unary_rpc_method_handler(count)},
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def measure(port: int) -> dict:
    payload = b"x" * 300  # about the size of a small request message
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        echo = channel.unary_unary("/bench.Echo/Echo")
        await channel.channel_ready()
        latencies: list[float] = []
        end = time.monotonic() + SECONDS

        async def worker() -> None:
            while time.monotonic() < end:
                started = time.perf_counter()
                await echo(payload, timeout=5)
                latencies.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        unary = {
            "calls_per_second": round(len(latencies) / (time.monotonic() - started), 1),
            **latency_summary(latencies),
        }

        stream_call = channel.stream_unary("/bench.Echo/Count")
        sent = 0
        stream_end = time.monotonic() + SECONDS

        async def messages():  # type: ignore[no-untyped-def]
            nonlocal sent
            while time.monotonic() < stream_end:
                for _ in range(100):
                    sent += 1
                    yield payload
                await asyncio.sleep(0)

        started = time.monotonic()
        received = int(await stream_call(messages(), timeout=SECONDS + 30))
        stream = {"messages_per_second": round(received / (time.monotonic() - started), 1), "messages": received}
    return {"unary_echo_32_in_flight": unary, "client_stream_one": stream}


async def insert_rate(admin_url: str) -> dict:
    """Durable single-row INSERTs, one per transaction, from 32 connections."""
    import asyncpg

    from libs.provision import drop_database, ensure_database, with_database

    name = f"bench_baseline_{os.getpid()}"
    await ensure_database(admin_url, name, name)
    url = with_database(admin_url, name, name)
    pool = await asyncpg.create_pool(url, min_size=CONCURRENCY, max_size=CONCURRENCY)
    try:
        await pool.execute("CREATE TABLE t (id bigint PRIMARY KEY, shop_id text NOT NULL, payload text NOT NULL)")
        latencies: list[float] = []
        counter = iter(range(10**9))
        end = time.monotonic() + SECONDS

        async def worker() -> None:
            async with pool.acquire() as conn:
                while time.monotonic() < end:
                    started = time.perf_counter()
                    await conn.execute("INSERT INTO t VALUES ($1, $2, $3)", next(counter), "shop", "x" * 300)
                    latencies.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        synchronous_commit = await pool.fetchval("SHOW synchronous_commit")
        return {
            "rows_per_second": round(len(latencies) / (time.monotonic() - started), 1),
            **latency_summary(latencies),
            "synchronous_commit": synchronous_commit,
        }
    finally:
        await pool.close()
        await drop_database(admin_url, name, name)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2])))
        return
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.bench_grpc_baseline", "serve", str(port)], cwd=ROOT)
    try:
        figures = asyncio.run(measure(port))
    finally:
        server.terminate()
        server.wait()
    admin_url = os.environ.get("KINTSUGI_BENCH_PG", "")
    embedded = None
    if not admin_url:
        from libs.embedded_pg import EmbeddedPostgres

        embedded = EmbeddedPostgres(ROOT / ".kintsugi" / f"bench-baseline-pg-{os.getpid()}")
        admin_url = embedded.start()
    try:
        figures["asyncpg_insert_32_connections"] = asyncio.run(insert_rate(admin_url))
    finally:
        if embedded is not None:
            embedded.stop()
            shutil.rmtree(embedded.data_dir, ignore_errors=True)
    write_result("grpc_baseline", figures, notes=__doc__ or "")


if __name__ == "__main__":
    main()
