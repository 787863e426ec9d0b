"""The streamed walk: it judges every page as it reads it, keeps only bounded samples and totals,
and what it keeps is what a whole walk would give (folds equal recomputing from every lot)."""

from __future__ import annotations

from decimal import Decimal

from asgi_faults import Fault, FaultMiddleware, plus_minor_unit

from scrip_conformance.client import TargetClient
from scrip_conformance.discovery import Discovery, Findings, Reservoir, walk_list
from scrip_conformance.invariants import schedule, timestamps
from scrip_conformance.target import BUDGET_LIMITS, Target
from scrip_conformance.violations import Violation


def walked(server, **options) -> Discovery:
    target = Target(server.base_url, "sk_a", seed=7, budget="quick", **options)
    api = TargetClient(server.base_url, "sk_a")
    return Discovery(api, target).run()


def every_lot(discovery: Discovery) -> dict[str, list[dict]]:
    """Every lot per asset, read again by a plain walk that keeps everything."""
    found: dict[str, list[dict]] = {}
    participants = walk_list(discovery.api, "/v1/participants").items
    for participant in participants:
        for asset_id in discovery.lot_assets():
            lots = walk_list(
                discovery.api,
                f"/v1/participants/{participant['id']}/balances/lots",
                {"asset_id": asset_id},
            )
            found.setdefault(asset_id, []).extend(lots.items)
    return found


def test_findings_keep_the_first_violations_of_each_contract_and_count_the_rest():
    findings = Findings(keep=2)
    findings.add([Violation("A", f"bad {i}", "good", "bad") for i in range(50)], "curl one")
    findings.add([Violation("B", "bad", "good", "bad")])
    shown = findings.of("A")
    assert [v.summary for v in shown[:2]] == ["bad 0", "bad 1"]
    assert shown[0].request == "curl one"
    assert len(shown) == 3 and "48 more" in shown[2].summary
    assert len(findings.of("B")) == 1 and findings.of("C") == []


def test_a_reservoir_is_bounded_seeded_and_in_stream_order():
    def fill(seed):
        sample = Reservoir(5, seed)
        for i in range(1000):
            sample.offer(i)
        return sample.items

    first = fill("s")
    assert len(first) == 5 and first == sorted(first) and first == fill("s")
    assert first != list(range(5))  # later items get their chance
    assert fill("s") != fill("t")


def test_the_walk_of_the_reference_finds_nothing_and_its_folds_match_every_lot(reference_with):
    discovery = walked(reference_with())
    assert list(discovery.findings) == []
    assert discovery.complete and discovery.lots_walked > 0
    assert "BALANCE-EQUALS-LOT-SUMS" in discovery.findings.ran
    lots = every_lot(discovery)
    assert discovery.lots_walked == sum(len(v) for v in lots.values())
    for window in discovery.schedule_windows:
        start, end = (timestamps.parse(t) for t in window)
        for asset_id, fold in discovery.expiry_folds.items():
            assert fold.expected(start, end, "week") == schedule.recompute(
                lots[asset_id], start, end, "week"
            )
    limit = discovery.target.limits["filter_participants"]
    assert 0 < len(discovery.kept_lists) <= limit
    for kept in discovery.kept_lists:
        assert [lot["id"] for lot in kept.lots] == [
            lot["id"]
            for lot in walk_list(
                discovery.api,
                f"/v1/participants/{kept.participant_id}/balances/lots",
                {"asset_id": kept.asset_id},
            ).items
        ]


def test_the_walk_judges_each_page_and_names_the_request(reference_with):
    def inflated(path, query, status, body):
        if path.endswith("/balances/lots") and status == 200:
            for lot in body.get("data", []):
                lot["remaining"] = plus_minor_unit(lot["amount"])
        return status, body

    server = reference_with(FaultMiddleware, fault=Fault("every lot inflated", answer=inflated))
    discovery = walked(server)
    found = discovery.findings.of("LOT-REMAINING-LE-AMOUNT")
    assert found and all("/balances/lots" in (v.request or "") for v in found[:-1])
    assert discovery.findings.counts["LOT-REMAINING-LE-AMOUNT"] == discovery.lots_walked
    assert len(found) <= discovery.findings.keep + 1
    assert discovery.findings.of("BALANCE-EQUALS-LOT-SUMS")  # the sums no longer agree


def test_walk_limits_leave_the_walk_incomplete(reference_with):
    server = reference_with()
    few = walked(server, max_participants=1)
    assert few.participant_count == 1 and not few.participants_complete and not few.complete
    capped = walked(server, max_lots_per_participant=1)
    assert capped.participants_complete and capped.lot_lists_ordered == 0
    assert capped.lot_lists_complete < capped.lot_lists_walked and not capped.complete
    assert capped.findings.of("BALANCE-EQUALS-LOT-SUMS") == []  # a cut list is never summed


def test_the_quick_budget_walks_a_sample_of_the_listed_participants_beside_the_runs_own(
    reference_with,
):
    server = reference_with()
    listed = [
        p["id"] for p in walk_list(TargetClient(server.base_url, "sk_a"), "/v1/participants").items
    ]
    sample = BUDGET_LIMITS["quick"]["walk_participants"]
    assert len(listed) > sample + 1  # the demo holds more than the sample
    own = listed[-1]  # as a writing run's own participant: listed last, after the sample
    target = Target(server.base_url, "sk_a", seed=7, budget="quick")
    api = TargetClient(server.base_url, "sk_a")
    sampled = Discovery(api, target, include_participants=[own]).run()
    assert sampled.listed_participants == sample
    assert sampled.walked_participants == set(listed[:sample]) | {own}
    assert not sampled.complete and "quick budget's sample" in sampled.unreached()[0]
    # without the run's own evidence (a read-only run) every listed participant is walked
    assert walked(server).participants_complete
    default = Target(server.base_url, "sk_a", seed=7, budget="default")
    whole = Discovery(api, default, include_participants=[own]).run()
    assert whole.participants_complete and whole.listed_participants == len(listed)


def test_the_walk_keeps_the_amount_and_expiry_of_each_lot_expiring_during_the_run(reference_with):
    from datetime import UTC, datetime, timedelta

    soon = timestamps.format_z(datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1))
    rewritten: dict[str, tuple[str, str]] = {}  # lot id -> (status, remaining) as served

    def expiring_soon(path, query, status, body):
        if path.endswith("/balances/lots") and status == 200:
            for lot in body.get("data", [])[:2]:  # the first two lots of each page expire soon
                lot["expires_at"] = soon
                rewritten[lot["id"]] = (lot["status"], lot["remaining"])
        return status, body

    server = reference_with(FaultMiddleware, fault=Fault("expiring soon", answer=expiring_soon))
    discovery = walked(server)
    later = timestamps.parse(soon) + timedelta(minutes=1)
    kept = discovery.unstable_expiries(later)
    outstanding = {
        lot_id: remaining
        for lot_id, (status, remaining) in rewritten.items()
        if status in ("AVAILABLE", "HELD", "DEFERRED") and Decimal(remaining) > 0
    }
    assert outstanding and set(rewritten) - set(outstanding)  # both kinds were served
    flat = {lot.lot_id: lot for lots in kept.values() for lot in lots}
    assert set(flat) == set(outstanding)  # only lots walked outstanding can still expire
    assert all(lot.remaining == Decimal(outstanding[i]) for i, lot in flat.items())
    assert all(lot.expires_at == timestamps.parse(soon) for lot in flat.values())
    assert set(kept) <= discovery.unstable_assets(later)
    assert set(rewritten) <= discovery.unstable_lot_ids(later)
    assert discovery.unstable_expiries(datetime.now(UTC) - timedelta(days=1)) == {}


def test_the_walk_counts_only_what_each_contract_could_judge():
    """One AVAILABLE lot without dates: the per-lot contracts saw one lot, but there was no
    final-state lot, no dated lot, no list of two lots, no second balance row, no counter."""
    from scrip_conformance.reference.server import ReferenceServer
    from scrip_conformance.selftest.variants.probe import Probe

    with ReferenceServer(api_keys={"sk_a": "org-a"}, demo=False) as server:
        with Probe(server.base_url, "sk_a") as probe:
            probe.credit("5.00")
        discovery = walked(server)
        seen = discovery.findings.witnessed
        assert seen["LOT-REMAINING-LE-AMOUNT"] == {"lots": 1}
        assert seen["LOT-AMOUNT-AT-SCALE"] == {"lots at a known scale": 1}
        assert seen["BALANCE-AT-SCALE"] == {"balance rows": 1}
        for unmet in (
            "LOT-FINAL-HOLDS-NOTHING",
            "LOT-STATUS-MATCHES-CLOCK",
            "LOT-ORDER-OLDEST-FIRST",
            "BALANCE-ROWS-SORTED",
            "PARTICIPANT-COUNTERS-ARE-STRINGS",
        ):
            assert unmet not in seen, unmet
        with Probe(server.base_url, "sk_a") as probe:
            probe.credit("2.00", expires_at="2020-01-01T00:00:00Z")
            probe.credit("3.00")
        again = walked(server).findings.witnessed
        assert again["LOT-FINAL-HOLDS-NOTHING"] == {"final-state lots": 1}
        assert again["LOT-STATUS-MATCHES-CLOCK"] == {"dated lots": 1}
        assert again["LOT-ORDER-OLDEST-FIRST"] == {"lot lists of two or more lots": 1}


def _walk_figures(discovery: Discovery) -> dict:
    """Everything the contracts read from a walk, in a comparable form."""
    return {
        "findings": [(v.contract_id, v.summary, v.observed, v.request) for v in discovery.findings],
        "counts": dict(discovery.findings.counts),
        "witnessed": discovery.findings.witnessed,
        "participants": discovery.participant_count,
        "lots": discovery.lots_walked,
        "kept_lists": [(k.participant_id, k.asset_id, k.lots) for k in discovery.kept_lists],
        "lists_sample": discovery.lists_sample.items,
        "multi_balance_sample": discovery.multi_balance_sample.items,
        "lot_samples": {a: r.items for a, r in discovery.lot_samples.items()},
        "balance_sums": dict(discovery.balance_sums),
        "cut_lists": discovery.cut_lists,
    }


def test_a_walk_with_reads_in_flight_gives_exactly_what_a_serial_walk_gives(reference_with):
    def inflated(path, query, status, body):
        if path.endswith("/balances/lots") and status == 200:
            for lot in body.get("data", [])[:1]:
                lot["remaining"] = plus_minor_unit(lot["amount"])
        return status, body

    server = reference_with(FaultMiddleware, fault=Fault("first lot inflated", answer=inflated))
    serial = walked(server, concurrency=1, max_lots_per_participant=3)
    in_flight = walked(server, concurrency=4, max_lots_per_participant=3)
    assert serial.findings.counts["LOT-REMAINING-LE-AMOUNT"] > 0  # something to keep in order
    assert serial.cut_lists  # lists cut by the limit: the read-ahead stops where the walk does
    assert _walk_figures(in_flight) == _walk_figures(serial)


def test_answers_read_ahead_reach_the_observers_in_the_walks_order(reference_with):
    server = reference_with()
    seen: dict[int, list[str]] = {}
    for concurrency in (1, 4):
        target = Target(server.base_url, "sk_a", seed=7, budget="quick", concurrency=concurrency)
        api = TargetClient(server.base_url, "sk_a")
        order: list[str] = []
        api.observers.append(lambda response, order=order: order.append(response.curl))
        Discovery(api, target).run()
        seen[concurrency] = order
    assert len(seen[4]) == len(seen[1]) > 10
    assert seen[4] == seen[1]


def test_the_read_only_suite_reports_the_same_failures_at_concurrency_1_and_4(
    reference_with, run_read_only
):
    def inflated(path, query, status, body):
        if path.endswith("/balances/lots") and status == 200:
            for lot in body.get("data", [])[:1]:
                lot["remaining"] = plus_minor_unit(lot["amount"])
        return status, body

    server = reference_with(FaultMiddleware, fault=Fault("first lot inflated", answer=inflated))
    serial = run_read_only(server, "--concurrency", "1")
    in_flight = run_read_only(server, "--concurrency", "4")
    assert "LOT-REMAINING-LE-AMOUNT" in serial.failed_contracts()
    assert in_flight.failed_contracts() == serial.failed_contracts()

    def findings(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.startswith("[")]

    assert findings(in_flight.output) == findings(serial.output)
