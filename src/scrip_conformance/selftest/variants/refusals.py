"""What must be refused and is not, or is refused the wrong way: malformed ids, unparseable
timestamps, a reversed window, an unknown granularity, error codes, and writes the ledger must
turn down."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import Rewrite, variant
from scrip_conformance.selftest.variants.probe import Probe

SCHEDULE = "/v1/reports/expiration-schedule"
TIME_PARAMS = ("expires_before", "expires_after", "from", "to", "as_of")
GRANULARITIES = ("day", "week", "month")


def _parses(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return "T" in text.upper()


# ---------------------------------------------------------------------------- ids
def _malformed_404(p: Probe) -> bool:
    return p.get("/v1/participants/not-a-uuid").status_code == 404


@variant(
    "malformed-id-404",
    family="errors",
    contracts=("ERROR-MALFORMED-ID-400",),
    symptom=_malformed_404,
)
class MalformedId404(Rewrite):
    """An id that is not a UUID is looked up anyway and answered 404 ``not_found`` instead of
    400 ``validation_error``."""

    def response(self, method, path, query, status, body):
        if (
            status == 400
            and isinstance(body, dict)
            and "uuid" in str(body.get("message", "")).lower()
        ):
            return 404, {"code": "not_found", "message": "not found"}
        return status, body


# ---------------------------------------------------------------------------- timestamps
def _bad_time_ignored(p: Probe) -> bool:
    return p.get("/v1/participants", {"from": "yesterday"}).status_code == 200


@variant(
    "bad-timestamp-ignored",
    family="errors",
    contracts=("ERROR-BAD-TIMESTAMP-400",),
    symptom=_bad_time_ignored,
)
class BadTimestampIgnored(Rewrite):
    """A lenient date parser drops a time parameter it cannot read (``from=yesterday``) and
    answers the unfiltered request instead of 400 ``validation_error``."""

    def query(self, path, query):
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k not in TIME_PARAMS or _parses(v)]
        return urlencode(kept) if len(kept) != len(pairs) else query


def _window_swapped(p: Probe) -> bool:
    query = {"from": "2026-12-31T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    return p.get(SCHEDULE, query).status_code == 200


@variant(
    "schedule-window-swapped",
    family="errors",
    contracts=("ERROR-SCHEDULE-WINDOW-400",),
    symptom=_window_swapped,
)
class ScheduleWindowSwapped(Rewrite):
    """A schedule window given backwards (``from`` after ``to``) is silently turned around
    instead of refused with 400 ``validation_error``."""

    def query(self, path, query):
        if path != SCHEDULE:
            return query
        pairs = dict(parse_qsl(query, keep_blank_values=True))
        start, end = pairs.get("from"), pairs.get("to")
        if start and end and _parses(start) and _parses(end) and start > end:
            pairs["from"], pairs["to"] = end, start
            return urlencode(pairs)
        return query


def _granularity_fallback(p: Probe) -> bool:
    query = {
        "from": "2026-01-01T00:00:00Z",
        "to": "2026-03-01T00:00:00Z",
        "granularity": "fortnight",
    }
    return p.get(SCHEDULE, query).status_code == 200


@variant(
    "granularity-falls-back",
    family="errors",
    contracts=("ERROR-SCHEDULE-GRANULARITY-400",),
    symptom=_granularity_fallback,
)
class GranularityFallsBack(Rewrite):
    """An unknown schedule granularity falls back to ``month`` (a ``default:`` branch in a
    switch) instead of 400 ``validation_error``."""

    def query(self, path, query):
        if path != SCHEDULE:
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        fixed = [
            (k, "month" if k == "granularity" and v not in GRANULARITIES else v) for k, v in pairs
        ]
        return urlencode(fixed) if fixed != pairs else query


# ---------------------------------------------------------------------------- error codes
def _not_found_code(p: Probe) -> bool:
    answer = p.get("/v1/assets/00000000-0000-4000-8000-000000000000")
    return answer.status_code == 404 and answer.json().get("code") == "resource_not_found"


@variant(
    "not-found-code-renamed",
    family="errors",
    contracts=("ERROR-CODE-MATCHES-STATUS", "ERROR-UNKNOWN-ID-404"),
    symptom=_not_found_code,
)
class NotFoundCodeRenamed(Rewrite):
    """404 answers carry the code ``resource_not_found`` (a framework's default) instead of
    ``not_found``, the code the spec lists for 404."""

    def response(self, method, path, query, status, body):
        if status == 404 and isinstance(body, dict) and body.get("code") == "not_found":
            return status, {**body, "code": "resource_not_found"}
        return status, body


# ---------------------------------------------------------------------------- refused writes
def _held_credit_available(p: Probe) -> bool:
    p.credit("3.00", bucket="HELD")
    return [lot["status"] for lot in p.lots()] == ["AVAILABLE"]


@variant(
    "held-credit-lands-available",
    family="holds",
    contracts=("PROV-CREDIT-INTO-HELD",),
    symptom=_held_credit_available,
)
class HeldCreditLandsAvailable(Ledger):
    """A CREDIT with ``bucket: HELD`` (and no reference) is booked into AVAILABLE: the bucket
    is honoured for provisional holds only."""

    def adjust(self, org, participant_id, body):
        if (
            body.get("type") == "CREDIT"
            and body.get("bucket") == "HELD"
            and "reference_id" not in body
        ):
            body = {k: v for k, v in body.items() if k != "bucket"}
        return super().adjust(org, participant_id, body)


def _archived_writable(p: Probe) -> bool:
    p.http.patch(f"/v1/assets/{p.asset}", json={"status": "ARCHIVED"}, headers=p.headers())
    return p.credit("1.00").status_code == 200


@variant(
    "archived-asset-writable",
    family="lots",
    contracts=("PROV-ARCHIVED-ASSET-REFUSES-WRITES",),
    symptom=_archived_writable,
)
class ArchivedAssetWritable(Ledger):
    """The archived-asset check was lost in a refactor: adjust, hold, release, forfeit and
    void-hold on an ARCHIVED asset succeed instead of 422 ``asset_archived``."""

    def check_writable(self, asset):
        return None


def _ceiling_ignored(p: Probe) -> bool:
    body = {
        "program_id": p.program,
        "name": "capped",
        "symbol": "CAP",
        "inventory_mode": "LOT",
        "issuance_policy": "UNLIMITED",
        "scale": 2,
        "max_transaction_amount": "10.00",
    }
    asset = p.post("/v1/assets", body).json()["id"]
    return p.write("adjust", asset=asset, type="CREDIT", amount="11.00").status_code == 200


@variant(
    "max-transaction-amount-ignored",
    family="amounts",
    contracts=("PROV-MAX-TRANSACTION-AMOUNT",),
    symptom=_ceiling_ignored,
)
class MaxTransactionAmountIgnored(Ledger):
    """The asset's ``max_transaction_amount`` is never enforced (it is read from the program,
    which has none): an adjust above the ceiling succeeds instead of 422."""

    def _write_context(self, conn, org, participant_id, body):
        participant, program, asset = super()._write_context(conn, org, participant_id, body)
        return participant, program, {**dict(asset), "max_transaction_amount": None}
