"""A server whose answers break a ledger invariant is caught, naming the check, with a curl line."""

from __future__ import annotations

from fuzz_servers import API_KEY, serve, settings

from scrip_conformance.fuzzing import provision, run_fuzzing


def remaining_above_amount(method, path, body):
    """Every listed lot claims one unit more remaining than it was credited."""
    if method == "GET" and path.endswith("/balances/lots"):
        for lot in body.get("data", []):
            lot["remaining"] = str(int(lot["amount"].split(".")[0]) + 1) + ".00"
    return body


def test_a_lot_page_breaking_remaining_le_amount_is_caught_with_check_and_curl():
    with serve(remaining_above_amount) as (server, _):
        ids = provision(server.base_url, API_KEY, seed=5)
        report = run_fuzzing(
            settings(
                server.base_url,
                ids,
                seed=5,
                max_examples=10,
                operations=("listParticipantLots",),
                phases=("examples", "fuzzing"),
            )
        )
    ledger = report.failures_of("FUZZ-LEDGER-INVARIANTS")
    assert [f.check for f in ledger] == ["lot_page"]
    finding = ledger[0]
    assert "LOT-REMAINING-LE-AMOUNT" in finding.message
    assert finding.operation_id == "listParticipantLots"
    rendered = finding.as_violation().render()
    assert rendered.startswith("[FUZZ-LEDGER-INVARIANTS] schemathesis check `lot_page` failed")
    assert "curl -X GET -H 'X-API-Key: [REDACTED]'" in rendered
    assert "/balances/lots?" in finding.curl
    assert API_KEY not in rendered
    # the breach is not a shape problem: plain schema checks had nothing to say
    assert report.failures_of("FUZZ-SCHEMA-CONFORMANCE") == []


def test_a_correct_server_behind_the_same_middleware_is_clean():
    with serve() as (server, _):
        ids = provision(server.base_url, API_KEY, seed=5)
        report = run_fuzzing(
            settings(
                server.base_url,
                ids,
                seed=5,
                max_examples=10,
                operations=("listParticipantLots",),
                phases=("examples", "fuzzing"),
            )
        )
    assert report.failures == []
    assert report.operations["listParticipantLots"].reached_2xx
