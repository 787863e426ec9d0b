"""The pytest side: one fuzzing run per session, shared by xdist workers, summarised at the end."""

from __future__ import annotations

import json
import subprocess
import sys

from fuzz_servers import API_KEY, serve

TESTS = """
import json, os

def _record(fuzz_report, name, tmp_path_factory):
    out = os.environ["FUZZ_SEEN_DIR"]
    with open(os.path.join(out, name + ".json"), "w") as fh:
        json.dump({"worker": os.environ.get("PYTEST_XDIST_WORKER", "master"),
                   "programs": fuzz_report.known_ids["programs"],
                   "participants": fuzz_report.known_ids["participants"],
                   "cases": fuzz_report.cases_sent}, fh)

def test_one(fuzz_report, tmp_path_factory):
    _record(fuzz_report, "one", tmp_path_factory)

def test_two(fuzz_report, tmp_path_factory):
    _record(fuzz_report, "two", tmp_path_factory)
"""


def test_xdist_workers_share_one_fuzzing_run_and_the_controller_prints_coverage(tmp_path):
    (tmp_path / "test_shared.py").write_text(TESTS)
    seen = tmp_path / "seen"
    seen.mkdir()
    report = tmp_path / "fuzz.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "xdist",
        "-p",
        "scrip_conformance.pytest_plugin",
        "-p",
        "scrip_conformance.fuzzing.plugin",
        "-n",
        "2",
        "--dist",
        "load",
        "test_shared.py",
        "--base-url",
        "set below",
        "--api-key",
        API_KEY,
        "--profile",
        "fuzzing,provisioning",
        "--budget",
        "quick",
        "--scrip-seed",
        "4",
        "--fuzz-max-examples",
        "1",
        "--fuzz-phases",
        "examples",
        "--fuzz-report",
        str(report),
    ]
    with serve() as (server, _):
        command[command.index("--base-url") + 1] = server.base_url
        done = subprocess.run(
            command,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env={**_env(), "FUZZ_SEEN_DIR": str(seen)},
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    one = json.loads((seen / "one.json").read_text())
    two = json.loads((seen / "two.json").read_text())
    assert {one["worker"], two["worker"]} == {"gw0", "gw1"}
    # one provisioning and one run: both workers saw the same program and the same figures
    assert one["programs"] == two["programs"] and one["cases"] == two["cases"] > 0
    assert len(one["participants"]) == 1  # the quick budget's set-up: one participant
    assert "scrip-conformance fuzzing coverage" in done.stdout
    assert json.loads(report.read_text())["cases_sent"] == one["cases"]
    assert API_KEY not in done.stdout + report.read_text()


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRIP_", "PYTEST_"))}
    # only the plugins this needs: the autoloaded rest costs seconds per process
    return {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
