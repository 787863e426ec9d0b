"""Defence in depth for the rule "the API key never appears in anything written or printed":
a line-buffered stream that redacts secrets before they reach the console or a log, and a scrub
of every file a run wrote."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TextIO

from scrip_conformance.curl import redact as _redact_whole
from scrip_conformance.safety import keys


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret, whole or any run of 8+ of its characters, redacted (the
    answers were scrubbed at the source already: this is the second line)."""
    return keys.scrub(_redact_whole(text, secrets), secrets)


class RedactingStream(io.TextIOBase):
    """Writes to ``target`` line by line with every secret replaced by ``[REDACTED]``."""

    def __init__(self, target: TextIO, secrets: list[str]):
        super().__init__()
        self._target = target
        self._secrets = [s for s in secrets if s]
        self._pending = ""

    def add_secrets(self, secrets: list[str | None]) -> None:
        """Also redact these (the keys become known once the target is decided)."""
        self._secrets += [s for s in secrets if s and s not in self._secrets]

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            done, self._pending = self._pending.rsplit("\n", 1)
            self._target.write(redact(done + "\n", self._secrets))
        return len(text)

    def _held_back(self) -> int:
        """Length of the longest end of the buffer that could be the start of a secret."""
        longest = 0
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(self._pending)), longest, -1):
                if self._pending.endswith(secret[:size]):
                    longest = size
                    break
        return longest

    def flush(self) -> None:
        if self._pending:
            keep = self._held_back()
            # Hold back an end that could be the start of a secret until the next write.
            cut = len(self._pending) - keep
            text, self._pending = self._pending[:cut], self._pending[cut:]
            self._target.write(redact(text, self._secrets))
        self._target.flush()

    def close_pending(self) -> None:
        """Emit whatever is buffered (at the end of a run)."""
        if self._pending:
            self._target.write(redact(self._pending, self._secrets))
            self._pending = ""
        self._target.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", "utf-8") or "utf-8"


def scrub_tree(root: Path, secrets: list[str], skip: frozenset[str] = frozenset()) -> int:
    """Redact every secret (whole or any 8+ characters of it) in every file under ``root``
    (but those named in ``skip``, scrubbed as they were written); returns how many files
    changed."""
    secrets = [s for s in secrets if s]
    needles = {piece.encode() for s in secrets for piece in keys.pieces(s)}
    changed = 0
    if not needles or not root.exists():
        return 0
    for path in root.rglob("*"):
        if not path.is_file() or path.name in skip:
            continue
        data = path.read_bytes()
        if not any(n in data for n in needles):
            continue
        text = data.decode("utf-8", errors="surrogateescape")
        path.write_bytes(keys.scrub(text, secrets).encode("utf-8", errors="surrogateescape"))
        changed += 1
    return changed
