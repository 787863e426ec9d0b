"""Filters, authentication, error handling and response shape."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from scrip_conformance.reference.errors import ApiError
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import Rewrite, variant
from scrip_conformance.selftest.variants.probe import Probe, stamp

ZERO_UUID = "00000000-0000-0000-0000-000000000000"


# ---------------------------------------------------------------------------- filters
def _status_unfiltered(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00", bucket="HELD")
    return len(p.lots(status="HELD")) != 1


@variant(
    "status-filter-ignored",
    family="filters",
    contracts=("FILTER-LOT-STATUS",),
    symptom=_status_unfiltered,
)
class StatusFilterIgnored(Ledger):
    """The lot list drops the ``status`` filter (the parameter is read under another name), so
    every lot comes back whatever status was asked for."""

    def lot_filters(self, q):
        return super().lot_filters({k: v for k, v in q.items() if k != "status"})


def _before_inverted(p: Probe) -> bool:
    p.credit("1.00", expires_at=stamp(timedelta(days=5)))
    p.credit("2.00", expires_at=stamp(timedelta(days=50)))
    found = p.lots(expires_before=stamp(timedelta(days=10)))
    return [lot["amount"] for lot in found] != ["1.00"]


@variant(
    "expires-before-inverted",
    family="filters",
    contracts=("FILTER-LOT-EXPIRES-BEFORE",),
    symptom=_before_inverted,
)
class ExpiresBeforeInverted(Ledger):
    """``expires_before`` compares the wrong way (``expires_at > bound``): it returns the lots
    expiring after the bound."""

    def expires_before_filter(self):
        return "expires_at IS NOT NULL AND expires_at > :eb"


# ---------------------------------------------------------------------------- auth
def _no_key_accepted(p: Probe) -> bool:
    return p.get("/v1/programs", headers={}).status_code == 200


@variant(
    "missing-key-accepted",
    family="auth",
    contracts=("AUTH-MISSING-KEY-401", "FUZZ-AUTH"),
    symptom=_no_key_accepted,
)
class MissingKeyAccepted(Ledger):
    """A request without any key is served as the first organization (a development fallback
    left on), instead of 401."""

    def authenticate(self, x_api_key, authorization):
        if x_api_key is None and authorization is None:
            return next(iter(self.api_keys.values()))
        return super().authenticate(x_api_key, authorization)


def _foreign_visible(p: Probe) -> bool:
    answer = p.get(f"/v1/participants/{p.participant}", headers=p.headers(p.other))
    return answer.status_code == 200


@variant(
    "other-org-participant-visible",
    family="auth",
    contracts=("ISO-READS-404", "ISO-WRITES-404"),
    symptom=_foreign_visible,
    needs_second_org=True,
)
class OtherOrgParticipantVisible(Ledger):
    """Participants are looked up by id alone (the organization condition is missing), so
    another organization's key reads, and writes to, this organization's participants."""

    def load_participant(self, conn, org, participant_id):
        row = conn.execute("SELECT * FROM participants WHERE id = ?", (participant_id,)).fetchone()
        if row is None:
            return super().load_participant(conn, org, participant_id)
        return row


# ---------------------------------------------------------------------------- errors
def _cursor_crash(p: Probe) -> bool:
    return p.get("/v1/programs", {"cursor": "not-a-cursor!"}).status_code >= 500


@variant(
    "bad-cursor-500",
    family="errors",
    contracts=("ERROR-BAD-CURSOR-400", "ERROR-NO-5XX", "FUZZ-NO-SERVER-ERROR"),
    symptom=_cursor_crash,
)
class BadCursor500(Ledger):
    """The cursor is decoded without any error handling: a malformed cursor raises inside the
    handler and is answered 500 instead of 400 invalid_cursor."""

    def decode_cursor(self, token, *args, **kwargs):
        if token is None:
            return None
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
        json.loads(raw.decode("utf-8"))  # raises on anything malformed: answered 500
        return super().decode_cursor(token, *args, **kwargs)


def _unknown_asset_crash(p: Probe) -> bool:
    path = f"/v1/participants/{p.participant}/balances/lots"
    return p.get(path, {"asset_id": ZERO_UUID}).status_code >= 500


@variant(
    "unknown-asset-500",
    family="errors",
    contracts=(
        "ERROR-UNKNOWN-ID-404",
        "ERROR-NO-5XX",
        "FUZZ-NO-SERVER-ERROR",
        "FUZZ-INPUT-VALIDATION",
    ),
    symptom=_unknown_asset_crash,
)
class UnknownAsset500(Ledger):
    """The asset lookup returns ``fetchone()`` unchecked: an unknown asset id crashes the
    handler (None is not subscriptable) and is answered 500 instead of 404."""

    def load_asset(self, conn, org, asset_id):
        return conn.execute(
            "SELECT * FROM assets WHERE id = ? AND org = ?", (asset_id, org)
        ).fetchone()


def _simple_lots_listed(p: Probe) -> bool:
    simple = p.new_asset(2, mode="SIMPLE")
    path = f"/v1/participants/{p.participant}/balances/lots"
    return p.get(path, {"asset_id": simple}).status_code == 200


@variant(
    "simple-asset-lots-empty",
    family="errors",
    contracts=("ERROR-SIMPLE-ASSET-400",),
    symptom=_simple_lots_listed,
)
class SimpleAssetLotsEmpty(Ledger):
    """The lot list of a SIMPLE asset answers an empty page instead of 400 validation_error
    (the inventory-mode check is missing)."""

    def list_participant_lots(self, org, participant_id, q):
        try:
            return super().list_participant_lots(org, participant_id, q)
        except ApiError as exc:
            if exc.status == 400 and "SIMPLE" in exc.message:
                return 200, {"data": [], "pagination": {"has_more": False, "next_cursor": None}}
            raise


# ---------------------------------------------------------------------------- response shape
def _nulls_dropped(p: Probe) -> bool:
    p.credit("1.00")
    return "expires_at" not in p.lots()[0]


def _drop_nulls(value):
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


@variant(
    "nulls-omitted",
    family="shape",
    contracts=("FUZZ-SCHEMA-CONFORMANCE",),
    symptom=_nulls_dropped,
)
class NullsOmitted(Rewrite):
    """The JSON encoder is configured to omit null fields (``exclude_none``), so required
    fields such as a lot's expires_at, matures_at and reference_id vanish when empty."""

    def response(self, method, path, query, status, body):
        if status < 300 and isinstance(body, dict):
            return status, _drop_nulls(body)
        return status, body


def _numbers(p: Probe) -> bool:
    p.credit("1.50")
    return not isinstance(p.balance().get("available"), str)


def _figures_as_numbers(row):
    if isinstance(row, dict):
        for key in ("available", "deferred", "held"):
            if isinstance(row.get(key), str):
                row[key] = float(row[key])


@variant(
    "balance-as-number",
    family="shape",
    contracts=("BALANCE-AT-SCALE", "FUZZ-SCHEMA-CONFORMANCE"),
    symptom=_numbers,
)
class BalanceAsNumber(Rewrite):
    """Balance figures are serialised as JSON numbers (a Decimal turned into a float by the
    encoder) where the spec has decimal strings."""

    def response(self, method, path, query, status, body):
        if status != 200 or not isinstance(body, dict):
            return status, body
        if path.endswith("/balances"):
            for row in body.get("data") or []:
                _figures_as_numbers(row)
        elif path.startswith("/v1/participants/") and path.count("/") == 3:
            for row in body.get("balances") or []:
                _figures_as_numbers(row)
        return status, body


def _bare_401(p: Probe) -> bool:
    answer = p.get("/v1/programs", headers={})
    return answer.status_code == 401 and not answer.content


@variant(
    "unauthorized-without-body",
    family="shape",
    contracts=(
        "AUTH-MISSING-KEY-401",
        "AUTH-WRONG-KEY-401",
        "ERROR-BODY-SHAPE",
        "RESPONSE-IS-JSON",
    ),
    symptom=_bare_401,
)
class UnauthorizedWithoutBody(Rewrite):
    """401 is answered by the authentication middleware with an empty body (no JSON error
    object, no content type)."""

    def response(self, method, path, query, status, body):
        if status == 401:
            return status, b""
        return status, body
