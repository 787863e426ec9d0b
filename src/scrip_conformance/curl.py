"""Render an HTTP request as a copy-pasteable curl line, with credentials redacted."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset({"x-api-key", "authorization", "cookie", "proxy-authorization"})
_SHOWN_HEADERS = frozenset({"content-type", "idempotency-key"}) | SECRET_HEADERS


def to_curl(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> str:
    """``curl -X METHOD -H ... 'URL'`` with secret headers replaced by ``[REDACTED]``.

    ``body`` may be bytes, a str or a JSON-serialisable object; only headers that matter for
    reproduction are shown.
    """
    parts = ["curl", "-X", method.upper()]
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower not in _SHOWN_HEADERS:
            continue
        shown = REDACTED if lower in SECRET_HEADERS else value
        parts += ["-H", f"{name}: {shown}"]
    if body is not None and body != b"":
        if isinstance(body, bytes):
            text = body.decode("utf-8", errors="replace")
        elif isinstance(body, str):
            text = body
        else:
            text = json.dumps(body, separators=(",", ":"), sort_keys=True)
        parts += ["-d", text]
    parts.append(url)
    return " ".join(shlex.quote(p) for p in parts)


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """Replace every occurrence of each secret in ``text`` (defence in depth for reports)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
