"""Holding a created segment: SIGTERM, SIGINT and SIGHUP blocked from
before the segment exists until the wait, then a wait for whichever comes
first, one of them or end of stdin (section 5.2). Stdlib only.

Why blocked and not handled: a handler is installed by one thread, but a
signal sent to the process goes to any thread that does not block it, and
importing numpy (OpenBLAS) or a library can start threads. A thread started
after :func:`block_release_signals` inherits the mask, so no thread can take
the default action (death, leaving the segment behind); the holder then
takes them with ``sigwait``. ``import shm_peer_kit`` blocks them already
when the command line is a ``create``, so a peer script that imports the kit
first is safe whatever it imports next.

One trap: CPython's ``multiprocessing.resource_tracker`` *unblocks* SIGINT
and SIGTERM in the calling thread when it starts its process (bpo-33613),
which ``SharedMemory(create=True)`` does on first use. Call
:func:`start_resource_tracker` before creating (the kit also blocks again
after the library's ``create`` returns).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

#: The signals that release a held segment, where the OS has them.
RELEASE_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n)
)
#: Whether this OS can block signals and wait for them (POSIX).
CAN_BLOCK = hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")


def block_release_signals() -> None:
    """Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in
    every thread it starts from now on). Idempotent; a no-op where the OS
    cannot block signals (Windows)."""
    if CAN_BLOCK:
        signal.pthread_sigmask(signal.SIG_BLOCK, RELEASE_SIGNALS)


def unblock_release_signals() -> None:
    """Undoes :func:`block_release_signals` in the calling thread."""
    if CAN_BLOCK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, RELEASE_SIGNALS)


def release_signals_blocked() -> bool:
    """Whether all three are blocked in the calling thread."""
    if not CAN_BLOCK:
        return False
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return all(s in mask for s in RELEASE_SIGNALS)


def start_resource_tracker() -> None:
    """Starts CPython's resource tracker now, then blocks the release
    signals again: starting it unblocks SIGINT and SIGTERM in the caller.
    Call it before a library creates a segment through
    ``multiprocessing.shared_memory`` (which registers with the tracker).
    A no-op on Windows."""
    if os.name == "nt":
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    block_release_signals()


def _read_to_eof(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass  # a closed or unreadable stdin ends the hold as end of file does


def wait_for_release(stdin_fd: int = 0) -> str:
    """Waits until ``stdin_fd`` reaches end of file or SIGTERM, SIGINT or
    SIGHUP arrives; returns what released (``"eof"`` or the signal's name).
    Input is read and ignored. The signals must already be blocked (by
    :func:`block_release_signals`); they stay blocked, so the caller can
    unlink and exit 0 in peace."""
    if not CAN_BLOCK:
        return _wait_with_handlers(stdin_fd)
    block_release_signals()
    # Some kernels (BSD, macOS) discard an ignored signal even while it is
    # blocked; a background job's SIGINT starts ignored. The default action
    # cannot happen while the signals are blocked.
    if threading.current_thread() is threading.main_thread():
        for s in RELEASE_SIGNALS:
            if signal.getsignal(s) == signal.SIG_IGN:
                signal.signal(s, signal.SIG_DFL)
    main = threading.get_ident()
    eof = threading.Event()

    def reader() -> None:
        _read_to_eof(stdin_fd)
        eof.set()
        # Wakes the waiting thread; a release signal is what it waits for.
        signal.pthread_kill(main, signal.SIGHUP)

    threading.Thread(target=reader, name="shm-peer-kit-stdin", daemon=True).start()
    received = signal.sigwait(RELEASE_SIGNALS)
    if eof.is_set() and received == signal.SIGHUP:
        return "eof"
    return signal.Signals(received).name


class _Released(Exception):
    pass


def _wait_with_handlers(stdin_fd: int) -> str:  # pragma: no cover - Windows
    """Where signals cannot be blocked: handlers that end the wait."""
    received: list[str] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)
        raise _Released()

    names = [n for n in ("SIGTERM", "SIGINT", "SIGBREAK") if hasattr(signal, n)]
    previous = {n: signal.signal(getattr(signal, n), handler) for n in names}
    try:
        _read_to_eof(stdin_fd)
    except _Released:
        pass
    finally:
        for n in names:
            signal.signal(getattr(signal, n), signal.SIG_IGN)
        del previous
    return received[0] if received else "eof"


def block_if_creating(argv: list[str] | None = None) -> bool:
    """Blocks the release signals if ``argv`` (default ``sys.argv[1:]``)
    holds the word ``create``; the kit calls it when imported, so that a
    peer script importing the kit first has them blocked before numpy or
    its library can start a thread. Returns whether it blocked."""
    words = sys.argv[1:] if argv is None else argv
    if "create" in words:
        block_release_signals()
        return True
    return False
