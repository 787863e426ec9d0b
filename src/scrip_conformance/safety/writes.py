"""Writes only to what the run created: a registry of the ids the run's own 201 answers named,
and the rule every non-GET request of the suite passes before it is sent.

A write is refused when its path, or an id field of its body (``id``, ``program_id``,
``asset_id``, ``participant_id`` and their ``*_ids`` lists), names an id the run did not create,
or when it would upsert a participant by an ``external_id`` that is neither the run's nor
marked with a run prefix (``POST /v1/participants`` updates the participant that has it).
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

ID_FIELDS = frozenset({"id", "program_id", "asset_id", "participant_id"})
ID_LIST_FIELDS = frozenset({"program_ids", "asset_ids", "participant_ids"})
_PATH_ID = re.compile(r"^/v1/(?:programs|assets|participants)/([^/?]+)")
_ASSET_PATH = re.compile(r"^/v1/assets/[^/?]+/?$")
PARTICIPANTS_PATH = "/v1/participants"


_KINDS = {"/v1/programs": "program", "/v1/assets": "asset", "/v1/participants": "participant"}


@dataclass(frozen=True)
class Created:
    """One resource the run created."""

    kind: str
    id: str
    external_id: str | None = None
    key: str | None = field(default=None, repr=False)


class ForeignWriteRefused(RuntimeError):
    """A write that names data the run did not create: refused before it was sent."""


@dataclass
class WriteGuard:
    """The ids this run created and the rule every write passes (thread-safe)."""

    created: set[str] = field(default_factory=set)
    external_ids: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    minted: set[str] = field(default_factory=set)
    """Ids the suite made up to name nothing (a fuzzed write's foreign id is replaced by one)."""
    refused: list[str] = field(default_factory=list)
    """One line per refused write (method, path, what it named)."""
    sandbox: list[Created] = field(default_factory=list)
    """What the run created, in order, with the key that created it."""
    status: dict[str, str] = field(default_factory=dict)
    """The status each of the run's participants and assets was last answered with by a write
    (created SUSPENDED or CLOSED, moved by an upsert, archived by a PATCH): the retirement
    leaves alone what is already CLOSED or ARCHIVED."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow_prefix(self, prefix: str) -> None:
        """External ids starting with ``prefix`` are the run's (its sandbox names)."""
        with self._lock:
            if prefix and prefix not in self.prefixes:
                self.prefixes.append(prefix)

    def mint(self) -> str:
        """A fresh random id that names nothing on the target (allowed in writes)."""
        made = str(uuid.uuid4())
        with self._lock:
            self.minted.add(made)
        return made

    def owns(self, value: str) -> bool:
        return value in self.created or value in self.minted

    def learn(self, method: str, path: str, status: int, body: Any, key: str | None = None) -> None:
        """Learn from an answer: a 201 names a resource the run created (``key``: the key that
        created it, to retire it with at the end)."""
        if method.upper() == "GET" or status not in (200, 201) or not isinstance(body, dict):
            return
        kind = _KINDS.get(urlsplit(path).path.rstrip("/"))
        if kind in ("participant", "asset") or _ASSET_PATH.match(urlsplit(path).path):
            self._learn_status(body)
        if status != 201:
            return
        with self._lock:
            if isinstance(body.get("id"), str):
                self.created.add(body["id"])
                if kind is not None:
                    external = body.get("external_id")
                    self.sandbox.append(
                        Created(
                            kind, body["id"], external if isinstance(external, str) else None, key
                        )
                    )
            if isinstance(body.get("external_id"), str):
                self.external_ids.add(body["external_id"])

    def _learn_status(self, body: dict) -> None:
        """The status a write on a participant (create, upsert) or an asset (create, PATCH)
        answered with; only the run's own are ever written (the guard sees to it)."""
        resource, status = body.get("id"), body.get("status")
        if isinstance(resource, str) and isinstance(status, str):
            with self._lock:
                self.status[resource] = status

    def retired(self, resource_id: str) -> bool:
        """Whether the run's last write to this participant or asset answered it CLOSED or
        ARCHIVED (as the retirement would leave it)."""
        with self._lock:
            return self.status.get(resource_id) in ("CLOSED", "ARCHIVED")

    def foreign_ids(self, method: str, url_or_path: str, body: Any) -> list[str]:
        """What a write names that the run did not create (empty: it may be sent)."""
        if method.upper() in ("GET", "HEAD", "OPTIONS"):
            return []
        path = unquote(urlsplit(url_or_path).path)
        named = [f"path id {value!r}" for value in path_ids(path) if not self.owns(value)]
        named += [f"{key} {value!r}" for key, value in body_ids(body) if not self.owns(value)]
        if method.upper() == "POST" and path.rstrip("/") == PARTICIPANTS_PATH:
            external = body.get("external_id") if isinstance(body, dict) else None
            if isinstance(external, str) and external and not self.owns_external_id(external):
                named.append(f"external_id {external!r} (an upsert may update another's)")
        return named

    def owns_external_id(self, external_id: str) -> bool:
        return external_id in self.external_ids or any(
            external_id.startswith(p) for p in self.prefixes
        )

    def check(self, method: str, url_or_path: str, body: Any) -> None:
        """Raise :class:`ForeignWriteRefused` when the write names what the run did not create."""
        named = self.foreign_ids(method, url_or_path, body)
        if named:
            line = f"{method.upper()} {urlsplit(url_or_path).path}: {', '.join(named)}"
            with self._lock:
                self.refused.append(line)
            raise ForeignWriteRefused(
                f"refused to send {line}: the suite writes only to what this run created"
            )


def path_ids(path: str) -> list[str]:
    match = _PATH_ID.match(path)
    return [match.group(1)] if match else []


def body_ids(body: Any) -> list[tuple[str, str]]:
    """(field, value) of every id the body names at its top level."""
    if not isinstance(body, dict):
        return []
    out: list[tuple[str, str]] = []
    for key, value in body.items():
        if key in ID_FIELDS and isinstance(value, str):
            out.append((key, value))
        elif key in ID_LIST_FIELDS and isinstance(value, list):
            out += [(key, v) for v in value if isinstance(v, str)]
    return out


GUARD = WriteGuard()
"""The run's guard: every HTTP path of the suite consults this one."""


def reset(guard: WriteGuard | None = None) -> WriteGuard:
    """A fresh process guard (a new run in the same process; tests)."""
    global GUARD
    GUARD = guard or WriteGuard()
    return GUARD


def current() -> WriteGuard:
    return GUARD
