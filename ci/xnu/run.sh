#!/usr/bin/env bash
# Runs a command, and every process it starts, under the macOS (XNU)
# shared-memory emulation (libxnu_shm.so in LD_PRELOAD; see xnu_shm.c):
#
#   ci/xnu/run.sh COMMAND [ARGS...]
#   ci/xnu/run.sh python3 ci/xnu/selftest.py
#
# Builds the library with ci/xnu/build.sh first when it is missing or older
# than its source. XNU_SHM_LIB=PATH uses another build. The command's exit
# status is this script's; 2 on usage errors.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ $# -eq 0 ]; then
    echo "usage: ci/xnu/run.sh COMMAND [ARGS...]" >&2
    exit 2
fi
if [ "$(uname -s)" != Linux ]; then
    echo "error: ci/xnu emulates macOS on Linux; this is $(uname -s)" >&2
    exit 2
fi
lib=${XNU_SHM_LIB:-$root/target/xnu/libxnu_shm.so}
if [ ! -f "$lib" ] || [ "$here/xnu_shm.c" -nt "$lib" ]; then
    "$here/build.sh" "$(dirname "$lib")" >/dev/null
fi
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$@"
