#!/usr/bin/env bash
# Windows on Linux: builds the workspace for x86_64-pc-windows-gnu with
# Debian's Rust and mingw, and runs it under Wine 8.0 (Debian's wine64).
#
#   ci/windows-wine.sh            build, unit tests, cross-process smoke test
#
# Steps (each a function below, reported in a table at the end):
#   packages   apt-get installs what is missing (rustc-web, cargo-web,
#              rust-web-src, rust-web-clippy, gcc-mingw-w64-x86-64, wine64)
#   clippy     cargo clippy -D warnings over the workspace for the Windows
#              target (every crate but the Unix-only benches), all targets
#   build      shm-core's and the runner's test executables, shm-harness.exe
#              and shared_memory_peer.exe, with -Zbuild-std (no prebuilt
#              Windows std can be had here)
#   shim       bcryptprimitives.dll with ProcessPrng (ci/processprng.c says why)
#   prefix     a private Wine prefix under the target directory
#   unit       shm-core's unit and integration tests, run under Wine
#   harness    the runner's unit tests (shm-protocol, shm-conformance,
#              shm-speedup, shm-harness) and its Rust-only integration tests
#              ($HARNESS_TESTS); `peers` and `interop` drive Python peers,
#              and no Windows CPython can be had here: GitHub's Windows job
#              runs them
#   smoke      create / peer set / peer sum / unlink across Wine processes
#   catalogue  `shm-harness.exe run --mode spawn` over the whole catalogue
#              (on by default; SHM_WINE_CATALOGUE=0 skips it)
#   sharedmem  the catalogue both ways against shared_memory_peer.exe (the
#              shared_memory crate's Windows mappings)
#   wheel      the Windows wheel (win_amd64) of shm-harness, built by maturin
#              (ci/wheel-tools.sh) from the build step's artifacts, its
#              scripts put where pip puts them, and its shm-harness.exe run:
#              `list`, and `run --filter seed-blog-write`
#
# Environment: SHM_WINE_TARGET_DIR (default: target/windows in the repo),
# SHM_WINE_PREFIX (default: wineprefix in that directory), SHM_WINE_CATALOGUE=0
# to skip the catalogue step. Exits non-zero if any step fails.
#
# Runs on bash 3.2 like every script here: no associative arrays, and no
# array that may be empty is expanded (an error under `set -u` before 4.4).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# The catalogue step (step_catalogue): 1 runs it, 0 skips it.
CATALOGUE=${SHM_WINE_CATALOGUE:-1}

TARGET=x86_64-pc-windows-gnu
PACKAGES="rustc-web cargo-web rust-web-src rust-web-clippy gcc-mingw-w64-x86-64 wine64"
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver

export CARGO_TARGET_DIR=${SHM_WINE_TARGET_DIR:-$ROOT/target/windows}
BIN=$CARGO_TARGET_DIR/$TARGET/debug
LOGS=$CARGO_TARGET_DIR/wine-logs

# Debian's toolchain, not rustup's: rustup's has no Windows std here and none
# can be downloaded, while rustc-web with rust-web-src builds one
# (-Zbuild-std). So the workspace's MSRV must stay at or below Debian's
# rustc-web (1.96).
CARGO=/usr/bin/cargo
export RUSTC=/usr/bin/rustc
export RUSTDOC=/usr/bin/rustdoc
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc
export AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
BUILD_STD=("-Zbuild-std=std,panic_abort" --target "$TARGET")

export WINEPREFIX=${SHM_WINE_PREFIX:-$CARGO_TARGET_DIR/wineprefix}
export WINEDEBUG=-all
export WINEARCH=win64
# No Mono or Gecko installer prompts when the prefix is made.
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY

# The test executables cargo built, one path a line (written by `build`).
UNIT_LIST=$LOGS/unit-exes.txt
HARNESS_LIST=$LOGS/harness-exes.txt
# The harness's integration tests that need no Python.
HARNESS_TESTS="cli runner catalogue robustness speedup prop"
# The report table, one line a step, and each step's outcome as NAME=OUTCOME
# words (pass, fail, skip).
REPORT=""
OUTCOMES=" "
FAILED=0

log() { printf '%s\n' "$*"; }
check_ok() { log "  ok    $*"; }
check_fail() {
    log "  FAIL  $*"
    return 1
}

# wine_run SECONDS EXE ARGS...: runs a Windows program under Wine with a
# time limit; its stdout and stderr pass through.
wine_run() {
    local limit=$1
    shift
    timeout --kill-after=10 "$limit" "$WINE" "$@"
}

# ---------------------------------------------------------------- steps --

# as_root COMMAND...: runs it directly as root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

step_packages() {
    local p missing=""
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        log "  all installed: $PACKAGES"
    else
        log "  installing:$missing"
        as_root apt-get update -qq
        # shellcheck disable=SC2086 # one package per word
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends $missing >/dev/null
    fi
    log "  $("$RUSTC" --version)"
    log "  $("$CARGO" --version)"
    log "  $("$WINE" --version)"
}

# test_exes JSON LIST: the test executables a `cargo test --no-run
# --message-format=json` log names, into LIST; fails if there are none.
test_exes() {
    # Test executables only: the log also names the binaries they run.
    grep '"test":true},"features"' "$1" | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' >"$2"
    [ -s "$2" ] || check_fail "cargo named no test executables in $1"
}

step_clippy() {
    # Debian's cargo-clippy, found by path: a rustup proxy earlier on PATH
    # would run rustup's clippy, which has no Windows std here.
    CARGO=$CARGO /usr/bin/cargo-clippy clippy --workspace --exclude benches --all-targets \
        "${BUILD_STD[@]}" -- -D warnings
    log "  clippy: no warnings for $TARGET"
}

step_build() {
    local t tests=""
    "$CARGO" test --no-run -p shm-core --lib --tests "${BUILD_STD[@]}" \
        --message-format=json-render-diagnostics >"$LOGS/build-tests.json"
    test_exes "$LOGS/build-tests.json" "$UNIT_LIST"
    for t in $HARNESS_TESTS; do tests="$tests --test $t"; done
    # shellcheck disable=SC2086 # one flag or name a word
    "$CARGO" test --no-run -p shm-protocol -p shm-conformance -p shm-speedup -p shm-harness \
        --lib $tests "${BUILD_STD[@]}" \
        --message-format=json-render-diagnostics >"$LOGS/build-harness.json"
    test_exes "$LOGS/build-harness.json" "$HARNESS_LIST"
    "$CARGO" build -p shm-harness --bin shm-harness --bin shared_memory_peer "${BUILD_STD[@]}"
    [ -f "$BIN/shm-harness.exe" ] || check_fail "no $BIN/shm-harness.exe"
    [ -f "$BIN/shared_memory_peer.exe" ] || check_fail "no $BIN/shared_memory_peer.exe"
    log "  built: shm-harness.exe, shared_memory_peer.exe and" \
        "$(cat "$UNIT_LIST" "$HARNESS_LIST" | wc -l) test executables"
}

step_shim() {
    local dll=$CARGO_TARGET_DIR/bcryptprimitives.dll
    x86_64-w64-mingw32-gcc -shared -O2 -Wall -Werror -o "$dll" \
        ci/processprng.c ci/processprng.def -ladvapi32
    # Windows looks for DLLs beside the executable first.
    cp "$dll" "$BIN/"
    cp "$dll" "$BIN/deps/"
    log "  bcryptprimitives.dll (ProcessPrng) beside the executables"
}

step_prefix() {
    if [ -f "$WINEPREFIX/system.reg" ]; then
        log "  prefix exists: ${WINEPREFIX#"$ROOT"/}"
    else
        mkdir -p "$WINEPREFIX"
        wine_run 300 wineboot --init
        timeout 120 "$WINESERVER" -w
        log "  prefix made: ${WINEPREFIX#"$ROOT"/}"
    fi
    # One wineserver for the whole script (stopped by `cleanup`): left to
    # itself it exits when its last process does, and a process starting in
    # that moment fails with "wine client error: ... Connection reset".
    "$WINESERVER" -p
    log "  wineserver started, persistent until the end"
}

# run_tests LIST [ARG...]: runs each test executable LIST names under
# Wine, with the ARGs (libtest's, such as --skip NAME). One that
# failed only because Wine's CreateProcess did ("Internal error", os error
# 1359, an emulator fault seen about one run in three under load) is run
# once more, and the log says so; any other failure stands.
run_tests() {
    local list=$1 exe out status=0
    shift
    while IFS= read -r exe; do
        log "  -- ${exe##*/}"
        out=$LOGS/${exe##*/}.log
        # To a file, not a pipe: Wine's service processes inherit the
        # output and would hold a pipe open after the test ends.
        if wine_run 900 "$exe" --test-threads=2 "$@" </dev/null >"$out" 2>&1; then
            cat "$out"
            continue
        fi
        cat "$out"
        if grep -q '(os error 1359)' "$out" && [ "$(grep -c '^test .* FAILED$' "$out")" -le 1 ]; then
            log "  retrying ${exe##*/} once: Wine failed to start a process (os error 1359)"
            wine_run 900 "$exe" --test-threads=2 "$@" </dev/null || status=1
        else
            status=1
        fi
    done <"$list"
    return "$status"
}

step_unit() { run_tests "$UNIT_LIST"; }

step_harness() {
    log "  not here: the peers and interop tests (Python peers; GitHub's Windows job runs them)"
    # Under CI=true this test requires speedup's CPython rows, as it must on
    # a Windows runner; Wine has no Windows CPython to give them.
    log "  not here: speedup's auto_python_gives_figures_or_a_reason (no Windows CPython under Wine; GitHub's Windows job runs it)"
    run_tests "$HARNESS_LIST" --skip auto_python_gives_figures_or_a_reason
}

# The cross-process check: one Wine process creates and holds a (5, 5)
# float64 array, others attach by descriptor, write and read it; the
# Windows rules are checked too (unlink is a no-op; the mapping vanishes
# with its last handle).
step_smoke() {
    local desc name out status=0
    # Not local: the EXIT trap below reads them after the function returns.
    dir=$(mktemp -d)
    fifo=$dir/stdin
    mkfifo "$fifo"
    # The creator holds the array until its stdin closes: fd 3 keeps it open.
    timeout --kill-after=10 120 "$WINE" "$BIN/shm-harness.exe" create --shape 5,5 \
        --dtype float64 <"$fifo" >"$dir/create.out" 2>"$dir/create.err" &
    create_pid=$!
    exec 3>"$fifo"
    # Steps run in a subshell: this runs when the step ends, however it ends
    # (the creator normally exited already, when its stdin closed).
    # shellcheck disable=SC2317,SC2329
    smoke_cleanup() {
        exec 3>&- 2>/dev/null || true
        kill "$create_pid" 2>/dev/null || true
        rm -rf "$dir"
    }
    trap smoke_cleanup EXIT

    local _
    for _ in $(seq 300); do
        [ -s "$dir/create.out" ] && break
        kill -0 "$create_pid" 2>/dev/null || break
        sleep 0.1
    done
    desc=$(head -n1 "$dir/create.out" | tr -d '\r')
    if [ -z "$desc" ]; then
        cat "$dir/create.err" >&2
        check_fail "create printed no descriptor"
        return 1
    fi
    check_ok "create: $desc"
    name=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' <<<"$desc")

    peer() { wine_run 60 "$BIN/shm-harness.exe" peer --descriptor "$desc" "$@" 2>&1 | tr -d '\r'; }
    expect() { # expect WHAT WANT GOT
        if [ "$3" = "$2" ]; then check_ok "$1: $3"; else
            check_fail "$1: expected '$2', got '$3'" || status=1
        fi
    }

    out=$(peer sum) || true
    expect "peer sum (fresh array)" "0.0" "$out"
    out=$(peer set 0,0 1 && echo exit=0) || out="$out exit=$?"
    expect "peer set 0,0 1" "exit=0" "$out"
    out=$(peer sum) || true
    expect "peer sum (another process)" "1.0" "$out"
    out=$(peer get 0,0) || true
    expect "peer get 0,0" "1.0" "$out"

    # Windows has no unlink: it succeeds and removes nothing while held.
    out=$(wine_run 60 "$BIN/shm-harness.exe" unlink "$name" 2>&1 && echo exit=0) || out="exit=$?"
    expect "unlink while held (a no-op)" "exit=0" "$(tr -d '\r' <<<"$out")"
    out=$(peer sum) || true
    expect "peer sum after unlink" "1.0" "$out"

    # Closing the creator's stdin releases it; with the last handle closed
    # the mapping is gone.
    exec 3>&-
    if wait "$create_pid"; then check_ok "create exited 0 when its stdin closed"; else
        check_fail "create exited $? (stderr: $(tr -d '\r' <"$dir/create.err"))" || status=1
    fi
    out=$(peer sum; echo "exit=$?")
    case "$out" in
    *"not found"*"exit=3") check_ok "attach after the last handle closed: not found (exit 3)" ;;
    *) check_fail "attach after the last handle closed: expected not found, exit 3; got '$out'" || status=1 ;;
    esac
    out=$(wine_run 60 "$BIN/shm-harness.exe" unlink "$name" 2>&1; echo "exit=$?")
    case "$(tr -d '\r' <<<"$out")" in
    *"not found"*"exit=3") check_ok "unlink of a vanished name: not found (exit 3)" ;;
    *) check_fail "unlink of a vanished name: got '$out'" || status=1 ;;
    esac
    return "$status"
}

# The whole catalogue in spawn mode (the only mode on Windows), Rust peer
# only (there is no Windows Python here), human report with its
# `N passed, N failed, N skipped` line. Needs from the runner: spawn mode
# that re-executes its own .exe (found with current_exe, a Z:\ path under
# Wine), the built-in catalogue, and each case's Windows expectations.
step_catalogue() {
    wine_run 1800 "$BIN/shm-harness.exe" run --mode spawn --format human </dev/null
}

# The shared_memory crate on Windows, both ways: its mappings are backed by
# files under %TEMP% and opened by that file first, so shm-core's mappings
# are reached through its `allow_raw` fallback.
step_sharedmem() {
    wine_run 900 "$BIN/shm-harness.exe" run --peer shared_memory --format human </dev/null
}

# The wheel a Windows user installs, made from this build: maturin with
# Debian's cargo (first on PATH) and -Zbuild-std given as cargo's
# CARGO_UNSTABLE_BUILD_STD, in the dev profile, so that it reuses what the
# build step compiled (the release workflow builds the release wheels, with
# MSVC, on Windows). pip would put the .data/scripts in Scripts\; no Windows
# Python can be had here, so they are unpacked there by hand.
step_wheel() {
    local tools cargo_bin wheel scripts out
    tools=$(bash ci/wheel-tools.sh)
    cargo_bin=$CARGO_TARGET_DIR/wheel-cargo
    mkdir -p "$cargo_bin"
    ln -sf "$CARGO" "$cargo_bin/cargo"
    rm -rf "$CARGO_TARGET_DIR/wheel"
    PATH="$cargo_bin:$tools:$PATH" CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
        "$tools/maturin" build --locked --profile dev --target "$TARGET" --out "$CARGO_TARGET_DIR/wheel"
    wheel=$(ls "$CARGO_TARGET_DIR"/wheel/shm_harness-*.whl)
    case $wheel in
        *-py3-none-win_amd64.whl) check_ok "wheel: ${wheel##*/}" ;;
        *) check_fail "not a win_amd64 wheel: $wheel" ;;
    esac
    scripts=$CARGO_TARGET_DIR/wheel/Scripts
    mkdir "$CARGO_TARGET_DIR/wheel/unpacked" "$scripts"
    (cd "$CARGO_TARGET_DIR/wheel/unpacked" && python3 -m zipfile -e "$wheel" .)
    [ -f "$CARGO_TARGET_DIR"/wheel/unpacked/shm_peer_kit/__init__.py ] || check_fail "no shm_peer_kit in the wheel"
    cp "$CARGO_TARGET_DIR"/wheel/unpacked/shm_harness-*.data/scripts/*.exe "$scripts/"
    cp "$CARGO_TARGET_DIR/bcryptprimitives.dll" "$scripts/"
    check_ok "its scripts: $(cd "$scripts" && echo *.exe)"
    out=$(wine_run 120 "$scripts/shm-harness.exe" list </dev/null | tr -d '\r')
    if grep -qx seed-blog-write <<<"$out"; then
        check_ok "shm-harness.exe list: $(wc -l <<<"$out" | tr -d ' ') cases"
    else
        check_fail "shm-harness.exe list has no seed-blog-write: $out"
    fi
    out=$(wine_run 300 "$scripts/shm-harness.exe" run --filter seed-blog-write </dev/null | tr -d '\r')
    case $(tail -n 1 <<<"$out") in
        "1 passed, 0 failed, 0 skipped") check_ok "shm-harness.exe run --filter seed-blog-write: $(tail -n 1 <<<"$out")" ;;
        *) check_fail "shm-harness.exe run --filter seed-blog-write: $out" ;;
    esac
}

# ---------------------------------------------------------------- main --

report() { REPORT="$REPORT$(printf '%s' "$*")
"; }
outcome() { # outcome NAME: pass, fail, skip, or nothing if it did not run
    local rest=${OUTCOMES#* "$1"=}
    [ "$rest" != "$OUTCOMES" ] && printf '%s' "${rest%% *}"
    return 0
}

# run_step NAME NEEDS: runs step_NAME unless a step it needs failed.
run_step() {
    local name=$1 need start end secs rc
    shift
    for need in "$@"; do
        if [ "$(outcome "$need")" != pass ]; then
            OUTCOMES="$OUTCOMES$name=skip "
            report "$(printf '%-10s skipped (needs %s)' "$name" "$need")"
            return 0
        fi
    done
    log ""
    log "==> windows-wine: $name"
    start=$(date +%s)
    set +e
    (set -e; "step_$name")
    rc=$?
    set -e
    end=$(date +%s)
    secs=$((end - start))
    if [ $rc -eq 0 ]; then
        OUTCOMES="$OUTCOMES$name=pass "
        report "$(printf '%-10s passed  %4ss' "$name" "$secs")"
    else
        OUTCOMES="$OUTCOMES$name=fail "
        FAILED=1
        report "$(printf '%-10s FAILED  %4ss (exit %s)' "$name" "$secs" "$rc")"
    fi
}

cleanup() {
    # This script's own Wine prefix only: stop its wineserver.
    if [ -d "$WINEPREFIX" ] && [ -x "$WINESERVER" ]; then
        "$WINESERVER" -k 2>/dev/null || true
    fi
}
trap cleanup EXIT

mkdir -p "$LOGS"
T0=$(date +%s)
run_step packages
run_step clippy packages
run_step build packages
run_step shim build
run_step prefix shim
run_step unit prefix
run_step harness prefix
run_step smoke prefix
if [ "$CATALOGUE" = 1 ]; then
    run_step catalogue prefix
else
    report "$(printf '%-10s skipped (SHM_WINE_CATALOGUE=0)' catalogue)"
fi
run_step sharedmem prefix
run_step wheel prefix

log ""
log "==> windows-wine report ($TARGET under $("$WINE" --version 2>/dev/null || echo wine))"
printf '%s' "$REPORT" | sed 's/^/  /'
log "  total     $(($(date +%s) - T0))s"
if [ "$FAILED" -ne 0 ]; then
    log "windows-wine: FAILED"
    exit 1
fi
log "windows-wine: all steps passed"
