"""The schemathesis configuration built in code, and the coverage report (no HTTP)."""

from __future__ import annotations

import schemathesis

from scrip_conformance.fuzzing import BUDGETS, FuzzSettings, KnownIds, schemathesis_config
from scrip_conformance.fuzzing.config import PHASES, as_toml
from scrip_conformance.fuzzing.report import (
    FuzzFailure,
    FuzzReport,
    OperationCoverage,
    summary_lines,
)

IDS = KnownIds(
    programs=["11111111-1111-4111-8111-111111111111"],
    lot_assets=["22222222-2222-4222-8222-222222222222"],
    simple_assets=["33333333-3333-4333-8333-333333333333"],
    participants=["44444444-4444-4444-8444-444444444444"],
)


def operation(config: dict, op: str) -> dict:
    return next(e for e in config["operations"] if e["include-operation-id"] == op)


def test_real_ids_are_bound_to_the_parameters_that_name_them():
    config = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", known_ids=IDS))
    assert config["dictionaries"]["participants"] == {"values": IDS.participants}
    lots = operation(config, "listParticipantLots")["parameters"]
    assert lots["path.id"]["dictionary"] == "read_participants"
    assert lots["query.asset_id"]["dictionary"] == "read_lot_assets"
    adjust = operation(config, "adjustParticipantBalance")["parameters"]
    assert adjust["path.id"]["dictionary"] == "participants"
    assert adjust["body.program_id"]["dictionary"] == "programs"
    assert operation(config, "updateAsset")["parameters"]["path.id"]["dictionary"] == (
        "simple_assets"
    )


def test_discovered_ids_are_read_but_never_written_to():
    theirs = "55555555-5555-4555-8555-555555555555"
    ids = KnownIds(**{**IDS.as_dict(), "readable": {"participants": [theirs]}})
    config = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", known_ids=ids))
    assert config["dictionaries"]["read_participants"]["values"] == [*IDS.participants, theirs]
    assert theirs not in config["dictionaries"]["participants"]["values"]
    for entry in config["operations"]:
        for binding in entry.get("parameters", {}).values():
            if binding["dictionary"].startswith("read_"):
                assert entry["include-operation-id"].startswith(("get", "list"))


def test_without_known_ids_no_id_is_bound():
    config = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k"))
    assert set(config.get("dictionaries", {})) <= {"buckets"}
    bound = {key for entry in config["operations"] for key in entry.get("parameters", {})}
    assert bound <= {"body.bucket"}


def test_read_only_mode_sends_no_unexpected_methods_and_write_mode_does():
    read_only = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", read_only=True))
    assert read_only["phases"]["coverage"]["unexpected-methods"] == []
    assert read_only["checks"]["unsupported_method"] == {"enabled": False}
    writing = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k"))
    assert "unexpected-methods" not in writing["phases"]["coverage"]


def test_the_budget_seed_and_phases_reach_schemathesis():
    settings = FuzzSettings(
        "http://127.0.0.1:1",
        "k",
        seed=42,
        budget=BUDGETS["deep"],
        phases=("fuzzing",),
        known_ids=IDS,
    )
    loaded = schemathesis.Config.from_dict(schemathesis_config(settings))
    project = loaded.projects.default
    assert loaded.seed == 42
    assert project.generation.max_examples == BUDGETS["deep"].max_examples
    assert project.phases.fuzzing.enabled and not project.phases.coverage.enabled
    assert project.base_url == "http://127.0.0.1:1"


def test_only_the_deep_budget_sends_the_coverage_phase_to_schemathesis():
    for name, budget in BUDGETS.items():
        config = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", budget=budget))
        enabled = {phase for phase, entry in config["phases"].items() if entry["enabled"]}
        expected = set(PHASES) if name == "deep" else set(PHASES) - {"coverage"}
        assert enabled == expected, name
    chosen = FuzzSettings("http://127.0.0.1:1", "k", budget=BUDGETS["quick"], phases=("coverage",))
    assert chosen.phases == ("coverage",)  # an explicit choice wins over the budget's


def test_the_toml_rendering_is_a_valid_schemathesis_config():
    config = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", known_ids=IDS))
    text = as_toml(config, hooks="scrip_conformance.fuzzing.checks")
    loaded = schemathesis.Config.from_str(text)
    assert loaded.seed == 0
    assert 'hooks = "scrip_conformance.fuzzing.checks"' in text


def report_with(statuses: dict[str, dict[str, int]]) -> FuzzReport:
    return FuzzReport(
        base_url="http://127.0.0.1:1",
        seed=7,
        budget="quick",
        read_only=False,
        phases=["fuzzing"],
        spec_sha256="0" * 64,
        domain_checks=["lot_page"],
        known_ids={},
        operations={
            op: OperationCoverage(op, f"GET {op}", sum(s.values()), s) for op, s in statuses.items()
        },
        failures=[
            FuzzFailure(
                "lot_page",
                "FUZZ-LEDGER-INVARIANTS",
                "listParticipantLots",
                "fuzzing",
                "ST901",
                "lot_page",
                "[LOT-REMAINING-LE-AMOUNT] x",
                "curl -X GET 'http://127.0.0.1:1/v1/x'",
            )
        ],
        errors=[],
        stop_reason="completed",
        elapsed_seconds=1.5,
    )


def test_an_operation_without_2xx_is_a_warning_in_the_summary_and_the_json(tmp_path):
    report = report_with({"getAsset": {"200": 3, "404": 1}, "adjustParticipantBalance": {"400": 9}})
    assert report.operations_without_2xx() == ["adjustParticipantBalance"]
    lines = "\n".join(summary_lines(report))
    assert "adjustParticipantBalance" in lines and "<- no 2xx" in lines
    assert "WARNING adjustParticipantBalance: never reached a 2xx in 9 cases" in lines
    assert "findings: FUZZ-LEDGER-INVARIANTS: 1" in lines
    path = tmp_path / "fuzz.json"
    report.to_json(path)
    again = FuzzReport.from_json(path)
    assert again.operations["getAsset"].statuses == {"200": 3, "404": 1}
    assert again.failures == report.failures
    assert again.warnings() == report.warnings()


def test_the_quick_budget_probes_writes_once_without_a_key_and_fuzzes_with_the_runs_key():
    quick = schemathesis_config(
        FuzzSettings("http://127.0.0.1:1", "k", budget=BUDGETS["quick"], known_ids=IDS)
    )
    assert quick["generation"]["with-security-parameters"] is False
    # ignored_auth (three probes) is off everywhere; the one-probe check judges the writes
    for op in ("getParticipant", "listPrograms", "createProgram", "adjustParticipantBalance"):
        assert operation(quick, op)["checks"]["ignored_auth"] == {"enabled": False}
    assert "write_refused_without_key" not in quick["checks"]
    default = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", known_ids=IDS))
    assert default["generation"]["with-security-parameters"] is True
    for op in ("getParticipant", "createProgram"):
        assert "ignored_auth" not in operation(default, op)["checks"]
    assert default["checks"]["write_refused_without_key"] == {"enabled": False}


def test_the_quick_budget_runs_one_short_stateful_scenario_and_real_id_examples_only():
    quick = schemathesis_config(
        FuzzSettings("http://127.0.0.1:1", "k", budget=BUDGETS["quick"], known_ids=IDS)
    )
    assert quick["generation"]["max-examples"] == 2
    assert quick["phases"]["stateful"]["max-steps"] == 3
    assert quick["phases"]["stateful"]["generation"] == {"max-examples": 1}
    assert quick["phases"]["examples"]["extra-data-sources"] == {"responses": False}
    assert BUDGETS["quick"].seed_participants == 1
    for name in ("default", "deep"):  # the other budgets as they were
        other = schemathesis_config(
            FuzzSettings("http://127.0.0.1:1", "k", budget=BUDGETS[name], known_ids=IDS)
        )
        assert "generation" not in other["phases"]["stateful"]
        assert "extra-data-sources" not in other["phases"]["examples"]
        assert BUDGETS[name].seed_participants == 3
    assert (BUDGETS["default"].max_examples, BUDGETS["default"].stateful_max_steps) == (50, 10)
    assert (BUDGETS["deep"].max_examples, BUDGETS["deep"].stateful_max_steps) == (300, 20)


def test_the_workers_of_the_configuration_are_the_settings_bounded_workers():
    config = schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k", workers=4))
    assert config["workers"] == 4
    assert schemathesis_config(FuzzSettings("http://127.0.0.1:1", "k"))["workers"] == 1
