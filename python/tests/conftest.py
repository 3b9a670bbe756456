"""Shared fixtures: the kit on sys.path, the repository's peer scripts, the
reference peer (``shm-harness``) when there is one, and segments that are
removed whatever a test does.

The reference is ``$SHM_HARNESS``, else the repository's
``target/{release,debug}/shm-harness``; tests that compare with it are
skipped without it (``SHM_HARNESS_REQUIRE=1`` fails them instead).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from collections.abc import Iterator

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

import shm_peer_kit as kit  # noqa: E402

PEER = ROOT / "fixtures" / "python" / "peer.py"
SHAREDARRAY_PEER = ROOT / "fixtures" / "python" / "sharedarray_peer.py"
SHM_NDARRAY_PEER = ROOT / "fixtures" / "python" / "shm_ndarray_peer.py"
POSIX_IPC_PEER = ROOT / "examples" / "posix_ipc_peer" / "peer.py"
POSIX = os.name == "posix"

_names = itertools.count()


def _reference() -> str | None:
    candidates = [os.environ.get("SHM_HARNESS", "")]
    candidates += [str(ROOT / "target" / kind / "shm-harness") for kind in ("release", "debug")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


REFERENCE = _reference()


@pytest.fixture
def reference() -> str:
    """The reference peer's path, or skip (fail under SHM_HARNESS_REQUIRE=1)."""
    if REFERENCE is None:
        if os.environ.get("SHM_HARNESS_REQUIRE") == "1":
            pytest.fail("no shm-harness: set SHM_HARNESS")
        pytest.skip("no shm-harness (set SHM_HARNESS to compare with the reference)")
    return REFERENCE


def segment_exists(name: str) -> bool:
    try:
        kit.segment_size(name)
    except FileNotFoundError:
        return False
    return True


@pytest.fixture
def names() -> Iterator[callable]:
    """Makes fresh segment names; every segment of such a name still there
    at the end of the test is unlinked, pass or fail."""
    made: list[str] = []

    def new(prefix: str = "kt") -> str:
        name = f"{prefix}{os.getpid()}_{next(_names)}"
        made.append(name)
        return name

    yield new
    for name in made:
        try:
            kit.unlink_segment(name)
        except (FileNotFoundError, kit.SegmentError):
            pass


def run_script(script: Path, *args: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs a peer script with this interpreter; text in and out."""
    return subprocess.run(
        [sys.executable, str(script), *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_failed(result: subprocess.CompletedProcess, code: int) -> None:
    """Exit ``code``, nothing on stdout, exactly one ``error: `` line on stderr."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


def keep(script: Path, name: str, shape: str = "3", dtype: str = "float64", *extra: str) -> str:
    """``create --keep`` with a peer script; returns the descriptor line
    (without its newline)."""
    result = run_script(script, "create", "--shape", shape, "--dtype", dtype, "--name", name, "--keep", *extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    json.loads(result.stdout)
    return result.stdout[:-1]
