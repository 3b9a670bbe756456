#!/usr/bin/env bash
# The crates as crates.io would get them, and shm-harness installed as
# `cargo install` installs it:
#
#   1. copies the workspace data that shm-conformance and shm-speedup embed
#      (fixtures/..., python/shm_peer_kit/) into their data/ directories,
#      which only the packages carry (shm-conformance/build.rs says why)
#   2. `cargo publish --workspace --dry-run`: packages every publishable
#      crate together, in dependency order, and builds each from its .crate
#      alone (the unpublished ones it depends on come from cargo's temporary
#      local registry), so a file a package lacks fails here
#   3. checks that each embedding package holds every data file its crate
#      reads, and nothing from outside it
#   4. `cargo install --path shm-harness --locked` into a temporary root,
#      then runs that shm-harness from an empty directory
#      (ci/check-installed.sh): `list` and `run --filter seed` need the
#      catalogue it embeds, `schema manifest` the schema
#
#   ci/package.sh [--keep]
#
# cargo is told --allow-dirty, because the data copies are not in git; so
# this script says which uncommitted changes under the packaged paths went
# into the packages. --keep, to publish (`cargo publish --workspace
# --allow-dirty` after a dry run that passed), leaves the data copies in
# place, and refuses a work tree with such changes. Runs on bash 3.2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

keep=0
for arg in "$@"; do
    case $arg in
        --keep) keep=1 ;;
        *)
            echo "usage: ci/package.sh [--keep]" >&2
            exit 2
            ;;
    esac
done

crates="shm-core shm-protocol ipc-bench shm-conformance shm-speedup shm-harness"
# The workspace data each embedding crate reads (its build.rs and data!).
conformance_data="fixtures/cases/*.toml fixtures/peers/*.toml fixtures/peers/README.md fixtures/python/*.py
fixtures/prop/*.toml fixtures/cli/*.toml python/shm_peer_kit/*.py"
speedup_data="fixtures/python/speedup.py fixtures/python/shm_queue.py"

# shellcheck disable=SC2086 # the crates are words
dirty=$(git status --porcelain -- Cargo.toml Cargo.lock fixtures python $crates)
if [ -n "$dirty" ]; then
    if [ "$keep" = 1 ]; then
        echo "uncommitted changes under the packaged paths; commit them before publishing:" >&2
        echo "$dirty" >&2
        exit 1
    fi
    echo "warning: the packages hold these uncommitted changes:" >&2
    echo "$dirty" >&2
fi

cleanup() {
    if [ "$keep" = 0 ]; then rm -rf shm-conformance/data shm-speedup/data; fi
    rm -rf "${install_root:-}"
}
trap cleanup EXIT

# copy CRATE PATTERNS: the workspace files PATTERNS name, at the same
# relative paths under CRATE/data/.
copy() {
    local crate=$1 file
    rm -rf "$crate/data"
    # shellcheck disable=SC2086 # the patterns are globs
    for file in $2; do
        [ -f "$file" ] || {
            echo "no $file in the workspace" >&2
            return 1
        }
        mkdir -p "$crate/data/$(dirname "$file")"
        cp "$file" "$crate/data/$file"
    done
    echo "  $crate/data: $(find "$crate/data" -type f | wc -l | tr -d ' ') files"
}

echo "==> the data copies the packages carry"
copy shm-conformance "$conformance_data"
copy shm-speedup "$speedup_data"

echo "==> cargo publish --workspace --dry-run (packages and builds $crates)"
cargo publish --workspace --dry-run --allow-dirty --locked 2>&1 | grep -v '^warning: ignoring test ' || {
    echo "cargo publish --dry-run failed" >&2
    exit 1
}
packaged=$(for c in $crates; do printf ' %s' "$c"; done)
echo "  verified:$packaged (each built from its .crate alone)"

version=$(bash ci/version.sh)
# contents CRATE: the files of its .crate, without the leading directory.
# A workspace publish leaves the .crate files in target/package/tmp-crate,
# beside the temporary registry it verifies them against; a single
# crate's package is in target/package.
contents() {
    local file dir
    for dir in target/package/tmp-crate target/package; do
        file=$dir/$1-$version.crate
        if [ -f "$file" ]; then
            tar -tzf "$file" | sed "s|^$1-$version/||" | sort
            return 0
        fi
    done
    echo "no $1-$version.crate in target/package or target/package/tmp-crate" >&2
    return 1
}

# holds CRATE PATTERNS: the crate's package has every file the patterns
# name, under data/.
holds() {
    local crate=$1 file listing missing=""
    listing=$(contents "$crate")
    # shellcheck disable=SC2086 # the patterns are globs
    for file in $2; do
        grep -qxF "data/$file" <<<"$listing" || missing="$missing data/$file"
    done
    if [ -n "$missing" ]; then
        echo "$crate's package lacks:$missing" >&2
        return 1
    fi
    echo "  $crate-$version.crate: $(grep -c '^data/' <<<"$listing") data files, every one its crate reads"
}

echo "==> what the packages hold"
holds shm-conformance "$conformance_data"
holds shm-speedup "$speedup_data"
status=0
for c in $crates; do
    # Nothing a package holds may lie outside its crate: cargo names only
    # files inside it, so a path with .. would be a bug in cargo or here.
    listing=$(contents "$c")
    if grep -q '\.\./' <<<"$listing"; then
        echo "$c's package holds a path outside the crate" >&2
        status=1
    fi
done
[ "$status" = 0 ]

echo "==> cargo install --path shm-harness --locked, into a temporary root"
install_root=$(mktemp -d "${TMPDIR:-/tmp}/shm-harness-install.XXXXXX")
cargo install --quiet --locked --path shm-harness --root "$install_root"
bin=$install_root/bin/shm-harness

echo "==> the installed shm-harness, from an empty directory outside the checkout"
bash ci/check-installed.sh "$bin"
echo "package: the crates package and build alone, and the installed shm-harness runs"
