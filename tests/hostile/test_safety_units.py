"""The safety pieces on their own: key scrubbing at every cut, the write guard's rule, the
bounded read, and the suite's client applying all three before anything keeps an answer."""

from __future__ import annotations

import httpx
import pytest

from scrip_conformance.client import TargetClient, TargetError
from scrip_conformance.safety import keys, writes
from scrip_conformance.safety.limits import (
    DeadlineExceeded,
    ResponseTooLarge,
    parse_json,
    read_capped,
)

KEY = "sk_" + "0a1b2c3d4e5f6071" + "8293a4b5c6d7e8f9"


@pytest.fixture(autouse=True)
def fresh():
    keys.forget_all()
    keys.register(KEY)
    writes.reset()
    yield
    writes.reset()


def _leaks(text: str) -> list[str]:
    return [KEY[i : i + 8] for i in range(len(KEY) - 7) if KEY[i : i + 8] in text]


@pytest.mark.parametrize("cut", range(8, len(KEY) + 1))
def test_any_run_of_8_or_more_characters_of_the_key_is_scrubbed(cut):
    for start in range(len(KEY) - cut + 1):
        piece = KEY[start : start + cut]
        text = f"before {piece} after {KEY}{piece}"
        cleaned = keys.scrub(text)
        assert not _leaks(cleaned), (piece, cleaned)
        assert cleaned.startswith("before [REDACTED] after ")


def test_text_without_the_key_is_returned_as_it_is():
    text = "sk_ is a common prefix; 0a1b2c3 is short"
    assert keys.scrub(text) is text


def test_the_client_scrubs_body_headers_and_errors_before_excerpting():
    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers["x-api-key"]
        return httpx.Response(
            400,
            json={"code": "validation_error", "message": "p" * 390 + sent},
            headers={"X-Echo": sent, "X-Cut": sent[:12]},
        )

    client = TargetClient("http://target", KEY, transport=httpx.MockTransport(echo))
    answer = client.get("/v1/assets")
    assert not _leaks(answer.text + str(answer.headers) + answer.excerpt() + answer.curl)
    assert not _leaks(str(answer.body))


def test_the_client_refuses_a_write_naming_an_id_it_did_not_create():
    sent: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if request.method == "POST" and request.url.path == "/v1/assets":
            return httpx.Response(201, json={"id": "11111111-1111-4111-8111-111111111111"})
        return httpx.Response(200, json={})

    client = TargetClient("http://t", KEY, read_only=False, transport=httpx.MockTransport(server))
    client.request("POST", "/v1/assets", json={"program_id": None, "name": "n"})
    client.request(
        "PATCH", "/v1/assets/11111111-1111-4111-8111-111111111111", json={"status": "ARCHIVED"}
    )
    with pytest.raises(writes.ForeignWriteRefused):
        client.request(
            "PATCH", "/v1/assets/22222222-2222-4222-8222-222222222222", json={"status": "ARCHIVED"}
        )
    with pytest.raises(writes.ForeignWriteRefused):
        client.request(
            "POST",
            "/v1/programs/11111111-1111-4111-8111-111111111111/assets",
            json={"asset_id": "33333333-3333-4333-8333-333333333333"},
        )
    with pytest.raises(writes.ForeignWriteRefused):
        client.request("POST", "/v1/participants", json={"external_id": "user_123"})
    assert sent == ["POST /v1/assets", "PATCH /v1/assets/11111111-1111-4111-8111-111111111111"]
    client.get("/v1/assets/22222222-2222-4222-8222-222222222222")  # reading is never refused


def test_upserts_under_the_runs_prefix_are_allowed():
    guard = writes.current()
    guard.allow_prefix("sc1234abcd")
    guard.check("POST", "/v1/participants", {"external_id": "sc1234abcd-participant-1"})
    with pytest.raises(writes.ForeignWriteRefused):
        guard.check("POST", "/v1/participants", {"external_id": "sc9999-participant-1"})


def test_a_body_past_the_cap_is_not_read_further():
    chunks = iter([b"x" * 1000] * 10_000)
    with pytest.raises(ResponseTooLarge) as caught:
        read_capped(chunks, 5000, float("inf"), 10)
    assert len(caught.value.head) == 5000
    assert next(chunks) == b"x" * 1000  # the rest was never pulled


def test_the_deadline_is_for_the_whole_body_not_each_read():
    import time

    def slow():
        for _ in range(100):
            time.sleep(0.02)
            yield b"x"

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        read_capped(slow(), 10**6, time.monotonic() + 0.2, 0.2)
    assert time.monotonic() - started < 1.5


def test_deep_json_is_not_json_and_no_exception():
    parsed = parse_json("[" * 100_000 + "]" * 100_000)
    assert not parsed.is_json and "nested" in parsed.problem


def test_an_answer_over_the_cap_is_a_response_is_json_finding(monkeypatch):
    from scrip_conformance.violations import ContractFailure

    monkeypatch.setenv("SCRIP_MAX_RESPONSE_BYTES", "1000")
    client = TargetClient(
        "http://t",
        KEY,
        transport=httpx.MockTransport(
            lambda request: httpx.Response(200, content=b'{"data": [' + b"1," * 5000 + b"1]}")
        ),
    )
    answer = client.get("/v1/assets")
    assert not answer.is_json and "larger than" in answer.problem
    with pytest.raises(ContractFailure) as caught:
        answer.expect(200, "RESPONSE-IS-JSON")
    assert caught.value.violations[0].contract_id == "RESPONSE-IS-JSON"


def test_a_transport_error_message_is_scrubbed():
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused for {KEY[:20]}")

    client = TargetClient("http://t", KEY, transport=httpx.MockTransport(broken))
    with pytest.raises(TargetError) as caught:
        client.get("/v1/assets")
    assert not _leaks(str(caught.value))


def test_a_fuzzed_write_naming_foreign_ids_is_kept_to_the_sandbox():
    from types import SimpleNamespace

    from scrip_conformance.safety import fuzz_hooks

    guard = writes.current()
    own = "44444444-4444-4444-8444-444444444444"
    guard.created.add(own)
    foreign = "55555555-5555-4555-8555-555555555555"
    case = SimpleNamespace(
        method="PATCH",
        path="/v1/assets/{id}",
        path_parameters={"id": foreign},
        body={"asset_id": foreign, "program_id": own},
    )
    fuzz_hooks.keep_to_sandbox(case)
    assert case.path_parameters["id"] != foreign and guard.owns(case.path_parameters["id"])
    assert case.body["asset_id"] != foreign and case.body["program_id"] == own
    upsert = SimpleNamespace(
        method="POST", path="/v1/participants", path_parameters={}, body={"external_id": "user_123"}
    )
    fuzz_hooks.keep_to_sandbox(upsert)
    assert upsert.body["external_id"].startswith(fuzz_hooks.FUZZ_MARK)
    guard.allow_prefix(fuzz_hooks.FUZZ_MARK)
    guard.check("POST", "/v1/participants", upsert.body)
    read = SimpleNamespace(
        method="GET", path="/v1/assets/{id}", path_parameters={"id": foreign}, body=None
    )
    fuzz_hooks.keep_to_sandbox(read)
    assert read.path_parameters["id"] == foreign  # reads go where they were generated to


def test_the_fuzzing_adapter_refuses_and_scrubs_like_the_client():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from scrip_conformance.safety import fuzz_hooks

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = f'{{"message": "{self.headers["X-API-Key"]}"}}'.encode()
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Echo", self.headers["X-API-Key"])
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        session = fuzz_hooks.guarded_session()
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/assets"
        answer = session.get(url, headers={"X-API-Key": KEY}, timeout=5)
        assert not _leaks(answer.text + str(dict(answer.headers)))
        with pytest.raises(writes.ForeignWriteRefused):
            session.patch(url + "/66666666-6666-4666-8666-666666666666", json={"name": "x"})
    finally:
        server.shutdown()
        server.server_close()


def test_every_client_of_a_run_shares_one_budget_of_waiting_on_429s(monkeypatch):
    from scrip_conformance.safety import limits

    monkeypatch.setenv(limits.MAX_RETRY_WAIT_ENV, "0.3")
    limits.reset_retry_budget()

    def throttled_once():
        answers = iter(
            [
                httpx.Response(429, headers={"Retry-After": "0.2"}, json={}),
                httpx.Response(200, json={}),
            ]
        )
        return httpx.MockTransport(lambda request: next(answers))

    first = TargetClient("http://t", KEY, transport=throttled_once())
    second = TargetClient("http://t", KEY, transport=throttled_once())
    assert first.get("/v1/assets").status_code == 200  # waited 0.2 s of the 0.3
    assert second.get("/v1/assets").status_code == 429  # 0.1 s left: the 429 is the answer
    monkeypatch.delenv(limits.MAX_RETRY_WAIT_ENV)
    limits.reset_retry_budget()
