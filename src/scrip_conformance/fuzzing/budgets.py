"""How much fuzzing a run buys: examples per operation, stateful steps and a wall-clock limit.

``quick`` is the CI gate, ``default`` the everyday run, ``deep`` the release run. A time limit
stops generation early but never turns a pass into a failure.

``quick`` leaves out schemathesis' coverage phase: it sends about 1,900 systematic edge-case
requests (every boundary and wrong type of every parameter, every unexpected method), over half
of a quick run's requests, and against the known-bad variants it catches nothing that the
contracts and the other phases do not (``scrip-conformance selftest --quick``, every contract
against every variant). ``default`` leaves it out too: every Scrip organization is held to 10
requests/s (D-RATELIMIT), at which those requests alone are over 3 minutes of a run that should
take under 6, for no catch the quick budget's self-test misses. ``deep``, the release run, keeps
it.

``quick`` spends as few requests as keep its catches (issue 16: each request is a tenth of a
second at the documented rate limit). Against the embedded reference (``scrip-conformance run
--quick``, summary.json ``phases_requests``) the fuzzing phase went from 206 requests to 80:
set-up 25 -> 13, examples phase 44 -> 21, fuzzing phase about 100 -> 41, stateful about 32 ->
3-5, and schemathesis' 2 probes of the server. Every operation still reaches a 2xx, the stateful
contracts still have cases to judge, and the self-test (``scrip-conformance selftest --quick
--variant NAME --bad-only --seeds 0``) still finds with the FUZZ-* contracts what it found with
them before: ``missing-key-accepted``, ``bad-cursor-500``, ``unknown-asset-500``,
``balance-as-number``, ``nulls-omitted``, ``timestamps-with-offset``, ``balance-rows-unsorted``,
``lot-asset-id-from-program`` (``limit-clamped`` is ERROR-BAD-LIMIT-400's; fuzzing missed it
before too). One catch is now seed-dependent: fuzzing alone finds ``bad-cursor-500`` on 3 of
seeds 0-5 (6 of 6 before), as fewer generated list reads carry a cursor past the other
parameters' validation; its ERROR-BAD-CURSOR-400 and ERROR-NO-5XX contracts catch it on every
seed. What was cut:

- 2 generated examples per operation, not 5 (not 10 since an earlier round): the examples
  phase's real-id calls are where the shape and ledger variants are caught, the fuzzing phase
  adds the generated creates' 2xx and negative data (bad cursors, ids, bodies);
- one stateful scenario of at most 3 calls: it judged no variant the phases before miss, and
  FUZZ-RESOURCE-LIFECYCLE and FUZZ-STATEFUL-LINKS keep cases to judge;
- the examples phase sends the real-id examples only, not also the values schemathesis captured
  from earlier answers (near duplicates: the same participant with the same asset twice);
- writes get one probe without a key (``write_refused_without_key``), not ``ignored_auth``'s
  three: no known-bad variant needs the wrong-key probes, and the AUTH-* contracts send wrong
  keys to every GET operation;
- the set-up creates one participant, not three: one with credits, a hold and a provisional
  hold takes every balance write to a 2xx, and the target's own participants are read too.

``quick`` also leaves out two kinds of requests that were answered 401 and judged nothing else:
generated cases carrying a generated API key (every case carries the run's key, so a negative
case tests its other parameters instead) and, with the lean probe above, any auth probe of a GET
operation (AUTH-MISSING-KEY-401 and AUTH-WRONG-KEY-401 send bad keys to every GET operation).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """Knobs schemathesis takes per run."""

    name: str
    max_examples: int
    """Examples per operation in the fuzzing phase (and per stateful scenario)."""
    stateful_max_steps: int
    """Longest chain of link-following calls in one stateful scenario."""
    max_time: int
    """Wall-clock limit of the whole fuzzing run, in seconds."""
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    """The schemathesis phases the run goes through, in their order."""
    auth_probes_on_reads: bool = True
    """Whether ``ignored_auth`` probes GET operations too (three requests each: no key, a wrong
    key, a wrong bearer token). The AUTH-MISSING-KEY-401 and AUTH-WRONG-KEY-401 contracts
    already send bad keys to every GET operation; writes are probed either way."""
    generated_keys: bool = True
    """Whether generated cases may carry a generated (wrong or missing) API key. Such a case is
    answered 401 before anything else in it is looked at; without them every generated case
    carries the run's key and tests the rest of the request."""
    lean_auth_probes: bool = False
    """Whether writes get one probe without a key (``write_refused_without_key``, once per
    operation) in place of ``ignored_auth``'s three (no key, a wrong key, a wrong bearer
    token); reads are then left to the AUTH-* contracts."""
    examples_from_responses: bool = True
    """Whether the examples phase also sends the spec's examples combined with values captured
    from earlier answers; without, it sends the examples built from the run's ids alone."""
    stateful_max_examples: int | None = None
    """Scenarios of the stateful phase (None: ``max_examples``)."""
    seed_participants: int = 3
    """Participants the fuzzing set-up creates (each a program member with LOT and SIMPLE
    credits, a hold and a provisional hold): the balance writes act on them."""


QUICK_MAX_EXAMPLES = 2

BUDGETS: dict[str, Budget] = {
    "quick": Budget(
        "quick",
        max_examples=QUICK_MAX_EXAMPLES,
        stateful_max_steps=3,
        max_time=90,
        phases=("examples", "fuzzing", "stateful"),
        auth_probes_on_reads=False,
        generated_keys=False,
        lean_auth_probes=True,
        examples_from_responses=False,
        stateful_max_examples=1,
        seed_participants=1,
    ),
    "default": Budget(
        "default",
        max_examples=50,
        stateful_max_steps=10,
        max_time=300,
        phases=("examples", "fuzzing", "stateful"),
    ),
    "deep": Budget("deep", max_examples=300, stateful_max_steps=20, max_time=1800),
}
DEFAULT_BUDGET = "default"


def budget_named(name: str | None) -> Budget:
    """The budget called ``name`` (``None`` gives the default); a clear error for unknown names."""
    key = name or DEFAULT_BUDGET
    try:
        return BUDGETS[key]
    except KeyError:
        known = ", ".join(BUDGETS)
        raise ValueError(f"unknown fuzzing budget {key!r} (known: {known})") from None
