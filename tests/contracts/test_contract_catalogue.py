"""The contract catalogue: valid against its schema, and in one-to-one correspondence with the
contract tests (every entry has a test, every test names only catalogued ids)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from scrip_conformance import catalog
from scrip_conformance.resources import contracts_dir

COLLECT = """
import json, sys, pytest
from scrip_conformance.pytest_plugin import contract_ids
class Markers:
    def pytest_collection_finish(self, session):
        print("MARKERS=" + json.dumps({i.nodeid: contract_ids(i) for i in session.items}))
sys.exit(pytest.main(sys.argv[1:], plugins=[Markers()]))
"""


@pytest.fixture(scope="module")
def markers() -> dict[str, list[str]]:
    """Contract ids declared by every collected contract test, by node id (all profiles)."""
    completed = subprocess.run(
        [sys.executable, "-c", COLLECT, str(contracts_dir()), "--collect-only", "-q",
         "--assert=plain", "-p", "no:cacheprovider", "--profile", ",".join(catalog.PROFILES)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    line = next((x for x in completed.stdout.splitlines() if x.startswith("MARKERS=")), None)
    assert line is not None, completed.stdout + completed.stderr
    return json.loads(line.removeprefix("MARKERS="))


def test_catalogue_matches_its_schema_and_ids_are_unique():
    contracts = catalog.load()
    assert len(contracts) >= 50
    assert {c.level for c in contracts.values()} <= {"MUST", "SHOULD"}
    assert all(c.profile in catalog.PROFILES for c in contracts.values())


def test_every_read_only_contract_of_the_issue_is_catalogued():
    read_only = {c.id for c in catalog.load().values() if c.profile == "read-only"}
    assert {
        "LOT-REMAINING-LE-AMOUNT",
        "LOT-FINAL-HOLDS-NOTHING",
        "LOT-STATUS-MATCHES-CLOCK",
        "FILTER-LOT-EXPIRES-BEFORE",
        "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES",
        "BALANCE-EQUALS-LOT-SUMS",
        "PARTICIPANT-COUNTERS-ARE-STRINGS",
        "SCHEDULE-SUMS-EXACTLY",
        "SCHEDULE-RECOMPUTED-FROM-LOTS",
        "SCHEDULE-GRANULARITIES-AGREE",
        "SCHEDULE-WINDOW-EDGE-INCLUSIVE",
        "SCHEDULE-AGREES-WITH-LIABILITY",
        "ERROR-NO-5XX",
        "AUTH-MISSING-KEY-401",
        "RESPONSE-IS-JSON",
    } <= read_only


@pytest.mark.parametrize(
    ("mutation", "complaint"),
    [
        (lambda doc: doc["contracts"][0].update(level="MAY"), "MAY"),
        (lambda doc: doc["contracts"][0].pop("source"), "source"),
        (lambda doc: doc["contracts"][0].update(id="lower-case"), "lower-case"),
        (lambda doc: doc["contracts"].append(dict(doc["contracts"][0])), "repeats the id"),
        (lambda doc: doc["contracts"][0].update(profile="write"), "write"),
    ],
)
def test_a_malformed_catalogue_is_rejected_with_the_reason(mutation, complaint):
    document = yaml.safe_load(catalog.catalog_path().read_text(encoding="utf-8"))
    mutation(document)
    with pytest.raises(catalog.CatalogError, match=complaint):
        catalog.parse(document)


def test_every_catalogue_entry_has_a_contract_test(markers):
    tested = {i for ids in markers.values() for i in ids}
    missing = sorted(set(catalog.load()) - tested)
    assert not missing, f"catalogue entries without a contract test: {missing}"


def test_every_contract_test_names_only_catalogued_ids(markers):
    known = set(catalog.load())
    unknown = {node: sorted(set(ids) - known) for node, ids in markers.items() if set(ids) - known}
    assert not unknown, f"contract tests naming ids missing from the catalogue: {unknown}"
    untagged = [node for node, ids in markers.items() if not ids]
    assert not untagged, f"contract tests without @pytest.mark.contract: {untagged}"


def test_contracts_command_lists_the_catalogue_as_json(capsys):
    from scrip_conformance.cli import main

    assert main(["contracts", "--json", "--profile", "read-only"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {c["profile"] for c in listed} == {"read-only"}
    assert {c["id"] for c in listed} == {
        c.id for c in catalog.load().values() if c.profile == "read-only"
    }


def test_contracts_command_refuses_an_unknown_profile(capsys):
    from scrip_conformance.cli import main

    assert main(["contracts", "--profile", "write-heavy"]) == 2
    assert "unknown profile" in capsys.readouterr().err
