"""D-AUTH, D-ERRORS, D-RATELIMIT and D-VALIDATION at the HTTP layer of the reference server."""

from __future__ import annotations

import pytest

from scrip_conformance.reference.app import RateLimiter, create_app

from .conftest import KEY_A, KEY_A2, KEY_B, KEYS, Api, TestClient

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": ""},
        {"X-API-Key": "sk_unknown"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
        {"X-API-Key": KEY_A, "Authorization": "Bearer sk_unknown"},
        {"X-API-Key": KEY_A, "Authorization": f"Bearer {KEY_B}"},
    ],
)
def test_missing_or_invalid_key_gets_401_unauthorized(api, headers):
    r = api.as_key(None).get("/v1/assets", headers=headers)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_bearer_key_is_accepted_and_both_valid_headers_are_accepted(api):
    assert (
        api.as_key(None).get("/v1/assets", headers={"Authorization": f"Bearer {KEY_A}"}).status_code
        == 200
    )
    assert api.get("/v1/assets", headers={"Authorization": f"Bearer {KEY_A2}"}).status_code == 200


def test_401_takes_precedence_over_400_and_404(api, world):
    anon = api.as_key("sk_wrong")
    assert anon.get("/v1/assets/not-a-uuid").status_code == 401
    assert anon.get("/v1/assets", params={"limit": 0}).status_code == 401
    assert anon.get(f"/v1/participants/{world['pid']}").status_code == 401
    assert anon.post("/v1/programs", {"nope": 1}).status_code == 401


def test_another_organization_sees_404_exactly_like_a_missing_id(api, world):
    other = api.as_key(KEY_B)
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/v1/participants/{world['pid']}", f"/v1/assets/{world['asset']}"):
        r = other.get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert other.get(f"/v1/participants/{missing}").status_code == 404
    assert other.get("/v1/assets").json()["data"] == []
    r = other.adjust(world["pid"], world, "1")
    assert r.status_code == 404


def test_keys_of_one_organization_share_its_data(api, world):
    assert api.as_key(KEY_A2).get(f"/v1/assets/{world['asset']}").status_code == 200


def test_every_response_carries_rate_limit_headers(api, world):
    responses = [
        api.get("/v1/assets"),
        api.as_key(None).get("/v1/assets"),
        api.get("/v1/assets/zzz"),
        api.get("/v1/no-such-route"),
        api.post("/v1/programs", {"name": ""}),
    ]
    for r in responses:
        for header in RATE_HEADERS:
            assert r.headers[header].isdigit(), (r.status_code, header)


def test_rate_limit_when_enforced_answers_429_with_retry_after():
    # a clock that stands still: the burst of 30 is all there is, however slow the machine
    app = create_app(api_keys=KEYS, rate_limit=RateLimiter(True, monotonic=lambda: 100.0))
    with TestClient(app) as client:
        api = Api(client)
        statuses = [api.get("/v1/programs").status_code for _ in range(40)]
        assert statuses[:30] == [200] * 30
        assert 429 in statuses[30:]
        r = api.get("/v1/programs")
        assert r.status_code == 429 and r.json()["code"] == "too_many_requests"
        assert int(r.headers["retry-after"]) >= 1
        # another organization has its own bucket
        assert api.as_key(KEY_B).get("/v1/programs").status_code == 200


def test_unknown_route_and_wrong_method_answer_json_errors(api):
    r = api.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for method in ("DELETE", "TRACE", "QUERY"):
        r = api.request(method, "/v1/programs")
        assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
        assert r.headers["allow"] == "GET, POST"
    r = api.request("PUT", "/v1/assets/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 405 and r.headers["allow"] == "GET, PATCH"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"limit": "1.5"},
        {"include_archived": "yes"},
        {"status": "GONE"},
        {"sort_by": "id"},
    ],
)
def test_query_parameters_outside_their_schema_give_400(api, params):
    r = api.get("/v1/programs", params=params)
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_unknown_query_parameters_are_ignored(api):
    assert api.get("/v1/programs", params={"whatever": "1"}).status_code == 200


@pytest.mark.parametrize(
    "body", [None, [], "text", 5, {"name": "x", "extra": 1}, {}, {"name": ""}, {"name": 5}]
)
def test_bad_bodies_give_400_validation_error(api, body):
    r = api.post("/v1/programs", body)
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_malformed_json_and_lone_surrogates_give_400(api):
    r = api.post("/v1/programs", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = api.post(
        "/v1/programs", content=b'{"name": "\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    r = api.post(
        "/v1/programs", content=b"[" * 100000, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400


@pytest.mark.parametrize("bad", ["not-a-uuid", "12345678123456781234567812345678", "%20"])
def test_malformed_path_ids_give_400(api, bad):
    r = api.get(f"/v1/assets/{bad}")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_uppercase_uuid_finds_the_same_resource(api, world):
    r = api.get(f"/v1/assets/{world['asset'].upper()}")
    assert r.status_code == 200 and r.json()["id"] == world["asset"]


@pytest.mark.parametrize(
    "amount,code",
    [
        ("0", "validation_error"),
        ("0.00", "validation_error"),
        ("-1", "validation_error"),
        ("1e3", "validation_error"),
        (" 1", "validation_error"),
        ("1.", "validation_error"),
        (10, "validation_error"),
        ("1.001", "invalid_scale"),
        ("1.000", "invalid_scale"),
        ("99999999999999999999999", "validation_error"),
    ],
)
def test_request_amounts_follow_d_amount_in(api, world, amount, code):
    r = api.adjust(world["pid"], world, amount)
    assert r.status_code == 400 and r.json()["code"] == code


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-13-01T00:00:00Z",
        "2026-01-01",
        "yesterday",
        "2026-01-01T00:00:60Z",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_unparseable_timestamps_give_400(api, world, stamp):
    r = api.get(
        "/v1/reports/expiration-schedule", params={"from": stamp, "to": "2027-01-01T00:00:00Z"}
    )
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_timestamps_with_offsets_are_accepted_and_answered_in_utc(api, world):
    r = api.adjust(world["pid"], world, "5", expires_at="2027-01-01T02:00:00+02:00")
    assert r.status_code == 200
    lot = api.lots(world["pid"], world["asset"])[0]
    assert lot["expires_at"].startswith("2027-01-01T00:00:00") and lot["expires_at"].endswith("Z")
