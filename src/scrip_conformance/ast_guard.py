"""``ast.parse`` one thread at a time.

CPython 3.11 counts the depth of the AST it converts to Python objects in a state shared by
every thread, so two threads parsing at once can fail with ``SystemError: AST constructor
recursion depth mismatch``. The suite parses source in several threads once its scenarios run
side by side: pytest formats a failure's traceback with ``ast.parse`` while hypothesis (the
fuzzing run, the state machine) parses constants and reprs. :func:`install` puts a lock around
``ast.parse`` (everything calling it through the module, ``ast.literal_eval`` included).
"""

from __future__ import annotations

import ast
import functools
import threading
from typing import Any

_LOCK = threading.RLock()  # re-entrant: a parse may run a finalizer that parses


def install() -> None:
    """Serialize ``ast.parse`` for the rest of the process (idempotent)."""
    if getattr(ast.parse, "_scrip_locked", False):
        return
    unlocked = ast.parse

    @functools.wraps(unlocked)
    def parse(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return unlocked(*args, **kwargs)

    parse._scrip_locked = True  # type: ignore[attr-defined]
    ast.parse = parse


__all__ = ["install"]
