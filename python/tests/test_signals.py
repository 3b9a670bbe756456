"""create's hold and release (section 5.2) with real processes: each of
SIGTERM, SIGINT and SIGHUP, end of stdin, ``--keep``, a closed stdout, and
numpy's threads started before the signals arrive. Every peer script whose
library is installed is held to it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PEER, POSIX_IPC_PEER, SHAREDARRAY_PEER, assert_failed, segment_exists

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and named segments are POSIX")


def _importable(module: str) -> bool:
    code = f"import {module}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


PEERS = [
    pytest.param([str(PEER)], id="python"),
    pytest.param(
        [str(PEER), "--codec", "wetlands"],
        id="wetlands",
        marks=pytest.mark.skipif(not _importable("wetlands._internal.value_codec"), reason="no wetlands"),
    ),
    pytest.param(
        [str(SHAREDARRAY_PEER)],
        id="sharedarray",
        marks=pytest.mark.skipif(not _importable("SharedArray"), reason="no SharedArray"),
    ),
    pytest.param(
        [str(POSIX_IPC_PEER)],
        id="posix_ipc",
        marks=pytest.mark.skipif(not _importable("posix_ipc"), reason="no posix_ipc"),
    ),
]


def _name_of(line: str) -> str:
    d = json.loads(line)
    return d["__wetlands_codec__"]["name"] if "__wetlands_codec__" in d else d["name"]


class Holder:
    """A held ``create``: its process, descriptor line and segment name."""

    def __init__(self, argv: list[str], *args: str, env: dict | None = None, **popen) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *argv, "create", "--shape", "4,4", "--dtype", "float32", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            **popen,
        )
        self.line = self.process.stdout.readline()
        assert self.line.endswith("\n"), self.process.stderr.read()
        self.name = _name_of(self.line)

    def end(self, timeout: float = 20) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return code, self.process.stderr.read()

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()
        if segment_exists(self.name):
            subprocess.run([sys.executable, str(PEER), "unlink", self.name], capture_output=True)


@pytest.fixture
def hold():
    made: list[Holder] = []

    def start(argv: list[str], *args: str, **kw) -> Holder:
        h = Holder(argv, *args, **kw)
        made.append(h)
        return h

    yield start
    for h in made:
        h.cleanup()


def _gone(name: str, within: float = 5) -> bool:
    deadline = time.monotonic() + within
    while segment_exists(name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("argv", PEERS)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_release_signal_unlinks_and_exits_0(hold, argv: list[str], signum: signal.Signals) -> None:
    h = hold(argv)
    assert segment_exists(h.name)
    h.process.send_signal(signum)
    code, err = h.end()
    assert code == 0, err
    assert _gone(h.name)
    assert h.process.stdout.read() == ""


@pytest.mark.parametrize("argv", PEERS)
def test_end_of_stdin_unlinks_and_exits_0(hold, argv: list[str]) -> None:
    h = hold(argv)
    h.process.stdin.write("anything at all\n")
    h.process.stdin.flush()
    time.sleep(0.2)
    assert h.process.poll() is None and segment_exists(h.name)
    h.process.stdin.close()
    assert h.end()[0] == 0
    assert _gone(h.name)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_signals_reach_the_holder_whatever_threads_numpy_started(hold, signum: signal.Signals) -> None:
    """The user's bug: OpenBLAS threads that did not block the signals took
    them and the process died (143, 129) or ignored SIGINT, leaving its
    segment. The kit blocks them before numpy is imported."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="4", OMP_NUM_THREADS="4")
    h = hold([str(PEER)], env=env)
    threads = Path(f"/proc/{h.process.pid}/task")
    if threads.exists():
        assert len(list(threads.iterdir())) >= 2, "no thread besides the main one: the test proves nothing"
    h.process.send_signal(signum)
    assert h.end()[0] == 0
    assert _gone(h.name)


def test_sigint_releases_even_when_it_started_ignored(hold) -> None:
    """A background job starts with SIGINT ignored."""

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    h = hold([str(PEER)], preexec_fn=ignore_sigint)
    h.process.send_signal(signal.SIGINT)
    assert h.end()[0] == 0
    assert _gone(h.name)


@pytest.mark.parametrize("argv", PEERS)
def test_keep_hands_over(argv: list[str], names) -> None:
    args = [] if "wetlands" in argv else ["--name", names()]
    result = subprocess.run(
        [sys.executable, *argv, "create", "--shape", "3", "--keep", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    name = _name_of(result.stdout)
    try:
        time.sleep(0.5)  # a resource tracker would have unlinked it by now
        assert segment_exists(name)
    finally:
        subprocess.run([sys.executable, str(PEER), "unlink", name], capture_output=True)


def test_stdin_closed_at_start_releases_at_once(names) -> None:
    name = names()
    result = subprocess.run(
        [sys.executable, str(PEER), "create", "--shape", "3", "--name", name],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["name"] == name
    assert not segment_exists(name)


@pytest.mark.parametrize("how", ["pipe closed", "fd closed"])
def test_a_creator_nobody_can_hear_unlinks_and_exits_3(names, how: str) -> None:
    name = names()
    argv = [sys.executable, str(PEER), "create", "--shape", "3", "--name", name]
    if how == "fd closed":
        result = subprocess.run(
            ["sh", "-c", 'exec "$@" >&-', "sh", *argv], stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        assert_failed(result, 3)
    else:
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.close()  # before the child can print
        _, err = process.communicate(timeout=60)
        assert process.returncode == 3
        assert err.decode().startswith("error: ") and err.count(b"\n") == 1
    assert not segment_exists(name)


@pytest.mark.skipif(not _importable("wetlands._internal.value_codec"), reason="no wetlands")
@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="lists /dev/shm")
def test_an_empty_wetlands_array_leaves_no_segment() -> None:
    """Wetlands' payload of an empty array names no segment: none is made,
    so ``--keep`` cannot leave one that nobody could find."""
    before = set(os.listdir("/dev/shm"))
    result = subprocess.run(
        [sys.executable, str(PEER), "--codec", "wetlands", "create", "--shape", "2,0", "--keep"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)["__wetlands_codec__"]
    assert payload["name"] is None and payload["segment_size"] == 0
    assert {n for n in set(os.listdir("/dev/shm")) - before if n.startswith(("wls_", "pypeer_"))} == set()


def test_starting_the_resource_tracker_leaves_the_signals_blocked() -> None:
    """Its start unblocks SIGINT and SIGTERM in the caller (bpo-33613);
    the kit's helper blocks them again before any segment exists."""
    from multiprocessing import resource_tracker

    from shm_peer_kit.signals import (
        block_release_signals,
        release_signals_blocked,
        start_resource_tracker,
        unblock_release_signals,
    )

    try:
        block_release_signals()
        start_resource_tracker()
        assert release_signals_blocked()
        assert resource_tracker._resource_tracker._fd is not None  # noqa: SLF001 - it is running
    finally:
        unblock_release_signals()
