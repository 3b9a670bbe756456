#!/usr/bin/env bash
# The test suite and the catalogue on Linux with the segment backend sizing
# segments as macOS does: rounded up to 16 KiB pages at create, reported as
# inexact, no posix_fallocate (`--cfg shm_macos_sizes`, see
# shm-core/src/segment/unix.rs). Never on in a normal build: it has a target
# directory of its own.
#
#   ci/macos-sizes.sh [CARGO TEST ARGS...]
#
# What cannot be emulated so (XNU's 31-byte names, its one ftruncate, its
# lack of /dev/shm, and any of it for the Python and C peers) is what
# ci/xnu/run.sh adds, for every process of a run, and the workflow's macOS
# job checks on the real OS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(uname -s)" != Linux ]; then
    echo "ci/macos-sizes.sh emulates macOS's sizes on Linux; this is $(uname -s)" >&2
    exit 2
fi
export RUSTFLAGS="${RUSTFLAGS:-} --cfg shm_macos_sizes"
export CARGO_TARGET_DIR=${SHM_MACOS_SIZES_TARGET_DIR:-target/macos-sizes}

echo "==> RUSTFLAGS='$RUSTFLAGS' cargo test --workspace --no-fail-fast $*"
cargo test --workspace --no-fail-fast "$@"

echo "==> shm-harness run --mode all (16 KiB page-rounded sizes)"
cargo run --quiet -p shm-harness --bin shm-harness -- run --mode all </dev/null
