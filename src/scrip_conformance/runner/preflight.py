"""Pre-flight: before any test, one authenticated GET tells whether the target is reachable,
speaks this API, and accepts the key. Each outcome is a one-line message and an exit code:
3 unreachable or not this API, 2 a key the target rejects (a configuration error). The probe goes
through the suite's bounded client: a huge, trickled or too-deep answer is "not this API"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrip_conformance.cli import EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from scrip_conformance.client import ApiResponse, TargetClient, TargetError

PROBE_PATH = "/v1/assets"


@dataclass(frozen=True)
class PreflightResult:
    exit_code: int
    message: str

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK


def check_base_url(base_url: str) -> str | None:
    """A usage problem with ``base_url`` (exit 2), or None when it is an http(s) URL."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--base-url must be an http:// or https:// URL, got {base_url!r}"
    if parts.username or parts.password:
        return "--base-url must not carry credentials: pass the key with --api-key"
    if parts.query or parts.fragment:
        return "--base-url must not carry a query or a fragment"
    return None


def _is_error_body(response: ApiResponse) -> bool:
    body: Any = response.body
    return response.is_json and isinstance(body, dict) and isinstance(body.get("code"), str)


def _is_list_page(response: ApiResponse) -> bool:
    body: Any = response.body
    return (
        response.is_json
        and isinstance(body, dict)
        and isinstance(body.get("data"), list)
        and isinstance(body.get("pagination"), dict)
    )


def preflight(
    base_url: str, api_key: str, label: str = "the API key", timeout: float = 10.0
) -> PreflightResult:
    """Probe ``GET /v1/assets?limit=1`` with ``api_key``; never puts the key in a message."""
    try:
        with TargetClient(base_url, api_key, timeout=timeout, read_only=True) as client:
            response = client.get(PROBE_PATH, {"limit": 1})
    except TargetError as exc:
        reason = str(exc).splitlines()[0]
        if reason.startswith("no answer") or reason.startswith("no complete answer"):
            return PreflightResult(EXIT_UNREACHABLE, f"{base_url}: {reason}")
        reason = reason.split(": ", 1)[-1] if ": " in reason else reason
        return PreflightResult(EXIT_UNREACHABLE, f"cannot reach {base_url}: {reason}")
    status = response.status_code
    if status in (401, 403) and _is_error_body(response):
        return PreflightResult(
            EXIT_USAGE,
            f"{base_url} rejected {label} ({status} {response.body['code'][:80]}): "
            "check --api-key / SCRIP_API_KEY",
        )
    if status == 200 and _is_list_page(response):
        return PreflightResult(EXIT_OK, f"{base_url} speaks the Scrip API and accepts {label}")
    lowered = {k.lower(): v for k, v in response.headers.items()}
    kind = lowered.get("content-type", "no content type").split(";")[0][:80]
    why = f"; {response.problem}" if response.problem else ""
    return PreflightResult(
        EXIT_UNREACHABLE,
        f"{base_url} does not look like the Scrip API: GET {PROBE_PATH} answered {status} "
        f"({kind}{why})",
    )
