"""The seeds, replayed: three programs that share numpy arrays between
processes, rewritten with shm_ndarray, run as the multi-process programs
they are, under each start method; each must behave as its seed describes
and leave no segment behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import START_METHODS, exists

SEEDS = Path(__file__).resolve().parent


def run(script: str, *args: str, timeout: float = 180) -> str:
    out = subprocess.run(
        [sys.executable, str(SEEDS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=SEEDS,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == "", out.stderr
    return out.stdout


@pytest.mark.parametrize("method", START_METHODS)
def test_seed_a_the_blog_child_writes_one_into_shm_1(method):
    if exists("shm-1"):
        pytest.skip("a segment named shm-1 exists already; the seed creates it")
    text = run("blog_shm1.py", method)
    expected = np.zeros((5, 5))
    expected[0, 0] = 1
    assert text == str(expected) + "\n"
    assert not exists("shm-1")


def test_seed_b_wetlands_arrays_cross_into_an_environment_and_back():
    text = run("wetlands_ndarray.py")
    lines = text.splitlines()
    assert lines[0].startswith("provided: ") and lines[0].endswith(" pixels segmented")
    assert lines[1] == lines[0].replace("provided", "returned")
    names = lines[2].removeprefix("segments: ").split()
    assert len(names) == 3 and not any(exists(n) for n in names)


@pytest.mark.parametrize("method", START_METHODS)
def test_seed_c_shared_numpy_queue_readme_and_timing(method):
    frames, side = ("10", "3000") if method == "spawn" else ("10", "1000")
    text = run("shared_numpy_queue.py", method, frames, side)
    lines = text.splitlines()
    assert lines[0] == "sums: " + str([15] * 10)
    assert lines[1] == "not shared" and lines[3] == "shared"
    assert lines[2].startswith("total time: ") and lines[4].startswith("total time: ")


def test_seed_b_interop_with_the_real_wetlands_codec():
    """Wetlands 2.6's own codec (``wetlands.numpy-shm`` v1) attaches what this
    package shares, and this package attaches what Wetlands shares."""
    codec = pytest.importorskip("wetlands._internal.value_codec")
    import shm_ndarray as sn

    with sn.from_array(np.arange(12, dtype="<f4").reshape(3, 4)) as a:
        attachments = []
        seen = codec.decode_value(a.to_wetlands(), copy_arrays=False, attachments=attachments)
        np.testing.assert_array_equal(seen, a.array)
        seen[0, 0] = 42.0  # Wetlands' view writes into our segment
        assert a.array[0, 0] == 42.0
        del seen
        codec.dispose_leases(attachments, unlink=False)

    payload, leases = codec.encode_value(np.arange(6, dtype=">i2"))
    try:
        b = sn.attach(payload)
        np.testing.assert_array_equal(b.array, np.arange(6))
        assert b.dtype == np.dtype(">i2") and not b.owner
        b.close()
    finally:
        codec.dispose_leases(leases, unlink=True)
    assert not exists(payload["__wetlands_codec__"]["name"])
