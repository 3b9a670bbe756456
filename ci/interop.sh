#!/usr/bin/env bash
# The Python interop matrix: the catalogue against every peer (Rust, CPython's
# multiprocessing.shared_memory, numpy, Wetlands, SharedArray, the
# shared_memory crate) in a venv made from the pinned
# fixtures/python/requirements.txt by ci/python-env.sh.
#
#   ci/interop.sh [VENV_DIR]           default: .venv
#
# Builds every binary of the harness package first (shm-harness and
# shared_memory_peer), in the debug profile that `cargo run` uses. Runs on
# bash 3.2 (macOS's /bin/bash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=${1:-.venv}

echo "==> ci/python-env.sh $venv"
# Prints the venv's python, in a form native programs can run on Windows.
python=$("${BASH:-bash}" ci/python-env.sh "$venv")
"$python" --version

echo "==> cargo build -p shm-harness --bins"
cargo build -p shm-harness --bins

echo "==> shm-harness run --peer all --python $python"
cargo run --quiet -p shm-harness --bin shm-harness -- run --peer all --python "$python" </dev/null
