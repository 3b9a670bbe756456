"""The queue's two ends as a command line, the same as ``shm-harness queue``
and the Python twin's (``fixtures/python/shm_queue.py``), so that any end
of a pipeline can be any of the three::

    python -m shm_ndarray.queue send --shape 3,4 --dtype float32 --count N [--hold | --pool SLOTS]
    python -m shm_ndarray.queue recv [--hold | --take K | --stall-after K]

``send`` makes N arrays, array ``i`` filled with ``i`` (as numpy's
``astype`` casts an int64), and writes one message per array to stdout:
moved, or with ``--pool SLOTS`` lent from a pool of that many slots, stdin
then being the back channel its receiver's releases come back on.
``--hold`` waits for stdin to close after the end message.

``recv`` reads the stream on stdin and prints ``INDEX SUM`` per array, the
sum as Python prints ``float(a.sum(dtype=float64))`` (``complex(...)`` for
complex dtypes), and frees it (writes a lent array's release to stdout,
among its lines); ``--hold`` keeps every array until stdin closes,
``--take K`` closes the queue after K arrays (the rest are freed),
``--stall-after K`` waits to be killed after K.

Exit codes: 0; 2 wrong input (usage, a message that is not one, a truncated
stream); 3 a failed segment operation. One ``error: ...`` line on failure.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import BinaryIO

import numpy as np

from . import _arrays, _shm_ndarray
from ._errors import ShmError, TruncatedError
from ._shm_ndarray import LentArray, Pool, Receiver, Sender, SharedArray, read_release


def value_for(dtype: np.dtype, i: int, shape: tuple[int, ...]) -> np.ndarray:
    """Array ``i`` of a stream: ``i`` cast as numpy casts an int64."""
    with np.errstate(all="ignore"):
        return np.full(shape, i, dtype=np.int64).astype(dtype)


def sum_text(array: np.ndarray) -> str:
    """The ``SUM`` of a ``recv`` line: the sum as Python prints it."""
    if array.dtype.kind == "c":
        return repr(complex(array.sum(dtype=np.complex128)))
    return repr(float(array.sum(dtype=np.float64)))


def _wait_for_eof(stream: BinaryIO) -> None:
    while stream.read(65536):
        pass


def send(shape: tuple[int, ...], dtype: np.dtype, count: int, hold: bool, out: BinaryIO, inp: BinaryIO) -> None:
    """``send``: ``count`` arrays moved on ``out``."""
    with Sender(out) as tx:
        for i in range(count):
            a = _arrays.create(shape, dtype)
            a.array[...] = value_for(dtype, i, shape)
            tx.send(a)
            a.close()
        tx.finish()
        if hold:
            _wait_for_eof(inp)


def send_pooled(shape: tuple[int, ...], dtype: np.dtype, count: int, slots: int, out: BinaryIO, back: BinaryIO) -> None:
    """``send --pool SLOTS``: ``count`` arrays lent from a pool on ``out``,
    the releases coming back on ``back``; the pool is unlinked at the end."""
    nbytes = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    with Pool(slots, max(nbytes, 1)) as pool:
        tx = Sender(out)
        for i in range(count):
            while (loan := pool.lend(shape, dtype.str)) is None:
                released = read_release(back)
                if released is None:
                    raise _truncated(i)
                pool.reclaim(released)
            loan.array[...] = value_for(dtype, i, shape)
            tx.lend(pool, loan)
        tx.finish()
        while (released := read_release(back)) is not None:
            pool.reclaim(released)


def _truncated(received: int) -> TruncatedError:
    from ._errors import _from_library

    error = _from_library("Truncated", f"queue stream truncated after {received} arrays: no end message")
    assert isinstance(error, TruncatedError)
    return error


def recv(hold: bool, take: int | None, stall_after: int | None, inp: BinaryIO, out: BinaryIO) -> None:
    """``recv``: the stream on ``inp``, an ``INDEX SUM`` line per array on
    ``out``, and there too each lent array's release."""
    rx = Receiver(inp, back=out)
    held: list[SharedArray | LentArray] = []
    index = 0
    try:
        while take is None or index < take:
            if stall_after == index:
                while True:  # wait to be killed, the rest unread
                    time.sleep(3600)
            item = rx.get()
            if item is None:
                break
            text = sum_text(item.array)
            if isinstance(item, LentArray):
                item.check()  # the slot was still this array's as it was read
            out.write(f"{index} {text}\n".encode())
            out.flush()
            if hold:
                held.append(item)
            else:
                _free(item)
            index += 1
        if take is not None:
            rx.close()
        elif hold:
            _wait_for_eof(inp)
    finally:
        for item in held:
            _free(item)


def _free(item: SharedArray | LentArray) -> None:
    if isinstance(item, LentArray):
        item.release()
    else:
        item.unlink()
        item.close()


def _natural(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if n < least:
            raise argparse.ArgumentTypeError(f"{n} is less than {least}")
        return n

    return parse


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns its exit code."""
    p = argparse.ArgumentParser(prog="python -m shm_ndarray.queue", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("send", help="make COUNT arrays, array i filled with i, and send them on stdout")
    s.add_argument("--shape", required=True, help="shape of each array: 3,4 (empty for 0-d)")
    s.add_argument("--dtype", default="float64", help="numpy dtype of each array (default float64)")
    s.add_argument("--count", type=_natural(0), required=True, help="how many arrays")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--hold", action="store_true", help="after the end message, wait until stdin closes")
    g.add_argument(
        "--pool", type=_natural(1), metavar="SLOTS", help="lend from a pool of SLOTS slots; stdin is the back channel"
    )
    r = sub.add_parser("recv", help="receive arrays on stdin, print INDEX SUM for each and free it")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--hold", action="store_true", help="keep every array until stdin closes")
    g.add_argument("--take", type=_natural(0), metavar="K", help="close the queue after K arrays")
    g.add_argument("--stall-after", type=_natural(0), metavar="K", help="stop after K arrays and wait to be killed")
    args = p.parse_args(argv)
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    try:
        if args.command == "send":
            # Read as shm-harness reads them: the same words, the same errors.
            shape = tuple(_shm_ndarray._parse_shape(args.shape))
            dtype = np.dtype(_shm_ndarray._parse_dtype(args.dtype))
            if args.pool is not None:
                send_pooled(shape, dtype, args.count, args.pool, out, inp)
            else:
                send(shape, dtype, args.count, args.hold, out, inp)
        else:
            recv(args.hold, args.take, args.stall_after, inp, out)
    except ShmError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
