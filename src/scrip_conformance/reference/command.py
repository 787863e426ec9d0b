"""``scrip-conformance serve``: run the reference implementation as a local Scrip sandbox."""

from __future__ import annotations

import argparse
import os
import socket
import sys

HELP = "Run the reference Scrip server (SQLite) as a local sandbox or test target."
ENV_KEYS = "SCRIP_API_KEYS"
DEFAULT_ORG = "default"
EXIT_OK = 0
EXIT_USAGE = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any free)")
    parser.add_argument(
        "--db",
        default=":memory:",
        metavar="PATH",
        help="SQLite database file; persists across restarts (default: in memory)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY[=ORG]",
        dest="api_keys",
        help=f"an accepted API key, optionally with its organization (repeatable; or {ENV_KEYS}, "
        "comma-separated). Keys without an organization share one.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="load the demo data set for the organization of the first key",
    )
    parser.add_argument(
        "--rate-limit",
        action="store_true",
        help="enforce the documented rate limit (burst 30, 10/s per organization)",
    )


def parse_keys(items: list[str]) -> dict[str, str]:
    """``KEY`` or ``KEY=ORG`` items to a key -> organization map (order kept)."""
    keys: dict[str, str] = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        key, sep, org = item.partition("=")
        key, org = key.strip(), org.strip()
        if not key or (sep and not org):
            raise ValueError("an API key entry is empty or has an empty organization")
        keys[key] = org if sep else DEFAULT_ORG
    return keys


def execute(args: argparse.Namespace) -> int:
    items = list(args.api_keys)
    if not items and os.environ.get(ENV_KEYS):
        items = os.environ[ENV_KEYS].split(",")
    try:
        keys = parse_keys(items)
    except ValueError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not keys:
        print(f"serve: no API key given; use --api-key KEY[=ORG] or {ENV_KEYS}", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print(f"serve: --port must be between 0 and 65535, not {args.port}", file=sys.stderr)
        return EXIT_USAGE

    import uvicorn

    from scrip_conformance.reference.app import create_app
    from scrip_conformance.reference.store import StoreError

    try:
        app = create_app(db_path=args.db, api_keys=keys, rate_limit=args.rate_limit)
    except StoreError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    orgs = sorted(set(keys.values()))
    if args.demo:
        from scrip_conformance.reference.demo import load_demo

        ledger = app.state.ledger
        org = next(iter(keys.values()))
        with ledger.reading() as conn:
            present = conn.execute("SELECT 1 FROM programs WHERE org = ?", (org,)).fetchone()
        if present:
            print(
                f"serve: organization {org!r} already has data; demo not loaded again",
                file=sys.stderr,
            )
        else:
            summary = load_demo(ledger, org)
            print(f"serve: demo data loaded ({summary['lots']} lots)", file=sys.stderr)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stalls on replies
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"serve: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"serve: Scrip reference server on http://{args.host}:{sock.getsockname()[1]} "
        f"({len(keys)} key(s), {len(orgs)} organization(s), db {args.db})",
        file=sys.stderr,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK
