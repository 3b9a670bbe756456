"""A stand-in for a Wetlands environment: another Python process that
imports a module and runs its functions for the host, the arguments and
results travelling as pickles (Wetlands sends them over a socket; here,
the worker's stdin and stdout). What crosses is only what pickling gives:
for a shared array, its descriptor, re-attached by name on the other side.

    env = Environment()                      # starts the worker
    module = env.import_module("some_module")
    result = module.function(arg, ...)       # runs in the worker
    env.exit()
"""

from __future__ import annotations

import importlib
import os
import pickle
import struct
import subprocess
import sys
from typing import Any, BinaryIO


def _send(out: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj)
    out.write(struct.pack("<Q", len(data)) + data)
    out.flush()


def _recv(inp: BinaryIO) -> Any:
    head = inp.read(8)
    if len(head) < 8:
        raise EOFError("the other side is gone")
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(inp.read(n))


class _Module:
    def __init__(self, env: Environment, name: str) -> None:
        self._env, self._name = env, name

    def __getattr__(self, function: str):
        def call(*args: Any) -> Any:
            return self._env.execute(self._name, function, args)

        return call


class Environment:
    """The host's side: a worker process and calls into it."""

    def __init__(self) -> None:
        here = os.path.dirname(os.path.abspath(__file__))
        self._worker = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=here,
        )

    def import_module(self, name: str) -> _Module:
        return _Module(self, name)

    def execute(self, module: str, function: str, args: tuple) -> Any:
        _send(self._worker.stdin, (module, function, args))
        ok, value = _recv(self._worker.stdout)
        if not ok:
            raise value
        return value

    def exit(self) -> int:
        self._worker.stdin.close()
        return self._worker.wait(60)


def _serve() -> None:
    """The worker: runs each call it is sent until its stdin closes."""
    sys.path.insert(0, os.getcwd())
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # prints of the module must not cut into the replies
    while True:
        try:
            module, function, args = _recv(inp)
        except EOFError:
            return
        try:
            _send(out, (True, getattr(importlib.import_module(module), function)(*args)))
        except Exception as e:  # noqa: BLE001 - sent back to the host, as Wetlands does
            _send(out, (False, e))


if __name__ == "__main__":
    _serve()
