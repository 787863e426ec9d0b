"""``scrip-conformance selftest``: usage errors, listing, and which runs it plans (the full
self-test runs in CI)."""

from __future__ import annotations

import argparse

from scrip_conformance import catalog, cli
from scrip_conformance.selftest import command
from scrip_conformance.selftest.good import ALL_GOOD, good_by_name
from scrip_conformance.selftest.variants import ALL, by_name


def test_list_names_every_variant_with_its_contracts(capsys):
    assert cli.main(["selftest", "--list"]) == 0
    out = capsys.readouterr().out
    for variant in ALL:
        assert variant.name in out
        assert ", ".join(variant.contracts) in out


def test_list_names_every_good_variant_with_its_unsupported_flags(capsys):
    assert cli.main(["selftest", "--list"]) == 0
    out = capsys.readouterr().out
    for variant in ALL_GOOD:
        assert variant.name in out
        for feature in variant.unsupported:
            assert f"--unsupported {feature}" in out


def test_an_unknown_good_variant_is_a_usage_error(capsys):
    assert cli.main(["selftest", "--good-variant", "nope"]) == cli.EXIT_USAGE
    assert "unknown good variant(s) nope" in capsys.readouterr().err


def test_reference_only_excludes_good_variants(capsys):
    args = ["selftest", "--reference-only", "--good-variant", "json-key-order"]
    assert cli.main(args) == cli.EXIT_USAGE
    assert "exclude each other" in capsys.readouterr().err


def test_an_unknown_variant_is_a_usage_error(capsys):
    assert cli.main(["selftest", "--variant", "no-such-variant"]) == cli.EXIT_USAGE
    assert "unknown variant(s) no-such-variant" in capsys.readouterr().err


def test_zero_jobs_is_a_usage_error(capsys):
    assert cli.main(["selftest", "--jobs", "0"]) == cli.EXIT_USAGE
    assert "--jobs" in capsys.readouterr().err


def test_a_negative_seed_count_is_a_usage_error(capsys):
    assert cli.main(["selftest", "--seeds", "-1"]) == cli.EXIT_USAGE
    assert "--seeds" in capsys.readouterr().err


def test_reference_only_excludes_variants(capsys):
    args = ["selftest", "--reference-only", "--variant", "lifo-consumption"]
    assert cli.main(args) == cli.EXIT_USAGE
    assert "exclude each other" in capsys.readouterr().err


def test_reference_only_needs_a_seed(capsys):
    assert cli.main(["selftest", "--reference-only", "--seeds", "0"]) == cli.EXIT_USAGE
    assert "--seeds" in capsys.readouterr().err


def _args(*argv):
    parser = argparse.ArgumentParser()
    command.configure(parser)
    return parser.parse_args(["--report-dir", "/tmp/st", *argv])


def test_every_known_bad_variant_runs_the_whole_suite_unless_focused():
    contracts = catalog.default_catalog()
    lifo = by_name("lifo-consumption")
    jobs = command.plan_jobs(_args("--quick"), contracts, [lifo], [])
    assert [(j.variant, j.profiles, j.only) for j in jobs] == [
        (None, catalog.PROFILES, ()),
        (lifo, catalog.PROFILES, ()),
    ]
    focused = command.plan_jobs(
        _args("--quick", "--focused", "--seeds", "0"), contracts, [lifo], []
    )
    assert [(j.profiles, j.only) for j in focused] == [(("provisioning",), lifo.contracts)]


def test_known_good_variants_run_the_whole_suite_in_their_own_report_dirs():
    gzip = good_by_name("gzip-content-encoding")
    jobs = command.plan_jobs(_args("--seeds", "0"), catalog.default_catalog(), [], [gzip])
    assert [(j.variant, j.profiles, j.only, j.good) for j in jobs] == [
        (gzip, catalog.PROFILES, (), True)
    ]
    assert jobs[0].report_dir.parts[-2:] == ("good", "gzip-content-encoding")


def test_without_a_choice_every_bad_and_good_variant_runs_and_bad_only_drops_the_good():
    bad, good = command._chosen(_args())
    assert (len(bad), len(good)) == (len(ALL), len(ALL_GOOD))
    assert command._chosen(_args("--bad-only"))[1] == []
    assert command._chosen(_args("--good-only"))[0] == []
