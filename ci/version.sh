#!/usr/bin/env bash
# Prints the workspace's version ([workspace.package] in Cargo.toml), the
# version of every crate, the wheel and the release tag (vVERSION). Fails
# when there is none. Runs on bash 3.2, and on Windows in Git Bash.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version = "\(.*\)"\r*$/\1/p' "$root/Cargo.toml")
if [ -z "$version" ]; then
    echo "no version in [workspace.package] of $root/Cargo.toml" >&2
    exit 1
fi
printf '%s\n' "$version"
