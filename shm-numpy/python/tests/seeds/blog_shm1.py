"""Seed (a), the DEV article "Python numpy array shared between processes":
the parent creates a (5, 5) float64 array of zeros in a segment named
``shm-1``; a child process attaches it by name and writes ``[0, 0] = 1``;
the parent sees the 1. Rewritten with shm_ndarray in place of
``multiprocessing.shared_memory`` + ``np.ndarray(buffer=shm.buf)``.

    python blog_shm1.py [fork|spawn|forkserver] [NAME]
"""

import multiprocessing
import sys

import numpy as np

import shm_ndarray as sn

SHARED_MEMORY_NAME = "shm-1"
SHARED_MEMORY_SHAPE = (5, 5)
NP_DATA_TYPE = np.float64


class ShmModifier(multiprocessing.Process):
    """The article's child: attaches in __init__ (in the parent, as the article
    does), writes in run() (in the child). Under spawn and forkserver the
    attached array travels to the child as its descriptor and is attached
    there by name."""

    def __init__(self, name: str) -> None:
        multiprocessing.Process.__init__(self)
        # The seeds' short descriptor: name, shape, dtype.
        self.out = sn.attach({"name": name, "shape": SHARED_MEMORY_SHAPE, "dtype": NP_DATA_TYPE})

    def run(self) -> None:
        # Overrides a numpy array (runs in a different process).
        self.out.array[0, 0] = 1
        self.out.close()


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "spawn"
    name = sys.argv[2] if len(sys.argv) > 2 else SHARED_MEMORY_NAME
    multiprocessing.set_start_method(method)
    shared = sn.create(SHARED_MEMORY_SHAPE, NP_DATA_TYPE, name=name, fill=0)
    modifier = ShmModifier(name)
    modifier.start()
    modifier.join()
    modifier.out.close()
    print(shared.array)
    assert modifier.exitcode == 0
    assert shared.array[0, 0] == 1 and shared.array.sum() == 1
    shared.close()
    shared.unlink()
