"""The serial-order search behind the concurrency profile, and the target-clock estimate
behind the extension profile (no server: answers are written by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning.bursts import BurstRequest, explain
from scrip_conformance.provisioning.clock import ServerClock
from scrip_conformance.provisioning.sandbox import AssetRef
from scrip_conformance.provisioning.wire import Reply

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ASSET = AssetRef("asset", "LOT", 2, "SYM")


def _debit(amount):
    body = {
        "program_id": "prog",
        "asset_id": "asset",
        "type": "DEBIT",
        "amount": amount,
        "description": "d",
    }
    return BurstRequest("adjust", body)


def _ok(available):
    balance = {"available": available, "held": "0.00", "deferred": "0.00"}
    return Reply(200, {"amount": "3.00", "balance": balance}, "curl", {})


REFUSED = Reply(422, {"code": "insufficient_balance", "message": "no"}, "curl", {})


def _model_with_one_lot_of_5():
    model = LedgerModel()
    model.add_asset("asset", scale=2)
    model.adjust("p", "asset", "prog", "CREDIT", "5.00", NOW)
    lot = model.lots("p", "asset", NOW)[0]
    model.rebind("p", "asset", {lot.id: "lot-1"})
    return model


def _lot(remaining, status):
    return {
        "id": "lot-1",
        "amount": "5.00",
        "remaining": remaining,
        "status": status,
        "reference_id": None,
        "expires_at": None,
        "matures_at": None,
        "created_at": "2026-05-01T00:00:00Z",
    }


def _balance(available):
    return {"asset_id": "asset", "available": available, "held": "0.00", "deferred": "0.00"}


def test_answers_given_in_any_serial_order_are_explained():
    replies = [REFUSED, _ok("2.00")]  # the second request went first
    found = explain(
        _model_with_one_lot_of_5(),
        "p",
        ASSET,
        [_debit("3.00")] * 2,
        replies,
        [_lot("2.00", "AVAILABLE")],
        _balance("2.00"),
        NOW,
        "C",
    )
    assert found.order == [1, 0]


def test_a_lost_update_is_explained_by_no_serial_order():
    replies = [_ok("2.00"), _ok("2.00")]  # both debits read 5.00 and wrote back 2.00
    found = explain(
        _model_with_one_lot_of_5(),
        "p",
        ASSET,
        [_debit("3.00")] * 2,
        replies,
        [_lot("2.00", "AVAILABLE")],
        _balance("2.00"),
        NOW,
        "C",
    )
    assert found.order is None


def test_right_answers_with_a_wrong_final_state_are_explained_by_no_serial_order():
    replies = [_ok("2.00"), REFUSED]
    found = explain(
        _model_with_one_lot_of_5(),
        "p",
        ASSET,
        [_debit("3.00")] * 2,
        replies,
        [_lot("5.00", "AVAILABLE")],
        _balance("5.00"),
        NOW,
        "C",
    )
    assert found.order is None and found.orders_tried == 1


def test_the_target_clock_is_estimated_from_a_stamp_taken_during_a_request():
    local = [NOW]
    clock = ServerClock(local=lambda: local[0])
    clock.calibrate(NOW, NOW + timedelta(milliseconds=100), NOW + timedelta(seconds=30.05))
    assert clock.now() == NOW + timedelta(seconds=30)
    transition = NOW + timedelta(seconds=31)
    assert clock.before(transition, timedelta(milliseconds=500))
    local[0] = NOW + timedelta(seconds=0.8)
    assert not clock.before(transition, timedelta(milliseconds=500))
