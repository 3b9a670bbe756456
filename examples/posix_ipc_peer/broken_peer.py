#!/usr/bin/env python3
"""peer.py with one realistic bug, for the suite to catch: ``create`` opens
with ``O_CREAT`` alone (posix_ipc's "open it, or make it") instead of
``O_CREX`` (``O_CREAT | O_EXCL``), so a ``create --name`` of a taken name
opens and resizes someone else's segment instead of failing with exit 3.
``shm-harness run --peer-manifest examples/posix_ipc_peer/broken.toml``
must report failed runs (``create-taken-name``)."""

from __future__ import annotations

import peer
from peer import kit


class NotExclusive(peer.PosixIpc):
    capabilities = kit.Capabilities(
        name="posix_ipc-broken",
        description="examples/posix_ipc_peer/peer.py whose create is not exclusive (a bug)",
        os=("linux", "macos"),
        python_modules=("numpy", "posix_ipc"),
        name_prefix="pipc_",
    )

    def create(self, request: kit.CreateRequest) -> kit.Segment:
        import posix_ipc

        memory = posix_ipc.SharedMemory("/" + request.name, posix_ipc.O_CREAT, 0o600, request.size)  # the bug
        return peer.mapped(request.name, memory, request.size, reserve=True)


if __name__ == "__main__":
    kit.run(NotExclusive())
