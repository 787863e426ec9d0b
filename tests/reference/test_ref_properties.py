"""Property tests: random operation sequences on the ledger keep the documented invariants."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrip_conformance import spec_schemas
from scrip_conformance.reference.errors import ApiError
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.store import Store

from .conftest import START, Clock

ORG = "org-p"

amounts = st.integers(min_value=1, max_value=5000).map(lambda n: f"{n // 100}.{n % 100:02d}")
offsets = st.integers(min_value=-3, max_value=400)  # days from now

credit = st.fixed_dictionaries(
    {"op": st.just("credit"), "amount": amounts},
    optional={
        "expires": offsets,
        "matures": st.integers(1, 60),
        "held_ref": st.sampled_from(["r1", "r2"]),
    },
)
debit = st.fixed_dictionaries(
    {"op": st.just("debit"), "amount": amounts, "negative": st.booleans(), "held": st.booleans()}
)
hold = st.fixed_dictionaries(
    {"op": st.just("hold")}, optional={"amount": amounts, "ref": st.sampled_from(["r1", "r2"])}
)
release = st.fixed_dictionaries(
    {"op": st.just("release")}, optional={"amount": amounts, "ref": st.sampled_from(["r1", "r2"])}
)
forfeit = st.fixed_dictionaries(
    {"op": st.just("forfeit"), "bucket": st.sampled_from(["AVAILABLE", "HELD"])},
    optional={"amount": amounts},
)
void = st.fixed_dictionaries({"op": st.just("void"), "ref": st.sampled_from(["r1", "r2"])})
advance = st.fixed_dictionaries({"op": st.just("advance"), "hours": st.integers(1, 24 * 90)})
operations = st.lists(
    st.one_of(credit, debit, hold, release, forfeit, void, advance), min_size=1, max_size=25
)


def world():
    clock = Clock(START)
    ledger = Ledger(Store(":memory:"), {"k": ORG}, clock)
    program = ledger.create_program(ORG, {"name": "P"})[1]["id"]
    asset = ledger.create_asset(
        ORG,
        {
            "program_id": program,
            "name": "Points",
            "symbol": "PTS",
            "inventory_mode": "LOT",
            "issuance_policy": "UNLIMITED",
            "scale": 2,
        },
    )[1]["id"]
    pid = ledger.create_participant(ORG, {"external_id": "p"})[1]["id"]
    return clock, ledger, program, asset, pid


def all_lots(ledger, pid, asset):
    out, cursor = [], None
    while True:
        q = {"asset_id": asset, "limit": 7, **({"cursor": cursor} if cursor else {})}
        status, body = ledger.list_participant_lots(ORG, pid, q)
        assert not spec_schemas.validate_response("listParticipantLots", status, body)
        out += body["data"]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            return out


def balance(ledger, pid, asset):
    status, body = ledger.list_participant_balances(ORG, pid, {"asset_id": asset})
    assert not spec_schemas.validate_response("listParticipantBalances", status, body)
    if not body["data"]:  # no ledger activity yet
        return {"available": Decimal(0), "held": Decimal(0), "deferred": Decimal(0)}
    return {k: Decimal(v) for k, v in body["data"][0].items() if k != "asset_id"}


def apply(ledger, clock, program, asset, pid, step):
    base = {"program_id": program, "asset_id": asset, "description": "prop"}
    fmt = ledger.format_time
    op = step["op"]
    if op == "advance":
        clock.advance(hours=step["hours"])
        return None
    if op == "credit":
        body = {**base, "type": "CREDIT", "amount": step["amount"]}
        if "held_ref" in step:
            body.update(bucket="HELD", reference_id=step["held_ref"])
        elif "matures" in step:
            body["matures_at"] = fmt(clock.current + timedelta(days=step["matures"]))
        if "expires" in step:
            expiry = clock.current + timedelta(days=step["expires"])
            if "matures_at" in body and fmt(expiry) <= body["matures_at"]:
                expiry = clock.current + timedelta(days=step["matures"] + 1)
            body["expires_at"] = fmt(expiry)
        return "adjustParticipantBalance", ledger.adjust, body
    if op == "debit":
        body = {**base, "type": "DEBIT", "amount": step["amount"]}
        if step["held"]:
            body["bucket"] = "HELD"
        elif step["negative"]:
            body["allow_negative"] = True
        return "adjustParticipantBalance", ledger.adjust, body
    body = dict(base)
    if "amount" in step:
        body["amount"] = step["amount"]
    if "ref" in step:
        body["reference_id"] = step["ref"]
    if op == "forfeit":
        body["bucket"] = step["bucket"]
    name = {
        "hold": "holdParticipantBalance",
        "release": "releaseParticipantBalance",
        "forfeit": "forfeitParticipantBalance",
        "void": "voidHoldParticipantBalance",
    }[op]
    method = {
        "hold": ledger.hold,
        "release": ledger.release,
        "forfeit": ledger.forfeit,
        "void": ledger.void_hold,
    }[op]
    return name, method, body


def check_invariants(ledger, pid, asset):
    lots = all_lots(ledger, pid, asset)
    for lot in lots:
        amount, remaining = Decimal(lot["amount"]), Decimal(lot["remaining"])
        assert 0 <= remaining <= amount, lot
        if lot["status"] in ("CONSUMED", "EXPIRED"):
            assert remaining == 0, lot
    keys = [(lot["created_at"], lot["id"]) for lot in lots]
    assert keys == sorted(keys)
    sums = {
        s: sum((Decimal(x["remaining"]) for x in lots if x["status"] == s), Decimal(0))
        for s in ("AVAILABLE", "HELD", "DEFERRED")
    }
    bal = balance(ledger, pid, asset)
    assert bal["held"] == sums["HELD"]
    assert bal["deferred"] == sums["DEFERRED"]
    if bal["available"] >= 0:
        assert bal["available"] == sums["AVAILABLE"]
    else:
        assert sums["AVAILABLE"] == 0
    return lots


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=operations)
def test_random_operations_keep_lot_and_balance_invariants(steps):
    clock, ledger, program, asset, pid = world()
    for step in steps:
        call = apply(ledger, clock, program, asset, pid, step)
        if call is None:
            continue
        name, method, body = call
        before = all_lots(ledger, pid, asset)
        try:
            status, response = method(ORG, pid, body)
        except ApiError as exc:
            assert exc.status in (400, 422), (exc.code, exc.message)
            assert all_lots(ledger, pid, asset) == before  # a refused write changes nothing
            continue
        assert not spec_schemas.validate_response(name, status, response)
        after = check_invariants(ledger, pid, asset)
        if step["op"] == "debit" and not step["held"]:
            check_fifo(before, after)


def check_fifo(before, after):
    """The lots a debit touched are the oldest AVAILABLE ones; all but the last are emptied."""
    old = [lot for lot in before if lot["status"] == "AVAILABLE"]
    new = {lot["id"]: lot for lot in after}
    touched = [
        i
        for i, lot in enumerate(old)
        if Decimal(new[lot["id"]]["remaining"]) < Decimal(lot["remaining"])
    ]
    if not touched:
        return
    assert touched == list(range(len(touched))), "debit skipped an older lot"
    for i in touched[:-1]:
        assert new[old[i]["id"]]["status"] == "CONSUMED"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expiries=st.lists(
        st.one_of(st.none(), st.integers(-10 * 24, 500 * 24)), min_size=0, max_size=30
    ),
    start=st.integers(-30 * 24, 400 * 24),
    length=st.integers(0, 200 * 24),
    granularity=st.sampled_from(["day", "week", "month"]),
    spend=st.integers(0, 3000),
)
def test_schedule_sums_exactly_for_random_windows(expiries, start, length, granularity, spend):
    clock, ledger, program, asset, pid = world()
    base = {"program_id": program, "asset_id": asset, "description": "prop"}
    for i, hours in enumerate(expiries):
        body = {**base, "type": "CREDIT", "amount": f"{i + 1}.{i % 100:02d}"}
        if hours is not None:
            body["expires_at"] = ledger.format_time(
                clock.current + timedelta(hours=hours, seconds=i)
            )
        ledger.adjust(ORG, pid, body)
    if spend:
        try:
            ledger.adjust(ORG, pid, {**base, "type": "DEBIT", "amount": f"{spend / 100:.2f}"})
        except ApiError:
            pass
    clock.advance(hours=1)
    window_from = clock.current + timedelta(hours=start)
    window_to = window_from + timedelta(hours=length)
    q = {
        "from": ledger.format_time(window_from),
        "to": ledger.format_time(window_to),
        "granularity": granularity,
    }
    try:
        status, body = ledger.expiration_schedule(ORG, q)
    except ApiError as exc:
        assert exc.status == 400 and granularity == "day"  # only days can exceed 1000 periods
        return
    assert not spec_schemas.validate_response("getExpirationSchedule", status, body)
    (row,) = body["data"]
    parts = [row["never_expiring"], row["expiring_before_window"], row["expiring_after_window"]]
    parts += [b["amount"] for b in row["buckets"]]
    assert sum(Decimal(p) for p in parts) == Decimal(row["total_outstanding"])
    lots = all_lots(ledger, pid, asset)
    outstanding = sum(
        (Decimal(x["remaining"]) for x in lots if x["status"] in ("AVAILABLE", "HELD", "DEFERRED")),
        Decimal(0),
    )
    assert Decimal(row["total_outstanding"]) == outstanding
    starts = [b["bucket_start"] for b in row["buckets"]]
    assert starts == sorted(starts)
    for prev, nxt in zip(row["buckets"], row["buckets"][1:], strict=False):
        assert prev["bucket_end"] <= nxt["bucket_start"]
    for bucket in row["buckets"]:
        assert bucket["bucket_start"] <= q["to"] and bucket["bucket_end"] > q["from"]
        assert bucket["bucket_start"][11:] == "00:00:00.000000Z"
