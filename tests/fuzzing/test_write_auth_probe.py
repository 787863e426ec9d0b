"""The quick budget's lean auth probe: one request without a key per write operation, caught
when a write is served without one."""

from __future__ import annotations

import dataclasses
from typing import Any

from fuzz_servers import API_KEY, ORG

from scrip_conformance.fuzzing import BUDGETS, FuzzSettings, provision, run_fuzzing
from scrip_conformance.reference.server import ReferenceServer

OPERATIONS = ("createProgram", "updateAsset", "getParticipant")
KEY_HEADERS = (b"x-api-key", b"authorization")


class KeyOptionalWrites:
    """ASGI middleware recording whether each request carried a key; with ``serve_keyless`` a
    write without a key is served as the run's organization (a development fallback left on)."""

    def __init__(self, app: Any, serve_keyless: bool) -> None:
        self.app = app
        self.serve_keyless = serve_keyless
        self.seen: list[tuple[str, str, bool]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = list(scope["headers"])
            keyed = any(name.lower() in KEY_HEADERS for name, _ in headers)
            self.seen.append((scope["method"], scope["path"], keyed))
            if not keyed and self.serve_keyless and scope["method"] != "GET":
                scope = {**scope, "headers": [*headers, (b"x-api-key", API_KEY.encode())]}
        await self.app(scope, receive, send)


def _fuzz(serve_keyless: bool) -> tuple[Any, list[tuple[str, str, bool]]]:
    server = ReferenceServer(api_keys={API_KEY: ORG})
    middleware = KeyOptionalWrites(server.app, serve_keyless)
    server.app = middleware
    with server:
        ids = provision(server.base_url, API_KEY, seed=4, participants=1)
        middleware.seen.clear()
        budget = dataclasses.replace(BUDGETS["quick"], max_examples=3)
        report = run_fuzzing(
            FuzzSettings(
                server.base_url,
                API_KEY,
                seed=4,
                budget=budget,
                known_ids=ids,
                operations=OPERATIONS,
                phases=("examples", "fuzzing"),
            )
        )
    return report, middleware.seen


def test_each_write_is_probed_once_without_a_key_and_reads_not_at_all():
    report, seen = _fuzz(serve_keyless=False)
    assert report.failures_of("FUZZ-AUTH") == []
    keyless = [
        (method, path.split("/")[2])
        for method, path, keyed in seen
        if not keyed and path.startswith("/v1/")  # not schemathesis' own probe of the server
    ]
    assert sorted(keyless) == [("PATCH", "assets"), ("POST", "programs")]
    assert report.operations["createProgram"].statuses.get("401") == 1


def test_a_write_served_without_a_key_is_a_fuzz_auth_finding_with_the_keyless_curl():
    report, _ = _fuzz(serve_keyless=True)
    findings = report.failures_of("FUZZ-AUTH")
    assert {(f.check, f.operation_id) for f in findings} == {
        ("write_refused_without_key", "createProgram"),
        ("write_refused_without_key", "updateAsset"),
    }
    for finding in findings:
        summary, probe = finding.message.splitlines()[:2]
        assert "without an API key was not refused" in summary
        assert probe.strip().startswith("request:  curl") and "X-API-Key" not in probe
        assert "observed: status 2" in finding.message
        assert API_KEY not in finding.as_violation().render()
