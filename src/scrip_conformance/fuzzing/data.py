"""Ids of real resources for data-aware fuzzing, so generated requests reach 200s, not only 404s.

In read-only mode the ids are discovered with GET requests; in the provisioning profile a small
ledger is created first (a program, a LOT and a SIMPLE asset, participants with lots and a hold,
and, when the target supports the extension fields, a provisional hold). Every request is paced
by the target's rate limit and waits out a 429 (:mod:`scrip_conformance.pacing`).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from scrip_conformance.pacing import PacedTransport, Pacer
from scrip_conformance.safety import writes


class SeedDataError(RuntimeError):
    """The target did not answer the set-up requests as the spec says (message says which)."""


@dataclass
class KnownIds:
    """Ids of existing resources, by kind; fuzzing draws path and query values from them."""

    programs: list[str] = field(default_factory=list)
    lot_assets: list[str] = field(default_factory=list)
    simple_assets: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    reference_ids: list[str] = field(default_factory=list)
    """reference_ids of ordinary holds (release and forfeit select by them)."""
    provisional_reference_ids: list[str] = field(default_factory=list)
    """reference_ids of provisional held lots (void-hold cancels them)."""
    readable: dict[str, list[str]] = field(default_factory=dict)
    """Ids of the target's own data, by kind, that GET operations may read but nothing writes
    to (discovered next to a provisioned data set)."""

    @property
    def assets(self) -> list[str]:
        return self.lot_assets + self.simple_assets

    def as_dict(self) -> dict[str, list[str]]:
        return asdict(self)

    def by_kind(self) -> dict[str, list[str]]:
        """Ids by the kinds :attr:`readable` uses."""
        return {
            "programs": list(self.programs),
            "assets": self.assets,
            "lot_assets": list(self.lot_assets),
            "participants": list(self.participants),
        }

    def is_empty(self) -> bool:
        return not (self.programs or self.assets or self.participants)


def _client(
    base_url: str, api_key: str, timeout: float, pacer: Pacer | None = None
) -> httpx.Client:
    from scrip_conformance.safety import keys
    from scrip_conformance.safety.transport import GuardedTransport

    keys.register(api_key)  # the guard, caps and key scrubbing of every suite request
    return httpx.Client(
        base_url=base_url,
        headers={"X-API-Key": api_key},
        timeout=timeout,
        # paced outside (a 429 is waited out and retried), guarded inside (every attempt)
        transport=PacedTransport(
            pacer if pacer is not None else Pacer(), inner=GuardedTransport(timeout)
        ),
    )


def _data(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(path, params=params)
    if response.status_code != 200:
        raise SeedDataError(f"GET {path} answered {response.status_code}, expected 200")
    try:
        rows = response.json()["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SeedDataError(f"GET {path} did not answer a list page: {exc}") from None
    return [row for row in rows if isinstance(row, dict) and isinstance(row.get("id"), str)]


def discover(
    base_url: str,
    api_key: str,
    *,
    limit: int = 50,
    timeout: float = 10.0,
    pacer: Pacer | None = None,
) -> KnownIds:
    """Ids visible to the key, found with GET requests only (safe against production)."""
    ids = KnownIds()
    with _client(base_url, api_key, timeout, pacer) as client:
        ids.programs = [row["id"] for row in _data(client, "/v1/programs", {"limit": limit})]
        for row in _data(client, "/v1/assets", {"limit": 200}):
            target = ids.lot_assets if row.get("inventory_mode") == "LOT" else ids.simple_assets
            target.append(row["id"])
        ids.participants = [
            row["id"] for row in _data(client, "/v1/participants", {"limit": limit})
        ]
    return ids


def _post(client: httpx.Client, path: str, body: dict[str, Any], ok: tuple[int, ...]) -> Any:
    response = client.post(path, json=body)
    if response.status_code not in ok:
        raise SeedDataError(
            f"POST {path} answered {response.status_code}, expected {'/'.join(map(str, ok))}: "
            f"{response.text[:200]}"
        )
    return response.json()


def provision(
    base_url: str,
    api_key: str,
    *,
    seed: int,
    participants: int = 3,
    timeout: float = 10.0,
    unsupported: frozenset[str] = frozenset(),
    pacer: Pacer | None = None,
) -> KnownIds:
    """Create a small ledger to fuzz against and return its ids (writes: provisioning only).

    Only documented fields are sent, except for the provisional holds (an ``adjust`` with the
    extension field ``reference_id``), which are left out when ``unsupported`` has ``extension``.
    """
    rng = random.Random(seed)
    # the seeded part keeps runs comparable; the random part keeps a rerun with the same seed
    # from upserting the participants of an earlier run (the write guard allows the run's tag)
    tag = f"{rng.randrange(16**6):06x}{secrets.token_hex(2)}"
    writes.current().allow_prefix(f"fuzz-{tag}-")
    ids = KnownIds()
    with _client(base_url, api_key, timeout, pacer) as client:
        program = _post(client, "/v1/programs", {"name": f"fuzz program {tag}"}, (201,))
        ids.programs.append(program["id"])
        for mode, scale in (("LOT", 2), ("SIMPLE", 0)):
            asset = None
            for attempt in range(5):
                symbol = f"FZ{mode[0]}{tag}{attempt}".upper()
                response = client.post(
                    "/v1/assets",
                    json={
                        "program_id": program["id"],
                        "name": f"fuzz {mode.lower()} {tag}",
                        "symbol": symbol,
                        "inventory_mode": mode,
                        "issuance_policy": "UNLIMITED",
                        "scale": scale,
                    },
                )
                if response.status_code == 201:
                    asset = response.json()
                    break
                if response.status_code != 409:
                    raise SeedDataError(
                        f"POST /v1/assets answered {response.status_code}, expected 201"
                    )
            if asset is None:
                raise SeedDataError("POST /v1/assets kept answering 409 for fresh symbols")
            (ids.lot_assets if mode == "LOT" else ids.simple_assets).append(asset["id"])
        for n in range(participants):
            participant = _post(
                client,
                "/v1/participants",
                {"external_id": f"fuzz-{tag}-{n}", "program_id": program["id"]},
                (200, 201),
            )
            pid = participant["id"]
            ids.participants.append(pid)
            for amount in ("100.00", "25.50"):
                _post(
                    client,
                    f"/v1/participants/{pid}/balances/adjust",
                    {
                        "program_id": program["id"],
                        "asset_id": ids.lot_assets[0],
                        "type": "CREDIT",
                        "amount": amount,
                        "description": "fuzzing set-up credit",
                    },
                    (200,),
                )
            _post(
                client,
                f"/v1/participants/{pid}/balances/adjust",
                {
                    "program_id": program["id"],
                    "asset_id": ids.simple_assets[0],
                    "type": "CREDIT",
                    "amount": "40",
                    "description": "fuzzing set-up credit",
                },
                (200,),
            )
            reference = f"fuzz-hold-{tag}-{n}"
            _post(
                client,
                f"/v1/participants/{pid}/balances/hold",
                {
                    "program_id": program["id"],
                    "asset_id": ids.lot_assets[0],
                    "amount": "10.00",
                    "description": "fuzzing set-up hold",
                    "reference_id": reference,
                },
                (200,),
            )
            ids.reference_ids.append(reference)
            if "extension" in unsupported:
                continue
            provisional = f"fuzz-provisional-{tag}-{n}"
            _post(
                client,
                f"/v1/participants/{pid}/balances/adjust",
                {
                    "program_id": program["id"],
                    "asset_id": ids.lot_assets[0],
                    "type": "CREDIT",
                    "amount": "3.00",
                    "bucket": "HELD",
                    "reference_id": provisional,
                    "description": "fuzzing set-up provisional hold",
                },
                (200,),
            )
            ids.provisional_reference_ids.append(provisional)
        # a program without assets, for linkProgramAsset to link one to
        spare = _post(client, "/v1/programs", {"name": f"fuzz spare program {tag}"}, (201,))
        ids.programs.append(spare["id"])
    return ids
