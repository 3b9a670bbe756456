"""The documentation runs: the Python blocks of docs/PYTHON.md as programs,
and the package's docstring examples."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys

import pytest
from conftest import REPO

import shm_ndarray

PAGE = REPO / "docs" / "PYTHON.md"


def blocks() -> list[str]:
    if not PAGE.is_file():
        return []
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(blocks())))
def test_the_python_page_examples_run(index, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(blocks()[index])
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == ""


def test_the_page_has_a_runnable_example():
    assert blocks(), f"no Python example in {PAGE}"


def test_the_docstring_examples_hold():
    failures, tried = doctest.testmod(shm_ndarray)
    assert tried > 0 and failures == 0


def test_every_public_item_has_a_docstring():
    missing = [name for name in shm_ndarray.__all__ if not (getattr(shm_ndarray, name).__doc__ or "").strip()]
    for cls in (
        shm_ndarray.SharedArray,
        shm_ndarray.Sender,
        shm_ndarray.Receiver,
        shm_ndarray.LentArray,
        shm_ndarray.Pool,
        shm_ndarray.Loan,
        shm_ndarray.PoolRef,
        shm_ndarray.Queue,
        shm_ndarray.CleanVerdict,
    ):
        for attr, value in vars(cls).items():
            if not attr.startswith("_") and not (getattr(value, "__doc__", None) or "").strip():
                missing.append(f"{cls.__name__}.{attr}")
    assert not missing, missing
