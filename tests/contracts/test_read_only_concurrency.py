"""A read-only run with reads in flight (``--concurrency 4``) reports exactly what a run with
one read after another (``--concurrency 1``) reports: the same verdicts, witnesses and
findings, in the same order, on a server with a known bug in the contracts that read
concurrently (the auth probes, the pagination walks, the list filters, the schedule)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import ALL

KEYS = {"sk_selftest_a": "org-a", "sk_selftest_b": "org-b"}
VARIANTS = {variant.name: variant for variant in ALL}
# a moment in a request or a finding: the run's windows follow its clock, cursors its data
MOMENT = re.compile(r"\d{4}-\d\d-\d\dT(?:\d|:|%3A|\.)+Z|cursor=[\w-]{20,}")


def run_read_only(server: VariantServer, concurrency: int, report_dir: Path) -> dict:
    """summary.json of the read-only profile's quick run against ``server``."""
    command = [
        sys.executable, "-m", "scrip_conformance.cli", "run", "--no-config", "--read-only",
        "--quick", "--seed", "7", "--no-record", "--base-url", server.base_url,
        "--api-key", "sk_selftest_a", "--concurrency", str(concurrency),
        "--report-dir", str(report_dir),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def reported(summary: dict) -> list:
    """What a run reports per contract, in order, without its timings and clock."""
    return [
        (
            c["id"],
            c["verdict"],
            c["reason"],
            c["witnesses"],
            c["findings_total"],
            MOMENT.sub("T", json.dumps(c["findings"])),
        )
        for c in summary["contracts"]
    ]


@pytest.mark.parametrize(
    ("variant", "caught"),
    [
        ("unauthorized-without-body", "AUTH-MISSING-KEY-401"),
        ("cursor-skips-a-row", "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES"),
        ("schedule-bucket-float-sum", "SCHEDULE-SUMS-EXACTLY"),
    ],
)
def test_a_read_only_run_reports_the_same_at_concurrency_1_and_4(variant, caught, tmp_path):
    with VariantServer(VARIANTS[variant], KEYS, demo=True) as server:
        serial = run_read_only(server, 1, tmp_path / "serial")
        in_flight = run_read_only(server, 4, tmp_path / "in-flight")
    assert caught in serial["failing_contracts"]
    assert sum(c["findings_total"] for c in serial["contracts"]) > 1  # an order to keep
    assert reported(in_flight) == reported(serial)
    assert in_flight["failing_contracts"] == serial["failing_contracts"]
    assert in_flight["performance"]["requests"] == serial["performance"]["requests"]
