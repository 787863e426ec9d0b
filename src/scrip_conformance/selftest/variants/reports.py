"""Reports and views that disagree with the ledger: schedule rows and buckets, liability rows,
a participant's inline balances, write answers, and resources shown to the wrong organization
or in the wrong shape."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import Rewrite, variant
from scrip_conformance.selftest.variants.probe import Probe, stamp

SCHEDULE = "/v1/reports/expiration-schedule"
LIABILITY = "/v1/reports/liability"
WINDOW = {"from": stamp(timedelta(days=1)), "to": stamp(timedelta(days=700))}
_PARTICIPANT = re.compile(r"^/v1/participants/[^/]+$")
_WRITE = re.compile(r"^/v1/participants/[^/]+/balances/(adjust|hold|release|forfeit|void-hold)$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}$"
)


def _at_scale(value: Decimal, scale: int) -> str:
    return f"{value:.{scale}f}"


def _dated_credit(p: Probe, amount: str, days: int) -> None:
    p.credit(amount, expires_at=stamp(timedelta(days=days)))


# ---------------------------------------------------------------------------- schedule
def _buckets_reversed(p: Probe) -> bool:
    _dated_credit(p, "1.00", 30)
    _dated_credit(p, "2.00", 200)
    starts = [b["bucket_start"] for b in p.schedule(**WINDOW)["buckets"]]
    return len(starts) > 1 and starts != sorted(starts)


@variant(
    "schedule-buckets-reversed",
    family="schedule",
    contracts=("SCHEDULE-BUCKETS-SORTED-DISJOINT",),
    symptom=_buckets_reversed,
)
class ScheduleBucketsReversed(Rewrite):
    """The schedule's buckets come latest first (a ``DESC`` in the bucket query)."""

    def response(self, method, path, query, status, body):
        if status == 200 and path == SCHEDULE and isinstance(body, dict):
            for row in body.get("data") or []:
                row["buckets"] = list(reversed(row.get("buckets") or []))
        return status, body


def _count_off(p: Probe) -> bool:
    _dated_credit(p, "1.00", 30)
    return [b["lot_count"] for b in p.schedule(**WINDOW)["buckets"]] == [0]


@variant(
    "schedule-lot-count-off-by-one",
    family="schedule",
    contracts=("SCHEDULE-LOT-COUNT-CONSISTENT",),
    symptom=_count_off,
)
class ScheduleLotCountOffByOne(Rewrite):
    """A bucket's ``lot_count`` is the index of its last lot, not the number of lots: one less
    than it should be."""

    def response(self, method, path, query, status, body):
        if status == 200 and path == SCHEDULE and isinstance(body, dict):
            for row in body.get("data") or []:
                for bucket in row.get("buckets") or []:
                    if isinstance(bucket.get("lot_count"), int):
                        bucket["lot_count"] -= 1
        return status, body


def _total_window_only(p: Probe) -> bool:
    p.credit("5.00")
    _dated_credit(p, "1.00", 30)
    return p.schedule(**WINDOW)["total_outstanding"] == "1.00"


@variant(
    "schedule-total-window-only",
    family="schedule",
    contracts=("SCHEDULE-TOTAL-INVARIANT",),
    symptom=_total_window_only,
)
class ScheduleTotalWindowOnly(Rewrite):
    """``total_outstanding`` sums the window's buckets only, instead of every outstanding lot
    (before and after the window and never expiring ones included)."""

    def response(self, method, path, query, status, body):
        if status == 200 and path == SCHEDULE and isinstance(body, dict):
            for row in body.get("data") or []:
                scale = row.get("scale")
                if isinstance(scale, int):
                    total = sum(
                        (Decimal(b["amount"]) for b in row.get("buckets") or []), Decimal(0)
                    )
                    row["total_outstanding"] = _at_scale(total, scale)
        return status, body


def _asset_unfiltered(p: Probe) -> bool:
    p.new_asset(2)
    rows = p.get(SCHEDULE, {**WINDOW, "asset_id": p.asset}).json()["data"]
    return len(rows) > 1


@variant(
    "schedule-asset-filter-ignored",
    family="filters",
    contracts=("SCHEDULE-FILTERS-RESTRICT",),
    symptom=_asset_unfiltered,
)
class ScheduleAssetFilterIgnored(Rewrite):
    """The schedule drops its ``asset_id`` filter: every LOT asset's row comes back whatever
    asset was asked for."""

    def query(self, path, query):
        if path != SCHEDULE:
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k != "asset_id"]
        return urlencode(kept) if len(kept) != len(pairs) else query


def _last_row_dropped(p: Probe) -> bool:
    p.new_asset(2)
    rows = p.get(SCHEDULE, {**WINDOW, "limit": 200}).json()["data"]
    assets = p.get("/v1/assets", {"limit": 200}).json()["data"]
    return len(rows) != sum(a["inventory_mode"] == "LOT" for a in assets)


@variant(
    "schedule-drops-last-row",
    family="schedule",
    contracts=("SCHEDULE-ROWS-PER-LOT-ASSET",),
    symptom=_last_row_dropped,
)
class ScheduleDropsLastRow(Rewrite):
    """Each page of the schedule loses its last row (an off-by-one in the page slice), so one
    LOT asset per page has no row."""

    def response(self, method, path, query, status, body):
        if status == 200 and path == SCHEDULE and isinstance(body, dict) and body.get("data"):
            body["data"] = body["data"][:-1]
        return status, body


# ---------------------------------------------------------------------------- liability
def _two_decimals(p: Probe) -> bool:
    asset = p.new_asset(0)
    p.write("adjust", asset=asset, type="CREDIT", amount="5")
    rows = p.get(LIABILITY, {"asset_id": asset, "limit": 200}).json()["data"]
    return any(row["asset_id"] == asset and row["balance"] == "5.00" for row in rows)


@variant(
    "liability-two-decimals",
    family="amounts",
    contracts=("LIABILITY-ROWS-WELL-FORMED",),
    symptom=_two_decimals,
)
class LiabilityTwoDecimals(Rewrite):
    """The liability report formats every balance with two decimals, whatever the asset's
    scale (``"5.00"`` for an asset of scale 0)."""

    def response(self, method, path, query, status, body):
        if status == 200 and path == LIABILITY and isinstance(body, dict):
            for row in body.get("data") or []:
                if isinstance(row.get("balance"), str) and row.get("scale") != 2:
                    row["balance"] = _at_scale(Decimal(row["balance"]), 2)
        return status, body


def _deferred_row_missing(p: Probe) -> bool:
    p.credit("1.00", matures_at="2099-01-01T00:00:00Z")
    rows = p.get(LIABILITY, {"asset_id": p.asset, "by_bucket": "true"}).json()["data"]
    return not any(row["bucket"] == "DEFERRED" for row in rows)


@variant(
    "liability-buckets-without-deferred",
    family="balances",
    contracts=("LIABILITY-BUCKET-ROWS-SUM",),
    symptom=_deferred_row_missing,
)
class LiabilityBucketsWithoutDeferred(Rewrite):
    """With ``by_bucket=true`` the liability report leaves out the DEFERRED rows (only spendable
    and held value is reported per bucket), so the buckets no longer add up to the total."""

    def response(self, method, path, query, status, body):
        if status == 200 and path == LIABILITY and isinstance(body, dict):
            body["data"] = [r for r in body.get("data") or [] if r.get("bucket") != "DEFERRED"]
        return status, body


# ---------------------------------------------------------------------------- balances
def _detail_counts_held(p: Probe) -> bool:
    p.credit("3.00")
    p.write("hold", amount="1.00")
    detail = p.get(f"/v1/participants/{p.participant}").json()["balances"]
    row = next(r for r in detail if r["asset_id"] == p.asset)
    return row["available"] == "3.00"


@variant(
    "detail-available-includes-held",
    family="balances",
    contracts=("BALANCES-LIST-EQUALS-DETAIL",),
    symptom=_detail_counts_held,
)
class DetailAvailableIncludesHeld(Rewrite):
    """The participant detail's inline balances report held value as available too (its own
    summary query), unlike the balances list."""

    def response(self, method, path, query, status, body):
        if status == 200 and _PARTICIPANT.match(path) and isinstance(body, dict):
            for row in body.get("balances") or []:
                figures = [row.get(k) for k in ("available", "held")]
                if all(isinstance(f, str) for f in figures) and Decimal(row["held"]) != 0:
                    scale = len(row["available"].partition(".")[2])
                    row["available"] = _at_scale(
                        Decimal(row["available"]) + Decimal(row["held"]), scale
                    )
        return status, body


def _write_without_held(p: Probe) -> bool:
    p.credit("3.00")
    answer = p.write("hold", amount="1.00").json()
    return answer["balance"]["held"] in ("0", "0.00")


@variant(
    "write-balance-without-held",
    family="balances",
    contracts=("PROV-WRITE-BALANCE-MATCHES-READ",),
    symptom=_write_without_held,
)
class WriteBalanceWithoutHeld(Rewrite):
    """The ``balance`` of a write's answer is built from AVAILABLE lots only, so its ``held``
    is always zero, unlike the balance read right after."""

    def response(self, method, path, query, status, body):
        if status == 200 and method == "POST" and _WRITE.match(path) and isinstance(body, dict):
            balance = body.get("balance")
            if isinstance(balance, dict) and isinstance(balance.get("held"), str):
                scale = len(balance["held"].partition(".")[2])
                balance["held"] = _at_scale(Decimal(0), scale)
        return status, body


# ---------------------------------------------------------------------------- isolation
def _other_programs(p: Probe) -> bool:
    mine = p.program
    theirs = p.get("/v1/programs", {"limit": 200}, headers=p.headers(p.other)).json()["data"]
    return any(row["id"] == mine for row in theirs)


@variant(
    "programs-of-every-org",
    family="auth",
    contracts=("ISO-LISTS-EXCLUDE",),
    symptom=_other_programs,
    needs_second_org=True,
)
class ProgramsOfEveryOrg(Ledger):
    """The program list misses its organization condition: every organization's programs are
    listed to every key (the lookups by id still check the organization)."""

    def list_programs(self, org, q):
        status, body = super().list_programs(org, q)
        if status != 200 or q.get("cursor"):
            return status, body
        seen = {row["id"] for row in body["data"]}
        for other in dict.fromkeys(self.api_keys.values()):
            if other == org:
                continue
            _, theirs = super().list_programs(other, {k: v for k, v in q.items() if k != "cursor"})
            body["data"] += [row for row in theirs["data"] if row["id"] not in seen]
        return status, body


# ---------------------------------------------------------------------------- auth order
def _validated_first(p: Probe) -> bool:
    return p.get("/v1/participants/not-a-uuid", headers={}).status_code == 400


@variant(
    "path-validated-before-auth",
    family="auth",
    contracts=("AUTH-401-PRECEDES-OTHER-ERRORS",),
    symptom=_validated_first,
)
class PathValidatedBeforeAuth(Rewrite):
    """Path parameters are validated by the router before authentication runs: a request with
    a bad key and a malformed id gets 400 instead of 401."""

    def response(self, method, path, query, status, body):
        if status == 401:
            segments = path.strip("/").split("/")
            if (
                len(segments) >= 3
                and segments[1] in ("participants", "assets", "programs")
                and not _UUID.match(segments[2])
            ):
                return 400, {"code": "validation_error", "message": "path id must be a UUID"}
        return status, body


# ---------------------------------------------------------------------------- shape
def _no_program_ids(p: Probe) -> bool:
    return "program_ids" not in p.get(f"/v1/assets/{p.asset}").json()


def _drop_program_ids(value):
    if isinstance(value, dict):
        if "inventory_mode" in value:
            value.pop("program_ids", None)
        for item in value.values():
            _drop_program_ids(item)
    elif isinstance(value, list):
        for item in value:
            _drop_program_ids(item)


@variant(
    "asset-without-program-ids",
    family="shape",
    contracts=("RESPONSE-MATCHES-SPEC", "PROV-SANDBOX-SETUP"),
    symptom=_no_program_ids,
)
class AssetWithoutProgramIds(Rewrite):
    """Assets are answered without their required ``program_ids`` (the link table is not
    joined in the asset serialiser)."""

    def response(self, method, path, query, status, body):
        if status < 300 and isinstance(body, (dict, list)):
            _drop_program_ids(body)
        return status, body


def _lot_asset_is_program(p: Probe) -> bool:
    p.credit("1.00")
    return (
        p.get(f"/v1/participants/{p.participant}/balances/lots", {"asset_id": p.asset}).json()[
            "data"
        ][0]["asset_id"]
        == p.program
    )


@variant(
    "lot-asset-id-from-program",
    family="lots",
    contracts=("LOT-BELONGS-TO-ASSET",),
    symptom=_lot_asset_is_program,
)
class LotAssetIdFromProgram(Ledger):
    """A lot's ``asset_id`` is serialised from the wrong column (its ``program_id``)."""

    def lot_json(self, row, scale):
        return {**super().lot_json(row, scale), "asset_id": row["program_id"]}
