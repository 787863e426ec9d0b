"""Lot bounds and statuses, and lots that ignore the clock (expiry and maturity)."""

from __future__ import annotations

from datetime import timedelta

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import variant
from scrip_conformance.selftest.variants.probe import Probe, stamp

PAST = timedelta(days=-1)
FUTURE = timedelta(days=1)


# ---------------------------------------------------------------------------- lot bounds
def _negative_lot(p: Probe) -> bool:
    p.credit("5.00")
    p.debit("8.00", allow_negative=True)
    return any(lot["remaining"].startswith("-") for lot in p.lots())


@variant(
    "overdraft-on-newest-lot",
    family="lots",
    contracts=("PROV-OVERDRAFT", "LOT-REMAINING-LE-AMOUNT"),
    symptom=_negative_lot,
)
class OverdraftOnNewestLot(Ledger):
    """An allow_negative debit beyond the AVAILABLE lots books the shortfall on the newest lot,
    whose remaining goes negative, instead of recording an overdraft that later credits settle.
    """

    def debit(
        self, conn, org, participant, program, asset, entry_id, amount, bucket, allow_negative
    ):
        if asset["inventory_mode"] == "LOT" and allow_negative:
            lots = self.select_lots(
                conn, participant["id"], asset["id"], bucket, {}, by_reference=False
            )
            have = sum(lot["remaining"] for lot in lots)
            if lots and have < amount:
                if have:
                    super().debit(
                        conn, org, participant, program, asset, entry_id, have, bucket, False
                    )
                newest, short = lots[-1], amount - have
                conn.execute(
                    "UPDATE lots SET remaining = ?, state = 'AVAILABLE' WHERE id = ?",
                    (-short, newest["id"]),
                )
                self.record(
                    conn,
                    entry_id,
                    org,
                    participant["id"],
                    asset["id"],
                    program["id"],
                    newest["id"],
                    "DEBIT",
                    bucket,
                    -short,
                    self.format_time(self.now()),
                )
                return
        super().debit(
            conn, org, participant, program, asset, entry_id, amount, bucket, allow_negative
        )


def _expired_keeps_value(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(PAST))
    lot = p.lots()[0]
    return lot["status"] == "EXPIRED" and lot["remaining"] != "0.00"


@variant(
    "expired-lot-keeps-remaining",
    family="lots",
    contracts=("LOT-FINAL-HOLDS-NOTHING",),
    symptom=_expired_keeps_value,
)
class ExpiredLotKeepsRemaining(Ledger):
    """The lot serialiser prints the stored remaining of an EXPIRED lot (only CONSUMED lots are
    zeroed), so an expired lot still shows value."""

    def lot_json(self, row, scale):
        out = super().lot_json(row, scale)
        if row["status"] == "EXPIRED":
            out["remaining"] = self.format_amount(row["remaining"], scale)
        return out


# ---------------------------------------------------------------------------- the clock
def _expired_still_available(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(PAST))
    return p.lots()[0]["status"] == "AVAILABLE"


@variant(
    "expiry-waits-for-sweep",
    family="clock",
    contracts=("LOT-STATUS-MATCHES-CLOCK", "EXT-EXPIRY-FOLLOWS-CLOCK"),
    symptom=_expired_still_available,
)
class ExpiryWaitsForSweep(Ledger):
    """Lot status comes from the stored state only: a lot past its expires_at stays AVAILABLE
    (and spendable, and counted) until a nightly expiry job that never ran rewrites it."""

    def lot_is_expired(self):
        return "0 = 1"

    def lot_is_live(self):
        return "1 = 1"


def _matured_still_deferred(p: Probe) -> bool:
    p.credit("5.00", matures_at=stamp(PAST))
    return p.lots()[0]["status"] == "DEFERRED"


@variant(
    "maturity-ignores-clock",
    family="clock",
    contracts=("LOT-STATUS-MATCHES-CLOCK", "EXT-MATURITY-FOLLOWS-CLOCK"),
    symptom=_matured_still_deferred,
)
class MaturityIgnoresClock(Ledger):
    """A lot with a matures_at is DEFERRED forever: the status test checks that a maturity date
    is set and forgets to compare it with the clock."""

    def lot_is_maturing(self):
        return "matures_at IS NOT NULL"

    def lot_has_matured(self):
        return "matures_at IS NULL"


def _expired_spendable(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(PAST))
    return p.debit("3.00").status_code == 200


@variant(
    "expired-lots-spendable",
    family="clock",
    contracts=("BALANCE-EQUALS-LOT-SUMS", "EXT-EXPIRY-FOLLOWS-CLOCK"),
    symptom=_expired_spendable,
)
class ExpiredLotsSpendable(Ledger):
    """The balance and spending queries select lots by stored state and forget the expiry
    test, so expired lots still count in available and can be debited (the lot list, which
    derives the status from the clock, shows them EXPIRED)."""

    def lot_is_live(self):
        return "1 = 1"
