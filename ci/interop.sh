#!/usr/bin/env bash
# The Python interop matrix: the catalogue against every peer (Rust, CPython's
# multiprocessing.shared_memory, numpy, Wetlands, ...) in a venv made from
# the pinned fixtures/python/requirements.txt by ci/python-env.sh.
#
#   ci/interop.sh [VENV_DIR]           default: .venv
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=${1:-.venv}

if [ ! -f ci/python-env.sh ]; then
    echo "ci/python-env.sh is missing: it makes the venv from fixtures/python/requirements.txt" >&2
    exit 2
fi
echo "==> ci/python-env.sh $venv"
bash ci/python-env.sh "$venv"

if [ -x "$venv/bin/python" ]; then
    python=$venv/bin/python
elif [ -f "$venv/Scripts/python.exe" ]; then
    python=$venv/Scripts/python.exe
else
    echo "no Python in $venv (looked for bin/python and Scripts/python.exe)" >&2
    exit 2
fi
# Git Bash on Windows: hand the harness a native absolute path.
if command -v cygpath >/dev/null 2>&1; then
    python=$(cygpath -w "$PWD/$python")
fi
"$python" --version

echo "==> shm-harness run --peer all --python $python"
cargo run --quiet -p harness --bin shm-harness -- run --peer all --python "$python" </dev/null
