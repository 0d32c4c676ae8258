"""`kintsugi up` on the embedded database: everything healthy, and Ctrl-C leaves nothing behind."""

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from libs.settings import SERVICES
from tests.harness import ROOT, free_port

pytestmark = pytest.mark.xdist_group("kintsugi-up")


def _read_until(proc: subprocess.Popen, marker: str, timeout: float) -> str:
    seen = b""
    end = time.monotonic() + timeout
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
            if marker.encode() in seen:
                return seen.decode()
        elif proc.poll() is not None:
            break
    raise AssertionError(f"{marker!r} not printed; output so far:\n{seen.decode(errors='replace')[-3000:]}")


def test_up_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINTSUGI_")}
    ports = {s: free_port() for s in SERVICES}
    for service, port in ports.items():
        env[f"KINTSUGI_{service.upper()}_GRPC_PORT"] = str(port)
    gateway_port, partner_port = free_port(), free_port()
    data_dir = ROOT / ".kintsugi" / f"up-test-{os.getpid()}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "libs.cli",
            "--data-dir",
            str(data_dir),
            "up",
            "--gateway-port",
            str(gateway_port),
            "--partner-port",
            str(partner_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        output = _read_until(proc, "Ctrl-C stops everything.", timeout=120)
        assert f"http://127.0.0.1:{gateway_port}" in output
        descendants = psutil.Process(proc.pid).children(recursive=True)
        assert len([p for p in descendants if "python" in p.name()]) >= 6  # five services and the gateway
        assert httpx.get(f"http://127.0.0.1:{gateway_port}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{gateway_port}/readyz")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["services"]) == set(SERVICES)
        postgres = [p for p in psutil.process_iter(["cmdline"]) if str(data_dir) in " ".join(p.info["cmdline"] or [])]
        assert postgres, "the embedded PostgreSQL should be running"

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(descendants, timeout=10)
        assert not alive, f"left running: {[p.cmdline() for p in alive]}"
        still = [
            p
            for p in psutil.process_iter(["cmdline", "status"])
            if str(data_dir) in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE
        ]
        assert not still, "the embedded PostgreSQL must be stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


def test_up_stops_a_leftover_database_first(tmp_path: Path) -> None:
    from libs.embedded_pg import EmbeddedPostgres

    data_dir = ROOT / ".kintsugi" / f"leftover-test-{os.getpid()}"
    first = EmbeddedPostgres(data_dir)
    first.start()
    leftover_pid = first.running_leftover().pid  # as if its launcher had been killed with -9
    try:
        second = EmbeddedPostgres(data_dir)
        second.start()
        assert not psutil.pid_exists(leftover_pid) or psutil.Process(leftover_pid).status() == psutil.STATUS_ZOMBIE
        assert second.running_leftover() is not None
        second.stop()
        assert second.running_leftover() is None
    finally:
        first.stop()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
