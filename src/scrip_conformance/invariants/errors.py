"""Error answers and response hygiene (ERROR-*, RESPONSE-*, RATELIMIT-*, TIME-*).

D-ERRORS: every 4xx has ``{code, message}``; the code fits the status; a well-formed request
never gets a 5xx. D-RATELIMIT: rate-limit headers on every response. D-TIME: UTC ``Z`` stamps.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from scrip_conformance.invariants import timestamps
from scrip_conformance.invariants._common import show, violation
from scrip_conformance.violations import Violation

CODES_BY_STATUS = {
    400: {"validation_error", "invalid_scale", "invalid_cursor"},
    401: {"unauthorized"},
    403: {"forbidden"},
    404: {"not_found"},
    409: {"conflict", "idempotency_conflict"},
    422: {
        "insufficient_balance",
        "asset_archived",
        "max_transaction_amount_exceeded",
        "participant_inactive",
    },
    429: {"too_many_requests"},
}
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
TIMESTAMP_FIELDS = frozenset(
    {
        "created_at",
        "updated_at",
        "deleted_at",
        "expires_at",
        "matures_at",
        "bucket_start",
        "bucket_end",
        "as_of",
    }
)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def check_no_server_error(status: int) -> list[Violation]:
    """ERROR-NO-5XX: no input earns a 5xx."""
    if status >= 500:
        return [
            violation(
                "ERROR-NO-5XX",
                f"server error {status}",
                "a 2xx or a 4xx with a JSON error body, never a 5xx",
                f"status {status}",
            )
        ]
    return []


def is_json_content_type(value: str | None) -> bool:
    if not value:
        return False
    media = value.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def check_json_body(
    status: int, headers: Mapping[str, str], body_is_json: bool, raw_excerpt: str = ""
) -> list[Violation]:
    """RESPONSE-IS-JSON: every answer (errors included) is JSON, labelled application/json."""
    if status == 204 or status >= 500:
        return []
    content_type = _header(headers, "content-type")
    if body_is_json and is_json_content_type(content_type):
        return []
    observed = f"status {status}, Content-Type {content_type!r}"
    if not body_is_json:
        observed += f", body not JSON: {raw_excerpt[:120]!r}"
    return [
        violation(
            "RESPONSE-IS-JSON",
            "response is not a JSON document",
            "a JSON body with Content-Type application/json",
            observed,
        )
    ]


def check_error_body(status: int, body: Any) -> list[Violation]:
    """ERROR-BODY-SHAPE and ERROR-CODE-MATCHES-STATUS for a 4xx answer."""
    if not 400 <= status < 500:
        return []
    if not (
        isinstance(body, dict)
        and isinstance(body.get("code"), str)
        and body["code"]
        and isinstance(body.get("message"), str)
    ):
        return [
            violation(
                "ERROR-BODY-SHAPE",
                f"{status} without an error object",
                '{"code": "<non-empty string>", "message": "<string>"}',
                show(body),
            )
        ]
    codes = CODES_BY_STATUS.get(status)
    if codes is not None and body["code"] not in codes:
        return [
            violation(
                "ERROR-CODE-MATCHES-STATUS",
                f"error code does not fit status {status}",
                f"code in {sorted(codes)}",
                f"code = {body['code']!r}",
            )
        ]
    return []


def check_expected_error(
    status: int,
    body: Any,
    expected_status: int,
    codes: Collection[str] | None,
    contract_id: str,
    summary: str,
) -> list[Violation]:
    """The answer is ``expected_status`` with one of ``codes`` (any code when None)."""
    got_code = body.get("code") if isinstance(body, dict) else None
    if status == expected_status and (codes is None or got_code in codes):
        return []
    wanted = f"status {expected_status}" + (f" with code in {sorted(codes)}" if codes else "")
    return [violation(contract_id, summary, wanted, f"status {status}, body {show(body)}")]


def check_rate_limit_headers(status: int, headers: Mapping[str, str]) -> list[Violation]:
    """RATELIMIT-HEADERS: the three X-RateLimit-* headers, integers; Retry-After on a 429."""
    wanted = list(RATE_LIMIT_HEADERS) + (["Retry-After"] if status == 429 else [])
    bad = [name for name in wanted if not (_header(headers, name) or "").strip().isdigit()]
    if not bad:
        return []
    return [
        violation(
            "RATELIMIT-HEADERS",
            "rate-limit headers missing or not integers",
            ", ".join(wanted) + " as non-negative integers",
            ", ".join(f"{name}: {_header(headers, name)!r}" for name in bad),
        )
    ]


def check_timestamps_utc(body: Any) -> list[Violation]:
    """TIME-UTC-Z: every timestamp of a response body is RFC 3339 in UTC with ``Z``."""
    bad: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}.{key}" if path else key
                if (
                    key in TIMESTAMP_FIELDS
                    and value is not None
                    and not isinstance(value, dict | list)
                ):
                    if not timestamps.is_utc_z(value):
                        bad.append(f"{where} = {show(value)}")
                else:
                    walk(value, where)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    if _all_utc(body):  # the usual case, judged without building the path of every field
        return []
    walk(body, "")
    if not bad:
        return []
    return [
        violation(
            "TIME-UTC-Z",
            "timestamp not in UTC with Z",
            "RFC 3339 in UTC with a trailing Z, at most 6 fraction digits (D-TIME)",
            "; ".join(bad[:5]),
        )
    ]


def _all_utc(node: Any) -> bool:
    """Whether every timestamp field under ``node`` is as TIME-UTC-Z wants it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TIMESTAMP_FIELDS and value is not None and not isinstance(value, dict | list):
                if not timestamps.is_utc_z(value):
                    return False
            elif isinstance(value, dict | list) and not _all_utc(value):
                return False
        return True
    if isinstance(node, list):
        return all(_all_utc(value) for value in node if isinstance(value, dict | list))
    return True
