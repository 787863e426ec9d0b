"""Target options: command line first, environment second; clear errors for bad values; the
reproduction flags never carry a key; a run without a target is a usage error, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scrip_conformance.resources import contracts_dir
from scrip_conformance.target import TargetConfigError, resolve

BASE = {"base_url": "http://127.0.0.1:9", "api_key": "sk_secret"}


def test_environment_variables_fill_what_the_command_line_leaves_out():
    env = {
        "SCRIP_BASE_URL": "http://x.test/",
        "SCRIP_API_KEY": "k",
        "SCRIP_PROFILE": "read-only,isolation",
        "SCRIP_CLOCK_SKEW": "2.5",
        "SCRIP_SEED": "42",
    }
    target = resolve({"base_url": None, "api_key": None, "profile": None}, env)
    assert target.base_url == "http://x.test"
    assert target.profiles == ("read-only", "isolation")
    assert target.clock_skew == 2.5 and target.seed == 42
    assert not target.read_only  # a writing profile is selected


def test_the_command_line_wins_over_the_environment():
    target = resolve(dict(BASE, profile=["read-only"], budget="deep"), {"SCRIP_BUDGET": "quick"})
    assert target.budget == "deep" and target.read_only
    assert target.profiles == ("read-only",)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_key": "k"}, "--base-url"),
        ({"base_url": "http://x.test"}, "--api-key"),
        (dict(BASE, base_url="x.test"), "http://"),
        (dict(BASE, profile=["read-only,writes"]), "unknown profile writes"),
        (dict(BASE, budget="huge"), "--budget"),
        (dict(BASE, request_timeout="soon"), "--request-timeout"),
        (dict(BASE, max_participants="0"), "--max-participants"),
        (dict(BASE, unsupported=["teleport"]), "unknown feature teleport"),
    ],
)
def test_bad_options_give_a_clear_error(options, message):
    with pytest.raises(TargetConfigError, match=message):
        resolve(options, {})


def test_a_random_seed_is_drawn_and_the_reproduction_flags_carry_no_key():
    target = resolve(dict(BASE, second_org_key="sk_other", unsupported=["bearer-auth"]), {})
    flags = target.reproduce_flags()
    assert f"--scrip-seed={target.seed}" in flags and "--profile=read-only" in flags
    assert "sk_secret" not in flags and "sk_other" not in flags
    assert "sk_secret" not in repr(target)
    assert not target.supports("bearer-auth") and target.supports("second-org")


def test_running_the_contracts_without_a_target_is_a_usage_error(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", str(contracts_dir() / "read_only"), "-q",
         "--assert=plain", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert completed.returncode == 4, completed.stdout + completed.stderr
    assert "--base-url" in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
