#!/usr/bin/env python3
"""A peer (docs/PEER-PROTOCOL.md) for posix_ipc 1.3 (PyPI ``posix-ipc``)
on the peer kit: this file is only the library's part. Try it with
``shm-harness run --peer-manifest examples/posix_ipc_peer/posix_ipc.toml``."""

from __future__ import annotations

import mmap
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
for _kit in (_here, os.path.join(_here, "..", "..", "python")):  # the kit
    if os.path.isdir(os.path.join(_kit, "shm_peer_kit")):
        sys.path.insert(0, _kit)
        break
import shm_peer_kit as kit  # noqa: E402 (first: blocks signals for create)


class PosixIpc(kit.Library):
    capabilities = kit.Capabilities(
        name="posix_ipc",
        description="posix_ipc 1.3's SharedMemory and mmap (examples/posix_ipc_peer)",
        os=("linux", "macos"),
        python_modules=("numpy", "posix_ipc"),
        name_prefix="pipc_",
    )

    def create(self, request: kit.CreateRequest) -> kit.Segment:
        import posix_ipc  # after the kit: a create has its signals blocked

        try:  # O_CREX is O_CREAT | O_EXCL; posix_ipc sizes it with ftruncate
            memory = posix_ipc.SharedMemory("/" + request.name, posix_ipc.O_CREX, 0o600, request.size)
        except posix_ipc.ExistentialError:
            raise FileExistsError(f"'{request.name}' exists") from None
        return mapped(request.name, memory, request.size, reserve=True)

    def attach(self, name: str) -> kit.Segment:
        import posix_ipc

        try:  # flags 0: opens an existing segment, never creates one
            memory = posix_ipc.SharedMemory("/" + name)
        except posix_ipc.ExistentialError:
            raise FileNotFoundError(f"'{name}' not found") from None
        return mapped(name, memory, memory.size)

    def unlink(self, name: str) -> None:
        import posix_ipc

        try:
            posix_ipc.unlink_shared_memory("/" + name)
        except posix_ipc.ExistentialError:
            raise FileNotFoundError(f"'{name}' not found") from None


def mapped(name: str, memory, size: int, reserve: bool = False) -> kit.Segment:
    """The whole segment mapped shared and read-write; the fd closed."""
    try:
        if reserve:
            kit.reserve(memory.fd, size)  # Linux: a full /dev/shm fails now
        view = mmap.mmap(memory.fd, memory.size)  # an empty segment: ValueError
    except BaseException:
        if reserve:
            memory.unlink()
        raise
    finally:
        memory.close_fd()
    return kit.Segment(name, view, size, close=view.close)


if __name__ == "__main__":
    kit.run(PosixIpc())
