"""The run's recorder of exchanges: one per process, like :func:`scrip_conformance.metering.meter`,
fed by the three paths every request of the suite takes (the TargetClient, the fuzzing set-up's
transport, schemathesis' guarded adapter).

Each exchange gets an id in sending order (``x000001``, ...) when it is sent, and its HAR entry
(:mod:`scrip_conformance.recording.har`: keys redacted, bodies capped) is appended as one JSON
line to a spool file in the report dir as soon as its answer is in, so memory stays flat however
long the run. :meth:`Recorder.finish` turns the spool into ``exchanges.har``, scrubbing each line
once more, also for an interrupted run. Without a started recorder (plain pytest, ``--no-record``)
every call is a no-op.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from scrip_conformance.recording import har
from scrip_conformance.safety import keys

SPOOL_NAME = ".exchanges.har.jsonl"
REMEMBERED_REQUESTS = 50_000
"""Requests whose latest exchange ids are kept by request line (findings name their request by
its curl line: this is how such a finding finds its exchange)."""
REMEMBERED_PER_REQUEST = 8
"""Exchanges kept per request line: the same line is sent again with another key (the auth
probes: the line shows no key) or in another phase, and a finding's answer had one status."""
BODY_BUDGET = 64 * 1024 * 1024
"""Characters of bodies one run's HAR holds at most; later exchanges keep no body (noted)."""


class Recorder:
    """Thread-safe: the read-ahead and the bursts send from several threads."""

    enabled = True

    def __init__(self, report_dir: Path, roles: Mapping[str, str | None] | None = None) -> None:
        self.report_dir = report_dir
        self.har_path = report_dir / har.HAR_NAME
        self.spool_path = report_dir / SPOOL_NAME
        self._roles: dict[str, str] = {}
        self._lock = threading.Lock()
        self.add_roles(roles or {})
        self._next = 0
        self._body_chars = 0
        self._by_request: OrderedDict[str, list[tuple[str, int | None]]] = OrderedDict()
        self._spool: Any = self.spool_path.open("w", encoding="utf-8")
        self.phase = "preflight"
        self.recorded = 0

    # -- while the run sends -------------------------------------------------------------
    def allocate(self) -> str:
        """The id of the exchange about to be sent (ids follow the sending order)."""
        with self._lock:
            self._next += 1
            return f"x{self._next:06d}"

    def add_roles(self, roles: Mapping[str, str | None]) -> None:
        """Know these keys by their role (``api_key``, ``second_org_key``)."""
        with self._lock:
            self._roles.update({secret: role for role, secret in roles.items() if secret})

    def role_of(self, secret: str | None) -> str:
        """Which of the run's keys ``secret`` is (by role, never the key)."""
        if not secret:
            return "none"
        secret = secret.removeprefix("Bearer ").strip()
        return self._roles.get(secret, "other")

    def record(self, exchange: har.Exchange, request_line: str | None = None) -> None:
        """Append ``exchange``'s entry to the spool; remember it as the latest exchange of
        ``request_line`` (the request's curl line)."""
        size = len(exchange.response_text) + len(exchange.request_body or "")
        with self._lock:
            over = self._body_chars + min(size, 2 * har.BODY_CAP) > BODY_BUDGET
            if not over:
                self._body_chars += min(size, 2 * har.BODY_CAP)
        if over:
            if exchange.response_size is None:
                exchange.response_size = len(exchange.response_text)
            exchange.response_text = ""
            note = "body left out: the run's HAR body budget is spent"
            exchange.problem = f"{exchange.problem}; {note}" if exchange.problem else note
        item = har.entry(exchange)
        item["_phase"] = _PHASE.get() or self.phase
        line = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if self._spool is None:
                return  # the run is over: a late answer of a thread left behind
            self._spool.write(line + "\n")
            self.recorded += 1
            if request_line:
                sent = self._by_request.pop(request_line, [])
                sent.append((exchange.exchange_id, exchange.status))
                self._by_request[request_line] = sent[-REMEMBERED_PER_REQUEST:]
                if len(self._by_request) > REMEMBERED_REQUESTS:
                    self._by_request.popitem(last=False)

    def exchange_of(self, request_line: str | None, status: int | None = None) -> str | None:
        """The id of the latest exchange sent as ``request_line`` (a curl line) whose answer
        had ``status`` (any status when None), if known."""
        if not request_line:
            return None
        with self._lock:
            sent = list(self._by_request.get(request_line, ()))
        for exchange_id, answered in reversed(sent):
            if status is None or answered == status:
                return exchange_id
        return None

    # -- at the end ----------------------------------------------------------------------
    def finish(self, secrets: Iterable[str | None] = ()) -> Path | None:
        """Write ``exchanges.har`` from the spool (each entry scrubbed of ``secrets`` once more)
        and remove the spool; the path written, None when this recorder had already finished."""
        with self._lock:
            spool, self._spool = self._spool, None
        if spool is None:
            return None
        spool.close()
        extra = [s for s in secrets if s]
        part = self.har_path.with_name(self.har_path.name + ".part")
        with (
            self.spool_path.open(encoding="utf-8") as lines,
            part.open("w", encoding="utf-8") as out,
        ):
            out.write(har.preamble(f"{self.recorded} exchanges, in sending order of their _id"))
            first = True
            for line in lines:
                line = line.rstrip("\n")
                if not line:
                    continue
                out.write(("" if first else ",\n") + keys.scrub(line, extra))
                first = False
            out.write(har.POSTSCRIPT)
        part.replace(self.har_path)
        self.spool_path.unlink(missing_ok=True)
        return self.har_path

    def discard(self) -> None:
        """Stop recording and write nothing (a run that ends before reporting anything)."""
        with self._lock:
            spool, self._spool = self._spool, None
        if spool is not None:
            spool.close()
        self.spool_path.unlink(missing_ok=True)


class NullRecorder:
    """The recorder when nothing records: every call does nothing."""

    enabled = False
    phase = ""
    recorded = 0

    def allocate(self) -> str:
        return ""

    def role_of(self, secret: str | None) -> str:
        return "none"

    def record(self, exchange: har.Exchange, request_line: str | None = None) -> None:
        return None

    def exchange_of(self, request_line: str | None, status: int | None = None) -> str | None:
        return None

    def finish(self, secrets: Iterable[str | None] = ()) -> Path | None:
        return None

    def discard(self) -> None:
        return None


NULL = NullRecorder()
_current: Recorder | NullRecorder = NULL


def current() -> Recorder | NullRecorder:
    """The process's recorder (a :class:`NullRecorder` when none was started)."""
    return _current


def start(report_dir: Path, roles: Mapping[str, str | None] | None = None) -> Recorder:
    """Record this run's exchanges into ``report_dir`` (a recorder left over is discarded)."""
    global _current
    _current.discard()
    _current = Recorder(report_dir, roles)
    return _current


def set_roles(roles: Mapping[str, str | None]) -> None:
    """The run's keys by role, once they are known (the embedded reference makes its own)."""
    if isinstance(_current, Recorder):
        _current.add_roles(roles)


_STATUS_SHOWN = re.compile(r"status (\d{3}), body ")
"""How a violation observed in one answer starts (``ApiResponse.violation``)."""


def exchange_for(request_line: str | None, observed: str = "") -> str | None:
    """The recorded exchange a finding shown by ``request_line``'s answer names: the latest
    exchange of that line whose answer had the status ``observed`` shows, if it shows one."""
    shown = _STATUS_SHOWN.match(observed or "")
    return _current.exchange_of(request_line, int(shown.group(1)) if shown else None)


def stop() -> None:
    """No recorder from now on (what was not finished is discarded)."""
    global _current
    _current.discard()
    _current = NULL


_PHASE: ContextVar[str | None] = ContextVar("scrip_phase", default=None)


@contextmanager
def phase_of_context(phase: str) -> Iterator[None]:
    """Tag the exchanges sent within (in this thread and context) with ``phase``, whatever
    phase the run's main thread is in (a side-by-side scenario's)."""
    token = _PHASE.set(phase)
    try:
        yield
    finally:
        _PHASE.reset(token)


def context_phase() -> str | None:
    """The phase :func:`phase_of_context` set for the code running (None: none)."""
    return _PHASE.get()


def set_phase(phase: str) -> None:
    """Tag the exchanges sent from now on with the run's ``phase``."""
    if isinstance(_current, Recorder):
        _current.phase = phase


__all__ = [
    "NULL",
    "NullRecorder",
    "Recorder",
    "current",
    "context_phase",
    "exchange_for",
    "phase_of_context",
    "set_phase",
    "start",
    "stop",
]
