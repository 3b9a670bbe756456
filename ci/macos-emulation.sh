#!/usr/bin/env bash
# macOS on Linux, for every process of a run: XNU's shared-memory rules at
# the libc boundary (ci/xnu: 16 KiB page-rounded sizes, one ftruncate,
# 31-byte names, no /dev/shm, uname says Darwin), and a Rust build that
# believes it is macOS (--cfg shm_emulate_macos: inexact sizes, no
# posix_fallocate, the catalogue's macOS steps). Rust, Python and C
# processes all meet the same rules, as on a Mac.
#
#   ci/macos-emulation.sh [PYTHON]     default: $SHM_HARNESS_PYTHON, then python3
#
# Builds outside the emulation (cargo, rustc and pip ask uname which
# system this is, and would be misled), into target/macos; then runs under
# it: shm-core's and the runner's tests, the catalogue in every mode, the
# catalogue against every built-in peer and the C peer, and the peer check
# of each. Runs on bash 3.2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ "$(uname -s)" != Linux ]; then
    echo "ci/macos-emulation.sh emulates macOS on Linux; this is $(uname -s)" >&2
    exit 2
fi
python=${1:-${SHM_HARNESS_PYTHON:-python3}}
# The Python peers are half of what runs here: without their packages each
# would only be reported unavailable, and this script pass without them.
if ! "$python" -c "import numpy, SharedArray, wetlands" 2>/dev/null; then
    echo "ci/macos-emulation.sh: $python lacks the Python peers' packages; give the venv of ci/python-env.sh" >&2
    exit 2
fi
export RUSTFLAGS="${RUSTFLAGS:-} --cfg shm_emulate_macos"
export CARGO_TARGET_DIR=${SHM_MACOS_TARGET_DIR:-$root/target/macos}
bin=$CARGO_TARGET_DIR/debug
logs=$CARGO_TARGET_DIR/emulation
mkdir -p "$logs"

echo "==> ci/xnu/build.sh (the libc preload), and the C peer"
XNU_SHM_LIB=$(bash ci/xnu/build.sh "$CARGO_TARGET_DIR/xnu")
export XNU_SHM_LIB
c_peer=$(bash fixtures/c/build.sh "$CARGO_TARGET_DIR/c-peer")

echo "==> cargo test --no-run (RUSTFLAGS='$RUSTFLAGS'), outside the emulation"
cargo test --workspace --exclude benches --no-run --message-format=json \
    >"$logs/build.json"
cargo build -p shm-harness --bins

# shm_ndarray (shm-numpy/) is shm-core too: the venv's wheel was built for
# Linux and checks exact sizes, which the emulation's 16 KiB pages break.
# Its macOS build goes into a directory of its own, ahead of the venv's on
# PYTHONPATH, for every Python process under the emulation.
package_dir=$CARGO_TARGET_DIR/shm_ndarray
checked_peers="cli python wetlands sharedarray shared_memory"
rm -rf "$package_dir" "$CARGO_TARGET_DIR/wheels"
if "$python" -c "import maturin, shm_ndarray" 2>/dev/null; then
    echo "==> maturin build shm-numpy (RUSTFLAGS='$RUSTFLAGS'), ahead of the venv's shm_ndarray"
    "$python" -m maturin build --quiet -m shm-numpy/Cargo.toml -o "$CARGO_TARGET_DIR/wheels" >&2
    "$python" -m pip install --quiet --no-deps --target "$package_dir" "$CARGO_TARGET_DIR"/wheels/shm_ndarray-*.whl
    export PYTHONPATH="$package_dir${PYTHONPATH:+:$PYTHONPATH}"
    checked_peers="$checked_peers shm_ndarray"
else
    echo "==> no shm_ndarray (or maturin) in $python: its peer and rows stay as without the emulation"
fi
# Test executables only: the log also names the binaries they run.
grep '"test":true},"features"' "$logs/build.json" |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' >"$logs/tests.txt"

# Every call into libc pays for the preload's checks, and leases live in
# the temporary directory there (no /dev/shm), on disk on this machine: the
# 10,000-array queue case takes four times as long as on Linux, so every
# run and test here gets 60 s where the default is 10.
export SHM_HARNESS_TIMEOUT=60

failed=""
# emulated LABEL COMMAND...: runs COMMAND under the preload, noting a failure.
emulated() {
    local label=$1 status=0
    shift
    echo "==> [macOS] $label"
    SHM_HARNESS_PYTHON=$python bash ci/xnu/run.sh "$@" </dev/null || status=$?
    if [ "$status" -ne 0 ]; then
        failed="$failed
  $label (exit $status)"
    fi
}

while IFS= read -r exe; do
    emulated "${exe##*/}" "$exe"
done <"$logs/tests.txt"

emulated "run --mode all" "$bin/shm-harness" run --mode all
emulated "run --peer all" "$bin/shm-harness" run --peer all --python "$python"
c_manifest=$logs/c.toml
printf 'name = "c"\nargv = ["%s"]\nserve = true\nforms = ["canonical", "wetlands"]\nunlink = true\n' \
    "$c_peer" >"$c_manifest"
emulated "run --peer-manifest c" "$bin/shm-harness" run --peer-manifest "$c_manifest"
for peer in $checked_peers; do
    emulated "check-peer --peer $peer" "$bin/shm-harness" check-peer --peer "$peer" --python "$python"
done
emulated "check-peer c" "$bin/shm-harness" check-peer --peer-manifest "$c_manifest"

if [ -n "$failed" ]; then
    echo "failed under the macOS emulation:$failed" >&2
    exit 1
fi
echo "macOS emulation: every test, run and check passed"
