"""At the end of a writing run, the run's sandbox is retired as far as the API allows: the
assets it created are archived and the participants it created are closed, each with the key
that created it (``--keep-sandbox`` keeps them as they are). The API cannot archive or delete a
program, nor delete anything: those stay, named with the run's prefix."""

from __future__ import annotations

from scrip_conformance.client import TargetClient, TargetError
from scrip_conformance.safety import writes

MAX_RETIRED = 5000
"""Resources retired at most (a run creates a few hundred)."""


def retire_sandbox(base_url: str, timeout: float) -> str:
    """Archive the run's assets and close its participants; a one-line account of it."""
    created = writes.current().sandbox[:MAX_RETIRED]
    if not created:
        return "the run's sandbox: the run created nothing"
    archived = closed = failed = 0
    clients: dict[str, TargetClient] = {}
    try:
        for item in created:
            if item.kind == "program" or not item.key:
                continue
            client = clients.get(item.key)
            if client is None:
                client = clients[item.key] = TargetClient(
                    base_url, item.key, timeout=timeout, read_only=False
                )
            if item.kind == "asset":
                answer = client.request(
                    "PATCH", f"/v1/assets/{item.id}", json={"status": "ARCHIVED"}
                )
                ok = answer.status_code == 200
                archived += ok
            elif item.external_id:
                answer = client.request(
                    "POST",
                    "/v1/participants",
                    json={"external_id": item.external_id, "status": "CLOSED"},
                )
                ok = answer.status_code in (200, 201)
                closed += ok
            else:
                continue
            failed += not ok
    except (TargetError, writes.ForeignWriteRefused) as exc:
        return f"the run's sandbox was not fully retired: {str(exc).splitlines()[0]}"
    finally:
        for client in clients.values():
            client.close()
    programs = sum(1 for item in created if item.kind == "program")
    note = (
        f"the run's sandbox: {archived} asset(s) archived, {closed} participant(s) closed; "
        f"{programs} program(s) stay (the API cannot archive a program)"
    )
    kept = len(writes.current().refused)
    guard = f"; the write guard kept {kept} write(s) off others' data" if kept else ""
    return note + (f"; {failed} could not be retired" if failed else "") + guard
