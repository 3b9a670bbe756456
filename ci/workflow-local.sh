#!/usr/bin/env bash
# Runs the Linux jobs of .github/workflows/ci.yml here, step by step, the way
# a fresh ubuntu-latest runner would, and prints a per-step summary.
#
#   ci/workflow-local.sh [--job NAME]... [--matrix KEY=VALUE]... [--rev REV]
#                        [--workflow FILE] [--pass-env NAME]... [--keep]
#
#   --job NAME       run this job only (repeatable); default: every job whose
#                    runs-on is ubuntu-latest, for matrix jobs the matrix
#                    entries that run there
#   --matrix KEY=VALUE  only the matrix entries with this value (entries
#                    without the key run); the others are listed as not run
#   --rev REV        the commit to check out (default HEAD)
#   --workflow FILE  default .github/workflows/ci.yml
#   --pass-env NAME  hand this variable of the caller's environment to the
#                    steps (repeatable)
#   --keep           keep each job's directory (clone, HOME, temp) after the run
#
# The workflow is read with a real YAML parser (PyYAML, installed by this
# script from PyPI into a venv under target/). The engine is
# ci/workflow_local.py; the rules it follows:
#
#   * Each job starts from nothing: a fresh directory under
#     target/workflow-local/ with an empty HOME, a temp dir, and the
#     checkout, which is a `git clone` of the commit (so changes that are not
#     committed are not in it; the script warns when the work tree has any).
#     CARGO_TARGET_DIR is unset, as on a runner: cargo builds in the clone's
#     own target/, which is empty. The steps get CI=true, GITHUB_ACTIONS=true,
#     RUNNER_OS=Linux, the GITHUB_* files and a plain PATH; RUSTUP_HOME and
#     CARGO_HOME point at the installed toolchain (whose crate cache may be
#     reused), nothing else of the caller's environment goes through except
#     --pass-env names.
#   * `run:` steps run in order with the step's shell (`bash` is
#     `bash --noprofile --norc -eo pipefail`, unset is `bash -e`), the
#     `env:` of workflow, job and step, and `working-directory`. What a step
#     writes to GITHUB_ENV, GITHUB_PATH and GITHUB_OUTPUT reaches later steps.
#   * `if:` knows success(), failure(), always(), cancelled() and their
#     negations; after a failed step only steps whose `if:` allows it run.
#   * `uses:` must be pinned to a full commit SHA and be one of: checkout
#     (the clone above), dtolnay/rust-toolchain (the toolchain must already
#     be installed; it is selected with RUSTUP_TOOLCHAIN, nothing is
#     downloaded), setup-python (puts python3 and python on PATH: the
#     machine's python3, which must not have numpy, as a fresh runner's has
#     not; $WORKFLOW_LOCAL_PYTHON picks another), upload-artifact (checks the
#     files exist and copies them beside the job). Any other action fails,
#     except a local one: `uses: ./PATH` runs the composite action in the
#     checkout (PATH/action.yml) step by step, as the runner expands it:
#     its inputs from `with:` and its defaults (an input it does not
#     declare, or a required one missing, fails), `${{ inputs.x }}` and
#     `github.action_path` in its expressions, its own `steps` context,
#     GITHUB_ACTION_PATH and the calling step's env in its steps'
#     environment, `shell:` required on its `run:` steps; its outputs'
#     values become the calling step's outputs. Its steps are reported as
#     N.1, N.2, ... under the step N that uses it.
#
# Exits 0 when every job run succeeded. Runs on bash 3.2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# PyYAML's version is pinned: the same parser on every machine.
yaml_pin=PyYAML==6.0.3
venv=${WORKFLOW_LOCAL_VENV:-$root/target/workflow-local-venv}
if [ ! -x "$venv/bin/python" ]; then
    echo "==> python3 -m venv $venv (for $yaml_pin)" >&2
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import yaml, sys; sys.exit(yaml.__version__ != sys.argv[1])' "${yaml_pin#*==}" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$yaml_pin"
fi

exec "$venv/bin/python" "$root/ci/workflow_local.py" "$@"
