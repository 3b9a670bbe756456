#!/usr/bin/env bash
# The conformance catalogue on this OS, in every process mode it supports
# (fork and spawn on Unix, spawn on Windows), with a JUnit report for CI.
#
#   ci/conformance.sh [JUNIT_FILE]     default: shm-harness.junit.xml
#
# Builds every binary of the harness package first (shm-harness and
# shared_memory_peer, the peer it looks for beside itself), in the debug
# profile that `cargo run` uses. Exits with the harness's code: 0 all passed,
# 1 a case failed, 2 usage. Runs on bash 3.2 (macOS's /bin/bash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=${1:-shm-harness.junit.xml}
rm -f "$out"

echo "==> cargo build -p shm-harness --bins"
cargo build -p shm-harness --bins

echo "==> shm-harness run --mode all --format junit --output $out"
status=0
cargo run --quiet -p shm-harness --bin shm-harness -- \
    run --mode all --format junit --output "$out" </dev/null || status=$?

if [ -f "$out" ]; then
    # A short summary for the log; the file itself is the full report.
    grep -o '<testsuites[^>]*>' "$out" | head -n1 || true
    awk '/<testcase /{ match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7) }
         /<failure|<error/{ print "FAILED " name }' "$out"
else
    echo "no report written to $out" >&2
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
