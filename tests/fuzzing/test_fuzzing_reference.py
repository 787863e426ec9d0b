"""Fuzzing the correct reference: clean, reaching 2xx, reproducible, GET-only when read-only."""

from __future__ import annotations

from fuzz_servers import API_KEY, serve, settings

from scrip_conformance.fuzzing import discover, provision, run_fuzzing


def test_fuzzing_the_reference_finds_nothing_and_reaches_2xx(reference):
    demo = discover(reference.base_url, API_KEY)
    ids = provision(reference.base_url, API_KEY, seed=3)
    ids.readable = demo.by_kind()  # the demo's lots, holds and expiries, read by GETs
    report = run_fuzzing(
        settings(reference.base_url, ids, seed=3, phases=("examples", "fuzzing", "stateful"))
    )
    assert [f.as_violation().render() for f in report.failures] == []
    assert report.errors == []
    assert report.stop_reason == "completed"
    # data-aware generation: real ids take operations on existing resources past 404
    for op in ("getParticipant", "listParticipantLots", "listParticipantBalances", "getAsset"):
        assert report.operations[op].reached_2xx, (op, report.operations[op].statuses)
    assert set(report.operations) >= {"createProgram", "adjustParticipantBalance"}


def test_read_only_mode_sends_only_get_requests():
    mixed = (
        "listPrograms",
        "createProgram",
        "getParticipant",
        "adjustParticipantBalance",
        "updateAsset",
        "listParticipantLots",
    )
    with serve() as (server, recorder):
        provision(server.base_url, API_KEY, seed=2)  # data to read (written before the run)
        ids = discover(server.base_url, API_KEY)
        recorder.methods.clear()
        report = run_fuzzing(
            settings(
                server.base_url,
                ids,
                read_only=True,
                max_examples=2,
                operations=mixed,
                phases=("examples", "coverage", "fuzzing", "stateful"),
            )
        )
        methods = set(recorder.methods)
    assert report.cases_sent > 0
    assert methods == {"GET"}
    assert sorted(report.operations) == ["getParticipant", "listParticipantLots", "listPrograms"]
    assert report.operations["getParticipant"].reached_2xx


def test_the_same_seed_against_the_same_server_sends_the_same_cases(reference):
    ids = discover(reference.base_url, API_KEY)
    ops = ("listParticipantLots", "getParticipant", "listAssets")

    def sequence(seed: int) -> list[str]:
        report = run_fuzzing(
            settings(
                reference.base_url,
                ids,
                seed=seed,
                read_only=True,
                operations=ops,
                phases=("examples", "fuzzing", "stateful"),
            )
        )
        return report.request_sequence

    first, again, other = sequence(11), sequence(11), sequence(12)
    assert len(first) > 10
    assert first == again
    assert first != other
