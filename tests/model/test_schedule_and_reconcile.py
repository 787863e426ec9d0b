"""Expiration-schedule figures and the matching of a server's lots with the model's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from model_timeline import PROG, A, P, at

from scrip_conformance.model import expiration_schedule, format_amount, reconcile


def _utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_schedule_buckets_and_out_of_window_figures_sum_to_the_total(model):
    now = _utc(2026, 1, 1)
    for amount, expiry in [
        ("1", _utc(2026, 1, 10)),
        ("2", _utc(2026, 1, 31, 23)),
        ("4", _utc(2026, 2, 1)),
        ("8", _utc(2026, 6, 1)),
        ("16", None),
        ("32", _utc(2025, 12, 31, 23, 59, 59)),
    ]:
        model.adjust(P, A, PROG, "CREDIT", amount, now, expires_at=expiry)
    frm, to = _utc(2026, 1, 15), _utc(2026, 2, 1)
    s = expiration_schedule(model, A, frm, to, now=_utc(2025, 12, 1), granularity="month")
    assert [(b.bucket_start, b.bucket_end, b.amount, b.lot_count) for b in s.buckets] == [
        (_utc(2026, 1, 1), _utc(2026, 2, 1), D(2), 1),
        (_utc(2026, 2, 1), _utc(2026, 3, 1), D(4), 1),
    ]
    assert (s.expiring_before_window, s.expiring_after_window, s.never_expiring) == (
        D(33),
        D(8),
        D(16),
    )
    assert s.total_outstanding == D(63)
    assert s.wire_figures()["total_outstanding"] == "63.00"


def test_a_lot_expiring_exactly_on_a_window_edge_is_inside(model):
    edge = _utc(2026, 5, 4)
    model.adjust(P, A, PROG, "CREDIT", "3", _utc(2026, 1, 1), expires_at=edge)
    for window in [(edge, _utc(2026, 5, 9)), (_utc(2026, 5, 1), edge)]:
        s = expiration_schedule(model, A, *window, now=_utc(2026, 1, 2), granularity="week")
        assert [(b.bucket_start, b.amount) for b in s.buckets] == [(edge, D(3))]


def test_weeks_start_on_monday_and_days_at_midnight_utc(model):
    model.adjust(P, A, PROG, "CREDIT", "3", _utc(2026, 1, 1), expires_at=_utc(2026, 5, 7, 13))
    week = expiration_schedule(
        model, A, _utc(2026, 5, 1), _utc(2026, 6, 1), _utc(2026, 1, 2), granularity="week"
    )
    day = expiration_schedule(
        model, A, _utc(2026, 5, 1), _utc(2026, 6, 1), _utc(2026, 1, 2), granularity="day"
    )
    assert week.buckets[0].bucket_start == _utc(2026, 5, 4)
    assert (day.buckets[0].bucket_start, day.buckets[0].bucket_end) == (
        _utc(2026, 5, 7),
        _utc(2026, 5, 8),
    )


def test_consumed_and_expired_lots_are_not_outstanding(model):
    model.adjust(P, A, PROG, "CREDIT", "3", at(1), expires_at=at(5))
    model.adjust(P, A, PROG, "CREDIT", "4", at(2))
    model.adjust(P, A, PROG, "DEBIT", "4", at(10))
    s = expiration_schedule(model, A, at(0), at(100), now=at(11))
    assert s.total_outstanding == D(0) and s.buckets == ()


def _wire(lot, server_id, created_at):
    return {
        "id": server_id,
        "amount": format_amount(lot.amount, 2),
        "remaining": format_amount(lot.remaining, 2),
        "status": lot.status,
        "reference_id": lot.reference_id,
        "expires_at": None,
        "matures_at": None,
        "created_at": created_at,
    }


def test_reconcile_adopts_server_ids_for_credits_and_split_parts(model):
    model.adjust(P, A, PROG, "CREDIT", "10", at(1))
    [lot] = model.lots(P, A, at(2))
    assert reconcile(model, P, A, [_wire(lot, "bbbb", "2026-03-02T12:00:01Z")], at(2)) == []
    assert model.lots(P, A, at(2))[0].id == "bbbb"
    model.hold(P, A, PROG, at(3), amount="4")
    original, part = model.lots(P, A, at(3))
    listing = [
        _wire(part, "aaaa", "2026-03-02T12:00:01Z"),
        _wire(original, "bbbb", "2026-03-02T12:00:01Z"),
    ]
    assert reconcile(model, P, A, listing, at(3)) == []
    assert [lot.id for lot in model.lots(P, A, at(3))] == ["aaaa", "bbbb"]


def test_reconcile_reports_a_wrong_remaining_and_a_wrong_order(model):
    model.adjust(P, A, PROG, "CREDIT", "10", at(1))
    model.adjust(P, A, PROG, "CREDIT", "20", at(2))
    first, second = model.lots(P, A, at(3))
    listing = [
        _wire(second, "s2", "2026-03-02T12:00:02Z"),
        {**_wire(first, "s1", "2026-03-02T12:00:01Z"), "remaining": "9.00"},
    ]
    found = reconcile(model, P, A, listing, at(3))
    assert {(m.field, m.expected, m.observed) for m in found} == {
        ("remaining", "10.00", "'9.00'"),
        ("order", "created_at ascending, ties by id: s1, s2", "s2, s1"),
    }


def test_reconcile_reports_missing_and_unexpected_lots(model):
    model.adjust(P, A, PROG, "CREDIT", "10", at(1))
    found = reconcile(model, P, A, [], at(2))
    assert [m.field for m in found] == ["presence"]
    model2_listing = [
        _wire(model.lots(P, A, at(2))[0], "x1", "2026-03-02T12:00:01Z"),
        {
            "id": "x2",
            "amount": "1.00",
            "remaining": "1.00",
            "status": "AVAILABLE",
            "reference_id": None,
            "expires_at": None,
            "matures_at": None,
            "created_at": "2026-03-02T12:00:01Z",
        },
    ]
    found = reconcile(model, P, A, model2_listing, at(2))
    assert [(m.subject, m.field) for m in found] == [("lot x2", "presence")]
