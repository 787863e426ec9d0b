"""``scrip-conformance init [PATH]``: write a commented starter config file for a CI gate, made
from the config schema (every key, its meaning and its default), so it cannot drift from it."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from scrip_conformance.cli import EXIT_OK, EXIT_USAGE
from scrip_conformance.runner import config

HELP = f"Write a commented starter config file (default: ./{config.CONFIG_NAME})."

# What a gate sets from the start; every other key is written commented out, with its default.
STARTER_VALUES: dict[str, Any] = {
    "base_url": "https://scrip.staging.example.com",
    "api_key_env": "SCRIP_API_KEY",
    "second_org_key_env": "SCRIP_SECOND_ORG_KEY",
    "budget": "quick",
    "seed": "random",
    "report_dir": "reports",
}

HEADER = """\
# scrip-conformance configuration: check it in beside your code. A CI gate is then
#     scrip-conformance run
# with this file in the working directory and the key in the environment (see docs/ci.md).
# Command-line flags override any value here; relative paths resolve against this file's
# directory. Never put a key in this file: name the environment variable that holds it.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path(config.CONFIG_NAME),
        metavar="PATH",
        help=f"where to write it (default: ./{config.CONFIG_NAME})",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def starter_text() -> str:
    """The starter file: every key of the schema with its meaning, the gate's keys set."""
    parts = [HEADER.rstrip("\n")]
    for key, prop in config.config_schema()["properties"].items():
        parts.append("")
        parts += textwrap.wrap(prop["description"], 98, initial_indent="# ", subsequent_indent="# ")
        if key in STARTER_VALUES:
            parts.append(f"{key} = {config.toml_value(STARTER_VALUES[key])}")
            continue
        value = prop["examples"][0] if "examples" in prop else prop.get("default")
        parts.append(f"# {key} = {config.toml_value(value)}")
    return "\n".join(parts) + "\n"


def execute(args: argparse.Namespace) -> int:
    path: Path = args.path
    if path.exists() and not args.force:
        print(f"error: {path} exists; pass --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    try:
        path.write_text(starter_text(), encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"wrote {path}: set base_url, then run `scrip-conformance run` with the key in "
        f"${STARTER_VALUES['api_key_env']}"
    )
    return EXIT_OK
