"""Pre-flight: before any test, one authenticated GET tells whether the target is reachable,
speaks this API, and accepts the key. Each outcome is a one-line message and an exit code:
3 unreachable or not this API, 2 a key the target rejects (a configuration error)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from scrip_conformance.cli import EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE

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


def _is_error_body(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("code"), str)


def _is_list_page(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and isinstance(body.get("data"), list)
        and isinstance(body.get("pagination"), dict)
    )


def preflight(
    base_url: str, api_key: str, label: str = "the API key", timeout: float = 10.0
) -> PreflightResult:
    """Probe ``GET /v1/assets?limit=1`` with ``api_key``; never puts the key in a message."""
    url = base_url.rstrip("/") + PROBE_PATH
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.get(url, params={"limit": 1}, headers={"X-API-Key": api_key})
    except httpx.TimeoutException:
        return PreflightResult(EXIT_UNREACHABLE, f"{base_url} did not answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return PreflightResult(EXIT_UNREACHABLE, f"cannot reach {base_url}: {reason}")
    status = response.status_code
    if status in (401, 403) and _is_error_body(response):
        return PreflightResult(
            EXIT_USAGE,
            f"{base_url} rejected {label} ({status} {response.json()['code']}): "
            "check --api-key / SCRIP_API_KEY",
        )
    if status == 200 and _is_list_page(response):
        return PreflightResult(EXIT_OK, f"{base_url} speaks the Scrip API and accepts {label}")
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return PreflightResult(
        EXIT_UNREACHABLE,
        f"{base_url} does not look like the Scrip API: GET {PROBE_PATH} answered {status} ({kind})",
    )
