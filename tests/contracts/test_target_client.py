"""The target client: GET only in read-only mode, keys redacted in every curl line, and a
misbehaving server turned into a violation or a clear error."""

from __future__ import annotations

import httpx
import pytest

from scrip_conformance.client import (
    REQUEST_LOG_SIZE,
    ReadOnlyRefusal,
    TargetClient,
    TargetError,
)
from scrip_conformance.violations import ContractFailure


def client_for(handler, **options) -> TargetClient:
    return TargetClient(
        "http://target.test", "sk_live_secret", transport=httpx.MockTransport(handler), **options
    )


def test_read_only_mode_refuses_anything_but_get_before_sending():
    sent = []
    client = client_for(lambda request: sent.append(request) or httpx.Response(200, json={}))
    for method in ("POST", "PATCH", "DELETE", "PUT"):
        with pytest.raises(ReadOnlyRefusal):
            client.request(method, "/v1/assets", json={"name": "x"})
    assert sent == [] and list(client.requests) == []
    client.get("/v1/assets")
    assert [r.method for r in client.requests] == ["GET"]


def test_writing_mode_sends_other_methods():
    client = client_for(lambda request: httpx.Response(201, json={}), read_only=False)
    assert client.request("POST", "/v1/programs", json={"name": "p"}).status_code == 201


def test_every_request_is_recorded_as_a_curl_line_with_the_key_redacted():
    seen = []

    def handler(request):
        seen.append(request.headers.get("x-api-key"))
        return httpx.Response(
            200, json={"data": [], "pagination": {"has_more": False, "next_cursor": None}}
        )

    client = client_for(handler)
    response = client.get("/v1/participants/abc/balances/lots", {"asset_id": "a1", "status": None})
    assert seen == ["sk_live_secret"]
    assert response.operation_id == "listParticipantLots"
    assert response.curl == (
        "curl -X GET -H 'X-API-Key: [REDACTED]' "
        "'http://target.test/v1/participants/abc/balances/lots?asset_id=a1'"
    )
    bearer = client.get("/v1/assets", bearer=True)
    assert "sk_live_secret" not in bearer.curl and "Authorization: [REDACTED]" in bearer.curl


def test_a_body_that_is_not_json_is_a_response_is_json_violation():
    client = client_for(lambda request: httpx.Response(200, text="<html>oops</html>"))
    response = client.get("/v1/assets")
    with pytest.raises(ContractFailure) as failure:
        response.expect(200, "PAGINATION-HAS-MORE-CURSOR")
    assert [v.contract_id for v in failure.value.violations] == ["RESPONSE-IS-JSON"]
    assert failure.value.violations[0].request == response.curl


def test_a_server_error_is_an_error_no_5xx_violation():
    client = client_for(lambda request: httpx.Response(503, text="busy"))
    with pytest.raises(ContractFailure) as failure:
        client.get("/v1/assets").expect(200, "SCHEDULE-SUMS-EXACTLY")
    assert [v.contract_id for v in failure.value.violations] == ["ERROR-NO-5XX"]


def test_an_unexpected_status_names_the_callers_contract():
    client = client_for(
        lambda request: httpx.Response(404, json={"code": "not_found", "message": ""})
    )
    with pytest.raises(ContractFailure) as failure:
        client.get("/v1/assets/x").expect(200, "ERROR-UNKNOWN-ID-404", "a listed asset is missing")
    assert failure.value.violations[0].contract_id == "ERROR-UNKNOWN-ID-404"
    assert "status 404" in failure.value.violations[0].observed


def test_timeouts_and_refused_connections_are_clear_errors_without_the_key():
    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(TargetError, match="no answer within 10s") as timeout:
        client_for(slow).get("/v1/assets")
    assert "sk_live_secret" not in str(timeout.value)
    refused = TargetClient("http://127.0.0.1:9", "sk_live_secret", timeout=2)
    with pytest.raises(TargetError, match="cannot reach the target") as error:
        refused.get("/v1/assets")
    assert "sk_live_secret" not in str(error.value) and "[REDACTED]" in str(error.value)


def test_the_request_log_keeps_only_the_latest_requests():
    client = client_for(lambda request: httpx.Response(200, json={}))
    for page in range(REQUEST_LOG_SIZE + 5):
        client.get("/v1/assets", {"cursor": str(page)})
    assert len(client.requests) == REQUEST_LOG_SIZE
    assert client.requests[-1].url.endswith(f"cursor={REQUEST_LOG_SIZE + 4}")
    assert client.requests[0].url.endswith("cursor=5")


def test_a_429_is_retried_after_the_delay_it_asks_for():
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "0"}, json={}), httpx.Response(200, json={})]
    )
    client = client_for(lambda request: next(answers))
    assert client.get("/v1/assets").status_code == 200
    assert [r.status_code for r in client.requests] == [429, 200]


def test_whole_organisation_reports_get_a_longer_timeout_than_pages():
    seen = {}

    def handler(request):
        seen[request.url.path] = request.extensions["timeout"]["read"]
        return httpx.Response(200, json={})

    client = client_for(handler, timeout=10.0)
    client.get("/v1/participants")
    client.get("/v1/reports/liability")
    assert seen == {"/v1/participants": 10.0, "/v1/reports/liability": 60.0}
