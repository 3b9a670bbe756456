#!/usr/bin/env bash
# Makes the venv that builds this workspace's wheels: maturin (the pin of
# fixtures/python/requirements.txt) and ziglang (zig from PyPI, the linker
# of `maturin build --zig`, which targets glibc 2.17: manylinux2014).
# Prints the venv's bin directory, the only line on stdout; put it first on
# PATH, where maturin looks for zig.
#
#   ci/wheel-tools.sh [VENV_DIR]     default: target/wheel-tools
#
# Idempotent: a venv that has both pins is left as it is. Runs on bash 3.2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${1:-$root/target/wheel-tools}
maturin=$(grep -E '^maturin==' "$root/fixtures/python/requirements.txt")
zig="ziglang==0.17.0"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
frozen=$("$venv/bin/python" -m pip freeze 2>/dev/null || true)
if ! grep -qxF "$maturin" <<<"$frozen" || ! grep -qxF "$zig" <<<"$frozen"; then
    echo "==> $maturin and $zig into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$maturin" "$zig" >&2
fi
printf '%s\n' "$venv/bin"
