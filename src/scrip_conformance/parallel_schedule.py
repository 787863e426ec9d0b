"""Serial-equivalent scheduling of the contract suite under pytest-xdist.

A read-only contract judges the whole organization as it finds it (its walk, the reports, the
sums), so its verdict depends on which writes happened before it and must not race any write.
The write-side profiles and the fuzzer only judge resources they created themselves, so they can
run side by side. The schedule keeps exactly the serial run's view for every test:

- tests go in *units* that one worker runs whole and in order: a test file of a write-side
  profile, the fuzzing profile (one schemathesis run), the read-only profile (one walk, one
  response audit); tests outside the profile directories are units of one test, unconstrained;
- units go in *phases*, in the order of the collection (the serial order): a run of units that
  may share the target forms one phase; a unit that must have the target to itself is a phase
  alone;
- a phase starts only when every test of the phases before it has finished, on every worker;
- a run that writes nothing (no write-side profile selected: the fuzzer then only reads too) is
  one phase: every unit may share the target.

pytest-xdist runs a test on a worker only once the next one has arrived (or the worker is told to
stop), so a worker finishing a phase is sent the first test of its next unit as a *bridge*: it
lets the last test run and itself waits, unrun, until its phase opens. No timing is involved.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SIDE_BY_SIDE = frozenset({"provisioning", "extension", "concurrency", "isolation", "fuzzing"})
"""Profile directories whose tests only write and judge resources they created (a fresh sandbox
per run, judged against its own model; the fuzzer writes to the ids it provisioned and judges
single responses and its own traversals), so they may run while others write."""

ALONE = frozenset({"read_only"})
"""Profile directories whose tests judge everything the target holds: they need a quiet target."""

WHOLE_DIRECTORY = frozenset({"fuzzing", "read_only"})
"""Profiles that share one session-wide piece of work (the fuzzing run, the walk and the response
audit) between their files, so their tests stay on one worker."""


SIDE = "side-by-side"
SOLO = "alone"
FREE = "free"


def directory_of(nodeid: str) -> str:
    """The first path component of a node id ('' for a module at the suite's root)."""
    path = nodeid.split("::", 1)[0]
    return path.split("/", 1)[0] if "/" in path else ""


def kind_of(nodeid: str) -> str:
    directory = directory_of(nodeid)
    if directory in ALONE:
        return SOLO
    if directory in SIDE_BY_SIDE:
        return SIDE
    return FREE


def unit_key(nodeid: str) -> str:
    """The unit a test belongs to: its profile directory, its test file, or itself."""
    directory = directory_of(nodeid)
    if directory in WHOLE_DIRECTORY:
        return directory + "/"
    if directory in SIDE_BY_SIDE or directory in ALONE:
        return nodeid.split("::", 1)[0]
    return nodeid


@dataclass
class Unit:
    key: str
    kind: str
    indices: list[int] = field(default_factory=list)
    phase: int = 0


def plan(collection: Sequence[str], writes: bool = True) -> list[Unit]:
    """The units of a collection in the order they are handed out, each with its phase.

    Phases follow the collection order (all one phase when the run ``writes`` nothing); within a
    phase, the fuzzing unit goes first, as it is by far the longest (one whole schemathesis run).
    """
    units: dict[str, Unit] = {}
    for index, nodeid in enumerate(collection):
        key = unit_key(nodeid)
        unit = units.get(key)
        if unit is None:
            unit = units[key] = Unit(key, kind_of(nodeid))
        unit.indices.append(index)
    phase, previous_shares = -1, False
    for unit in units.values():
        shares = unit.kind != SOLO or not writes
        if not (shares and previous_shares):
            phase += 1
        unit.phase = phase
        previous_shares = shares
    return sorted(units.values(), key=lambda u: (u.phase, u.key != "fuzzing/"))


class SerialEquivalentScheduling:
    """A pytest-xdist scheduler (``pytest_xdist_make_scheduler``) running :func:`plan`."""

    WATERMARK = 2  # a worker asks for its next unit when this few tests are left

    def __init__(self, config: Any, log: Any = None, writes: bool = True) -> None:
        from xdist.workermanage import parse_tx_spec_config

        self.config = config
        self.writes = writes
        self.numnodes = len(parse_tx_spec_config(config))
        self.log = log.serialequivalentsched if log is not None else (lambda *a: None)
        self.collection: list[str] | None = None
        self.registered_collections: dict[Any, list[str]] = {}
        self.sent: dict[Any, list[int]] = {}  # per worker: sent, not yet finished, in order
        self.held: dict[Any, list[int]] = {}  # per worker: rest of a unit whose phase is closed
        self.waiting: deque[Unit] = deque()
        self.phase_of: dict[int, int] = {}
        self.left: dict[int, int] = {}  # phase -> tests not yet finished

    # -- the Scheduling protocol -------------------------------------------------------------
    @property
    def nodes(self) -> list[Any]:
        return list(self.sent)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.registered_collections) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.collection is None:
            return False
        if self.waiting or any(self.held.values()):
            return False
        return all(
            len(queue) < self.WATERMARK and all(self._open(i) for i in queue)
            for queue in self.sent.values()
        )

    @property
    def has_pending(self) -> bool:
        return bool(self.waiting) or any(self.held.values()) or any(self.sent.values())

    def add_node(self, node: Any) -> None:
        assert node not in self.sent
        self.sent[node] = []
        self.held[node] = []

    def add_node_collection(self, node: Any, collection: Sequence[str]) -> None:
        assert node in self.sent
        if self.collection_is_completed and self.collection is not None:
            if list(collection) != self.collection:
                from xdist.report import report_collection_diff

                first = next(iter(self.registered_collections))
                self.log(
                    report_collection_diff(
                        self.collection, collection, first.gateway.id, node.gateway.id
                    )
                )
                return
        self.registered_collections[node] = list(collection)

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        self.sent[node].remove(item_index)
        self.left[self.phase_of[item_index]] -= 1
        self._feed_all()

    def mark_test_pending(self, item: str) -> None:
        raise NotImplementedError()

    def remove_pending_tests_from_node(self, node: Any, indices: Sequence[int]) -> None:
        raise NotImplementedError()

    def remove_node(self, node: Any) -> str | None:
        unfinished = self.sent.pop(node) + self.held.pop(node)
        if not unfinished:
            return None
        assert self.collection is not None
        crashed = self.collection[unfinished[0]]
        rest = unfinished[1:]  # the crashed test is reported by xdist and not run again
        self.left[self.phase_of[unfinished[0]]] -= 1
        if rest:
            phase = self.phase_of[rest[0]]
            self.waiting.appendleft(Unit("rescheduled", SOLO, rest, phase))
        self._feed_all()
        return crashed

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:
            self._feed_all()
            return
        collections = list(self.registered_collections.values())
        if any(c != collections[0] for c in collections[1:]):
            self._report_different_collections()
            return
        self.collection = list(collections[0])
        for unit in plan(self.collection, self.writes):
            self.waiting.append(unit)
            for index in unit.indices:
                self.phase_of[index] = unit.phase
            self.left[unit.phase] = self.left.get(unit.phase, 0) + len(unit.indices)
        self._feed_all()

    # -- the rules ---------------------------------------------------------------------------
    def _open(self, index: int) -> bool:
        """A test may run: every test of the phases before its own has finished."""
        phase = self.phase_of[index]
        return all(left == 0 for p, left in self.left.items() if p < phase)

    def _send(self, node: Any, indices: list[int]) -> None:
        if indices:
            self.sent[node].extend(indices)
            node.send_runtest_some(indices)

    def _feed_all(self) -> None:
        """Feed every worker in turn, one step each, until none can take more."""
        while [node for node in list(self.sent) if self._feed(node)]:
            pass

    def _feed(self, node: Any) -> bool:
        """Give ``node`` what it may run now, a bridge test if its last one needs a successor,
        or the signal to stop once nothing is left for it; whether anything was sent."""
        if node.shutting_down or self.collection is None:
            return False
        held = self.held[node]
        if held:
            if not self._open(held[0]):
                return False
            self.held[node] = []
            self._send(node, held)
            return True
        queue = self.sent[node]
        if len(queue) >= self.WATERMARK or (queue and not self._open(queue[-1])):
            return False  # enough to go on, or a bridge already waits on this worker
        if self.waiting:
            unit = self.waiting[0]
            if self._open(unit.indices[0]):
                self.waiting.popleft()
                self._send(node, unit.indices)
                return True
            if queue:
                self.waiting.popleft()
                self._send(node, unit.indices[:1])
                self.held[node] = unit.indices[1:]
                return True
            return False
        node.shutdown()
        return False

    def _report_different_collections(self) -> None:
        import pytest
        from xdist.report import report_collection_diff

        (first, col), *others = self.registered_collections.items()
        for node, collection in others:
            msg = report_collection_diff(col, collection, first.gateway.id, node.gateway.id)
            if msg:
                self.log(msg)
                self.config.hook.pytest_collectreport(
                    report=pytest.CollectReport(
                        nodeid=node.gateway.id, outcome="failed", longrepr=msg, result=[]
                    )
                )
