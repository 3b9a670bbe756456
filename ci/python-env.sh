#!/usr/bin/env bash
# Makes the Python environment of the interop peers (fixtures/python/*.py):
# a venv with the exact pins of fixtures/python/requirements.txt, and
# SharedArray (a C extension PyPI has no wheels for) built against the
# pinned numpy. Prints the venv's python as an absolute path, the only line
# on stdout; progress and errors go to stderr.
#
#   ci/python-env.sh [VENV_DIR]        default: .venv in the repository root
#   SHM_HARNESS_PYTHON=$(ci/python-env.sh) cargo test -p harness --test interop
#
# Idempotent: a venv whose stamp matches the requirements file is left as
# it is, without touching the network. Needs python3 (3.11 or newer, or
# $PYTHON), PyPI, and for SharedArray a C compiler and the Python headers.
# On Windows SharedArray (POSIX-only) is left out.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements=$root/fixtures/python/requirements.txt
venv=${1:-$root/.venv}
case $venv in
    /*) ;;
    *) venv=$PWD/$venv ;;
esac
base=${PYTHON:-python3}

log() { printf '%s\n' "$*" >&2; }

venv_python() {
    if [ -x "$venv/bin/python" ]; then
        printf '%s\n' "$venv/bin/python"
    elif [ -f "$venv/Scripts/python.exe" ]; then
        printf '%s\n' "$venv/Scripts/python.exe"
    else
        return 1
    fi
}

windows=false
case $(uname -s) in
    MINGW* | MSYS* | CYGWIN*) windows=true ;;
esac
modules="numpy, wetlands"
if [ "$windows" = false ]; then
    modules="$modules, SharedArray"
fi

# The stamp: what was installed, from which requirements, on which system.
want=$("$base" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read() + sys.argv[2].encode()).hexdigest())' \
    "$requirements" "$windows")
stamp=$venv/.shm-requirements.sha256

if python=$(venv_python) && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && "$python" -c "import $modules" 2>/dev/null; then
    printf '%s\n' "$python"
    exit 0
fi

if ! python=$(venv_python) || ! "$python" -c 'import sys' 2>/dev/null; then
    log "==> $base -m venv $venv"
    "$base" -m venv --clear "$venv"
    python=$(venv_python)
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
pins=$(mktemp)
trap 'rm -f "$pins"' EXIT
if [ "$windows" = true ]; then
    grep -v '^SharedArray==' "$requirements" >"$pins"
else
    cp "$requirements" "$pins"
fi

# SharedArray builds without build isolation, against the pinned numpy (and
# the pinned setuptools and wheel), so those go in first.
log "==> pip install (pinned) into $venv"
# shellcheck disable=SC2046 # one pin per word
"$python" -m pip install --quiet $(grep -E '^(numpy|setuptools|wheel)==' "$requirements")
"$python" -m pip install --quiet --no-build-isolation -r "$pins"
"$python" -c "import $modules"

printf '%s\n' "$want" >"$stamp"
printf '%s\n' "$python"
