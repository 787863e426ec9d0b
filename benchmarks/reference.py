"""Latency and load figures of the reference server at 10^4, 10^5 and 10^6 lots (not a test).

For each size, in a fresh subprocess (so peak memory is per size): bulk-load a database file,
start the server on it, then time over HTTP (client-observed, keep-alive) a first or second page
of a participant's lots, a 12-month day-granularity expiration schedule of the asset, and GET
participant, and the whole-organisation liability report split by bucket (``by_bucket=true``, the
heaviest report: one grouped pass over the journal). Prints median and p99 in milliseconds, the
load time and the peak RSS.

    python benchmarks/reference.py                    # 10^4, 10^5, 10^6
    python benchmarks/reference.py --sizes 10000,100000 --requests 300
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

KEY = "bench_key"
ORG = "bench"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(client, path: str, params: dict, samples: list[float]) -> dict:
    start = time.perf_counter()
    response = client.get(path, params=params)
    samples.append((time.perf_counter() - start) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:200]}")
    return response.json()


def run_one(size: int, requests: int, schedule_requests: int, liability_requests: int) -> dict:
    import httpx

    from scrip_conformance.reference.bulk import load_lots
    from scrip_conformance.reference.server import ReferenceServer

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        start = time.perf_counter()
        info = load_lots(db, size, org=ORG)
        load_s = time.perf_counter() - start
        rng = random.Random(size)
        people, asset = info["participant_ids"], info["asset_id"]
        lots_ms: list[float] = []
        schedule_ms: list[float] = []
        participant_ms: list[float] = []
        liability_ms: list[float] = []
        with ReferenceServer(api_keys={KEY: ORG}, db_path=db) as srv:
            with httpx.Client(base_url=srv.base_url, headers={"X-API-Key": KEY}) as client:
                for _ in range(20):  # warm-up
                    client.get(f"/v1/participants/{rng.choice(people)}")
                for i in range(requests):
                    pid = rng.choice(people)
                    params = {"asset_id": asset, "limit": 50}
                    page = timed(
                        client,
                        f"/v1/participants/{pid}/balances/lots",
                        params,
                        lots_ms if i % 2 == 0 else [],
                    )
                    if i % 2 == 1 and page["pagination"]["next_cursor"]:
                        params["cursor"] = page["pagination"]["next_cursor"]
                        timed(client, f"/v1/participants/{pid}/balances/lots", params, lots_ms)
                    timed(client, f"/v1/participants/{rng.choice(people)}", {}, participant_ms)
                now = datetime.now(UTC)
                window = {
                    "from": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "to": (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "granularity": "day",
                    "asset_id": asset,
                }
                for _ in range(schedule_requests):
                    body = timed(client, "/v1/reports/expiration-schedule", window, schedule_ms)
                buckets = len(body["data"][0]["buckets"])
                for _ in range(liability_requests):
                    timed(client, "/v1/reports/liability", {"by_bucket": "true"}, liability_ms)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "lots": size,
        "load_s": round(load_s, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "schedule_buckets": buckets,
    }
    for name, samples in (
        ("lots_page", lots_ms),
        ("schedule_12m_day", schedule_ms),
        ("get_participant", participant_ms),
        ("liability_by_bucket", liability_ms),
    ):
        figures[name] = {
            "median_ms": round(statistics.median(samples), 2),
            "p99_ms": round(percentile(samples, 0.99), 2),
            "n": len(samples),
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--schedule-requests", type=int, default=20)
    parser.add_argument("--liability-requests", type=int, default=5)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(
            json.dumps(
                run_one(args.one, args.requests, args.schedule_requests, args.liability_requests)
            )
        )
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(size),
                "--requests",
                str(args.requests),
                "--schedule-requests",
                str(args.schedule_requests),
                "--liability-requests",
                str(args.liability_requests),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{r['lots']:>9} lots | load {r['load_s']:>6.2f} s"
            f" | peak RSS {r['peak_rss_mb']:>7.1f} MB"
            f" | lots page {r['lots_page']['median_ms']:.2f}/{r['lots_page']['p99_ms']:.2f} ms"
            f" | schedule 12m/day {r['schedule_12m_day']['median_ms']:.1f}/"
            f"{r['schedule_12m_day']['p99_ms']:.1f} ms"
            f" | GET participant {r['get_participant']['median_ms']:.2f}/"
            f"{r['get_participant']['p99_ms']:.2f} ms"
            f" | liability by bucket {r['liability_by_bucket']['median_ms']:.0f}/"
            f"{r['liability_by_bucket']['p99_ms']:.0f} ms  (median/p99)",
            flush=True,
        )
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
