"""A tiny stand-in contract suite and catalogue, so the runner is tested on known outcomes.

Its pytest.ini disables the real contracts plugin and its conftest registers the same options,
so the runner drives it exactly as it drives the shipped suite.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from scrip_conformance.catalog import Contract

CATALOG = {
    c.id: c
    for c in (
        Contract("FAKE-PASSES", "A check that holds.", "spec D-FAKE", "MUST", "read-only", "lots"),
        Contract(
            "FAKE-MUST-BREAKS",
            "A MUST the target breaks.",
            "spec D-FAKE",
            "MUST",
            "read-only",
            "schedule",
        ),
        Contract(
            "FAKE-SHOULD-BREAKS",
            "A SHOULD the target breaks.",
            "spec D-FAKE",
            "SHOULD",
            "read-only",
            "errors",
        ),
        Contract(
            "FAKE-NEEDS-EXTENSION",
            "Needs an extension.",
            "spec D-FAKE",
            "MUST",
            "extension",
            "lots",
        ),
        Contract("FAKE-UNTESTED", "No test checks it.", "spec D-FAKE", "MUST", "isolation", "auth"),
        Contract(
            "FAKE-NO-EVIDENCE",
            "Holds vacuously here.",
            "spec D-FAKE",
            "MUST",
            "read-only",
            "lots",
            "at least one CONSUMED or EXPIRED lot",
        ),
    )
}

FAKE_MODULE = "test_fake_runner_contracts"

PYTEST_INI = """\
[pytest]
addopts = -p no:scrip_conformance
markers =
    contract(*ids): the contract ids a test verifies
    profile(name): the profile of a test
"""

CONFTEST = """
import pytest

def pytest_addoption(parser):
    for name in ("--base-url", "--api-key", "--second-org-key", "--scrip-seed", "--budget",
                 "--request-timeout"):
        parser.addoption(name, default=None)
    parser.addoption("--profile", action="append", default=[])
    parser.addoption("--contract", action="append", default=[])

def pytest_collection_modifyitems(config, items):
    wanted = set(config.getoption("--contract"))
    profiles = set(config.getoption("--profile"))
    keep, drop = [], []
    for item in items:
        ids = [a for m in item.iter_markers("contract") for a in m.args]
        profile = item.get_closest_marker("profile").args[0]
        if (wanted and not wanted & set(ids)) or (profiles and profile not in profiles):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

@pytest.fixture
def witness(request):
    from scrip_conformance.pytest_plugin import WitnessRecorder
    return WitnessRecorder(request.node)

@pytest.fixture
def target(request):
    return request.config.getoption("--base-url"), request.config.getoption("--api-key")
"""

TESTS = """
import httpx
import pytest

from scrip_conformance.violations import ContractFailure, Violation

@pytest.mark.profile("read-only")
@pytest.mark.contract("FAKE-PASSES")
def test_listing_assets_works(target, witness):
    base_url, key = target
    response = httpx.get(base_url + "/v1/assets", headers={"X-API-Key": key})
    print("used key", key)
    assert response.status_code == 200
    witness("FAKE-PASSES", "assets listed", len(response.json()["data"]))

@pytest.mark.profile("read-only")
@pytest.mark.contract("FAKE-MUST-BREAKS")
def test_buckets_sum_to_total(target, witness):
    base_url, key = target
    witness("FAKE-MUST-BREAKS", "schedule rows", 1)
    if BREAK_MUST:
        raise ContractFailure([Violation(
            "FAKE-MUST-BREAKS", "buckets do not sum to total_outstanding", "1450.00",
            "1449.99", subject="asset 42",
            request="curl -X GET -H 'X-API-Key: " + key + "' " + base_url + "/v1/x")])

@pytest.mark.profile("read-only")
@pytest.mark.contract("FAKE-SHOULD-BREAKS")
def test_error_has_message():
    raise ContractFailure([Violation("FAKE-SHOULD-BREAKS", "error without message",
                                     "a message", "none")])

@pytest.mark.profile("extension")
@pytest.mark.contract("FAKE-NEEDS-EXTENSION")
def test_extension_lot():
    # Deliberate: the runner must report this contract as "not run" with this reason.
    pytest.skip("not run: the target does not support expires_at on credits")

@pytest.mark.profile("read-only")
@pytest.mark.contract("FAKE-NO-EVIDENCE")
def test_final_lots_hold_nothing(witness):
    # Deliberate: passes having checked nothing (no final-state lot): not exercised.
    witness("FAKE-NO-EVIDENCE", "final-state lots", 0)
"""


def write_fake_suite(root: Path, break_must: bool = True) -> Path:
    suite = root / "fake_contracts"
    suite.mkdir(parents=True)
    (suite / "pytest.ini").write_text(PYTEST_INI)
    (suite / "conftest.py").write_text(CONFTEST)
    tests = f"BREAK_MUST = {break_must!r}\n" + textwrap.dedent(TESTS)
    (suite / f"{FAKE_MODULE}.py").write_text(tests)
    return suite
