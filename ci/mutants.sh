#!/usr/bin/env bash
# Mutation score of the conformance suite: each mutant in fixtures/mutants/
# is the Python peer with one realistic bug on (mutant_peer.py lists them),
# given to `shm-harness run --peer-manifest` (the catalogue cases below)
# and to `shm-harness check-peer --peer-manifest`, without rebuilding
# anything. A mutant is caught when a case or a check fails against it; a
# mutant that survives both is a missing case, and this script fails. Both
# columns are printed, so a mutant that only one of them catches is seen.
#
#   ci/mutants.sh [PYTHON]      default: $SHM_HARNESS_PYTHON, then python3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${1:-${SHM_HARNESS_PYTHON:-python3}}
echo "==> cargo build -p shm-harness --bins"
cargo build --quiet -p shm-harness --bins
bin=${CARGO_TARGET_DIR:-target}/debug/shm-harness

# The cases each mutant meets: the contract's descriptor, layout,
# lifecycle, error-code, byte-order, value-text and integrity rules, one
# case each (the whole catalogue against 24 mutants would take most of an
# hour on a 2-core machine). `SHM_MUTANTS_ALL=1` runs the whole catalogue.
filters="--exact --filter seed-blog-write --filter descriptor-roundtrip --filter undersized
 --filter offset-view --filter fortran-view --filter attacher-exits-segment-survives
 --filter create-taken-name --filter swapped-parent-writes-int32 --filter permissions
 --filter value-text-float32 --filter value-text-float64 --filter float16-rounds-once
 --filter attach-missing-name --filter failed-writes-change-nothing
 --filter failed-attach-changes-nothing --filter failed-create-changes-nothing
 --filter same-name-new-segment --filter double-unlink --filter handover"
if [ "${SHM_MUTANTS_ALL:-0}" = 1 ]; then filters=""; fi

# first_failure REPORT KEY: the first failed entry's KEY.
first_failure() {
    grep -m1 '"outcome":"failed"' "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" || true
}

# shm_entries: the segments the mutant peers name themselves (pypeer_...)
# in /dev/shm, where there is one, so that what a mutant leaves behind is
# reported and removed: a leak is its bug, not this machine's. (Segments
# the runner names, it removes itself and fails the case.)
shm_entries() {
    local f
    for f in /dev/shm/pypeer_*; do
        if [ -e "$f" ]; then echo "${f#/dev/shm/}"; fi
    done
}

caught=0
total=0
survivors=""
printf '%-26s %-44s %s\n' mutant "run: failed runs, first case" "check-peer: failed checks, first"
for manifest in fixtures/mutants/*.toml; do
    mutant=$(basename "$manifest" .toml)
    total=$((total + 1))
    report=$(mktemp)
    checks=$(mktemp)
    run_status=0
    check_status=0
    shm_before=$(shm_entries)
    # shellcheck disable=SC2086 # $filters is a list of words on purpose
    "$bin" run --peer-manifest "$manifest" --python "$python" --format json $filters >"$report" </dev/null ||
        run_status=$?
    "$bin" check-peer --peer-manifest "$manifest" --python "$python" --format json >"$checks" </dev/null ||
        check_status=$?
    run_failed=$(grep -c '"outcome":"failed"' "$report" || true)
    check_failed=$(grep -c '"outcome":"failed"' "$checks" || true)
    run_first=$(first_failure "$report" case)
    check_first=$(first_failure "$checks" case)
    rm -f "$report" "$checks"
    left=$(comm -13 <(echo "$shm_before") <(shm_entries) | tr '\n' ' ')
    for name in $left; do rm -f "/dev/shm/$name"; done
    run_caught=0
    check_caught=0
    if [ "$run_status" -eq 1 ] && [ "$run_failed" -gt 0 ]; then run_caught=1; fi
    if [ "$check_status" -eq 1 ] && [ "$check_failed" -gt 0 ]; then check_caught=1; fi
    if [ "$run_caught" = 1 ] || [ "$check_caught" = 1 ]; then
        caught=$((caught + 1))
        verdict=caught
    else
        survivors="$survivors $mutant"
        verdict="SURVIVED (run exit $run_status, check-peer exit $check_status)"
    fi
    printf '%-26s %-44s %s  %s\n' "$mutant" "$run_failed ${run_first:--}" "$check_failed ${check_first:--}" "$verdict"
    if [ -n "$left" ]; then echo "    left behind by the mutant (removed): $left"; fi
done
echo "mutation score: $caught/$total mutants caught"
if [ -n "$survivors" ]; then
    echo "survivors (each is a missing case or check):$survivors" >&2
    exit 1
fi
