"""A reference server (or one known-bad variant) in its own process, counting the requests it
answers, for the benchmarks: the suite under measure then runs in another process, so its time
and memory are its own.

Usage: python benchmarks/serve_counted.py --ready-file F [--db PATH] [--demo] [--variant NAME]
       [--api-key KEY=ORG ...] [--rate-limit] [--relay-rtt SECONDS]
Writes ``{"base_url": ...}`` to the ready file once it listens; on SIGTERM or SIGINT it writes
``{"base_url": ..., "requests": N, "status_429": N, "cpu_seconds": S}`` there and exits.
``--rate-limit`` enforces the documented limit (burst 30, 10 requests/s per organization);
``--relay-rtt`` puts a relay adding that round-trip time in front (``base_url`` is the relay's).
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scrip_conformance.runner.embedded import RequestCounter


def _keys(values: list[str]) -> dict[str, str]:
    keys = {}
    for value in values:
        key, _, org = value.partition("=")
        keys[key] = org or "org-a"
    return keys


class StatusCounter:
    """ASGI wrapper counting the 429 answers of the app it wraps."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.too_many = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        async def counting_send(message: dict) -> None:
            if message.get("type") == "http.response.start" and message.get("status") == 429:
                self.too_many += 1
            await send(message)

        await self.app(scope, receive, counting_send)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--db", default=":memory:")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--variant")
    parser.add_argument("--api-key", action="append", default=[])
    parser.add_argument("--rate-limit", action="store_true")
    parser.add_argument("--relay-rtt", type=float, default=0.0)
    args = parser.parse_args(argv)
    keys = _keys(args.api_key or ["sk_bench_a=org-a", "sk_bench_b=org-b"])
    if args.variant is not None:
        from scrip_conformance.selftest.server import VariantServer
        from scrip_conformance.selftest.variants import by_name

        variant = None if args.variant == "reference" else by_name(args.variant)
        server = VariantServer(variant, keys, demo=args.demo)
    else:
        from scrip_conformance.reference.server import ReferenceServer

        server = ReferenceServer(
            api_keys=keys, demo=args.demo, db_path=args.db, rate_limit=args.rate_limit
        )
    statuses = StatusCounter(server.app)
    counter = RequestCounter(statuses)
    server.app = counter
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with ExitStack() as stack:
        stack.enter_context(server)
        base_url = server.base_url
        if args.relay_rtt > 0:
            from scrip_conformance.selftest.relay import LatencyRelay

            relay = LatencyRelay(server.host, server.port, rtt=args.relay_rtt)
            base_url = stack.enter_context(relay).base_url
        args.ready_file.write_text(json.dumps({"base_url": base_url}), encoding="utf-8")
        stop.wait()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        done = {
            "base_url": base_url,
            "requests": counter.count,
            "status_429": statuses.too_many,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        }
    args.ready_file.write_text(json.dumps(done), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
