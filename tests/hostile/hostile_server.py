"""A small hostile target of its own: an HTTP server (threads, raw socket writes) that answers
the suite's pre-flight like the Scrip API, then misbehaves in one chosen way (``mode``).

Modes: ``huge-invalid`` (a 20 MB asset page that breaks the schema everywhere; other lists
empty), ``huge-always``
(50 MB on every answer, pre-flight included), ``trickle`` (bodies at 1 byte/s), ``endless``
(has_more true with a fresh cursor forever), ``empty-pages`` (empty pages with has_more true),
``throttle`` (429 with Retry-After 30 forever), ``deep-preflight`` (100,000-deep JSON at the
pre-flight), ``deep-schedule`` (the report's schedule fetch gets 100,000-deep JSON; the rest are
empty lists), ``dies`` (stops listening after the pre-flight), ``echo-key`` (the key echoed in
headers and error messages, cut by the excerpt at every length).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEEP = b"[" * 100_000 + b"]" * 100_000
EMPTY_PAGE = {"data": [], "pagination": {"has_more": False, "next_cursor": None}}
PREFLIGHT_PAGE = {"data": [], "pagination": {"has_more": False, "next_cursor": None}}
MODES = (
    "huge-invalid",
    "huge-always",
    "trickle",
    "endless",
    "empty-pages",
    "throttle",
    "deep-preflight",
    "deep-schedule",
    "dies",
    "echo-key",
)


def _asset(n: int) -> dict:
    return {
        "id": str(uuid.UUID(int=n + 1)),
        "program_id": str(uuid.UUID(int=10**6)),
        "name": f"asset {n}",
        "symbol": f"A{n}",
        "inventory_mode": "SIMPLE",
        "issuance_policy": "UNLIMITED",
        "scale": 0,
        "status": "ACTIVE",
        "max_transaction_amount": None,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "deleted_at": None,
        "program_ids": [],
    }


class HostileServer:
    """``with HostileServer(mode, key) as server: server.base_url``."""

    def __init__(self, mode: str, key: str):
        assert mode in MODES, mode
        self.mode = mode
        self.key = key
        self.requests = 0
        self._counter = itertools.count()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                outer.handle(self)

            do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- answers -----------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        if length:
            h.rfile.read(length)
        with self._lock:
            self.requests += 1
            n = next(self._counter)
        url = urlsplit(h.path)
        query = parse_qs(url.query)
        preflight = url.path == "/v1/assets" and query.get("limit") == ["1"] and n < 2
        mode = self.mode
        if mode == "huge-always":
            return self._send(h, 200, b'{"data": [' + b'"x",' * (50 * 2**20 // 4) + b'"x"]}')
        if mode == "deep-preflight":
            return self._send(h, 200, DEEP)
        if preflight:
            self._send(
                h,
                200,
                json.dumps(PREFLIGHT_PAGE).encode(),
                {"X-Echo": self.key} if mode == "echo-key" else None,
            )
            if mode == "dies":
                threading.Thread(target=self.stop, daemon=True).start()
            return None
        if mode == "huge-invalid" and url.path == "/v1/assets":
            row = b'{"id": 1, "amount": 2.5, "remaining": null, "status": 7},'
            return self._send(
                h, 200, b'{"data": [' + row * (20 * 2**20 // len(row)) + b'{}], "pagination": 5}'
            )
        if mode == "trickle":
            return self._trickle(h, json.dumps(EMPTY_PAGE).encode())
        if mode == "endless":
            page = {
                "data": [_asset(n)],
                "pagination": {"has_more": True, "next_cursor": f"c{n}-{uuid.uuid4()}"},
            }
            return self._send(h, 200, json.dumps(page).encode())
        if mode == "empty-pages":
            page = {"data": [], "pagination": {"has_more": True, "next_cursor": f"c{n}"}}
            return self._send(h, 200, json.dumps(page).encode())
        if mode == "throttle":
            body = {"code": "rate_limited", "message": "slow down"}
            return self._send(h, 429, json.dumps(body).encode(), {"Retry-After": "30"})
        if mode == "deep-schedule":
            if url.path == "/v1/reports/expiration-schedule":
                return self._send(h, 200, DEEP)
            return self._send(h, 200, json.dumps(EMPTY_PAGE).encode())
        if mode == "echo-key":
            return self._echo(h, n)
        return self._send(h, 200, json.dumps(EMPTY_PAGE).encode())

    def _echo(self, h: BaseHTTPRequestHandler, n: int) -> None:
        """400 with the key in the message at a shifting offset (so any excerpt cut of 200,
        300, 400 or 2000 characters falls at every position of the key once), in a header,
        and a prefix of the key alone."""
        sent = h.headers.get("X-API-Key") or self.key
        pad = "p" * (n % 450)
        cut = sent[: 8 + n % (len(sent) - 7)]
        message = f"{pad}invalid key {sent}; prefix {cut}; again {sent[::1]}"
        body = {"code": "validation_error", "message": message, "details": {"key": sent}}
        self._send(h, 400, json.dumps(body).encode(), {"X-Echo": sent, "X-Cut": cut})

    def _send(
        self, h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None
    ) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(body)
        except OSError:
            pass

    def _trickle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for byte in body:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(1.0)
        except OSError:
            pass
