#!/usr/bin/env bash
# The Linux wheel of shm-harness, built as the release workflow builds it
# and used as a user with no Rust toolchain uses it:
#
#   build     the sdist (`maturin sdist`), then from it alone, unpacked away
#             from this checkout, the wheel: `maturin build --zig
#             --compatibility manylinux2014` (zig from PyPI links against
#             glibc 2.17, so the wheel installs on any Linux of the last
#             decade); checks the tag and the binary's newest glibc symbol
#   install   a fresh venv with the wheel, and numpy and posix-ipc at the
#             pins of fixtures/python/requirements.txt
#   toolless  from here on every command runs with a PATH of that venv alone
#             (`env -i`): no cargo, rustc or rustup is found, and the
#             shm-harness found is the wheel's
#   kit       the posix_ipc example (examples/posix_ipc_peer), copied away
#             from this checkout, imports the wheel's shm_peer_kit
#   check     `shm-harness check-peer` of the example: passes
#   run       `shm-harness run` of the whole catalogue with it: passes
#   launchers `pipx run --spec WHEEL shm-harness` and `uvx --from WHEEL
#             shm-harness` (pipx and uv at the pins below, in a venv of
#             their own) find the command the distribution names, as `pipx
#             run shm-harness` and `uvx shm-harness` do from PyPI
#   broken    the example's broken copy (a create that is not exclusive):
#             `run` must exit 1 with create-taken-name failed, while
#             seed-blog-write passes with it (the peer works; the bug is
#             caught)
#
#   ci/wheel.sh [WORK_DIR]      default: target/wheel-check
#
# The Windows wheel is built and run under Wine by ci/windows-wine.sh (its
# `wheel` step), with that script's toolchain. Needs PyPI; runs on bash 3.2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=${1:-$root/target/wheel-check}
case $work in /*) ;; *) work=$PWD/$work ;; esac
requirements=fixtures/python/requirements.txt
pin() { grep -E "^$1==" "$requirements"; }

timings=""
t0=$(date +%s)
# timed LABEL COMMAND...: runs it and records how long it took.
timed() {
    local label=$1 start
    shift
    echo ""
    echo "==> wheel: $label"
    start=$(date +%s)
    "$@"
    timings="$timings$(printf '  %5ss  %s' "$(($(date +%s) - start))" "$label")
"
}

rm -rf "$work"
mkdir -p "$work/sdist" "$work/dist" "$work/home"
env_dir=$work/env
example=$work/example
# Every command of the checks runs through this: the venv's bin alone on
# PATH, an empty HOME, nothing else of this environment.
toolless() { env -i HOME="$work/home" LANG=C.UTF-8 PATH="$env_dir/bin" "$@"; }

step_build() {
    local tools sdist tree wheel newest
    tools=$(bash ci/wheel-tools.sh)
    PATH="$tools:$PATH" "$tools/maturin" sdist --out "$work/sdist"
    sdist=$(ls "$work"/sdist/shm_harness-*.tar.gz)
    tar -xzf "$sdist" -C "$work/sdist"
    tree=${sdist%.tar.gz}
    # The wheel is built from the sdist alone, away from this checkout, as
    # pip builds it where no wheel fits. (Without --locked: the sdist's
    # workspace has only the crates the wheel needs, and cargo drops the
    # others from its Cargo.lock.)
    (cd "$tree" && PATH="$tools:$PATH" CARGO_TARGET_DIR="$root/target/wheel-build" \
        "$tools/maturin" build --zig --compatibility manylinux2014 --out "$work/dist")
    wheel=$(ls "$work"/dist/shm_harness-*.whl)
    case $wheel in
        *-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl) echo "  $(basename "$wheel"), from $(basename "$sdist")" ;;
        *)
            echo "not a manylinux2014 x86_64 wheel: $wheel" >&2
            return 1
            ;;
    esac
    mkdir "$work/unpacked"
    (cd "$work/unpacked" && python3 -m zipfile -e "$wheel" .)
    newest=$(objdump -T "$work"/unpacked/shm_harness-*.data/scripts/shm-harness |
        sed -n 's/.*GLIBC_\([0-9.]*\).*/\1/p' | sort -t. -k1,1n -k2,2n | tail -n 1)
    echo "  the binary's newest glibc symbol: GLIBC_$newest"
    case $newest in
        2.[0-9] | 2.1[0-7]) ;;
        *)
            echo "shm-harness needs glibc $newest, newer than manylinux2014's 2.17" >&2
            return 1
            ;;
    esac
}

step_install() {
    python3 -m venv "$env_dir"
    "$env_dir/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$work"/dist/shm_harness-*.whl "$(pin numpy)" "$(pin posix-ipc)"
    "$env_dir/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | grep -E '^(shm-harness|numpy|posix_ipc) '
}

step_toolless() {
    local tool found
    for tool in cargo rustc rustup; do
        if found=$(toolless /bin/bash -c "command -v $tool"); then
            echo "$tool is on the checks' PATH ($found)" >&2
            return 1
        fi
        echo "  command -v $tool: not found"
    done
    found=$(toolless /bin/bash -c 'command -v shm-harness')
    [ "$found" = "$env_dir/bin/shm-harness" ] || {
        echo "shm-harness on the checks' PATH is $found, not the wheel's" >&2
        return 1
    }
    echo "  shm-harness: $found ($(toolless shm-harness --version))"
}

step_kit() {
    local kit
    mkdir "$example"
    cp examples/posix_ipc_peer/*.py examples/posix_ipc_peer/*.toml "$example/"
    # The example looks for the kit beside it, then in the checkout's
    # python/ (../../python): neither is there, so it imports the wheel's.
    kit=$(cd "$example" && toolless python -c 'import peer; print(peer.kit.__file__)')
    case $kit in
        "$env_dir"/lib/python*/site-packages/shm_peer_kit/__init__.py) echo "  the example's kit: $kit" ;;
        *)
            echo "the example imported a kit that is not the wheel's: $kit" >&2
            return 1
            ;;
    esac
}

step_check() {
    toolless shm-harness check-peer --peer-manifest "$example/posix_ipc.toml" --python "$env_dir/bin/python" \
        </dev/null | tail -n 2
}

step_run() {
    toolless shm-harness run --peer-manifest "$example/posix_ipc.toml" --python "$env_dir/bin/python" \
        </dev/null | tail -n 3
}

# The launchers' pins: pipx and uv, each with the command its users type.
launchers="pipx==1.18.4 uv==0.13.9"

step_launchers() {
    local wheel tools=$work/launchers python out
    wheel=$(ls "$work"/dist/shm_harness-*.whl)
    python3 -m venv "$tools"
    # shellcheck disable=SC2086 # the pins are words
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check $launchers
    python=$(python3 -c 'import sys; print(sys.executable)')
    # Each in the toolless environment, its homes under the work directory.
    out=$(env -i HOME="$work/home" LANG=C.UTF-8 PATH="$tools/bin:$(dirname "$python")" \
        PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx/bin" \
        pipx run --spec "$wheel" shm-harness --version </dev/null)
    check_version "pipx run --spec $(basename "$wheel") shm-harness --version" "$out"
    out=$(env -i HOME="$work/home" LANG=C.UTF-8 PATH="$tools/bin" \
        UV_CACHE_DIR="$work/uv-cache" UV_TOOL_DIR="$work/uv-tools" UV_PYTHON="$python" \
        UV_PYTHON_DOWNLOADS=never uvx --from "$wheel" shm-harness --version </dev/null)
    check_version "uvx --from $(basename "$wheel") shm-harness --version" "$out"
}

# check_version WHAT OUTPUT: OUTPUT must be shm-harness at the workspace's
# version.
check_version() {
    local want
    want="shm-harness $(bash ci/version.sh)"
    if [ "$2" != "$want" ]; then
        echo "$1 printed '$2', not '$want'" >&2
        return 1
    fi
    echo "  $1: $2"
}

step_broken() {
    local status=0 report
    report=$(toolless shm-harness run --peer-manifest "$example/broken.toml" --python "$env_dir/bin/python" \
        --exact --filter create-taken-name --filter seed-blog-write --format json </dev/null) || status=$?
    if [ "$status" -ne 1 ]; then
        echo "run against the broken peer exited $status, not 1 (a case failed)" >&2
        return 1
    fi
    # The broken peer's own runs: create-taken-name fails where it creates,
    # seed-blog-write passes.
    if ! grep -q '"case":"create-taken-name".*"outcome":"failed","peer":"posix_ipc-broken' <<<"$report"; then
        echo "no failed create-taken-name run of the broken peer:" >&2
        echo "$report" >&2
        return 1
    fi
    if grep '"case":"seed-blog-write"' <<<"$report" | grep -v '"outcome":"passed"' | grep -q .; then
        echo "seed-blog-write did not pass with the broken peer:" >&2
        echo "$report" >&2
        return 1
    fi
    grep '"summary"' <<<"$report"
    echo "  caught: exit 1, create-taken-name failed, seed-blog-write passed"
}

timed "the sdist, and from it the manylinux2014 wheel (zig)" step_build
timed "a fresh venv: the wheel, numpy, posix-ipc" step_install
timed "no Rust toolchain on the checks' PATH" step_toolless
timed "the example peer imports the wheel's shm_peer_kit" step_kit
timed "check-peer of the posix_ipc example" step_check
timed "run: the catalogue against the posix_ipc example" step_run
timed "pipx run and uvx find the wheel's shm-harness" step_launchers
timed "run: the broken example must fail" step_broken

echo ""
echo "==> wheel timings"
printf '%s' "$timings"
echo "  total  $(($(date +%s) - t0))s"
