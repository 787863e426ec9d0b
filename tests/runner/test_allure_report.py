"""The run's allure-results built by the Allure 2 command line (``allure generate``), as a team
publishing Allure reports builds them: the report holds every contract test under its name and
status, its witnesses as parameters, the run's verdict as its environment, and a SHOULD warning
in a category of its own, not among the passes.

The command line needs Java. It is looked for in ``$ALLURE_CLI``, then in the project's local npm
prefix (``.ci-node/``, where .ci/run installs the pinned ``allure-commandline``), then on the
PATH. Where it or Java is missing these tests are skipped with the reason, except under CI=true,
where they must run and a missing tool is a failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from runner_support import KEY_A, KEY_B, REAL_CONTRACTS, SHOULD_CONTRACT, RunResult

LOCAL_ALLURE = Path(__file__).parents[2] / ".ci-node" / "node_modules" / ".bin" / "allure"
MISSING = (
    "the Allure 2 command line and Java must be installed (.ci/run installs a JRE and the pinned "
    "allure-commandline into .ci-node/; or set ALLURE_CLI)"
)


def installed_allure(environ=os.environ, local: Path = LOCAL_ALLURE) -> str:
    """The allure command; without it (or without Java) skip, or fail when CI=true."""
    candidates = [environ.get("ALLURE_CLI"), str(local) if local.exists() else None]
    allure = next((c for c in candidates if c), None) or shutil.which(
        "allure", path=environ.get("PATH")
    )
    java_home = environ.get("JAVA_HOME")
    java = (java_home and (Path(java_home) / "bin" / "java").exists()) or shutil.which(
        "java", path=environ.get("PATH")
    )
    if allure and java:
        return allure
    if environ.get("CI", "").lower() == "true":
        pytest.fail(f"{MISSING}; CI=true, where the Allure report must be built", pytrace=False)
    pytest.skip(f"{MISSING} to build the Allure report")


def generate(allure: str, run: RunResult, out: Path) -> dict[str, dict]:
    """``allure generate`` over the run's results; the report's test cases by name."""
    completed = subprocess.run(
        [allure, "generate", str(run.report_dir / "allure-results"), "-o", str(out), "--clean"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (out / "index.html").is_file()
    cases = {}
    for path in (out / "data" / "test-cases").glob("*.json"):
        case = json.loads(path.read_text(encoding="utf-8"))
        cases[case["name"]] = case
    return cases


def widget(out: Path, name: str):
    return json.loads((out / "widgets" / f"{name}.json").read_text(encoding="utf-8"))


def by_contract(cases: dict[str, dict]) -> dict[str, dict]:
    """The report's test cases by the contract id their witnesses parameter names."""
    found = {}
    for case in cases.values():
        for parameter in case["parameters"]:
            if parameter["name"].startswith("witnesses "):
                found[parameter["name"].removeprefix("witnesses ")] = case
    return found


@pytest.fixture(scope="module")
def allure() -> str:
    return installed_allure()


def test_a_conformant_run_builds_a_report_of_passes_with_their_witnesses(
    allure, reference_run, tmp_path
):
    assert reference_run.code == 0, reference_run.stdout + reference_run.stderr
    out = tmp_path / "allure-report"
    cases = by_contract(generate(allure, reference_run, out))
    assert set(cases) == {*REAL_CONTRACTS, SHOULD_CONTRACT}
    for contract_id, case in cases.items():
        assert case["status"] == "passed", contract_id
        assert case["name"].endswith(f"[{contract_id}]")
        [witnessed] = [p for p in case["parameters"] if p["name"] == f"witnesses {contract_id}"]
        assert witnessed["value"].strip("'")[0].isdigit() and not witnessed["value"].startswith(
            "'0 "
        )
    statistic = widget(out, "summary")["statistic"]
    assert (statistic["passed"], statistic["failed"], statistic["total"]) == (4, 0, 4)
    environment = {e["name"]: e["values"] for e in widget(out, "environment")}
    assert environment["scrip_verdict"] == ["conformant"]


def test_a_failing_run_builds_a_report_with_the_failure_and_the_warning_apart(
    allure, broken_server_run, tmp_path
):
    out = tmp_path / "allure-report"
    cases = by_contract(generate(allure, broken_server_run, out))
    failing = cases["LOT-REMAINING-LE-AMOUNT"]
    assert failing["status"] == "failed"
    assert (
        "[LOT-REMAINING-LE-AMOUNT] lot remaining is outside 0..amount" in (failing["statusMessage"])
    )
    assert "curl -X GET -H 'X-API-Key: [REDACTED]'" in failing["statusMessage"]
    [witnessed] = [p for p in failing["parameters"] if p["name"].startswith("witnesses ")]
    assert witnessed["value"].endswith(" lots'")
    warned = cases[SHOULD_CONTRACT]
    assert warned["status"] == "skipped"  # never among the passes
    assert warned["statusMessage"].startswith(f"WARNING: {SHOULD_CONTRACT} (SHOULD) not met")
    for contract_id in ("AUTH-MISSING-KEY-401", "SCHEDULE-SUMS-EXACTLY"):
        assert cases[contract_id]["status"] == "passed", contract_id
    statistic = widget(out, "summary")["statistic"]
    assert (statistic["passed"], statistic["failed"], statistic["skipped"]) == (2, 1, 1)
    categories = {c["name"]: c for c in widget(out, "categories")["items"]}
    warnings = next(c for name, c in categories.items() if name.startswith("SHOULD-level"))
    assert warnings["statistic"]["skipped"] == 1
    environment = {e["name"]: e["values"] for e in widget(out, "environment")}
    assert environment["scrip_verdict"] == ["not_conformant"]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.json")]
    assert not [t for t in texts if KEY_A in t or KEY_B in t]


def pinned_version() -> str:
    """The allure-commandline version .ci/run installs."""
    text = (Path(__file__).parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    [version] = re.findall(r"^ALLURE_COMMANDLINE_VERSION=(\S+)$", text, re.MULTILINE)
    return version


def test_the_allure_cli_is_the_version_ci_pins_and_the_readme_names(allure):
    completed = subprocess.run([allure, "--version"], capture_output=True, text=True, timeout=120)
    assert completed.stdout.strip() == pinned_version()
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"allure-commandline@{pinned_version()}" in readme


def test_a_missing_allure_is_skipped_with_its_reason_outside_ci(tmp_path):
    with pytest.raises(pytest.skip.Exception, match="Allure 2 command line"):
        installed_allure({"PATH": str(tmp_path)}, tmp_path / "none")


def test_a_missing_allure_fails_under_ci(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        installed_allure({"CI": "true", "PATH": str(tmp_path)}, tmp_path / "none")


def test_allure_without_java_is_missing_too(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="Java"):
        installed_allure({"CI": "true", "ALLURE_CLI": "/opt/allure", "PATH": str(tmp_path)})


def test_the_allure_cli_is_found_in_the_variable_then_the_local_prefix(tmp_path):
    (tmp_path / "java").write_text("", encoding="utf-8")
    (tmp_path / "java").chmod(0o755)
    local = tmp_path / "allure-local"
    local.write_text("", encoding="utf-8")
    environ = {"PATH": str(tmp_path), "ALLURE_CLI": "/opt/allure"}
    assert installed_allure(environ, local) == "/opt/allure"
    assert installed_allure({"PATH": str(tmp_path)}, local) == str(local)
