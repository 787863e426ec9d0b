"""The speed-up of the contract suite under pytest-xdist on this machine's cores, and whether its
results are those of a serial run.

Both runs are the suite as ``scrip-conformance run`` starts it (same pytest arguments, see
``scrip_conformance.runner.session.pytest_args``; with ``--order runner``, the default, also its
suite order, fuzzing last, loaded by name so that xdist workers apply it too), as a pytest process
of its own against a fresh counting reference server with the demo data (or a known-bad variant);
the parallel run adds ``-p xdist -n WORKERS``. Its schedule is the plugin's serial-equivalent one
(``scrip_conformance.parallel_schedule``) unless ``--schedule xdist``, which hands it to xdist's
own ``--dist``. Results are compared test by test (JUnit outcome of every node id).

CPU is the pytest process's with its workers (``wait4`` counts reaped children), and the server's
apart; other work on the machine skews wall times (its load average is printed).

Usage: python benchmarks/parallel.py [--workers N] [--schedule serial-equivalent|xdist]
       [--dist load|loadfile|loadscope|loadgroup] [--order runner|collection]
       [--budget quick|default|deep] [--seed N] [--profile P ...] [--variant NAME]
       [--report-root DIR]
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from bench_support import HERE, KEY_A, KEY_B, counted_server, fmt, machine, run_measured

from scrip_conformance import catalog, resources
from scrip_conformance.runner.session import JUNIT_NAME, SuiteOptions, pytest_args


def outcomes(junit: Path) -> dict[str, str]:
    """``classname::name`` -> passed / failed / error / skipped, from a JUnit report."""
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return {}
    found = {}
    for case in tree.iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
        found[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return found


def one(workers: int, args: argparse.Namespace, report_dir: Path) -> dict:
    report_dir.mkdir(parents=True, exist_ok=True)
    with counted_server(demo=True, variant=args.variant) as server:
        options = SuiteOptions(
            base_url=server.base_url,
            api_key=KEY_A,
            second_org_key=KEY_B,
            profiles=args.profile or list(catalog.PROFILES),
            contracts=[],
            seed=args.seed,
            budget=args.budget,
        )
        command = [
            sys.executable,
            "-m",
            "pytest",
            *pytest_args(resources.contracts_dir(), report_dir, options),
            "-q",
        ]
        if args.order == "runner":
            command += ["-p", "runner_order"]
        if workers > 1:
            command += [
                "-p",
                "xdist",
                "-n",
                str(workers),
                "--dist",
                args.dist,
                "--parallel-schedule",
                args.schedule,
            ]
        path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
        measured = run_measured(command, log=report_dir / "pytest.log", env={"PYTHONPATH": path})
    return {
        "exit_code": measured.exit_code,
        "wall": measured.wall_seconds,
        "cpu": measured.cpu_seconds,
        "server_cpu": server.cpu_seconds,
        "requests": server.requests,
        "outcomes": outcomes(report_dir / JUNIT_NAME),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--schedule", default="serial-equivalent", choices=("serial-equivalent", "xdist")
    )
    parser.add_argument(
        "--dist",
        default="load",
        choices=("load", "loadfile", "loadscope", "loadgroup"),
        help="xdist's schedule, used with --schedule xdist",
    )
    parser.add_argument(
        "--order",
        default="runner",
        choices=("runner", "collection"),
        help="runner: fuzzing last, as scrip-conformance run orders the suite; "
        "collection: pytest's own order (read-only last)",
    )
    parser.add_argument("--variant", help="a known-bad variant of the reference to run against")
    parser.add_argument("--budget", default="quick", choices=("quick", "default", "deep"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="append")
    parser.add_argument("--report-root", type=Path)
    args = parser.parse_args(argv)
    root = args.report_root or Path(tempfile.mkdtemp(prefix="parallel-"))
    schedule = args.schedule if args.schedule != "xdist" else f"xdist --dist {args.dist}"
    print(
        f"serial vs pytest-xdist -n {args.workers} ({schedule} schedule), {args.order} order, "
        f"budget {args.budget}, seed {args.seed}, target {args.variant or 'reference'}; "
        f"{machine()}"
    )
    print(f"reports under {root}")
    serial = one(1, args, root / "serial")
    print(f"  done: serial {serial['wall']:.1f}s; {machine()}", flush=True)
    parallel = one(args.workers, args, root / "parallel")
    print(f"  done: parallel {parallel['wall']:.1f}s; {machine()}", flush=True)
    print()
    head = (
        f"{'run':10} {'wall':>8} {'cpu':>8} {'srv cpu':>8} {'requests':>8} {'tests':>6} "
        f"{'failed':>6} {'skipped':>7}  exit"
    )
    print(head)
    print("-" * len(head))
    for name, run in (("serial", serial), (f"-n {args.workers}", parallel)):
        failed = sum(1 for o in run["outcomes"].values() if o in ("failed", "error"))
        skipped = sum(1 for o in run["outcomes"].values() if o == "skipped")
        print(
            f"{name:10} {fmt(run['wall']):>8} {fmt(run['cpu']):>8} {fmt(run['server_cpu']):>8} "
            f"{run['requests'] or '-':>8} {len(run['outcomes']):>6} {failed:>6} {skipped:>7}  "
            f"{run['exit_code']}"
        )
    speedup = serial["wall"] / parallel["wall"] if parallel["wall"] else None
    print(f"speed-up: {fmt(speedup, 'x', 2)} on {args.workers} workers")
    a, b = serial["outcomes"], parallel["outcomes"]
    differ = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
    if differ:
        print(f"results differ on {len(differ)} test(s):")
        for nodeid in differ:
            was, now = a.get(nodeid, "absent"), b.get(nodeid, "absent")
            print(f"  {nodeid}: serial {was}, parallel {now}")
    else:
        print(f"results identical: {len(a)} tests, same outcome each")
    order = " -p runner_order" if args.order == "runner" else ""
    print(
        f"commands: python -m pytest <the runner's pytest arguments>{order} "
        f"[-p xdist -n N --dist D --parallel-schedule S]"
    )
    print(f"\nfinished; {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
