#!/usr/bin/env bash
# The binaries of a wheel as a release archive, for people who want
# shm-harness without Python: the wheel's .data/scripts (shm-harness and
# shared_memory_peer, the very binaries the wheel's tests ran) with the
# README, in shm-harness-VERSION-TRIPLE.tar.gz, or .zip for Windows.
#
#   ci/release-archive.sh WHEEL TRIPLE OUT_DIR     prints the archive's path
#
# Needs python3 or python (for zipfile). Runs on bash 3.2, and on Windows in
# Git Bash.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 3 ] || {
    echo "usage: ci/release-archive.sh WHEEL TRIPLE OUT_DIR" >&2
    exit 2
}
wheel=$1 triple=$2 out=$3
python=python3
command -v python3 >/dev/null 2>&1 && python3 -c '' 2>/dev/null || python=python

# shm_harness-VERSION-py3-none-PLATFORM.whl
version=$(basename "$wheel" | sed -n 's/^shm_harness-\([^-]*\)-.*\.whl$/\1/p')
[ -n "$version" ] || {
    echo "not a shm-harness wheel: $wheel" >&2
    exit 1
}
name=shm-harness-$version-$triple
stage=$(mktemp -d "${TMPDIR:-/tmp}/shm-harness-archive.XXXXXX")
trap 'rm -rf "$stage"' EXIT
"$python" -m zipfile -e "$wheel" "$stage/wheel"
mkdir "$stage/$name"
cp "$stage"/wheel/shm_harness-"$version".data/scripts/* "$stage/$name/"
cp "$root/README.md" "$stage/$name/"
if [ ! -f "$stage/$name/shm-harness" ] && [ ! -f "$stage/$name/shm-harness.exe" ]; then
    echo "no shm-harness in $wheel" >&2
    exit 1
fi
# The wheel's zip does not keep the executable bit.
chmod +x "$stage/$name"/shm-harness* "$stage/$name"/shared_memory_peer*
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $triple in
    *windows*)
        (cd "$stage" && "$python" -m zipfile -c "$out/$name.zip" "$name")
        echo "$out/$name.zip"
        ;;
    *)
        tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
        echo "$out/$name.tar.gz"
        ;;
esac
