#!/usr/bin/env bash
# The steps of this repository's GitHub Action (action.yml at the top):
# installs shm-harness, then runs the conformance commands against the
# peers asked for and writes their reports into one directory. It runs
# locally too, with the same variables the action sets:
#
#   ci/action.sh install     puts shm-harness in an environment; prints
#                            harness=PATH and python=PATH (to $GITHUB_OUTPUT
#                            when set, else to stdout)
#   ci/action.sh run         runs the commands; exits 1 when any failed,
#                            after running all of them
#
# Variables (the action's inputs):
#   SHM_ACTION_INSTALL   pypi (default): the wheel `shm-harness==VERSION`
#                        from PyPI; source: `pip install` of the action's own
#                        directory (this repository at the action's ref),
#                        which builds the wheel with maturin and needs cargo
#   SHM_ACTION_VERSION   for pypi: the version (default: this checkout's own,
#                        the workspace version in Cargo.toml)
#   SHM_ACTION_PYTHON    the interpreter: shm-harness (and its peer kit,
#                        shm_peer_kit) is installed into its environment,
#                        and the Python peers run with it (--python). Empty:
#                        a private venv from python3 (or python, py -3), and
#                        the runner's own default for the peers
#   SHM_ACTION_PEERS     built-in peer names, separated by spaces or commas
#                        (rust, cli, python, wetlands, sharedarray,
#                        shm_ndarray, shared_memory; `all` for run only)
#   SHM_ACTION_MANIFEST  peer manifest paths, one a line
#   SHM_ACTION_COMMANDS  any of run, check-peer, prop (default: run)
#   SHM_ACTION_FORMAT    the reports' format: junit (default), human, json
#                        (prop writes its own text)
#   SHM_ACTION_REPORTS   the reports' directory (default shm-harness-reports)
#   SHM_HARNESS_BIN      for run: the shm-harness to use (install's output)
#
# `run` runs the whole catalogue once with every peer and manifest; each of
# check-peer and prop runs once a peer (`rust`, the runner itself, is no
# peer to check). Reports: run.EXT, check-peer-NAME.EXT, prop-NAME.txt.
# Runs on bash 3.2.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '%s\n' "$*"; }
# refuse MESSAGE: one error line, and status 2 (a usage error).
refuse() {
    printf 'error: %s\n' "$*" >&2
    return 2
}
die() {
    refuse "$@" || exit
}

# native PATH: a path both bash and native programs read; on Windows (Git
# Bash) the mixed form, C:/x/python.exe.
native() {
    if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s\n' "$1"; fi
}

# output NAME VALUE: a step output, or a line on stdout outside Actions.
output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
    log "$1=$2"
}

# find_python: sets `python_cmd` (an array) to SHM_ACTION_PYTHON if set,
# else to the first of python3, python, `py -3` that runs (Windows runners
# have python and the py launcher, not python3).
python_cmd=()
find_python() {
    local candidate
    if [ -n "${SHM_ACTION_PYTHON:-}" ]; then
        python_cmd=("$(native "$SHM_ACTION_PYTHON")")
        return 0
    fi
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c '' >/dev/null 2>&1; then
            python_cmd=("$candidate")
            return 0
        fi
    done
    if command -v py >/dev/null 2>&1 && py -3 -c '' >/dev/null 2>&1; then
        python_cmd=(py -3)
        return 0
    fi
    die "no Python found (tried python3, python, py -3): set the python input"
}

install() {
    local how=${SHM_ACTION_INSTALL:-pypi} version=${SHM_ACTION_VERSION:-} spec python venv
    case $how in
        pypi)
            # This checkout's own version: the action's, at its ref.
            [ -n "$version" ] || version=$(bash "$here/ci/version.sh")
            spec="shm-harness==$version"
            ;;
        source) spec=$(native "$here") ;;
        *) die "install: '$how' is not pypi or source" ;;
    esac
    find_python
    if [ -n "${SHM_ACTION_PYTHON:-}" ]; then
        python=${python_cmd[0]}
    else
        venv=$(native "${RUNNER_TEMP:-${TMPDIR:-/tmp}}")/shm-harness-venv
        log "==> a venv for shm-harness: $venv (from ${python_cmd[0]})"
        ${python_cmd[@]+"${python_cmd[@]}"} -m venv "$venv"
        if [ -x "$venv/bin/python" ]; then python=$venv/bin/python; else python=$venv/Scripts/python.exe; fi
    fi
    log "==> $python -m pip install $spec"
    "$python" -m pip install --disable-pip-version-check --progress-bar off "$spec"
    local harness
    harness=$("$python" -c 'import os, sysconfig
exe = "shm-harness" + (".exe" if os.name == "nt" else "")
print(os.path.join(sysconfig.get_path("scripts"), exe).replace(os.sep, "/"))')
    [ -f "$harness" ] || die "the install put no shm-harness at $harness"
    "$harness" --version
    output harness "$harness"
    output python "$python"
}

# summarize FILE: a JUnit report's totals and its failed cases, for the log.
summarize() {
    ${python_cmd[@]+"${python_cmd[@]}"} - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
cases = root.iter("testcase")
failed, skipped, total = [], 0, 0
for case in cases:
    total += 1
    if case.find("skipped") is not None:
        skipped += 1
    for bad in ("failure", "error"):
        node = case.find(bad)
        if node is not None:
            failed.append((case.get("name"), node.get("message") or (node.text or "").strip()))
for name, message in failed:
    print(f"FAIL {name}: {message}")
print(f"{total - len(failed) - skipped} passed, {len(failed)} failed, {skipped} skipped")
EOF
}

# report_of STEM: the report's path for this format.
report_of() {
    case $format in
        junit) printf '%s/%s.junit.xml\n' "$reports" "$1" ;;
        json) printf '%s/%s.json\n' "$reports" "$1" ;;
        human) printf '%s/%s.txt\n' "$reports" "$1" ;;
    esac
}

# show FILE: the report in the log (JUnit as its summary).
show() {
    if [ ! -s "$1" ]; then
        log "(no report written)"
    elif [ "$format" = junit ]; then
        summarize "$1"
    else
        cat "$1"
    fi
}

failures=""
# attempt LABEL COMMAND...: runs it, records a failure, never stops.
attempt() {
    local label=$1 status=0
    shift
    log ""
    log "==> shm-harness $label"
    "$@" </dev/null || status=$?
    if [ "$status" -ne 0 ]; then
        failures="$failures${failures:+; }$label"
        log "shm-harness $label: FAILED (exit $status)"
    fi
    return 0
}

run() {
    harness=${SHM_HARNESS_BIN:-shm-harness}
    format=${SHM_ACTION_FORMAT:-junit}
    reports=${SHM_ACTION_REPORTS:-shm-harness-reports}
    local commands=${SHM_ACTION_COMMANDS:-run} command peer manifest name
    case $format in junit | human | json) ;; *) die "format: '$format' is not junit, human or json" ;; esac
    mkdir -p "$reports"
    find_python

    # The peers as words, `rust` and `all` apart (run only); the manifests
    # one a line.
    local peers="" run_args="" named=""
    for peer in $(printf '%s' "${SHM_ACTION_PEERS:-}" | tr ',' ' '); do
        run_args="$run_args --peer $peer"
        case $peer in rust | all) ;; *) named="$named $peer" ;; esac
        peers="$peers $peer"
    done
    local manifests
    manifests=$(printf '%s\n' "${SHM_ACTION_MANIFEST:-}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d')
    local python_args=()
    [ -z "${SHM_ACTION_PYTHON:-}" ] || python_args=(--python "${python_cmd[0]}")

    for command in $(printf '%s' "$commands" | tr ',' ' '); do
        case $command in
            run)
                # Word splitting of $run_args is wanted; manifests go one an
                # argument, spaces and all.
                set -- run
                # shellcheck disable=SC2086
                [ -z "$run_args" ] || set -- "$@" $run_args
                if [ -n "$manifests" ]; then
                    while IFS= read -r manifest; do set -- "$@" --peer-manifest "$manifest"; done <<<"$manifests"
                fi
                attempt run "$harness" "$@" ${python_args[@]+"${python_args[@]}"} \
                    --format "$format" --output "$(report_of run)"
                show "$(report_of run)"
                ;;
            check-peer | prop)
                if [ -z "$named" ] && [ -z "$manifests" ]; then
                    attempt "$command" refuse "$command needs a peer other than rust or all: set peers or manifest"
                    continue
                fi
                for peer in $named; do
                    if [ "$command" = prop ]; then
                        attempt "prop --peer $peer" prop_to "$reports/prop-$peer.txt" \
                            --peer "$peer" ${python_args[@]+"${python_args[@]}"}
                    else
                        attempt "check-peer --peer $peer" "$harness" check-peer --peer "$peer" \
                            ${python_args[@]+"${python_args[@]}"} --format "$format" --output "$(report_of "check-peer-$peer")"
                        show "$(report_of "check-peer-$peer")"
                    fi
                done
                if [ -n "$manifests" ]; then
                    while IFS= read -r manifest; do
                        name=$(basename "$manifest" .toml)
                        if [ "$command" = prop ]; then
                            attempt "prop --peer-manifest $manifest" prop_to "$reports/prop-$name.txt" \
                                --peer-manifest "$manifest" ${python_args[@]+"${python_args[@]}"}
                        else
                            attempt "check-peer --peer-manifest $manifest" "$harness" check-peer \
                                --peer-manifest "$manifest" ${python_args[@]+"${python_args[@]}"} \
                                --format "$format" --output "$(report_of "check-peer-$name")"
                            show "$(report_of "check-peer-$name")"
                        fi
                    done <<<"$manifests"
                fi
                ;;
            *) attempt "$command" refuse "commands: '$command' is not run, check-peer or prop" ;;
        esac
    done
    log ""
    log "reports in $reports:"
    ls "$reports"
    if [ -n "$failures" ]; then
        log "failed: $failures"
        exit 1
    fi
    log "every command passed: $commands"
}

# prop_to FILE ARGS...: prop's text into FILE and the log; its exit status.
prop_to() {
    local file=$1 status=0
    shift
    "$harness" prop "$@" >"$file" 2>&1 || status=$?
    cat "$file"
    return "$status"
}

case ${1:-} in
    install) install ;;
    run) run ;;
    *) die "usage: ci/action.sh install|run" ;;
esac
