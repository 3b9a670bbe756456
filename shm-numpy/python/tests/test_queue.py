"""The queue and the pool in one process and between two: arrays move by
name, the receiver owns what it gets, lent slots come back, and nothing is
lost, leaked or freed under a user when an end dies."""

from __future__ import annotations

import gc
import io
import json
import multiprocessing
import os
import threading

import _targets
import numpy as np
import pytest
from conftest import START_METHODS, exists, lease

import shm_ndarray as sn


def test_arrays_move_on_a_stream_and_the_receiver_owns_them(ledger):
    wire = io.BytesIO()
    tx = sn.Sender(wire)
    names = []
    for i in range(3):
        a = sn.full((2, 3), i, "float32")
        names.append(a.name)
        tx.send(a)
        assert not a.owner and lease(ledger, a.name)["handed_over"]
        assert lease(ledger, a.name)["stream"]["id"] == tx.stream
        a.close()
    tx.put(np.arange(4))  # a copy, moved
    tx.finish()
    assert tx.sent == 4
    lines = [json.loads(x) for x in wire.getvalue().splitlines()]
    assert [m["type"] for m in lines] == ["open", "array", "array", "array", "array", "end"]
    assert lines[1]["descriptor"]["name"] == names[0] and lines[1]["transfer"] == "move"

    rx = sn.Receiver(io.BytesIO(wire.getvalue()))
    assert rx.stream == tx.stream
    got = list(rx)
    assert [g.sum() for g in got] == [0.0, 6.0, 12.0, 6]
    for g in got:
        assert g.owner and lease(ledger, g.name)["pid"] == os.getpid()
        assert not lease(ledger, g.name)["handed_over"]
    del got, g
    gc.collect()
    assert not any(exists(n) for n in names), "the receiver's arrays freed when let go"


def test_only_an_owned_array_is_sent_and_put_copies_the_rest():
    wire = io.BytesIO()
    tx = sn.Sender(wire)
    with sn.zeros(2) as a:
        b = sn.attach(a)
        with pytest.raises(sn.InvalidArgumentError, match="owns"):
            tx.send(b)
        tx.put(b)  # copied into a segment of its own, which moves
        b.close()
    tx.finish()
    rx = sn.Receiver(io.BytesIO(wire.getvalue()))
    moved = rx.get()
    assert moved.name != a.name and moved.owner
    moved.unlink()
    moved.close()


def test_a_stream_cut_short_is_truncated_and_keeps_what_arrived():
    wire = io.BytesIO()
    tx = sn.Sender(wire)
    a = sn.zeros(2)
    tx.send(a)
    a.close()
    rx = sn.Receiver(io.BytesIO(wire.getvalue()))  # no end message
    first = rx.get()
    with pytest.raises(sn.TruncatedError) as e:
        rx.get()
    assert isinstance(e.value, EOFError) and e.value.exit_code == 2
    first.unlink()
    first.close()


def test_bad_lines_are_typed_and_reading_goes_on():
    wire = io.BytesIO()
    tx = sn.Sender(wire)
    a = sn.zeros(1)
    tx.send(a)
    a.close()
    tx.finish()
    lines = wire.getvalue().splitlines(keepends=True)
    bad = lines[:1] + [b"not json\n"] + lines[1:]
    rx = sn.Receiver(io.BytesIO(b"".join(bad)))
    with pytest.raises(sn.InvalidMessageError):
        rx.get()
    b = rx.get()
    assert b.name == a.name and rx.get() is None
    b.unlink()
    b.close()


def test_closing_a_receiver_frees_every_array_still_on_the_stream():
    wire = io.BytesIO()
    tx = sn.Sender(wire)
    names = []
    for _ in range(4):
        a = sn.zeros(8)
        names.append(a.name)
        tx.send(a)
        a.close()
    tx.finish()
    rx = sn.Receiver(io.BytesIO(wire.getvalue()))
    first = rx.get()
    assert rx.close() == 3
    assert [exists(n) for n in names] == [True, False, False, False]
    with pytest.raises(sn.InvalidArgumentError, match="closed"):
        rx.get()
    first.unlink()
    first.close()


def test_a_sender_leaving_a_with_block_on_an_exception_leaves_no_end():
    wire = io.BytesIO()
    with pytest.raises(RuntimeError), sn.Sender(wire) as tx:
        a = sn.zeros(1)
        tx.send(a)
        a.close()
        raise RuntimeError("the producer failed")
    rx = sn.Receiver(io.BytesIO(wire.getvalue()))
    got = rx.get()
    with pytest.raises(sn.TruncatedError):
        rx.get()
    got.unlink()
    got.close()


def test_the_pool_lends_slots_and_takes_them_back(ledger):
    forward, back = io.BytesIO(), io.BytesIO()
    with sn.Pool(2, 64) as pool:
        tx = sn.Sender(forward)
        assert (pool.slots, pool.free) == (2, 2) and pool.slot_bytes >= 64
        loans = []
        for i in range(2):
            loan = pool.lend((2, 4), "float64")
            loan.array[...] = i + 1
            tx.lend(pool, loan)
            loans.append(loan)
        assert pool.lend((2, 4), "float64") is None, "every slot is out"
        assert lease(ledger, pool.name)["stream"]["id"] == tx.stream
        tx.finish()
        rx = sn.Receiver(io.BytesIO(forward.getvalue()), back=back)
        first, second = rx.get(), rx.get()
        assert isinstance(first, sn.LentArray) and rx.get() is None
        assert first.sum() == 8.0 and second.array.sum() == 16.0
        assert not first.array.flags.writeable
        with pytest.raises(ValueError):
            first.array.flags.writeable = True
        with pytest.raises(ValueError):
            first.array[0, 0] = 5.0
        first.release()
        with second:
            pass
        assert first.released and second.released
        back.seek(0)
        refs = [sn.read_release(back), sn.read_release(back)]
        assert sn.read_release(back) is None
        assert refs == [first.pool_ref, second.pool_ref]
        for r in refs:
            pool.reclaim(r)
        assert pool.free == 2
        with pytest.raises(sn.InvalidMessageError):
            pool.reclaim(refs[0])  # released twice
        with pytest.raises(sn.StaleError):
            first.array  # noqa: B018
        assert exists(pool.name)
    assert exists(pool.name), "the loans still view it"
    del loans, loan
    gc.collect()
    assert not exists(pool.name), "closed, and no view of it left"


def test_a_slot_lent_again_reads_as_stale_never_as_the_next_array():
    forward, back = io.BytesIO(), io.BytesIO()
    with sn.Pool(1, 8) as pool:
        tx = sn.Sender(forward)
        loan = pool.lend(1, "int64")
        loan.array[0] = 1
        tx.lend(pool, loan)
        rx = sn.Receiver(io.BytesIO(forward.getvalue()), back=back)
        lent = rx.get()
        view = lent.array
        assert view[0] == 1
        pool.reclaim(lent.pool_ref)  # as if released, and lent again
        again = pool.lend(1, "int64")
        again.array[0] = 2
        with pytest.raises(sn.StaleError):
            lent.check()
        with pytest.raises(sn.StaleError):
            lent.sum()
        with pytest.raises(sn.StaleError):
            lent.array  # noqa: B018
        del view, lent, rx
    gc.collect()


def test_a_pool_inherited_by_a_forked_child_stays_the_parents():
    pool = sn.Pool(1, 8)
    pid = os.fork()
    if pid == 0:
        del pool
        gc.collect()
        os._exit(0)
    os.waitpid(pid, 0)
    assert exists(pool.name)
    pool.close()
    gc.collect()
    assert not exists(pool.name)


@pytest.mark.parametrize("method", START_METHODS)
def test_the_snp_queue_pattern_between_processes(method, ledger):
    ctx = multiprocessing.get_context(method)
    q = sn.Queue()
    p = ctx.Process(target=_targets.put_then_crash, args=(q, 5, False))
    p.start()
    got = []
    while (out := q.get()) is not None:
        assert out.owner, "the receiver owns what it gets"
        assert lease(ledger, out.name)["pid"] == os.getpid()
        got.append(int(out.sum()))
        out.close()
        out.unlink()
    p.join(30)
    assert p.exitcode == 0 and got == [0, 4, 8, 12, 16]
    q.close()


@pytest.mark.parametrize("method", START_METHODS)
def test_a_putter_that_dies_loses_nothing_it_put(method):
    ctx = multiprocessing.get_context(method)
    q = sn.Queue()
    p = ctx.Process(target=_targets.put_then_crash, args=(q, 3, True))
    p.start()
    p.join(30)
    assert p.exitcode == 17
    got = [q.get() for _ in range(3)]  # in transit when it died
    assert [int(a.sum()) for a in got] == [0, 4, 8]
    with pytest.raises(sn.TruncatedError):
        q.get()  # the stream stops: no end message
    for a in got:
        a.unlink()
        a.close()
    q.close()


def test_clean_spares_arrays_in_transit_while_the_stream_is_held_then_reclaims_them(own_ledger):
    r, w = os.pipe()
    with os.fdopen(w, "wb") as out:
        tx = sn.Sender(out)
        a = sn.zeros(4)
        name = a.name
        tx.send(a)
        a.close()
        del a, tx
    gc.collect()
    assert exists(name)
    verdicts = {v.name: v.verdict for v in sn.clean()}
    assert verdicts[name] == "handed-over", "this process holds the pipe; the message can be read"
    inp = os.fdopen(r, "rb")
    rx = sn.Receiver(inp)
    got = rx.get()
    assert got.owner and {v.name: v.verdict for v in sn.clean()}[name] == "holder-alive"
    got.unlink()
    got.close()
    inp.close()


def test_a_receiver_blocked_on_a_pipe_lets_other_threads_run():
    r, w = os.pipe()
    inp, out = os.fdopen(r, "rb"), os.fdopen(w, "wb")
    result = {}

    def receive():
        result["rx"] = sn.Receiver(inp)
        result["first"] = result["rx"].get()

    t = threading.Thread(target=receive)
    t.start()
    tx = sn.Sender(out)  # this thread runs while the other waits in read
    a = sn.zeros(2)
    tx.send(a)
    a.close()
    t.join(10)
    assert not t.is_alive()
    result["first"].unlink()
    result["first"].close()
    tx.close()
    out.close()
    inp.close()
