"""``scrip-conformance selftest``'s usage errors and listing (the full self-test runs in CI)."""

from __future__ import annotations

from scrip_conformance import cli
from scrip_conformance.selftest.good import ALL_GOOD
from scrip_conformance.selftest.variants import ALL


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
