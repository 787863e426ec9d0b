"""What each contract's requests buy: from the report directory of a whole-suite self-test
(``scrip-conformance selftest --quick --report-dir DIR``), per contract, the requests it sent
against the correct reference, the known-bad variants it caught and those it alone caught.

A contract that sends many requests and is the only catcher of no variant is where a budget can
shrink first (never to nothing: every contract still runs and records its witnesses); a contract
that is the only catcher of a variant keeps what it needs. Also prints, per variant caught by at
most two contracts, which ones: the thin spots of the safety net.

Usage: python benchmarks/request_value.py REPORT_DIR [--top N]
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from scrip_conformance.selftest.variants import REGISTRY


def _json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_runs(root: Path) -> tuple[dict | None, dict[str, set[str]]]:
    """The reference run's summary and, per known-bad variant run, the contracts that failed."""
    reference, caught = None, {}
    for run in sorted(p for p in root.iterdir() if p.is_dir()):
        worker, summary = _json(run / "worker.json"), _json(run / "summary.json")
        if worker is None or summary is None:
            continue
        name = worker.get("variant")
        if name is None and reference is None:
            reference = summary
        elif name in REGISTRY:
            caught[name] = {c["id"] for c in summary["contracts"] if c["verdict"] == "failed"}
    return reference, caught


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("--top", type=int, default=40, help="contracts shown (most requests)")
    args = parser.parse_args(argv)
    if not args.report_dir.is_dir():
        print(f"error: {args.report_dir} is not a directory", file=sys.stderr)
        return 2
    reference, caught = read_runs(args.report_dir)
    performance = (reference or {}).get("performance") or {}
    requests = performance.get("contracts_requests")
    if not requests:
        print("error: no reference run with per-contract requests there", file=sys.stderr)
        return 2
    catchers: dict[str, set[str]] = defaultdict(set)
    alone: dict[str, set[str]] = defaultdict(set)
    for variant, contracts in caught.items():
        for contract in contracts:
            catchers[contract].add(variant)
        if len(contracts) == 1:
            alone[next(iter(contracts))].add(variant)
    print(
        f"{len(caught)} known-bad variant runs; the reference sent {performance.get('requests')} "
        f"requests (per phase: {performance.get('phases_requests')})\n"
    )
    print(f"{'requests':>8}  {'contract':45} {'catches':>7}  only catcher of")
    for contract, sent in sorted(requests.items(), key=lambda kv: (-kv[1], kv[0]))[: args.top]:
        only = ", ".join(sorted(alone[contract])) or "-"
        print(f"{sent:>8}  {contract:45} {len(catchers[contract]):>7}  {only}")
    print("\nvariants caught by at most two contracts:")
    for variant, contracts in sorted(caught.items(), key=lambda kv: (len(kv[1]), kv[0])):
        if len(contracts) <= 2:
            print(f"  {variant:40} {', '.join(sorted(contracts)) or 'NOT CAUGHT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
