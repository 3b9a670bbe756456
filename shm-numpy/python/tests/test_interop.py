"""The queue's three ends, each against each, both ways: the Rust end
(``shm-harness queue``), the Python twin (``fixtures/python/shm_queue.py``)
and this package (``python -m shm_ndarray.queue``), moving arrays and
lending them from a pool. A receiver prints ``INDEX SUM`` per array; every
pair must print the same lines, exit 0, say nothing on stderr and leave
nothing behind."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import TWIN, harness

from shm_ndarray.queue import sum_text, value_for

ENDS = ["rust", "twin", "package"]


def command(end: str, *words: str) -> list[str]:
    if end == "rust":
        path = harness()
        if path is None:
            pytest.skip("shm-harness not built (set SHM_HARNESS)")
        return [path, "queue", *words]
    if end == "twin":
        if not TWIN.is_file():
            pytest.skip(f"the Python twin is not at {TWIN}")
        return [sys.executable, str(TWIN), *words]
    return [sys.executable, "-m", "shm_ndarray.queue", *words]


def expected(count: int, shape: tuple[int, ...], dtype: str) -> list[str]:
    return [f"{i} {sum_text(value_for(np.dtype(dtype), i, shape))}" for i in range(count)]


def run_pair(sender: list[str], receiver: list[str], pool: bool, timeout: float = 60):
    """Runs ``sender | receiver``; for a pool, carries every release the
    receiver prints back to the sender's stdin. Returns (the receiver's
    other lines, sender's exit and stderr, receiver's exit and stderr)."""
    tx = subprocess.Popen(sender, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rx = subprocess.Popen(receiver, stdin=tx.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tx.stdout.close()  # the receiver holds the stream now
    if not pool:
        tx.stdin.close()
    lines: list[str] = []

    def relay():
        for line in rx.stdout:
            if line.startswith(b"{"):
                assert pool, f"a release from a receiver of moved arrays: {line!r}"
                try:
                    tx.stdin.write(line)
                    tx.stdin.flush()
                except BrokenPipeError:
                    pass
            else:
                lines.append(line.decode().rstrip("\n"))
        if pool:
            try:
                tx.stdin.close()
            except BrokenPipeError:
                pass

    t = threading.Thread(target=relay)
    t.start()
    try:
        rx_code = rx.wait(timeout)
        t.join(timeout)
        tx_code = tx.wait(timeout)
    finally:
        for p in (tx, rx):
            if p.poll() is None:
                p.kill()
                p.wait()
    return lines, (tx_code, tx.stderr.read().decode()), (rx_code, rx.stderr.read().decode())


@pytest.mark.parametrize("mode", ["move", "pool"])
@pytest.mark.parametrize("receiver", ENDS)
@pytest.mark.parametrize("sender", ENDS)
def test_every_end_speaks_to_every_end(sender, receiver, mode):
    shape, dtype, count = (3, 4), "float32", 12
    send = ["send", "--shape", "3,4", "--dtype", dtype, "--count", str(count)]
    if mode == "pool":
        send += ["--pool", "3"]  # fewer slots than arrays: releases must come back
    lines, (tx_code, tx_err), (rx_code, rx_err) = run_pair(
        command(sender, *send), command(receiver, "recv"), pool=mode == "pool"
    )
    assert (tx_code, tx_err) == (0, ""), f"sender: {tx_err}"
    assert (rx_code, rx_err) == (0, ""), f"receiver: {rx_err}"
    assert lines == expected(count, shape, dtype)


DTYPES = [("bool", "2,2"), ("uint8", "3"), (">i2", "5"), ("<f2", "2,3"), ("complex128", "4"), ("int64", "")]


@pytest.mark.parametrize(("dtype", "shape"), DTYPES)
@pytest.mark.parametrize("way", ["package-to-rust", "rust-to-package"])
def test_every_dtype_both_ways_with_the_rust_end(dtype, shape, way):
    sender, receiver = way.split("-to-")
    count = 260 if dtype == "uint8" else 5  # uint8 values wrap past 255
    send = ["send", "--shape", shape, "--dtype", dtype, "--count", str(count)]
    lines, (tx_code, tx_err), (rx_code, rx_err) = run_pair(
        command(sender, *send), command(receiver, "recv"), pool=False
    )
    assert (tx_code, rx_code) == (0, 0), tx_err + rx_err
    dims = tuple(int(d) for d in shape.split(",") if d)
    assert lines == expected(count, dims, dtype)


@pytest.mark.parametrize("mode", ["move", "pool"])
@pytest.mark.parametrize("sender", ENDS)
def test_a_package_receiver_taking_fewer_frees_or_gives_back_the_rest(sender, mode):
    send = ["send", "--shape", "8", "--count", "6"] + (["--pool", "2"] if mode == "pool" else [])
    lines, (tx_code, tx_err), (rx_code, rx_err) = run_pair(
        command(sender, *send), command("package", "recv", "--take", "2"), pool=mode == "pool"
    )
    assert (tx_code, tx_err, rx_code, rx_err) == (0, "", 0, "")
    assert lines == expected(2, (8,), "float64")


@pytest.mark.parametrize("receiver", ["rust", "twin"])
def test_a_package_sender_to_a_receiver_that_takes_fewer_from_a_pool(receiver):
    send = ["send", "--shape", "8", "--count", "6", "--pool", "2"]
    lines, (tx_code, tx_err), (rx_code, rx_err) = run_pair(
        command("package", *send), command(receiver, "recv", "--take", "3"), pool=True
    )
    assert (tx_code, tx_err, rx_code, rx_err) == (0, "", 0, "")
    assert lines == expected(3, (8,), "float64")


def test_hold_on_both_sides():
    tx = subprocess.Popen(
        command("package", "send", "--shape", "2", "--count", "3", "--hold"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    rx = subprocess.Popen(
        command("rust", "recv", "--hold"), stdin=tx.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    tx.stdout.close()
    first = [rx.stdout.readline().decode().strip() for _ in range(3)]
    assert first == expected(3, (2,), "float64")
    assert tx.poll() is None, "the sender holds until its stdin closes"
    tx.stdin.close()
    assert tx.wait(30) == 0 and rx.wait(30) == 0


@pytest.mark.parametrize(
    ("stream", "code", "message"),
    [
        (b"garbage\n", 2, "error: invalid queue message: not JSON"),
        (b"", 2, "error: queue stream truncated after 0 arrays: no end message"),
        (
            b'{"type": "open", "version": 1, "stream": "s"}\n'
            b'{"type": "array", "seq": 0, "transfer": "move", '
            b'"descriptor": {"name": "shm-ndarray-test-none", "shape": [1], "dtype": "<f8"}}\n',
            3,
            "error: segment 'shm-ndarray-test-none' not found",
        ),
        (b'{"type": "open", "version": 2, "stream": "s"}\n', 2, "error: invalid queue message"),
    ],
)
def test_receivers_fail_alike_with_one_error_line(stream, code, message):
    for end in ("package", "rust"):
        out = subprocess.run(command(end, "recv"), input=stream, capture_output=True, timeout=30)
        err = out.stderr.decode().splitlines()
        assert out.returncode == code, (end, err)
        assert len(err) == 1 and err[0].startswith(message), (end, err)


@pytest.mark.parametrize(
    "words",
    [
        ["--shape", "x", "--count", "1"],
        ["--shape", "2", "--dtype", "U3", "--count", "1"],
        ["--shape", "2", "--dtype", "object", "--count", "1"],
    ],
)
def test_senders_refuse_bad_words_alike_before_writing_anything(words):
    outs = {
        end: subprocess.run(command(end, "send", *words), capture_output=True, timeout=30)
        for end in ("package", "rust")
    }
    assert {o.returncode for o in outs.values()} == {2}
    assert {o.stdout for o in outs.values()} == {b""}
    assert outs["package"].stderr == outs["rust"].stderr


def test_the_stream_a_package_sender_writes_is_the_wire():
    out = subprocess.run(
        command("package", "send", "--shape", "2,2", "--dtype", "int16", "--count", "2"),
        capture_output=True,
        timeout=30,
    )
    messages = [json.loads(line) for line in out.stdout.splitlines()]
    assert [m["type"] for m in messages] == ["open", "array", "array", "end"]
    assert messages[0]["version"] == 1 and messages[-1]["count"] == 2
    d = messages[1]["descriptor"]
    assert list(d) == ["name", "shape", "dtype", "order", "offset", "nbytes", "segment_size"]
    assert (d["shape"], d["dtype"], messages[1]["transfer"]) == ([2, 2], "<i2", "move")
    # in transit, nobody received them: free them as a receiver would
    rx = subprocess.run(command("rust", "recv"), input=out.stdout, capture_output=True, timeout=30)
    assert rx.returncode == 0
