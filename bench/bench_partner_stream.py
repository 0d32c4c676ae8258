"""Partner stream benchmark: logistics events per second through intake's partner port.

    python -m bench.bench_partner_stream [--out bench/results/partner_stream.json] [--events 50000]

Intake runs as its own process (``python -m services.intake``) on a fresh database of an embedded
PostgreSQL started for the run (or the server in KINTSUGI_BENCH_PG), durable: fsync and
synchronous_commit on (recorded in the result). A stand-in triage server in this process acknowledges
the outbox deliveries of the signals the events raise. Partners are created with the CLI's function.

Figures:
- ``events_per_s_one_stream``: one partner, one stream of --events events (bounded at 50,000);
- ``events_per_s_8_streams``: 8 partners (a shop each) streaming --events / 2 events each at once, in total;
- ``events_per_s_replayed_stream``: the first stream sent again (every event a duplicate).
Events are a realistic mix per order: pick-up with a promised time, transit scans, cold-chain
temperature readings (a few orders with a long excursion), a damaged parcel now and then, delivery.
Messages are serialised before the clock starts, so the figures are the server's, not the client's.
After the run the stored events, logistics items and summaries are checked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import asyncpg  # noqa: E402
import grpc  # noqa: E402
from kintsugi.v1 import intake_pb2, triage_pb2  # noqa: E402

from libs import migrations  # noqa: E402
from libs.embedded_pg import EmbeddedPostgres, free_port  # noqa: E402
from libs.provision import drop_database, ensure_database, with_database  # noqa: E402
from libs.timeutil import to_ts  # noqa: E402
from services.intake.cli import add_partner  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "partner_stream.json"
MAX_EVENTS_PER_STREAM = 50_000
STREAMS = 8
REPORT_EVENTS = "/kintsugi.v1.LogisticsIngest/ReportEvents"
TARGET_EVENTS_PER_S = 5_000


def order_events(shop: str, prefix: str, order: int, now: datetime) -> list[intake_pb2.LogisticsEvent]:
    """Ten events of one order; every 50th order has a 40-minute cold-chain excursion, every 200th is damaged."""
    oid = f"{prefix}-o{order}"
    start = now - timedelta(days=2, minutes=order % 600)
    base = {"shop_id": shop, "order_id": oid, "tracking_no": f"SF{order:010d}", "region": "华东"}

    def ev(n: int, kind: str, minutes: int, **extra: Any) -> intake_pb2.LogisticsEvent:
        msg = intake_pb2.LogisticsEvent(
            event_id=f"{oid}-{n}", kind=kind, occurred_at=to_ts(start + timedelta(minutes=minutes)), **base, **extra
        )
        return msg

    def reading(value: float) -> intake_pb2.Reading:
        return intake_pb2.Reading(value=value, allowed_min=2.0, allowed_max=8.0, unit="°C")

    hot = order % 50 == 0
    events = [
        ev(0, "picked_up", 0, promised_at=to_ts(start + timedelta(days=3))),
        ev(1, "in_transit", 60),
        ev(2, "temperature_excursion", 90, reading=reading(9.5 if hot else 4.0)),
        ev(3, "temperature_excursion", 110, reading=reading(10.5 if hot else 4.5)),
        ev(4, "in_transit", 240),
        ev(5, "temperature_excursion", 131, reading=reading(9.0 if hot else 5.0)),
        ev(6, "temperature_excursion", 150, reading=reading(6.0)),
        ev(7, "in_transit", 600),
        ev(8, "damaged" if order % 200 == 0 else "in_transit", 700),
        ev(9, "delivered", 900),
    ]
    return events


def stream_payloads(shop: str, prefix: str, count: int) -> list[bytes]:
    now = datetime.now(UTC)
    out: list[bytes] = []
    order = 0
    while len(out) < count:
        out += [m.SerializeToString() for m in order_events(shop, prefix, order, now)]
        order += 1
    return out[:count]


def expected_items(count: int) -> int:
    orders = count // 10
    return sum(1 for o in range(orders) if o % 50 == 0) + sum(1 for o in range(orders) if o % 200 == 0)


class TriageStandIn:
    """Acknowledges intake's outbox deliveries (TriageFeedback, one or a batch) without doing anything."""

    def __init__(self) -> None:
        self.delivered = 0
        self.server = grpc.aio.server()

        async def triage(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            self.delivered += 1
            return b""

        async def triage_batch(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            items = len(triage_pb2.TriageFeedbackBatchRequest.FromString(request).items)
            self.delivered += items
            reply = triage_pb2.TriageFeedbackBatchResponse(results=[triage_pb2.TriageFeedbackResult()] * items)
            return reply.SerializeToString()

        handlers = {
            "TriageFeedback": grpc.unary_unary_rpc_method_handler(triage),
            "TriageFeedbackBatch": grpc.unary_unary_rpc_method_handler(triage_batch),
        }
        self.server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("kintsugi.v1.Triage", handlers)])
        self.port = self.server.add_insecure_port("127.0.0.1:0")


async def send(channel: grpc.aio.Channel, token: str, payloads: list[bytes]) -> tuple[intake_pb2.ReportSummary, float]:
    call = channel.stream_unary(
        REPORT_EVENTS, request_serializer=None, response_deserializer=intake_pb2.ReportSummary.FromString
    )

    def requests() -> Iterator[bytes]:
        yield from payloads

    started = time.perf_counter()
    summary = await call(requests(), metadata=(("authorization", f"Bearer {token}"),), timeout=600)
    return summary, time.perf_counter() - started


def figures_of(summary: intake_pb2.ReportSummary, seconds: float) -> dict[str, Any]:
    total = summary.accepted + summary.duplicate + summary.rejected
    return {
        "events": total,
        "seconds": round(seconds, 3),
        "events_per_s": round(total / seconds),
        "accepted": summary.accepted,
        "duplicate": summary.duplicate,
        "rejected": summary.rejected,
    }


async def pg_settings(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {k: await conn.fetchval(f"SHOW {k}") for k in ("server_version", "fsync", "synchronous_commit")}
    finally:
        await conn.close()


async def count_rows(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    # A server of its own by default: a shared one's connection limit and other load would be measured too.
    admin_url = os.environ.get("KINTSUGI_BENCH_PG", "")
    embedded = None
    data_dir = REPO_ROOT / ".kintsugi" / f"bench-pg-{os.getpid()}"
    if not admin_url:
        embedded = EmbeddedPostgres(data_dir)
        admin_url = embedded.start()
    database = f"kt_bench_partner_{secrets.token_hex(3)}"
    await ensure_database(admin_url, database)
    url = with_database(admin_url, database)
    triage = TriageStandIn()
    await triage.server.start()
    port, partner_port = free_port(), free_port()
    env = {
        **os.environ,
        "KINTSUGI_INTAKE_DATABASE_URL": url,
        "KINTSUGI_INTAKE_GRPC_PORT": str(port),
        "KINTSUGI_INTAKE_PARTNER_PORT": str(partner_port),
        "KINTSUGI_INTAKE_LOG_LEVEL": "WARNING",
        "KINTSUGI_TRIAGE_TARGET": f"127.0.0.1:{triage.port}",
        "OTEL_SDK_DISABLED": "true",
    }
    service: subprocess.Popen[bytes] | None = None
    n = min(args.events, MAX_EVENTS_PER_STREAM)
    per_stream = max(10, n // 2)
    run = secrets.token_hex(3)
    load_before = round(os.getloadavg()[0], 2)
    try:
        await migrations.upgrade("intake", url)
        service = subprocess.Popen([sys.executable, "-m", "services.intake"], cwd=REPO_ROOT, env=env)
        tokens = []
        for i in range(STREAMS + 1):
            _, token = await add_partner(url, f"bench-{run}-{i}", [f"bench-{run}-shop{i}"])
            tokens.append(token)
        warm = stream_payloads(f"bench-{run}-shop0", "warm", 2_000)
        single = stream_payloads(f"bench-{run}-shop0", "one", n)
        many = [stream_payloads(f"bench-{run}-shop{i + 1}", f"s{i}", per_stream) for i in range(STREAMS)]
        channel = grpc.aio.insecure_channel(
            f"127.0.0.1:{partner_port}", options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]
        )
        await asyncio.wait_for(channel.channel_ready(), timeout=60)

        await send(channel, tokens[0], warm)  # warm-up: connections, caches
        one, one_s = await send(channel, tokens[0], single)
        started = time.perf_counter()
        results = await asyncio.gather(*(send(channel, tokens[i + 1], many[i]) for i in range(STREAMS)))
        many_s = time.perf_counter() - started
        replay, replay_s = await send(channel, tokens[0], single)
        await asyncio.sleep(2.0)  # the relay delivers the last items to the stand-in

        many_total = sum(s.accepted + s.duplicate + s.rejected for s, _ in results)
        stored = await count_rows(url, "SELECT count(*) FROM logistics_events")
        items = await count_rows(url, "SELECT count(*) FROM feedback WHERE channel = 'logistics'")
        expected_stored = len(warm) + n + STREAMS * per_stream
        expected = expected_items(len(warm)) + expected_items(n) + STREAMS * expected_items(per_stream)
        checks = {
            "events_stored": stored,
            "events_stored_expected": expected_stored,
            "all_accepted": one.accepted == n and all(s.accepted == per_stream for s, _ in results),
            "replay_all_duplicates": replay.duplicate == n and replay.accepted == 0,
            "logistics_items": items,
            "logistics_items_expected": expected,
            "items_acknowledged_by_triage_stand_in": triage.delivered,
        }
        await channel.close()
        return {
            "figures": {
                "events_per_s_one_stream": round(n / one_s),
                f"events_per_s_{STREAMS}_streams": round(many_total / many_s),
                "events_per_s_replayed_stream": round(n / replay_s),
            },
            "targets": {"events_per_s_one_stream": TARGET_EVENTS_PER_S},
            "one_stream": figures_of(one, one_s),
            f"{STREAMS}_streams": {
                "streams": STREAMS,
                "events_per_stream": per_stream,
                "seconds": round(many_s, 3),
                "events_per_s": round(many_total / many_s),
                "slowest_stream_s": round(max(s for _, s in results), 3),
            },
            "replayed_stream": figures_of(replay, replay_s),
            "checks": checks,
            "setup": {
                "service": "python -m services.intake (own process, uvloop, db pool 10+10), real gRPC on loopback",
                "client": "grpc.aio stream_unary with pre-serialised LogisticsEvent bytes, in this process",
                "chunk": "500 events per transaction (KINTSUGI_INTAKE_PARTNER_CHUNK_SIZE)",
                "mix": "per order: picked_up (promised_at), 3-4 in_transit, 4 temperature readings, delivered; "
                "every 50th order a 41-minute excursion (one item), every 200th a damaged parcel (one item)",
                "postgres": await pg_settings(url),
            },
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                # The machine is shared: the load before the run says how much else was competing.
                "load_average_1m_before": load_before,
            },
        }
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
        await triage.server.stop(0)
        await drop_database(admin_url, database)
        if embedded is not None:
            embedded.stop(mode="immediate")
            shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--events", type=int, default=MAX_EVENTS_PER_STREAM, help="events in the single stream")
    args = parser.parse_args()
    started = time.monotonic()
    result = asyncio.run(main_async(args))
    result["seconds"] = round(time.monotonic() - started, 1)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["figures"], indent=2))
    print(json.dumps(result["checks"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
