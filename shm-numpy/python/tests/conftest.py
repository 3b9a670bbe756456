"""Shared pieces of the package's tests. Run them against the installed
wheel, not the source tree::

    python -m pytest shm-numpy/python/tests

The run has a private lease ledger (``$SHM_NDARRAY_LEASES``, which every
process it starts inherits), so a segment any test makes through this
package, the Rust ends or the Python twin has a lease there. After each
test, every segment a lease made during it still names is removed and the
test fails: nothing a test makes outlives it, even when it fails, and
nothing else on the machine (/dev/shm is shared) is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parents[2]
TWIN = REPO / "fixtures" / "python" / "shm_queue.py"
LINUX = sys.platform.startswith("linux")

if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


def harness() -> str | None:
    """The ``shm-harness`` binary: ``$SHM_HARNESS``, else one built in the
    workspace's target directory, else on PATH."""
    env = os.environ.get("SHM_HARNESS")
    if env:
        return env
    for profile in ("release", "debug"):
        for root in (REPO, Path("/work/main")):
            path = root / "target" / profile / "shm-harness"
            if path.is_file():
                return str(path)
    return shutil.which("shm-harness")


def exists(name: str) -> bool:
    """Whether segment ``name`` exists (Linux: a file in /dev/shm)."""
    return os.path.exists(f"/dev/shm/{name}")


def lease_names(ledger: Path) -> set[str]:
    """The segments the ledger has a lease for."""
    return {p.stem for p in ledger.glob("*.json")}


def lease(ledger: Path, name: str) -> dict | None:
    """The lease of ``name``, or None."""
    try:
        return json.loads((ledger / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


def remove(name: str) -> bool:
    """Unlinks segment ``name`` if it exists (Linux)."""
    try:
        os.unlink(f"/dev/shm/{name}")
        return True
    except FileNotFoundError:
        return False


# One private ledger for the whole run, set before any process starts:
# multiprocessing's forkserver, started once, keeps the environment it
# started with, so a ledger per test would send its workers' leases to an
# earlier test's directory.
LEDGER = Path(tempfile.mkdtemp(prefix="shm-ndarray-tests-leases-"))
os.environ["SHM_NDARRAY_LEASES"] = str(LEDGER)


@pytest.fixture(autouse=True)
def ledger():
    """The run's private ledger, for the test and the processes it starts;
    yields its directory. Afterwards, whatever segment a lease made during
    the test still names is removed, and the test fails."""
    before = lease_names(LEDGER)
    yield LEDGER
    import gc

    gc.collect()
    left = sorted(n for n in lease_names(LEDGER) - before if exists(n))
    for name in left:
        remove(name)
        (LEDGER / f"{name}.json").unlink(missing_ok=True)
    assert not left, f"segments left behind (now removed): {left}"


@pytest.fixture
def own_ledger(tmp_path, monkeypatch):
    """A ledger of the test's own (for `clean`, which decides every lease of
    its ledger), for this process and what it starts with ``subprocess``."""
    d = tmp_path / "leases"
    d.mkdir(mode=0o700)
    monkeypatch.setenv("SHM_NDARRAY_LEASES", str(d))
    yield d
    left = sorted(n for n in lease_names(d) if exists(n))
    for name in left:
        remove(name)
    assert not left, f"segments left behind (now removed): {left}"


@pytest.fixture
def shm_harness():
    """The shm-harness binary, or the test is skipped."""
    path = harness()
    if path is None:
        pytest.skip("shm-harness not built (set SHM_HARNESS)")
    return path


START_METHODS = ["fork", "spawn", "forkserver"]


def pytest_sessionfinish(session, exitstatus):
    """The run's ledger goes with the run (a segment left is reported by its
    test, and removed)."""
    shutil.rmtree(LEDGER, ignore_errors=True)
