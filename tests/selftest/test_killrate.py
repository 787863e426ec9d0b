"""The self-test's verdict logic, on fake run records: what counts as caught, as caught by a
declared contract, as escaped, as a false positive, and the resulting exit code."""

from __future__ import annotations

from scrip_conformance.selftest import killrate
from scrip_conformance.selftest.killrate import RunRecord


def variant(name="v", declared=("A",), findings=None, exit_code=1, **kw) -> RunRecord:
    return RunRecord(name=name, family="lots", declared=declared, exit_code=exit_code,
                     findings=findings or {}, **kw)


def reference(findings=None, exit_code=0, **kw) -> RunRecord:
    return RunRecord(name="reference", exit_code=exit_code, findings=findings or {}, **kw)


def test_a_variant_found_by_a_declared_contract_is_caught():
    assert killrate.verdict(variant(findings={"A": 2, "B": 1})) == killrate.CAUGHT


def test_a_variant_found_only_by_other_contracts_is_caught_undeclared():
    assert killrate.verdict(variant(findings={"B": 1})) == killrate.UNDECLARED


def test_a_variant_without_findings_escapes():
    assert killrate.verdict(variant(exit_code=0)) == killrate.ESCAPED


def test_a_failure_outside_any_contract_still_counts_as_found():
    assert killrate.verdict(variant(unattributed=1)) == killrate.UNDECLARED


def test_a_run_that_could_not_complete_is_an_error_not_a_catch():
    assert killrate.verdict(variant(findings={"A": 1}, error="boom")) == killrate.ERROR


def test_the_reference_is_clean_only_without_findings_and_with_exit_code_zero():
    assert killrate.verdict(reference()) == killrate.CLEAN
    assert killrate.verdict(reference(findings={"A": 1})) == killrate.FALSE_POSITIVE
    assert killrate.verdict(reference(exit_code=1)) == killrate.FALSE_POSITIVE


def test_tally_counts_the_kill_rate_and_passes_when_all_are_caught_by_declared_contracts():
    result = killrate.tally(
        [variant("a", findings={"A": 1}), variant("b", declared=("B",), findings={"B": 3})],
        [reference(seed=1), reference(seed=2)],
    )
    assert (result.caught, result.total, result.by_declared) == (2, 2, 2)
    assert result.kill_rate == 1.0
    assert result.passed and result.exit_code == 0


def test_tally_fails_on_an_escape_an_undeclared_catch_or_an_error():
    result = killrate.tally(
        [variant("a", findings={"A": 1}), variant("b"), variant("c", findings={"Z": 1}),
         variant("d", error="no summary")],
        [reference()],
    )
    assert (result.caught, result.total) == (2, 4)
    assert result.escaped == ["b"]
    assert result.undeclared == ["c"]
    assert result.errors == ["d"]
    assert result.exit_code == 1


def test_tally_fails_on_any_finding_against_the_reference_on_any_seed():
    result = killrate.tally([variant(findings={"A": 1})],
                            [reference(seed=1), reference(seed=2, findings={"X": 1})])
    assert result.false_positives == ["seed 2: X"]
    assert result.exit_code == 1


def test_tally_fails_when_a_variant_declares_an_unknown_id():
    result = killrate.tally([variant(findings={"A": 1})], [reference()], {"v": ["NOPE"]})
    assert result.exit_code == 1


def test_plain_schemathesis_catches_only_with_a_code_the_reference_did_not_get():
    noisy = variant(plain_codes=("ST202", "ST204"))
    new = variant(plain_codes=("ST101", "ST202"))
    assert killrate.plain_verdict(noisy, ["ST202", "ST204"]) == killrate.ESCAPED
    assert killrate.plain_verdict(new, ["ST202", "ST204"]) == killrate.CAUGHT
    assert killrate.plain_verdict(variant(), None) == "-"


def test_the_table_shows_the_first_failing_contract_declared_ones_first():
    record = variant("lifo", declared=("A",), findings={"A": 1, "B": 4},
                     first_failure_seconds=2.5, first_failure_contracts=("A", "B"))
    header, row = killrate.table([record])
    assert header[:6] == ["variant", "family", "verdict", "caught by", "declared",
                          "first failure"]
    assert row == ["lifo", "lots", "caught", "A (+1)", "yes", "2.5 s"]


def test_the_table_renders_as_markdown():
    text = killrate.render([["a", "b"], ["1", "2"]], markdown=True)
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]


def test_should_level_warnings_are_neither_a_catch_nor_a_false_positive():
    assert killrate.verdict(reference(warnings={"FUZZ-COVERAGE": 1})) == killrate.CLEAN
    assert killrate.verdict(variant(exit_code=0, warnings={"A": 1})) == killrate.ESCAPED
