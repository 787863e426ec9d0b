"""The config file of ``run`` (scrip-conformance.toml, a pyproject.toml table, --config): flags
win over it, bad files are exit 2 naming the file and key, keys never go in it nor come out of
it, and ``init`` writes a starter file the loader accepts."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from runner_support import KEY_A, KEY_B, RunResult, every_output_text, run_cli

from scrip_conformance import catalog, target
from scrip_conformance.cli import build_parser, main
from scrip_conformance.runner import command, config, init_command, outage
from scrip_conformance.runner.summary import validate_summary
from scrip_conformance.safety import limits
from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import by_name

CHEAP_CONTRACT = "AUTH-MISSING-KEY-401"


def parse(argv: list[str], cwd: Path) -> tuple[argparse.Namespace, config.Effective]:
    args = build_parser().parse_args(["run", *argv])
    return args, config.apply(args, cwd)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- precedence --------------------------------------------------------------------------------
def test_flags_override_the_file_and_the_rest_comes_from_it(tmp_path):
    write(
        tmp_path / "scrip-conformance.toml",
        """
budget = "quick"
seed = 7
request_timeout = 3
unsupported = ["liability-report"]
keep_sandbox = true
max_assets = 12
""",
    )
    args, effective = parse(["--deep", "--seed", "9", "--unsupported", "extension"], tmp_path)
    assert (args.budget, args.seed, args.unsupported) == ("deep", 9, ["extension"])
    assert (args.request_timeout, args.keep_sandbox, args.max_assets) == (3.0, True, 12)
    assert effective.sources["budget"] == effective.sources["seed"] == "flag"
    assert effective.sources["request_timeout"] == effective.sources["max_assets"] == "file"
    assert effective.sources["deadline"] == "default"
    assert args.deadline == outage.DEFAULT_DEADLINE


def test_a_flag_given_with_the_default_value_still_wins_over_the_file(tmp_path):
    write(tmp_path / "scrip-conformance.toml", 'report_dir = "gate-reports"\nbudget = "deep"\n')
    args, effective = parse(["--report-dir", "reports"], tmp_path)
    assert args.report_dir == Path("reports")
    assert effective.sources["report_dir"] == "flag"
    assert args.budget == "deep"


def test_without_a_file_the_defaults_are_plain_values_not_placeholders(tmp_path):
    args, effective = parse([], tmp_path)
    assert effective.file is None
    assert (args.budget, args.report_dir, args.read_only, args.keep_sandbox) == (
        "default",
        Path("reports"),
        False,
        False,
    )
    assert args.deadline == outage.DEFAULT_DEADLINE
    assert set(effective.sources.values()) == {"default"}


def test_relative_paths_resolve_against_the_config_files_directory(tmp_path, monkeypatch):
    write(tmp_path / "ci" / "gate.toml", 'report_dir = "out"\nbaseline = "known.yaml"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    args, _ = parse(["--config", str(tmp_path / "ci" / "gate.toml")], elsewhere)
    assert args.report_dir == tmp_path / "ci" / "out"
    assert args.baseline == tmp_path / "ci" / "known.yaml"


def test_a_profile_flag_replaces_both_profile_keys_of_the_file(tmp_path):
    write(tmp_path / "scrip-conformance.toml", 'profiles = ["isolation", "provisioning"]\n')
    args, effective = parse(["--read-only"], tmp_path)
    assert (args.read_only, args.profile) == (True, None)
    assert command._profiles(args) == ["read-only"]
    assert effective.sources["profiles"] == "default"


def test_every_key_of_the_file_sets_what_its_flag_sets(tmp_path):
    """The one table: a file holding every key gives the same options as the flags."""
    write(
        tmp_path / "scrip-conformance.toml",
        """
base_url = "http://127.0.0.1:9"
profiles = ["read-only", "isolation"]
unsupported = ["extension"]
budget = "quick"
seed = 5
baseline = "b.yaml"
accept_gaps = ["LOT-FINAL-HOLDS-NOTHING=no final lot"]
report_dir = "r"
request_timeout = 2.5
deadline = 60
max_response_bytes = 1000
keep_sandbox = true
max_assets = 3
max_participants = 4
max_lots_per_participant = 5
clock_skew = 1.5
concurrency = 2
""",
    )
    from_file, _ = parse([], tmp_path)
    from_flags, _ = parse(
        [
            "--base-url",
            "http://127.0.0.1:9",
            "--profile",
            "read-only",
            "--profile",
            "isolation",
            "--unsupported",
            "extension",
            "--quick",
            "--seed",
            "5",
            "--baseline",
            str(tmp_path / "b.yaml"),
            "--accept-gap",
            "LOT-FINAL-HOLDS-NOTHING=no final lot",
            "--report-dir",
            str(tmp_path / "r"),
            "--request-timeout",
            "2.5",
            "--deadline",
            "60",
            "--max-response-bytes",
            "1000",
            "--keep-sandbox",
            "--max-assets",
            "3",
            "--max-participants",
            "4",
            "--max-lots-per-participant",
            "5",
            "--clock-skew",
            "1.5",
            "--concurrency",
            "2",
        ],
        tmp_path,
    )
    table = from_file._config_table
    dests = [s.dest for s in table if s.dest]
    assert {s.key for s in table} == set(config.config_schema()["properties"])
    for dest in dests:
        assert getattr(from_file, dest) == getattr(from_flags, dest), dest
    assert command._walk_args(from_file) == command._walk_args(from_flags)


def test_the_schema_defaults_are_the_ones_the_run_uses():
    props = config.config_schema()["properties"]
    assert props["request_timeout"]["default"] == command.DEFAULT_TIMEOUT
    assert props["deadline"]["default"] == outage.DEFAULT_DEADLINE
    assert props["max_response_bytes"]["default"] == limits.DEFAULT_MAX_RESPONSE_BYTES
    assert props["api_key_env"]["default"] == command.KEY_ENV
    assert props["second_org_key_env"]["default"] == command.SECOND_KEY_ENV
    for option in target.OPTIONS:
        key = option.flag.lstrip("-").replace("-", "_")
        if key.startswith(("max_", "clock", "concurrency")):
            assert props[key]["default"] == option.default, key


# -- where the file comes from -------------------------------------------------------------------
def test_the_pyproject_table_is_read_when_there_is_no_own_file(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.scrip-conformance]\nbudget = "deep"\nreport_dir = "conf"\n',
    )
    args, effective = parse([], tmp_path)
    assert (args.budget, args.report_dir) == ("deep", tmp_path / "conf")
    assert effective.file is not None and effective.file.path == tmp_path / "pyproject.toml"


def test_a_pyproject_without_the_table_is_no_config(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 90\n')
    _, effective = parse([], tmp_path)
    assert effective.file is None


def test_the_own_file_wins_over_the_pyproject_table_and_the_run_says_so(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.scrip-conformance]\nbudget = "deep"\n')
    write(tmp_path / "scrip-conformance.toml", 'budget = "quick"\n')
    args, effective = parse([], tmp_path)
    assert args.budget == "quick"
    assert "pyproject.toml is ignored" in "\n".join(effective.lines())
    assert "ignored" in effective.as_dict()["note"]


def test_an_explicit_config_wins_and_no_config_ignores_the_working_directory(tmp_path):
    write(tmp_path / "scrip-conformance.toml", 'budget = "quick"\n')
    other = write(tmp_path / "other" / "release.toml", 'budget = "deep"\n')
    assert parse(["--config", str(other)], tmp_path)[0].budget == "deep"
    args, effective = parse(["--no-config"], tmp_path)
    assert (args.budget, effective.file) == ("default", None)


def test_an_explicit_pyproject_is_read_for_its_table(tmp_path):
    project = write(tmp_path / "sub" / "pyproject.toml", "[tool.scrip-conformance]\nseed = 3\n")
    assert parse(["--config", str(project)], tmp_path)[0].seed == 3


# -- bad files: exit 2, the file and key named, no traceback -----------------------------------
def run_in(directory: Path, monkeypatch, *argv: str):
    monkeypatch.chdir(directory)
    return run_cli(list(argv))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            'budget = "quick"\nreport-dir = "x"\n',
            "unknown key 'report-dir' (did you mean 'report_dir'?)",
        ),
        ('request_timeout = "ten"\n', "request_timeout: must be a number, got a string"),
        ("seed = -1\n", 'seed: must be a non-negative integer or "random"'),
        ('budget = "fast"\n', 'budget: must be one of "quick", "default", "deep"'),
        ('profiles = ["read-only", "everything"]\n', "profiles[1]: must be one of"),
        ("deadline = 0\n", "deadline: must be above 0"),
        ('base_url = "ftp://x"\n', "base_url: must start with http:// or https://"),
        ('keep_sandbox = "yes"\n', "keep_sandbox: must be true or false, got a string"),
        ("budget = \n", "not valid TOML"),
    ],
)
def test_a_bad_config_file_is_exit_2_naming_the_file_and_the_key(
    tmp_path, monkeypatch, text, named
):
    write(tmp_path / "scrip-conformance.toml", text)
    result = run_in(tmp_path, monkeypatch, "--only", CHEAP_CONTRACT)
    assert result.code == 2
    assert f"error: scrip-conformance.toml: {named}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "started the embedded" not in result.stdout


def test_a_bad_pyproject_table_names_the_table(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.scrip-conformance]\nmax_assets = 0\n")
    result = run_in(tmp_path, monkeypatch)
    assert result.code == 2
    assert "pyproject.toml [tool.scrip-conformance]: max_assets: must be at least 1" in (
        result.stderr
    )


def test_a_missing_explicit_config_is_exit_2(tmp_path, monkeypatch):
    result = run_in(tmp_path, monkeypatch, "--config", "nowhere.toml")
    assert (result.code, result.stderr.strip()) == (2, "error: nowhere.toml: no such file")


@pytest.mark.parametrize(
    "text",
    [
        f'api_key = "{KEY_A}"\n',
        f'second_org_key = "{KEY_B}"\n',
        f'token = "{KEY_A}"\n',
        f'api_key_env = "{KEY_A}"\n',
        f'accept_gaps = ["LOT-FINAL-HOLDS-NOTHING=the key is {KEY_A}"]\n',
        f'base_url = "https://x.example.com/?key={KEY_A}"\n',
        'api_key_env = "a8f3e1c4d8e2b7c21e9f"\n',
    ],
)
def test_a_key_in_the_file_is_refused_without_being_echoed(tmp_path, monkeypatch, text):
    write(tmp_path / "scrip-conformance.toml", text)
    result = run_in(tmp_path, monkeypatch)
    assert result.code == 2
    assert "scrip-conformance.toml" in result.stderr
    assert re.search(
        r"key does not belong|looks like an API key|NAME of an environment", result.stderr
    )
    everything = result.stderr + result.stdout
    assert KEY_A not in everything and "a8f3e1c4d8e2b7c21e9f" not in everything
    assert "Traceback" not in everything


def test_no_key_in_the_environment_names_the_variable_the_file_names(tmp_path, monkeypatch):
    write(
        tmp_path / "scrip-conformance.toml",
        'base_url = "http://127.0.0.1:9"\napi_key_env = "H19_GATE_KEY_UNSET"\n',
    )
    monkeypatch.delenv("H19_GATE_KEY_UNSET", raising=False)
    result = run_in(tmp_path, monkeypatch)
    assert result.code == 2
    assert "no API key: pass --api-key or set H19_GATE_KEY_UNSET" in result.stderr


# -- init ----------------------------------------------------------------------------------------
def test_init_writes_a_starter_file_the_loader_accepts_with_every_key_documented(tmp_path):
    path = tmp_path / "scrip-conformance.toml"
    assert main(["init", str(path)]) == 0
    values = config.load(path)
    assert values == init_command.STARTER_VALUES
    text = path.read_text(encoding="utf-8")
    for key in config.config_schema()["properties"]:
        assert re.search(rf"^#? ?{key} = ", text, re.MULTILINE), key
    # Every commented-out example is valid too: uncommented, the whole file still loads.
    uncommented = re.sub(r"^# (\w+ = )", r"\1", text, flags=re.MULTILINE)
    everything = tomllib.loads(uncommented)
    assert set(everything) == set(config.config_schema()["properties"])
    config.check(everything, "uncommented starter")


def test_init_refuses_to_overwrite_without_force(tmp_path, capsys):
    path = write(tmp_path / "scrip-conformance.toml", "# mine\n")
    assert main(["init", str(path)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "# mine\n"
    assert main(["init", str(path), "--force"]) == 0
    assert config.load(path) == init_command.STARTER_VALUES


def test_init_into_a_missing_directory_is_exit_2(tmp_path, capsys):
    assert main(["init", str(tmp_path / "no" / "such" / "dir" / "c.toml")]) == 2
    assert "cannot write" in capsys.readouterr().err


# -- a gate: only the checked-in file and the key in the environment ----------------------------
ROOT = Path(__file__).parents[2]


def shown_config_files(doc: str) -> list[str]:
    """The config files ``doc`` shows, in order."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    return re.findall(r"```toml\n(.*?)```", text, re.DOTALL)


def summary_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("Verdict: "))


def test_the_docs_gate_file_runs_as_plain_run_with_only_the_keys_in_the_environment(tmp_path):
    """docs/ci.md's gate file (README shows the same), its base_url pointed at a server with a
    planted bug and its profiles narrowed to read-only to keep this test short; then
    ``scrip-conformance run`` with no flag, in a fresh process, the keys only in the
    environment variables the file names. The verdict and the reports are where the file says."""
    gate = shown_config_files("docs/ci.md")[0]
    assert gate in shown_config_files("README.md")
    values = tomllib.loads(gate)
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCRIP_")}
    env |= {values["api_key_env"]: KEY_A, values["second_org_key_env"]: KEY_B}
    write(tmp_path / values["baseline"], "version: 1\nentries: []\n")
    variant = by_name("balance-rows-unsorted")
    with VariantServer(variant, {KEY_A: "org-a", KEY_B: "org-b"}, demo=True) as server:
        text = re.sub(r'^base_url = ".*"$', f'base_url = "{server.base_url}"', gate, flags=re.M)
        write(tmp_path / "scrip-conformance.toml", text + 'profiles = ["read-only"]\n')
        completed = subprocess.run(
            [sys.executable, "-m", "scrip_conformance.cli", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    report_dir = tmp_path / values["report_dir"]
    result = RunResult(completed.returncode, completed.stdout, completed.stderr, report_dir)
    assert result.code == 1, result.stdout + result.stderr
    assert "Verdict: NOT CONFORMANT (partial: " in result.stdout
    assert "selected (profiles in scrip-conformance.toml)" in summary_line(result.stdout)
    for name in ("junit.xml", "summary.json", "report.html", "allure-results"):
        assert (report_dir / name).exists(), name
    summary = result.summary
    validate_summary(summary)
    assert result.verdicts()["BALANCE-ROWS-SORTED"] == "failed"
    declared = {g["contract_id"]: g for g in summary["gaps"] if g["status"] == "declared"}
    assert declared["LIABILITY-ROWS-WELL-FORMED"]["accepted_by"] == (
        "unsupported in scrip-conformance.toml"
    )
    assert summary["target"]["base_url"] == server.base_url
    assert (summary["budget"], summary["profiles"], summary["selection"]["only"]) == (
        "quick",
        ["read-only"],
        [],
    )
    assert summary["baseline"]["path"] == str(tmp_path / values["baseline"])
    configuration = summary["configuration"]
    assert configuration["file"] == str(tmp_path / "scrip-conformance.toml")
    assert configuration["keys"] == {
        "api_key": {"env": values["api_key_env"], "env_set": True, "used": "environment"},
        "second_org_key": {
            "env": values["second_org_key_env"],
            "env_set": True,
            "used": "environment",
        },
    }
    settings = configuration["settings"]
    for key in ("unsupported", "budget", "concurrency", "request_timeout", "deadline"):
        assert settings[key] == {"value": values[key], "source": "file"}, key
    assert settings["seed"]["source"] == "file" and summary["seed"] >= 0
    assert all(s["source"] != "flag" for s in settings.values())
    assert "(set; key used: environment)" in result.stdout
    # The echo, printed first, is itself a config file that gives the same run.
    lines = result.stdout.splitlines()
    start = lines.index(
        f"configuration: {tmp_path / 'scrip-conformance.toml'} (command-line flags override it)"
    )
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  "))
    echoed = tomllib.loads("\n".join(line.strip() for line in lines[start + 1 : end]))
    config.check(echoed, "the echo")
    assert echoed["base_url"] == server.base_url and echoed["concurrency"] == 4
    for name, text in every_output_text(result).items():
        for key in (KEY_A, KEY_B):
            assert key not in text and key[-12:] not in text, f"a key in {name}"


@pytest.mark.parametrize("doc", ["README.md", "docs/ci.md"])
def test_the_config_files_the_docs_show_are_valid_and_come_before_the_command(doc):
    blocks = shown_config_files(doc)
    assert blocks, f"{doc} shows no config file"
    for block in blocks:
        config.check(tomllib.loads(block), doc)
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert text.index(blocks[0]) < text.index("```sh\nscrip-conformance run ")


def test_the_ci_doc_names_every_key_of_the_config_file():
    text = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    table = text[text.index("## The config file") : text.index("## Flags")]
    missing = [key for key in config.config_schema()["properties"] if f"`{key}`" not in table]
    assert missing == []


def test_an_unknown_contract_in_the_files_accepted_gaps_names_the_file(tmp_path, monkeypatch):
    write(tmp_path / "scrip-conformance.toml", 'accept_gaps = ["NO-SUCH-CONTRACT=why"]\n')
    result = run_in(tmp_path, monkeypatch)
    assert result.code == 2
    assert (
        "error: accept_gaps in scrip-conformance.toml: unknown contract id 'NO-SUCH-CONTRACT'"
        in result.stderr
    )


def test_a_gap_accepted_in_the_file_says_so(tmp_path):
    write(tmp_path / "scrip-conformance.toml", 'accept_gaps = ["LOT-FINAL-HOLDS-NOTHING=none"]\n')
    args, _ = parse([], tmp_path)
    [accepted] = command._accepted_gaps(
        args.accept_gap,
        {"LOT-FINAL-HOLDS-NOTHING": None},
        config.named_in_file(args, "accept_gaps") or "--accept-gap",
    )
    assert accepted.source == "accept_gaps in scrip-conformance.toml"
    args, _ = parse(["--accept-gap", "LOT-FINAL-HOLDS-NOTHING"], tmp_path)
    assert config.named_in_file(args, "accept_gaps") is None


def test_the_schema_file_lists_the_profiles_and_features_of_the_code():
    shipped = json.loads(config.SCHEMA_PATH.read_text(encoding="utf-8"))["properties"]
    assert shipped["profiles"]["items"]["enum"] == list(catalog.PROFILES)
    assert shipped["unsupported"]["items"]["enum"] == list(target.FEATURES)
