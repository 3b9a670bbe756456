#!/usr/bin/env bash
# The peer check (`shm-harness check-peer`) of every built-in peer: the
# reference's own command line (cli), the Python peers on the venv's
# interpreter (python, wetlands, sharedarray, shm_ndarray) and the
# shared_memory crate's peer. A peer that does not exist on this OS is
# skipped by check-peer with its reason; under CI=true a missing
# interpreter or package fails. The C peer is checked by ci/c-peer.sh.
#
#   ci/check-peers.sh [PYTHON]    default: $SHM_HARNESS_PYTHON, then python3
#
# Runs on bash 3.2 (macOS's /bin/bash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${1:-${SHM_HARNESS_PYTHON:-python3}}
echo "==> cargo build -p shm-harness --bins"
cargo build --quiet -p shm-harness --bins

failed=""
for peer in cli python wetlands sharedarray shm_ndarray shared_memory; do
    echo "==> shm-harness check-peer --peer $peer"
    status=0
    cargo run --quiet -p shm-harness --bin shm-harness -- check-peer --peer "$peer" --python "$python" \
        </dev/null | tail -n 3 || status=$?
    if [ "$status" -ne 0 ]; then failed="$failed $peer"; fi
done
if [ -n "$failed" ]; then
    echo "the peer check failed for:$failed" >&2
    exit 1
fi
echo "every built-in peer passed the peer check"
