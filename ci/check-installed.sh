#!/usr/bin/env bash
# Checks an installed shm-harness (from a wheel, an sdist, `cargo install`)
# the way a user outside this checkout runs it, from an empty temporary
# directory: `--version`; `list`, which must name every case of this
# checkout's fixtures/cases (so the binary carries the whole catalogue);
# `schema manifest` (the embedded schema); `run --filter seed`, which must
# pass.
#
#   ci/check-installed.sh BIN
#
# Runs on bash 3.2, and on Windows in Git Bash.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 1 ] || {
    echo "usage: ci/check-installed.sh BIN" >&2
    exit 2
}
case $1 in /* | [A-Za-z]:[/\\]*) bin=$1 ;; *) bin=$PWD/$1 ;; esac
elsewhere=$(mktemp -d "${TMPDIR:-/tmp}/shm-harness-elsewhere.XXXXXX")
trap 'rm -rf "$elsewhere"' EXIT
cd "$elsewhere"

"$bin" --version
"$bin" list | tr -d '\r' >listed.txt
echo "  list: $(wc -l <listed.txt | tr -d ' ') cases"
# Every case of the catalogue ({dtype} names one case per dtype).
missing=""
while IFS= read -r name; do
    grep -qx "$(printf '%s' "$name" | sed 's/{dtype}/[a-z0-9]*/')" listed.txt || missing="$missing $name"
done <<NAMES
$(sed -n 's/^name = "\(.*\)"\r*$/\1/p' "$root"/fixtures/cases/*.toml)
NAMES
if [ -n "$missing" ]; then
    echo "$bin lacks these cases of fixtures/cases:$missing" >&2
    exit 1
fi
schema=$("$bin" schema manifest)
grep -q '^argv' <<<"$schema" || {
    echo "$bin prints no manifest schema" >&2
    exit 1
}
echo "  schema manifest: $(wc -l <<<"$schema" | tr -d ' ') lines"
ran=$("$bin" run --filter seed </dev/null | tr -d '\r')
last=$(tail -n 1 <<<"$ran")
case $last in
    [1-9]*" passed, 0 failed"*) echo "  run --filter seed: $last" ;;
    *)
        echo "$bin run --filter seed did not pass:" >&2
        echo "$ran" >&2
        exit 1
        ;;
esac
echo "installed shm-harness: it carries the catalogue and runs it"
