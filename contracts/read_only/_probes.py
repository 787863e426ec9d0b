"""The invalid requests the error contracts send, each with the answer the spec requires."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from scrip_conformance.discovery import walk_list
from scrip_conformance.sampling import rotation

from ._support import rng

SCHEDULE = "/v1/reports/expiration-schedule"
LIABILITY = "/v1/reports/liability"
WINDOW = {"from": "2026-01-01T00:00:00Z", "to": "2026-12-31T23:59:59Z"}
BAD_LIMITS = ("0", "201", "-1", "abc", "1.5", "99999999999999999999")
BAD_TIMES = ("yesterday", "2026-13-01T00:00:00Z", "2026-01-01", "2026-01-01T25:00:00Z")
VALIDATION = {"validation_error"}
ODD_INPUTS = [
    ("/v1/participants", {"search": "' OR 1=1 --"}),
    ("/v1/participants", {"search": "\u00e9\u00e8\u2603 \U0001f600"}),
    ("/v1/participants", {"external_id": "x" * 5000}),
    ("/v1/participants", {"sort_by": "id; DROP TABLE lots"}),
    ("/v1/assets", {"cursor": "A" * 2048}),
    ("/v1/assets", {"status": "archived"}),
    ("/v1/assets", {"unknown_parameter": "1"}),
    ("/v1/assets/00000000-0000-0000-0000-000000000000", {}),
    ("/v1/participants/FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF", {}),
    (SCHEDULE, {"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}),
    (SCHEDULE, {"from": "2026-01-01T00:00:00+14:00", "to": "2026-01-01T00:00:00-12:00"}),
    (LIABILITY, {"as_of": "0001-01-01T00:00:00Z"}),
    (LIABILITY, {"by_bucket": "maybe"}),
]


def odd_inputs(target) -> list[tuple[str, dict]]:
    """The strange but harmless GET requests, without those of a feature the target declares
    unsupported (the liability report); a smaller budget sends ``odd_inputs`` of them, from a
    seeded place in the list (they buy no known-bad variant the error probes miss: the run's
    seeds take each in turn)."""
    chosen = [
        (path, query)
        for path, query in ODD_INPUTS
        if path != LIABILITY or target.supports("liability-report")
    ]
    start = rng(target, "odd-inputs").randrange(len(chosen))
    return list(rotation(chosen, start, target.limits.get("odd_inputs")))


@dataclass
class Probe:
    contract_id: str
    summary: str
    path: str
    query: dict = field(default_factory=dict)
    status: int = 400
    codes: frozenset = frozenset(VALIDATION)


def build_probes(discovery, target, api) -> tuple[list[Probe], dict[str, str]]:
    """Every invalid request tried, and the contracts that could not be probed (with why)."""
    generator = rng(target, "error-probes")
    unknown = str(uuid.UUID(int=generator.getrandbits(128), version=4))
    participant = discovery.first_participant_id
    lot_asset = next(iter(discovery.lot_assets()), None)
    simple_asset = next(iter(discovery.simple_assets()), None)
    skipped: dict[str, str] = {}
    liability = target.supports("liability-report")  # else never called (--unsupported)
    lists = [
        ("/v1/assets", {}),
        ("/v1/participants", {}),
        ("/v1/programs", {}),
        (SCHEDULE, WINDOW),
    ]
    if liability:
        lists.append((LIABILITY, {}))
    if participant:
        lists.append((f"/v1/participants/{participant}/balances", {}))
        if lot_asset:
            lists.append((f"/v1/participants/{participant}/balances/lots", {"asset_id": lot_asset}))
    per_list = target.limits.get("bad_values")  # how many of each bad value set one list tries
    start = generator.randrange(len(BAD_LIMITS) * len(BAD_TIMES))
    # the lists sent a malformed cursor: every one, or (smaller budgets) a few taken in turn
    cursor_lists = set(rotation(range(len(lists)), start, target.limits.get("bad_cursor_lists")))
    probes = []
    for index, (path, query) in enumerate(lists):
        for limit in rotation(BAD_LIMITS, start + index, per_list):
            probes.append(
                Probe(
                    "ERROR-BAD-LIMIT-400",
                    f"limit={limit} is not refused",
                    path,
                    dict(query, limit=limit),
                )
            )
        if index not in cursor_lists:
            continue
        probes.append(
            Probe(
                "ERROR-BAD-CURSOR-400",
                "a malformed cursor is not refused",
                path,
                dict(query, cursor="scrip-conformance-not-a-cursor"),
                codes=frozenset({"invalid_cursor"}),
            )
        )
    foreign = walk_list(api, "/v1/participants", page_size=1, max_items=1)
    cursor = foreign.next_cursor
    if cursor:
        probes.append(
            Probe(
                "ERROR-BAD-CURSOR-400",
                "a cursor of another list is not refused",
                "/v1/assets",
                {"cursor": cursor},
                codes=frozenset({"invalid_cursor"}),
            )
        )
    # each timestamp parameter, where the target has it: (name, path, the rest of the query)
    stamped = [
        ("from", SCHEDULE, WINDOW),
        ("to", SCHEDULE, WINDOW),
        ("from", "/v1/participants", {}),
    ]
    if liability:
        stamped.append(("as_of", LIABILITY, {}))
    if participant and lot_asset:
        lots = f"/v1/participants/{participant}/balances/lots"
        stamped += [
            ("expires_before", lots, {"asset_id": lot_asset}),
            ("expires_after", lots, {"asset_id": lot_asset}),
        ]
    for index, (name, path, query) in enumerate(stamped):
        for text in rotation(BAD_TIMES, start + index, per_list):
            probes.append(
                Probe(
                    "ERROR-BAD-TIMESTAMP-400",
                    f"{name}={text} is not refused",
                    path,
                    dict(query, **{name: text}),
                )
            )
    probes += [
        Probe(
            "ERROR-SCHEDULE-WINDOW-400",
            "from after to is not refused",
            SCHEDULE,
            {"from": "2026-06-02T00:00:00Z", "to": "2026-06-01T00:00:00Z"},
        ),
        Probe(
            "ERROR-SCHEDULE-WINDOW-400",
            "a missing from is not refused",
            SCHEDULE,
            {"to": WINDOW["to"]},
        ),
        Probe(
            "ERROR-SCHEDULE-WINDOW-400",
            "a missing to is not refused",
            SCHEDULE,
            {"from": WINDOW["from"]},
        ),
    ]
    granularities = ("year", "hour", "DAY", "")
    for granularity in rotation(granularities, start, target.limits.get("bad_granularities")):
        probes.append(
            Probe(
                "ERROR-SCHEDULE-GRANULARITY-400",
                f"granularity={granularity!r} is not refused",
                SCHEDULE,
                dict(WINDOW, granularity=granularity),
            )
        )
    probes += [
        Probe(
            "ERROR-MALFORMED-ID-400", "a malformed asset id is not refused", "/v1/assets/not-a-uuid"
        ),
        Probe(
            "ERROR-MALFORMED-ID-400",
            "a malformed participant id is not refused",
            "/v1/participants/12345",
        ),
        Probe(
            "ERROR-MALFORMED-ID-400",
            "a malformed participant id is not refused",
            "/v1/participants/not-a-uuid/balances",
        ),
        Probe(
            "ERROR-MALFORMED-ID-400",
            "a malformed asset_id is not refused",
            SCHEDULE,
            dict(WINDOW, asset_id="not-a-uuid"),
        ),
        Probe(
            "ERROR-MALFORMED-ID-400",
            "a malformed program_id is not refused",
            "/v1/assets",
            {"program_id": "xyz"},
        ),
        Probe(
            "ERROR-UNKNOWN-ID-404",
            "an unknown asset is found",
            f"/v1/assets/{unknown}",
            status=404,
            codes=frozenset({"not_found"}),
        ),
        Probe(
            "ERROR-UNKNOWN-ID-404",
            "an unknown participant is found",
            f"/v1/participants/{unknown}",
            status=404,
            codes=frozenset({"not_found"}),
        ),
        Probe(
            "ERROR-UNKNOWN-ID-404",
            "an unknown participant has balances",
            f"/v1/participants/{unknown}/balances",
            status=404,
            codes=frozenset({"not_found"}),
        ),
        Probe(
            "ERROR-UNKNOWN-ID-404",
            "an unknown asset has a schedule",
            SCHEDULE,
            dict(WINDOW, asset_id=unknown),
            status=404,
            codes=frozenset({"not_found"}),
        ),
        Probe(
            "ERROR-UNKNOWN-ID-404",
            "an unknown program has a schedule",
            SCHEDULE,
            dict(WINDOW, program_id=unknown),
            status=404,
            codes=frozenset({"not_found"}),
        ),
    ]
    if participant:
        probes.append(
            Probe(
                "ERROR-UNKNOWN-ID-404",
                "an unknown asset has lots",
                f"/v1/participants/{participant}/balances/lots",
                {"asset_id": unknown},
                status=404,
                codes=frozenset({"not_found"}),
            )
        )
    if simple_asset:
        probes.append(
            Probe(
                "ERROR-SIMPLE-ASSET-400",
                "a SIMPLE asset has a schedule",
                SCHEDULE,
                dict(WINDOW, asset_id=simple_asset),
            )
        )
        if participant:
            probes.append(
                Probe(
                    "ERROR-SIMPLE-ASSET-400",
                    "a SIMPLE asset has lots",
                    f"/v1/participants/{participant}/balances/lots",
                    {"asset_id": simple_asset},
                )
            )
    else:
        skipped["ERROR-SIMPLE-ASSET-400"] = "the target has no SIMPLE asset"
    return probes, skipped
