"""One self-test run in its own process: start the reference (or one variant) with the demo
data on a free port, run ``scrip-conformance run`` against it in-process, leave the reports
(``summary.json``, ``timing.json``, ``run-output.txt``) in the report dir.

``python -m scrip_conformance.selftest.worker --report-dir DIR [--variant NAME | --good-variant
NAME] [--seed N] [--budget quick|default|deep] [--profile P ...] [--only ID ...]
[--unsupported FEATURE ...] [--plain-schemathesis] [--demo-template FILE]``;
exit code 0 when the run produced its reports, 2 when it could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import time
from pathlib import Path

from scrip_conformance.selftest import plain, timing
from scrip_conformance.selftest.good import GoodVariant, good_by_name
from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import Variant, by_name

RESULT_NAME = "worker.json"
TIMING_NAME = "timing.json"
OUTPUT_NAME = "run-output.txt"


ORGANIZATION = "org-a"  # the first key's: the one the demo data and the run are for


def _keys() -> dict[str, str]:
    return {"sk_" + secrets.token_hex(12): ORGANIZATION, "sk_" + secrets.token_hex(12): "org-b"}


def run_suite(
    variant: Variant | GoodVariant | None,
    report_dir: Path,
    seed: int,
    budget: str,
    profiles: list[str],
    only: list[str] | None = None,
    unsupported: list[str] | None = None,
    demo_template: Path | None = None,
) -> int:
    """The conformance run against a fresh server of ``variant`` (None: the reference), with
    the ``--unsupported`` features given; its exit code."""
    from scrip_conformance import cli

    keys = _keys()
    key_a, key_b = list(keys)
    os.environ[timing.ENV] = str(report_dir / TIMING_NAME)
    plugins = [p for p in os.environ.get("PYTEST_PLUGINS", "").split(",") if p]
    if timing.__name__ not in plugins:
        os.environ["PYTEST_PLUGINS"] = ",".join([*plugins, timing.__name__])
    with VariantServer(variant, keys, demo=True, demo_template=demo_template) as server:
        argv = [
            "run",
            "--no-config",
            "--base-url",
            server.base_url,
            "--api-key",
            key_a,
            "--second-org-key",
            key_b,
            "--seed",
            str(seed),
            "--report-dir",
            str(report_dir),
        ]
        if budget != "default":
            argv.append(f"--{budget}")
        for profile in profiles:
            argv += ["--profile", profile]
        if only:
            argv += ["--only", *only]
        for feature in unsupported or []:
            argv += ["--unsupported", feature]
        with (
            (report_dir / OUTPUT_NAME).open("w", encoding="utf-8") as out,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
        ):
            return int(cli.main(argv))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrip_conformance.selftest.worker")
    parser.add_argument("--report-dir", type=Path, required=True)
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--variant", help="a known-bad variant")
    chosen.add_argument(
        "--good-variant", help="a known-good variant (its --unsupported flags are added)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", choices=("quick", "default", "deep"), default="quick")
    parser.add_argument("--profile", action="append", default=[])
    parser.add_argument("--only", action="append", default=[], metavar="CONTRACT_ID")
    parser.add_argument("--unsupported", action="append", default=[], metavar="FEATURE")
    parser.add_argument("--plain-schemathesis", action="store_true")
    parser.add_argument(
        "--demo-template", type=Path, help="the demo data as written by selftest.server"
    )
    args = parser.parse_args(argv)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    unsupported = list(args.unsupported)
    variant: Variant | GoodVariant | None
    if args.good_variant:
        variant = good_by_name(args.good_variant)
        unsupported += [f for f in variant.unsupported if f not in unsupported]
    else:
        variant = by_name(args.variant) if args.variant else None
    started = time.monotonic()
    result: dict = {
        "variant": args.variant or args.good_variant,
        "seed": args.seed,
        "budget": args.budget,
        "unsupported": unsupported,
    }
    try:
        result["exit_code"] = run_suite(
            variant,
            args.report_dir,
            args.seed,
            args.budget,
            args.profile,
            args.only,
            unsupported,
            args.demo_template,
        )
    except Exception as exc:  # reported by the parent as this variant's error
        result["exit_code"] = None
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["seconds"] = round(time.monotonic() - started, 3)
    # the run's CPU, its server's thread included: what the run costs whatever the load
    result["cpu_seconds"] = round(time.process_time(), 3)
    if args.plain_schemathesis:
        with VariantServer(variant, _keys(), demo=True) as server:
            key = next(iter(server.api_keys))
            result["plain"] = plain.run_plain(
                server.base_url, key, args.report_dir, args.seed, args.budget
            )
    (args.report_dir / RESULT_NAME).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0 if result["exit_code"] is not None else 2


if __name__ == "__main__":
    sys.exit(main())
