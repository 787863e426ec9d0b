"""Programs, assets and participants of the reference server."""

from __future__ import annotations

MISSING = "00000000-0000-4000-8000-000000000000"


def ids(response):
    return [row["id"] for row in response.json()["data"]]


def test_programs_sort_search_and_paginate(api, clock):
    made = []
    for name in ("Beta", "alpha", "Gamma", "delta"):
        made.append(api.program(name)["id"])
    assert ids(api.get("/v1/programs")) == made
    assert ids(api.get("/v1/programs", params={"sort_dir": "desc"})) == made[::-1]
    names = [p["name"] for p in api.get("/v1/programs", params={"sort_by": "name"}).json()["data"]]
    assert names == sorted(names)
    assert [
        p["name"] for p in api.get("/v1/programs", params={"search": "ELT"}).json()["data"]
    ] == ["delta"]
    assert api.get("/v1/programs", params={"search": "%"}).json()["data"] == []
    seen, cursor = [], None
    while True:
        params = {"limit": 1, "sort_by": "name", "sort_dir": "desc"}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/v1/programs", params=params).json()
        seen += [p["name"] for p in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(names, reverse=True)


def test_link_asset_conflicts_and_404s(api, world):
    other = api.program("Other")
    r = api.post(f"/v1/programs/{other['id']}/assets", {"asset_id": world["asset"]})
    assert r.status_code == 200 and sorted(r.json()["program_ids"]) == sorted(
        [world["program"], other["id"]]
    )
    r = api.post(f"/v1/programs/{other['id']}/assets", {"asset_id": world["asset"]})
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert (
        api.post(f"/v1/programs/{MISSING}/assets", {"asset_id": world["asset"]}).status_code == 404
    )
    assert api.post(f"/v1/programs/{other['id']}/assets", {"asset_id": MISSING}).status_code == 404


def test_asset_create_rules(api, world):
    body = {
        "program_id": world["program"],
        "name": "X",
        "symbol": "PTS",
        "inventory_mode": "LOT",
        "issuance_policy": "UNLIMITED",
        "scale": 2,
    }
    r = api.post("/v1/assets", body)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert (
        api.post("/v1/assets", {**body, "symbol": "N1", "program_id": MISSING}).status_code == 404
    )
    r = api.post("/v1/assets", {**body, "symbol": "N2", "max_transaction_amount": "1.001"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_scale"
    r = api.post("/v1/assets", {**body, "symbol": "N3", "max_transaction_amount": "0"})
    assert r.status_code == 400
    assert api.post("/v1/assets", {**body, "symbol": "bad-sym"}).status_code == 400
    r = api.post(
        "/v1/assets", {**body, "symbol": "N4", "scale": 0, "max_transaction_amount": "100"}
    )
    assert r.status_code == 201 and r.json()["max_transaction_amount"] == "100"


def test_asset_update_archives_permanently_and_lists_filter(api, world):
    aid = world["asset"]
    r = api.patch(f"/v1/assets/{aid}", {})
    assert r.status_code == 200 and r.json()["deleted_at"] is None
    r = api.patch(f"/v1/assets/{aid}", {"name": "Renamed", "max_transaction_amount": "7.5"})
    assert r.json()["name"] == "Renamed" and r.json()["max_transaction_amount"] == "7.50"
    r = api.patch(f"/v1/assets/{aid}", {"max_transaction_amount": None})
    assert r.json()["max_transaction_amount"] is None
    r = api.patch(f"/v1/assets/{aid}", {"status": "ARCHIVED"})
    deleted = r.json()["deleted_at"]
    assert r.json()["status"] == "ARCHIVED" and deleted
    again = api.patch(f"/v1/assets/{aid}", {"status": "ARCHIVED"})
    assert again.status_code == 200 and again.json()["deleted_at"] == deleted
    assert api.patch(f"/v1/assets/{aid}", {"status": "ACTIVE"}).status_code == 400
    assert api.get(f"/v1/assets/{aid}").json()["status"] == "ARCHIVED"
    assert ids(api.get("/v1/assets", params={"status": "ACTIVE"})) == []
    assert ids(api.get("/v1/assets")) == [aid]
    assert ids(api.get("/v1/assets", params={"search": "renam"})) == [aid]
    assert api.get("/v1/assets", params={"program_id": MISSING}).status_code == 404


def test_participant_upsert_is_201_then_200_and_keeps_unsent_fields(api, world):
    r = api.post(
        "/v1/participants",
        {
            "external_id": "u9",
            "email": "a@example.com",
            "tags": ["vip"],
            "attributes": {"tier": "gold"},
        },
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    r = api.post(
        "/v1/participants",
        {"external_id": "u9", "first_name": "Ann", "program_id": world["program"]},
    )
    assert r.status_code == 200 and r.json()["id"] == pid
    body = r.json()
    assert body["email"] == "a@example.com" and body["first_name"] == "Ann"
    assert body["tags"] == ["vip"] and body["program_ids"] == [world["program"]]
    assert (
        api.post("/v1/participants", {"external_id": "u10", "program_id": MISSING}).status_code
        == 404
    )
    assert api.post("/v1/participants", {"external_id": "u11", "counters": {}}).status_code == 400


def test_participant_list_filters(api, world, clock):
    clock.advance(hours=1)
    made = [
        api.participant(f"ext-{i}", status="SUSPENDED" if i == 2 else "ACTIVE")["id"]
        for i in range(4)
    ]
    everyone = ids(api.get("/v1/participants"))
    assert everyone[1:] == made
    assert ids(api.get("/v1/participants", params={"external_id": "ext-1"})) == [made[1]]
    assert ids(api.get("/v1/participants", params={"status": "SUSPENDED"})) == [made[2]]
    assert ids(api.get("/v1/participants", params={"program_id": world["program"]})) == [
        world["pid"]
    ]
    created = api.get(f"/v1/participants/{made[1]}").json()["created_at"]
    assert ids(api.get("/v1/participants", params={"from": created, "to": created})) == [made[1]]
    assert ids(api.get("/v1/participants", params={"search": "EXT-3"})) == [made[3]]
    desc = ids(api.get("/v1/participants", params={"sort_by": "external_id", "sort_dir": "desc"}))
    assert desc == [world["pid"], made[3], made[2], made[1], made[0]]  # "user-1" sorts last


def test_balances_list_only_assets_with_activity_and_equals_participant_detail(api, world):
    second = api.asset(world["program"], "MILES", scale=0)
    pid = world["pid"]
    assert api.get(f"/v1/participants/{pid}/balances").json()["data"] == []
    api.adjust(pid, world, "1.5")
    api.adjust(pid, {**world, "asset": second["id"]}, "3")
    rows = api.get(f"/v1/participants/{pid}/balances").json()["data"]
    assert [r["asset_id"] for r in rows] == sorted([world["asset"], second["id"]])
    assert api.get(f"/v1/participants/{pid}").json()["balances"] == rows
    first = api.get(f"/v1/participants/{pid}/balances", params={"limit": 1}).json()
    rest = api.get(
        f"/v1/participants/{pid}/balances",
        params={"limit": 1, "cursor": first["pagination"]["next_cursor"]},
    ).json()
    assert first["data"] + rest["data"] == rows and rest["pagination"]["has_more"] is False
