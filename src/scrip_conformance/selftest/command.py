"""``scrip-conformance selftest``: the suite against the correct reference (over ``--seeds``
seeds), against every known-bad variant (the kill rate: caught only by a contract the variant
declares, with the whole suite running) and against every known-good variant (the false-positive
rate: each must be judged CONFORMANT, run with the ``--unsupported`` flags it declares), in
parallel processes.

Exit codes: 0 every known-bad variant caught by a contract it declares, the reference and every
known-good variant CONFORMANT; 1 a known-bad variant escaped, was found only by undeclared
contracts or only by checks that could not complete (crashes), or could not be run; the
reference or a known-good variant was not judged CONFORMANT (exit code 1, 3 or 4 of its run, or
a finding); a variant declares an unknown contract id; 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from scrip_conformance import catalog
from scrip_conformance.cli import EXIT_USAGE
from scrip_conformance.selftest import coverage as coverage_file
from scrip_conformance.selftest import killrate
from scrip_conformance.selftest.good import ALL_GOOD, GOOD_REGISTRY, GoodVariant
from scrip_conformance.selftest.records import load_record
from scrip_conformance.selftest.variants import ALL, REGISTRY, Variant

HELP = (
    "Prove the suite: run it against the reference, every known-bad variant (kill rate) "
    "and every known-good variant (false-positive rate)."
)
RESULT_NAME = "selftest.json"
TABLE_NAME = "kill-rate.md"
GOOD_TABLE_NAME = "known-good.md"
WORKER_TIMEOUT_SECONDS = 900
DEMO_TEMPLATE_NAME = "demo-template.sqlite"


# long: a flat list of argparse options, one block per flag
def configure(parser: argparse.ArgumentParser) -> None:
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--quick",
        dest="budget",
        action="store_const",
        const="quick",
        help="the CI budget: small walks (every contract still runs against every variant)",
    )
    budget.add_argument(
        "--deep",
        dest="budget",
        action="store_const",
        const="deep",
        help="the large budget of a release check",
    )
    parser.set_defaults(budget="default")
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="N",
        help="seed of the variants' runs and the first reference run (default 1)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="N",
        help="run the correct reference N times, with seeds --seed, --seed+1, ... "
        "(default 1; 0 skips the reference)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        metavar="NAME",
        help="run this known-bad variant (repeatable); see --list",
    )
    parser.add_argument(
        "--good-variant",
        action="append",
        metavar="NAME",
        help="run this known-good variant (repeatable); see --list",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--bad-only",
        action="store_true",
        help="run the known-bad variants only (no known-good ones)",
    )
    which.add_argument(
        "--good-only",
        action="store_true",
        help="run the known-good variants only (no known-bad ones)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="runs in parallel (default: twice the CPU count; the runs mostly wait on HTTP)",
    )
    parser.add_argument(
        "--reference-only",
        action="store_true",
        help="run only the correct reference (with --seeds: the false-positive check)",
    )
    parser.add_argument(
        "--focused",
        action="store_true",
        help="a quick local check, not the honest kill rate: each known-bad "
        "variant runs only the contracts it declares",
    )
    parser.add_argument(
        "--with-plain-schemathesis",
        action="store_true",
        help="also run plain `st run --checks all` against the reference and "
        "each variant, side by side",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports/selftest"),
        metavar="DIR",
        help="where each run's reports go (default reports/selftest)",
    )
    parser.add_argument("--list", action="store_true", help="list the variants and exit")


@dataclass(frozen=True)
class Job:
    """One worker run: the reference (variant None), a known-bad or a known-good variant."""

    variant: Variant | GoodVariant | None
    seed: int
    profiles: tuple[str, ...]
    report_dir: Path
    only: tuple[str, ...] = ()

    @property
    def good(self) -> bool:
        return isinstance(self.variant, GoodVariant)

    @property
    def label(self) -> str:
        if self.variant is None:
            return f"{killrate.REFERENCE} (seed {self.seed})"
        return f"{'good' if self.good else 'bad'} {self.variant.name} (seed {self.seed})"


def unknown_contract_ids(variants: list[Variant], known: set[str]) -> dict[str, list[str]]:
    """Variants naming contract ids the catalogue lacks, with those ids."""
    return {
        v.name: [c for c in v.contracts if c not in known]
        for v in variants
        if any(c not in known for c in v.contracts)
    }


def profiles_for(variant: Variant, contracts: dict[str, catalog.Contract]) -> tuple[str, ...]:
    """The profiles of the contracts a variant declares (what --focused runs against it)."""
    found = {contracts[c].profile for c in variant.contracts if c in contracts}
    return tuple(p for p in catalog.PROFILES if p in found)


def _run_job(
    job: Job, budget: str, plain: bool, demo_template: Path | None = None
) -> killrate.RunRecord:
    command = [
        sys.executable,
        "-m",
        "scrip_conformance.selftest.worker",
        "--report-dir",
        str(job.report_dir),
        "--seed",
        str(job.seed),
        "--budget",
        budget,
    ]
    if job.good:
        command += ["--good-variant", job.variant.name]  # type: ignore[union-attr]
    elif job.variant is not None:
        command += ["--variant", job.variant.name]
    for profile in job.profiles:
        command += ["--profile", profile]
    for contract in job.only:
        command += ["--only", contract]
    if plain and not job.good:
        command.append("--plain-schemathesis")
    if demo_template is not None:
        command += ["--demo-template", str(demo_template)]
    job.report_dir.mkdir(parents=True, exist_ok=True)
    log = job.report_dir / "worker-output.txt"
    name = job.variant.name if job.variant else killrate.REFERENCE
    family = job.variant.family if job.variant else killrate.REFERENCE
    declared = job.variant.contracts if job.variant else ()
    kind = killrate.GOOD if job.good else (killrate.BAD if job.variant else killrate.REFERENCE)
    unsupported = job.variant.unsupported if isinstance(job.variant, GoodVariant) else ()
    started = time.monotonic()
    try:
        with log.open("w", encoding="utf-8") as out:
            subprocess.run(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=WORKER_TIMEOUT_SECONDS,
                check=False,
            )
    except subprocess.TimeoutExpired:
        return killrate.RunRecord(
            name=name,
            family=family,
            declared=declared,
            seed=job.seed,
            kind=kind,
            unsupported=unsupported,
            seconds=time.monotonic() - started,
            error=f"no result within {WORKER_TIMEOUT_SECONDS} s",
        )
    return load_record(job.report_dir, name, family, declared, job.seed, kind, unsupported)


def _demo_template(root: Path) -> Path | None:
    """The demo data written once for every run whose demo the reference writes; None (each
    run writes its own) when it cannot be written."""
    # the reference's modules load here, not when the command line is parsed
    from scrip_conformance.selftest import worker
    from scrip_conformance.selftest.server import write_demo_template

    path = root / DEMO_TEMPLATE_NAME
    try:
        root.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        write_demo_template(path, worker.ORGANIZATION)
    except (OSError, sqlite3.Error) as exc:
        print(f"note: each run writes its own demo data ({exc})", file=sys.stderr)
        return None
    return path


def _list() -> int:
    print("known-bad variants (each must be caught by a contract it declares):")
    for v in ALL:
        print(f"  {v.name:34} {v.family:12} {', '.join(v.contracts)}\n      {v.bug}")
    print("known-good variants (each must be judged CONFORMANT):")
    for g in ALL_GOOD:
        flags = " ".join(f"--unsupported {f}" for f in g.unsupported)
        print(f"  {g.name:34} {g.freedom:12} {flags}\n      {g.what}")
    return 0


def _usage(args: argparse.Namespace) -> str | None:
    """The first usage error in ``args``, or None."""
    if args.seeds < 0 or args.seed < 0:
        return "--seeds and --seed must be zero or more"
    if args.jobs is not None and args.jobs < 1:
        return "--jobs must be at least 1"
    unknown = [n for n in args.variant or [] if n not in REGISTRY]
    if unknown:
        return f"unknown variant(s) {', '.join(unknown)} (see --list)"
    unknown = [n for n in args.good_variant or [] if n not in GOOD_REGISTRY]
    if unknown:
        return f"unknown good variant(s) {', '.join(unknown)} (see --list)"
    if args.reference_only and (args.variant or args.good_variant):
        return "--reference-only and --variant / --good-variant exclude each other"
    if args.reference_only and args.seeds == 0:
        return "--reference-only needs --seeds 1 or more"
    return None


def _chosen(args: argparse.Namespace) -> tuple[list[Variant], list[GoodVariant]]:
    if args.reference_only:
        return [], []
    if args.variant or args.good_variant:
        return (
            [REGISTRY[n] for n in dict.fromkeys(args.variant or [])],
            [GOOD_REGISTRY[n] for n in dict.fromkeys(args.good_variant or [])],
        )
    return ([] if args.good_only else list(ALL)), ([] if args.bad_only else list(ALL_GOOD))


def plan_jobs(
    args: argparse.Namespace,
    contracts: dict[str, catalog.Contract],
    bad: list[Variant],
    good: list[GoodVariant],
) -> list[Job]:
    """The runs: the reference per seed, then every known-bad variant (the whole suite, every
    profile; with --focused only its declared contracts), then every known-good variant (the
    whole suite)."""
    root: Path = args.report_dir
    every = tuple(catalog.PROFILES)
    jobs = [
        Job(None, seed, every, root / f"reference-seed-{seed}")
        for seed in range(args.seed, args.seed + args.seeds)
    ]
    for variant in bad:
        if args.focused:
            only = tuple(c for c in variant.contracts if c in contracts)
            jobs.append(
                Job(variant, args.seed, profiles_for(variant, contracts), root / variant.name, only)
            )
        else:
            jobs.append(Job(variant, args.seed, every, root / variant.name))
    jobs += [Job(g, args.seed, every, root / "good" / g.name) for g in good]
    return jobs


# long: plan, run, then print the three figures (kill rate, false positives, coverage) and the
# verdict of the self-test; the figures are computed in killrate.py, this only sequences them
def execute(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    problem = _usage(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        contracts = catalog.default_catalog()
        uncovered = coverage_file.load_uncovered()
    except (catalog.CatalogError, coverage_file.UncoveredError) as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_USAGE
    bad, good = _chosen(args)
    unknown_ids = unknown_contract_ids(bad, set(contracts))
    root: Path = args.report_dir
    jobs = plan_jobs(args, contracts, bad, good)
    workers = args.jobs or max(2, 2 * (os.cpu_count() or 1))
    scope = (
        "each known-bad variant against its declared contracts only (--focused: NOT the "
        "honest kill rate)"
        if args.focused
        else "the whole suite against every run"
    )
    print(
        f"scrip-conformance selftest: {len(bad)} known-bad and {len(good)} known-good "
        f"variant(s), the reference over {args.seeds} seed(s), budget {args.budget}, "
        f"{scope}, {workers} in parallel; reports in {root}"
    )
    started = time.monotonic()
    template = _demo_template(root)

    def one(job: Job) -> killrate.RunRecord:
        record = _run_job(job, args.budget, args.with_plain_schemathesis, template)
        print(f"  {killrate.verdict(record):17} {job.label}  {record.seconds:.0f} s", flush=True)
        return record

    with ThreadPoolExecutor(max_workers=workers) as pool:
        records = list(pool.map(one, jobs))
    wall = time.monotonic() - started
    references = [r for r in records if r.role == killrate.REFERENCE]
    bad_runs = [r for r in records if r.role == killrate.BAD]
    good_runs = [r for r in records if r.role == killrate.GOOD]
    reference_codes = references[0].plain_codes if references else None
    result = killrate.tally(bad_runs, references, unknown_ids, good_runs)
    declared = {c for v in ALL for c in v.contracts}
    cover = killrate.coverage(coverage_file.must_contracts(contracts), declared, bad_runs)
    impossible = sorted(c for c, u in uncovered.items() if u.kind == "impossible")
    rows = killrate.table(bad_runs, reference_codes, args.with_plain_schemathesis)
    good_rows = killrate.good_table(good_runs)
    print()
    if bad_runs:
        print(killrate.render(rows))
        print()
    if good_runs:
        print(killrate.render(good_rows))
        print()
    _report(result, references, bad_runs, good_runs, reference_codes, args.with_plain_schemathesis)
    _report_coverage(cover, impossible, ran_all_bad=not args.focused and len(bad) == len(ALL))
    busy = sum(r.seconds for r in records)
    cpu = sum(r.cpu_seconds for r in records)
    print(
        f"time: {wall:.0f} s wall clock for {len(records)} run(s) at {workers} in parallel "
        f"({busy:.0f} s of runs, {busy / len(records) if records else 0:.0f} s per run on "
        f"average; {cpu:.0f} s of CPU, whatever else the machine was doing)"
    )
    print("PASSED" if result.passed else "FAILED")
    root.mkdir(parents=True, exist_ok=True)
    (root / TABLE_NAME).write_text(killrate.render(rows, markdown=True) + "\n", encoding="utf-8")
    (root / GOOD_TABLE_NAME).write_text(
        killrate.render(good_rows, markdown=True) + "\n", encoding="utf-8"
    )
    (root / RESULT_NAME).write_text(
        json.dumps(
            {
                "budget": args.budget,
                "focused": args.focused,
                "kill_rate": {
                    "caught": result.caught,
                    "total": result.total,
                    "found_only_by_undeclared": result.undeclared,
                    "found_only_by_crashes": result.crash_only,
                },
                "false_positive_rate": {
                    "failed": len(result.good_failed),
                    "total": result.good_total,
                    "variants": result.good_failed,
                },
                "contract_coverage": {
                    "must": len(cover.must),
                    "declared": len(cover.declared),
                    "failed_in_run": len(cover.failed_in_run),
                    "without_variant_by_reason": impossible,
                },
                "crashes": result.crashes,
                "seconds": {
                    "wall": round(wall, 1),
                    "runs": round(busy, 1),
                    "cpu": round(cpu, 1),
                    "jobs": workers,
                },
                "passed": result.passed,
                "runs": [
                    asdict(r) | {"verdict": killrate.verdict(r), "kind": r.role} for r in records
                ],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return result.exit_code


def _report(
    result: killrate.Tally,
    references: list[killrate.RunRecord],
    variants: list[killrate.RunRecord],
    good: list[killrate.RunRecord],
    reference_codes: tuple[str, ...] | None,
    plain: bool,
) -> None:
    if variants:
        print(
            f"kill rate: {result.caught}/{result.total} known-bad variants caught by a "
            f"contract they declare ({len(result.undeclared)} found only by other contracts, "
            f"{len(result.crash_only)} only by checks that could not complete, "
            f"{sum(killrate.verdict(r) == killrate.ERROR for r in variants)} could not run)"
        )
    if good:
        print(
            f"false-positive rate: {len(result.good_failed)}/{result.good_total} known-good "
            "variants not judged CONFORMANT"
        )
    if references:
        clean = sum(killrate.verdict(r) == killrate.CLEAN for r in references)
        print(
            f"correct reference: {clean}/{len(references)} seed(s) CONFORMANT without any finding"
        )
    if plain:
        caught = sum(
            killrate.plain_verdict(r, reference_codes) == killrate.CAUGHT for r in variants
        )
        ref_codes = ", ".join(reference_codes or []) or "none"
        print(
            f"plain st run --checks all: {caught}/{len(variants)} caught; against the correct "
            f"reference it reports {ref_codes}"
        )
    for name in result.escaped:
        print(f"ESCAPED: {name}")
    for name in result.undeclared:
        record = next(r for r in variants if r.name == name)
        print(
            f"FOUND ONLY BY UNDECLARED CONTRACTS: {name}: "
            f"{', '.join(sorted(record.findings)) or 'findings outside any contract'}"
            f" (declares {', '.join(record.declared)})"
        )
    for name in result.crash_only:
        record = next(r for r in variants if r.name == name)
        print(
            f"FOUND ONLY BY CRASHES (not a catch): {name}: checks that could not complete: "
            f"{', '.join(sorted(record.crashes))}"
        )
    for record in [*variants, *good, *references]:
        if killrate.verdict(record) == killrate.ERROR:
            who = f"reference seed {record.seed}" if record.is_reference else record.name
            print(f"COULD NOT RUN: {who}: {record.error}")
    for line in result.false_positives:
        print(f"FALSE POSITIVE on the correct reference, {line}")
    for record in good:
        if killrate.verdict(record) == killrate.FALSE_POSITIVE:
            print(
                f"FALSE POSITIVE on known-good {record.name}: {killrate.why_not_conformant(record)}"
            )
    for name, contracts in result.crashes.items():
        print(
            f"note: checks that could not complete against {name} (never a catch): "
            f"{', '.join(contracts)}"
        )
    for record in references:
        if record.warnings:
            print(
                f"note: SHOULD-level warnings on the correct reference, seed {record.seed}: "
                f"{', '.join(sorted(record.warnings))}"
            )
    for name, ids in result.unknown_ids.items():
        print(f"UNKNOWN CONTRACT IDS declared by {name}: {', '.join(ids)}")
    for record in variants:
        if record.not_run_declared and killrate.verdict(record) != killrate.CAUGHT:
            print(
                f"note: {record.name}: declared contract(s) not run: "
                f"{', '.join(record.not_run_declared)}"
            )


def _report_coverage(cover: killrate.Coverage, impossible: list[str], ran_all_bad: bool) -> None:
    must = len(cover.must)
    print(
        f"contract coverage: {len(cover.declared)}/{must} MUST contracts declared by a "
        f"known-bad variant ({cover.ratio:.0%}); {len(impossible)} without one for a written "
        "reason (selftest/uncovered.yaml)"
    )
    if ran_all_bad:
        print(
            f"  made to fail (a real finding, crashes aside) by some known-bad variant in "
            f"this run: {len(cover.failed_in_run)}/{must}"
        )
