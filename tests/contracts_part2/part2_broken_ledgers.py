"""Reference ledgers with one realistic bug each, injected by subclassing the reference Ledger."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from scrip_conformance.reference.errors import validation
from scrip_conformance.reference.ledger import Ledger


class LifoLedger(Ledger):
    """Consumes, holds and releases the newest lots first."""

    def plan_takes(self, lots, amount):
        return super().plan_takes(list(reversed(lots)), amount)


class WholeLotHoldLedger(Ledger):
    """A hold or release that takes part of a lot moves the whole lot instead of splitting it."""

    def move_lot(self, conn, lot, take, new_state, reference_id):
        return super().move_lot(conn, lot, lot["remaining"], new_state, reference_id)


class ReplayCreditsAgainLedger(Ledger):
    """Ignores the idempotency_key of adjust: a replayed credit is applied a second time."""

    def _idempotent(self, operation, org, participant_id, body, apply):
        if operation == "ADJUST":
            body = {k: v for k, v in body.items() if k != "idempotency_key"}
        return super()._idempotent(operation, org, participant_id, body, apply)


class RacyLedger(Ledger):
    """Read-modify-write without a transaction or lock: concurrent writes interleave, and a
    short pause between reading the lots and writing them back widens the window."""

    @contextlib.contextmanager
    def writing(self) -> Iterator[Any]:
        yield self.store.conn

    def select_lots(self, *args, **kwargs):
        lots = super().select_lots(*args, **kwargs)
        time.sleep(0.05)
        return lots


class NoExtensionLedger(Ledger):
    """Not a bug: a target without the x-scrip-conformance-extension fields of adjust."""

    def adjust(self, org, participant_id, body):
        extension = {"expires_at", "matures_at", "reference_id", "idempotency_key"} & set(body)
        if extension:
            raise validation(f"unknown field(s): {', '.join(sorted(extension))}")
        return super().adjust(org, participant_id, body)


class LostForfeitLedger(Ledger):
    """A lost write: a forfeit answers 200 with the balance after it, but is rolled back."""

    _lose = False

    def forfeit(self, org, participant_id, body):
        self._lose = True
        try:
            return super().forfeit(org, participant_id, body)
        finally:
            self._lose = False

    @contextlib.contextmanager
    def writing(self) -> Iterator[Any]:
        with self.store.lock:
            conn = self.store.conn
            self.begin_transaction(conn)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("ROLLBACK" if self._lose else "COMMIT")


class ExpiredKeepsRemainingLedger(Ledger):
    """An EXPIRED lot is listed with the remaining it had when it expired, not zero."""

    def lot_json(self, row, scale):
        lot = super().lot_json(row, scale)
        if lot["status"] == "EXPIRED":
            lot["remaining"] = self.format_amount(row["remaining"], scale)
        return lot


class LeakyAssetLedger(Ledger):
    """Looks assets up by id alone: another organization's asset is found."""

    def load_asset(self, conn, org, asset_id):
        row = conn.execute("SELECT org FROM assets WHERE id = ?", (asset_id,)).fetchone()
        return super().load_asset(conn, row["org"] if row else org, asset_id)
