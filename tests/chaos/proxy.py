"""A TCP proxy on loopback that injects network faults between the gateway and one service.

Modes (switchable at any time):
- pass:  forwards bytes, optionally late: `delay_up` / `delay_down` seconds are added to every chunk
         going to / coming from the service (order is kept; latency, not throughput, is what changes);
- stall: new bytes are held in both directions (a black hole); `release()` lets them flow again;
- drop:  live connections are reset and new ones are reset as soon as they are accepted.

It also counts the gRPC calls that went through: each new HTTP/2 stream the client opens (a HEADERS
frame on a new stream id) is one call attempt, so a test can check how often the gateway retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADERS = 0x1


@dataclass
class StreamCounter:
    """Parses the client→server half of an HTTP/2 connection just enough to count new streams."""

    buffer: bytes = b""
    preface_seen: bool = False
    highest_stream: int = 0
    streams: int = 0

    def feed(self, data: bytes) -> int:
        """Consumes bytes; returns how many new streams they opened."""
        self.buffer += data
        opened = 0
        if not self.preface_seen:
            if len(self.buffer) < len(PREFACE):
                return 0
            self.buffer = self.buffer[len(PREFACE) :]
            self.preface_seen = True
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[0:3], "big")
            if len(self.buffer) < 9 + length:
                break
            kind = self.buffer[3]
            stream = int.from_bytes(self.buffer[5:9], "big") & 0x7FFFFFFF
            if kind == HEADERS and stream > self.highest_stream:
                self.highest_stream = stream
                opened += 1
            self.buffer = self.buffer[9 + length :]
        self.streams += opened
        return opened


@dataclass(eq=False)  # hashed by identity: live links are kept in a set
class Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        for writer in (self.client, self.server):
            transport = writer.transport
            if not transport.is_closing():
                transport.abort()
        for task in self.tasks:
            task.cancel()


class ChaosProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = "pass"
        self.delay_up = 0.0
        self.delay_down = 0.0
        self.connections = 0
        self.resets = 0
        self.calls = 0  # gRPC call attempts seen (new HTTP/2 streams from the client)
        self._links: set[Link] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def close(self) -> None:
        for link in list(self._links):
            link.abort()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    # --- fault controls ------------------------------------------------------------------------

    def set_pass(self, *, delay_up: float = 0.0, delay_down: float = 0.0) -> None:
        self.mode, self.delay_up, self.delay_down = "pass", delay_up, delay_down
        self._flowing.set()

    def stall(self) -> None:
        """Hold every byte from now on, in both directions, on live and new connections."""
        self.mode = "stall"
        self._flowing.clear()

    def release(self, *, reset: bool = False) -> None:
        """End a stall: held bytes flow again (or, with reset, every live connection is reset)."""
        if reset:
            self._reset_all()
        self.set_pass()

    def drop(self) -> None:
        """Reset every live connection and every new one."""
        self.mode = "drop"
        self._flowing.set()
        self._reset_all()

    def _reset_all(self) -> None:
        for link in list(self._links):
            link.abort()
            self.resets += 1
        self._links.clear()

    # --- forwarding ----------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode == "drop":
            self.resets += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*self.upstream), timeout=5)
        except (OSError, TimeoutError):
            writer.transport.abort()
            return
        link = Link(writer, up_writer)
        self._links.add(link)
        counter = StreamCounter()
        link.tasks = [
            asyncio.create_task(self._pipe(reader, up_writer, up=True, counter=counter)),
            asyncio.create_task(self._pipe(up_reader, writer, up=False, counter=None)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)
        link.abort()
        self._links.discard(link)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, up: bool, counter: StreamCounter | None
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(Exception):
                writer.write_eof()

        sender = asyncio.create_task(send())
        try:
            while True:
                data = await reader.read(65536)
                if counter is not None and data:
                    self.calls += counter.feed(data)
                delay = self.delay_up if up else self.delay_down
                await queue.put((time.monotonic() + delay, data))
                if not data:
                    break
            await sender
        finally:
            sender.cancel()
