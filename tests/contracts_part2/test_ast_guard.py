"""``ast.parse`` one thread at a time once the side-by-side scenarios run (CPython 3.11 shares
the AST conversion's depth counter between threads)."""

from __future__ import annotations

import ast
import threading

from scrip_conformance import ast_guard


def test_a_parse_waits_while_another_thread_parses():
    ast_guard.install()
    ast_guard.install()  # twice: still one lock, not two wrappers
    parsed = threading.Event()

    def parse_in_another_thread():
        ast.parse("x = 1")
        parsed.set()

    with ast_guard._LOCK:  # as if this thread were inside ast.parse
        other = threading.Thread(target=parse_in_another_thread)
        other.start()
        assert not parsed.wait(0.3)  # it waits for the parse under way
    other.join(5)
    assert parsed.is_set()
    assert ast.literal_eval("[1, 2]") == [1, 2]  # what parses through the module still works
    assert not hasattr(ast.parse.__wrapped__, "_scrip_locked")  # wrapped once
