"""Read-only reads sent ahead, a bounded number in flight, and replayed in a fixed order.

The walk judges each participant in list order, one request after another; across a network each
round trip adds up. A :class:`Prefetcher` sends the GETs a participant's walk will make (its
detail, every page of its lot lists, its balance list) on a few threads ahead of the walk, and a
:class:`Replay` hands them back to the walk as if it had just sent them. The walk's logic, order
and results are unchanged (it folds the same answers in the same order); only the waiting
overlaps. A read that was not sent ahead (or failed) is sent by the walk itself, so an error
shows exactly where a serial walk would show it. The contracts' independent reads go the same
way: :func:`get_all` (single GETs) and :func:`replay_all` (reads of several GETs each, such as
the walks of lists). Never used for anything but GET.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from typing import Any, TypeVar

from scrip_conformance.client import ApiResponse, TargetClient
from scrip_conformance.invariants._common import items

MAX_CONCURRENCY = 16
"""Requests in flight at most, whatever ``--concurrency`` asks."""
LOOKAHEAD_PER_WORKER = 2
"""Participants read ahead per worker (bounds what is held before the walk folds it)."""

Key = tuple[str, tuple[tuple[str, str], ...]]
T = TypeVar("T")


def key_of(path: str, params: dict[str, Any] | None) -> Key:
    query = {k: str(v) for k, v in (params or {}).items() if v is not None}
    return path, tuple(sorted(query.items()))


class Recorder:
    """GETs on behalf of one participant's walk, kept by path and query."""

    def __init__(self, api: TargetClient) -> None:
        self._api = api
        self.answers: dict[Key, ApiResponse] = {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> ApiResponse:
        response = self._api.get(path, params, notify=False)
        # the first answer to a request: a read sending it twice gets the second one live
        self.answers.setdefault(key_of(path, params), response)
        return response

    def pages(self, path: str, params: dict[str, Any], page_size: int, max_items: int) -> None:
        """Read the pages of a list the way the walk will (bounded; stops at anything odd)."""
        cursor: str | None = None
        seen: set[str] = set()
        count = 0
        for _ in range(1000):
            query = dict(params, limit=page_size)
            if cursor is not None:
                query["cursor"] = cursor
            response = self.get(path, query)
            if response.status_code != 200 or not isinstance(response.body, dict):
                return
            count += len(items(response.body))
            page = response.body.get("pagination")
            if not isinstance(page, dict) or page.get("has_more") is not True:
                return
            cursor = page.get("next_cursor")
            if not isinstance(cursor, str) or not cursor or cursor in seen or count >= max_items:
                return
            seen.add(cursor)


class Replay:
    """A read-only stand-in for the client: answers recorded ahead, else sent now."""

    def __init__(self, api: TargetClient, answers: dict[Key, ApiResponse]) -> None:
        self._api = api
        self._answers = answers

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> ApiResponse:
        found = self._answers.pop(key_of(path, params), None) if not kwargs else None
        if found is not None:
            self._api.notify(found)  # observers see it now, in the walk's order
            return found
        return self._api.get(path, params, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class Reuse:
    """A read-only stand-in for the client answering the GETs of ``answers`` (read earlier in
    the run, on a quiet target) from them, as often as asked and shown to no observer again
    (they were when first read); any other GET is sent."""

    def __init__(self, api: Any, answers: dict[Key, ApiResponse]) -> None:
        self._api = api
        self._answers = answers

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> ApiResponse:
        options = set(kwargs) - {"notify"}
        found = None if options else self._answers.get(key_of(path, params))
        return found if found is not None else self._api.get(path, params, **kwargs)

    def notify(self, response: ApiResponse) -> None:
        if not any(response is kept for kept in self._answers.values()):
            self._api.notify(response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class Prefetcher:
    """Runs ``read(recorder, item)`` for the items ahead of the one being folded, at most
    ``concurrency`` at once; :meth:`answers` waits for one item's reads, in the caller's order."""

    def __init__(
        self,
        api: TargetClient,
        read: Callable[[Recorder, Any], None],
        concurrency: int,
    ) -> None:
        self._api = api
        self._read = read
        self.workers = max(1, min(int(concurrency), MAX_CONCURRENCY))
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="scrip-prefetch")
        self._pending: deque[tuple[Any, Future[dict[Key, ApiResponse]]]] = deque()
        self._queue: deque[Any] = deque()
        self._stop = threading.Event()

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def plan(self, upcoming: Iterable[Any]) -> None:
        """Items the caller will ask for next, in its order."""
        self._queue.extend(upcoming)
        self._fill()

    def _fill(self) -> None:
        while self._queue and len(self._pending) < self.workers * LOOKAHEAD_PER_WORKER:
            item = self._queue.popleft()
            self._pending.append((item, self._pool.submit(copy_context().run, self._record, item)))

    def _record(self, item: Any) -> dict[Key, ApiResponse]:
        recorder = Recorder(self._api)
        if self._stop.is_set():
            return recorder.answers
        try:
            self._read(recorder, item)
        except Exception:  # noqa: BLE001 - the walk sends it again and meets the error itself
            pass
        return recorder.answers

    def answers(self, item: Any) -> dict[Key, ApiResponse]:
        """What was read ahead for ``item`` (empty when it was not planned)."""
        while self._pending:
            planned, future = self._pending.popleft()
            if planned == item:
                result = future.result()
                self._fill()
                return result
            future.cancel()  # skipped by the caller: not waited for
        self._fill()
        return {}


Read = tuple[str, dict[str, Any] | None] | tuple[str, dict[str, Any] | None, dict[str, Any]]
"""``(path, query)``, or ``(path, query, options)`` with the client's GET options (``key``,
``bearer``)."""


def _workers(concurrency: int) -> int:
    return max(1, min(int(concurrency), MAX_CONCURRENCY))


def get_all(api: TargetClient, reads: Sequence[Read], concurrency: int) -> list[ApiResponse]:
    """The answers to independent GETs, sent ``concurrency`` at a time and returned (and shown
    to the client's observers) in the order asked, as if sent one after another; the first
    read that failed raises its error there."""
    workers = _workers(concurrency)
    if workers == 1 or len(reads) < 2:
        return [api.get(read[0], read[1], **_options(read)) for read in reads]

    def one(read: Read) -> ApiResponse:
        return api.get(read[0], read[1], notify=False, **_options(read))

    with ThreadPoolExecutor(workers, thread_name_prefix="scrip-reads") as pool:
        futures = [pool.submit(copy_context().run, one, read) for read in reads]
        answers = []
        try:
            for future in futures:
                response = future.result()  # raises the error of the first read that failed
                api.notify(response)
                answers.append(response)
        finally:
            for future in futures:
                future.cancel()  # after a failure: the reads not yet sent are not
    return answers


def _options(read: Read) -> dict[str, Any]:
    return read[2] if len(read) > 2 else {}


def replay_all(api: TargetClient, reads: Sequence[Callable[[Any], T]], concurrency: int) -> list[T]:
    """``[read(api) for read in reads]``, with the GETs of the reads sent ahead: each read runs
    first on a :class:`Recorder` (``concurrency`` reads at once, each one's GETs one after
    another, its result dropped), then again in the order given on a :class:`Replay` of its
    answers, which are then shown to the observers, as in a serial run. A read must be a
    function of the client's answers alone (no random choice, no state it changes), so that
    both runs send the same GETs; an answer it lacks (a read that failed ahead) is sent then,
    and its error raised where a serial run would raise it."""
    workers = _workers(concurrency)
    if workers == 1 or len(reads) < 2:
        return [read(api) for read in reads]

    def record(read: Callable[[Any], T]) -> dict[Key, ApiResponse]:
        recorder = Recorder(api)
        try:
            read(recorder)
        except Exception:  # noqa: BLE001 - the replay sends it again and meets the error itself
            pass
        return recorder.answers

    with ThreadPoolExecutor(workers, thread_name_prefix="scrip-reads") as pool:
        futures = [pool.submit(copy_context().run, record, read) for read in reads]
        try:
            return [
                read(Replay(api, future.result()))
                for read, future in zip(reads, futures, strict=True)
            ]
        finally:
            for future in futures:
                future.cancel()
