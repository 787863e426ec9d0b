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

``quick`` also generates 5 examples per operation rather than 10: the fuzzing phase was a fifth
of a quick run's requests, and the known-bad variants whose contracts only fuzzing judges
(``nulls-omitted``, ``balance-as-number``: FUZZ-SCHEMA-CONFORMANCE) are caught with 5 as with 10
(``scrip-conformance selftest --quick --variant NAME``); at the documented rate limit every
request is a tenth of a second.

``quick`` also leaves out two kinds of requests that were answered 401 and judged nothing else:
``ignored_auth``'s probes of GET operations (no key, a wrong key, a wrong bearer token: three per
operation; the AUTH-MISSING-KEY-401 and AUTH-WRONG-KEY-401 contracts send bad keys to every GET
operation, and the writes are still probed) and generated cases carrying a generated API key
(every case now carries the run's key, so a negative case tests its other parameters instead).
Against the reference: 209 fuzzing requests become 178; the variants whose declared contracts
fuzzing judges stay caught (``missing-key-accepted``, ``bad-cursor-500``, ``unknown-asset-500``,
``balance-as-number``, ``nulls-omitted``, ``timestamps-with-offset``).
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


QUICK_MAX_EXAMPLES = 5

BUDGETS: dict[str, Budget] = {
    "quick": Budget(
        "quick",
        max_examples=QUICK_MAX_EXAMPLES,
        stateful_max_steps=6,
        max_time=90,
        phases=("examples", "fuzzing", "stateful"),
        auth_probes_on_reads=False,
        generated_keys=False,
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
