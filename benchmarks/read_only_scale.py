"""Read-only verification of a target holding many lots: wall time, requests and the peak memory
of the suite's process, for 10^5 and 10^6 lots (linear time, flat memory is the goal).

The reference's bulk loader (``scrip_conformance.reference.bulk``) fills a database file once
(kept under --db-dir for later runs); a counting reference server serves it in a process of its
own, so the memory measured (``wait4`` of the ``scrip-conformance run --read-only`` process) is
the suite's alone; ``cpu`` is the suite's CPU seconds, ``server cpu`` the reference server's (the
machine may be shared: CPU seconds say more than wall time then). ``--walk all`` raises the walk
limits so that every lot is read; ``--walk default`` keeps the plugin's default limits.

Usage: python benchmarks/read_only_scale.py [--lots N ...] [--walk all|default ...]
       [--db-dir DIR] [--report-root DIR] [--seed N]
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench_support import (
    counted_server,
    fmt,
    load_summary,
    machine,
    run_measured,
    scrip_conformance,
)

KEY = "sk_bench_scale"
ORG = "bench"


def database(db_dir: Path, lots: int) -> tuple[Path, float | None]:
    """The database file with ``lots`` lots, built when missing (and the seconds it took)."""
    path = db_dir / f"lots-{lots}.sqlite"
    if path.exists():
        return path, None
    from scrip_conformance.reference.bulk import load_lots

    db_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    load_lots(str(partial), lots, org=ORG)
    partial.rename(path)
    return path, time.monotonic() - started


def walk_flags(walk: str, lots: int) -> list[str]:
    if walk == "default":
        return []
    return [
        "--max-assets",
        "1000",
        "--max-participants",
        str(lots),
        "--max-lots-per-participant",
        str(lots),
    ]


def one(lots: int, walk: str, db: Path, seed: int, report_dir: Path) -> dict:
    flags = walk_flags(walk, lots)
    with counted_server(db=str(db), keys=(f"{KEY}={ORG}",)) as server:
        command = [
            *scrip_conformance(),
            "run",
            "--base-url",
            server.base_url,
            "--api-key",
            KEY,
            "--read-only",
            "--seed",
            str(seed),
            "--report-dir",
            str(report_dir),
            *flags,
        ]
        measured = run_measured(command, log=report_dir.with_suffix(".log"))
    summary = load_summary(report_dir)
    phases = (summary.get("performance") or {}).get("phases_seconds") or {}
    return {
        "command": " ".join(
            [
                "scrip-conformance",
                "run",
                "--base-url",
                "URL",
                "--api-key",
                "KEY",
                "--read-only",
                "--seed",
                str(seed),
                *flags,
            ]
        ),
        "exit_code": measured.exit_code,
        "verdict": summary.get("verdict", "no summary"),
        "totals": summary.get("totals", {}),
        "wall": measured.wall_seconds,
        "cpu": measured.cpu_seconds,
        "rss": measured.peak_rss_mb,
        "requests": server.requests,
        "server_cpu": server.cpu_seconds,
        "discovery": phases.get("discovery"),
        "contracts": phases.get("contracts"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, action="append")
    parser.add_argument("--walk", action="append", choices=("all", "default"))
    default_db_dir = Path(tempfile.gettempdir(), "scrip-bench-db")
    parser.add_argument("--db-dir", type=Path, default=default_db_dir)
    parser.add_argument("--report-root", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = args.lots or [100_000, 1_000_000]
    walks = args.walk or ["all"]
    root = args.report_root or Path(tempfile.mkdtemp(prefix="read-only-scale-"))
    print(f"read-only verification at scale, seed {args.seed}; {machine()}")
    print(f"databases under {args.db_dir}, reports under {root}")
    rows = []
    for lots in sizes:
        db, built = database(args.db_dir, lots)
        if built is not None:
            print(f"  built {db.name} in {built:.1f}s", flush=True)
        for walk in walks:
            row = one(lots, walk, db, args.seed, root / f"{lots}-{walk}")
            rows.append((lots, walk, row))
            print(
                f"  done: {lots} lots, walk {walk}: {row['wall']:.1f}s, "
                f"{row['rss']:.0f} MB; {machine()}",
                flush=True,
            )
    print()
    head = (
        f"{'lots':>9} {'walk':8} {'wall':>8} {'cpu':>8} {'discovery':>9} {'contracts':>9} "
        f"{'requests':>8} {'µs/lot':>7} {'cpu µs/lot':>10} {'server cpu':>10} {'peak RSS':>9}  "
        "verdict (passed/failed/not run)"
    )
    print(head)
    print("-" * len(head))
    for lots, walk, row in rows:
        totals = row["totals"]
        per_lot = 1e6 * row["wall"] / lots
        cpu_per_lot = 1e6 * row["cpu"] / lots if row["cpu"] is not None else float("nan")
        print(
            f"{lots:>9} {walk:8} {fmt(row['wall']):>8} {fmt(row['cpu']):>8} "
            f"{fmt(row['discovery']):>9} {fmt(row['contracts']):>9} {row['requests'] or '-':>8} "
            f"{per_lot:>7.0f} {cpu_per_lot:>10.0f} {fmt(row['server_cpu']):>10} "
            f"{fmt(row['rss'], ' MB', 0):>9}  {row['verdict']} "
            f"({totals.get('passed')}/{totals.get('failed')}/{totals.get('not_run')})"
        )
    for lots, walk, row in rows:
        print(f"  {lots} {walk}: {row['command']}  (exit {row['exit_code']})")
    print(f"\nfinished; {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
