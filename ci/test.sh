#!/usr/bin/env bash
# The workspace's tests on this OS: `cargo test --workspace`, the README's
# test command (on Windows with `--exclude benches`).
#
#   ci/test.sh [CARGO TEST ARGS...]
#
# Under CI=true the interop tests fail instead of skipping when a Python peer
# is missing: make the venv first (ci/python-env.sh) and point
# SHM_HARNESS_PYTHON at its python. Runs on bash 3.2 (macOS's /bin/bash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rustc --version
cargo --version
if [ "${CI:-}" = true ] && [ -z "${SHM_HARNESS_PYTHON:-}" ]; then
    echo "warning: CI=true and SHM_HARNESS_PYTHON is unset: the interop tests will look for numpy in python3 and fail without it" >&2
fi
# The benches crate measures Unix IPC (pipes, Unix sockets, bare nix calls)
# and is Unix-only; everything else is tested on every OS. No array here:
# an empty one under `set -u` is an error before bash 4.4.
case $(uname -s) in
    MINGW* | MSYS* | CYGWIN*) set -- --exclude benches "$@" ;;
esac
echo "==> cargo test --workspace $*"
cargo test --workspace "$@"
