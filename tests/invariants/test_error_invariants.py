"""Error bodies, JSON answers, 5xx, rate-limit headers and UTC timestamps."""

from __future__ import annotations

import pytest

from scrip_conformance.invariants import errors

JSON = {"content-type": "application/json"}
LIMITS = {
    "X-RateLimit-Limit": "30",
    "X-RateLimit-Remaining": "29",
    "x-ratelimit-reset": "1767225600",
}


def ids(found):
    return [v.contract_id for v in found]


def test_no_5xx():
    assert errors.check_no_server_error(422) == []
    assert ids(errors.check_no_server_error(502)) == ["ERROR-NO-5XX"]


@pytest.mark.parametrize(
    ("status", "headers", "is_json", "expected"),
    [
        (200, JSON, True, []),
        (401, {"Content-Type": "application/json; charset=utf-8"}, True, []),
        (400, {"content-type": "application/problem+json"}, True, []),
        (401, {"content-type": "text/plain"}, False, ["RESPONSE-IS-JSON"]),
        (200, {"content-type": "text/html"}, True, ["RESPONSE-IS-JSON"]),
        (200, {}, True, ["RESPONSE-IS-JSON"]),
        (204, {}, False, []),
    ],
)
def test_every_answer_is_json(status, headers, is_json, expected):
    assert ids(errors.check_json_body(status, headers, is_json)) == expected


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"code": "unauthorized", "message": "invalid key"}, []),
        (400, {"code": "invalid_cursor", "message": "", "details": {}}, []),
        (401, None, ["ERROR-BODY-SHAPE"]),
        (404, {"error": "not found"}, ["ERROR-BODY-SHAPE"]),
        (400, {"code": "", "message": "x"}, ["ERROR-BODY-SHAPE"]),
        (404, {"code": "validation_error", "message": "x"}, ["ERROR-CODE-MATCHES-STATUS"]),
        (418, {"code": "teapot", "message": "x"}, []),
        (200, None, []),
    ],
)
def test_error_bodies(status, body, expected):
    assert ids(errors.check_error_body(status, body)) == expected


def test_an_expected_error_needs_the_status_and_one_of_the_codes():
    body = {"code": "validation_error", "message": "x"}
    assert errors.check_expected_error(400, body, 400, {"validation_error"}, "C-ONE", "s") == []
    assert ids(errors.check_expected_error(400, body, 400, {"invalid_cursor"}, "C-ONE", "s")) == [
        "C-ONE"
    ]
    assert ids(errors.check_expected_error(200, {}, 400, None, "C-ONE", "s")) == ["C-ONE"]


def test_rate_limit_headers_case_insensitive_and_retry_after_on_429():
    assert errors.check_rate_limit_headers(200, LIMITS) == []
    assert ids(errors.check_rate_limit_headers(429, LIMITS)) == ["RATELIMIT-HEADERS"]
    assert errors.check_rate_limit_headers(429, {**LIMITS, "Retry-After": "3"}) == []
    assert ids(errors.check_rate_limit_headers(200, {"X-RateLimit-Limit": "30"})) == [
        "RATELIMIT-HEADERS"
    ]


def test_timestamps_must_be_utc_with_z():
    good = {"data": [{"created_at": "2026-01-01T00:00:00Z", "expires_at": None,
                      "buckets": [{"bucket_start": "2026-01-01T00:00:00.123456Z"}]}]}  # fmt: skip
    assert errors.check_timestamps_utc(good) == []
    for bad in (
        "2026-01-01T01:00:00+01:00",
        "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00.1234567Z",
    ):
        assert ids(errors.check_timestamps_utc({"as_of": bad})) == ["TIME-UTC-Z"], bad
