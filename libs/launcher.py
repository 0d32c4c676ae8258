"""`kintsugi up`: embedded PostgreSQL if needed, migrations, five services and the gateway, clean stop."""

from __future__ import annotations

import asyncio
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx

from libs import migrations
from libs.embedded_pg import EmbeddedPostgres
from libs.health import wait_until_serving
from libs.provision import provision_services
from libs.settings import DEFAULT_PORTS, SERVICES

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Children get SIGTERM if the launcher itself is killed, so nothing is orphaned."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def database_url_env(service: str) -> str:
    return f"KINTSUGI_{service.upper()}_DATABASE_URL"


def dev_jwt_secret(data_dir: Path) -> str:
    """The development signing secret, shared by `kintsugi up` and `kintsugi token`."""
    path = data_dir / "jwt_secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Database:
    """Database URLs from the environment, or an embedded server for those missing (development only)."""

    def __init__(self, data_dir: Path, services: tuple[str, ...] = SERVICES) -> None:
        self.data_dir = data_dir
        self.services = services
        self.embedded: EmbeddedPostgres | None = None
        self.urls: dict[str, str] = {}

    async def __aenter__(self) -> dict[str, str]:
        missing = [s for s in self.services if not os.environ.get(database_url_env(s))]
        self.urls = {s: os.environ[database_url_env(s)] for s in self.services if s not in missing}
        if missing:
            if os.environ.get("KINTSUGI_ENV", "development") == "production":
                names = ", ".join(database_url_env(s) for s in missing)
                raise SystemExit(f"production needs a database URL for every service: set {names}")
            self.embedded = EmbeddedPostgres(self.data_dir)
            admin = await asyncio.to_thread(self.embedded.start)
            self.urls.update(await provision_services(admin, missing))
        return self.urls

    async def __aexit__(self, *exc: object) -> None:
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


async def migrate_all(urls: dict[str, str], only: str | None = None) -> None:
    for service in SERVICES:
        if (only is None or service == only) and service in urls:
            await migrations.upgrade(service, urls[service])


def _spawn(module: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", module], env=env, cwd=ROOT, preexec_fn=_die_with_parent)


async def _wait_http(url: str, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    async with httpx.AsyncClient() as client:
        while time.monotonic() < end:
            try:
                if (await client.get(url, timeout=1.0)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {deadline:.0f} s")


def _stop_children(children: list[subprocess.Popen[bytes]], grace: float = 25.0) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    end = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


async def _until_ready(
    startup: Coroutine[Any, Any, None], stop: asyncio.Event, children: list[subprocess.Popen[bytes]]
) -> bool:
    """Runs startup unless a signal arrives or a component dies first."""
    task = asyncio.ensure_future(startup)
    while not task.done():
        if stop.is_set() or any(child.poll() is not None for child in children):
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            if not stop.is_set():
                print("a component exited during start-up; stopping", file=sys.stderr, flush=True)
            return False
        await asyncio.wait({task}, timeout=0.2)
    task.result()
    return True


async def up(*, gateway_port: int, partner_port: int, data_dir: Path, host: str = "127.0.0.1") -> int:
    started = time.monotonic()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    children: list[subprocess.Popen[bytes]] = []
    try:
        async with Database(data_dir) as urls:
            await migrate_all(urls)
            env = dict(os.environ)
            env.setdefault("KINTSUGI_ENV", "development")
            if not env.get("KINTSUGI_JWT_SECRET") and not env.get("KINTSUGI_JWT_PUBLIC_KEY"):
                env["KINTSUGI_JWT_SECRET"] = dev_jwt_secret(data_dir)
            env.setdefault("KINTSUGI_EVIDENCE_SIGNING_KEY_FILE", str(data_dir / "evidence_signing_key.pem"))
            env["KINTSUGI_INTAKE_PARTNER_PORT"] = str(partner_port)
            env["KINTSUGI_GATEWAY_PORT"] = str(gateway_port)
            env["KINTSUGI_GATEWAY_HOST"] = host
            for service in SERVICES:
                env[database_url_env(service)] = urls[service]
                port = int(env.get(f"KINTSUGI_{service.upper()}_GRPC_PORT", DEFAULT_PORTS[service]))
                env[f"KINTSUGI_{service.upper()}_GRPC_PORT"] = str(port)
                env.setdefault(f"KINTSUGI_{service.upper()}_TARGET", f"127.0.0.1:{port}")
            for service in SERVICES:
                children.append(_spawn(f"services.{service}", env))
            base = f"http://{host}:{gateway_port}"

            async def start_all() -> None:
                await asyncio.gather(*(wait_until_serving(env[f"KINTSUGI_{s.upper()}_TARGET"]) for s in SERVICES))
                children.append(_spawn("gateway", env))
                await _wait_http(f"{base}/readyz")

            if not await _until_ready(start_all(), stop, children):
                return 1
            print(f"Kintsugi is up in {time.monotonic() - started:.1f} s", flush=True)
            print(f"  gateway        {base}  (API docs {base}/docs)", flush=True)
            print(f"  partner port   {host}:{partner_port}  (kintsugi.v1.LogisticsIngest)", flush=True)
            for service in SERVICES:
                print(f"  {service:<14} {env[f'KINTSUGI_{service.upper()}_TARGET']}", flush=True)
            print("  token:         kintsugi token --shop SHOP --role agent", flush=True)
            print("Ctrl-C stops everything.", flush=True)
            while not stop.is_set():
                if any(child.poll() is not None for child in children):
                    print("a component exited; stopping", file=sys.stderr, flush=True)
                    break
                try:
                    await asyncio.wait_for(stop.wait(), timeout=0.5)
                except TimeoutError:
                    pass
            await asyncio.to_thread(_stop_children, children)
            return 0
    finally:
        await asyncio.to_thread(_stop_children, children)
