"""Bugs that escaped the suite before issue 13: writes accepted from inactive participants, a
liability report that ignores a past ``as_of``, and program filters that keep the program's
assets but not only its lots."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import variant
from scrip_conformance.selftest.variants.probe import Probe

_COUNTER = itertools.count(1)


# ---------------------------------------------------------------------------- inactive
def _inactive(p: Probe, status: str) -> str:
    body = {
        "external_id": f"selftest-{status.lower()}-{next(_COUNTER)}-{p.program[:8]}",
        "program_id": p.program,
        "status": status,
    }
    return p.post("/v1/participants", body).json()["id"]


def _suspended_credited(p: Probe) -> bool:
    return (
        p.write("adjust", _inactive(p, "SUSPENDED"), type="CREDIT", amount="1.00").status_code
        == 200
    )


def _closed_credited(p: Probe) -> bool:
    return (
        p.write("adjust", _inactive(p, "CLOSED"), type="CREDIT", amount="1.00").status_code == 200
    )


@variant(
    "inactive-participant-writable",
    family="errors",
    contracts=("PROV-INACTIVE-PARTICIPANT-REFUSES-WRITES",),
    symptom=_closed_credited,
)
class InactiveParticipantWritable(Ledger):
    """The participant's status is never checked on writes: adjust, hold and release of a
    SUSPENDED or CLOSED participant succeed instead of 422 participant_inactive."""

    def check_active(self, participant):
        return None


@variant(
    "suspended-participant-writable",
    family="errors",
    contracts=("PROV-INACTIVE-PARTICIPANT-REFUSES-WRITES",),
    symptom=_suspended_credited,
)
class SuspendedParticipantWritable(Ledger):
    """Only CLOSED participants are refused (``status == 'CLOSED'``): a SUSPENDED participant
    still takes adjust, hold and release."""

    def check_active(self, participant):
        if participant["status"] == "CLOSED":
            super().check_active(participant)


# ---------------------------------------------------------------------------- liability
def _past_as_of_ignored(p: Probe) -> bool:
    p.credit("1.00")
    created = p.lots()[0]["created_at"]
    time.sleep(0.4)
    p.credit("2.00")
    moment = datetime.fromisoformat(created.replace("Z", "+00:00")) + timedelta(seconds=0.2)
    query = {
        "asset_id": p.asset,
        "program_id": p.program,
        "as_of": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    rows = p.get("/v1/reports/liability", query).json()["data"]
    return [r["balance"] for r in rows] != ["1.00"]


@variant(
    "liability-ignores-as-of",
    family="balances",
    contracts=("PROV-LIABILITY-AS-OF-PAST",),
    symptom=_past_as_of_ignored,
)
class LiabilityIgnoresAsOf(Ledger):
    """The liability report sums the ledger as it is now whatever ``as_of`` says (and echoes
    the ``as_of`` asked for), so a report at a past instant counts later writes."""

    def liability_sums(self, conn, where, params, by_bucket):
        now = dict(params, as_of=self.format_time(self.now()))
        return super().liability_sums(conn, where, now, by_bucket)


# ---------------------------------------------------------------------------- program filters
def _two_programs(p: Probe) -> str:
    second = p.post("/v1/programs", {"name": f"selftest second {next(_COUNTER)}"}).json()["id"]
    p.post(f"/v1/programs/{second}/assets", {"asset_id": p.asset})
    p.credit("1.00")
    p.write("adjust", program_id=second, type="CREDIT", amount="2.00")
    return second


def _schedule_counts_other_programs(p: Probe) -> bool:
    _two_programs(p)
    row = p.schedule(
        **{"from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z", "program_id": p.program}
    )
    return row["total_outstanding"] != "1.00"


@variant(
    "schedule-program-keeps-all-lots",
    family="schedule",
    contracts=("PROV-SCHEDULE-PROGRAM-RESTRICTS-LOTS",),
    symptom=_schedule_counts_other_programs,
)
class ScheduleProgramKeepsAllLots(Ledger):
    """The schedule's ``program_id`` keeps the assets linked to the program but sums every
    lot of them, those credited under other programs included."""

    def schedule_row(self, conn, asset, start, end, granularity, program_id):
        return super().schedule_row(conn, asset, start, end, granularity, None)


def _lot_list_program_ignored(p: Probe) -> bool:
    _two_programs(p)
    return len(p.lots(program_id=p.program)) != 1


@variant(
    "lot-program-filter-ignored",
    family="filters",
    contracts=("PROV-PROGRAM-FILTERS-RESTRICT-LOTS",),
    symptom=_lot_list_program_ignored,
)
class LotProgramFilterIgnored(Ledger):
    """The lot list ignores ``program_id``: lots credited under every program are listed."""

    def lot_filters(self, q):
        return super().lot_filters({k: v for k, v in q.items() if k != "program_id"})


# ---------------------------------------------------------------------------- list filters
def _participants(p: Probe, **query) -> list[dict]:
    return p.get("/v1/participants", {"limit": 200, **query}).json()["data"]


def _to_bound_exclusive(p: Probe) -> bool:
    created = p.get(f"/v1/participants/{p.participant}").json()["created_at"]
    return p.participant not in {x["id"] for x in _participants(p, to=created)}


@variant(
    "participant-to-bound-exclusive",
    family="filters",
    contracts=("FILTER-PARTICIPANTS-EXACT",),
    symptom=_to_bound_exclusive,
)
class ParticipantToBoundExclusive(Ledger):
    """The participant list's ``to`` bound is exclusive (``created_at < to``), so a participant
    created exactly at the bound is left out although the spec makes both bounds inclusive."""

    def list_participants(self, org, q):
        if not q.get("to"):
            return super().list_participants(org, q)
        bound = self.parse_time(q["to"], "to") - timedelta(microseconds=1)
        return super().list_participants(org, dict(q, to=self.format_time(bound)))


def _descending_ignored(p: Probe) -> bool:
    p.new_participant()
    rows = _participants(p, sort_by="created_at", sort_dir="desc")
    stamps = [r["created_at"] for r in rows]
    return stamps != sorted(stamps, reverse=True)


@variant(
    "participant-sort-dir-ignored",
    family="filters",
    contracts=("LIST-SORT-ORDER",),
    symptom=_descending_ignored,
)
class ParticipantSortDirIgnored(Ledger):
    """The participant list ignores ``sort_dir``: ``desc`` still lists in ascending order."""

    def list_participants(self, org, q):
        return super().list_participants(org, {k: v for k, v in q.items() if k != "sort_dir"})


def _search_case_sensitive(p: Probe) -> bool:
    name = p.get(f"/v1/assets/{p.asset}").json()["name"]
    found = p.get("/v1/assets", {"search": name.upper(), "limit": 200}).json()["data"]
    return p.asset not in {a["id"] for a in found}


@variant(
    "asset-search-case-sensitive",
    family="filters",
    contracts=("FILTER-ASSETS-EXACT",),
    symptom=_search_case_sensitive,
)
class AssetSearchCaseSensitive(Ledger):
    """The asset list's ``search`` matches case-sensitively (``GLOB`` instead of ``LIKE``), so
    a term typed in another case finds nothing."""

    def list_assets(self, org, q):
        status, body = super().list_assets(org, q)
        term = q.get("search")
        if term and status == 200:
            body["data"] = [a for a in body["data"] if term in a["symbol"] or term in a["name"]]
        return status, body


def _status_overrides_reference(p: Probe) -> bool:
    p.credit("3.00")
    p.write("hold", amount="1.00", reference_id="first")
    p.write("hold", amount="1.00", reference_id="second")
    return len(p.lots(status="HELD", reference_id="first")) != 1


@variant(
    "lot-status-filter-overrides-others",
    family="filters",
    contracts=("FILTER-LOT-COMBINED",),
    symptom=_status_overrides_reference,
)
class LotStatusFilterOverridesOthers(Ledger):
    """The lot list's filters are an if/elif chain: with ``status`` given, ``reference_id`` and
    the expiry bounds are ignored (each filter alone still works)."""

    def lot_filters(self, q):
        if q.get("status"):
            q = {k: v for k, v in q.items() if k in ("status", "program_id")}
        return super().lot_filters(q)


def _program_search_ignored(p: Probe) -> bool:
    found = p.get("/v1/programs", {"search": "scripconformancenosuchterm"}).json()["data"]
    return bool(found)


@variant(
    "program-search-ignored",
    family="filters",
    contracts=("FILTER-PROGRAMS-EXACT",),
    symptom=_program_search_ignored,
)
class ProgramSearchIgnored(Ledger):
    """The program list ignores ``search``: every program is listed whatever the term."""

    def list_programs(self, org, q):
        return super().list_programs(org, {k: v for k, v in q.items() if k != "search"})


def _balances_filter_ignored(p: Probe) -> bool:
    other = p.new_asset(0)
    p.credit("1.00")
    p.write("adjust", asset=other, type="CREDIT", amount="1")
    path = f"/v1/participants/{p.participant}/balances"
    return len(p.get(path, {"asset_id": other}).json()["data"]) != 1


@variant(
    "balances-asset-filter-ignored",
    family="filters",
    contracts=("FILTER-BALANCES-ASSET-ID",),
    symptom=_balances_filter_ignored,
)
class BalancesAssetFilterIgnored(Ledger):
    """A participant's balances list ignores ``asset_id`` and answers every row."""

    def list_participant_balances(self, org, participant_id, q):
        kept = {k: v for k, v in q.items() if k != "asset_id"}
        return super().list_participant_balances(org, participant_id, kept)


def _linked_twice(p: Probe) -> bool:
    return p.post(f"/v1/programs/{p.program}/assets", {"asset_id": p.asset}).status_code == 200


@variant(
    "link-twice-accepted",
    family="errors",
    contracts=("PROV-LINK-TWICE-CONFLICT",),
    symptom=_linked_twice,
)
class LinkTwiceAccepted(Ledger):
    """Linking an asset to a program it is already linked to answers 200 (an upsert) instead
    of 409 conflict."""

    def link_program_asset(self, org, program_id, body):
        with self.writing() as conn:
            self.load_program(conn, org, program_id)
            asset = self.load_asset(conn, org, body["asset_id"].lower())
            if not self.is_linked(conn, program_id, asset["id"]):
                conn.execute(
                    "INSERT INTO program_assets(program_id, asset_id) VALUES (?, ?)",
                    (program_id, asset["id"]),
                )
            return 200, self.asset_json(conn, asset)
