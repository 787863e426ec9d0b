"""Plain ``st run openapi/scrip.yaml --checks all`` versus the suite's fuzzing, side by side.

For the correct reference and a handful of known-bad variants (``scrip_conformance.selftest``),
each started fresh with the demo data, this prints what each approach reports and how long it
takes. Plain schemathesis already disagrees with documented decisions on the correct reference
(opaque cursors, 404s for ids named in a body, ...), so a variant counts as caught by it only
when it reports a failure code the reference run with the same seed did not. The suite counts a
variant as caught when its fuzzing has any finding (it has none on the reference).

Usage: python benchmarks/fuzz_vs_plain.py [--budget quick|default|deep] [--seed N]
       [--variant NAME ...] [--report-dir DIR]
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from scrip_conformance.fuzzing import BUDGETS, FuzzSettings, discover, provision, run_fuzzing
from scrip_conformance.selftest.plain import run_plain
from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import REGISTRY

KEY = "sk_bench_fuzz"
ORG = "org-bench"
DEFAULT_VARIANTS = (
    "nulls-omitted",
    "balance-as-number",
    "unauthorized-without-body",
    "bad-cursor-500",
    "missing-key-accepted",
    "output-always-two-decimals",
    "expired-lot-keeps-remaining",
    "has-more-without-cursor",
    "limit-clamped",
)


def suite_run(base_url: str, seed: int, budget: str) -> dict:
    started = time.monotonic()
    seen = discover(base_url, KEY)
    ids = provision(base_url, KEY, seed=seed)
    ids.readable = seen.by_kind()
    report = run_fuzzing(
        FuzzSettings(
            base_url=base_url, api_key=KEY, seed=seed, budget=BUDGETS[budget], known_ids=ids
        )
    )
    return {
        "seconds": round(time.monotonic() - started, 1),
        "contracts": sorted({f.contract_id for f in report.failures}),
        "checks": sorted({f.check for f in report.failures}),
        "cases": report.cases_sent,
        "errors": len(report.errors),
    }


def plain_run(base_url: str, seed: int, budget: str, report_dir: Path) -> dict:
    report_dir.mkdir(parents=True, exist_ok=True)
    return run_plain(base_url, KEY, report_dir, seed, budget)


def one(name: str, seed: int, budget: str, root: Path) -> tuple[dict, dict]:
    variant = None if name == "reference" else REGISTRY[name]
    with VariantServer(variant, {KEY: ORG}, demo=True) as server:
        plain = plain_run(server.base_url, seed, budget, root / name)
    with VariantServer(variant, {KEY: ORG}, demo=True) as server:
        suite = suite_run(server.base_url, seed, budget)
    return plain, suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="quick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variant", action="append", metavar="NAME")
    parser.add_argument("--report-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    # the variants' own crashes are findings, not console noise
    for name in ("scrip_conformance", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    names = args.variant or list(DEFAULT_VARIANTS)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown variant(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    root = args.report_dir or Path(tempfile.mkdtemp(prefix="fuzz-vs-plain-"))
    print(f"budget {args.budget}, seed {args.seed}, plain reports under {root}")
    ref_plain, ref_suite = one("reference", args.seed, args.budget, root)
    baseline = set(ref_plain.get("codes", []))
    print(
        f"reference: plain {ref_plain.get('seconds')}s codes {sorted(baseline)}; "
        f"suite {ref_suite['seconds']}s findings {ref_suite['contracts'] or 'none'}"
    )
    header = f"{'variant':30} {'plain':>8} {'new codes':24} {'suite':>8}  suite findings"
    print(header)
    print("-" * len(header))
    caught_plain = caught_suite = 0
    for name in names:
        plain, suite = one(name, args.seed, args.budget, root)
        if "error" in plain:
            new_codes, plain_time = [f"error: {plain['error']}"], "-"
        else:
            new_codes = sorted(set(plain["codes"]) - baseline)
            plain_time = f"{plain['seconds']:.1f}s"
            caught_plain += bool(new_codes)
        caught_suite += bool(suite["contracts"])
        found = ", ".join(suite["checks"]) or "-"
        print(
            f"{name:30} {plain_time:>8} {','.join(new_codes) or '-':24} "
            f"{suite['seconds']:>7.1f}s  {found}"
        )
    print("-" * len(header))
    print(
        f"caught: plain schemathesis {caught_plain}/{len(names)}, "
        f"suite fuzzing {caught_suite}/{len(names)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
