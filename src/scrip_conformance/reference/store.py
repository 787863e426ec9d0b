"""SQLite storage of the reference ledger: one connection, the schema, WAL for file databases.

Amounts are integers in minor units at the asset's scale. Timestamps are fixed-width UTC strings
(``YYYY-MM-DDTHH:MM:SS.ffffffZ``) so that text order is time order and SQL can bucket them.
Lots keep a stored ``state`` (AVAILABLE, HELD, CONSUMED); DEFERRED and EXPIRED are derived from
the clock at read time (D-CLOCK). ``movements`` is the journal: every change of value per
participant, asset, program and bucket, with the lot it touched (NULL for SIMPLE balances and
overdrafts); balances and the liability report are derived from it and from the lots.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS programs (
  id TEXT PRIMARY KEY, org TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
  on_unknown_participant TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS programs_org ON programs(org, created_at, id);
CREATE TABLE IF NOT EXISTS assets (
  id TEXT PRIMARY KEY, org TEXT NOT NULL, name TEXT NOT NULL, symbol TEXT NOT NULL,
  inventory_mode TEXT NOT NULL, issuance_policy TEXT NOT NULL, scale INTEGER NOT NULL,
  max_transaction_amount INTEGER, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT,
  UNIQUE (org, symbol)
);
CREATE INDEX IF NOT EXISTS assets_org ON assets(org, created_at, id);
CREATE TABLE IF NOT EXISTS program_assets (
  program_id TEXT NOT NULL, asset_id TEXT NOT NULL, PRIMARY KEY (program_id, asset_id)
);
CREATE INDEX IF NOT EXISTS program_assets_asset ON program_assets(asset_id, program_id);
CREATE TABLE IF NOT EXISTS participants (
  id TEXT PRIMARY KEY, org TEXT NOT NULL, external_id TEXT NOT NULL, status TEXT NOT NULL,
  attributes TEXT NOT NULL, tags TEXT NOT NULL,
  email TEXT, phone TEXT, first_name TEXT, last_name TEXT, display_name TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  counters TEXT NOT NULL DEFAULT '{}',
  UNIQUE (org, external_id)
);
CREATE INDEX IF NOT EXISTS participants_org ON participants(org, created_at, id);
CREATE TABLE IF NOT EXISTS participant_programs (
  participant_id TEXT NOT NULL, program_id TEXT NOT NULL,
  PRIMARY KEY (participant_id, program_id)
);
CREATE INDEX IF NOT EXISTS participant_programs_program
  ON participant_programs(program_id, participant_id);
CREATE TABLE IF NOT EXISTS lots (
  id TEXT PRIMARY KEY, org TEXT NOT NULL, participant_id TEXT NOT NULL,
  asset_id TEXT NOT NULL, program_id TEXT NOT NULL,
  amount INTEGER NOT NULL, remaining INTEGER NOT NULL, state TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT, matures_at TEXT, reference_id TEXT,
  provisional INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS lots_fifo ON lots(participant_id, asset_id, created_at, id);
CREATE INDEX IF NOT EXISTS lots_outstanding
  ON lots(asset_id, expires_at, remaining, program_id, state)
  WHERE state != 'CONSUMED';
CREATE TABLE IF NOT EXISTS movements (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL, org TEXT NOT NULL,
  participant_id TEXT NOT NULL, asset_id TEXT NOT NULL, program_id TEXT NOT NULL,
  lot_id TEXT, kind TEXT NOT NULL, bucket TEXT NOT NULL, delta INTEGER NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS movements_participant
  ON movements(participant_id, asset_id, bucket, delta) WHERE lot_id IS NULL;
CREATE INDEX IF NOT EXISTS movements_activity ON movements(participant_id, asset_id);
CREATE INDEX IF NOT EXISTS movements_overdraft ON movements(org, participant_id, asset_id)
  WHERE kind = 'OVERDRAFT';
CREATE INDEX IF NOT EXISTS movements_asset ON movements(asset_id, at);
CREATE TABLE IF NOT EXISTS idempotency (
  org TEXT NOT NULL, program_id TEXT NOT NULL, key TEXT NOT NULL,
  fingerprint TEXT NOT NULL, response TEXT NOT NULL,
  PRIMARY KEY (org, program_id, key)
);
"""


class StoreError(Exception):
    """The database cannot be opened or created (bad path, not a database, read-only)."""


class Store:
    """One SQLite connection shared by all request threads, serialised by a lock.

    Reads and writes take :attr:`lock`; writes also run in ``BEGIN IMMEDIATE`` so that several
    processes sharing one database file cannot interleave either.
    """

    def __init__(self, db_path: str = ":memory:") -> None:
        self.db_path = db_path
        self.lock = threading.RLock()
        if db_path != ":memory:":
            parent = Path(db_path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(f"directory of the database does not exist: {parent}")
        try:
            self.conn = sqlite3.connect(
                db_path, check_same_thread=False, isolation_level=None, timeout=30.0
            )
            if db_path != ":memory:":
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.conn.execute("PRAGMA cache_size=-65536")
            self.conn.row_factory = sqlite3.Row
            self.conn.executescript(SCHEMA)
            self.conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use database {db_path!r}: {exc}") from exc

    def close(self) -> None:
        with self.lock:
            self.conn.close()
