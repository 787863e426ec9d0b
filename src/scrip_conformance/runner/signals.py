"""Ctrl-C and SIGTERM during a run: stop within seconds, and still write every report."""

from __future__ import annotations

import _thread
import signal
import threading
import time
from typing import Any

import pytest

from scrip_conformance.runner.verdict import EXIT_SIGINT, EXIT_SIGTERM


class StopSignals:
    """SIGINT and SIGTERM stop the run: the first one raises KeyboardInterrupt in the main thread
    (pytest then ends the session, tears the fixtures down and writes junit.xml) and is
    remembered, so that the reports say INTERRUPTED and the exit code is 130 or 143. Code that
    swallows the interrupt (schemathesis ends its run early and returns) cannot keep the run
    going: no test starts after a signal (this is also a pytest plugin), and until pytest has
    taken the interrupt (and tears down, writes junit.xml) it is raised again every
    :data:`REPEAT_SECONDS`. While the reports are written (:meth:`hold`), a signal is only
    remembered."""

    REPEAT_SECONDS = 2.0

    def __init__(self) -> None:
        self.received: int | None = None
        self._raising = True
        self._saved: dict[int, Any] = {}
        self._repeater: threading.Thread | None = None
        self._taken = False  # pytest caught the interrupt and is ending the session

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.getsignal(signum)
                signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.received is None:
            self.received = signum
            if self._raising:
                self._repeater = threading.Thread(target=self._repeat, daemon=True)
                self._repeater.start()
        if self._raising:
            raise KeyboardInterrupt

    def _repeat(self) -> None:
        while True:
            time.sleep(self.REPEAT_SECONDS)
            if not self._raising or self._taken:
                return
            _thread.interrupt_main()  # runs _handle in the main thread, which raises again

    def pytest_keyboard_interrupt(self) -> None:
        self._taken = True

    def hold(self) -> None:
        self._raising = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.received is not None and self._raising:
            raise KeyboardInterrupt

    @property
    def name(self) -> str | None:
        return None if self.received is None else signal.Signals(self.received).name

    @property
    def exit_code(self) -> int:
        return EXIT_SIGTERM if self.received == signal.SIGTERM else EXIT_SIGINT
