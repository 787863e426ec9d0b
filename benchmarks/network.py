"""Time to verdict against targets across a network: the reference on loopback, behind a relay
adding 20 ms and 100 ms of round-trip time, and behind the documented rate limit (burst 30,
10 requests/s per organization), all taken in one invocation so the ratios compare like with like.

Usage: python benchmarks/network.py [--budget quick|default ...] [--target NAME ...] [--seed N]
       [--report-root DIR]
Targets: loopback, rtt20, rtt100, ratelimit. Prints wall time, verdict, requests the suite sent
(its own count, summary.json's ``performance``) and those the server answered, 429s the server
sent, seconds the suite waited on 429s and paced ahead of the limit, and the ratio to the loopback
run of the same budget, with the machine's load beside each figure, then each run's seconds and
requests per phase. Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_support import (
    BUDGET_FLAGS,
    counted_server,
    fmt,
    load_summary,
    machine,
    run_command,
    run_measured,
)

TARGETS = {
    "loopback": {},
    "rtt20": {"relay_rtt": 0.020},
    "rtt100": {"relay_rtt": 0.100},
    "ratelimit": {"rate_limit": True},
}


def one_run(budget: str, target: str, seed: int, report_dir: Path) -> dict:
    with counted_server(demo=True, **TARGETS[target]) as server:
        load = machine()
        command = run_command(server.base_url, budget, seed, report_dir)
        measured = run_measured(command, log=report_dir.with_suffix(".log"))
    summary = load_summary(report_dir)
    performance = summary.get("performance") or {}
    return {
        "exit_code": measured.exit_code,
        "verdict": summary.get("verdict", "no summary"),
        "wall": measured.wall_seconds,
        "sent": performance.get("requests"),
        "requests": server.requests,
        "status_429": server.status_429,
        "waited": performance.get("waited_429_seconds"),
        "paced": performance.get("paced_seconds"),
        "phases": performance.get("phases_seconds") or {},
        "phases_requests": performance.get("phases_requests") or {},
        "load": load,
    }


PHASES = ("startup", "discovery", "provisioning", "contracts", "fuzzing", "reports")


def print_phases(rows: list[tuple[str, str, dict]]) -> None:
    """Where each run's time went: seconds (and requests) per phase, from summary.json."""
    print("\nseconds (requests) per phase; reports includes retiring the run's sandbox")
    print(f"{'budget':8} {'target':10} " + " ".join(f"{p:>14}" for p in PHASES))
    for budget, target, row in rows:
        cells = []
        for phase in PHASES:
            seconds = row["phases"].get(phase)
            sent = row["phases_requests"].get(phase)
            cells.append(f"{fmt(seconds)} ({sent if sent is not None else '-'})")
        print(f"{budget:8} {target:10} " + " ".join(f"{c:>14}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", action="append", choices=sorted(BUDGET_FLAGS))
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report-root", type=Path)
    args = parser.parse_args(argv)
    budgets = args.budget or ["quick", "default"]
    targets = args.target or list(TARGETS)
    if "loopback" not in targets:
        targets.insert(0, "loopback")  # every ratio is to the loopback run of this invocation
    root = args.report_root or Path(tempfile.mkdtemp(prefix="network-"))
    print(f"time to verdict across a network, seed {args.seed}; reports under {root}")
    rows = []
    for budget in budgets:
        for target in targets:
            row = one_run(budget, target, args.seed, root / f"{budget}-{target}")
            rows.append((budget, target, row))
            print(f"  done: {budget} {target} ({row['wall']:.1f}s); {machine()}", flush=True)
    print()
    head = (
        f"{'budget':8} {'target':10} {'verdict':15} {'exit':>4} {'wall':>8} {'x loop':>6} "
        f"{'sent':>6} {'answered':>8} {'429s':>5} {'429 wait':>8} {'paced':>7}  "
        f"machine at start"
    )
    print(head)
    print("-" * len(head))
    loop_wall = {b: r["wall"] for b, t, r in rows if t == "loopback"}
    for budget, target, row in rows:
        ratio = row["wall"] / loop_wall[budget] if loop_wall.get(budget) else None
        print(
            f"{budget:8} {target:10} {row['verdict']:15} {row['exit_code']:>4} "
            f"{fmt(row['wall']):>8} {fmt(ratio, 'x', 2):>6} {row['sent'] or '-':>6} "
            f"{row['requests'] or '-':>8} "
            f"{row['status_429'] if row['status_429'] is not None else '-':>5} "
            f"{fmt(row['waited']):>8} {fmt(row['paced']):>7}  {row['load']}"
        )
    print_phases(rows)
    print(f"\nfinished; {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
