"""Seed (c), shared_numpy (github.com/dillonalaird/shared_numpy): its README
example (ten ``snp.array([1, 2, 3, 4, 5])`` put on an ``snp.Queue`` by a
child, each closed by the putter and closed and unlinked by the getter)
and ``examples/timing_comparison.py`` (ten (3000, 3000) float32 frames,
``frame[0, 0] = i``, through an ordinary multiprocessing queue and through
the shared one). Rewritten with shm_ndarray in place of shared_numpy.

    python shared_numpy_queue.py [fork|spawn|forkserver] [FRAMES] [SIDE]
"""

import multiprocessing as mp
import sys
import time

import numpy as np

import shm_ndarray as snp


def f(q):
    for i in range(10):  # noqa: B007 (the seed's own loop)
        a = snp.array([1, 2, 3, 4, 5])
        q.put(a)
        a.close()
    q.put(None)


def f_mp(q, frames, side):
    for i in range(frames):
        frame = np.ndarray((side, side), dtype=np.float32)
        frame[0, 0] = i
        q.put(frame)
    q.put(None)


def f_snp(q, frames, side):
    for i in range(frames):
        frame = snp.ndarray((side, side), dtype=np.float32)
        frame[0, 0] = i
        q.put(frame)
        frame.close()
    q.put(None)


def run(q, f, frames, side):
    p = mp.Process(target=f, args=(q, frames, side))
    p.start()
    out = True
    seen = []
    start = time.time()
    while out is not None:
        out = q.get()
        if out is not None:
            seen.append(float(out[0, 0]))
            if f.__name__ == "f_snp":
                out.close()
                out.unlink()
    p.join()
    end = time.time()
    print(f"total time: {end - start}")
    return seen


if __name__ == "__main__":
    mp.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    side = int(sys.argv[3]) if len(sys.argv) > 3 else 3000

    # The README.
    q = snp.Queue()
    p = mp.Process(target=f, args=(q,))
    p.start()
    sums = []
    while True:
        out = q.get()
        if out is None:
            break
        sums.append(int(out.array.sum()))
        out.close()
        out.unlink()
    p.join()
    print("sums:", sums)
    assert sums == [15] * 10 and p.exitcode == 0

    # The timing comparison.
    print("not shared")
    seen_mp = run(mp.Queue(), f_mp, frames, side)
    print("shared")
    seen_snp = run(snp.Queue(), f_snp, frames, side)
    assert seen_mp == seen_snp == [float(i) for i in range(frames)], (seen_mp, seen_snp)
