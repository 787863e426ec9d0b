"""The demo data set: every status present, every documented invariant satisfied, seeded."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from scrip_conformance import spec_schemas
from scrip_conformance.reference.demo import load_demo
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.store import Store

from .conftest import START, Clock

ORG = "demo-org"


def lots_of(ledger, pid, asset):
    out, cursor = [], None
    while True:
        q = {"asset_id": asset, "limit": 200, **({"cursor": cursor} if cursor else {})}
        status, body = ledger.list_participant_lots(ORG, pid, q)
        assert not spec_schemas.validate_response("listParticipantLots", status, body)
        out += body["data"]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            return out


@pytest.fixture(scope="module")
def demo():
    clock = Clock(START)
    ledger = Ledger(Store(":memory:"), {"k": ORG}, clock)
    summary = load_demo(ledger, ORG)
    return ledger, summary


def test_demo_has_lots_in_every_status_and_spread_expiries(demo):
    ledger, summary = demo
    statuses, expiries, refs, matures, never = Counter(), [], set(), [], 0
    now = ledger.format_time(ledger.now())
    for pid in summary["participant_ids"]:
        for symbol in ("PTS", "MILES"):
            for lot in lots_of(ledger, pid, summary["asset_ids"][symbol]):
                statuses[lot["status"]] += 1
                if lot["expires_at"]:
                    expiries.append(lot["expires_at"])
                else:
                    never += 1
                if lot["status"] == "HELD" and lot["reference_id"]:
                    refs.add(lot["reference_id"])
                if lot["status"] == "DEFERRED":
                    matures.append(lot["matures_at"])
    assert summary["lots"] >= 2000
    assert set(statuses) == {"AVAILABLE", "HELD", "DEFERRED", "CONSUMED", "EXPIRED"}
    assert min(statuses.values()) >= 10
    assert never > 0 and len(refs) >= 10 and all(m > now for m in matures)
    future = ledger.format_time(ledger.now() + timedelta(days=30 * 15))
    assert min(expiries) < now < future < max(expiries)
    assert len(summary["participant_ids"]) == 50


def test_demo_balances_equal_lot_sums_and_order_holds(demo):
    ledger, summary = demo
    for pid in summary["participant_ids"]:
        status, body = ledger.get_participant(ORG, pid)
        assert not spec_schemas.validate_response("getParticipant", status, body)
        balances = {b["asset_id"]: b for b in body["balances"]}
        for symbol in ("PTS", "MILES", "STARS"):
            asset = summary["asset_ids"][symbol]
            lots = lots_of(ledger, pid, asset)
            keys = [(x["created_at"], x["id"]) for x in lots]
            assert keys == sorted(keys)
            for lot in lots:
                assert 0 <= Decimal(lot["remaining"]) <= Decimal(lot["amount"])
            if asset not in balances:
                assert lots == []
                continue
            sums = {
                s: sum((Decimal(x["remaining"]) for x in lots if x["status"] == s), Decimal(0))
                for s in ("AVAILABLE", "HELD", "DEFERRED")
            }
            bal = balances[asset]
            assert Decimal(bal["held"]) == sums["HELD"]
            assert Decimal(bal["deferred"]) == sums["DEFERRED"]
            if Decimal(bal["available"]) >= 0:
                assert Decimal(bal["available"]) == sums["AVAILABLE"]
            else:
                assert sums["AVAILABLE"] == 0


def test_demo_reports_are_consistent(demo):
    ledger, summary = demo
    q = {"from": "2026-01-01T00:00:00Z", "to": "2027-06-30T23:59:59Z", "granularity": "week"}
    status, body = ledger.expiration_schedule(ORG, q)
    assert not spec_schemas.validate_response("getExpirationSchedule", status, body)
    assert len(body["data"]) == 3  # PTS, MILES and the archived STARS; not the SIMPLE asset
    status, liability = ledger.liability_report(ORG, {})
    assert not spec_schemas.validate_response("getLiabilityReport", status, liability)
    for row in body["data"]:
        parts = [
            row["never_expiring"],
            row["expiring_before_window"],
            row["expiring_after_window"],
            *(b["amount"] for b in row["buckets"]),
        ]
        assert sum(Decimal(p) for p in parts) == Decimal(row["total_outstanding"]) > 0
        owed = sum(
            Decimal(r["balance"]) for r in liability["data"] if r["asset_id"] == row["asset_id"]
        )
        assert owed <= Decimal(row["total_outstanding"])  # overdrafts only lower the liability


def test_demo_is_seeded():
    loads = []
    for _ in range(2):
        ledger = Ledger(Store(":memory:"), {"k": ORG}, Clock(START))
        summary = load_demo(ledger, ORG, participants=4, events_per_participant=20)
        pid = summary["participant_ids"][0]
        loads.append(
            [
                (x["id"], x["amount"], x["status"])
                for x in lots_of(ledger, pid, summary["asset_ids"]["PTS"])
            ]
        )
    assert loads[0] == loads[1] and loads[0]
