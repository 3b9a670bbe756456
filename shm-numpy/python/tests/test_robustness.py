"""Whatever arrives on a queue's stream or back channel, and whatever a
descriptor says, the package answers with a typed error or a result:
never a panic of the extension (PyO3's PanicException), never a crash."""

from __future__ import annotations

import io
import json
import random

import pytest

import shm_ndarray as sn

OPEN = {"type": "open", "version": 1, "stream": "shmq_0123456789abcdef"}
ARRAY = {
    "type": "array",
    "seq": 0,
    "transfer": "move",
    "descriptor": {"name": "shm-ndarray-test-absent", "shape": [2, 3], "dtype": "<f8"},
}
LEND = dict(ARRAY, transfer="lend", pool={"id": "00000000000000ff", "slot": 0, "generation": 0})
VALUES = [None, True, -1, 0, 1, 2**64, 1.5, "", "x", "<f8", [], [1, -1], {}, {"kind": "scalar"}, "a" * 70000]


def mutations(rng: random.Random, message: dict, n: int):
    for _ in range(n):
        m = json.loads(json.dumps(message))
        target = m if rng.random() < 0.5 or "descriptor" not in m else m["descriptor"]
        key = rng.choice([*target, "extra"])
        if rng.random() < 0.2:
            target.pop(key, None)
        else:
            target[key] = rng.choice(VALUES)
        yield m


def survives(call) -> None:
    try:
        call()
    except sn.ShmError:
        pass
    except BaseException as e:  # a PanicException is a BaseException
        pytest.fail(f"{type(e).__module__}.{type(e).__name__}: {e}")


def test_mutated_streams_are_typed_errors():
    rng = random.Random(20260)
    for message in (ARRAY, LEND, OPEN):
        for m in mutations(rng, message, 150):
            lines = [OPEN, m] if m is not OPEN and m.get("type") != "open" else [m]
            wire = "".join(json.dumps(x) + "\n" for x in lines).encode()

            def receive(wire=wire):
                rx = sn.Receiver(io.BytesIO(wire), back=io.BytesIO())
                while rx.get() is not None:
                    pass

            survives(receive)


def test_random_bytes_are_typed_errors():
    rng = random.Random(7)
    for _ in range(300):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        survives(lambda junk=junk: sn.Receiver(io.BytesIO(json.dumps(OPEN).encode() + b"\n" + junk)).get())
        survives(lambda junk=junk: sn.read_release(io.BytesIO(junk + b"\n")))
        survives(lambda junk=junk: sn.attach(junk))


def test_mutated_descriptors_are_typed_errors():
    rng = random.Random(11)
    with sn.zeros((2, 3)) as a:
        for m in mutations(rng, a.descriptor, 400):
            survives(lambda d=m: sn.attach(d).close())
