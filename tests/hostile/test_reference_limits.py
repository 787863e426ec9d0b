"""The reference stays fair under abuse (D-LIMITS): bodies and URLs beyond its bounds get the
spec's JSON 413 / 414, validation words only a few errors, error bodies quote only an excerpt
of a bad value, and a participant's tags and attributes are bounded."""

from __future__ import annotations

import json
import uuid
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from scrip_conformance import spec_schemas
from scrip_conformance.reference.app import create_app
from scrip_conformance.reference.limits import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, MAX_URL_BYTES

KEY = "sk_limits_a"
HEADERS = {"X-API-Key": KEY}


def client() -> TestClient:
    return TestClient(create_app(api_keys={KEY: "org-a"}))


def test_a_body_over_the_limit_gets_the_specs_413_before_it_is_parsed():
    body = b'{"external_id": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    answer = client().post(
        "/v1/participants", content=body, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"
    errors = spec_schemas.validate_instance(
        "/components/responses/PayloadTooLarge/content/application~1json/schema", answer.json()
    )
    assert errors == []


def test_a_chunked_body_over_the_limit_is_cut_off_with_413():
    def chunks():
        yield b'{"external_id": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536
        yield b'"}'

    answer = client().post(
        "/v1/participants",
        content=chunks(),
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413


def test_a_url_over_the_limit_gets_the_specs_414_as_json():
    answer = client().get(
        "/v1/participants", params={"search": "s" * (MAX_URL_BYTES + 1)}, headers=HEADERS
    )
    assert answer.status_code == 414
    assert answer.json()["code"] == "uri_too_long"


def test_a_body_within_limits_still_reaches_the_ledger():
    answer = client().post("/v1/programs", json={"name": "fair"}, headers=HEADERS)
    assert answer.status_code == 201


def test_an_error_quotes_only_an_excerpt_of_a_huge_bad_value():
    api = client()
    program = api.post("/v1/programs", json={"name": "p"}, headers=HEADERS).json()["id"]
    participant = api.post(
        "/v1/participants", json={"external_id": "e", "program_id": program}, headers=HEADERS
    ).json()["id"]
    bad = ["not-a-lot-" + str(n) for n in range(20_000)]  # ~0.5 MB, under the body limit
    answer = api.post(
        f"/v1/participants/{participant}/balances/hold",
        json={"program_id": program, "asset_id": str(uuid.uuid4()), "amount": "1", "lot_ids": bad},
        headers=HEADERS,
    )
    assert answer.status_code == 400
    assert len(answer.json()["message"]) <= MAX_MESSAGE_CHARS + 10
    assert len(answer.content) < 4 * MAX_MESSAGE_CHARS


def test_a_participant_with_too_many_tags_or_attributes_is_refused():
    api = client()
    many_tags = {"external_id": "t", "tags": [f"t{n}" for n in range(51)]}
    many_attributes = {"external_id": "a", "attributes": {f"k{n}": "v" for n in range(51)}}
    long_value = {"external_id": "v", "attributes": {"k": "v" * 1025}}
    for body in (many_tags, many_attributes, long_value):
        answer = api.post("/v1/participants", json=body, headers=HEADERS)
        assert answer.status_code == 400, body.keys()
        assert answer.json()["code"] == "validation_error"
    ok = {
        "external_id": "ok",
        "tags": [f"t{n}" for n in range(50)],
        "attributes": {f"k{n}": "v" * 1024 for n in range(50)},
    }
    assert api.post("/v1/participants", json=ok, headers=HEADERS).status_code == 201


def test_validation_words_a_bounded_number_of_errors():
    from scrip_conformance.spec_schemas import MAX_ERRORS, validate_instance

    pointer = spec_schemas.request_body_pointer("createParticipant")
    errors = validate_instance(pointer, {"external_id": "x", "tags": [1] * 100_000}, "body")
    assert len(errors) <= MAX_ERRORS + 1
    assert all(len(e) < 700 for e in errors)
    assert json.dumps(errors)


def test_an_error_answer_echoing_a_huge_value_is_cut_to_an_excerpt():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from scrip_conformance.reference.limits import RequestLimits

    async def echo(request):
        value = (await request.body()).decode()
        return JSONResponse(
            {
                "code": "validation_error",
                "message": f"bad value {value}",
                "details": {"field": "x"},
            },
            status_code=400,
        )

    app = Starlette(routes=[Route("/echo", echo, methods=["POST"])])
    app.add_middleware(RequestLimits)
    answer = TestClient(app).post("/echo", content=b"z" * 500_000)
    assert answer.status_code == 400
    body = answer.json()
    assert len(body["message"]) <= MAX_MESSAGE_CHARS + 10
    assert body["details"] == {"field": "x"} and body["code"] == "validation_error"
