"""The fuzzing set-up's guarded transport reads a compressed answer decoded (a server may send
gzip, as a known-good variant does): the caller gets the JSON, and the write guard learns ids."""

from __future__ import annotations

import gzip
import json

import httpx

from scrip_conformance.safety.transport import GuardedTransport


def test_a_gzip_answer_reaches_the_caller_decoded():
    body = {"data": [{"id": "p1"}], "has_more": False}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            content=gzip.compress(json.dumps(body).encode()),
        )

    transport = GuardedTransport(inner=httpx.MockTransport(answer))
    with httpx.Client(base_url="http://t", transport=transport) as client:
        response = client.get("/v1/programs")
    assert response.json() == body
    assert "content-encoding" not in response.headers
