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
    demo = _Demo(ledger, org, rng, sim)
    demo.catalogue()
    demo.enrol(n_participants)
    demo.history(start, end, n_participants * events)
    demo.closing(start, end)
    with ledger.reading() as conn:
        lots = conn.execute("SELECT count(*) FROM lots WHERE org = ?", (org,)).fetchone()[0]
    return {
        "organization": org,
        "program_ids": {
            "rewards": demo.rewards["id"],
            "partners": demo.partners["id"],
            "legacy": demo.legacy["id"],
        },
        "asset_ids": {
            "PTS": demo.pts["id"],
            "MILES": demo.miles["id"],
            "CREDIT": demo.cash["id"],
            "STARS": demo.old["id"],
        },
        "participant_ids": demo.people,
        "lots": lots,
    }


class _Demo:
    """Writes the demo history through the ledger's operations; every random draw is taken in
    a fixed order, so one seed gives one data set."""

    def __init__(self, ledger: Ledger, org: str, rng: random.Random, sim: _SimClock) -> None:
        self.ledger, self.org, self.rng, self.sim = ledger, org, rng, sim
        self.fmt = ledger.format_time
        self.people: list[str] = []
        # per participant: (reference_id, asset_id, provisional) of the holds still open
        self.refs: dict[str, list[tuple[str, str, bool]]] = {}
        self.overdrawn: set[str] = set()
        self.ref_counter = 0

    def catalogue(self) -> None:
        """Three programs and four assets: LOT at scale 2 and 0, SIMPLE, one to archive."""
        ledger, org = self.ledger, self.org
        _, self.rewards = ledger.create_program(
            org, {"name": "Rewards", "description": "Core loyalty"}
        )
        _, self.partners = ledger.create_program(
            org, {"name": "Partner Network", "on_unknown_participant": "REJECT"}
        )
        _, self.legacy = ledger.create_program(org, {"name": "Legacy Club"})
        self.pts = self._asset(
            self.rewards,
            "Reward Points",
            "PTS",
            "LOT",
            "UNLIMITED",
            2,
            max_transaction_amount="50000.00",
        )
        ledger.link_program_asset(org, self.partners["id"], {"asset_id": self.pts["id"]})
        self.miles = self._asset(self.partners, "Partner Miles", "MILES", "LOT", "PREFUNDED", 0)
        self.cash = self._asset(self.rewards, "Store Credit", "CREDIT", "SIMPLE", "UNLIMITED", 2)
        self.old = self._asset(self.legacy, "Legacy Stars", "STARS", "LOT", "UNLIMITED", 0)

    def _asset(
        self,
        program: dict[str, Any],
        name: str,
        symbol: str,
        mode: str,
        policy: str,
        scale: int,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "program_id": program["id"],
            "name": name,
            "symbol": symbol,
            "inventory_mode": mode,
            "issuance_policy": policy,
            "scale": scale,
            **extra,
        }
        return self.ledger.create_asset(self.org, body)[1]

    def enrol(self, count: int) -> None:
        rng = self.rng
        for i in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            body = {
                "external_id": f"member-{i + 1:04d}",
                "program_id": self.rewards["id"] if i % 3 else self.partners["id"],
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "first_name": first,
                "last_name": last,
                "display_name": f"{first} {last[0]}.",
                "attributes": {"region": rng.choice(["eu-west", "us-east", "ap-south"])},
                "tags": rng.sample(
                    ["vip", "new", "app", "store", "newsletter"], k=rng.randint(0, 2)
                ),
            }
            self.people.append(self.ledger.create_participant(self.org, body)[1]["id"])

    def history(self, start: datetime, end: datetime, count: int) -> None:
        """``count`` events, each at its own instant between start and end."""
        span = (end - start).total_seconds()
        instants = sorted(self.rng.uniform(0, span) for _ in range(count))
        self.refs = {p: [] for p in self.people}
        self.overdrawn = set(self.rng.sample(self.people, k=3))
        for offset in instants:
            self.sim.current = start + timedelta(seconds=offset)
            self.event(self.sim.current)

    def event(self, now: datetime) -> None:
        """One random operation of a random participant, with the weights of a real ledger."""
        rng = self.rng
        person = rng.choice(self.people)
        program = rng.choice([self.rewards["id"], self.partners["id"]])
        if program == self.rewards["id"] or rng.random() < 0.5:
            asset, scale = self.pts, 2
        else:
            asset, scale = self.miles, 0
        if asset is self.miles and program != self.partners["id"]:
            program = self.partners["id"]
        roll = rng.random()
        base = {"program_id": program, "asset_id": asset["id"], "description": "demo"}
        steps = (
            (0.50, self._credit),
            (0.70, self._debit),
            (0.80, self._hold),
            (0.87, self._release),
            (0.90, self._void_hold),
            (0.92, self._forfeit),
            (0.97, self._simple),
        )
        step = next((s for limit, s in steps if roll < limit), self._stars)
        step(person, base, scale, now)

    def _run(self, fn: Any, participant: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return fn(self.org, participant, body)[1]
        except ApiError:
            return None

    def _credit(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        rng, fmt = self.rng, self.fmt
        amount = _amount(rng, scale, 5, 400 if scale else 3000)
        credit = {**base, "type": "CREDIT", "amount": amount}
        if rng.random() >= 0.15:  # the others never expire
            credit["expires_at"] = fmt(now + timedelta(days=rng.uniform(20, 540)))
        if rng.random() < 0.12:
            matures = now + timedelta(days=rng.uniform(5, 200))
            credit["matures_at"] = fmt(matures)
            if "expires_at" in credit and credit["expires_at"] <= credit["matures_at"]:
                credit["expires_at"] = fmt(matures + timedelta(days=rng.uniform(30, 365)))
        elif rng.random() < 0.05:
            self.ref_counter += 1
            credit["bucket"] = "HELD"
            credit["reference_id"] = f"accrual-{self.ref_counter:05d}"
            self.refs[person].append((credit["reference_id"], base["asset_id"], True))
        self._run(self.ledger.adjust, person, credit)

    def _debit(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        rng = self.rng
        debit = {**base, "type": "DEBIT", "amount": _amount(rng, scale, 1, 150 if scale else 900)}
        if person in self.overdrawn and rng.random() < 0.2:
            debit["allow_negative"] = True
        self._run(self.ledger.adjust, person, debit)

    def _hold(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        self.ref_counter += 1
        ref = f"order-{self.ref_counter:05d}"
        hold = {
            **base,
            "reference_id": ref,
            "idempotency_key": f"hold-{ref}",
            "amount": _amount(self.rng, scale, 1, 60 if scale else 300),
        }
        if self._run(self.ledger.hold, person, hold):
            self.refs[person].append((ref, base["asset_id"], False))

    def _oldest_ref(self, person: str, asset_id: str, provisional: bool) -> str | None:
        """Take the oldest open hold of ``person`` in the asset, of the kind asked for."""
        mine = [r for r in self.refs[person] if r[1] == asset_id and r[2] == provisional]
        if not mine:
            return None
        self.refs[person].remove(mine[0])
        return mine[0][0]

    def _release(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        ref = self._oldest_ref(person, base["asset_id"], provisional=False)
        if ref is not None:
            self._run(self.ledger.release, person, {**base, "reference_id": ref})

    def _void_hold(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        ref = self._oldest_ref(person, base["asset_id"], provisional=True)
        if ref is not None:
            self._run(self.ledger.void_hold, person, {**base, "reference_id": ref})

    def _forfeit(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        amount = _amount(self.rng, scale, 1, 20 if scale else 50)
        self._run(self.ledger.forfeit, person, {**base, "bucket": "AVAILABLE", "amount": amount})

    def _simple(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        simple = {
            "program_id": self.rewards["id"],
            "asset_id": self.cash["id"],
            "description": "demo",
            "type": "CREDIT" if self.rng.random() < 0.7 else "DEBIT",
            "amount": _amount(self.rng, 2, 1, 80),
        }
        self._run(self.ledger.adjust, person, simple)

    def _stars(self, person: str, base: dict[str, Any], scale: int, now: datetime) -> None:
        stars = {
            "program_id": self.legacy["id"],
            "asset_id": self.old["id"],
            "description": "demo",
            "type": "CREDIT",
            "amount": _amount(self.rng, 0, 10, 500),
        }
        if self.rng.random() < 0.7:
            stars["expires_at"] = self.fmt(now + timedelta(days=self.rng.uniform(30, 500)))
        self._run(self.ledger.adjust, person, stars)

    def closing(self, start: datetime, end: datetime) -> None:
        """Open overdrafts settled by future maturities, the archived asset and program, and
        suspended and closed participants."""
        ledger, org, fmt = self.ledger, self.org, self.fmt
        self.sim.current = end - timedelta(seconds=30)
        for person in sorted(self.overdrawn):
            base = {
                "program_id": self.rewards["id"],
                "asset_id": self.pts["id"],
                "description": "demo",
            }
            debit = {**base, "type": "DEBIT", "amount": "25.00", "allow_negative": True}
            self._run(ledger.adjust, person, debit)
            self.sim.current += timedelta(milliseconds=10)
            credit = {
                **base,
                "type": "CREDIT",
                "amount": "40.00",
                "matures_at": fmt(end + timedelta(days=30)),
                "expires_at": fmt(end + timedelta(days=400)),
            }
            self._run(ledger.adjust, person, credit)
        self.sim.current = end
        ledger.update_asset(org, self.old["id"], {"status": "ARCHIVED"})
        for person, status in [(p, "SUSPENDED") for p in self.people[-5:-2]] + [
            (p, "CLOSED") for p in self.people[-2:]
        ]:
            ledger.create_participant(
                org, {"external_id": _external(ledger, org, person), "status": status}
            )
        with ledger.writing() as conn:
            for person in self.people[::2]:  # counters, as a rules engine keeps them (strings)
                counters = {
                    "purchases": str(self.rng.randint(1, 60)),
                    "visits": str(self.rng.randint(1, 200)),
                }
                conn.execute(
                    "UPDATE participants SET counters = ? WHERE id = ?",
                    (json.dumps(counters), person),
                )
            conn.execute(
                "INSERT INTO programs(id, org, name, description, on_unknown_participant, status, "
                "created_at, updated_at, deleted_at) VALUES (?, ?, 'Sunset Program', NULL, "
                "'CREATE', 'ARCHIVED', ?, ?, ?)",
                (ledger.new_id(), org, fmt(start), fmt(end), fmt(end)),
            )


def _external(ledger: Ledger, org: str, participant_id: str) -> str:
    with ledger.reading() as conn:
        return ledger.load_participant(conn, org, participant_id)["external_id"]
