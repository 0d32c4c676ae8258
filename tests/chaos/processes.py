"""Kintsugi as real OS processes on loopback, so a fault test can kill -9, stop and restart one component.

Each service runs as `python -m services.<name>` and the gateway as `python -m gateway`, exactly as
`kintsugi up` starts them (libs/launcher.py), with their databases given by URL. Every child gets
SIGTERM if the test process dies (PR_SET_PDEATHSIG), and `stop()` ends every child it started, so a
failed or interrupted run leaves no orphan behind.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from libs.health import is_serving
from libs.settings import SERVICES
from tests.harness import JWT_SECRET, ROOT, free_port

PR_SET_PDEATHSIG = 1
START_DEADLINE = 90.0  # seconds; the machine has two shared cores and triage loads its model at start


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the test process goes away."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Component:
    """One service or gateway process; spawned again on the same port after a kill."""

    name: str
    module: str
    env: dict[str, str]
    log_path: Path
    grpc_target: str | None = None
    http_url: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    pids: list[int] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        # Popen from the event loop's (main) thread: PDEATHSIG fires when the *thread* that forked exits.
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts + 1} of {self.name} at {time.strftime('%X')} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        self.starts += 1
        self.pids.append(self.proc.pid)

    async def ready(self) -> bool:
        if self.grpc_target is not None:
            return await is_serving(self.grpc_target, timeout=1.0)
        assert self.http_url is not None
        try:
            async with httpx.AsyncClient(timeout=1.0) as client:
                return (await client.get(f"{self.http_url}/healthz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_ready(self, deadline: float = START_DEADLINE) -> float:
        """Polls health until it answers; returns the seconds it took, or fails with the log's tail."""
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} during start:\n{self.log_tail()}")
            if await self.ready():
                return time.monotonic() - started
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} not healthy within {deadline:.0f} s:\n{self.log_tail()}")

    def signal(self, sig: signal.Signals) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(sig)

    async def wait_exit(self, timeout: float) -> int | None:
        """Waits for the process to end; kills it after timeout. Returns the exit code."""
        if self.proc is None:
            return None
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            await asyncio.sleep(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def log_since_start(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


class ChaosSystem:
    """Services (any subset) and a gateway as subprocesses, each on its own loopback port."""

    def __init__(
        self,
        urls: dict[str, str],
        work_dir: Path,
        *,
        services: tuple[str, ...] = SERVICES,
        gateway: bool = True,
        log_level: str = "WARNING",
    ) -> None:
        self.work_dir = work_dir
        work_dir.mkdir(parents=True, exist_ok=True)
        self.urls = urls
        self.ports = {s: free_port() for s in SERVICES}
        self.partner_port = free_port()
        self.gateway_port = free_port()
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KINTSUGI_", "OTEL_"))}
        env.update(
            {
                "KINTSUGI_ENV": "test",
                "KINTSUGI_JWT_SECRET": JWT_SECRET,
                "KINTSUGI_GATEWAY_HOST": "127.0.0.1",
                "KINTSUGI_GATEWAY_PORT": str(self.gateway_port),
                "KINTSUGI_GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
                "KINTSUGI_GATEWAY_RATE_LIMIT_BURST": "100000",
                "KINTSUGI_INTAKE_PARTNER_PORT": str(self.partner_port),
                "KINTSUGI_EVIDENCE_SIGNING_KEY_FILE": str(work_dir / "key.pem"),
                "KINTSUGI_DATA_DIR": str(work_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for s in SERVICES:
            prefix = f"KINTSUGI_{s.upper()}_"
            # Every target points at our own ports, even for services not started here, so nothing
            # ever reaches another engineer's system on the default ports.
            env[f"{prefix}TARGET"] = f"127.0.0.1:{self.ports[s]}"
            env[f"{prefix}GRPC_PORT"] = str(self.ports[s])
            env[f"{prefix}DB_POOL_SIZE"] = "3"
            env[f"{prefix}DRAIN_SECONDS"] = "2"
            env[f"{prefix}OUTBOX_POLL_SECONDS"] = "0.05"
            env[f"{prefix}LOG_LEVEL"] = log_level
            if s in urls:
                env[f"{prefix}DATABASE_URL"] = urls[s]
        self.env = env
        self.components: dict[str, Component] = {}
        for s in services:
            self.components[s] = Component(
                s, f"services.{s}", dict(env), work_dir / f"{s}.log", grpc_target=f"127.0.0.1:{self.ports[s]}"
            )
        if gateway:
            self.components["gateway"] = Component(
                "gateway", "gateway", dict(env), work_dir / "gateway.log", http_url=self.gateway_url
            )

    def __getitem__(self, name: str) -> Component:
        return self.components[name]

    def target(self, service: str) -> str:
        return f"127.0.0.1:{self.ports[service]}"

    def add_gateway(self, name: str, **overrides: str) -> Component:
        """A further gateway process with other settings (e.g. KINTSUGI_INTAKE_TARGET through a proxy)."""
        port = free_port()
        env = dict(self.env, KINTSUGI_GATEWAY_PORT=str(port), **overrides)
        component = Component(name, "gateway", env, self.work_dir / f"{name}.log", http_url=f"http://127.0.0.1:{port}")
        self.components[name] = component
        return component

    async def start(self) -> dict[str, float]:
        """Starts the services, then the gateway(s); returns each component's seconds to healthy."""
        services = [c for c in self.components.values() if c.grpc_target is not None]
        gateways = [c for c in self.components.values() if c.http_url is not None]
        try:
            for c in services:
                c.spawn()
            waited = await asyncio.gather(*(c.wait_ready() for c in services))
            times = {c.name: t for c, t in zip(services, waited, strict=True)}
            for c in gateways:
                c.spawn()
            for c in gateways:
                times[c.name] = await c.wait_ready()
            return times
        except BaseException:
            await self.stop()
            raise

    async def start_one(self, name: str) -> float:
        component = self.components[name]
        assert not component.running, f"{name} is already running"
        component.spawn()
        return await component.wait_ready()

    async def kill(self, name: str) -> None:
        """kill -9: no drain, no cleanup, in-flight transactions die with their connections."""
        component = self.components[name]
        component.signal(signal.SIGKILL)
        await component.wait_exit(10.0)

    async def terminate(self, name: str, timeout: float = 15.0) -> int | None:
        """SIGTERM (graceful drain); SIGKILL if it has not ended within timeout."""
        component = self.components[name]
        component.signal(signal.SIGTERM)
        return await component.wait_exit(timeout)

    async def restart(self, name: str, *, hard: bool = True) -> float:
        """Kill (-9, or SIGTERM when hard is False) and start again on the same port; seconds to healthy."""
        if hard:
            await self.kill(name)
        else:
            await self.terminate(name)
        return await self.start_one(name)

    async def stop(self) -> None:
        """Ends every process this system started: SIGTERM, then SIGKILL for any still there after 15 s."""
        alive = [c for c in self.components.values() if c.running]
        gateways = [c for c in alive if c.http_url is not None]
        for c in gateways:
            c.signal(signal.SIGTERM)
        await asyncio.gather(*(c.wait_exit(10.0) for c in gateways))
        for c in alive:
            c.signal(signal.SIGTERM)
        await asyncio.gather(*(c.wait_exit(15.0) for c in alive))

    def logs(self, name: str, chars: int = 4000) -> str:
        return self.components[name].log_tail(chars)

    def tracebacks(self) -> dict[str, str]:
        """Every traceback any component logged, by component (to report 500s precisely)."""
        found: dict[str, str] = {}
        for name, c in self.components.items():
            text = c.log_since_start()
            if "Traceback" in text:
                found[name] = text[text.index("Traceback") - 400 :][:6000]
        return found
