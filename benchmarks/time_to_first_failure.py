"""Time to the first failure of ``scrip-conformance run`` against each known-bad variant
(``scrip_conformance.selftest``), median and worst, per budget; with the time to verdict and
whether the variant was caught.

A failure counts when its contract does not also fail against the correct reference with the same
seed and budget (run first): a false positive of the suite must not pass for a catch. Time is
counted from the start of the ``scrip-conformance run`` process (start-up included) to the
console line that reports the failed test. Each variant runs in a server process of its own,
started fresh with the demo data.

Usage: python benchmarks/time_to_first_failure.py [--budget quick|default|deep ...] [--seed N]
       [--variant NAME ...] [--jobs N] [--report-root DIR]
With ``--jobs`` above 1 variants run side by side: sooner done, but each run's times grow with
the load (the machine's load average is printed with the figures).
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_support import (
    BUDGET_FLAGS,
    counted_server,
    fmt,
    load_summary,
    machine,
    median_and_worst,
    run_command,
    run_measured,
)

from scrip_conformance.selftest.variants import ALL

PROGRESS = re.compile(r"^\[\s*\d+/\d+\] (failed)\s+(\S.*?)  (\S+)$")


def one_run(variant: str, budget: str, seed: int, report_dir: Path) -> dict:
    with counted_server(demo=True, variant=variant) as server:
        command = run_command(server.base_url, budget, seed, report_dir)
        measured = run_measured(command, log=report_dir.with_suffix(".log"))
    summary = load_summary(report_dir)
    failed = {c["id"] for c in summary.get("contracts", []) if c.get("verdict") == "failed"}
    failures = []  # (seconds, contract ids of the failed test)
    for seconds, line in measured.lines:
        match = PROGRESS.match(line)
        if match:
            failures.append((seconds, {c.strip() for c in match.group(2).split(",")}))
    return {
        "exit_code": measured.exit_code,
        "wall": measured.wall_seconds,
        "failed": failed,
        "failures": failures,
        "unattributed": len(summary.get("unattributed_findings") or []),
        "requests": server.requests,
        "sent": (summary.get("performance") or {}).get("requests"),
    }


def report_one(name: str, run: dict, known: set[str], firsts: list, verdicts: list) -> bool:
    """Print one variant's row; whether it was caught (a failure the reference does not have)."""
    new = [(t, ids - known) for t, ids in run["failures"] if ids - known]
    is_caught = bool(run["failed"] - known) or run["unattributed"] > 0
    first = new[0][0] if new else None
    if first is not None:
        firsts.append(first)
    verdicts.append(run["wall"])
    first_ids = ", ".join(sorted(new[0][1])) if new else "-"
    print(
        f"{name:34} {fmt(first):>13} {fmt(run['wall']):>8}  "
        f"{'yes' if is_caught else 'NO':6} {first_ids}",
        flush=True,
    )
    return is_caught


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", action="append", choices=sorted(BUDGET_FLAGS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variant", action="append", metavar="NAME")
    parser.add_argument("--jobs", type=int, default=1, help="variants run at once (default 1)")
    parser.add_argument("--report-root", type=Path)
    args = parser.parse_args(argv)
    budgets = args.budget or ["quick", "default"]
    names = args.variant or [v.name for v in ALL]
    root = args.report_root or Path(tempfile.mkdtemp(prefix="time-to-first-failure-"))
    print(f"time to first failure, {len(names)} variants, seed {args.seed}; {machine()}")
    print(f"reports under {root}")
    for budget in budgets:
        reference = one_run("reference", budget, args.seed, root / budget / "reference")
        known = reference["failed"]
        print(
            f"\nbudget {budget}: reference verdict in {reference['wall']:.1f}s, exit "
            f"{reference['exit_code']}, failing there (not counted as catches): "
            f"{', '.join(sorted(known)) or 'none'}"
        )
        head = f"{'variant':34} {'first failure':>13} {'verdict':>8}  {'caught':6} first contract"
        print(head)
        print("-" * len(head))
        firsts, verdicts, caught, sent = [], [], 0, 0
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            runs = pool.map(lambda n, b=budget: one_run(n, b, args.seed, root / b / n), names)
            for name, run in zip(names, runs, strict=True):
                caught += report_one(name, run, known, firsts, verdicts)
                sent += run["sent"] or run["requests"] or 0
        med, worst = median_and_worst(firsts)
        vmed, vworst = median_and_worst(verdicts)
        print("-" * len(head))
        print(
            f"budget {budget}: caught {caught}/{len(names)} "
            f"({100.0 * caught / max(len(names), 1):.0f}%); first failure median {fmt(med)}, "
            f"worst {fmt(worst)}; verdict median {fmt(vmed)}, worst {fmt(vworst)}"
        )
        per_run = sent / max(len(names), 1)
        print(
            f"  requests per variant run: {per_run:.0f}; kill rate per 100 requests: "
            f"{100.0 * (caught / max(len(names), 1)) / max(per_run / 100.0, 1e-9):.2f}% "
            f"(kill rate divided by hundreds of requests a run sends)"
        )
        flags = " ".join(BUDGET_FLAGS[budget])
        print(
            f"  per variant: scrip-conformance run --base-url URL --api-key KEY "
            f"--second-org-key KEY2 {flags} --seed {args.seed}".replace("  ", " ")
        )
    print(f"\nfinished; {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
