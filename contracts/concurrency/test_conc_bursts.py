"""Bursts of simultaneous debits, holds and replays against one participant.

After each burst no lot is overdrawn and the answers and the final lots and balance equal
those of some serial order of the requests (any order is accepted). The number of bursts
grows with ``--budget``. Each burst has a participant of its own on the run's shared asset.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest

from scrip_conformance.provisioning.bursts import BurstRequest, apply, explain, fire
from scrip_conformance.provisioning.side_by_side import scenario
from scrip_conformance.violations import ContractFailure, Violation

ROUNDS = {"quick": 1, "default": 2, "deep": 6}


def _body(ledger, asset, **fields):
    return {
        "program_id": ledger.program_id,
        "asset_id": asset.id,
        "description": "scrip-conformance burst",
        **fields,
    }


def _burst(ledger, contract, p, asset, requests):
    """Fire ``requests`` together, then require a serial order that explains the outcome."""
    # the lots (model ids adopted: lots_processed is comparable), and the balance unless the
    # budget checks only at the end (the read after the burst shows it); a burst of adjusts
    # alone (no lots_processed in their answers) needs no ids then either: the read after the
    # burst is matched to the model by content as usual
    if ledger.every_write or any(r.operation != "adjust" for r in requests):
        ledger.check_lots(contract, p, asset)
    ledger.checkpoint_balance(contract, p, asset)
    replies = fire(ledger.wire, p, requests)
    now = ledger.clock()
    first, balance = ledger.wire.get_many(
        [ledger.lots_read(p, asset), ledger.balance_read(p, asset)]
    )
    rows, lots_reply = ledger.lots(p, asset, first=first)
    row, _ = ledger.read_balance(p, asset, balance)
    overdrawn = [
        r for r in rows if not 0 <= _amount(r.get("remaining")) <= _amount(r.get("amount"))
    ]
    found = explain(ledger.model, p, asset, requests, replies, rows, row, now, contract)
    if overdrawn or found.order is None:
        answers = "; ".join(
            f"{r.operation} {r.body.get('amount')} -> {a.status}"
            for r, a in zip(requests, replies, strict=True)
        )
        raise ContractFailure(
            [
                Violation(
                    contract,
                    "the burst's outcome equals no serial order of its requests"
                    + (" (a lot is overdrawn)" if overdrawn else ""),
                    "answers, lots and balance of some serial order "
                    f"({found.orders_tried} complete orders tried)",
                    f"answers: {answers}; balance {row!r}; lots "
                    + ", ".join(
                        f"{r.get('status')} {r.get('remaining')}/{r.get('amount')}" for r in rows
                    ),
                    request=replies[0].curl if replies else lots_reply.curl,
                )
            ]
        )
    # follow the explaining order in the session's model, then compare the state read after
    # the burst with it as usual
    for i in found.order:
        apply(ledger.model, p, asset, requests[i], now)
    ledger.check_lots(contract, p, asset, first, now)
    ledger.check_balance(contract, p, asset, balance, now)


def _amount(text):
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return Decimal(-1)


@pytest.mark.contract("CONC-DEBIT-BURST-SERIALIZABLE")
@scenario
def test_simultaneous_debits_end_as_some_serial_order(target, ledger):
    c = "CONC-DEBIT-BURST-SERIALIZABLE"
    asset = ledger.sandbox.shared_asset("LOT", 2)
    for _ in range(ROUNDS[target.budget]):
        p = ledger.sandbox.participant("debit-burst")
        for amount in ("10.00", "5.00", "2.50"):
            ledger.adjust(c, p, asset, "CREDIT", amount)
        debits = [
            BurstRequest("adjust", _body(ledger, asset, type="DEBIT", amount="3.00"))
            for _ in range(6)
        ]
        _burst(ledger, c, p, asset, debits)


@pytest.mark.contract("CONC-HOLD-BURST-SERIALIZABLE")
@scenario
def test_simultaneous_holds_and_debits_end_as_some_serial_order(target, ledger):
    c = "CONC-HOLD-BURST-SERIALIZABLE"
    asset = ledger.sandbox.shared_asset("LOT", 2)
    for _ in range(ROUNDS[target.budget]):
        p = ledger.sandbox.participant("hold-burst")
        for amount in ("6.00", "6.00", "3.00"):
            ledger.adjust(c, p, asset, "CREDIT", amount)
        requests = [
            BurstRequest("hold", _body(ledger, asset, amount="4.00", reference_id="h1")),
            BurstRequest("hold", _body(ledger, asset, amount="5.00", reference_id="h2")),
            BurstRequest("hold", _body(ledger, asset, amount="6.00", reference_id="h3")),
            BurstRequest("adjust", _body(ledger, asset, type="DEBIT", amount="3.00")),
            BurstRequest("adjust", _body(ledger, asset, type="DEBIT", amount="4.00")),
        ]
        _burst(ledger, c, p, asset, requests)


@pytest.mark.contract("CONC-REPLAY-BURST-APPLIED-ONCE")
@scenario
def test_simultaneous_replays_of_one_key_apply_once(target, ledger):
    c = "CONC-REPLAY-BURST-APPLIED-ONCE"
    asset = ledger.sandbox.shared_asset("LOT", 2)
    for round_ in range(ROUNDS[target.budget]):
        p = ledger.sandbox.participant("replay-burst")
        ledger.adjust(c, p, asset, "CREDIT", "20.00")
        key = f"{ledger.sandbox.prefix}-burst-{p}-{round_}"
        body = _body(ledger, asset, amount="4.00", reference_id="once", idempotency_key=key)
        _burst(ledger, c, p, asset, [BurstRequest("hold", dict(body)) for _ in range(6)])
