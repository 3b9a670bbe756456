#!/usr/bin/env bash
# Makes the Python environment of the interop peers (fixtures/python/*.py):
# a venv with the exact pins of fixtures/python/requirements.txt, and
# SharedArray (a C extension PyPI has no wheels for) built against the
# pinned numpy. Prints the venv's python as an absolute path, the only line
# on stdout; progress and errors go to stderr. On Windows (Git Bash) the path
# is printed in mixed form (D:/a/x/.venv/Scripts/python.exe), which both bash
# and native programs such as the Rust tests can run.
#
#   ci/python-env.sh [VENV_DIR]        default: .venv in the repository root
#   SHM_HARNESS_PYTHON=$(ci/python-env.sh) cargo test -p shm-harness --test peers
#
# The base interpreter is $PYTHON if set, else the first of python3, python
# and `py -3` that runs and is Python 3.11 or newer (Windows runners have
# `python` and the py launcher, not `python3`).
#
# Idempotent: a venv whose stamp matches the requirements file is left as
# it is, without touching the network. Needs PyPI, and for SharedArray a C
# compiler and the Python headers; for shm_ndarray, this workspace's own
# package, cargo. On Windows SharedArray, posix-ipc (POSIX-only) and
# shm_ndarray are left out. Runs on bash 3.2 (macOS's /bin/bash).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements=$root/fixtures/python/requirements.txt
venv=${1:-$root/.venv}
case $venv in
    /* | [A-Za-z]:[/\\]*) ;;
    *) venv=$PWD/$venv ;;
esac

log() { printf '%s\n' "$*" >&2; }

# base_python ARGS...: runs the chosen base interpreter (set by find_base).
base_cmd=""
base_python() {
    if [ "$base_cmd" = "py -3" ]; then
        py -3 "$@"
    else
        "$base_cmd" "$@"
    fi
}

# A candidate is good when it runs at all (a Windows Store stub does not)
# and is new enough for the pinned numpy.
good_python() {
    "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

find_base() {
    if [ -n "${PYTHON:-}" ]; then
        if good_python "$PYTHON"; then
            base_cmd=$PYTHON
            return 0
        fi
        log "error: \$PYTHON ($PYTHON) does not run, or is older than Python 3.11"
        return 1
    fi
    local candidate
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 && good_python "$candidate"; then
            base_cmd=$candidate
            return 0
        fi
    done
    if command -v py >/dev/null 2>&1 && good_python py -3; then
        base_cmd="py -3"
        return 0
    fi
    log "error: no Python 3.11 or newer found (tried python3, python, py -3; or set PYTHON)"
    return 1
}

venv_python() {
    if [ -x "$venv/bin/python" ]; then
        printf '%s\n' "$venv/bin/python"
    elif [ -f "$venv/Scripts/python.exe" ]; then
        printf '%s\n' "$venv/Scripts/python.exe"
    else
        return 1
    fi
}

# The path handed to callers: native programs on Windows cannot run /d/a/...
print_python() {
    if command -v cygpath >/dev/null 2>&1; then
        cygpath -m "$1"
    else
        printf '%s\n' "$1"
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

# The pins as read: comments and blank lines dropped, and any `\r` a CRLF
# checkout left (it would end up inside the version pip is asked for).
pins=$(mktemp)
trap 'rm -f "$pins"' EXIT
tr -d '\r' <"$requirements" | sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' >"$pins"
if [ "$windows" = true ]; then
    grep -v -E '^(SharedArray|posix-ipc)==' "$pins" >"$pins.win"
    mv "$pins.win" "$pins"
fi
# iceoryx2 (for speedup's anchor rows) is optional: its wheels need glibc
# 2.34 on Linux, and without it only those rows are missing (they say why).
optional=$(grep -E '^(iceoryx2|flatbuffers)==' "$pins" || true)
grep -v -E '^(iceoryx2|flatbuffers)==' "$pins" >"$pins.req" || true
mv "$pins.req" "$pins"

find_base
log "==> base interpreter: $base_cmd ($(base_python --version 2>&1))"

# The stamp: what was installed, from which pins, on which system.
want=$(base_python -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read() + sys.argv[2].encode()).hexdigest())' \
    "$pins" "$windows $optional" | tr -d '\r')
stamp=$venv/.shm-requirements.sha256

# This workspace's own package, shm_ndarray (shm-numpy/, Linux and macOS),
# built from the checkout into the venv every time (cargo makes that quick
# when nothing changed), so its peer always runs the code of this checkout.
install_package() {
    if [ "$windows" = true ]; then
        return 0
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        log "warning: no cargo: shm_ndarray is not built, and its peer will be unavailable"
        return 0
    fi
    local wheels=$venv/.wheels
    rm -rf "$wheels"
    log "==> maturin build shm-numpy (shm_ndarray) into $venv"
    (cd "$root" && "$python" -m maturin build --quiet --release -m shm-numpy/Cargo.toml -o "$wheels") >&2
    "$python" -m pip install --quiet --force-reinstall --no-deps "$wheels"/shm_ndarray-*.whl
    "$python" -c "import shm_ndarray"
}

if python=$(venv_python) && [ -f "$stamp" ] && [ "$(tr -d '\r' <"$stamp")" = "$want" ] \
    && "$python" -c "import $modules" 2>/dev/null; then
    install_package
    print_python "$python"
    exit 0
fi

if ! python=$(venv_python) || ! "$python" -c 'import sys' 2>/dev/null; then
    log "==> $base_cmd -m venv $venv"
    base_python -m venv --clear "$venv"
    if ! python=$(venv_python); then
        log "error: $base_cmd -m venv made no bin/python or Scripts/python.exe in $venv"
        exit 1
    fi
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# SharedArray builds without build isolation, against the pinned numpy (and
# the pinned setuptools and wheel), so those go in first.
log "==> pip install (pinned) into $venv"
# shellcheck disable=SC2046 # one pin per word
"$python" -m pip install --quiet $(grep -E '^(numpy|setuptools|wheel)==' "$pins")
"$python" -m pip install --quiet --no-build-isolation -r "$pins"
"$python" -c "import $modules"
if [ -n "$optional" ]; then
    # shellcheck disable=SC2086 # one pin per word
    if ! "$python" -m pip install --quiet $optional; then
        log "warning: iceoryx2 did not install here; speedup's Python iceoryx2 rows will say so"
    fi
fi

printf '%s\n' "$want" >"$stamp"
install_package
print_python "$python"
