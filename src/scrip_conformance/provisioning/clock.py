"""The target's clock as seen from here: an offset measured from a lot's ``created_at``.

D-CLOCK makes lot state follow the target's clock; the extension profile creates lots that
mature or expire seconds into the run and must judge them on the target's time, not ours.
"""

from __future__ import annotations

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

    def calibrate(self, sent: datetime, received: datetime, stamped: datetime) -> None:
        """The target stamped ``stamped`` while serving a request sent/received at our times."""
        low, high = stamped - received, stamped - sent
        self.offset = (low + high) / 2
        self.uncertainty = (high - low) / 2 + timedelta(milliseconds=50)

    def now(self) -> datetime:
        return self.local() + self.offset

    def before(self, instant: datetime, margin: timedelta) -> bool:
        """Surely (within the uncertainty and margin) still before ``instant`` on the target."""
        return self.now() + self.uncertainty + margin < instant

    def wait_past(self, instant: datetime, margin: timedelta) -> None:
        """Sleep until the target's time is surely after ``instant`` plus ``margin``."""
        while True:
            left = (instant + margin + self.uncertainty - self.now()).total_seconds()
            if left <= 0:
                return
            time.sleep(min(left, 1.0))
