#!/usr/bin/env bash
# The workspace's tests on this OS: `cargo test --workspace`.
#
#   ci/test.sh [CARGO TEST ARGS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rustc --version
cargo --version
echo "==> cargo test --workspace $*"
cargo test --workspace "$@"
