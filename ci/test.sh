#!/usr/bin/env bash
# The workspace's tests on this OS: `cargo test --workspace`.
#
#   ci/test.sh [CARGO TEST ARGS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rustc --version
cargo --version
# The benches crate measures Unix IPC (pipes, Unix sockets, bare nix calls)
# and is Unix-only; everything else is tested on every OS.
extra=()
case $(uname -s) in
    MINGW* | MSYS* | CYGWIN*) extra=(--exclude benches) ;;
esac
echo "==> cargo test --workspace ${extra[*]} $*"
cargo test --workspace "${extra[@]}" "$@"
