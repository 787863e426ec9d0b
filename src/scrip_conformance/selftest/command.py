"""``scrip-conformance selftest``: the suite against the correct reference (false positives, over
``--seeds`` seeds) and against every known-bad variant (the kill rate), in parallel processes.

Exit codes: 0 every variant caught by a contract it declares and the reference clean on every
seed; 1 a variant escaped, was caught only by undeclared contracts or could not be run, a variant
declares an unknown contract id, or the reference had a finding; 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from scrip_conformance import catalog
from scrip_conformance.cli import EXIT_USAGE
from scrip_conformance.selftest import killrate
from scrip_conformance.selftest.records import load_record
from scrip_conformance.selftest.variants import ALL, REGISTRY, Variant

HELP = "Prove the suite: run it against the reference and every known-bad variant (kill rate)."
RESULT_NAME = "selftest.json"
TABLE_NAME = "kill-rate.md"
WORKER_TIMEOUT_SECONDS = 900


def configure(parser: argparse.ArgumentParser) -> None:
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--quick", dest="budget", action="store_const", const="quick",
                        help="the CI budget: small walks, and each variant runs only the "
                        "contracts it declares (the reference still runs them all)")
    budget.add_argument("--deep", dest="budget", action="store_const", const="deep",
                        help="the large budget of a release check")
    parser.set_defaults(budget="default")
    parser.add_argument("--seed", type=int, default=1, metavar="N",
                        help="seed of the variants' runs and the first reference run (default 1)")
    parser.add_argument("--seeds", type=int, default=1, metavar="N",
                        help="run the correct reference N times, with seeds --seed, --seed+1, ... "
                        "(default 1; 0 skips the reference)")
    parser.add_argument("--variant", action="append", metavar="NAME",
                        help="run only this variant (repeatable); see --list")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="runs in parallel (default: twice the CPU count; the runs mostly "
                        "wait on HTTP)")
    parser.add_argument("--reference-only", action="store_true",
                        help="run only the correct reference (with --seeds: the false-positive "
                        "check)")
    parser.add_argument("--full-suite", action="store_true",
                        help="with --quick, still run every contract against every variant")
    parser.add_argument("--with-plain-schemathesis", action="store_true",
                        help="also run plain `st run --checks all` against the reference and "
                        "each variant, side by side")
    parser.add_argument("--report-dir", type=Path, default=Path("reports/selftest"),
                        metavar="DIR", help="where each run's reports go "
                        "(default reports/selftest)")
    parser.add_argument("--list", action="store_true", help="list the variants and exit")


@dataclass(frozen=True)
class Job:
    """One worker run: the reference (variant None) or one variant, with a seed."""

    variant: Variant | None
    seed: int
    profiles: tuple[str, ...]
    report_dir: Path
    only: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        name = self.variant.name if self.variant else killrate.REFERENCE
        return f"{name} (seed {self.seed})"


def unknown_contract_ids(variants: list[Variant], known: set[str]) -> dict[str, list[str]]:
    """Variants naming contract ids the catalogue lacks, with those ids."""
    return {v.name: [c for c in v.contracts if c not in known]
            for v in variants if any(c not in known for c in v.contracts)}


def profiles_for(variant: Variant, contracts: dict[str, catalog.Contract]) -> tuple[str, ...]:
    """The profiles of the contracts a variant declares (what --quick runs against it)."""
    found = {contracts[c].profile for c in variant.contracts if c in contracts}
    return tuple(p for p in catalog.PROFILES if p in found)


def _run_job(job: Job, budget: str, plain: bool) -> killrate.RunRecord:
    command = [sys.executable, "-m", "scrip_conformance.selftest.worker",
               "--report-dir", str(job.report_dir), "--seed", str(job.seed), "--budget", budget]
    if job.variant is not None:
        command += ["--variant", job.variant.name]
    for profile in job.profiles:
        command += ["--profile", profile]
    for contract in job.only:
        command += ["--only", contract]
    if plain:
        command.append("--plain-schemathesis")
    job.report_dir.mkdir(parents=True, exist_ok=True)
    log = job.report_dir / "worker-output.txt"
    name = job.variant.name if job.variant else killrate.REFERENCE
    family = job.variant.family if job.variant else killrate.REFERENCE
    declared = job.variant.contracts if job.variant else ()
    try:
        with log.open("w", encoding="utf-8") as out:
            subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                           timeout=WORKER_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return killrate.RunRecord(name=name, family=family, declared=declared, seed=job.seed,
                                  error=f"no result within {WORKER_TIMEOUT_SECONDS} s")
    return load_record(job.report_dir, name, family, declared, job.seed)


def _print_rows(rows: list[list[str]]) -> None:
    print(killrate.render(rows))


def execute(args: argparse.Namespace) -> int:
    if args.list:
        for v in ALL:
            print(f"{v.name:34} {v.family:12} {', '.join(v.contracts)}\n    {v.bug}")
        return 0
    if args.seeds < 0 or args.seed < 0:
        print("error: --seeds and --seed must be zero or more", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    unknown = [n for n in args.variant or [] if n not in REGISTRY]
    if unknown:
        print(f"error: unknown variant(s) {', '.join(unknown)} (see --list)", file=sys.stderr)
        return EXIT_USAGE
    try:
        contracts = catalog.default_catalog()
    except catalog.CatalogError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_USAGE
    if args.reference_only and args.variant:
        print("error: --reference-only and --variant exclude each other", file=sys.stderr)
        return EXIT_USAGE
    if args.reference_only and args.seeds == 0:
        print("error: --reference-only needs --seeds 1 or more", file=sys.stderr)
        return EXIT_USAGE
    chosen = [REGISTRY[n] for n in dict.fromkeys(args.variant)] if args.variant else list(ALL)
    if args.reference_only:
        chosen = []
    unknown_ids = unknown_contract_ids(chosen, set(contracts))
    root: Path = args.report_dir
    jobs = [Job(None, seed, tuple(catalog.PROFILES), root / f"reference-seed-{seed}")
            for seed in range(args.seed, args.seed + args.seeds)]
    focused = args.budget == "quick" and not args.full_suite
    for variant in chosen:
        if focused:
            only = tuple(c for c in variant.contracts if c in contracts)
            jobs.append(Job(variant, args.seed, profiles_for(variant, contracts),
                            root / variant.name, only))
        else:
            jobs.append(Job(variant, args.seed, tuple(catalog.PROFILES), root / variant.name))
    workers = args.jobs or max(2, 2 * (os.cpu_count() or 1))
    print(f"scrip-conformance selftest: {len(chosen)} variant(s), the reference over "
          f"{args.seeds} seed(s), budget {args.budget}, {workers} in parallel; reports in {root}")
    started = time.monotonic()
    records: list[killrate.RunRecord] = []

    def one(job: Job) -> killrate.RunRecord:
        record = _run_job(job, args.budget, args.with_plain_schemathesis)
        print(f"  {killrate.verdict(record):17} {job.label}  {record.seconds:.0f} s", flush=True)
        return record

    with ThreadPoolExecutor(max_workers=workers) as pool:
        records = list(pool.map(one, jobs))
    references = [r for r in records if r.is_reference]
    variants = [r for r in records if not r.is_reference]
    reference_codes = references[0].plain_codes if references else None
    result = killrate.tally(variants, references, unknown_ids)
    rows = killrate.table(variants, reference_codes, args.with_plain_schemathesis)
    print()
    _print_rows(rows)
    print()
    _report(result, references, variants, reference_codes, args.with_plain_schemathesis)
    print(f"total {time.monotonic() - started:.0f} s")
    root.mkdir(parents=True, exist_ok=True)
    (root / TABLE_NAME).write_text(killrate.render(rows, markdown=True) + "\n", encoding="utf-8")
    (root / RESULT_NAME).write_text(json.dumps({
        "budget": args.budget,
        "kill_rate": {"caught": result.caught, "total": result.total,
                      "by_declared_contract": result.by_declared},
        "passed": result.passed,
        "runs": [asdict(r) | {"verdict": killrate.verdict(r)} for r in records],
    }, indent=1) + "\n", encoding="utf-8")
    return result.exit_code


def _report(result: killrate.Tally, references: list[killrate.RunRecord],
            variants: list[killrate.RunRecord], reference_codes: tuple[str, ...] | None,
            plain: bool) -> None:
    print(f"kill rate: {result.caught}/{result.total} caught"
          f" ({result.by_declared} by a contract they declare)")
    clean = sum(killrate.verdict(r) == killrate.CLEAN for r in references)
    print(f"correct reference: {clean}/{len(references)} seed(s) without any finding")
    if plain:
        caught = sum(killrate.plain_verdict(r, reference_codes) == killrate.CAUGHT
                     for r in variants)
        ref_codes = ", ".join(reference_codes or []) or "none"
        print(f"plain st run --checks all: {caught}/{len(variants)} caught; against the correct "
              f"reference it reports {ref_codes}")
    for name in result.escaped:
        print(f"ESCAPED: {name}")
    for name in result.undeclared:
        record = next(r for r in variants if r.name == name)
        print(f"CAUGHT ONLY BY UNDECLARED CONTRACTS: {name}: {', '.join(sorted(record.findings))}"
              f" (declares {', '.join(record.declared)})")
    for record in [*variants, *references]:
        if killrate.verdict(record) == killrate.ERROR:
            who = f"reference seed {record.seed}" if record.is_reference else record.name
            print(f"COULD NOT RUN: {who}: {record.error}")
    for line in result.false_positives:
        print(f"FALSE POSITIVE on the correct reference, {line}")
    for record in references:
        if record.warnings:
            print(f"note: SHOULD-level warnings on the correct reference, seed {record.seed}: "
                  f"{', '.join(sorted(record.warnings))}")
    for name, ids in result.unknown_ids.items():
        print(f"UNKNOWN CONTRACT IDS declared by {name}: {', '.join(ids)}")
    for record in variants:
        if record.not_run_declared and killrate.verdict(record) != killrate.CAUGHT:
            print(f"note: {record.name}: declared contract(s) not run: "
                  f"{', '.join(record.not_run_declared)}")
    print("PASSED" if result.passed else "FAILED")
