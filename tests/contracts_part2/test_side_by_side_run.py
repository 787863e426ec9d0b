"""A writing run whose write-side tests and fuzzing run side by side (``--concurrency 4``)
reports exactly what a run of one test after another (``--concurrency 1``) reports: the same
verdicts, findings (in the same order), and the write-side contracts' witnesses and requests,
on servers with a known bug caught by the write-side tests."""

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
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SIDE_BY_SIDE = ("PROV-", "EXT-", "CONC-", "ISO-")
"""The contracts of the write-side scenarios: their witnesses and requests are their own
scenario's, identical from run to run. The read-only profile's witnesses count what the
organization holds and every answer of the run, which vary between two serial runs too (the
bursts race by design, the clock scenarios follow the clock); the fuzzer's count the 2xx
answers among its generated cases, which follow its time limits; their verdicts and findings
do not vary."""


def run_writing(server: VariantServer, concurrency: int, report_dir: Path) -> dict:
    """summary.json of a quick writing run (every default profile) against ``server``."""
    command = [
        sys.executable, "-m", "scrip_conformance.cli", "run", "--no-config", "--quick",
        "--seed", "7", "--no-record", "--base-url", server.base_url,
        "--api-key", "sk_selftest_a", "--second-org-key", "sk_selftest_b",
        "--concurrency", str(concurrency), "--report-dir", str(report_dir),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def reported(summary: dict) -> list:
    """What a run reports per contract, in order: verdict, witnesses, findings (what was wrong
    and what was expected: what was seen names the server's ids and the run's clock)."""
    return [
        (
            c["id"],
            c["verdict"],
            c["witnesses"] if c["id"].startswith(SIDE_BY_SIDE) else None,
            c["findings_total"],
            [(f.get("summary"), ID.sub("<id>", str(f.get("expected")))) for f in c["findings"]],
        )
        for c in summary["contracts"]
    ]


@pytest.mark.parametrize(
    ("variant", "caught"),
    [
        ("lifo-consumption", "PROV-FIFO-CONSUMPTION"),
        ("inactive-participant-writable", "PROV-INACTIVE-PARTICIPANT-REFUSES-WRITES"),
        ("other-org-participant-visible", "ISO-READS-404"),
    ],
)
def test_a_writing_run_reports_the_same_side_by_side_and_one_test_after_another(
    variant, caught, tmp_path
):
    with VariantServer(VARIANTS[variant], KEYS, demo=True) as server:
        serial = run_writing(server, 1, tmp_path / "serial")
    with VariantServer(VARIANTS[variant], KEYS, demo=True) as server:
        side_by_side = run_writing(server, 4, tmp_path / "side-by-side")
    assert caught in serial["failing_contracts"]
    assert reported(side_by_side) == reported(serial)
    assert side_by_side["failing_contracts"] == serial["failing_contracts"]
    serial_costs = own_requests(serial)
    assert own_requests(side_by_side) == serial_costs
    assert sum(serial_costs.values()) > 100  # the write-side tests' requests, each charged


def own_requests(summary: dict) -> dict:
    """The requests charged to each contract of the tests that run side by side."""
    costs = summary["performance"]["contracts_requests"]
    return {cid: n for cid, n in costs.items() if cid.startswith(SIDE_BY_SIDE)}
