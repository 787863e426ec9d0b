"""Ledger operations: FIFO consumption, holds, balances, idempotency and a concurrency race."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from scrip_conformance.reference.errors import unprocessable
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import variant
from scrip_conformance.selftest.variants.probe import Probe, stamp


# ---------------------------------------------------------------------------- FIFO
def _newest_taken(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00")
    p.debit("0.50")
    return p.remaining_by_amount()["2.00"] != "2.00"


@variant(
    "lifo-consumption",
    family="fifo",
    contracts=("PROV-FIFO-CONSUMPTION",),
    symptom=_newest_taken,
)
class LifoConsumption(Ledger):
    """Debits, holds and forfeits take value from the newest lot first (the spending query
    sorts ``created_at DESC``); the lot list itself stays oldest first."""

    def plan_takes(self, lots, amount):
        return super().plan_takes(list(reversed(lots)), amount)


def _soonest_taken(p: Probe) -> bool:
    p.credit("1.00", expires_at=stamp(timedelta(days=30)))
    p.credit("2.00", expires_at=stamp(timedelta(days=10)))
    p.debit("0.50")
    return p.remaining_by_amount()["2.00"] != "2.00"


@variant(
    "soonest-expiring-first",
    family="fifo",
    contracts=("PROV-MODEL-STATEFUL", "EXT-EXPIRY-FOLLOWS-CLOCK"),
    symptom=_soonest_taken,
)
class SoonestExpiringFirst(Ledger):
    """Debits take value from the lot expiring soonest (FEFO, lots without expiry last) instead
    of the oldest lot that the spec's FIFO rule requires."""

    def plan_takes(self, lots, amount):
        ordered = sorted(
            lots,
            key=lambda lot: (
                lot["expires_at"] is None,
                lot["expires_at"] or "",
                lot["created_at"],
                lot["id"],
            ),
        )
        return super().plan_takes(ordered, amount)


# ---------------------------------------------------------------------------- holds
def _whole_lot_held(p: Probe) -> bool:
    p.credit("10.00")
    p.write("hold", amount="4.00", reference_id="split")
    return p.balance()["held"] != "4.00"


@variant(
    "hold-without-split",
    family="holds",
    contracts=("PROV-HOLD-SPLITS-LOT",),
    symptom=_whole_lot_held,
)
class HoldWithoutSplit(Ledger):
    """A hold of part of a lot moves the whole lot to HELD (the split branch is missing), so
    more value is held than asked for."""

    def move_lot(self, conn, lot, take, new_state, reference_id):
        return super().move_lot(conn, lot, lot["remaining"], new_state, reference_id)


def _wrong_release(p: Probe) -> bool:
    p.credit("3.00")
    p.credit("5.00")
    p.write("hold", amount="3.00", reference_id="keep")
    p.write("hold", amount="5.00", reference_id="free")
    p.write("release", reference_id="free")
    return p.balance()["held"] != "3.00"


@variant(
    "release-ignores-reference",
    family="holds",
    contracts=("PROV-RELEASE-SELECTION",),
    symptom=_wrong_release,
)
class ReleaseIgnoresReference(Ledger):
    """Release drops the reference_id condition when it selects HELD lots, so releasing one
    hold releases the oldest held value, whatever hold it belongs to."""

    def select_lots(
        self, conn, participant_id, asset_id, status, body, *, by_reference, provisional_only=False
    ):
        if status == "HELD" and not provisional_only:
            by_reference = False
        return super().select_lots(
            conn,
            participant_id,
            asset_id,
            status,
            body,
            by_reference=by_reference,
            provisional_only=provisional_only,
        )


def _void_takes_hold(p: Probe) -> bool:
    p.credit("5.00")
    p.write("hold", amount="5.00", reference_id="order-1")
    answer = p.write("void-hold", reference_id="order-1").json()
    return answer.get("amount_processed") != "0.00"


@variant(
    "void-hold-touches-holds",
    family="holds",
    contracts=("PROV-VOID-HOLD-IGNORES-HOLDS", "EXT-VOID-HOLD-PROVISIONAL-ONLY"),
    symptom=_void_takes_hold,
)
class VoidHoldTouchesHolds(Ledger):
    """Void-hold consumes every HELD lot with the reference_id, including value an ordinary
    hold moved there, instead of only the provisional lots credited straight into HELD."""

    def select_lots(
        self, conn, participant_id, asset_id, status, body, *, by_reference, provisional_only=False
    ):
        return super().select_lots(
            conn,
            participant_id,
            asset_id,
            status,
            body,
            by_reference=by_reference,
            provisional_only=False,
        )


# ---------------------------------------------------------------------------- balances
def _deferred_available(p: Probe) -> bool:
    p.credit("5.00", matures_at=stamp(timedelta(days=1)))
    return p.balance()["available"] != "0.00"


@variant(
    "balance-counts-deferred",
    family="balances",
    contracts=("BALANCE-EQUALS-LOT-SUMS", "EXT-MATURITY-FOLLOWS-CLOCK"),
    symptom=_deferred_available,
)
class BalanceCountsDeferred(Ledger):
    """The balance query forgets maturity: DEFERRED value is reported in available (and
    deferred stays zero), while the lots themselves are DEFERRED."""

    def balance_minor(self, conn, participant_id, asset):
        figures = super().balance_minor(conn, participant_id, asset)
        figures["AVAILABLE"] += figures["DEFERRED"]
        figures["DEFERRED"] = 0
        return figures


def _stale_after_hold(p: Probe) -> bool:
    p.credit("10.00")
    p.balance()
    p.write("hold", amount="4.00", reference_id="stale")
    return p.balance()["held"] != "4.00"


@variant(
    "balance-cache-not-invalidated",
    family="balances",
    contracts=("BALANCE-EQUALS-LOT-SUMS", "PROV-MODEL-STATEFUL"),
    symptom=_stale_after_hold,
)
class BalanceCacheNotInvalidated(Ledger):
    """Balances are cached per participant and asset; adjust invalidates the participant's
    entries but hold, release, forfeit and void-hold do not, so balances drift from the lots
    after them (the write answer and the reads agree with each other, not with the lots)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._balances: dict[tuple[str, str], dict[str, str]] = {}

    def balance_figures_json(self, conn, participant_id, asset):
        key = (participant_id, asset["id"])
        if key not in self._balances:
            self._balances[key] = super().balance_figures_json(conn, participant_id, asset)
        return dict(self._balances[key])

    def adjust(self, org, participant_id, body):
        for key in [k for k in self._balances if k[0] == participant_id]:
            del self._balances[key]
        try:
            return super().adjust(org, participant_id, body)
        finally:
            for key in [k for k in self._balances if k[0] == participant_id]:
                del self._balances[key]


# ---------------------------------------------------------------------------- idempotency
def _double_credit(p: Probe) -> bool:
    for _ in range(2):
        p.credit("5.00", idempotency_key="once")
    return len(p.lots()) != 1


@variant(
    "replay-credits-twice",
    family="idempotency",
    contracts=("PROV-IDEMPOTENT-REPLAY", "PROV-IDEMPOTENCY-CONFLICT", "EXT-IDEMPOTENT-CREDIT"),
    symptom=_double_credit,
)
class ReplayCreditsTwice(Ledger):
    """The idempotency lookup never finds the stored key (it reads another table's column) and
    the store overwrites, so every replay is applied again."""

    def idempotency_lookup(self, conn, org, program_id, key, fingerprint):
        return None

    def idempotency_store(self, conn, org, program_id, key, fingerprint, response):
        conn.execute(
            "DELETE FROM idempotency WHERE org = ? AND program_id = ? AND key = ?",
            (org, program_id, key),
        )
        super().idempotency_store(conn, org, program_id, key, fingerprint, response)


# ---------------------------------------------------------------------------- concurrency
RACE_WINDOW_SECONDS = 0.1
PARALLEL_DEBITS = 6


def _parallel_overdraw(p: Probe) -> bool:
    p.credit("10.00")
    start = threading.Barrier(PARALLEL_DEBITS)

    def debit(_: int) -> int:
        start.wait()
        return p.debit("6.00").status_code

    with ThreadPoolExecutor(max_workers=PARALLEL_DEBITS) as pool:
        statuses = list(pool.map(debit, range(PARALLEL_DEBITS)))
    return statuses.count(200) > 1


@variant(
    "debit-read-modify-write",
    family="concurrency",
    contracts=("CONC-DEBIT-BURST-SERIALIZABLE",),
    symptom=_parallel_overdraw,
)
class DebitReadModifyWrite(Ledger):
    """A debit reads the lots and checks the balance before its transaction, then writes
    ``remaining = what it read - take``: correct one at a time, but parallel debits all pass
    the check and overwrite each other (lost updates, an overdrawn participant)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._snapshot = threading.local()

    def adjust(self, org, participant_id, body):
        self._snapshot.lots = None
        if body.get("type") == "DEBIT" and body.get("bucket", "AVAILABLE") == "AVAILABLE":
            asset_id = str(body.get("asset_id", "")).lower()
            with self.reading() as conn:
                self._snapshot.lots = self.select_lots(
                    conn, participant_id, asset_id, "AVAILABLE", {}, by_reference=False
                )
            time.sleep(RACE_WINDOW_SECONDS)  # the application does its other checks here
        try:
            return super().adjust(org, participant_id, body)
        finally:
            self._snapshot.lots = None

    def debit(
        self, conn, org, participant, program, asset, entry_id, amount, bucket, allow_negative
    ):
        lots = getattr(self._snapshot, "lots", None)
        if not lots or asset["inventory_mode"] != "LOT" or bucket != "AVAILABLE":
            return super().debit(
                conn, org, participant, program, asset, entry_id, amount, bucket, allow_negative
            )
        have = sum(lot["remaining"] for lot in lots)
        if have < amount and not allow_negative:
            raise unprocessable("insufficient_balance", f"{bucket} balance is too small")
        now = self.format_time(self.now())
        for lot, take in self.plan_takes(lots, amount):
            self.take_from_lot(conn, lot["id"], lot["remaining"], take)
            self.record(
                conn,
                entry_id,
                org,
                participant["id"],
                asset["id"],
                program["id"],
                lot["id"],
                "DEBIT",
                bucket,
                -take,
                now,
            )
        if have < amount:
            self.record(
                conn,
                entry_id,
                org,
                participant["id"],
                asset["id"],
                program["id"],
                None,
                "OVERDRAFT",
                "AVAILABLE",
                -(amount - have),
                now,
            )
