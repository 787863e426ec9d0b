"""``scrip-conformance contracts``: list the contract catalogue (text or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import NamedTuple

from scrip_conformance import catalog

HELP = "List the contracts the suite verifies (id, level, profile, statement)."


class _Header(NamedTuple):
    id: str = "ID"
    level: str = "LEVEL"
    profile: str = "PROFILE"
    statement: str = "STATEMENT"


HEADER = _Header()
"""The text listing's header row, laid out like a contract."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    parser.add_argument(
        "--profile",
        action="append",
        metavar="PROFILE",
        help=f"only contracts of this profile (repeatable or comma-separated; one of: "
        f"{', '.join(catalog.PROFILES)})",
    )


def execute(args: argparse.Namespace) -> int:
    profiles = None
    if args.profile:
        profiles = {p.strip() for value in args.profile for p in value.split(",") if p.strip()}
        unknown = sorted(profiles - set(catalog.PROFILES))
        if unknown:
            print(
                f"error: unknown profile(s) {', '.join(unknown)}; "
                f"choose from {', '.join(catalog.PROFILES)}",
                file=sys.stderr,
            )
            return 2
    try:
        contracts = catalog.by_profile(catalog.load(), profiles)
    except catalog.CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump([c.as_dict() for c in contracts], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    rows: list[_Header | catalog.Contract] = [HEADER, *contracts]
    width = max(len(c.id) for c in rows)
    for c in rows:
        print(f"{c.id:<{width}}  {c.level:<6}  {c.profile:<12}  {c.statement}")
    print(f"{len(contracts)} contracts", file=sys.stderr)
    return 0
