"""Targets of the tests' child processes, importable by name (as the spawn
and forkserver start methods need)."""

from __future__ import annotations

import os

import numpy as np

import shm_ndarray as sn


def write_corner(shared, value):
    """The seed's child: writes ``value`` at ``[0, 0]`` of a shared array it
    was given (by name, under spawn and forkserver)."""
    shared.array[0, 0] = value
    shared.close()


def total(shared):
    """The sum of a shared array, computed in a worker."""
    return float(np.asarray(shared).sum())


def scaled_copy(shared, factor):
    """A new array made in a worker, handed over to the caller: the worker
    disowns it, the caller adopts what it unpickles."""
    out = sn.from_array(np.asarray(shared) * factor)
    out.disown()
    return out


def drop_inherited(shared):
    """A forked child lets go of an array its parent owns."""
    shared.close()
    del shared
    import gc

    gc.collect()


def put_then_crash(q, count, crash):
    """A putter that dies (``os._exit``) after ``count`` arrays, without
    ending the stream, when ``crash``."""
    for i in range(count):
        a = sn.full((4,), i, "int64")
        q.put(a)
        a.close()
    if crash:
        os._exit(17)
    q.put(None)


def create_and_die(descriptor_path):
    """Creates an array and dies without freeing it (its lease names a dead
    process)."""
    a = sn.zeros((8,), "uint8")
    with open(descriptor_path, "w") as f:
        f.write(a.to_json())
    os._exit(0)
