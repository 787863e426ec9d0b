"""The demo data set: a seeded, realistic ledger history for one organization.

It is written through the ledger's own operations under a simulated clock that runs from about
13 months ago up to a minute ago, so every documented invariant holds by construction: lots in
every status (AVAILABLE, HELD with reference ids, provisional HELD, DEFERRED maturing in the
future, CONSUMED, EXPIRED), expiries spread over 18 months, some never expiring, overdrafts
settled by later maturities, a SIMPLE asset, an archived asset and program, inactive participants.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from scrip_conformance.reference.errors import ApiError
from scrip_conformance.reference.ledger import Ledger

SEED = 20260301
PARTICIPANTS = 50
FIRST_NAMES = ["Ada", "Bo", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
LAST_NAMES = ["Nakamura", "Okafor", "Silva", "Kowalski", "Haddad", "Larsen", "Moreau", "Chen"]


class _SimClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current


def load_demo(
    ledger: Ledger,
    org: str,
    *,
    seed: int = SEED,
    participants: int = PARTICIPANTS,
    events_per_participant: int = 90,
) -> dict[str, Any]:
    """Load the demo data set for ``org``; returns the ids it created and a few counts."""
    rng = random.Random(seed)
    real_clock = ledger.clock
    real_ids = ledger.id_source
    end = ledger.now() - timedelta(minutes=1)
    start = end - timedelta(days=400)
    sim = _SimClock(start)
    ledger.clock = sim
    ledger.id_source = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    conn = ledger.store.conn
    with ledger.store.lock:
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
        conn.execute("PRAGMA synchronous=OFF")  # a crash mid-load just means reloading the demo
    try:
        return _load(ledger, org, rng, sim, start, end, participants, events_per_participant)
    finally:
        ledger.clock = real_clock
        ledger.id_source = real_ids
        with ledger.store.lock:
            conn.execute(f"PRAGMA synchronous={int(synchronous)}")


def _amount(rng: random.Random, scale: int, low: int, high: int) -> str:
    whole = rng.randint(low, high)
    if scale == 0:
        return str(whole)
    return f"{whole}.{rng.randint(0, 10**scale - 1):0{scale}d}"


def _load(
    ledger: Ledger,
    org: str,
    rng: random.Random,
    sim: _SimClock,
    start: datetime,
    end: datetime,
    n_participants: int,
    events: int,
) -> dict[str, Any]:
    fmt = ledger.format_time
    _, rewards = ledger.create_program(org, {"name": "Rewards", "description": "Core loyalty"})
    _, partners = ledger.create_program(
        org, {"name": "Partner Network", "on_unknown_participant": "REJECT"}
    )
    _, legacy = ledger.create_program(org, {"name": "Legacy Club"})
    p_ids = [rewards["id"], partners["id"]]
    _, pts = ledger.create_asset(
        org,
        {
            "program_id": rewards["id"],
            "name": "Reward Points",
            "symbol": "PTS",
            "inventory_mode": "LOT",
            "issuance_policy": "UNLIMITED",
            "scale": 2,
            "max_transaction_amount": "50000.00",
        },
    )
    ledger.link_program_asset(org, partners["id"], {"asset_id": pts["id"]})
    _, miles = ledger.create_asset(
        org,
        {
            "program_id": partners["id"],
            "name": "Partner Miles",
            "symbol": "MILES",
            "inventory_mode": "LOT",
            "issuance_policy": "PREFUNDED",
            "scale": 0,
        },
    )
    _, cash = ledger.create_asset(
        org,
        {
            "program_id": rewards["id"],
            "name": "Store Credit",
            "symbol": "CREDIT",
            "inventory_mode": "SIMPLE",
            "issuance_policy": "UNLIMITED",
            "scale": 2,
        },
    )
    _, old = ledger.create_asset(
        org,
        {
            "program_id": legacy["id"],
            "name": "Legacy Stars",
            "symbol": "STARS",
            "inventory_mode": "LOT",
            "issuance_policy": "UNLIMITED",
            "scale": 0,
        },
    )

    people = []
    for i in range(n_participants):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        body = {
            "external_id": f"member-{i + 1:04d}",
            "program_id": rewards["id"] if i % 3 else partners["id"],
            "email": f"{first.lower()}.{last.lower()}{i}@example.com",
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last[0]}.",
            "attributes": {"region": rng.choice(["eu-west", "us-east", "ap-south"])},
            "tags": rng.sample(["vip", "new", "app", "store", "newsletter"], k=rng.randint(0, 2)),
        }
        people.append(ledger.create_participant(org, body)[1]["id"])

    # the timeline: every event gets its own instant between start and end
    total_events = n_participants * events
    span = (end - start).total_seconds()
    instants = sorted(rng.uniform(0, span) for _ in range(total_events))
    refs: dict[str, list[tuple[str, str, bool]]] = {p: [] for p in people}
    overdrawn = set(rng.sample(people, k=3))
    ref_counter = 0

    def run(fn, participant: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return fn(org, participant, body)[1]
        except ApiError:
            return None

    for offset in instants:
        sim.current = start + timedelta(seconds=offset)
        now = sim.current
        person = rng.choice(people)
        program = rng.choice(p_ids)
        asset, scale = (pts, 2) if program == rewards["id"] or rng.random() < 0.5 else (miles, 0)
        if asset is miles and program != partners["id"]:
            program = partners["id"]
        roll = rng.random()
        base = {"program_id": program, "asset_id": asset["id"], "description": "demo"}
        if roll < 0.50:
            credit = {
                **base,
                "type": "CREDIT",
                "amount": _amount(rng, scale, 5, 400 if scale else 3000),
            }
            kind = rng.random()
            if kind < 0.15:
                pass  # never expires
            else:
                credit["expires_at"] = fmt(now + timedelta(days=rng.uniform(20, 540)))
            if rng.random() < 0.12:
                matures = now + timedelta(days=rng.uniform(5, 200))
                credit["matures_at"] = fmt(matures)
                if "expires_at" in credit and credit["expires_at"] <= credit["matures_at"]:
                    credit["expires_at"] = fmt(matures + timedelta(days=rng.uniform(30, 365)))
            elif rng.random() < 0.05:
                ref_counter += 1
                credit["bucket"] = "HELD"
                credit["reference_id"] = f"accrual-{ref_counter:05d}"
                refs[person].append((credit["reference_id"], asset["id"], True))
            run(ledger.adjust, person, credit)
        elif roll < 0.70:
            debit = {
                **base,
                "type": "DEBIT",
                "amount": _amount(rng, scale, 1, 150 if scale else 900),
            }
            if person in overdrawn and rng.random() < 0.2:
                debit["allow_negative"] = True
            run(ledger.adjust, person, debit)
        elif roll < 0.80:
            ref_counter += 1
            ref = f"order-{ref_counter:05d}"
            hold = {
                **base,
                "reference_id": ref,
                "idempotency_key": f"hold-{ref}",
                "amount": _amount(rng, scale, 1, 60 if scale else 300),
            }
            if run(ledger.hold, person, hold):
                refs[person].append((ref, asset["id"], False))
        elif roll < 0.87:
            mine = [r for r in refs[person] if r[1] == asset["id"] and not r[2]]
            if mine:
                ref = mine.pop(0)
                refs[person].remove(ref)
                run(ledger.release, person, {**base, "reference_id": ref[0]})
        elif roll < 0.90:
            mine = [r for r in refs[person] if r[1] == asset["id"] and r[2]]
            if mine:
                ref = mine.pop(0)
                refs[person].remove(ref)
                run(ledger.void_hold, person, {**base, "reference_id": ref[0]})
        elif roll < 0.92:
            run(
                ledger.forfeit,
                person,
                {
                    **base,
                    "bucket": "AVAILABLE",
                    "amount": _amount(rng, scale, 1, 20 if scale else 50),
                },
            )
        elif roll < 0.97:
            simple = {
                "program_id": rewards["id"],
                "asset_id": cash["id"],
                "description": "demo",
                "type": "CREDIT" if rng.random() < 0.7 else "DEBIT",
                "amount": _amount(rng, 2, 1, 80),
            }
            run(ledger.adjust, person, simple)
        else:
            stars = {
                "program_id": legacy["id"],
                "asset_id": old["id"],
                "description": "demo",
                "type": "CREDIT",
                "amount": _amount(rng, 0, 10, 500),
            }
            if rng.random() < 0.7:
                stars["expires_at"] = fmt(now + timedelta(days=rng.uniform(30, 500)))
            run(ledger.adjust, person, stars)

    # a few overdrafts that stay open, and deferred credits that settle them in the future
    sim.current = end - timedelta(seconds=30)
    for person in sorted(overdrawn):
        base = {"program_id": rewards["id"], "asset_id": pts["id"], "description": "demo"}
        run(
            ledger.adjust,
            person,
            {**base, "type": "DEBIT", "amount": "25.00", "allow_negative": True},
        )
        sim.current += timedelta(milliseconds=10)
        run(
            ledger.adjust,
            person,
            {
                **base,
                "type": "CREDIT",
                "amount": "40.00",
                "matures_at": fmt(end + timedelta(days=30)),
                "expires_at": fmt(end + timedelta(days=400)),
            },
        )
    sim.current = end
    ledger.update_asset(org, old["id"], {"status": "ARCHIVED"})
    for person in people[-5:-2]:
        ledger.create_participant(
            org, {"external_id": _external(ledger, org, person), "status": "SUSPENDED"}
        )
    for person in people[-2:]:
        ledger.create_participant(
            org, {"external_id": _external(ledger, org, person), "status": "CLOSED"}
        )
    with ledger.writing() as conn:
        for person in people[::2]:  # counters, as a rules engine would keep them (strings)
            counters = {"purchases": str(rng.randint(1, 60)), "visits": str(rng.randint(1, 200))}
            conn.execute(
                "UPDATE participants SET counters = ? WHERE id = ?", (json.dumps(counters), person)
            )
        conn.execute(
            "INSERT INTO programs(id, org, name, description, on_unknown_participant, status, "
            "created_at, updated_at, deleted_at) VALUES (?, ?, 'Sunset Program', NULL, 'CREATE', "
            "'ARCHIVED', ?, ?, ?)",
            (ledger.new_id(), org, fmt(start), fmt(end), fmt(end)),
        )
        lots = conn.execute("SELECT count(*) FROM lots WHERE org = ?", (org,)).fetchone()[0]
    return {
        "organization": org,
        "program_ids": {
            "rewards": rewards["id"],
            "partners": partners["id"],
            "legacy": legacy["id"],
        },
        "asset_ids": {
            "PTS": pts["id"],
            "MILES": miles["id"],
            "CREDIT": cash["id"],
            "STARS": old["id"],
        },
        "participant_ids": people,
        "lots": lots,
    }


def _external(ledger: Ledger, org: str, participant_id: str) -> str:
    with ledger.reading() as conn:
        return ledger.load_participant(conn, org, participant_id)["external_id"]
