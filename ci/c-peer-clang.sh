#!/usr/bin/env bash
# The C peer (fixtures/c) built with clang and -Werror, as macOS builds it
# (Apple's compiler is clang), then held to the protocol by the peer check.
# Installs clang with apt-get where it is missing.
#
#   ci/c-peer-clang.sh [OUTDIR]     default: target/c-peer-clang
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-$PWD/target/c-peer-clang}

if ! command -v clang >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
echo "==> $(clang --version | head -n 1): fixtures/c/build.sh (-Wall -Wextra -Werror)"
peer=$(CC=clang bash fixtures/c/build.sh "$out")

echo "==> shm-harness check-peer against the clang build"
manifest=$out/c-clang.toml
printf 'name = "c-clang"\nargv = ["%s"]\nserve = true\nforms = ["canonical", "wetlands"]\nunlink = true\n' \
    "$peer" >"$manifest"
cargo run --quiet -p shm-harness --bin shm-harness -- check-peer --peer-manifest "$manifest" </dev/null
