"""Each hostile case of issue 15 against a default run of the suite (every profile, default
budget, default limits): wall time, peak memory of the run, exit code, and whether any report
file or output holds 8 characters of the key. The goal: every case ends within 2 minutes under
400 MB with exit 1 or 3.

    python benchmarks/hostile_targets.py [MODE ...]    (default: every mode of tests/hostile)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench_support import fmt, machine, run_measured, scrip_conformance

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "hostile"))
from hostile_server import MODES, HostileServer  # noqa: E402

KEY = "sk_" + "9e8d7c6b5a4f3e2d" + "1c0b9a8f7e6d5c4b"
GOAL_SECONDS, GOAL_MB = 120.0, 400.0


def leaks(report_dir: Path, output: str) -> int:
    pieces = [KEY[i : i + 8] for i in range(len(KEY) - 7)]
    texts = [output] + [
        p.read_bytes().decode("utf-8", "replace") for p in report_dir.rglob("*") if p.is_file()
    ]
    return sum(1 for text in texts if any(piece in text for piece in pieces))


def main(modes: list[str]) -> int:
    print(f"# hostile targets, default run ({machine()})")
    print(f"{'mode':<16} {'exit':>4} {'wall':>8} {'peak':>9} {'leaks':>5}  goal")
    missed = 0
    for mode in modes:
        with tempfile.TemporaryDirectory() as tmp, HostileServer(mode, KEY) as server:
            report_dir = Path(tmp) / "reports"
            measured = run_measured(
                [
                    *scrip_conformance(),
                    "run",
                    "--base-url",
                    server.base_url,
                    "--api-key",
                    KEY,
                    "--seed",
                    "3",
                    "--report-dir",
                    str(report_dir),
                ],
                timeout=600,
            )
            output = "\n".join(line for _, line in measured.lines)
            leaked = leaks(report_dir, output)
        met = (
            measured.wall_seconds <= GOAL_SECONDS
            and measured.peak_rss_mb <= GOAL_MB
            and measured.exit_code in (1, 3)
            and not leaked
            and "Traceback" not in output
        )
        missed += not met
        print(
            f"{mode:<16} {measured.exit_code:>4} {fmt(measured.wall_seconds):>8} "
            f"{fmt(measured.peak_rss_mb, ' MB', 0):>9} {leaked:>5}  {'met' if met else 'MISSED'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(MODES)))
