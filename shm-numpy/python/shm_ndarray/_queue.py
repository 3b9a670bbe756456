"""``Queue``: shared_numpy's ``snp.Queue`` pattern on the queue's wire.

One process puts arrays, another gets them; each array moves by name (its
descriptor in one JSON line on a pipe), never by copy, and the receiver
owns what it gets. Pass the queue to the other process as multiprocessing
passes anything (``Process(args=(q,))``, under every start method).
"""

from __future__ import annotations

import io
import multiprocessing
import os
from typing import Any

from ._shm_ndarray import LentArray, Receiver, Sender, SharedArray


class Queue:
    """A one-way queue of shared arrays between two processes, over a pipe.

    ``put(a)`` moves a SharedArray this process owns (no copy; ``a`` stays a
    view here and may be closed), and copies anything else into a new
    segment first. ``put(None)`` ends the stream. ``get()`` returns the next
    array, owned by the getting process (free it with ``unlink()``, a
    ``with`` block, or by letting it go), or None once the stream has ended.

    The wire is the library's (``open``, one ``array`` message per array,
    ``end``), so arrays in transit survive their sender: if the putting
    process dies, the getter still receives every array it put, and
    ``clean`` frees them once no process holds the pipe. One process puts
    and one gets: the stream is numbered, so a second putter's messages are
    refused as out of sequence.

    As with any pipe, each process closes the end it does not use: the first
    ``put()`` in a process closes its getting end, the first ``get()`` its
    putting end (so a getter sees the stream stop when the putter dies).
    Start the other process before, and pass the queue only then.
    """

    def __init__(self) -> None:
        self._reader, self._writer = multiprocessing.Pipe(duplex=False)
        self._tx: Sender | None = None
        self._rx: Receiver | None = None
        self._files: list[io.IOBase] = []
        self._pid = os.getpid()

    def __getstate__(self) -> dict[str, Any]:
        # The pipe's ends travel as multiprocessing passes them (duplicated
        # into the child); the ends opened in this process stay here.
        return {"reader": self._reader, "writer": self._writer}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._reader, self._writer = state["reader"], state["writer"]
        self._tx = self._rx = None
        self._files = []
        self._pid = os.getpid()

    def _fresh(self) -> None:
        # A forked child inherits the parent's opened ends; it opens its own.
        if self._pid != os.getpid():
            self._tx = self._rx = None
            self._files = []
            self._pid = os.getpid()

    def _sender(self) -> Sender:
        self._fresh()
        if self._tx is None:
            out = io.FileIO(self._writer.fileno(), "wb", closefd=False)
            self._files.append(out)
            self._tx = Sender(out)
            # This process puts: its copy of the getting end goes, as a
            # pipe's unused end does.
            self._reader.close()
        return self._tx

    def _receiver(self) -> Receiver:
        self._fresh()
        if self._rx is None:
            # This process gets: its copy of the putting end goes, so that
            # the stream ends (TruncatedError) when the putter dies without
            # ending it, instead of waiting for this process's own copy.
            self._writer.close()
            inp = open(self._reader.fileno(), "rb", closefd=False)  # noqa: SIM115 (closed by close())
            self._files.append(inp)
            self._rx = Receiver(inp)
        return self._rx

    def put(self, obj: Any) -> None:
        """Moves ``obj`` to the getter: a SharedArray this process owns
        without a copy, anything else (numpy arrays, attached arrays, lists)
        copied into a new segment. ``None`` ends the stream."""
        if obj is None:
            self._sender().finish()
        else:
            self._sender().put(obj)

    def get(self) -> SharedArray | LentArray | None:
        """The next array, owned by this process from now on, or None once
        the stream has ended. Waits for it. TruncatedError (an EOFError) if
        the putter's end of the pipe closed without ending the stream."""
        return self._receiver().get()

    def close(self) -> None:
        """Closes this process's end: a getter frees every array still on the
        stream (reading it to its end), a putter ends the stream if it has
        not. The pipe itself closes when both processes let go of it."""
        self._fresh()
        tx, rx, self._tx, self._rx = self._tx, self._rx, None, None
        if rx is not None:
            rx.close()
        if tx is not None:
            tx.close()
        for f in self._files:
            f.close()
        self._files = []
        self._reader.close()
        self._writer.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
