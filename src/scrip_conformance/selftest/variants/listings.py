"""How lists and timestamps are written: order of lots and balance rows, filters that let too
much through, counters and timestamps in the wrong JSON form."""

from __future__ import annotations

import re
from datetime import timedelta

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import Rewrite, variant
from scrip_conformance.selftest.variants.probe import Probe, stamp

_LOTS_PATH = re.compile(r"^/v1/participants/[^/]+/balances/lots$")
_STAMP_Z = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?)Z$")


def _newest_first(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00")
    return [lot["amount"] for lot in p.lots()] == ["2.00", "1.00"]


@variant(
    "lots-newest-first",
    family="lots",
    contracts=("LOT-ORDER-OLDEST-FIRST",),
    symptom=_newest_first,
)
class LotsNewestFirst(Rewrite):
    """Each page of the lot list is sorted newest first (a ``DESC`` left in the list query,
    while consumption still takes the oldest lot)."""

    def response(self, method, path, query, status, body):
        if status == 200 and _LOTS_PATH.match(path) and isinstance(body, dict):
            body["data"] = list(reversed(body.get("data") or []))
        return status, body


def _rows_unsorted(p: Probe) -> bool:
    second = p.new_asset(2)
    p.credit("1.00")
    p.write("adjust", asset=second, type="CREDIT", amount="1.00")
    rows = p.get(f"/v1/participants/{p.participant}/balances").json()["data"]
    ids = [row["asset_id"] for row in rows]
    return len(ids) > 1 and ids != sorted(ids)


@variant(
    "balance-rows-unsorted",
    family="balances",
    contracts=("BALANCE-ROWS-SORTED",),
    symptom=_rows_unsorted,
)
class BalanceRowsUnsorted(Rewrite):
    """A participant's balance rows come in reverse asset order (a hash map's order, not by
    ``asset_id``), in the balances list and in the participant detail alike."""

    def response(self, method, path, query, status, body):
        if status != 200 or not isinstance(body, dict):
            return status, body
        if path.endswith("/balances") and isinstance(body.get("data"), list):
            body["data"] = sorted(body["data"], key=lambda r: r.get("asset_id", ""), reverse=True)
        elif (
            path.startswith("/v1/participants/")
            and path.count("/") == 3
            and isinstance(body.get("balances"), list)
        ):
            body["balances"] = sorted(
                body["balances"], key=lambda r: r.get("asset_id", ""), reverse=True
            )
        return status, body


def _after_keeps_undated(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00", expires_at=stamp(timedelta(days=50)))
    found = p.lots(expires_after=stamp(timedelta(days=10)))
    return sorted(lot["amount"] for lot in found) == ["1.00", "2.00"]


@variant(
    "expires-after-keeps-undated",
    family="filters",
    contracts=("FILTER-LOT-EXPIRES-AFTER",),
    symptom=_after_keeps_undated,
)
class ExpiresAfterKeepsUndated(Ledger):
    """``expires_after`` treats a lot without expiry as expiring infinitely late, so lots that
    never expire come back with every ``expires_after`` bound."""

    def lot_filters(self, q):
        where, params = super().lot_filters(q)
        return [
            w.replace(
                "expires_at IS NOT NULL AND expires_at > :ea",
                "(expires_at IS NULL OR expires_at > :ea)",
            )
            for w in where
        ], params


def _reference_unfiltered(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00", bucket="HELD", reference_id="selftest-ref")
    return len(p.lots(reference_id="selftest-ref")) != 1


@variant(
    "reference-filter-ignored",
    family="filters",
    contracts=("FILTER-LOT-REFERENCE-ID",),
    symptom=_reference_unfiltered,
)
class ReferenceFilterIgnored(Ledger):
    """The lot list drops the ``reference_id`` filter (read under another name), so every lot
    comes back whatever reference was asked for."""

    def lot_filters(self, q):
        return super().lot_filters({k: v for k, v in q.items() if k != "reference_id"})


def _counters_numbers(p: Probe) -> bool:
    counters = p.get(f"/v1/participants/{p.participant}").json().get("counters") or {}
    return any(not isinstance(v, str) for v in counters.values())


@variant(
    "counters-as-numbers",
    family="shape",
    contracts=("PARTICIPANT-COUNTERS-ARE-STRINGS",),
    symptom=_counters_numbers,
)
class CountersAsNumbers(Rewrite):
    """The participant's counters (lifetime earned and spent) are serialised as JSON numbers
    where the spec has decimal strings."""

    def response(self, method, path, query, status, body):
        if status < 300 and isinstance(body, dict) and isinstance(body.get("counters"), dict):
            body["counters"] = {**body["counters"], "lifetime_earned": 1250, "lifetime_spent": 0}
        return status, body


def _offset_not_z(p: Probe) -> bool:
    p.credit("1.00")
    return p.lots()[0]["created_at"].endswith("+00:00")


def _with_offset(value):
    if isinstance(value, dict):
        return {k: _with_offset(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_offset(v) for v in value]
    if isinstance(value, str):
        match = _STAMP_Z.match(value)
        return f"{match.group(1)}+00:00" if match else value
    return value


@variant(
    "timestamps-with-offset",
    family="shape",
    contracts=("TIME-UTC-Z", "FUZZ-LEDGER-INVARIANTS"),
    symptom=_offset_not_z,
)
class TimestampsWithOffset(Rewrite):
    """Timestamps are written by ``datetime.isoformat()``: UTC as ``+00:00`` instead of the
    trailing ``Z`` the spec requires."""

    def response(self, method, path, query, status, body):
        if status < 300 and body is not None and not isinstance(body, bytes):
            return status, _with_offset(body)
        return status, body
