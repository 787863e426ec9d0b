"""The target's clock as seen from here: an offset measured from a lot's ``created_at``.

D-CLOCK makes lot state follow the target's clock; the extension profile creates lots that
mature or expire seconds into the run and must judge them on the target's time, not ours.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def local_now() -> datetime:
    return datetime.now(UTC)


class ServerClock:
    """``now()`` estimates the target's time; ``uncertainty`` bounds the estimate's error."""

    def __init__(self, local: Callable[[], datetime] = local_now) -> None:
        self.local = local
        self.offset = timedelta(0)
        self.uncertainty = timedelta(seconds=1)
        self.resolution = timedelta(0)
        """How coarse the target's timestamps are (1 s without fractional seconds, D-TIME):
        its true time may differ from a stamp by that much, on top of the round trip."""
        self.slack = 1
        """How many times its usual lead a scenario on this clock gives its transition (more
        on a second try, after requests slowed by what ran beside them)."""

    def calibrate(
        self,
        sent: datetime,
        received: datetime,
        stamped: datetime,
        resolution: timedelta = timedelta(0),
    ) -> None:
        """The target stamped ``stamped`` (to ``resolution``) while serving a request
        sent/received at our times."""
        low, high = stamped - received, stamped - sent
        self.offset = (low + high) / 2
        self.uncertainty = (high - low) / 2 + timedelta(milliseconds=50)
        self.resolution = resolution

    def now(self) -> datetime:
        return self.local() + self.offset

    def before(self, instant: datetime, margin: timedelta) -> bool:
        """Surely (within the uncertainty and margin) still before ``instant`` on the target."""
        return self.now() + self.uncertainty + self.resolution + margin < instant

    def wait_past(self, instant: datetime, margin: timedelta) -> None:
        """Sleep until the target's time is surely after ``instant`` plus ``margin``."""
        while True:
            left = (
                instant + margin + self.uncertainty + self.resolution - self.now()
            ).total_seconds()
            if left <= 0:
                return
            time.sleep(min(left, 1.0))


def stamp_resolution(text: str) -> timedelta:
    """How coarse an RFC 3339 stamp is: 1 s without fractional seconds, else its last digit's
    unit (``…:05.123Z``: 1 ms)."""
    match = re.search(r":\d\d(?:\.(\d+))?(?:Z|[+-]\d\d:\d\d)$", text)
    digits = len(match.group(1)) if match and match.group(1) else 0
    return timedelta(seconds=1) if digits == 0 else timedelta(microseconds=10 ** max(6 - digits, 0))
