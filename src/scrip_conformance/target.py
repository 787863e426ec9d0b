"""The target of a run: where it is, how to authenticate, what to run and how much to walk.

Options come from the pytest command line, each with an environment-variable fallback
(:data:`OPTIONS`); :func:`resolve` turns them into a :class:`Target` or a clear
:class:`TargetConfigError`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from scrip_conformance.catalog import DEFAULT_PROFILES, PROFILES

BUDGETS = ("quick", "default", "deep")
FEATURES = {
    "bearer-auth": "accepts Authorization: Bearer as well as X-API-Key",
    "rate-limit-headers": "sends the X-RateLimit-* headers",
    "liability-report": "serves GET /v1/reports/liability",
    "extension": "accepts the x-scrip-conformance-extension fields (D-EXTENSION)",
}
# How far the read-only contracts look, per budget: (items compared across page sizes, lists
# paginated, schedule windows tried, participants whose lot filters are exercised, participants
# whose balance list is compared with their detail, bad values of each set (limits, timestamps)
# each list or parameter is sent, in turn so every value is sent somewhere: all unless given).
# The quick budget also takes, in turn, some of the variants of one kind per place (page sizes
# per list, sort directions per key, bad keys per operation, inactive statuses per inventory
# mode, reads per write), reads the participant details of the program filter up to
# ``program_details``, and compares a provisioning contract's reads with the model at its
# checkpoints only (``check_every_write``): every kind of value is still sent somewhere.
# Wave 5 (issue 16) cut the quick budget's walk and read-only contracts from 338 requests to
# 158 (``run --quick`` against the embedded reference) by what each bought in the whole-suite
# self-test of main (the lead's table: requests, variants caught, variants caught alone); the
# 60 known-bad variants declaring a read-only contract were run again after the cut
# (``selftest --quick --variant NAME --bad-only --seeds 0``): 60/60 caught by a declared one.
# - ``walk_participants`` 16 -> 1 and ``balance_lists`` 16 -> 4: five requests per listed
#   participant, none buying a variant; the run's own evidence (walked whatever the cap) holds
#   every lot status, dated, held, overdrawn and multi-row case, and one listed participant
#   keeps a sample of the target's own data. A read-only run (no evidence) still walks all.
# - ``pagination_items`` 6 -> 3, ``pagination_sizes`` 2 -> 1, ``whole_page_lists`` 1: a
#   skipped or repeated row shows on the second page of a small walk; the three small sizes
#   are still sent, in turn; the default-limit and exactly-full reads go to the longest list.
# - ``filter_participants`` 2 -> 1: the most varied complete lot list alone gives every lot
#   filter and FILTER-LOT-COMBINED their witnesses (every status, reference ids, expiries).
# - ``bad_values`` 2 -> 1, ``bad_cursor_lists`` 2, ``bad_granularities`` 2, ``odd_inputs`` 3:
#   each bad limit and timestamp is still sent somewhere; cursors, granularities and odd
#   inputs from a seeded place (another seed sends the others).
# - ``filter_statuses`` / ``filter_samples`` 1, ``balance_filter_participants`` 1,
#   ``program_details`` 4 -> 2 (the walk's details first), ``schedule_filters`` 1,
#   ``edge_cases`` 3 with ``edge_windows`` 2 -> 1, ``auth_split`` (the two bad-key contracts
#   share the GET operations): one representative per kind, every kind still sent.
BUDGET_LIMITS = {
    "quick": {
        "pagination_items": 3,
        "pagination_lists": 3,
        "pagination_sizes": 1,
        "windows": 2,
        "filter_participants": 1,
        "balance_lists": 4,
        "walk_participants": 1,
        "bad_values": 1,
        "bad_cursor_lists": 2,
        "filter_statuses": 1,
        "filter_samples": 1,
        "balance_filter_participants": 1,
        "schedule_filters": 1,
        "edge_cases": 3,
        "whole_page_lists": 1,
        "bad_granularities": 2,
        "odd_inputs": 3,
        "auth_split": 1,
        "bad_keys": 1,
        "sort_directions": 1,
        "program_details": 2,
        "inactive_cases": 1,
        "bad_scale_writes": 2,
        "edge_windows": 1,
        # one granularity per window edge (three windows: day, week, month each asked once);
        # a second per window cost 3 requests and caught no known-bad variant more
        "schedule_granularities": 1,
        "write_reads": 1,
        "check_every_write": False,
        # the write-side contracts that repeat one scenario per (inventory mode, scale) run it
        # at the first place only (provisioning.fixtures.places): over seed 0 of every known-bad
        # variant, the other places caught nothing the first did not
        "write_places": 1,
        # The second write-side cut (wcut2, 717 -> 674 requests with retirement, loopback,
        # seed 1): the knobs below, ``check_every_write`` applied to the clock scenarios' and
        # the isolation set-up's sessions too (their reads between writes left to their later
        # checks, the target's clock calibrated once for the three clock scenarios), keyed
        # operations and far-dated lots needing no lot read first, and the quick sandbox
        # set-up without a SIMPLE asset no quick test uses any more. Every known-bad variant
        # declaring a touched contract was run after it (selftest --quick --variant NAME
        # --bad-only --seeds 0): all caught by a declared contract.
        # ISO-WRITES-404 leaves out its four writes that mix in the second org's own asset,
        # program and participant (7 requests and their retirement); the ISO variants are
        # caught by its writes to the first org's resources and by ISO-READS-404
        "iso_mixed_writes": False,
        # PROV-SCHEDULE-MATCHES-MODEL reads its schedule in the first two of its four windows
        # (a month window with lots on both sides, a week window ending on an expiry): the
        # day and all-covering windows (2 requests) caught no variant alone, and its 14
        # catches are all declared by SCHEDULE-* or EXT-SCHEDULE-WINDOW-EDGE-INSIDE too
        "model_schedule_windows": 2,
        # EXT-IDEMPOTENT-CREDIT replays its keyed credit once ("5.0"), not three times: the
        # first replay catches replay-credits-twice (2 requests)
        "credit_replays": 1,
    },
    "default": {
        "pagination_items": 40,
        "pagination_lists": 8,
        "windows": 4,
        "filter_participants": 5,
    },
    "deep": {
        "pagination_items": 200,
        "pagination_lists": 30,
        "windows": 8,
        "filter_participants": 25,
    },
}


class TargetConfigError(ValueError):
    """The options do not describe a usable target (missing URL or key, bad values)."""


@dataclass(frozen=True)
class Option:
    """One target option: its pytest flag, environment variable and meaning."""

    flag: str
    env: str
    help: str
    default: Any = None
    multiple: bool = False


OPTIONS = (
    Option("--base-url", "SCRIP_BASE_URL", "base URL of the Scrip API under test"),
    Option("--api-key", "SCRIP_API_KEY", "API key of the organization under test (never printed)"),
    Option("--second-org-key", "SCRIP_SECOND_ORG_KEY", "API key of a second organization"),
    Option(
        "--profile",
        "SCRIP_PROFILE",
        f"profile to run, repeatable or comma-separated ({', '.join(PROFILES)}; default read-only)",
        multiple=True,
    ),
    Option(
        "--contract",
        "SCRIP_CONTRACT",
        "only tests verifying this contract id (repeatable)",
        multiple=True,
    ),
    Option(
        "--request-timeout",
        "SCRIP_REQUEST_TIMEOUT",
        "seconds per request (default 10); the whole-organisation reports (/v1/reports/*) get "
        "six times as long, as their cost grows with the ledger (a page's does not)",
        10.0,
    ),
    Option("--max-assets", "SCRIP_MAX_ASSETS", "assets to walk at most (default 100)", 100),
    Option(
        "--max-participants",
        "SCRIP_MAX_PARTICIPANTS",
        "participants to walk at most (default 200)",
        200,
    ),
    Option(
        "--max-lots-per-participant",
        "SCRIP_MAX_LOTS_PER_PARTICIPANT",
        "lots to walk per participant and asset at most (default 1000)",
        1000,
    ),
    Option(
        "--concurrency",
        "SCRIP_CONCURRENCY",
        "requests in flight at most (independent reads of the walk and the read-only contracts, "
        "fuzzed reads between writes, the evidence's chains of writes, the write-side test "
        "files side by side with the fuzzing run, the sandbox's retirement; results as a "
        "serial run's; 1 = serial; default 4)",
        4,
    ),
    Option(
        "--clock-skew",
        "SCRIP_CLOCK_SKEW",
        "tolerated clock difference with the target, seconds (default 5)",
        5.0,
    ),
    Option("--scrip-seed", "SCRIP_SEED", "seed of every random choice (default: random, printed)"),
    Option("--budget", "SCRIP_BUDGET", "quick | default | deep (default default)", "default"),
    Option(
        "--unsupported",
        "SCRIP_UNSUPPORTED",
        f"a feature the target does not support (repeatable; {', '.join(FEATURES)})",
        multiple=True,
    ),
)


@dataclass(frozen=True)
class Target:
    """The target of a run and the run's choices: the one description both entry points use.

    Plain pytest builds it with :func:`resolve` (profiles default to :data:`DEFAULT_PROFILES`,
    read-only, safe against production); ``scrip-conformance run`` builds it from its plan (every
    profile by default, said on its first line), and sets ``embedded`` and the server's counters
    when it started the reference itself.
    """

    base_url: str
    api_key: str = field(repr=False)
    second_org_key: str | None = field(default=None, repr=False)
    profiles: tuple[str, ...] = DEFAULT_PROFILES
    contracts: tuple[str, ...] = ()
    request_timeout: float = 10.0
    max_assets: int = 100
    max_participants: int = 200
    max_lots_per_participant: int = 1000
    clock_skew: float = 5.0
    concurrency: int = 4
    """Read-only requests in flight at most (results are folded in a fixed order)."""
    seed: int = 0
    budget: str = "default"
    unsupported: frozenset[str] = frozenset()
    embedded: bool = False
    """The run started the embedded reference implementation as its target."""
    request_count: Callable[[], int] | None = field(default=None, repr=False, compare=False)
    """How many requests the target has answered (the embedded target counts them)."""
    server_cpu: Callable[[], float] | None = field(default=None, repr=False, compare=False)
    """CPU seconds the target has used (the embedded target publishes them)."""

    @property
    def secrets(self) -> list[str]:
        """The keys of the run (to scrub from every output; never printed)."""
        return [k for k in (self.api_key, self.second_org_key) if k]

    @property
    def read_only(self) -> bool:
        """Only the read-only profile selected: nothing but GET may be sent."""
        return set(self.profiles) <= {"read-only"}

    @property
    def skew(self) -> timedelta:
        return timedelta(seconds=self.clock_skew)

    @property
    def limits(self) -> dict[str, int]:
        return BUDGET_LIMITS[self.budget]

    def supports(self, feature: str) -> bool:
        """Whether the target supports ``feature`` (a second org needs its key)."""
        if feature == "second-org":
            return bool(self.second_org_key)
        return feature not in self.unsupported

    def reproduce_flags(self) -> str:
        """The flags that repeat this run's choices (the keys are never part of them)."""
        flags = [
            f"--scrip-seed={self.seed}",
            f"--profile={','.join(self.profiles)}",
            f"--budget={self.budget}",
        ]
        flags += [f"--contract={c}" for c in self.contracts]
        flags += [f"--unsupported={f}" for f in sorted(self.unsupported)]
        return " ".join(flags)


def split_values(values: Any) -> list[str]:
    """A repeatable, comma-separated option (``--profile a,b --profile c``) as its items."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def _number(name: str, raw: Any, kind: Callable[[str], Any], minimum: float) -> Any:
    try:
        value = kind(str(raw))
    except ValueError:
        raise TargetConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise TargetConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def pick(options: Mapping[str, Any], env: Mapping[str, str], option: Option) -> Any:
    """The option's value: command line first, then environment, then default."""
    value = options.get(option.flag.lstrip("-").replace("-", "_"))
    if value in (None, [], ""):
        value = env.get(option.env) or None
    return option.default if value is None else value


def resolve(
    options: Mapping[str, Any], env: Mapping[str, str], *, need_target: bool = True
) -> Target:
    """Validate the options (keys named as argparse dests) into a :class:`Target`."""
    values = {o.flag: pick(options, env, o) for o in OPTIONS}
    base_url, api_key = values["--base-url"], values["--api-key"]
    if need_target and not base_url:
        raise TargetConfigError(
            "no target: give --base-url URL (or set SCRIP_BASE_URL), e.g. "
            "--base-url http://127.0.0.1:8000"
        )
    if need_target and not api_key:
        raise TargetConfigError("no API key: give --api-key KEY (or set SCRIP_API_KEY)")
    if base_url and not str(base_url).startswith(("http://", "https://")):
        raise TargetConfigError(f"--base-url must start with http:// or https://, got {base_url!r}")
    profiles = tuple(dict.fromkeys(split_values(values["--profile"]))) or DEFAULT_PROFILES
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        raise TargetConfigError(
            f"unknown profile {', '.join(unknown)}; choose from {', '.join(PROFILES)}"
        )
    budget = str(values["--budget"])
    if budget not in BUDGETS:
        raise TargetConfigError(f"--budget must be one of {', '.join(BUDGETS)}, got {budget!r}")
    unsupported = frozenset(split_values(values["--unsupported"]))
    bad_features = sorted(unsupported - set(FEATURES))
    if bad_features:
        raise TargetConfigError(
            f"unknown feature {', '.join(bad_features)}; known: {', '.join(FEATURES)}"
        )
    seed = values["--scrip-seed"]
    seed = secrets.randbelow(2**32) if seed is None else _number("--scrip-seed", seed, int, 0)
    return Target(
        base_url=str(base_url or "").rstrip("/"),
        api_key=str(api_key or ""),
        second_org_key=values["--second-org-key"] or None,
        profiles=profiles,
        contracts=tuple(dict.fromkeys(split_values(values["--contract"]))),
        request_timeout=_number("--request-timeout", values["--request-timeout"], float, 0.1),
        max_assets=_number("--max-assets", values["--max-assets"], int, 1),
        max_participants=_number("--max-participants", values["--max-participants"], int, 1),
        max_lots_per_participant=_number(
            "--max-lots-per-participant", values["--max-lots-per-participant"], int, 1
        ),
        clock_skew=_number("--clock-skew", values["--clock-skew"], float, 0),
        concurrency=_number("--concurrency", values["--concurrency"], int, 1),
        seed=seed,
        budget=budget,
        unsupported=unsupported,
    )
