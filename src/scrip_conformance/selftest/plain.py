"""Plain schemathesis, for comparison: ``st run openapi/scrip.yaml --checks all`` against one
server, and the failure codes it reported (from its JUnit report).

Plain ``st run`` fails even the correct reference (its generic checks disagree with documented
decisions), so the self-test counts a variant as caught by plain schemathesis only when it
reports a failure code that the correct reference, run with the same seed, did not get.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from scrip_conformance import resources

MAX_EXAMPLES = {"quick": 5, "default": 20, "deep": 100}
JUNIT_NAME = "plain-schemathesis.xml"
LOG_NAME = "plain-schemathesis.txt"
TIMEOUT_SECONDS = 900
_CODE = re.compile(r"\bST\d{3}\b")


def st_executable() -> str | None:
    beside = Path(sys.executable).with_name("st")
    return str(beside) if beside.exists() else shutil.which("st")


def failure_codes(junit: Path) -> list[str]:
    """The distinct failure codes (ST101, ...) of a schemathesis JUnit report."""
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return []
    codes: set[str] = set()
    for failure in tree.iter("failure"):
        codes.update(_CODE.findall(failure.get("message") or ""))
    return sorted(codes)


def run_plain(base_url: str, key: str, report_dir: Path, seed: int, budget: str) -> dict[str, Any]:
    """Run plain ``st run --checks all``; its exit code, seconds and failure codes."""
    exe = st_executable()
    if exe is None:
        return {"error": "schemathesis' st command is not installed"}
    junit = report_dir / JUNIT_NAME
    command = [
        exe,
        "run",
        str(resources.spec_path()),
        "--url",
        base_url,
        "-H",
        f"X-API-Key: {key}",
        "--checks",
        "all",
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        "-n",
        str(MAX_EXAMPLES[budget]),
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    started = time.monotonic()
    try:
        with (report_dir / LOG_NAME).open("w", encoding="utf-8") as log:
            # run from the report dir, so that no schemathesis.toml of a checkout is picked up
            done = subprocess.run(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=report_dir,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
    except subprocess.TimeoutExpired:
        return {"error": f"st run did not finish in {TIMEOUT_SECONDS} s"}
    return {
        "exit_code": done.returncode,
        "seconds": round(time.monotonic() - started, 3),
        "codes": failure_codes(junit),
    }
