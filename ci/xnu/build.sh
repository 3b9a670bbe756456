#!/usr/bin/env bash
# Builds the macOS (XNU) shared-memory emulation for Linux:
#
#   ci/xnu/build.sh [OUTDIR]        OUTDIR/libxnu_shm.so (default target/xnu)
#
# with $CC (default cc; gcc and clang both build it warning-free). Prints
# the path of the library. Linux only: it interposes glibc's functions.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/xnu}
cc=${CC:-cc}

if [ "$(uname -s)" != Linux ]; then
    echo "error: ci/xnu emulates macOS on Linux; this is $(uname -s)" >&2
    exit 2
fi
mkdir -p "$out"
# -ldl: dlsym lives in libdl before glibc 2.34.
"$cc" -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared \
    -o "$out/libxnu_shm.so" "$here/xnu_shm.c" -ldl
echo "$out/libxnu_shm.so"
