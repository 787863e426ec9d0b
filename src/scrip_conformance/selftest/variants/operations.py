"""Balance operations that select or order lots wrongly, and an idempotency check that races."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from scrip_conformance.reference.ledger import Ledger, exact_sum
from scrip_conformance.selftest.variants.base import variant
from scrip_conformance.selftest.variants.probe import Probe, stamp

RACE_WINDOW_SECONDS = 0.3  # wide enough for simultaneous requests on a loaded machine
PARALLEL_REPLAYS = 4


def _earned_to_ignored(p: Probe) -> bool:
    p.credit("1.00")
    bound = stamp(timedelta(0))
    time.sleep(0.01)
    p.credit("2.00")
    p.write("hold", amount="3.00", earned_to=bound)  # only the first lot may be held: refused
    return p.remaining_by_amount()["2.00"] == "0.00" or any(
        lot["status"] == "HELD" and lot["amount"] == "2.00" for lot in p.lots()
    )


@variant(
    "earned-to-ignored",
    family="holds",
    contracts=("PROV-LOT-SELECTION",),
    symptom=_earned_to_ignored,
)
class EarnedToIgnored(Ledger):
    """Lot selection drops the ``earned_to`` bound (read under another name), so hold, release
    and forfeit also take lots created after it."""

    def select_lots(self, conn, participant_id, asset_id, status, body, **kwargs):
        body = {k: v for k, v in body.items() if k != "earned_to"}
        return super().select_lots(conn, participant_id, asset_id, status, body, **kwargs)


def _forfeit_newest(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00")
    p.write("forfeit", amount="0.50", bucket="AVAILABLE")
    return p.remaining_by_amount()["2.00"] != "2.00"


@variant(
    "forfeit-newest-first",
    family="fifo",
    contracts=("PROV-FORFEIT",),
    symptom=_forfeit_newest,
)
class ForfeitNewestFirst(Ledger):
    """Forfeit reduces the newest lots first (its own query sorts ``DESC``), while debits and
    holds still take the oldest."""

    def take_out(
        self, conn, org, operation, participant, program, asset, bucket, lots, amount, reference_id
    ):
        if operation == "FORFEIT" and lots is not None:
            lots = list(reversed(lots))
        return super().take_out(
            conn, org, operation, participant, program, asset, bucket, lots, amount, reference_id
        )


def _replayed_twice(p: Probe) -> bool:
    start = threading.Barrier(PARALLEL_REPLAYS)

    def credit(_: int) -> int:
        start.wait()
        return p.credit("1.00", idempotency_key="selftest-race").status_code

    with ThreadPoolExecutor(max_workers=PARALLEL_REPLAYS) as pool:
        list(pool.map(credit, range(PARALLEL_REPLAYS)))
    return len(p.lots()) > 1


@variant(
    "idempotency-check-then-act",
    family="idempotency",
    contracts=("CONC-REPLAY-BURST-APPLIED-ONCE",),
    symptom=_replayed_twice,
)
class IdempotencyCheckThenAct(Ledger):
    """The idempotency key is looked up in one transaction and the write applied in another:
    simultaneous replays of one key all miss the lookup and are all applied."""

    def _idempotent(self, operation, org, participant_id, body, apply):
        key = body.get("idempotency_key")
        if key is None:
            return super()._idempotent(operation, org, participant_id, body, apply)
        program_id = body["program_id"].lower()
        fingerprint = self.fingerprint(operation, participant_id, body)
        with self.writing() as conn:
            replay = self.idempotency_lookup(conn, org, program_id, key, fingerprint)
        if replay is not None:
            return 200, replay
        time.sleep(RACE_WINDOW_SECONDS)  # the round trip to a remote database
        with self.writing() as conn:
            response = apply(conn)
            try:
                self.idempotency_store(conn, org, program_id, key, fingerprint, response)
            except sqlite3.IntegrityError:
                pass  # the key is already stored by the first of the racing requests
        return 200, response


PARALLEL_HOLDS = 4


def _parallel_overhold(p: Probe) -> bool:
    p.credit("10.00")
    start = threading.Barrier(PARALLEL_HOLDS)

    def hold(_: int) -> int:
        start.wait()
        return p.write("hold", amount="6.00").status_code

    with ThreadPoolExecutor(max_workers=PARALLEL_HOLDS) as pool:
        statuses = list(pool.map(hold, range(PARALLEL_HOLDS)))
    return statuses.count(200) > 1


@variant(
    "hold-read-modify-write",
    family="concurrency",
    contracts=("CONC-HOLD-BURST-SERIALIZABLE",),
    symptom=_parallel_overhold,
)
class HoldReadModifyWrite(Ledger):
    """A hold reads the AVAILABLE lots before its transaction and moves value from what it
    read: parallel holds all pass the balance check and overwrite each other's lots."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._snapshot = threading.local()

    def hold(self, org, participant_id, body):
        asset_id = str(body.get("asset_id", "")).lower()
        with self.reading() as conn:
            self._snapshot.lots = super().select_lots(
                conn, participant_id, asset_id, "AVAILABLE", body, by_reference=False
            )
        time.sleep(RACE_WINDOW_SECONDS)  # the application does its other checks here
        try:
            return super().hold(org, participant_id, body)
        finally:
            self._snapshot.lots = None

    def select_lots(self, conn, participant_id, asset_id, status, body, **kwargs):
        lots = getattr(self._snapshot, "lots", None)
        if lots is not None and status == "AVAILABLE":
            return lots
        return super().select_lots(conn, participant_id, asset_id, status, body, **kwargs)


def _expired_in_liability(p: Probe) -> bool:
    p.credit("1.00", expires_at=stamp(timedelta(seconds=1)))
    time.sleep(1.5)
    rows = p.get("/v1/reports/liability", {"asset_id": p.asset}).json()["data"]
    return any(row["balance"] == "1.00" for row in rows)


@variant(
    "liability-counts-expired",
    family="clock",
    contracts=("LIABILITY-EQUALS-BALANCE-SUMS",),
    symptom=_expired_in_liability,
)
class LiabilityCountsExpired(Ledger):
    """The liability report sums the journal without leaving out lots that expired (expiry
    writes no movement), so expired value is still owed in the report but not in balances."""

    def liability_sums(self, conn, where, params, by_bucket):
        rows = conn.execute(
            f"SELECT m.asset_id, m.program_id, {self.liability_bucket_sql(by_bucket)} AS b, "
            "SUM(m.delta / 1000000000), SUM(m.delta % 1000000000) "
            "FROM movements m LEFT JOIN lots l ON l.id = m.lot_id "
            f"WHERE {' AND '.join(where)} GROUP BY m.asset_id, m.program_id, b",
            params,
        ).fetchall()
        return {(r[0], r[1], r[2]): exact_sum(r[3], r[4]) for r in rows}
