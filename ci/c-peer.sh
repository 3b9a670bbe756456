#!/usr/bin/env bash
# The C peer (fixtures/c), as the workflow runs it on Linux and macOS:
# built with the system compiler (jansson from apt-get or Homebrew), then
# the peer check (shm-harness check-peer) and the whole catalogue against
# it from its manifest, in both directions.
#
#   ci/c-peer.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> fixtures/c/build.sh"
bash fixtures/c/build.sh

echo "==> cargo build -p shm-harness --bins"
cargo build -p shm-harness --bins

echo "==> fixtures/c/check.sh (shm-harness check-peer --peer-manifest fixtures/c/c.toml)"
bash fixtures/c/check.sh

echo "==> shm-harness run --peer-manifest fixtures/c/c.toml"
cargo run --quiet -p shm-harness --bin shm-harness -- run --peer-manifest fixtures/c/c.toml </dev/null
