"""The ``scrip-conformance`` command: a thin dispatcher to one module per sub-command.

Each command module exposes ``HELP``, ``configure(parser)`` and ``execute(args) -> int``.
Exit codes: 0 conformant / success, 1 not conformant, 2 usage or configuration error,
3 target unreachable or not this API.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from scrip_conformance import __version__

EXIT_OK = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3

COMMANDS = {
    "run": "scrip_conformance.runner.command",
    "serve": "scrip_conformance.reference.command",
    "contracts": "scrip_conformance.catalog_command",
    "selftest": "scrip_conformance.selftest.command",
    "init": "scrip_conformance.runner.init_command",
    "replay": "scrip_conformance.runner.replay_command",
}


def _command_modules():
    for name, module_name in COMMANDS.items():
        try:
            present = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            present = False
        if present:
            yield name, importlib.import_module(module_name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scrip-conformance",
        description="Conformance and contract-testing suite for the Scrip loyalty-ledger API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _command_modules():
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(cmd)
        cmd.set_defaults(_execute=module.execute)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
    except KeyboardInterrupt:  # Ctrl-C while the command modules load: nothing has started
        print("interrupted before the command started", file=sys.stderr)
        return 130
    args = parser.parse_args(argv)
    if not getattr(args, "_execute", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args._execute(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
