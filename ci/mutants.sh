#!/usr/bin/env bash
# Mutation score of the conformance suite: each mutant in fixtures/mutants/
# is the Python peer with one realistic bug on (mutant_peer.py lists them),
# run through `shm-harness run --peer-manifest`, without rebuilding
# anything. A mutant is caught when at least one case fails against it; a
# mutant that survives is a missing case, and this script fails.
#
#   ci/mutants.sh [PYTHON]      default: $SHM_HARNESS_PYTHON, then python3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${1:-${SHM_HARNESS_PYTHON:-python3}}
echo "==> cargo build -p shm-harness --bins"
cargo build --quiet -p shm-harness --bins
bin=${CARGO_TARGET_DIR:-target}/debug/shm-harness

# The cases each mutant meets: the contract's descriptor, layout,
# lifecycle, error-code and byte-order rules, one case each (the whole
# catalogue against seven interpreters would take a quarter of an hour on a
# 2-core machine). `SHM_MUTANTS_ALL=1` runs the whole catalogue instead.
filters="--exact --filter seed-blog-write --filter descriptor-roundtrip --filter undersized
 --filter offset-view --filter fortran-view --filter attacher-exits-segment-survives
 --filter create-taken-name --filter swapped-parent-writes-int32"
if [ "${SHM_MUTANTS_ALL:-0}" = 1 ]; then filters=""; fi

caught=0
total=0
survivors=""
for manifest in fixtures/mutants/*.toml; do
    mutant=$(basename "$manifest" .toml)
    total=$((total + 1))
    report=$(mktemp)
    status=0
    # shellcheck disable=SC2086 # $filters is a list of words on purpose
    "$bin" run --peer-manifest "$manifest" --python "$python" --format json $filters >"$report" </dev/null || status=$?
    failed=$(grep -c '"outcome":"failed"' "$report" || true)
    first=$(grep -m1 '"outcome":"failed"' "$report" | sed 's/.*"case":"\([^"]*\)".*"peer":"\([^"]*\)".*/\1 (\2)/' || true)
    rm -f "$report"
    if [ "$status" -eq 1 ] && [ "$failed" -gt 0 ]; then
        caught=$((caught + 1))
        printf 'caught    %-22s %3s failed runs, first: %s\n' "$mutant" "$failed" "$first"
    else
        survivors="$survivors $mutant"
        printf 'SURVIVED  %-22s exit %s, %s failed runs\n' "$mutant" "$status" "$failed"
    fi
done
echo "mutation score: $caught/$total mutants caught"
if [ -n "$survivors" ]; then
    echo "survivors (each is a missing case):$survivors" >&2
    exit 1
fi
