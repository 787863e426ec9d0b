"""The expected-divergence baseline: its file format and how it classifies findings."""

from __future__ import annotations

import datetime as dt

import pytest

from scrip_conformance.runner.baseline import BaselineError, load_baseline, parse_baseline
from scrip_conformance.runner.outcomes import Finding

TODAY = dt.date(2027, 3, 31)


def _finding(contract_id="EXP-SUM", check="test_sum") -> Finding:
    return Finding(contract_id, check, "broke", "a", "b")


def _baseline(*entries):
    return parse_baseline({"version": 1, "entries": list(entries)})


def _entry(contract="EXP-SUM", check="test_sum", expires="2027-03-31", reason="ticket V-1"):
    return {"contract": contract, "check": check, "reason": reason, "expires": expires}


def test_a_listed_finding_is_known_through_its_expiry_day():
    classified = _baseline(_entry()).classify(_finding(), TODAY)
    assert (classified.baseline, classified.baseline_reason) == ("known", "ticket V-1")
    assert classified.baseline_expires == "2027-03-31"


def test_the_day_after_expiry_the_finding_fails_again():
    later = TODAY + dt.timedelta(days=1)
    assert _baseline(_entry()).classify(_finding(), later).baseline == "expired"


def test_another_check_of_the_same_contract_is_new():
    assert _baseline(_entry()).classify(_finding(check="test_other"), TODAY).baseline == "new"


def test_a_wildcard_check_covers_every_check_of_its_contract_only():
    baseline = _baseline(_entry(check="*"))
    assert baseline.classify(_finding(check="test_other"), TODAY).baseline == "known"
    assert baseline.classify(_finding(contract_id="LOT-X"), TODAY).baseline == "new"


def test_an_active_entry_wins_over_an_expired_one():
    baseline = _baseline(_entry(expires="2020-01-01"), _entry(expires="2030-01-01"))
    assert baseline.classify(_finding(), TODAY).baseline == "known"


def test_entries_no_finding_matched_are_reported_unused():
    baseline = _baseline(_entry(), _entry(contract="GONE"))
    assert [e.contract for e in baseline.unused([_finding()])] == ["GONE"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a mapping"),
        ({"version": 2, "entries": []}, "unsupported baseline version"),
        ({"entries": {}}, "'entries' must be a list"),
        ({"entries": [_entry(reason="")]}, "'reason' must be a non-empty string"),
        ({"entries": [{k: v for k, v in _entry().items() if k != "expires"}]}, "'expires'"),
        ({"entries": [_entry(expires="next year")]}, "ISO date"),
        ({"entries": [{**_entry(), "owner": "me"}]}, "unknown field(s) owner"),
    ],
)
def test_a_malformed_baseline_is_refused_with_the_reason(document, message):
    with pytest.raises(BaselineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_baseline(document)


def test_yaml_dates_and_json_files_both_load(tmp_path):
    yaml_file = tmp_path / "b.yaml"
    yaml_file.write_text("entries:\n  - {contract: A, check: t, reason: r, expires: 2027-01-02}\n")
    json_file = tmp_path / "b.json"
    json_file.write_text(
        '{"version": 1, "entries": [{"contract": "A", "check": "t", '
        '"reason": "r", "expires": "2027-01-02"}]}'
    )
    for path in (yaml_file, json_file):
        assert load_baseline(path).entries[0].expires == dt.date(2027, 1, 2)


def test_a_missing_file_is_a_baseline_error(tmp_path):
    with pytest.raises(BaselineError, match="cannot read baseline"):
        load_baseline(tmp_path / "absent.yaml")
