"""Lot lifecycle of the reference server: D-LOT-CREDIT, D-ORDER, D-LOT-SPLIT, D-LOT-FINAL,
D-CLOCK, D-OVERDRAFT, D-BALANCE, holds, releases, forfeits, void-holds and idempotency."""

from __future__ import annotations

from .conftest import KEY_B


def amounts(lots, field="remaining"):
    return [lot[field] for lot in lots]


def test_each_credit_creates_one_lot_with_remaining_equal_to_amount(api, world):
    for amount in ("10.00", "2.5", "7"):
        r = api.adjust(world["pid"], world, amount)
        assert r.status_code == 200
    lots = api.lots(world["pid"], world["asset"])
    assert amounts(lots, "amount") == ["10.00", "2.50", "7.00"]
    assert amounts(lots) == ["10.00", "2.50", "7.00"]
    assert {lot["status"] for lot in lots} == {"AVAILABLE"}


def test_created_at_strictly_increases_even_when_the_clock_stands_still(api, world):
    for _ in range(5):
        api.adjust(world["pid"], world, "1")
    stamps = [lot["created_at"] for lot in api.lots(world["pid"], world["asset"])]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5


def test_debit_consumes_oldest_lots_first_and_lowers_without_splitting(api, world):
    for amount in ("10", "20", "30"):
        api.adjust(world["pid"], world, amount)
    r = api.adjust(world["pid"], world, "25", "DEBIT")
    assert r.status_code == 200
    assert r.json()["balance"] == {"available": "35.00", "deferred": "0.00", "held": "0.00"}
    lots = api.lots(world["pid"], world["asset"])
    assert [(lot["status"], lot["remaining"]) for lot in lots] == [
        ("CONSUMED", "0.00"),
        ("AVAILABLE", "5.00"),
        ("AVAILABLE", "30.00"),
    ]


def test_debit_larger_than_the_bucket_is_422_and_changes_nothing(api, world):
    api.adjust(world["pid"], world, "10")
    r = api.adjust(world["pid"], world, "10.01", "DEBIT")
    assert r.status_code == 422 and r.json()["code"] == "insufficient_balance"
    assert amounts(api.lots(world["pid"], world["asset"])) == ["10.00"]


def test_partial_hold_splits_the_lot_and_stamps_the_reference(api, world):
    api.adjust(world["pid"], world, "10", expires_at="2027-01-01T00:00:00Z")
    api.adjust(world["pid"], world, "10")
    r = api.op("hold", world["pid"], world, amount="15", reference_id="order-1")
    assert r.status_code == 200
    body = r.json()
    assert body["amount_processed"] == "15.00" and body["operation"] == "HOLD"
    first, second = api.lots(world["pid"], world["asset"], status="AVAILABLE")[0], None
    held = api.lots(world["pid"], world["asset"], status="HELD")
    assert [lot["remaining"] for lot in held] == ["10.00", "5.00"]
    assert {lot["reference_id"] for lot in held} == {"order-1"}
    assert [p["amount"] for p in body["lots_processed"]] == ["10.00", "5.00"]
    # the split keeps the original's id as AVAILABLE with the rest; the new lot copies its dates
    split = held[1]
    assert first["remaining"] == "5.00" and split["id"] != first["id"]
    assert split["created_at"] == first["created_at"] and split["amount"] == "5.00"
    assert held[0]["expires_at"].startswith("2027-01-01")
    assert body["balance"] == {"available": "5.00", "deferred": "0.00", "held": "15.00"}
    del second


def test_hold_without_amount_takes_everything_selected(api, world, clock):
    api.adjust(world["pid"], world, "3")
    clock.advance(hours=1)
    api.adjust(world["pid"], world, "4")
    early = api.lots(world["pid"], world["asset"])[0]["created_at"]
    r = api.op("hold", world["pid"], world, earned_to=early)
    assert r.json()["amount_processed"] == "3.00"
    r = api.op("hold", world["pid"], world, amount="5")
    assert r.status_code == 422 and r.json()["code"] == "insufficient_balance"


def test_release_by_reference_returns_value_and_clears_the_reference(api, world):
    api.adjust(world["pid"], world, "10")
    api.op("hold", world["pid"], world, amount="6", reference_id="a")
    api.op("hold", world["pid"], world, amount="4", reference_id="b")
    r = api.op("release", world["pid"], world, reference_id="a", amount="2")
    assert r.status_code == 200 and r.json()["amount_processed"] == "2.00"
    lots = api.lots(world["pid"], world["asset"])
    held = [(lot["remaining"], lot["reference_id"]) for lot in lots if lot["status"] == "HELD"]
    assert sorted(held) == [("4.00", "a"), ("4.00", "b")]
    assert api.balance(world["pid"], world["asset"])["available"] == "2.00"
    released = [lot for lot in lots if lot["status"] == "AVAILABLE"]
    assert released and all(lot["reference_id"] is None for lot in released)
    r = api.op("release", world["pid"], world)
    assert r.json()["amount_processed"] == "8.00"
    assert api.balance(world["pid"], world["asset"])["held"] == "0.00"
    r = api.op("release", world["pid"], world)
    assert r.json()["amount_processed"] == "0.00" and r.json()["journal_entry_id"] is None
    r = api.op("release", world["pid"], world, amount="1")
    assert r.status_code == 422


def test_forfeit_needs_a_bucket_and_reduces_without_splitting(api, world):
    api.adjust(world["pid"], world, "10")
    assert api.op("forfeit", world["pid"], world, amount="1").status_code == 400
    r = api.op("forfeit", world["pid"], world, bucket="AVAILABLE", amount="4")
    assert r.status_code == 200
    lots = api.lots(world["pid"], world["asset"])
    assert [(lot["amount"], lot["remaining"]) for lot in lots] == [("10.00", "6.00")]
    r = api.op("forfeit", world["pid"], world, bucket="AVAILABLE")
    assert r.json()["amount_processed"] == "6.00"
    assert api.lots(world["pid"], world["asset"])[0]["status"] == "CONSUMED"


def test_void_hold_cancels_only_provisional_held_lots(api, world):
    api.adjust(world["pid"], world, "10")
    api.op("hold", world["pid"], world, amount="3", reference_id="r1")
    api.adjust(world["pid"], world, "5", bucket="HELD", reference_id="r1")
    r = api.op("void-hold", world["pid"], world, reference_id="r1")
    assert r.status_code == 200 and r.json()["amount_processed"] == "5.00"
    assert api.balance(world["pid"], world["asset"])["held"] == "3.00"
    statuses = sorted(lot["status"] for lot in api.lots(world["pid"], world["asset"]))
    assert statuses == ["AVAILABLE", "CONSUMED", "HELD"]
    assert api.op("void-hold", world["pid"], world).status_code == 400
    assert (
        api.op("void-hold", world["pid"], world, reference_id="r1", amount="1").status_code == 400
    )
    r = api.op("void-hold", world["pid"], world, reference_id="nothing")
    assert r.status_code == 200 and r.json()["amount_processed"] == "0.00"


def test_deferred_lot_matures_with_the_clock(api, world, clock):
    matures = "2026-03-11T12:00:00Z"
    r = api.adjust(world["pid"], world, "8", matures_at=matures)
    assert r.json()["balance"] == {"available": "0.00", "deferred": "8.00", "held": "0.00"}
    assert api.lots(world["pid"], world["asset"])[0]["status"] == "DEFERRED"
    assert api.adjust(world["pid"], world, "1", "DEBIT").status_code == 422
    clock.advance(days=1)  # exactly matures_at: AVAILABLE
    assert api.lots(world["pid"], world["asset"])[0]["status"] == "AVAILABLE"
    assert api.adjust(world["pid"], world, "1", "DEBIT").status_code == 200


def test_lots_expire_strictly_after_expires_at_and_spending_skips_them(api, world, clock):
    api.adjust(world["pid"], world, "5", expires_at="2026-03-10T13:00:00Z")
    api.adjust(world["pid"], world, "7")
    api.op("hold", world["pid"], world, amount="2", reference_id="h")
    clock.advance(hours=1)  # now == expires_at: still valid
    lots = api.lots(world["pid"], world["asset"])
    assert sorted(lot["status"] for lot in lots[:2]) == ["AVAILABLE", "HELD"]
    clock.advance(microseconds=1)
    lots = api.lots(world["pid"], world["asset"])
    # the held part expires too (D-LOT-FINAL)
    assert [(lot["status"], lot["remaining"]) for lot in lots] == [
        ("EXPIRED", "0.00"),
        ("EXPIRED", "0.00"),
        ("AVAILABLE", "7.00"),
    ]
    assert api.balance(world["pid"], world["asset"])["held"] == "0.00"
    assert api.balance(world["pid"], world["asset"])["available"] == "7.00"
    r = api.adjust(world["pid"], world, "7.01", "DEBIT")
    assert r.status_code == 422


def test_overdraft_goes_negative_and_the_next_credit_settles_it(api, world):
    api.adjust(world["pid"], world, "10")
    r = api.adjust(world["pid"], world, "15", "DEBIT", allow_negative=True)
    assert r.json()["balance"]["available"] == "-5.00"
    assert api.lots(world["pid"], world["asset"], status="AVAILABLE") == []
    r = api.adjust(world["pid"], world, "8")
    assert r.json()["balance"]["available"] == "3.00"
    lots = api.lots(world["pid"], world["asset"])
    assert [(lot["status"], lot["remaining"]) for lot in lots] == [
        ("CONSUMED", "0.00"),
        ("AVAILABLE", "3.00"),
    ]


def test_overdraft_is_settled_by_a_maturity_and_by_a_release(api, world, clock):
    api.adjust(world["pid"], world, "4")
    api.op("hold", world["pid"], world, amount="4", reference_id="h")
    api.adjust(world["pid"], world, "6", matures_at="2026-03-10T14:00:00Z")
    api.adjust(world["pid"], world, "5", "DEBIT", allow_negative=True)
    assert api.balance(world["pid"], world["asset"])["available"] == "-5.00"
    clock.advance(hours=3)
    bal = api.balance(world["pid"], world["asset"])
    assert bal == {
        "asset_id": world["asset"],
        "available": "1.00",
        "deferred": "0.00",
        "held": "4.00",
    }
    api.adjust(world["pid"], world, "3", "DEBIT", allow_negative=True)
    api.op("release", world["pid"], world, reference_id="h")
    assert api.balance(world["pid"], world["asset"])["available"] == "2.00"
    available = api.lots(world["pid"], world["asset"], status="AVAILABLE")
    assert [lot["remaining"] for lot in available] == ["2.00"]


def test_allow_negative_is_refused_with_credit_or_held(api, world):
    assert api.adjust(world["pid"], world, "1", allow_negative=True).status_code == 400
    r = api.adjust(world["pid"], world, "1", "DEBIT", allow_negative=True, bucket="HELD")
    assert r.status_code == 400


def test_extension_fields_are_validated(api, world):
    pid = world["pid"]
    assert (
        api.adjust(pid, world, "1", "DEBIT", expires_at="2027-01-01T00:00:00Z").status_code == 400
    )
    assert api.adjust(pid, world, "1", reference_id="x").status_code == 400
    assert (
        api.adjust(pid, world, "1", bucket="HELD", matures_at="2027-01-01T00:00:00Z").status_code
        == 400
    )
    assert (
        api.adjust(
            pid, world, "1", matures_at="2027-01-01T00:00:00Z", expires_at="2027-01-01T00:00:00Z"
        ).status_code
        == 400
    )


def test_archived_asset_and_inactive_participant_and_ceiling_give_422(api, world):
    pid = world["pid"]
    api.patch(f"/v1/assets/{world['asset']}", {"max_transaction_amount": "50"})
    r = api.adjust(pid, world, "50.01")
    assert r.status_code == 422 and r.json()["code"] == "max_transaction_amount_exceeded"
    assert api.adjust(pid, world, "50").status_code == 200
    api.post("/v1/participants", {"external_id": "user-1", "status": "CLOSED"})
    r = api.adjust(pid, world, "1")
    assert r.status_code == 422 and r.json()["code"] == "participant_inactive"
    assert api.op("forfeit", pid, world, bucket="AVAILABLE", amount="1").status_code == 200
    api.patch(f"/v1/assets/{world['asset']}", {"status": "ARCHIVED"})
    r = api.op("forfeit", pid, world, bucket="AVAILABLE", amount="1")
    assert r.status_code == 422 and r.json()["code"] == "asset_archived"


def test_asset_must_be_linked_to_the_program(api, world):
    other = api.program("Other")
    r = api.adjust(world["pid"], {**world, "program": other["id"]}, "1")
    assert r.status_code == 404


def test_idempotent_replay_returns_the_original_and_applies_nothing(api, world):
    api.adjust(world["pid"], world, "10")
    first = api.op("hold", world["pid"], world, amount="4.0", idempotency_key="k1")
    again = api.op("hold", world["pid"], world, amount="4.00", idempotency_key="k1")
    assert again.status_code == 200 and again.json() == first.json()
    assert api.balance(world["pid"], world["asset"])["held"] == "4.00"
    r = api.op("hold", world["pid"], world, amount="5", idempotency_key="k1")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    r = api.op("release", world["pid"], world, amount="4", idempotency_key="k1")
    assert r.status_code == 409
    assert api.balance(world["pid"], world["asset"])["held"] == "4.00"
    # keys are scoped to the organization and program
    other = api.program("Other")
    api.post(f"/v1/programs/{other['id']}/assets", {"asset_id": world["asset"]})
    r = api.op(
        "hold", world["pid"], {**world, "program": other["id"]}, amount="1", idempotency_key="k1"
    )
    assert r.status_code == 200 and r.json()["amount_processed"] == "1.00"


def test_adjust_replay_with_the_extension_key(api, world):
    a = api.adjust(world["pid"], world, "3", idempotency_key="adj")
    b = api.adjust(world["pid"], world, "3", idempotency_key="adj")
    assert a.json() == b.json()
    assert len(api.lots(world["pid"], world["asset"])) == 1


def test_lots_list_filters_and_errors(api, world, clock):
    pid = world["pid"]
    api.adjust(pid, world, "1", expires_at="2026-06-01T00:00:00Z")
    api.adjust(pid, world, "2", expires_at="2026-07-01T00:00:00Z")
    api.adjust(pid, world, "3")
    got = api.lots(pid, world["asset"], expires_before="2026-07-01T00:00:00Z")
    assert amounts(got, "amount") == ["1.00"]
    got = api.lots(pid, world["asset"], expires_after="2026-06-01T00:00:00Z")
    assert amounts(got, "amount") == ["2.00"]
    simple = api.asset(world["program"], "CASH", mode="SIMPLE")
    r = api.get(f"/v1/participants/{pid}/balances/lots", params={"asset_id": simple["id"]})
    assert r.status_code == 400
    assert api.get(f"/v1/participants/{pid}/balances/lots").status_code == 400
    r = api.as_key(KEY_B).get(
        f"/v1/participants/{pid}/balances/lots", params={"asset_id": world["asset"]}
    )
    assert r.status_code == 404


def test_pages_stay_stable_while_lots_are_inserted(api, world):
    pid = world["pid"]
    for i in range(5):
        api.adjust(pid, world, str(i + 1))
    r = api.get(
        f"/v1/participants/{pid}/balances/lots", params={"asset_id": world["asset"], "limit": 2}
    )
    page1 = r.json()
    for _ in range(3):
        api.adjust(pid, world, "9")
    seen = [lot["id"] for lot in page1["data"]]
    cursor = page1["pagination"]["next_cursor"]
    while cursor:
        r = api.get(
            f"/v1/participants/{pid}/balances/lots",
            params={"asset_id": world["asset"], "limit": 2, "cursor": cursor},
        )
        seen += [lot["id"] for lot in r.json()["data"]]
        cursor = r.json()["pagination"]["next_cursor"]
    assert len(seen) == len(set(seen)) == 8


def test_cursors_are_bound_to_their_list_and_filters(api, world):
    pid = world["pid"]
    for _ in range(3):
        api.adjust(pid, world, "1")
    base = f"/v1/participants/{pid}/balances/lots"
    cursor = api.get(base, params={"asset_id": world["asset"], "limit": 1}).json()["pagination"][
        "next_cursor"
    ]
    for params, path in [
        ({"asset_id": world["asset"], "status": "AVAILABLE"}, base),
        ({}, "/v1/programs"),
        ({"asset_id": world["asset"]}, base.replace(pid, "00000000-0000-4000-8000-000000000000")),
    ]:
        r = api.get(path, params={**params, "cursor": cursor})
        assert r.status_code in (400, 404)
        if r.status_code == 400:
            assert r.json()["code"] == "invalid_cursor"
    for bad in ("garbage", "eyJ4IjoxfQ", "!!!!"):
        r = api.get(base, params={"asset_id": world["asset"], "cursor": bad})
        assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    assert api.as_key(KEY_B).get("/v1/programs", params={"cursor": cursor}).status_code == 400


def test_simple_asset_balances_come_from_the_journal(api, world):
    simple = api.asset(world["program"], "CASH", mode="SIMPLE")
    w = {**world, "asset": simple["id"]}
    api.adjust(world["pid"], w, "10")
    api.op("hold", world["pid"], w, amount="3")
    r = api.adjust(world["pid"], w, "9", "DEBIT", allow_negative=True)
    assert r.json()["balance"] == {"available": "-2.00", "deferred": "0.00", "held": "3.00"}
    r = api.op("hold", world["pid"], w, lot_ids=["00000000-0000-4000-8000-000000000000"])
    assert r.status_code == 400
    assert api.op("void-hold", world["pid"], w, reference_id="x").status_code == 400
    p = api.get(f"/v1/participants/{world['pid']}").json()
    assert [b["asset_id"] for b in p["balances"]] == [simple["id"]]
