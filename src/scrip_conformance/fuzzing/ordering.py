"""Which operations schemathesis' workers may run side by side without changing what any request
sees, and the serial order that the run's report follows whatever the workers did.

A serial run (one worker) goes through each unit phase's operations in schemathesis' own order
(its dependency layers, flattened). With several workers the same order is cut into layers that
run one after another (schemathesis' ``LayeredScheduler``: a layer starts when the one before it
has finished): each writing operation alone, and the reads between two writes together. A read
then sees exactly the ledger the serial run showed it (the same writes, all finished), and the
writes meet each other in the serial order, so the answers and findings are the serial run's.

schemathesis also keeps values captured from every operation's answers in one pool (its extra
data source), read by the examples, coverage and stateful phases. While operations run side by
side, what they add to it is held and added at the phase's end in the serial order, so that a
later phase draws from the same pool as after a serial run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any


def workers_for(concurrency: int | None) -> int:
    """schemathesis' workers for a target's ``--concurrency`` (1: the serial run), bounded as
    every read-ahead of the suite is (``prefetch.MAX_CONCURRENCY``)."""
    from scrip_conformance.prefetch import MAX_CONCURRENCY

    try:
        wanted = int(concurrency) if concurrency is not None else 1
    except (TypeError, ValueError):
        wanted = 1
    return max(1, min(wanted, MAX_CONCURRENCY))


def side_by_side_layers(
    serial: Sequence[Any], may_overlap: Callable[[Any], bool]
) -> list[list[Any]]:
    """``serial`` (operations in the order one worker runs them) cut into layers: a run of
    operations that ``may_overlap`` (reads) is one layer, any other operation a layer of its own.
    Flattened, the layers are ``serial`` again."""
    layers: list[list[Any]] = []
    for operation in serial:
        if may_overlap(operation) and layers and may_overlap(layers[-1][0]):
            layers[-1].append(operation)
        else:
            layers.append([operation])
    return layers


class SerialOrder:
    """Wraps a schema's ``get_operation_layers`` for a run with several workers: records each
    phase's serial order (the rank of every operation, by label) and hands schemathesis the
    side-by-side layers of :func:`side_by_side_layers`.

    ``phase`` is set by the run as each phase starts (before schemathesis asks for its layers).
    Only the fuzzing phase runs reads side by side: each operation's Hypothesis run there has
    its own seed. The examples and coverage phases stay one operation at a time (in a trial a
    concurrent examples phase once drew another value for one case; the coverage phase also
    sends unexpected methods, writes, to read paths); both are small next to fuzzing.
    """

    SIDE_BY_SIDE_PHASES = frozenset({"fuzzing"})

    def __init__(self, schema: Any) -> None:
        self._layers_of = schema.get_operation_layers
        self.phase = ""
        self.ranks: dict[str, dict[str, int]] = {}
        """phase -> operation label -> its position in the serial order."""
        self.pool: HeldPool | None = None

    @property
    def side_by_side(self) -> bool:
        """Whether the current phase runs operations side by side."""
        return self.phase in self.SIDE_BY_SIDE_PHASES

    def phase_ended(self) -> None:
        """The phase's workers have all finished: add what they captured, in the serial order."""
        phase, self.phase = self.phase, ""  # nothing runs side by side until the next phase
        if self.pool is not None:
            self.pool.release(lambda label: self.rank(phase, label))

    def _may_overlap(self, operation: Any) -> bool:
        return self.phase in self.SIDE_BY_SIDE_PHASES and str(operation.method).upper() == "GET"

    def __call__(self, operations: list[Any]) -> list[list[Any]]:
        serial = [op for layer in self._layers_of(operations) for op in layer]
        ranks = self.ranks.setdefault(self.phase, {})
        for operation in serial:
            ranks.setdefault(operation.label, len(ranks))
        return side_by_side_layers(serial, self._may_overlap)

    def rank(self, phase: str, label: str) -> int:
        """Where ``label`` comes in ``phase``'s serial order (unknown ones last)."""
        ranks = self.ranks.get(phase, {})
        return ranks.get(label, len(ranks))


class HeldPool:
    """Holds what is recorded into schemathesis' pool of captured values while ``holding()``
    says so, and replays it at :meth:`release`: operations in their serial rank, each
    operation's records in the order it made them.

    The pool object itself stays (schemathesis checks its type, and its class has slots): its
    class becomes a subclass whose record methods ask the holder first."""

    RECORDS = ("record_response", "record_request", "record_successful_delete")

    def __init__(self, pool: Any, holding: Callable[[], bool]) -> None:
        self._pool = pool
        self._holding = holding
        self._held: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = []
        self._lock = threading.Lock()
        base = type(pool)
        methods = {name: self._held_method(name) for name in self.RECORDS if hasattr(base, name)}
        pool.__class__ = type(f"Held{base.__name__}", (base,), {"__slots__": (), **methods})

    def _held_method(self, name: str) -> Callable[..., Any]:
        original = getattr(type(self._pool), name)
        holder = self

        def record(pool: Any, *args: Any, **kwargs: Any) -> Any:
            if not holder._holding():
                return original(pool, *args, **kwargs)
            label = str(getattr(kwargs.get("operation"), "label", ""))
            with holder._lock:
                holder._held.append((label, name, args, kwargs))
            return None

        return record

    def release(self, rank: Callable[[str], int]) -> None:
        with self._lock:
            held, self._held = self._held, []
        base = type(self._pool).__mro__[1]
        ordered = sorted(enumerate(held), key=lambda item: (rank(item[1][0]), item[0]))
        for _, (_, name, args, kwargs) in ordered:
            getattr(base, name)(self._pool, *args, **kwargs)


def install(schema: Any) -> SerialOrder:
    """Make ``schema`` hand schemathesis the side-by-side layers and a held pool of captured
    values; the :class:`SerialOrder` (the run tells it each phase's start and end)."""
    order = SerialOrder(schema)
    # instance attributes: this schema object only
    schema.get_operation_layers = order
    create_pool = schema.create_extra_data_source

    def held_pool() -> Any:
        pool = create_pool()
        if pool is not None and order.pool is None:
            order.pool = HeldPool(pool, lambda: order.side_by_side)
        return pool

    schema.create_extra_data_source = held_pool
    return order
