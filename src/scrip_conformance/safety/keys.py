"""The run's secrets (API keys), scrubbed from every text a target sends before it is stored.

A process-wide registry: the runner and every client register the keys they use, and every
place where a target's answer enters the suite scrubs it with :func:`scrub` before keeping,
truncating or writing anything. Not only the whole key: any run of ``MIN_PIECE`` or more
characters of a key (a key cut by a server's own excerpt, or echoed in part) is replaced too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

REDACTED = "[REDACTED]"
MIN_PIECE = 8
"""Runs of at least this many characters of a key are redacted (shorter keys: whole only)."""

_lock = threading.Lock()
_secrets: list[str] = []
_pattern: re.Pattern[str] | None = None
_pieces_now: list[str] = []


def register(*keys: str | None) -> None:
    """Scrub these keys from now on (empty values are ignored)."""
    global _pattern
    with _lock:
        added = False
        for key in keys:
            if key and key not in _secrets:
                _secrets.append(key)
                added = True
        if added:
            _pattern = _compile(_secrets)
            _pieces_now[:] = sorted({p for key in _secrets for p in _pieces(key)})


def registered() -> list[str]:
    return list(_secrets)


def forget_all() -> None:
    """Clear the registry (tests; a new run in the same process)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pieces_now.clear()
        _pattern = None


def pieces(key: str) -> list[str]:
    """The runs of ``MIN_PIECE`` characters of ``key`` (the whole key when shorter)."""
    return _pieces(key)


def _pieces(key: str) -> list[str]:
    size = min(MIN_PIECE, len(key))
    return [key[i : i + size] for i in range(len(key) - size + 1)]


def _compile(keys: list[str]) -> re.Pattern[str]:
    pieces = sorted({p for key in keys for p in _pieces(key)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in pieces))


def _extend(text: str, start: int, end: int, keys: list[str]) -> int:
    """End of the longest run of a key's characters that starts at ``start``."""
    piece = text[start:end]
    best = end
    for key in keys:
        at = key.find(piece)
        while at != -1:
            stop = end
            k = at + (end - start)
            while stop < len(text) and k < len(key) and text[stop] == key[k]:
                stop += 1
                k += 1
            best = max(best, stop)
            at = key.find(piece, at + 1)
    return best


def scrub(text: str, extra: Iterable[str | None] = ()) -> str:
    """``text`` with every registered key (and ``extra`` ones), whole or in runs of
    ``MIN_PIECE``+ characters, replaced by ``[REDACTED]``."""
    if not text:
        return text
    pattern, keys, pieces = _pattern, list(_secrets), list(_pieces_now)
    more = [k for k in extra if k and k not in keys]
    if more:
        keys += more
        pattern = _compile(keys)
        pieces += [p for key in more for p in _pieces(key)]
    if pattern is None or not any(piece in text for piece in pieces):
        return text  # the common case, at the speed of a substring search
    out: list[str] = []
    pos = 0
    while True:
        match = pattern.search(text, pos)
        if match is None:
            break
        end = _extend(text, match.start(), match.end(), keys)
        out.append(text[pos : match.start()])
        out.append(REDACTED)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def scrub_bytes(data: bytes) -> bytes:
    """``data`` scrubbed as UTF-8 text (undecodable bytes kept as they are)."""
    if not data or _pattern is None:
        return data
    text = data.decode("utf-8", errors="surrogateescape")
    cleaned = scrub(text)
    if cleaned is text:
        return data
    return cleaned.encode("utf-8", errors="surrogateescape")


def scrub_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {scrub(name): scrub(value) for name, value in headers.items()}
