"""When the model needs the server's lot ids before an operation, and when the operation's answer
names them unambiguously (the quick budget's requests saved on lot reads)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from model_timeline import PROG, A, P, at

from scrip_conformance.model.ledger import PLACEHOLDER_PREFIX


def credit(model, amount, t, **kw):
    return model.adjust(P, A, PROG, "CREDIT", amount, at(t), **kw)


def hold(model, amount, t, **kw):
    return model.hold(P, A, PROG, at(t), amount=amount, **kw)


def ids(model, t=100):
    return [lot.id for lot in model.lots(P, A, at(t))]


def test_no_read_is_needed_while_the_operation_takes_only_lots_with_server_ids(model):
    credit(model, "10.00", 1)
    model.rebind(P, A, {ids(model)[0]: "server-1"})
    credit(model, "5.00", 2)  # a new credit, still a placeholder, after the known lot
    assert not model.lots_to_read(P, A, at(3), "hold", amount="4.00")
    assert not model.lots_to_read(P, A, at(3), "release", amount="1.00")  # nothing held


def test_a_new_credit_taken_first_and_unlike_the_others_is_named_by_the_answer(model):
    credit(model, "10.00", 1)
    credit(model, "5.00", 2)
    assert not model.lots_to_read(P, A, at(3), "hold", amount="12.00")


def test_new_credits_alike_or_selected_by_time_need_the_read(model):
    credit(model, "6.00", 1)
    credit(model, "6.00", 2)  # the answer could not tell the two apart
    assert model.lots_to_read(P, A, at(3), "hold", amount="4.00")
    assert model.lots_to_read(P, A, at(3), "hold", amount="20.00", earned_to=at(1))


def test_a_new_credit_not_later_than_a_known_lot_needs_the_read(model):
    credit(model, "10.00", 1)
    credit(model, "5.00", 2)
    first, second = ids(model)
    # the server stamped the known lot later than the client's clock says the new one was
    model.rebind(P, A, {first: "server-1"}, {first: at(5)})
    assert model.lots_to_read(P, A, at(6), "hold", amount="12.00")


def test_the_answer_gives_the_new_lots_their_server_ids(model):
    credit(model, "10.00", 1)
    credit(model, "5.00", 2)
    expected = hold(model, "12.00", 3)
    answer = {
        "lots_processed": [{"id": "srv-a", "amount": "10.00"}, {"id": "srv-b", "amount": "2.00"}]
    }
    adopted = model.adopt_processed(P, A, expected, answer)
    assert adopted.lots_processed == (("srv-a", D("10.00")), ("srv-b", D("2.00")))
    assert {"srv-a", "srv-b"} <= set(ids(model))


def test_an_answer_that_differs_adopts_nothing_and_leaves_the_difference_to_the_judge(model):
    credit(model, "10.00", 1)
    credit(model, "5.00", 2)
    expected = hold(model, "12.00", 3)
    before = ids(model)
    for rows in (
        [{"id": "srv-b", "amount": "5.00"}, {"id": "srv-a", "amount": "7.00"}],  # newest first
        [{"id": "srv-a", "amount": "12.00"}],
    ):
        assert model.adopt_processed(P, A, expected, {"lots_processed": rows}) is expected
    assert ids(model) == before and all(i.startswith(PLACEHOLDER_PREFIX) for i in before)


def test_an_operation_refused_whatever_the_lots_needs_no_read(model):
    credit(model, "6.00", 1)
    credit(model, "6.00", 2)  # alike: a hold that could take them would need the read
    model.set_participant_status(P, "SUSPENDED")
    assert not model.lots_to_read(P, A, at(3), "hold", amount="4.00")
    model.set_participant_status(P, "ACTIVE")
    model.archive_asset(A)
    assert not model.lots_to_read(P, A, at(3), "hold", amount="4.00")


def test_a_replay_of_a_keyed_operation_expects_the_ids_its_first_answer_named(model):
    credit(model, "10.00", 1)
    assert not model.lots_to_read(P, A, at(2), "hold", amount="4.00")
    assert not model.knows_key(PROG, "k1")  # a new key: the lots decide, as without one
    first = hold(model, "4.00", 2, idempotency_key="k1")
    [(placeholder, _)] = first.lots_processed
    answer = {"lots_processed": [{"id": "server-1", "amount": "4.00"}]}
    adopted = model.adopt_processed(P, A, first, answer)
    assert adopted.lots_processed == (("server-1", D("4.00")),)
    assert model.knows_key(PROG, "k1")  # answered from the first outcome: no read needed
    again = hold(model, "4.0", 3, idempotency_key="k1")
    assert again.replayed and again.lots_processed == (("server-1", D("4.00")),)
    assert hold(model, "5.00", 3, idempotency_key="k1").status == 409


def test_only_a_lot_that_may_expire_or_mature_before_the_operation_needs_the_read(model):
    credit(model, "6.00", 1, expires_at=at(1) + timedelta(days=365 * 60))  # decades ahead
    assert not model.lots_to_read(P, A, at(2), "hold", amount="4.00")
    credit(model, "3.00", 3, expires_at=at(3) + timedelta(hours=1))  # may expire meanwhile
    assert model.lots_to_read(P, A, at(4), "hold", amount="8.00")
