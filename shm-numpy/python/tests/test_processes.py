"""Arrays passed between processes by name: multiprocessing under every
start method, concurrent.futures, hand-over of results, forked children,
and CPython's resource tracker left out of it."""

from __future__ import annotations

import gc
import multiprocessing
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor

import _targets
import numpy as np
import pytest
from conftest import START_METHODS, exists, lease

import shm_ndarray as sn


@pytest.mark.parametrize("method", START_METHODS)
def test_a_child_writes_and_the_parent_sees_it(method):
    ctx = multiprocessing.get_context(method)
    with sn.zeros((5, 5), "float64") as a:
        p = ctx.Process(target=_targets.write_corner, args=(a, 1.0))
        p.start()
        p.join(30)
        assert p.exitcode == 0
        assert a.array[0, 0] == 1.0 and a.array.sum() == 1.0
        assert a.owner, "the child never took it over"
    assert not exists(a.name)


@pytest.mark.parametrize("method", START_METHODS)
def test_a_process_pool_reads_by_name_and_hands_results_back(method, ledger):
    ctx = multiprocessing.get_context(method)
    with sn.from_array(np.arange(100.0)) as a, ProcessPoolExecutor(2, mp_context=ctx) as pool:
        assert list(pool.map(_targets.total, [a, a, a])) == [4950.0] * 3
        out = pool.submit(_targets.scaled_copy, a, 2.0).result()
        assert not out.owner and lease(ledger, out.name)["handed_over"], "in transit to us"
        out.adopt()
        assert out.owner and lease(ledger, out.name)["pid"] == multiprocessing.current_process().pid
        np.testing.assert_array_equal(out.array, np.arange(100.0) * 2)
        out.unlink()
        out.close()


def test_a_forked_child_dropping_an_inherited_owner_frees_nothing():
    ctx = multiprocessing.get_context("fork")
    a = sn.zeros(3)
    p = ctx.Process(target=_targets.drop_inherited, args=(a,))
    p.start()
    p.join(30)
    assert p.exitcode == 0
    assert exists(a.name) and a.owner, "the parent still owns it"
    a.unlink()
    a.close()


def test_an_owner_dropped_at_interpreter_exit_is_freed(tmp_path):
    script = tmp_path / "exit.py"
    script.write_text(
        textwrap.dedent(
            """
            import shm_ndarray as sn
            kept = sn.zeros(10)          # a module global, never closed
            print(kept.name, flush=True)
            """
        )
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert not exists(out.stdout.strip())


RESOURCE_TRACKER_PROBE = """
import multiprocessing, pickle, sys
from multiprocessing import resource_tracker
calls = []
for fname in ("register", "unregister", "ensure_running"):
    setattr(resource_tracker, fname, lambda *a, _f=fname, **k: calls.append((_f, a)))
import numpy as np
import shm_ndarray as sn
from _targets import write_corner

if __name__ == "__main__":
    method = sys.argv[1]
    multiprocessing.set_start_method(method)
    a = sn.from_array(np.zeros((2, 2)))
    b = pickle.loads(pickle.dumps(a))
    q = sn.Queue()
    p = multiprocessing.Process(target=write_corner, args=(b, 3.0))
    p.start(); p.join()
    assert a.array[0, 0] == 3.0
    b.close(); a.unlink(); a.close()
    ours = [c for c in calls if c[0] != "ensure_running" and "shared_memory" in c[1]]
    print(ours)
    sys.exit(1 if ours else 0)
"""


@pytest.mark.parametrize("method", START_METHODS)
def test_the_resource_tracker_is_never_told_of_a_segment(method, tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(RESOURCE_TRACKER_PROBE)
    env = dict(__import__("os").environ, PYTHONPATH=str(_targets.__file__.rsplit("/", 1)[0]))
    out = subprocess.run([sys.executable, str(script), method], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr


def test_views_survive_their_handle_in_a_child_too(tmp_path):
    with sn.from_array(np.arange(4.0)) as a:
        view = a.array
        a.close()
        gc.collect()
        assert view.sum() == 6.0
        del view
