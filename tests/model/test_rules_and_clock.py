"""Amount rules, asset rules, idempotency, SIMPLE assets and the clock (D-CLOCK) in the model."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from model_timeline import PROG, A, P, at

from scrip_conformance.model import AmountError, Balance, format_amount, parse_amount

S = "asset-simple"


@pytest.mark.parametrize(
    ("text", "scale", "code"),
    [
        ("1.000", 2, "invalid_scale"),
        ("1.5", 0, "invalid_scale"),
        ("0", 2, "validation_error"),
        ("-1", 2, "validation_error"),
        ("1e2", 2, "validation_error"),
        ("", 2, "validation_error"),
    ],
)
def test_request_amounts_outside_d_amount_in_are_refused_with_their_code(text, scale, code):
    with pytest.raises(AmountError) as info:
        parse_amount(text, scale)
    assert info.value.code == code


def test_amounts_are_rendered_at_exactly_the_asset_scale():
    assert format_amount(D("850"), 2) == "850.00"
    assert format_amount(D("-0.5"), 2) == "-0.50"
    assert format_amount(D("7"), 0) == "7"


def test_a_credit_with_too_many_fraction_digits_is_invalid_scale(model):
    assert model.adjust(P, "asset-lot0", PROG, "CREDIT", "1.0", at(1)).code == "invalid_scale"
    assert model.lots(P, "asset-lot0", at(2)) == []


def test_an_amount_above_the_ceiling_is_refused_and_one_at_it_accepted(model):
    model.set_max_transaction_amount(A, "100.00")
    assert model.adjust(P, A, PROG, "CREDIT", "100.01", at(1)).code == (
        "max_transaction_amount_exceeded"
    )
    assert model.adjust(P, A, PROG, "CREDIT", "100", at(2)).ok


def test_every_write_to_an_archived_asset_is_refused(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1))
    model.archive_asset(A)
    assert model.adjust(P, A, PROG, "CREDIT", "5", at(2)).code == "asset_archived"
    assert model.hold(P, A, PROG, at(2), amount="1").code == "asset_archived"
    assert model.balance(P, A, at(3)) == Balance(D(5), D(0), D(0))


def test_an_inactive_participant_cannot_adjust_but_a_closed_one_can_forfeit(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1))
    model.set_participant_status(P, "CLOSED")
    assert model.adjust(P, A, PROG, "CREDIT", "5", at(2)).code == "participant_inactive"
    assert model.forfeit(P, A, PROG, at(2), bucket="AVAILABLE").amount_processed == D(5)


def test_an_idempotent_replay_returns_the_original_outcome_and_applies_nothing(model):
    first = model.adjust(P, A, PROG, "CREDIT", "5", at(1), idempotency_key="k")
    replay = model.adjust(P, A, PROG, "CREDIT", "5.00", at(2), idempotency_key="k")
    assert replay.replayed and replay.balance == first.balance == Balance(D(5), D(0), D(0))
    assert len(model.lots(P, A, at(3))) == 1


def test_a_reused_key_with_another_payload_is_a_conflict_and_applies_nothing(model):
    model.hold(P, A, PROG, at(0), amount="1", idempotency_key="k")  # refused: not stored
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), idempotency_key="k")
    outcome = model.adjust(P, A, PROG, "CREDIT", "6", at(2), idempotency_key="k")
    assert (outcome.status, outcome.code) == (409, "idempotency_conflict")
    assert model.balance(P, A, at(3)).available == D(5)


def test_idempotency_keys_are_scoped_to_the_program(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), idempotency_key="k")
    assert not model.adjust(P, A, "program-2", "CREDIT", "6", at(2), idempotency_key="k").replayed
    assert model.balance(P, A, at(3)).available == D(11)


def test_a_simple_asset_keeps_plain_figures_and_refuses_lot_filters(model):
    model.adjust(P, S, PROG, "CREDIT", "10", at(1))
    assert model.hold(P, S, PROG, at(2), amount="4").balance == Balance(D(6), D(4), D(0))
    assert model.hold(P, S, PROG, at(2), lot_ids=["x"]).code == "validation_error"
    model.adjust(P, S, PROG, "DEBIT", "8", at(3), allow_negative=True)
    assert model.release(P, S, PROG, at(4)).balance == Balance(D(2), D(0), D(0))
    assert model.lots(P, S, at(5)) == []


def test_a_lot_maturing_in_the_future_is_deferred_until_its_maturity(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), matures_at=at(10))
    assert model.balance(P, A, at(9.999)) == Balance(D(0), D(0), D(5))
    assert model.lots(P, A, at(10))[0].status == "AVAILABLE"
    assert model.balance(P, A, at(10)) == Balance(D(5), D(0), D(0))


def test_a_deferred_lot_is_not_spendable(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), matures_at=at(10))
    assert model.adjust(P, A, PROG, "DEBIT", "1", at(2)).code == "insufficient_balance"


def test_a_lot_expires_strictly_after_its_expiry_instant(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), expires_at=at(10))
    assert model.lots(P, A, at(10))[0].status == "AVAILABLE"
    later = model.lots(P, A, at(10) + timedelta(microseconds=1))[0]
    assert (later.status, later.remaining) == ("EXPIRED", D(0))


def test_held_and_deferred_lots_expire_too(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), expires_at=at(10), bucket="HELD")
    model.adjust(P, A, PROG, "CREDIT", "7", at(2), matures_at=at(20), expires_at=at(30))
    model.balance(P, A, at(11))
    assert model.balance(P, A, at(31)) == Balance(D(0), D(0), D(0))
    assert [lot.status for lot in model.lots(P, A, at(31))] == ["EXPIRED", "EXPIRED"]


def test_a_maturity_settles_an_overdraft_before_a_later_expiry(model):
    model.adjust(P, A, PROG, "CREDIT", "5", at(1), matures_at=at(10), expires_at=at(20))
    model.adjust(P, A, PROG, "DEBIT", "3", at(2), allow_negative=True)
    lot = model.lots(P, A, at(25))[0]
    assert (lot.status, lot.remaining) == ("EXPIRED", D(0))
    assert model.balance(P, A, at(25)) == Balance(D(0), D(0), D(0))


def test_extension_fields_outside_lot_credits_are_validation_errors(model):
    assert model.adjust(P, A, PROG, "DEBIT", "1", at(1), expires_at=at(5)).code == (
        "validation_error"
    )
    assert model.adjust(P, A, PROG, "CREDIT", "1", at(1), reference_id="r").code == (
        "validation_error"
    )
    assert (
        model.adjust(P, A, PROG, "CREDIT", "1", at(1), matures_at=at(9), expires_at=at(9)).code
        == "validation_error"
    )
