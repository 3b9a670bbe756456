#!/usr/bin/env bash
# The Python peer kit (python/shm_peer_kit): its tests (pytest, with the
# reference peer beside them), the Python fixtures' own tests (the queue
# twin's and speedup.py's Windows paths as far as Linux allows, and every
# start method: fixtures/python/tests), then the kit's worked example for
# posix_ipc through the whole catalogue, and the example's deliberately
# broken copy, which must fail a case.
#
#   ci/peer-kit.sh [PYTHON]     default: $SHM_HARNESS_PYTHON, then python3
#
# The reference is $SHM_HARNESS, else target/release or target/debug's
# shm-harness, built with cargo when there is none.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${1:-${SHM_HARNESS_PYTHON:-python3}}
bin=${SHM_HARNESS:-}
if [ -z "$bin" ]; then
    for candidate in target/release/shm-harness target/debug/shm-harness; do
        if [ -x "$candidate" ]; then
            bin=$candidate
            break
        fi
    done
fi
if [ -z "$bin" ]; then
    echo "==> cargo build -p shm-harness --bins"
    cargo build --quiet -p shm-harness --bins
    bin=${CARGO_TARGET_DIR:-target}/debug/shm-harness
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

echo "==> pytest python/tests (reference: $bin)"
(cd python && SHM_HARNESS=$bin SHM_HARNESS_REQUIRE=1 "$python" -m pytest -q -p no:cacheprovider tests)

echo "==> pytest fixtures/python/tests"
"$python" -m pytest -q -p no:cacheprovider fixtures/python/tests

example=examples/posix_ipc_peer
echo "==> shm-harness run --peer-manifest $example/posix_ipc.toml"
"$bin" run --peer-manifest "$example/posix_ipc.toml" --python "$python" </dev/null | tail -n 1

echo "==> shm-harness run --peer-manifest $example/broken.toml (must fail)"
status=0
"$bin" run --peer-manifest "$example/broken.toml" --python "$python" --exact --filter create-taken-name \
    </dev/null >/dev/null || status=$?
if [ "$status" -ne 1 ]; then
    echo "the broken posix_ipc peer was not caught (exit $status)" >&2
    exit 1
fi
echo "caught"
