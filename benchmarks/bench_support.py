"""Shared by the benchmark scripts: run a command in a child process and measure it (wall time,
CPU time, peak memory of that child alone, when each output line appeared), and a counting
reference server in a process of its own."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KEY_A = "sk_bench_a"
KEY_B = "sk_bench_b"


def scrip_conformance() -> list[str]:
    """The command line of ``scrip-conformance`` with this interpreter."""
    return [sys.executable, "-m", "scrip_conformance.cli"]


BUDGET_FLAGS = {"quick": ["--quick"], "default": [], "deep": ["--deep"]}


def run_command(base_url: str, budget: str, seed: int, report_dir: Path) -> list[str]:
    """``scrip-conformance run`` against ``base_url`` with both bench keys, as the benchmarks
    time it."""
    return [
        *scrip_conformance(),
        "run",
        "--base-url",
        base_url,
        "--api-key",
        KEY_A,
        "--second-org-key",
        KEY_B,
        *BUDGET_FLAGS[budget],
        "--seed",
        str(seed),
        "--report-dir",
        str(report_dir),
    ]


def machine() -> str:
    """The machine the figures come from: CPU count and load average (other work skews them)."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


@dataclass
class Measured:
    """One child process, measured."""

    command: list[str]
    exit_code: int
    wall_seconds: float
    user_seconds: float
    system_seconds: float
    peak_rss_mb: float
    lines: list[tuple[float, str]] = field(default_factory=list)

    @property
    def cpu_seconds(self) -> float:
        return self.user_seconds + self.system_seconds

    def first_line(self, predicate) -> float | None:
        """Seconds from the start until the first output line for which ``predicate`` holds."""
        return next((t for t, line in self.lines if predicate(line)), None)


def run_measured(
    command: list[str],
    *,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 3600.0,
) -> Measured:
    """Run ``command``; its stdout and stderr lines are timestamped (and copied to ``log``).

    Peak memory and CPU come from ``wait4`` on this child only (its own children excluded).
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        text=True,
        bufsize=1,
    )
    lines: list[tuple[float, str]] = []
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    sink = log.open("w", encoding="utf-8") if log is not None else None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append((time.monotonic() - started, line.rstrip("\n")))
            if sink is not None:
                sink.write(line)
            if time.monotonic() - started > timeout:
                proc.kill()
                break
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if sink is not None:
            sink.close()
    return Measured(
        command=command,
        exit_code=proc.returncode,
        wall_seconds=time.monotonic() - started,
        user_seconds=usage.ru_utime,
        system_seconds=usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024.0,
        lines=lines,
    )


class CountedServer:
    """The handle of a running :mod:`serve_counted` process; ``requests`` and ``cpu_seconds``
    (the server process's own) are set after it stops."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.requests: int | None = None
        self.status_429: int | None = None
        self.cpu_seconds: float | None = None


@contextmanager
def counted_server(
    *,
    db: str | None = None,
    demo: bool = False,
    variant: str | None = None,
    keys: tuple[str, ...] = (f"{KEY_A}=org-a", f"{KEY_B}=org-b"),
    startup_timeout: float = 300.0,
    rate_limit: bool = False,
    relay_rtt: float = 0.0,
) -> Iterator[CountedServer]:
    """A reference server (``variant``: a known-bad one) in its own process, counting requests
    and 429s; optionally rate-limited, or behind a relay adding round-trip time."""
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        ready = Path(tmp) / "ready.json"
        command = [sys.executable, str(HERE / "serve_counted.py"), "--ready-file", str(ready)]
        if db:
            command += ["--db", db]
        if demo:
            command.append("--demo")
        if variant:
            command += ["--variant", variant]
        for key in keys:
            command += ["--api-key", key]
        if rate_limit:
            command.append("--rate-limit")
        if relay_rtt:
            command += ["--relay-rtt", str(relay_rtt)]
        # The server log (tracebacks of a variant, uvicorn warnings) stays out of the figures.
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + startup_timeout
        while not ready.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"the benchmark server exited with {proc.returncode}")
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the benchmark server did not start in time")
            time.sleep(0.05)
        time.sleep(0.05)  # the file is written in one call; let it land
        handle = CountedServer(json.loads(ready.read_text(encoding="utf-8"))["base_url"])
        try:
            yield handle
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            try:
                done = json.loads(ready.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                done = {}
            handle.requests = done.get("requests")
            handle.status_429 = done.get("status_429")
            handle.cpu_seconds = done.get("cpu_seconds")


def load_summary(report_dir: Path) -> dict:
    try:
        return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def median_and_worst(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.median(values), max(values)


def fmt(value: float | None, unit: str = "s", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"
