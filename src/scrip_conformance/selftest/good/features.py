"""Known-good variants that take freedoms the spec grants outright: the documented rate limit,
the optional features left out (with the matching ``--unsupported``), error wording and
details, and fields added to answers."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from scrip_conformance.reference.errors import validation
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.resources import load_spec
from scrip_conformance.selftest.good.base import Answer, Reshape, good_variant, walk_objects
from scrip_conformance.selftest.good.probe import GoodProbe
from scrip_conformance.selftest.good.wire import RATE_HEADERS

EXTENSION_MARK = "x-scrip-conformance-extension"
LIABILITY_PATH = "/v1/reports/liability"


# ---------------------------------------------------------------------------- rate limit
def _limited(p: GoodProbe) -> bool:
    answers = [p.get("/v1/programs") for _ in range(40)]
    refused = [a for a in answers if a.status_code == 429]
    return (
        bool(refused)
        and all("retry-after" in a.headers for a in refused)
        and refused[0].json()["code"] == "too_many_requests"
    )


class RateLimited(Ledger):
    """The documented rate limit is enforced (D-RATELIMIT): per organization, a bucket of 30
    requests refilled at 10 per second; beyond it 429 ``too_many_requests`` with
    ``Retry-After`` and the ``X-RateLimit-*`` headers."""


good_variant("rate-limited", freedom="spec", differs=_limited, rate_limit=True)(RateLimited)


# ---------------------------------------------------------------------------- optional features
@functools.cache
def extension_fields() -> dict[str, tuple[str, ...]]:
    """Request schema name -> the fields the spec marks as extension (D-EXTENSION)."""
    found: dict[str, tuple[str, ...]] = {}
    for name, schema in load_spec()["components"]["schemas"].items():
        marked = tuple(
            k
            for k, v in (schema.get("properties") or {}).items()
            if isinstance(v, dict) and v.get(EXTENSION_MARK)
        )
        if marked:
            found[name] = marked
    return found


def _extension_refused(p: GoodProbe) -> bool:
    answer = p.credit("1.00", expires_at="2099-01-01T00:00:00Z")
    return (
        answer.status_code == 400
        and answer.json()["code"] == "validation_error"
        and p.credit("1.00").status_code == 200
    )


class WithoutExtension(Ledger):
    """The server implements only the documented Scrip API: the fields the spec marks
    ``x-scrip-conformance-extension`` are unknown to it and answered 400 ``validation_error``
    (run with ``--unsupported extension``)."""

    def adjust(self, org, participant_id, body):
        fields = extension_fields().get("AdjustRequest", ())
        given = [f for f in fields if f in body]
        if given:
            raise validation(f"unknown field(s): {', '.join(given)}")
        return super().adjust(org, participant_id, body)


good_variant(
    "without-extension",
    freedom="spec",
    differs=_extension_refused,
    unsupported=("extension",),
    demo_with_reference=True,
)(WithoutExtension)


def _no_liability(p: GoodProbe) -> bool:
    answer = p.get(LIABILITY_PATH)
    return answer.status_code == 404 and answer.json()["code"] == "not_found"


@good_variant(
    "without-liability-report",
    freedom="spec",
    differs=_no_liability,
    unsupported=("liability-report",),
)
class WithoutLiabilityReport(Reshape):
    """The server does not serve the liability report: ``GET /v1/reports/liability`` is an
    unknown route, 404 ``not_found`` (run with ``--unsupported liability-report``)."""

    def reshape(self, answer: Answer) -> None:
        if answer.path.rstrip("/") == LIABILITY_PATH and answer.status != 401:
            answer.status = 404
            answer.body = {"code": "not_found", "message": "no such route"}
            answer.drop_header("allow")


def _no_rate_headers(p: GoodProbe) -> bool:
    answer = p.get("/v1/programs")
    return answer.status_code == 200 and not any(h in answer.headers for h in RATE_HEADERS)


@good_variant(
    "without-rate-limit-headers",
    freedom="spec",
    differs=_no_rate_headers,
    unsupported=("rate-limit-headers",),
)
class WithoutRateLimitHeaders(Reshape):
    """No answer carries the ``X-RateLimit-*`` headers (run with ``--unsupported
    rate-limit-headers``); no rate limit is enforced either."""

    def reshape(self, answer: Answer) -> None:
        for name in RATE_HEADERS:
            answer.drop_header(name)


# ---------------------------------------------------------------------------- errors
def _reworded(p: GoodProbe) -> bool:
    answer = p.get("/v1/programs", headers={})
    return (
        answer.status_code == 401
        and answer.json()["code"] == "unauthorized"
        and answer.json()["message"].startswith("Sorry")
    )


MESSAGES = {
    "validation_error": "Sorry, this request is not valid.",
    "invalid_scale": "Sorry, that amount has too many decimal places for this asset.",
    "invalid_cursor": "Sorry, this page token cannot be used here.",
    "unauthorized": "Sorry, we could not authenticate you.",
    "not_found": "Sorry, nothing was found there.",
}


@good_variant("reworded-error-messages", freedom="spec", differs=_reworded)
class RewordedMessages(Reshape):
    """Every error message is worded differently (a friendlier, translated-style text); the
    ``code`` and the status stay the same. Only the code is a contract."""

    def reshape(self, answer: Answer) -> None:
        body = answer.body
        if answer.status >= 400 and isinstance(body, dict) and isinstance(body.get("code"), str):
            body["message"] = MESSAGES.get(
                body["code"], f"Sorry, that did not work ({body['code']})."
            )


def _details(p: GoodProbe) -> bool:
    answer = p.get("/v1/programs", {"limit": 0})
    return answer.status_code == 400 and isinstance(answer.json().get("details"), dict)


@good_variant("error-details", freedom="spec", differs=_details)
class ErrorDetails(Reshape):
    """Every error body carries the optional ``details`` object D-ERRORS allows (a request id
    and the HTTP status)."""

    def reshape(self, answer: Answer) -> None:
        body = answer.body
        if answer.status >= 400 and isinstance(body, dict) and "code" in body:
            body["details"] = {"request_id": str(uuid.uuid4()), "status": answer.status}


# ---------------------------------------------------------------------------- extra fields
VENDOR_FIELD = "x_vendor_ref"


def _vendor_field(p: GoodProbe) -> bool:
    p.credit("1.00")
    return VENDOR_FIELD in p.lots()[0]


def _stamp(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("id"), str):
        obj[VENDOR_FIELD] = "vnd-" + obj["id"][:8]


@good_variant("extra-vendor-field", freedom="spec", differs=_vendor_field)
class ExtraVendorField(Reshape):
    """Every resource object in an answer (a lot, an asset, a participant, a program) carries
    one more field, ``x_vendor_ref``: adding a response field is a non-breaking change."""

    def reshape(self, answer: Answer) -> None:
        if answer.status < 300 and answer.body is not None:
            walk_objects(answer.body, _stamp)
