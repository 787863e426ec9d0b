"""The expiration schedule and the liability report of the reference server."""

from __future__ import annotations

from decimal import Decimal

SCHEDULE = "/v1/reports/expiration-schedule"


def schedule(api, **params):
    r = api.get(SCHEDULE, params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def row_sum(row):
    parts = [row["never_expiring"], row["expiring_before_window"], row["expiring_after_window"]]
    parts += [b["amount"] for b in row["buckets"]]
    return sum(Decimal(p) for p in parts)


def test_schedule_buckets_are_calendar_aligned_half_open_and_sum_exactly(api, world):
    pid = world["pid"]
    api.adjust(pid, world, "1.10", expires_at="2026-04-30T23:59:59.999999Z")
    api.adjust(pid, world, "2.20", expires_at="2026-05-01T00:00:00Z")
    api.adjust(pid, world, "3.30", expires_at="2026-05-20T10:00:00+05:00")
    api.adjust(pid, world, "4.40")
    api.adjust(pid, world, "5.50", expires_at="2028-01-01T00:00:00Z")
    api.adjust(pid, world, "6.60", expires_at="2026-03-20T00:00:00Z")
    (row,) = schedule(api, **{"from": "2026-04-15T00:00:00Z", "to": "2026-12-31T23:59:59Z"})
    assert [
        (b["bucket_start"][:10], b["bucket_end"][:10], b["amount"], b["lot_count"])
        for b in row["buckets"]
    ] == [("2026-04-01", "2026-05-01", "1.10", 1), ("2026-05-01", "2026-06-01", "5.50", 2)]
    assert row["never_expiring"] == "4.40"
    assert row["expiring_after_window"] == "5.50"
    assert row["expiring_before_window"] == "6.60"
    assert row["total_outstanding"] == "23.10" and row_sum(row) == Decimal("23.10")
    assert row["scale"] == 2 and row["asset_symbol"] == "PTS"


def test_week_buckets_start_on_monday_and_window_edges_are_inclusive(api, world):
    pid = world["pid"]
    api.adjust(pid, world, "1", expires_at="2026-04-05T23:00:00Z")  # a Sunday
    api.adjust(pid, world, "2", expires_at="2026-04-06T00:00:00Z")  # the next Monday
    (row,) = schedule(
        api, granularity="week", **{"from": "2026-04-05T23:00:00Z", "to": "2026-04-06T00:00:00Z"}
    )
    assert [
        (b["bucket_start"][:10], b["bucket_end"][:10], b["amount"]) for b in row["buckets"]
    ] == [("2026-03-30", "2026-04-06", "1.00"), ("2026-04-06", "2026-04-13", "2.00")]
    (row,) = schedule(
        api,
        granularity="day",
        **{"from": "2026-04-05T23:00:00.000001Z", "to": "2026-04-05T23:59:59Z"},
    )
    assert row["buckets"] == [] and row["expiring_before_window"] == "1.00"
    assert row["expiring_after_window"] == "2.00"


def test_schedule_counts_only_outstanding_value_as_of_now(api, world, clock):
    pid = world["pid"]
    api.adjust(pid, world, "10", expires_at="2026-06-01T00:00:00Z")
    api.adjust(pid, world, "4", expires_at="2026-03-11T00:00:00Z")
    api.adjust(pid, world, "3", "DEBIT")
    api.op("hold", pid, world, amount="2")
    api.adjust(
        pid, world, "5", matures_at="2026-04-01T00:00:00Z", expires_at="2026-06-15T00:00:00Z"
    )
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}
    (row,) = schedule(api, **window)
    assert row["total_outstanding"] == "16.00"  # 7 available + 2 held (same lot) + 4 + 5 deferred
    clock.advance(days=2)  # the 4.00 lot has expired
    (row,) = schedule(api, **window)
    assert row["total_outstanding"] == "12.00" and row_sum(row) == Decimal("12.00")
    assert [b["lot_count"] for b in row["buckets"]] == [3]


def test_every_lot_asset_is_listed_with_zeros_and_simple_is_refused(api, world):
    archived = api.asset(world["program"], "OLD", scale=0)
    api.patch(f"/v1/assets/{archived['id']}", {"status": "ARCHIVED"})
    simple = api.asset(world["program"], "CASH", mode="SIMPLE")
    rows = schedule(api, **{"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"})
    assert sorted(r["asset_id"] for r in rows) == sorted([world["asset"], archived["id"]])
    assert [r["asset_id"] for r in rows] == sorted(r["asset_id"] for r in rows)
    zero = next(r for r in rows if r["asset_id"] == archived["id"])
    assert zero["total_outstanding"] == "0" and zero["buckets"] == []
    r = api.get(
        SCHEDULE,
        params={
            "from": "2026-01-01T00:00:00Z",
            "to": "2026-02-01T00:00:00Z",
            "asset_id": simple["id"],
        },
    )
    assert r.status_code == 400


def test_schedule_paginates_by_asset(api, world):
    for symbol in ("A1", "A2", "A3"):
        api.asset(world["program"], symbol)
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    seen, cursor = [], None
    while True:
        params = {**window, "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get(SCHEDULE, params=params).json()
        seen += [r["asset_id"] for r in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 4 and seen == sorted(seen)


def test_schedule_program_filter_attributes_lots_by_their_credit(api, world):
    other = api.program("Partners")
    api.post(f"/v1/programs/{other['id']}/assets", {"asset_id": world["asset"]})
    api.adjust(world["pid"], world, "1", expires_at="2026-05-01T00:00:00Z")
    api.adjust(
        world["pid"], {**world, "program": other["id"]}, "2", expires_at="2026-05-01T00:00:00Z"
    )
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    (row,) = schedule(api, program_id=other["id"], **window)
    assert row["total_outstanding"] == "2.00"


def test_schedule_validation(api, world):
    base = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    cases = [
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"to": "2026-01-01T00:00:00Z"},
        {**base, "granularity": "year"},
        {"from": "2026-01-01T00:00:00Z", "to": "2028-12-31T00:00:00Z", "granularity": "day"},
    ]
    for params in cases:
        r = api.get(SCHEDULE, params=params)
        assert r.status_code == 400 and r.json()["code"] == "validation_error", params
    ok = {"from": "2026-01-01T00:00:00Z", "to": "2028-09-26T00:00:00Z", "granularity": "day"}
    assert api.get(SCHEDULE, params=ok).status_code == 200  # exactly 1000 days
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.get(SCHEDULE, params={**base, "asset_id": missing}).status_code == 404
    assert api.get(SCHEDULE, params={**base, "program_id": missing}).status_code == 404


def test_liability_sums_balances_by_asset_program_and_bucket(api, world, clock):
    pid = world["pid"]
    api.adjust(pid, world, "10")
    api.op("hold", pid, world, amount="3")
    api.adjust(pid, world, "5", matures_at="2026-03-20T00:00:00Z")
    before = clock.current
    clock.advance(hours=1)
    api.adjust(pid, world, "20", "DEBIT", allow_negative=True)
    r = api.get("/v1/reports/liability", params={"by_bucket": "true"})
    rows = {row["bucket"]: row["balance"] for row in r.json()["data"]}
    assert rows == {"AVAILABLE": "-13.00", "HELD": "3.00", "DEFERRED": "5.00"}
    r = api.get("/v1/reports/liability")
    assert [row["balance"] for row in r.json()["data"]] == ["-5.00"]
    assert r.json()["data"][0]["bucket"] is None
    stamp = before.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    r = api.get("/v1/reports/liability", params={"as_of": stamp, "by_bucket": "true"})
    rows = {row["bucket"]: row["balance"] for row in r.json()["data"]}
    assert rows == {"AVAILABLE": "7.00", "HELD": "3.00", "DEFERRED": "5.00"}
    again = api.get("/v1/reports/liability", params={"as_of": stamp, "by_bucket": "true"})
    assert again.json() == r.json()
    future = "2030-01-01T00:00:00Z"
    assert api.get("/v1/reports/liability", params={"as_of": future}).status_code == 400


def test_liability_after_expiry_and_maturity(api, world, clock):
    pid = world["pid"]
    api.adjust(pid, world, "4", expires_at="2026-03-11T00:00:00Z")
    api.adjust(pid, world, "6", matures_at="2026-03-12T00:00:00Z")
    clock.advance(days=3)
    r = api.get("/v1/reports/liability", params={"by_bucket": "true"})
    rows = {row["bucket"]: row["balance"] for row in r.json()["data"]}
    assert rows == {"AVAILABLE": "6.00"}


def test_liability_pages_with_the_default_as_of_and_rejects_forged_cursors(api, world, clock):
    for i in range(3):
        other = api.program(f"P{i}")
        api.post(f"/v1/programs/{other['id']}/assets", {"asset_id": world["asset"]})
        api.adjust(world["pid"], {**world, "program": other["id"]}, "1")
    first = api.get("/v1/reports/liability", params={"limit": 2}).json()
    clock.advance(minutes=5)
    api.adjust(world["pid"], world, "7")  # after the first page's as_of: not in later pages
    cursor = first["pagination"]["next_cursor"]
    second = api.get("/v1/reports/liability", params={"limit": 2, "cursor": cursor})
    assert second.status_code == 200
    body = second.json()
    assert body["as_of"] == first["as_of"]
    rows = first["data"] + body["data"]
    assert [r["balance"] for r in rows] == ["1.00"] * 3
    assert len({r["program_id"] for r in rows}) == 3
    import base64
    import json

    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for forged in ([1, 2, 3, 4], [payload["p"][0], 5, "x", 0], ["x", "y", "z", "w"]):
        token = base64.urlsafe_b64encode(json.dumps({**payload, "p": forged}).encode()).decode()
        r = api.get("/v1/reports/liability", params={"limit": 2, "cursor": token})
        assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"


def test_schedule_keeps_lots_expiring_at_the_end_of_year_9999(api, world):
    api.adjust(world["pid"], world, "2", expires_at="9999-12-31T23:59:59.999999Z")
    (row,) = schedule(api, **{"from": "9999-12-01T00:00:00Z", "to": "9999-12-31T23:59:59.999999Z"})
    assert row["total_outstanding"] == "2.00"
    assert [(b["bucket_start"][:10], b["amount"]) for b in row["buckets"]] == [
        ("9999-12-01", "2.00")
    ]


def test_liability_for_one_as_of_follows_every_write_in_between(api, world, clock):
    """The report is aggregated once per as_of for paging; a write in between is still seen."""
    api.adjust(world["pid"], world, "10")
    stamp = clock.current.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    query = {"as_of": stamp, "by_bucket": "true"}
    first = api.get("/v1/reports/liability", params=query).json()
    assert [r["balance"] for r in first["data"]] == ["10.00"]
    api.adjust(world["pid"], world, "5")  # at the same instant: inside the same as_of
    again = api.get("/v1/reports/liability", params=query).json()
    assert [r["balance"] for r in again["data"]] == ["15.00"]
