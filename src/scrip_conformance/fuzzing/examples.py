"""Request examples made of real ids, for the examples phase: one valid call per operation.

Random generation rarely produces a balance write the ledger accepts (the extension fields'
rules, amounts at scale, a provisional hold to void), so fuzzing alone can leave those
operations at 4xx. Each example here names resources that exist (``KnownIds``), so the examples
phase reaches a 2xx on every operation of a correct server. They are added to an in-memory copy
of the spec; the file itself is never changed.
"""

from __future__ import annotations

import copy
from typing import Any

from scrip_conformance.fuzzing.data import KnownIds

EXAMPLE_WINDOW = ("2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z")  # < 1000 days


def _bodies(ids: KnownIds) -> dict[str, dict[str, Any]]:
    program, asset = ids.programs[0], ids.lot_assets[0]
    common = {"program_id": program, "asset_id": asset}
    bodies: dict[str, dict[str, Any]] = {
        "adjustParticipantBalance": {
            **common,
            "type": "CREDIT",
            "amount": "5.00",
            "description": "fuzzing example credit",
        },
        "holdParticipantBalance": {
            **common,
            "amount": "1.00",
            "description": "fuzzing example hold",
            "reference_id": "fuzz-example-hold",
        },
        "forfeitParticipantBalance": {
            **common,
            "amount": "1.00",
            "bucket": "AVAILABLE",
            "description": "fuzzing example forfeit",
        },
    }
    if ids.reference_ids:
        bodies["releaseParticipantBalance"] = {
            **common,
            "amount": "1.00",
            "reference_id": ids.reference_ids[0],
            "description": "fuzzing example release",
        }
    if ids.provisional_reference_ids:
        bodies["voidHoldParticipantBalance"] = {
            **common,
            "reference_id": ids.provisional_reference_ids[0],
            "description": "fuzzing example void-hold",
        }
    if ids.simple_assets:
        bodies["updateAsset"] = {"name": "fuzzing example rename"}
        if len(ids.programs) > 1:
            bodies["linkProgramAsset"] = {"asset_id": ids.simple_assets[0]}
    return bodies


def _path_ids(ids: KnownIds) -> dict[str, str]:
    out = (
        {
            op: ids.participants[0]
            for op in (
                "getParticipant",
                "listParticipantBalances",
                "listParticipantLots",
                "adjustParticipantBalance",
                "holdParticipantBalance",
                "releaseParticipantBalance",
                "forfeitParticipantBalance",
                "voidHoldParticipantBalance",
            )
        }
        if ids.participants
        else {}
    )
    if ids.assets:
        out["getAsset"] = ids.assets[0]
    if ids.simple_assets:
        out["updateAsset"] = ids.simple_assets[0]
    if len(ids.programs) > 1:
        out["linkProgramAsset"] = ids.programs[-1]
    return out


def _query(ids: KnownIds) -> dict[str, dict[str, str]]:
    if not ids.lot_assets:
        return {}
    asset = ids.lot_assets[0]
    window = {"from": EXAMPLE_WINDOW[0], "to": EXAMPLE_WINDOW[1]}
    return {
        "listParticipantLots": {"asset_id": asset},
        "getExpirationSchedule": {"asset_id": asset, **window},
    }


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = spec
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return target


def with_examples(spec: dict[str, Any], ids: KnownIds) -> dict[str, Any]:
    """A copy of ``spec`` whose operations carry examples built from ``ids``.

    Parameters shared through ``components`` are inlined where an example is added, so an
    example never leaks into another operation.
    """
    if not (ids.programs and ids.lot_assets and ids.participants):
        return spec
    out = copy.deepcopy(spec)
    bodies, path_ids, queries = _bodies(ids), _path_ids(ids), _query(ids)
    for item in out.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            op = operation["operationId"]
            params = []
            for param in operation.get("parameters", []):
                param = copy.deepcopy(_resolve(out, param))
                if param.get("in") == "path" and param.get("name") == "id" and op in path_ids:
                    param["example"] = path_ids[op]
                elif param.get("in") == "query" and param.get("name") in queries.get(op, {}):
                    param["example"] = queries[op][param["name"]]
                params.append(param)
            if params:
                operation["parameters"] = params
            if op in bodies:
                media = operation["requestBody"]["content"]["application/json"]
                media.pop("examples", None)
                media["example"] = bodies[op]
    return out
