"""At the end of a writing run, the run's sandbox is retired as far as the API allows: the
assets it created are archived and the participants it created are closed, each with the key
that created it (``--keep-sandbox`` keeps them as they are). The API cannot archive or delete a
program, nor delete anything: those stay, named with the run's prefix. What the run's last
write to it already left CLOSED or ARCHIVED (a participant created closed for a refusal test,
an asset archived by one) is not retired again: that request would change nothing.

Each retirement is one independent write on a resource of the run's own, so they go out
``--concurrency`` at a time (through the target's shared pacer, like every request); the account
is counted, so it reads the same whatever order the answers come back in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from scrip_conformance.client import ApiResponse, TargetClient, TargetError
from scrip_conformance.prefetch import MAX_CONCURRENCY
from scrip_conformance.safety import writes

MAX_RETIRED = 5000
"""Resources retired at most (a run creates a few hundred)."""


def _retirement(client: TargetClient, item: writes.Created) -> tuple[str, ApiResponse]:
    """Retire one created resource: ``("asset" | "participant", its answer)``."""
    if item.kind == "asset":
        answer = client.request("PATCH", f"/v1/assets/{item.id}", json={"status": "ARCHIVED"})
        return "asset", answer
    answer = client.request(
        "POST", "/v1/participants", json={"external_id": item.external_id, "status": "CLOSED"}
    )
    return "participant", answer


def retire_sandbox(base_url: str, timeout: float, concurrency: int = 1) -> str:
    """Archive the run's assets and close its participants, ``concurrency`` at a time; a
    one-line account of it."""
    guard = writes.current()
    created = guard.sandbox[:MAX_RETIRED]
    if not created:
        return "the run's sandbox: the run created nothing"
    retirable = [  # (the key that created it, the resource)
        (item.key, item)
        for item in created
        if item.key
        and not guard.retired(item.id)
        and (item.kind == "asset" or (item.kind == "participant" and item.external_id))
    ]
    already = sum(1 for item in created if item.kind != "program" and guard.retired(item.id))
    clients: dict[str, TargetClient] = {}
    for key, _ in retirable:
        if key not in clients:
            clients[key] = TargetClient(base_url, key, timeout=timeout, read_only=False)
    archived = closed = failed = 0
    workers = max(1, min(int(concurrency), MAX_CONCURRENCY))
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="scrip-retire") as pool:
            futures = [pool.submit(_retirement, clients[key], item) for key, item in retirable]
            try:
                for future in futures:  # the first error in the run's order is the one told
                    kind, answer = future.result()
                    if kind == "asset":
                        ok = answer.status_code == 200
                        archived += ok
                    else:
                        ok = answer.status_code in (200, 201)
                        closed += ok
                    failed += not ok
            finally:
                for future in futures:
                    future.cancel()  # after an error, what has not started is not sent
    except (TargetError, writes.ForeignWriteRefused) as exc:
        return f"the run's sandbox was not fully retired: {str(exc).splitlines()[0]}"
    finally:
        for client in clients.values():
            client.close()
    programs = sum(1 for item in created if item.kind == "program")
    note = (
        f"the run's sandbox: {archived} asset(s) archived, {closed} participant(s) closed"
        f"{f' ({already} more already were)' if already else ''}; "
        f"{programs} program(s) stay (the API cannot archive a program)"
    )
    kept = len(guard.refused)
    kept_off = f"; the write guard kept {kept} write(s) off others' data" if kept else ""
    return note + (f"; {failed} could not be retired" if failed else "") + kept_off
