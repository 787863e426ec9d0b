"""A reference server (or one known-bad variant) in its own process, counting the requests it
answers, for the benchmarks: the suite under measure then runs in another process, so its time
and memory are its own.

Usage: python benchmarks/serve_counted.py --ready-file F [--db PATH] [--demo] [--variant NAME]
       [--api-key KEY=ORG ...]
Writes ``{"base_url": ...}`` to the ready file once it listens; on SIGTERM or SIGINT it writes
``{"base_url": ..., "requests": N, "cpu_seconds": S}`` there and exits.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import threading
from pathlib import Path

from scrip_conformance.runner.embedded import RequestCounter


def _keys(values: list[str]) -> dict[str, str]:
    keys = {}
    for value in values:
        key, _, org = value.partition("=")
        keys[key] = org or "org-a"
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--db", default=":memory:")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--variant")
    parser.add_argument("--api-key", action="append", default=[])
    args = parser.parse_args(argv)
    keys = _keys(args.api_key or ["sk_bench_a=org-a", "sk_bench_b=org-b"])
    if args.variant is not None:
        from scrip_conformance.selftest.server import VariantServer
        from scrip_conformance.selftest.variants import by_name

        variant = None if args.variant == "reference" else by_name(args.variant)
        server = VariantServer(variant, keys, demo=args.demo)
    else:
        from scrip_conformance.reference.server import ReferenceServer

        server = ReferenceServer(api_keys=keys, demo=args.demo, db_path=args.db)
    counter = RequestCounter(server.app)
    server.app = counter
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with server:
        args.ready_file.write_text(json.dumps({"base_url": server.base_url}), encoding="utf-8")
        stop.wait()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        done = {"base_url": server.base_url, "requests": counter.count,
                "cpu_seconds": usage.ru_utime + usage.ru_stime}
    args.ready_file.write_text(json.dumps(done), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
