"""The quick budget's read-only contracts send one representative per kind, not every one, yet
every kind of bad value and every GET operation is still sent somewhere (issue 16's cut)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from scrip_conformance.resources import load_spec

BAD_LIMITS = ("0", "201", "-1", "abc", "1.5", "99999999999999999999")  # as contracts' _probes
BAD_TIMES = ("yesterday", "2026-13-01T00:00:00Z", "2026-01-01", "2026-01-01T25:00:00Z")
TIME_PARAMETERS = ("from", "to", "as_of", "expires_before", "expires_after")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class QueryRecorder:
    """Pure ASGI middleware recording each request's method, path, query and key header."""

    def __init__(self, app, seen: list):
        self.app = app
        self.seen = seen

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            key = headers.get("x-api-key", headers.get("authorization"))
            query = dict(parse_qsl(scope["query_string"].decode(), keep_blank_values=True))
            self.seen.append((scope["method"], scope["path"], query, key))
        await self.app(scope, receive, send)


def _template(path: str) -> str:
    return UUID.sub("{id}", path)


def test_the_quick_read_only_run_still_sends_every_bad_value_and_bad_key_somewhere(
    reference_with, run_read_only
):
    seen: list = []
    server = reference_with(QueryRecorder, seen=seen)
    run = run_read_only(server)
    assert run.returncode == 0, run.output
    limits = {query.get("limit") for _, _, query, _ in seen}
    assert set(BAD_LIMITS) <= limits, f"bad limits never sent: {set(BAD_LIMITS) - limits}"
    times = {query.get(name) for _, _, query, _ in seen for name in TIME_PARAMETERS}
    assert set(BAD_TIMES) <= times, f"bad timestamps never sent: {set(BAD_TIMES) - times}"
    # the two bad-key contracts share the GET operations: every one still gets a bad key, and
    # each way (no key, an empty key, a wrong key in either header) is still sent
    bad = [(path, key) for _, path, _, key in seen if key is None or "sk_a" not in key]
    spec_gets = {path for path, item in load_spec()["paths"].items() if "get" in item}
    refused = {_template(path) for path, _ in bad}
    assert {re.sub(r"\{[^}]+\}", "{id}", p) for p in spec_gets} <= refused
    keys = {key for _, key in bad}
    assert None in keys and "" in keys
    assert any(k and not k.startswith("Bearer") for k in keys)
    assert any(k and k.startswith("Bearer") for k in keys)
