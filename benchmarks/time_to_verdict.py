"""Time to verdict of ``scrip-conformance run`` (--quick, default, --deep) against the embedded
reference, phase by phase, with the requests per second the suite drives; beside it, plain
``st run`` with the same number of examples per operation and the same phases as each budget's
fuzzing.

Usage: python benchmarks/time_to_verdict.py [--budget quick|default|deep ...] [--seed N]
       [--report-root DIR] [--no-plain]
Prints figures only; it asserts nothing. Each run is a fresh process (``python -m
scrip_conformance.cli run``); plain schemathesis runs against a counting reference server of its
own, with the demo data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_support import (
    KEY_A,
    counted_server,
    fmt,
    load_summary,
    machine,
    run_measured,
    scrip_conformance,
)

from scrip_conformance import resources
from scrip_conformance.fuzzing import BUDGETS
from scrip_conformance.runner.phases import PHASES
from scrip_conformance.selftest.plain import st_executable

BUDGET_FLAGS = {"quick": ["--quick"], "default": [], "deep": ["--deep"]}


def suite_run(budget: str, seed: int, report_dir: Path) -> dict:
    command = [
        *scrip_conformance(),
        "run",
        *BUDGET_FLAGS[budget],
        "--seed",
        str(seed),
        "--report-dir",
        str(report_dir),
    ]
    measured = run_measured(command, log=report_dir.with_suffix(".log"))
    summary = load_summary(report_dir)
    performance = summary.get("performance") or {}
    phases = performance.get("phases_seconds") or {}
    coverage = summary.get("coverage") or {}
    return {
        "command": " ".join(["scrip-conformance", *command[3:]]),
        "exit_code": measured.exit_code,
        "verdict": summary.get("verdict", "no summary"),
        "totals": summary.get("totals", {}),
        "wall": measured.wall_seconds,
        "cpu": measured.cpu_seconds,
        "rss": measured.peak_rss_mb,
        "phases": phases,
        "phases_cpu": performance.get("phases_cpu_seconds") or {},
        "before_start": measured.wall_seconds - sum(phases.values()) if phases else None,
        "requests": performance.get("requests"),
        "rps": performance.get("requests_per_second"),
        "fuzz_cases": coverage.get("cases_sent"),
        "fuzz_requests": (performance.get("phases_requests") or {}).get("fuzzing"),
    }


def plain_run(budget: str, seed: int, report_dir: Path) -> dict:
    exe = st_executable()
    if exe is None:
        return {"error": "st is not installed"}
    examples = BUDGETS[budget].max_examples
    phases = ",".join(BUDGETS[budget].phases)
    report_dir.mkdir(parents=True, exist_ok=True)
    with counted_server(demo=True) as server:
        command = [
            exe,
            "run",
            str(resources.spec_path()),
            "--url",
            server.base_url,
            "-H",
            f"X-API-Key: {KEY_A}",
            "--checks",
            "all",
            "--seed",
            str(seed),
            "--max-examples",
            str(examples),
            "--phases",
            phases,
            "--generation-database",
            "none",
            "--no-color",
        ]
        measured = run_measured(command, log=report_dir / "plain-st.log")
    requests = server.requests
    return {
        "command": f"st run openapi/scrip.yaml --url URL -H 'X-API-Key: KEY' --checks all "
        f"--seed {seed} --max-examples {examples} --phases {phases} --generation-database none",
        "examples": examples,
        "exit_code": measured.exit_code,
        "wall": measured.wall_seconds,
        "cpu": measured.cpu_seconds,
        "requests": requests,
        "rps": requests / measured.wall_seconds if requests else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", action="append", choices=sorted(BUDGET_FLAGS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report-root", type=Path)
    parser.add_argument("--no-plain", action="store_true", help="skip plain st run")
    args = parser.parse_args(argv)
    budgets = args.budget or ["quick", "default", "deep"]
    root = args.report_root or Path(tempfile.mkdtemp(prefix="time-to-verdict-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"time to verdict against the embedded reference, seed {args.seed}; {machine()}")
    print(f"reports under {root}")
    rows = []
    for budget in budgets:
        row = suite_run(budget, args.seed, root / budget)
        plain_dir = root / f"{budget}-plain"
        row["plain"] = None if args.no_plain else plain_run(budget, args.seed, plain_dir)
        rows.append((budget, row))
        print(f"  done: {budget} ({row['wall']:.1f}s); {machine()}", flush=True)
    print()
    head = (
        f"{'budget':8} {'verdict':15} {'wall':>7} {'cpu':>7} {'peakRSS':>8} "
        + " ".join(f"{p[:8]:>8}" for p in ("pre-main", *PHASES))
        + f" {'requests':>8} {'req/s':>6} {'fuzz cases':>10}"
    )
    print(head)
    print("-" * len(head))
    for budget, row in rows:
        phases = " ".join(fmt(row["phases"].get(p)).rjust(8) for p in PHASES)
        print(
            f"{budget:8} {row['verdict']:15} {fmt(row['wall']):>7} {fmt(row['cpu']):>7} "
            f"{fmt(row['rss'], 'MB', 0):>8} {fmt(row['before_start']):>8} {phases} "
            f"{row['requests'] or '-':>8} {row['rps'] or '-':>6} {row['fuzz_cases'] or '-':>10}"
        )
    print()
    head = f"{'budget':8} {'CPU by phase':>15} " + " ".join(f"{p[:8]:>8}" for p in PHASES)
    print(head)
    print("-" * len(head))
    for budget, row in rows:
        cpu = " ".join(fmt(row["phases_cpu"].get(p)).rjust(8) for p in PHASES)
        print(f"{budget:8} {'':>15} {cpu}")
    print()
    print(
        "pre-main: interpreter start and imports before the command's clock starts; the other "
        "phases come from\nsummary.json's performance object. CPU by phase is the run process's "
        "(all its threads: the embedded\nreference's too), which the machine's load does not "
        "inflate."
    )
    for budget, row in rows:
        print(f"  {budget}: {row['command']}  (exit {row['exit_code']}, totals {row['totals']})")
    if not args.no_plain:
        print()
        print(
            "fuzzing: the suite's fuzzing phase vs plain `st run` with the same examples per "
            "operation"
        )
        head = (
            f"{'budget':8} {'examples':>8} {'suite fuzz':>10} {'requests':>8} {'req/s':>6}   "
            f"{'plain st':>8} {'cpu':>7} {'requests':>8} {'req/s':>6}"
        )
        print(head)
        print("-" * len(head))
        for budget, row in rows:
            plain = row["plain"] or {}
            fuzz_s = row["phases"].get("fuzzing")
            fuzz_n = row["fuzz_requests"]
            fuzz_rps = fuzz_n / fuzz_s if fuzz_n and fuzz_s else None
            print(
                f"{budget:8} {BUDGETS[budget].max_examples:>8} {fmt(fuzz_s):>10} "
                f"{fuzz_n or '-':>8} {fmt(fuzz_rps, '', 0):>6}   "
                f"{fmt(plain.get('wall')):>8} {fmt(plain.get('cpu')):>7} "
                f"{plain.get('requests') or '-':>8} {fmt(plain.get('rps'), '', 0):>6}"
                f"{'  ' + plain['error'] if 'error' in plain else ''}"
            )
        for budget, row in rows:
            if row["plain"] and "command" in row["plain"]:
                print(f"  {budget}: {row['plain']['command']}  (exit {row['plain']['exit_code']})")
    print(f"\nfinished; {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
