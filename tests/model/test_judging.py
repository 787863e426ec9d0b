"""Turning a target's answers into violations against the model (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from model_timeline import PROG, A, P, at

from scrip_conformance.model import Balance, Outcome, expiration_schedule
from scrip_conformance.model.judge import (
    balance_violations,
    outcome_violations,
    schedule_violations,
)


def test_a_refusal_where_the_model_expects_success_names_the_contract_and_both_sides():
    [v] = outcome_violations(
        "C-1", Outcome(200, amount_processed=D(1)), 422, {"code": "insufficient_balance"}, 2
    )
    assert v.contract_id == "C-1" and v.expected == "200" and v.observed.startswith("422")


def test_the_wrong_error_code_is_a_violation():
    [v] = outcome_violations(
        "C-1",
        Outcome(422, "insufficient_balance"),
        422,
        {"code": "asset_archived", "message": ""},
        2,
    )
    assert (v.expected, v.observed) == ("insufficient_balance", "'asset_archived'")


def test_the_balance_and_lots_processed_of_an_answer_are_compared_by_value():
    expected = Outcome(
        200,
        amount_processed=D(4),
        lots_processed=(("l1", D(4)),),
        balance=Balance(D(6), D(4), D(0)),
    )
    body = {
        "amount_processed": "4.00",
        "lots_processed": [{"id": "l1", "amount": "4.00"}],
        "balance": {"available": "6.00", "held": "4.00", "deferred": "0.00"},
    }
    assert outcome_violations("C", expected, 200, body, 2) == []
    body["balance"]["held"] = "4.01"
    body["lots_processed"][0]["id"] = "l2"
    found = outcome_violations("C", expected, 200, body, 2)
    assert [v.summary for v in found] == [
        "lots_processed differs from the model's (per source lot, oldest first)",
        "balance differs from the model's",
    ]


def test_a_missing_balance_row_is_a_violation():
    [v] = balance_violations("C", Balance(D(1), D(0), D(0)), None, 0)
    assert v.expected == "{'available': '1', 'held': '0', 'deferred': '0'}"


def test_a_schedule_row_is_compared_down_to_every_bucket(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), expires_at=datetime(2026, 6, 3, tzinfo=UTC))
    frm, to = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
    expected = expiration_schedule(model, A, frm, to, at(2))
    row = {
        "buckets": [
            {
                "bucket_start": "2026-06-01T00:00:00Z",
                "bucket_end": "2026-07-01T00:00:00Z",
                "amount": "5.00",
                "lot_count": 1,
            }
        ],
        "never_expiring": "0.00",
        "expiring_before_window": "0.00",
        "expiring_after_window": "0.00",
        "total_outstanding": "5.00",
    }
    assert schedule_violations("S", expected, row) == []
    row["buckets"][0]["lot_count"] = 2
    row["never_expiring"] = "1.00"
    assert [v.summary for v in schedule_violations("S", expected, row)] == [
        "never_expiring differs from the model's",
        "schedule buckets differ from the model's",
    ]
