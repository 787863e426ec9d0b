"""The model's predictions for credits, debits, holds, releases, forfeits and void-holds."""

from __future__ import annotations

from decimal import Decimal as D

from model_timeline import PROG, A, P, at

from scrip_conformance.model import Balance


def credit(model, amount, t, **kw):
    return model.adjust(P, A, PROG, "CREDIT", amount, at(t), **kw)


def debit(model, amount, t, **kw):
    return model.adjust(P, A, PROG, "DEBIT", amount, at(t), **kw)


def shape(model, t=100):
    return [
        (lot.status, lot.amount, lot.remaining, lot.reference_id) for lot in model.lots(P, A, at(t))
    ]


def test_a_credit_creates_one_available_lot_with_remaining_equal_to_amount(model):
    outcome = credit(model, "10.50", 1)
    assert outcome.ok and outcome.balance == Balance(D("10.50"), D(0), D(0))
    assert shape(model) == [("AVAILABLE", D("10.50"), D("10.50"), None)]


def test_a_debit_consumes_the_oldest_lot_first(model):
    credit(model, "10", 1)
    credit(model, "20", 2)
    debit(model, "15", 3)
    assert shape(model) == [
        ("CONSUMED", D(10), D(0), None),
        ("AVAILABLE", D(20), D(15), None),
    ]


def test_a_debit_larger_than_available_is_refused_and_changes_nothing(model):
    credit(model, "10", 1)
    outcome = debit(model, "10.01", 2)
    assert (outcome.status, outcome.code) == (422, "insufficient_balance")
    assert shape(model) == [("AVAILABLE", D(10), D(10), None)]


def test_an_overdraft_consumes_every_lot_and_goes_negative(model):
    credit(model, "10", 1)
    outcome = debit(model, "25", 2, allow_negative=True)
    assert outcome.balance == Balance(D(-15), D(0), D(0))
    assert shape(model) == [("CONSUMED", D(10), D(0), None)]


def test_a_later_credit_settles_the_overdraft_first(model):
    debit(model, "15", 1, allow_negative=True)
    outcome = credit(model, "20", 2)
    assert outcome.balance == Balance(D(5), D(0), D(0))
    assert shape(model) == [("AVAILABLE", D(20), D(5), None)]


def test_a_credit_smaller_than_the_overdraft_is_consumed_at_once(model):
    debit(model, "15", 1, allow_negative=True)
    credit(model, "5", 2)
    assert model.balance(P, A, at(3)) == Balance(D(-10), D(0), D(0))
    assert shape(model) == [("CONSUMED", D(5), D(0), None)]


def test_allow_negative_with_a_credit_or_the_held_bucket_is_a_validation_error(model):
    assert credit(model, "1", 1, allow_negative=True).code == "validation_error"
    assert debit(model, "1", 1, allow_negative=True, bucket="HELD").code == "validation_error"


def test_a_partial_hold_splits_the_lot_and_the_original_keeps_the_rest(model):
    credit(model, "10", 1)
    [original] = model.lots(P, A, at(2))
    outcome = model.hold(P, A, PROG, at(2), amount="4", reference_id="r1")
    assert outcome.lots_processed == ((original.id, D(4)),)
    lots = model.lots(P, A, at(3))
    assert [(lot.id == original.id, lot.status, lot.amount, lot.remaining) for lot in lots] == [
        (True, "AVAILABLE", D(10), D(6)),
        (False, "HELD", D(4), D(4)),
    ]
    assert lots[1].reference_id == "r1" and lots[1].created_at == lots[0].created_at
    assert outcome.balance == Balance(D(6), D(4), D(0))


def test_a_hold_takes_whole_lots_in_place_oldest_first(model):
    credit(model, "3", 1)
    credit(model, "5", 2)
    model.hold(P, A, PROG, at(3), amount="5", reference_id="r")
    assert shape(model) == [
        ("HELD", D(3), D(3), "r"),
        ("AVAILABLE", D(5), D(3), None),
        ("HELD", D(2), D(2), "r"),
    ]


def test_a_hold_without_amount_holds_every_selected_lot(model):
    credit(model, "3", 1)
    credit(model, "5", 2)
    outcome = model.hold(P, A, PROG, at(3))
    assert outcome.amount_processed == D(8)
    assert [s for s, *_ in shape(model)] == ["HELD", "HELD"]


def test_a_hold_selects_lots_by_id_and_by_inclusive_earned_bounds(model):
    for t in (1, 2, 3):
        credit(model, str(t), t)
    lots = model.lots(P, A, at(4))
    model.hold(P, A, PROG, at(4), lot_ids=[lots[2].id])
    model.hold(P, A, PROG, at(5), earned_from=at(1), earned_to=at(1))
    assert [s for s, *_ in shape(model)] == ["HELD", "AVAILABLE", "HELD"]


def test_a_hold_larger_than_the_selection_is_insufficient(model):
    credit(model, "3", 1)
    credit(model, "5", 2)
    first = model.lots(P, A, at(3))[0].id
    outcome = model.hold(P, A, PROG, at(3), amount="4", lot_ids=[first])
    assert outcome.code == "insufficient_balance"


def test_release_by_reference_leaves_other_holds_and_clears_the_reference(model):
    credit(model, "10", 1)
    model.hold(P, A, PROG, at(2), amount="2", reference_id="a")
    model.hold(P, A, PROG, at(3), amount="3", reference_id="b")
    outcome = model.release(P, A, PROG, at(4), reference_id="a")
    assert outcome.amount_processed == D(2)
    assert sorted(shape(model), key=str) == sorted(
        [
            ("AVAILABLE", D(10), D(5), None),
            ("AVAILABLE", D(2), D(2), None),
            ("HELD", D(3), D(3), "b"),
        ],
        key=str,
    )


def test_release_by_amount_splits_the_oldest_held_lot(model):
    credit(model, "10", 1)
    model.hold(P, A, PROG, at(2), reference_id="r")
    model.release(P, A, PROG, at(3), amount="4")
    assert shape(model) == [("HELD", D(10), D(6), "r"), ("AVAILABLE", D(4), D(4), None)]


def test_release_of_more_than_is_held_is_insufficient_and_release_of_nothing_is_zero(model):
    credit(model, "10", 1)
    assert model.release(P, A, PROG, at(2), amount="1").code == "insufficient_balance"
    empty = model.release(P, A, PROG, at(2))
    assert empty.ok and empty.amount_processed == D(0) and empty.lots_processed == ()


def test_released_value_settles_an_overdraft_first(model):
    credit(model, "10", 1)
    model.hold(P, A, PROG, at(2), amount="10")
    debit(model, "4", 3, allow_negative=True)
    outcome = model.release(P, A, PROG, at(4))
    assert outcome.balance == Balance(D(6), D(0), D(0))
    assert shape(model) == [("AVAILABLE", D(10), D(6), None)]


def test_forfeit_reduces_lots_without_splitting_and_consumes_at_zero(model):
    credit(model, "10", 1)
    credit(model, "5", 2)
    outcome = model.forfeit(P, A, PROG, at(3), bucket="AVAILABLE", amount="12")
    assert outcome.balance == Balance(D(3), D(0), D(0))
    assert shape(model) == [("CONSUMED", D(10), D(0), None), ("AVAILABLE", D(5), D(3), None)]


def test_forfeit_from_held_by_reference(model):
    credit(model, "10", 1)
    model.hold(P, A, PROG, at(2), amount="4", reference_id="x")
    model.forfeit(P, A, PROG, at(3), bucket="HELD", reference_id="x", amount="1")
    assert model.balance(P, A, at(4)) == Balance(D(6), D(3), D(0))


def test_forfeit_without_a_bucket_is_a_validation_error(model):
    assert model.forfeit(P, A, PROG, at(1), bucket=None).code == "validation_error"


def test_void_hold_cancels_only_lots_credited_straight_into_held(model):
    credit(model, "7", 1, bucket="HELD", reference_id="auth")
    credit(model, "10", 2)
    model.hold(P, A, PROG, at(3), amount="2", reference_id="auth")
    outcome = model.void_hold(P, A, PROG, at(4), reference_id="auth")
    assert outcome.amount_processed == D(7)
    assert shape(model) == [
        ("CONSUMED", D(7), D(0), "auth"),
        ("AVAILABLE", D(10), D(8), None),
        ("HELD", D(2), D(2), "auth"),
    ]


def test_void_hold_needs_a_reference_and_a_lot_asset(model):
    assert model.void_hold(P, A, PROG, at(1), reference_id=None).code == "validation_error"
    outcome = model.void_hold(P, "asset-simple", PROG, at(1), reference_id="r")
    assert outcome.code == "validation_error"


def test_a_credit_into_held_counts_as_held(model):
    outcome = credit(model, "7", 1, bucket="HELD")
    assert outcome.balance == Balance(D(0), D(7), D(0))


def test_a_debit_from_held_consumes_held_lots_oldest_first(model):
    credit(model, "3", 1, bucket="HELD")
    credit(model, "4", 2, bucket="HELD")
    debit(model, "5", 3, bucket="HELD")
    assert shape(model) == [("CONSUMED", D(3), D(0), None), ("HELD", D(4), D(2), None)]
