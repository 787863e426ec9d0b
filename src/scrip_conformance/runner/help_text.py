"""What ``scrip-conformance run --help`` says beyond each flag: the exit codes to gate on, and the
walk flags' help taken from the contracts plugin's own options (one text for both)."""

from __future__ import annotations

from scrip_conformance.cli import EXIT_USAGE
from scrip_conformance.runner.verdict import (
    EXIT_CONFORMANT,
    EXIT_INCONCLUSIVE,
    EXIT_NO_VERDICT,
    EXIT_NOT_CONFORMANT,
    EXIT_SIGINT,
    EXIT_SIGTERM,
)
from scrip_conformance.target import OPTIONS

_CODES = (
    (EXIT_CONFORMANT, "CONFORMANT: every selected MUST contract passed, with evidence"),
    (EXIT_NOT_CONFORMANT, "NOT CONFORMANT: a MUST contract has a new finding (SHOULD only warns)"),
    (EXIT_USAGE, "usage or configuration error: bad flag, no key, a key the target rejects"),
    (
        EXIT_NO_VERDICT,
        "no verdict: target unreachable or not this API, stopped answering, or past --deadline",
    ),
    (
        EXIT_INCONCLUSIVE,
        "INCONCLUSIVE: nothing failed, but a selected MUST contract has no evidence",
    ),
    (EXIT_SIGINT, "interrupted by SIGINT (Ctrl-C): reports written, marked INTERRUPTED"),
    (EXIT_SIGTERM, "interrupted by SIGTERM: the same"),
)

RUN_EPILOG = (
    "exit codes (gate on them; docs/ci.md says exactly when each is given):\n"
    + "".join(f"  {code:<4} {meaning}\n" for code, meaning in _CODES)
    + "\nwithout --quick or --deep the default budget runs; without --profile every profile.\n"
)


def plugin_help(flag: str) -> str:
    """The contracts plugin's help of ``flag`` (with its default), as plain pytest shows it."""
    for option in OPTIONS:
        if option.flag == flag:
            return option.help
    raise KeyError(flag)
