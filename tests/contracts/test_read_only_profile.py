"""The read-only profile against the reference implementation: it passes, it sends only GET,
it never prints the key, and it reports what it cannot judge as not run (never as passed)."""

from __future__ import annotations

from asgi_faults import MethodRecorder


def test_read_only_profile_passes_against_the_reference_and_sends_only_get(
    reference_with, run_read_only
):
    seen: list = []
    server = reference_with(MethodRecorder, seen=seen)
    run = run_read_only(server, "--max-participants", "200")  # every lot: nothing left unjudged
    assert run.returncode == 0, run.output
    assert " passed" in run.output and "failed" not in run.output
    methods = {method for method, _ in seen}
    assert methods == {"GET"}, f"read-only profile sent {methods - {'GET'}}"
    assert len(seen) > 200  # the suite really walked the data
    assert "sk_a" not in run.output  # the key is never printed
    assert "--scrip-seed=7" in run.output  # the header tells how to reproduce the run
    assert "not run: " not in run.output


def test_what_the_walk_limits_prevent_is_reported_as_not_run(reference_with, run_read_only):
    server = reference_with()
    run = run_read_only(server, "--contract", "SCHEDULE-RECOMPUTED-FROM-LOTS")
    assert run.returncode == 0, run.output
    assert "1 skipped" in run.output and "not run: the walk limits left lots unread" in run.output
    assert "not reached: participants after the first 6 listed (--max-participants 6)" in run.output
    assert "the read-only walk did not read participants after the first 6" in run.output
