#!/usr/bin/env bash
# Property tests against every built-in peer and the C peer: `shm-harness
# prop` with 256 random cases each (after the regressions of
# fixtures/prop/regressions.toml), each peer's own output and time. A
# peer's create is one process a case, so the Python peers have a smaller
# share of cases where the peer creates (Wetlands starts slowest).
#
#   ci/prop.sh [PYTHON]      default: $SHM_HARNESS_PYTHON, then python3
#
# Environment: SHM_HARNESS (default: the release shm-harness), C_MANIFEST
# (default fixtures/c/c.toml; build the C peer first with fixtures/c/build.sh),
# SHM_PROP_CASES (default 256), SHM_PROP_SEED (default: a fresh seed a peer,
# printed by prop). Exit 1 when any peer failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${1:-${SHM_HARNESS_PYTHON:-python3}}
bin=${SHM_HARNESS:-${CARGO_TARGET_DIR:-target}/release/shm-harness}
manifest=${C_MANIFEST:-fixtures/c/c.toml}
cases=${SHM_PROP_CASES:-256}
seed=""
if [ -n "${SHM_PROP_SEED:-}" ]; then
    seed="--seed $SHM_PROP_SEED"
fi

failed=""
prop() { # prop LABEL SHARE ARGS...: one peer's property run
    local label=$1 share=$2 status=0
    shift 2
    echo "--> $label"
    # shellcheck disable=SC2086 # $seed is empty or two words on purpose
    "$bin" prop "$@" --cases "$cases" --peer-creates "$share" --python "$python" $seed </dev/null || status=$?
    if [ "$status" -ne 0 ]; then
        failed="$failed $label"
    fi
}

prop cli 50 --peer cli
prop shared_memory 50 --peer shared_memory
prop c 50 --peer-manifest "$manifest"
prop python 10 --peer python
prop sharedarray 10 --peer sharedarray
prop wetlands 5 --peer wetlands

if [ -n "$failed" ]; then
    echo "prop failed for:$failed" >&2
    exit 1
fi
echo "prop: every peer passed $cases cases"
