"""Contract coverage of the known-bad variants: which MUST contracts a variant declares, and
``uncovered.yaml``, the MUST contracts without one and why (a gap still to fill, or a reason
none can exist)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from scrip_conformance import catalog

UNCOVERED_PATH = Path(__file__).with_name("uncovered.yaml")
KINDS = ("gap", "impossible")


@dataclass(frozen=True)
class Uncovered:
    id: str
    kind: str
    reason: str


class UncoveredError(ValueError):
    """``uncovered.yaml`` is unreadable or malformed."""


def load_uncovered(path: Path = UNCOVERED_PATH) -> dict[str, Uncovered]:
    """The entries of ``uncovered.yaml`` by contract id."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UncoveredError(f"cannot read {path}: {exc}") from exc
    entries = (document or {}).get("uncovered")
    if not isinstance(entries, list):
        raise UncoveredError(f"{path}: no 'uncovered' list")
    found: dict[str, Uncovered] = {}
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"id", "kind", "reason"}:
            raise UncoveredError(f"{path}: each entry has exactly id, kind and reason: {entry}")
        if entry["kind"] not in KINDS or not str(entry["reason"]).strip():
            raise UncoveredError(
                f"{path}: {entry['id']}: kind must be one of {KINDS} and the "
                "reason must not be empty"
            )
        if entry["id"] in found:
            raise UncoveredError(f"{path}: {entry['id']} is listed twice")
        found[entry["id"]] = Uncovered(entry["id"], entry["kind"], str(entry["reason"]))
    return found


def must_contracts(contracts: dict[str, catalog.Contract]) -> list[str]:
    return [c.id for c in contracts.values() if c.level == "MUST"]


def problems(
    contracts: dict[str, catalog.Contract], declared: set[str], uncovered: dict[str, Uncovered]
) -> list[str]:
    """Why ``uncovered.yaml`` and the catalogue disagree: a MUST contract with neither a variant
    nor an entry, an entry naming an unknown or SHOULD contract, an entry for a covered one."""
    found = []
    for cid in must_contracts(contracts):
        if cid not in declared and cid not in uncovered:
            found.append(
                f"{cid}: MUST, no known-bad variant declares it and uncovered.yaml does not say why"
            )
    for cid in uncovered:
        if cid not in contracts:
            found.append(f"{cid}: listed in uncovered.yaml but not in the catalogue")
        elif contracts[cid].level != "MUST":
            found.append(f"{cid}: listed in uncovered.yaml but it is a SHOULD contract")
        elif cid in declared:
            found.append(f"{cid}: listed in uncovered.yaml but a known-bad variant declares it")
    return found
