"""Run the reference app under uvicorn in a background thread, on a free loopback port."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import uvicorn

from scrip_conformance.reference.app import create_app


class _MalformedRequestFilter(logging.Filter):
    """Drops uvicorn's "Invalid HTTP request received." warning. The fuzzer sends requests that
    break HTTP itself on purpose (a header value with a control character, say); uvicorn answers
    them 400 before the app sees them, which is right, and the fuzzing checks judge that answer.
    The line told a reader of the run's console nothing but "something went wrong"."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Invalid HTTP request received."


def _quiet_on_malformed_requests() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _MalformedRequestFilter) for f in logger.filters):
        logger.addFilter(_MalformedRequestFilter())


class ReferenceServer:
    """Context manager: ``with ReferenceServer(api_keys=...) as srv: srv.base_url``.

    With ``demo=True`` the demo data set is loaded for the organization of the first key.
    Usable several times in one process; each instance has its own database.
    """

    def __init__(
        self,
        api_keys: Mapping[str, str] | None = None,
        *,
        demo: bool = False,
        db_path: str = ":memory:",
        ledger_factory: type | None = None,
        clock: Callable[[], datetime] | None = None,
        rate_limit: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 30.0,
    ) -> None:
        self.api_keys = dict(api_keys or {"sk_test": "org-test"})
        if not self.api_keys:
            raise ValueError("ReferenceServer needs at least one API key")
        self.demo = demo
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        # The Starlette app, or a wrapper that forwards its ``state`` (runner.embedded).
        self.app: Any = create_app(
            db_path=db_path,
            api_keys=self.api_keys,
            clock=clock,
            ledger_factory=ledger_factory,
            rate_limit=rate_limit,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.demo_summary: dict | None = None

    @property
    def ledger(self):
        return self.app.state.ledger

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ReferenceServer:
        if self.demo:
            from scrip_conformance.reference.demo import load_demo

            org = next(iter(self.api_keys.values()))
            self.demo_summary = load_demo(self.ledger, org)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=5
        )
        _quiet_on_malformed_requests()
        # uvicorn installs no signal handler when served off the main thread (capture_signals).
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            daemon=True,
            name=f"scrip-reference-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the reference server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the reference server did not start in time")
            time.sleep(0.01)
        self._sock = sock
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._server = None
        self._thread = None
        self.app.state.store.close()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
