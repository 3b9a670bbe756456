#!/usr/bin/env bash
# The Python package shm_ndarray (shm-numpy/): builds its abi3 wheel with
# maturin, installs it into a fresh venv with the pinned numpy (and Wetlands,
# whose codec the seed replays talk to), and runs its tests there, against
# the installed wheel, never the source tree. The interop tests use the
# shm-harness in target/release (built here if missing) and the twin in
# fixtures/python.
#
#   ci/python-package.sh [WORK_DIR]    default: a new temporary directory
#
# The base interpreter is $PYTHON if set, else python3 (3.11 or newer).
# Extra pytest arguments: $PYTEST_ARGS. Needs PyPI. Runs on bash 3.2.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/shm-ndarray-package.XXXXXX")}
python=${PYTHON:-python3}
requirements=$root/fixtures/python/requirements.txt
pin() { grep -E "^$1==" "$requirements"; }

mkdir -p "$work"
echo "==> maturin in $work/build"
"$python" -m venv "$work/build"
"$work/build/bin/pip" install --quiet maturin==1.16.0

echo "==> the wheel"
rm -rf "$work/dist"
"$work/build/bin/maturin" build --release -m "$root/shm-numpy/Cargo.toml" -o "$work/dist"

if [ ! -x "$root/target/release/shm-harness" ] && [ -z "${SHM_HARNESS:-}" ]; then
    echo "==> shm-harness, for the interop tests"
    (cd "$root" && cargo build --release -p shm-harness --bin shm-harness)
fi

echo "==> a fresh venv with the wheel in $work/env"
rm -rf "$work/env"
"$python" -m venv "$work/env"
"$work/env/bin/pip" install --quiet "$(pin numpy)" "$(pin wetlands)" "$(pin psutil)" pytest "$work"/dist/shm_ndarray-*.whl

echo "==> pytest shm-numpy/python/tests"
cd "$work"
# shellcheck disable=SC2086 # PYTEST_ARGS is words
"$work/env/bin/python" -m pytest "$root/shm-numpy/python/tests" ${PYTEST_ARGS:-}
