"""The serial-equivalent schedule under pytest-xdist: read-only tests see the target exactly as in
a serial run (every earlier write done, no later one started), write-side units share the workers.

The scheduler is driven by simulated workers that behave like xdist's (a worker runs a test only
once the next one has arrived, or once told to stop), under many seeded interleavings.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections import deque

import pytest

from scrip_conformance.parallel_schedule import SerialEquivalentScheduling, plan

RUNNER_ORDER = [
    "concurrency/test_conc_bursts.py::test_a",
    "concurrency/test_conc_bursts.py::test_b",
    "extension/test_ext.py::test_a",
    "extension/test_ext.py::test_b",
    "extension/test_ext.py::test_c",
    "isolation/test_iso.py::test_a",
    "provisioning/test_prov_one.py::test_a",
    "provisioning/test_prov_two.py::test_a",
    "provisioning/test_prov_two.py::test_b",
    "read_only/test_auth.py::test_a",
    "read_only/test_auth.py::test_b",
    "read_only/test_schedule.py::test_a[X]",
    "read_only/test_schedule.py::test_a[Y]",
    "fuzzing/test_fuzzing.py::test_a",
    "fuzzing/test_fuzzing.py::test_b",
    "fuzzing/test_fuzzing.py::test_c",
]
COLLECTION_ORDER = sorted(RUNNER_ORDER, key=lambda n: n.split("/")[0])


def _phases(collection):
    return {u.key: u.phase for u in plan(collection)}


def test_the_runner_order_gives_writers_then_read_only_then_fuzzing():
    phases = _phases(RUNNER_ORDER)
    assert phases == {
        "concurrency/test_conc_bursts.py": 0,
        "extension/test_ext.py": 0,
        "isolation/test_iso.py": 0,
        "provisioning/test_prov_one.py": 0,
        "provisioning/test_prov_two.py": 0,
        "read_only/": 1,
        "fuzzing/": 2,
    }


def test_pytest_order_lets_fuzzing_share_the_writers_phase_and_hands_it_out_first():
    units = plan(COLLECTION_ORDER)
    assert [u.key for u in units][:2] == ["fuzzing/", "concurrency/test_conc_bursts.py"]
    assert {u.key: u.phase for u in units}["fuzzing/"] == 0
    assert {u.key: u.phase for u in units}["read_only/"] == 1
    assert max(u.phase for u in units) == 1


def test_tests_outside_the_profiles_are_units_of_one_and_share_a_phase():
    units = plan(["test_x.py::a", "test_x.py::b", "read_only/test_r.py::c", "test_y.py::d"])
    assert [(u.key, u.phase) for u in units] == [
        ("test_x.py::a", 0),
        ("test_x.py::b", 0),
        ("read_only/", 1),
        ("test_y.py::d", 2),
    ]


def test_a_run_that_writes_nothing_is_one_phase():
    order = [n for n in COLLECTION_ORDER if n.split("/")[0] in ("fuzzing", "read_only")]
    assert {u.phase for u in plan(order, writes=False)} == {0}
    assert {u.key: u.phase for u in plan(order)} == {"fuzzing/": 0, "read_only/": 1}


# -- simulated xdist ---------------------------------------------------------------------------
class _Gateway:
    def __init__(self, name):
        self.id = name


class FakeWorker:
    """What the scheduler sees of a worker, and what an xdist worker does with it."""

    def __init__(self, name):
        self.gateway = _Gateway(name)
        self.torun: deque[int] = deque()
        self.stop = False
        self.running: int | None = None
        self.done = False

    @property
    def shutting_down(self):
        return self.stop

    def send_runtest_some(self, indices):
        assert not self.stop, "work sent after shutdown"
        self.torun.extend(indices)

    def shutdown(self):
        self.stop = True

    def can_start(self):
        return self.running is None and bool(self.torun) and (len(self.torun) >= 2 or self.stop)


class _Config:
    def __init__(self, workers):
        self.workers = workers

    def getvalue(self, name):
        assert name == "tx"
        return [f"{self.workers}*popen"]


def simulate(collection, workers, seed, starts_first=False):
    """Run ``collection`` on ``workers`` simulated workers in a seeded random interleaving (or,
    with ``starts_first``, one where every worker starts what it may before any test ends); the
    events (start/end, worker, index) in order."""
    scheduler = SerialEquivalentScheduling(_Config(workers))
    nodes = [FakeWorker(f"gw{i}") for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    generator = random.Random(seed)
    events = []
    for _ in range(10_000):
        actions = [("start", n) for n in nodes if n.can_start()]
        if not (starts_first and actions):
            actions += [("end", n) for n in nodes if n.running is not None]
        if not actions:
            break
        what, node = generator.choice(actions)
        if what == "start":
            node.running = node.torun.popleft()
            events.append(("start", node.gateway.id, node.running))
        else:
            index, node.running = node.running, None
            events.append(("end", node.gateway.id, index))
            scheduler.mark_test_complete(node, index)
            if scheduler.tests_finished:  # what xdist's controller does after every event
                for each in nodes:
                    each.shutdown()
    return events, scheduler


def _writes(nodeid):
    return not nodeid.startswith("read_only/")


def _check_serial_equivalence(collection, events):
    """Every read-only test starts after every earlier write ended, and before any later one
    started; every test ran once, each unit on one worker in order."""
    started = [i for what, _, i in events if what == "start"]
    assert sorted(started) == list(range(len(collection))), "a test ran twice or never"
    first_read = min(i for i, n in enumerate(collection) if not _writes(n))
    last_read = max(i for i, n in enumerate(collection) if not _writes(n))
    for position, (what, _, index) in enumerate(events):
        if what != "start" or _writes(collection[index]):
            continue
        before = events[:position]
        earlier_writes = {i for i in range(first_read) if _writes(collection[i])}
        ended = {i for w, _, i in before if w == "end"}
        assert earlier_writes <= ended, f"{collection[index]} started before a write ended"
        later = {i for w, _, i in before if w == "start" and i > last_read}
        assert not later, f"{collection[index]} started after a later write began"
    workers_of = {}
    for what, worker, index in events:
        if what == "start":
            key = collection[index].split("::")[0]
            workers_of.setdefault(key, []).append((worker, index))
    for key, runs in workers_of.items():
        assert len({w for w, _ in runs}) == 1, f"{key} split across workers"
        assert [i for _, i in runs] == sorted(i for _, i in runs), f"{key} out of order"


@pytest.mark.parametrize("order", [RUNNER_ORDER, COLLECTION_ORDER], ids=["runner", "pytest"])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_read_only_tests_see_exactly_the_serial_runs_writes_in_any_interleaving(order, workers):
    for seed in range(200):
        events, scheduler = simulate(order, workers, seed)
        _check_serial_equivalence(order, events)
        assert not scheduler.has_pending


def test_fuzzing_and_the_writers_run_side_by_side_in_pytest_order():
    events, _ = simulate(COLLECTION_ORDER, 2, seed=0, starts_first=True)
    worker = {i: w for what, w, i in events if what == "start"}
    fuzz = COLLECTION_ORDER.index("fuzzing/test_fuzzing.py::test_a")
    conc = COLLECTION_ORDER.index("concurrency/test_conc_bursts.py::test_a")
    assert worker[fuzz] != worker[conc]
    # both were running at the same moment
    running, overlapped = set(), False
    for what, _, index in events:
        running.add(index) if what == "start" else running.discard(index)
        overlapped |= {fuzz, conc} <= running
    assert overlapped


def test_units_are_dealt_to_the_workers_in_turn():
    events, _ = simulate(["test_x.py::a", "test_x.py::b"], 2, seed=0, starts_first=True)
    assert {w for what, w, _ in events if what == "start"} == {"gw0", "gw1"}


def test_a_worker_ending_its_last_test_gets_a_bridge_not_a_runnable_test():
    order = ["provisioning/test_p.py::a", "read_only/test_r.py::b", "read_only/test_r.py::c"]
    scheduler = SerialEquivalentScheduling(_Config(1))
    node = FakeWorker("gw0")
    scheduler.add_node(node)
    scheduler.add_node_collection(node, order)
    scheduler.schedule()
    assert list(node.torun) == [0, 1] and not node.stop  # the bridge lets test 0 run, and waits
    node.torun.popleft()
    assert not node.can_start()  # the bridge alone: it must not run before test 0 ends
    scheduler.mark_test_complete(node, 0)
    assert list(node.torun) == [1, 2]


# -- the plugin under real pytest-xdist ----------------------------------------------------------
FAKE_TEST = """
import os

def _log(event, name):
    with open(os.environ["SCHEDULE_LOG"], "a") as fh:
        fh.write(f"{event} {os.environ.get('PYTEST_XDIST_WORKER')} {name}\\n")

def _test(name, steps):
    _log("start", name)
    for _ in range(steps):  # work long enough for the other worker to start something
        sum(range(200_000))
    _log("end", name)
"""


def _suite(root):
    tests = {
        "fuzzing/test_fz.py": [("fz_a", 60), ("fz_b", 1)],
        "provisioning/test_pv.py": [("pv_a", 20), ("pv_b", 20)],
        "read_only/test_ro.py": [("ro_a", 1), ("ro_b", 1), ("ro_c", 1)],
    }
    for path, cases in tests.items():
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        body = FAKE_TEST + "".join(
            f"\ndef test_{name}():\n    _test({name!r}, {steps})\n" for name, steps in cases
        )
        file.write_text(textwrap.dedent(body))


def test_under_xdist_the_plugin_runs_read_only_after_every_write_and_writers_side_by_side(
    tmp_path,
):
    _suite(tmp_path)
    log = tmp_path / "events.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRIP_", "PYTEST_"))}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", SCHEDULE_LOG=str(log))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "xdist",
        "-p",
        "scrip_conformance.pytest_plugin",
        "-n",
        "2",
        "-q",
        "--rootdir",
        str(tmp_path),
        "--base-url",
        "http://127.0.0.1:9",
        "--api-key",
        "k",
        "--profile",
        "provisioning",
        "--profile",
        "read-only",
        "--profile",
        "fuzzing",
        str(tmp_path),
    ]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    events = [line.split() for line in log.read_text().splitlines()]
    first_read = next(i for i, (_, _, name) in enumerate(events) if name.startswith("ro_"))
    writes_done = {name for what, _, name in events[:first_read] if what == "end"}
    assert writes_done == {"fz_a", "fz_b", "pv_a", "pv_b"}
    assert [name for _, _, name in events[first_read:]] == [
        "ro_a",
        "ro_a",
        "ro_b",
        "ro_b",
        "ro_c",
        "ro_c",
    ]
    worker = {name: w for what, w, name in events if what == "start"}
    assert worker["fz_a"] != worker["pv_a"]  # fuzzing and the writers used both workers
