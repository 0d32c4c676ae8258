"""Shared pieces of the benchmarks: a fresh system in subprocesses, load generators, percentiles."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2), "count": len(ms)}


def write_result(name: str, figures: dict[str, Any], notes: str = "") -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "figures": figures,
        "notes": notes,
        "cores": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(doc, indent=2, ensure_ascii=False))


PARTS = (
    "services.intake",
    "services.triage",
    "services.compensation",
    "services.supplier_audit",
    "services.evidence",
    "-m gateway",
)


@dataclass
class RunningSystem:
    """`kintsugi up` in a subprocess on an embedded PostgreSQL of its own (a fresh system per benchmark)."""

    data_dir: Path
    gateway_port: int = field(default_factory=free_port)
    partner_port: int = field(default_factory=free_port)
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def start(self, timeout: float = 180) -> None:
        from libs.settings import SERVICES

        shutil.rmtree(self.data_dir, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KINTSUGI_")}
        for service in SERVICES:
            self.ports[service] = free_port()
            env[f"KINTSUGI_{service.upper()}_GRPC_PORT"] = str(self.ports[service])
        env["KINTSUGI_GATEWAY_RATE_LIMIT_PER_SECOND"] = "1000000"
        env["KINTSUGI_GATEWAY_RATE_LIMIT_BURST"] = "1000000"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "libs.cli",
                "--data-dir",
                str(self.data_dir),
                "up",
                "--gateway-port",
                str(self.gateway_port),
                "--partner-port",
                str(self.partner_port),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + timeout
        assert self.proc.stdout is not None
        seen = b""
        import select

        while time.monotonic() < end:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                seen += chunk
                if b"Ctrl-C stops everything." in seen:
                    return
            if self.proc.poll() is not None:
                break
        raise RuntimeError(f"system did not start: {seen.decode(errors='replace')[-2000:]}")

    def token(self, shop: str, roles: str = "agent,supervisor,admin") -> str:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "libs.cli",
                "--data-dir",
                str(self.data_dir),
                "token",
                "--shop",
                shop,
                "--role",
                roles,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def database_url(self, service: str) -> str:
        from libs.embedded_pg import EmbeddedPostgres

        info = EmbeddedPostgres(self.data_dir).running_leftover()
        assert info is not None and info.port
        return f"postgresql://kintsugi_{service}@127.0.0.1:{info.port}/kintsugi_{service}"

    def processes(self) -> dict[str, list[Any]]:
        """The system's processes by part: each service, the gateway, and PostgreSQL (all its backends)."""
        import psutil

        assert self.proc is not None
        out: dict[str, list[Any]] = {}
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                cmd = " ".join(child.cmdline())
                name = child.name()
            except psutil.Error:
                continue
            part = next((p for p in PARTS if p in cmd), "postgres" if name.startswith("postgres") else None)
            if part is not None:
                out.setdefault(part.replace("services.", "").replace("-m ", ""), []).append(child)
        if "postgres" not in out:  # pg_ctl detaches the server: find it by its data directory
            for proc in psutil.process_iter(["name", "cmdline"]):
                if (proc.info["name"] or "").startswith("postgres") and str(self.data_dir) in " ".join(
                    proc.info["cmdline"] or []
                ):
                    out["postgres"] = [proc, *proc.children(recursive=True)]
                    break
        return out

    def rss_mb(self) -> dict[str, float]:
        return {
            part: round(sum(p.memory_info().rss for p in procs) / 2**20, 1)
            for part, procs in self.processes().items()
            if part != "postgres"
        }

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each part has used so far; PostgreSQL's backends that already exited
        are not counted, so measure over a span in which connections stay open (pooled)."""
        import psutil

        out: dict[str, float] = {}
        for part, procs in self.processes().items():
            total = 0.0
            for p in procs:
                try:
                    t = p.cpu_times()
                except psutil.Error:
                    continue
                total += t.user + t.system
            out[part] = round(total, 3)
        return out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


async def closed_loop(
    request: Callable[[httpx.AsyncClient, int], Awaitable[int]],
    *,
    base_url: str,
    headers: dict[str, str],
    clients: int,
    seconds: float,
    max_requests: int = 2_000_000,
) -> dict[str, Any]:
    """`clients` workers each send the next request as soon as the last one answered, for `seconds`."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(max_requests))
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30, limits=limits) as http:

        async def worker() -> None:
            for n in counter:
                if time.monotonic() >= end:
                    return
                started = time.perf_counter()
                status = await request(http, n)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        **latency_summary(latencies),
    }
