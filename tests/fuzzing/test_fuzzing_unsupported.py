"""Fuzzing a correct server that lacks what ``--unsupported`` declares: no extension fields on
adjust (400 to them, as D-EXTENSION allows) and no liability report (never called)."""

from __future__ import annotations

import json
from typing import Any

from fuzz_servers import API_KEY, ORG, settings

from scrip_conformance.fuzzing import discover, provision, run_fuzzing
from scrip_conformance.reference.server import ReferenceServer

EXTENSION_FIELDS = ("expires_at", "matures_at", "reference_id", "idempotency_key")


class WithoutExtensionOrLiability:
    """ASGI middleware: 400 ``validation_error`` to an adjust with an extension field, 404 to
    the liability report; records every adjust body and every path asked for."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []
        self.adjust_bodies: list[dict] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def _answer(self, send: Any, status: int, code: str) -> None:
        body = json.dumps({"code": code, "message": "not supported here"}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"x-ratelimit-limit", b"30"), (b"x-ratelimit-remaining", b"30"),
            (b"x-ratelimit-reset", b"0")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        self.paths.append(path)
        if path.startswith("/v1/reports/liability"):
            await self._answer(send, 404, "not_found")
            return
        if not path.endswith("/balances/adjust") or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict):
            self.adjust_bodies.append(body)
            if any(field in body for field in EXTENSION_FIELDS):
                await self._answer(send, 400, "validation_error")
                return
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)


def test_a_server_without_the_extension_or_the_liability_report_is_fuzzed_clean():
    unsupported = frozenset({"extension", "liability-report"})
    server = ReferenceServer(api_keys={API_KEY: ORG})
    variant = WithoutExtensionOrLiability(server.app)
    server.app = variant
    with server:
        ids = provision(server.base_url, API_KEY, seed=4, unsupported=unsupported)
        setup_bodies = list(variant.adjust_bodies)
        ids.readable = discover(server.base_url, API_KEY).by_kind()
        report = run_fuzzing(
            settings(
                server.base_url,
                ids,
                seed=4,
                phases=("examples", "fuzzing", "stateful"),
                unsupported=unsupported,
            )
        )
    assert setup_bodies and not any(
        field in body for body in setup_bodies for field in EXTENSION_FIELDS
    )
    assert ids.provisional_reference_ids == []
    assert not any(p.startswith("/v1/reports/liability") for p in variant.paths)
    assert "getLiabilityReport" not in report.operations
    assert [f.as_violation().render() for f in report.failures] == []
    assert report.errors == []
    assert report.operations["adjustParticipantBalance"].reached_2xx
