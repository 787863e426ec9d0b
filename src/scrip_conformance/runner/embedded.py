"""The default target: the reference implementation with its demo data on a free loopback port,
with two fresh random keys (two organizations, so the isolation contracts can run).

The server runs in a process of its own: the suite and the server then each have a core (in one
process they would share one interpreter lock, and every request would wait for the suite's
validation work and the other way round). It counts the HTTP requests it answers and its CPU
time, in shared memory, for the run's per-phase figures.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

START_TIMEOUT = 120.0
"""Seconds the server process gets to load the demo data and listen (about 2 s is usual)."""
STOP_TIMEOUT = 10.0


class RequestCounter:
    """An ASGI app around another that counts the HTTP requests it is sent.

    Other attributes (``state``, ...) are the wrapped app's, so the reference server's own use
    of its app is unchanged. The count only grows; read it from any thread. With ``shared``
    (a ``multiprocessing`` value of type ``q``) the count lives there, readable by another
    process; with ``cpu`` (type ``d``) the serving process's CPU seconds are published too.
    """

    def __init__(self, app: Any, shared: Any = None, cpu: Any = None) -> None:
        self.app = app
        self._local = 0
        self._shared = shared
        self._cpu = cpu

    @property
    def count(self) -> int:
        return int(self._shared.value) if self._shared is not None else self._local

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            if self._shared is not None:
                self._shared.value += 1  # one writer: the server's event loop
            else:
                self._local += 1
        try:
            await self.app(scope, receive, send)
        finally:
            if self._cpu is not None:
                self._cpu.value = time.process_time()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)


@dataclass(frozen=True)
class EmbeddedTarget:
    base_url: str
    api_key: str
    second_org_key: str
    counter: RequestCounter | None = None
    server_cpu: Any = None

    def requests_answered(self) -> int:
        return self.counter.count if self.counter is not None else 0

    def server_cpu_seconds(self) -> float:
        """CPU seconds the server process has used (as of the last request it answered)."""
        return float(self.server_cpu.value) if self.server_cpu is not None else 0.0


def _serve(api_keys: dict[str, str], count: Any, cpu: Any, conn: Any) -> None:
    """The server process: start, say where it listens, serve until told to stop (or until the
    parent is gone: the pipe then reads end-of-file)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from scrip_conformance.reference.server import ReferenceServer

    try:
        server = ReferenceServer(api_keys=api_keys, demo=True)
        server.app = RequestCounter(server.app, count, cpu)
        server.start()
    except Exception as exc:  # reported to the parent, which turns it into a clear error
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", server.base_url))
    try:
        conn.recv()
    except (EOFError, OSError):
        pass
    finally:
        server.stop()


@contextlib.contextmanager
def embedded_target(prepare: Callable[[], object] | None = None) -> Iterator[EmbeddedTarget]:
    """Start the reference server in its own process, yield where it listens and its keys,
    stop it on exit. ``prepare`` runs here while the server loads its data (the runner imports
    the suite's plugins meanwhile: a second off the start-up)."""
    key_a = "sk_" + secrets.token_hex(16)
    key_b = "sk_" + secrets.token_hex(16)
    context = multiprocessing.get_context("spawn")
    count = context.RawValue("q", 0)
    cpu = context.RawValue("d", 0.0)
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_serve,
        args=({key_a: "org-a", key_b: "org-b"}, count, cpu, theirs),
        name="scrip-reference",
        daemon=True,
    )
    try:
        with _stop_signals_deferred():  # a half-sent start would leave the child a traceback
            process.start()
        theirs.close()
        if prepare is not None:
            prepare()
        base_url = _wait_ready(ours, process)
        counter = RequestCounter(None, count, cpu)
        yield EmbeddedTarget(base_url, key_a, key_b, counter, cpu)
    finally:
        if process.pid is not None:
            with contextlib.suppress(OSError):
                ours.send("stop")
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                process.terminate()
                process.join(STOP_TIMEOUT)
        ours.close()


@contextlib.contextmanager
def _stop_signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait (they are delivered on exit) while the block runs."""
    stop = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    except (AttributeError, ValueError, OSError):  # no signal masks here: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _wait_ready(conn: Any, process: Any) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while not conn.poll(0.05):
        if not process.is_alive():
            raise RuntimeError(
                f"the embedded reference server exited before listening (exit code "
                f"{process.exitcode})"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"the embedded reference server did not start in {START_TIMEOUT}s")
    try:
        kind, value = conn.recv()
    except EOFError:
        raise RuntimeError("the embedded reference server exited before listening") from None
    if kind != "ready":
        raise RuntimeError(f"the embedded reference server failed to start: {value}")
    return value
