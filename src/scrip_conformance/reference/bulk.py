"""Fill a reference database with many lots fast (benchmarks, the read-only scale run).

Programs, the asset and participants are created through the :class:`Ledger`; lots and their
journal movements are then bulk-inserted in one transaction, consistent with what the ledger
itself would have written: per participant ``created_at`` strictly increasing, CONSUMED lots the
oldest ones (FIFO), HELD lots provisional with a reference id, DEFERRED lots maturing in the
future, EXPIRED lots past their expiry, expiries spread over 18 months, some never expiring.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.store import SCHEMA, Store


def load_lots(
    db_path: str,
    n_lots: int,
    *,
    org: str = "bench",
    participants: int | None = None,
    seed: int = 7,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create one program, one LOT asset (scale 2) and ``n_lots`` lots over the participants.

    Returns the ids created: ``program_id``, ``asset_id``, ``participant_ids``, ``lots``.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    n_participants = participants or max(10, n_lots // 1000)
    store = Store(db_path)
    ledger = Ledger(store, {}, clock=lambda: now - timedelta(days=400))
    try:
        program = ledger.create_program(org, {"name": "Bench"})[1]["id"]
        asset = ledger.create_asset(
            org,
            {
                "program_id": program,
                "name": "Bench Points",
                "symbol": "BENCH",
                "inventory_mode": "LOT",
                "issuance_policy": "UNLIMITED",
                "scale": 2,
            },
        )[1]["id"]
        people = [
            ledger.create_participant(org, {"external_id": f"bench-{i:07d}"})[1]["id"]
            for i in range(n_participants)
        ]
        conn = store.conn
        with store.lock:
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA threads=4")
            conn.execute("PRAGMA cache_size=-262144")
            conn.execute("BEGIN IMMEDIATE")
            for name in SECONDARY_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
            conn.execute("CREATE TEMP TABLE bench_people(idx INTEGER PRIMARY KEY, id TEXT)")
            conn.executemany(
                "INSERT INTO bench_people(idx, id) VALUES (?, ?)", list(enumerate(people))
            )
            params = {
                "n": n_lots,
                "np": n_participants,
                "per": max(1, n_lots // n_participants),
                "now": int(now.timestamp()),
                "org": org,
                "program": program,
                "asset": asset,
                "salt": seed % 2147483647,
            }
            conn.execute(LOTS_SQL, params)
            conn.execute(MOVEMENTS_SQL, {"asset": asset})
            conn.execute("DROP TABLE bench_people")
            conn.execute("COMMIT")
            conn.executescript(SCHEMA)  # recreates the secondary indexes in one sorted pass
            conn.execute("PRAGMA analysis_limit=2000")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")
        return {
            "org": org,
            "program_id": program,
            "asset_id": asset,
            "participant_ids": people,
            "lots": n_lots,
        }
    finally:
        store.close()


SECONDARY_INDEXES = (
    "lots_fifo",
    "lots_outstanding",
    "movements_participant",
    "movements_activity",
    "movements_overdraft",
    "movements_asset",
)

# Pseudo-random but seeded: Park-Miller steps of (lot number, salt); all arithmetic stays in
# SQLite's 64-bit integers. Lot i belongs to participant i % np at position k = i / np, so
# created_at (one year of history, evenly spaced) strictly increases per participant.
LOTS_SQL = """
INSERT INTO lots(id, org, participant_id, asset_id, program_id, amount, remaining, state,
                 created_at, expires_at, matures_at, reference_id, provisional)
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < :n),
h AS (
  SELECT i, i % :np AS p, i / :np AS k,
         (i * 48271 + :salt) % 2147483647 AS h1
  FROM seq
),
h2 AS (
  SELECT *, (h1 * 48271) % 2147483647 AS h2 FROM h
),
h3 AS (
  SELECT *, (h2 * 48271) % 2147483647 AS h3, (((h2 * 48271) % 2147483647) * 48271) % 2147483647
         AS h4 FROM h2
),
shaped AS (
  SELECT i, p, k, h1, h2, h3, h4,
    :now - 31536000 - 60 + (k * 31536000) / :per AS created,
    CASE WHEN k < :per * 12 / 100 THEN 'CONSUMED'
         WHEN h1 % 100 < 5 THEN 'HELD' ELSE 'AVAILABLE' END AS state,
    CASE WHEN h2 % 100 < 15 THEN NULL
         ELSE :now - 5184000 + h3 % 51840000 END AS expires0,
    CASE WHEN k >= :per * 9 / 10 AND h1 % 100 BETWEEN 5 AND 9
         THEN :now + 86400 + h4 % 7776000 END AS matures,
    100 + h4 % 499901 AS amount
  FROM h3
),
fixed AS (
  SELECT *,
    CASE WHEN expires0 IS NULL THEN NULL
         WHEN matures IS NOT NULL AND expires0 <= matures THEN matures + 2592000
         WHEN expires0 < created THEN created + 86400
         ELSE expires0 END AS expires
  FROM shaped
)
SELECT
  printf('%08x-%04x-4%03x-%04x-%012x', i, h1 % 65536, h2 % 4096, 32768 + h3 % 16384, h4),
  :org, bench_people.id, :asset, :program, amount,
  CASE WHEN state = 'CONSUMED' THEN 0 ELSE amount END, state,
  strftime('%Y-%m-%dT%H:%M:%S', created, 'unixepoch') || printf('.%06dZ', i % 1000000),
  CASE WHEN expires IS NULL THEN NULL
       ELSE strftime('%Y-%m-%dT%H:%M:%S', expires, 'unixepoch') || '.000000Z' END,
  CASE WHEN matures IS NULL THEN NULL
       ELSE strftime('%Y-%m-%dT%H:%M:%S', matures, 'unixepoch') || '.000000Z' END,
  CASE WHEN state = 'HELD' THEN 'bench-' || (k % 97) END,
  CASE WHEN state = 'HELD' THEN 1 ELSE 0 END
FROM fixed JOIN bench_people ON bench_people.idx = fixed.p
"""

MOVEMENTS_SQL = """
INSERT INTO movements(entry_id, org, participant_id, asset_id, program_id, lot_id, kind, bucket,
                      delta, at)
SELECT id, org, participant_id, asset_id, program_id, id, 'CREDIT',
       CASE WHEN state = 'HELD' THEN 'HELD' ELSE 'AVAILABLE' END, amount, created_at
FROM lots WHERE asset_id = :asset
UNION ALL
SELECT id, org, participant_id, asset_id, program_id, id, 'DEBIT', 'AVAILABLE', -amount,
       created_at
FROM lots WHERE asset_id = :asset AND state = 'CONSUMED'
"""
