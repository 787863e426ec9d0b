"""The self-test's verdict logic, on fake run records: what counts as caught (by a declared
contract only), as found by other contracts or only by crashes, as escaped, as a false positive
on the reference or a known-good variant, the coverage, and the resulting exit code."""

from __future__ import annotations

from scrip_conformance.selftest import killrate
from scrip_conformance.selftest.killrate import RunRecord


def variant(name="v", declared=("A",), findings=None, exit_code=1, **kw) -> RunRecord:
    return RunRecord(
        name=name,
        family="lots",
        declared=declared,
        exit_code=exit_code,
        findings=findings or {},
        **kw,
    )


def reference(findings=None, exit_code=0, **kw) -> RunRecord:
    return RunRecord(name="reference", exit_code=exit_code, findings=findings or {}, **kw)


def good(name="g", findings=None, exit_code=0, **kw) -> RunRecord:
    return RunRecord(
        name=name,
        family="good",
        kind=killrate.GOOD,
        exit_code=exit_code,
        findings=findings or {},
        **kw,
    )


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
    assert (result.caught, result.total) == (2, 2)
    assert result.kill_rate == 1.0
    assert result.passed and result.exit_code == 0


def test_tally_fails_on_an_escape_an_undeclared_catch_or_an_error():
    result = killrate.tally(
        [
            variant("a", findings={"A": 1}),
            variant("b"),
            variant("c", findings={"Z": 1}),
            variant("d", error="no summary"),
        ],
        [reference()],
    )
    assert (result.caught, result.total) == (1, 4)
    assert result.escaped == ["b"]
    assert result.undeclared == ["c"]
    assert result.errors == ["d"]
    assert result.exit_code == 1


def test_tally_fails_on_any_finding_against_the_reference_on_any_seed():
    result = killrate.tally(
        [variant(findings={"A": 1})], [reference(seed=1), reference(seed=2, findings={"X": 1})]
    )
    assert result.false_positives == ["seed 2: exit 0 (CONFORMANT); failed: X"]
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
    record = variant(
        "lifo",
        declared=("A",),
        findings={"A": 1, "B": 4},
        first_failure_seconds=2.5,
        first_failure_contracts=("A", "B"),
    )
    header, row = killrate.table([record])
    assert header[:6] == ["variant", "family", "verdict", "caught by", "declared", "first failure"]
    assert row == ["lifo", "lots", "caught", "A (+1)", "yes", "2.5 s"]


def test_the_table_renders_as_markdown():
    text = killrate.render([["a", "b"], ["1", "2"]], markdown=True)
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]


def test_should_level_warnings_are_neither_a_catch_nor_a_false_positive():
    assert killrate.verdict(reference(warnings={"FUZZ-COVERAGE": 1})) == killrate.CLEAN
    assert killrate.verdict(variant(exit_code=0, warnings={"A": 1})) == killrate.ESCAPED


def test_a_crash_on_a_declared_contract_is_reported_apart_and_never_a_catch():
    record = variant(crashes={"A": 1})
    assert killrate.verdict(record) == killrate.CRASHED
    result = killrate.tally([record], [reference()])
    assert (result.caught, result.crash_only, result.crashes) == (0, ["v"], {"v": ["A"]})
    assert result.exit_code == 1


def test_a_crash_beside_a_real_declared_finding_leaves_the_catch_but_is_still_listed():
    record = variant(findings={"A": 1}, crashes={"B": 2})
    assert killrate.verdict(record) == killrate.CAUGHT
    result = killrate.tally([record], [reference()])
    assert result.caught == 1 and result.crashes == {"v": ["B"]} and result.passed


def test_findings_by_undeclared_contracts_alone_do_not_count_in_the_kill_rate():
    result = killrate.tally(
        [variant(findings={"B": 1}), variant("w", findings={"A": 1})], [reference()]
    )
    assert (result.caught, result.total, result.undeclared) == (1, 2, ["v"])
    assert result.kill_rate == 0.5


def test_a_good_variant_passes_only_when_judged_conformant_with_exit_code_zero():
    assert killrate.verdict(good()) == killrate.CONFORMANT
    assert killrate.verdict(good(findings={"A": 1}, exit_code=1)) == killrate.FALSE_POSITIVE
    assert killrate.verdict(good(crashes={"A": 1})) == killrate.FALSE_POSITIVE
    assert killrate.verdict(good(exit_code=3)) == killrate.FALSE_POSITIVE
    assert killrate.verdict(good(warnings={"RATELIMIT-HEADERS": 1})) == killrate.CONFORMANT


def test_an_inconclusive_good_variant_is_a_false_positive_with_its_reason():
    record = good(exit_code=4, unexercised={"LOT-FINAL-HOLDS-NOTHING": "no CONSUMED lot"})
    assert killrate.verdict(record) == killrate.FALSE_POSITIVE
    why = killrate.why_not_conformant(record)
    assert "exit 4 (INCONCLUSIVE)" in why and "LOT-FINAL-HOLDS-NOTHING (no CONSUMED lot)" in why


def test_tally_fails_on_any_good_variant_not_judged_conformant_and_gives_the_rate():
    result = killrate.tally(
        [variant(findings={"A": 1})],
        [reference()],
        None,
        [good("ok"), good("gzip", findings={"X": 1}, exit_code=1), good("slow", error="no result")],
    )
    assert (result.good_total, result.good_failed) == (3, ["gzip", "slow"])
    assert abs(result.false_positive_rate - 2 / 3) < 1e-9
    assert result.exit_code == 1
    assert (
        killrate.tally([variant(findings={"A": 1})], [reference()], None, [good("ok")]).exit_code
        == 0
    )


def test_coverage_counts_declared_must_contracts_and_those_failed_by_real_findings():
    runs = [
        variant(findings={"A": 1, "C": 1}, crashes={"D": 1}),
        good(findings={"B": 1}, exit_code=1),
    ]
    cover = killrate.coverage(["A", "B", "C", "D"], {"A", "Z"}, runs)
    assert cover.declared == ("A",)
    assert cover.failed_in_run == ("A", "C")
    assert cover.ratio == 0.25


def test_the_good_table_shows_why_a_variant_was_not_conformant():
    header, ok, bad = killrate.good_table(
        [good("a"), good("b", findings={"X": 1}, exit_code=1, unsupported=("extension",))]
    )
    assert header[:3] == ["good variant", "verdict", "unsupported"]
    assert ok[:2] == ["a", "conformant"] and ok[-1] == ""
    assert bad[:3] == ["b", "false-positive", "extension"] and "failed: X" in bad[-1]
