"""The contract catalogue (``contracts/catalog.yaml``): loaded, validated, queried by id.

The file's format is a JSON Schema shipped in the package (``catalog.schema.json``); ids must
also be unique, which the schema cannot say.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from scrip_conformance.resources import contracts_dir

PROFILES = ("read-only", "provisioning", "extension", "concurrency", "isolation", "fuzzing")
DEFAULT_PROFILES = ("read-only",)
LEVELS = ("MUST", "SHOULD")


class CatalogError(ValueError):
    """The catalogue file is unreadable, does not match its schema, or repeats an id."""


@dataclass(frozen=True)
class Contract:
    """One catalogue entry."""

    id: str
    statement: str
    source: str
    level: str
    profile: str
    area: str
    precondition: str = ""
    """What the target must hold for the contract to be exercised (a contract whose tests find
    none of it checks nothing: it is reported *not exercised*, never passed)."""
    beyond_api: str = ""
    """Why no call of the API can create that evidence (empty when a writing run can): such a
    contract without witnesses is a gap the catalogue declares, listed but not inconclusive."""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def schema() -> dict[str, Any]:
    """The JSON Schema of the catalogue file."""
    return json.loads((Path(__file__).parent / "catalog.schema.json").read_text(encoding="utf-8"))


def catalog_path() -> Path:
    return contracts_dir() / "catalog.yaml"


def parse(document: Any) -> dict[str, Contract]:
    """Validate a parsed catalogue document and return its contracts by id, in file order."""
    validator = jsonschema.Draft202012Validator(schema())
    problems = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if problems:
        lines = [
            f"  at {'/'.join(map(str, p.absolute_path)) or '(top)'}: {p.message}" for p in problems
        ]
        raise CatalogError("contract catalogue does not match its schema:\n" + "\n".join(lines))
    contracts: dict[str, Contract] = {}
    for entry in document["contracts"]:
        if entry["id"] in contracts:
            raise CatalogError(f"contract catalogue repeats the id {entry['id']}")
        contracts[entry["id"]] = Contract(**entry)
    return contracts


def load(path: Path | None = None) -> dict[str, Contract]:
    """The catalogue at ``path`` (default: the shipped one), validated."""
    path = path or catalog_path()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read the contract catalogue {path}: {exc}") from exc
    return parse(document)


@functools.cache
def default_catalog() -> dict[str, Contract]:
    """The shipped catalogue, loaded once per process."""
    return load()


def by_profile(contracts: dict[str, Contract], profiles: set[str] | None) -> list[Contract]:
    """The contracts of any of ``profiles`` (all when None), in file order."""
    return [c for c in contracts.values() if profiles is None or c.profile in profiles]
