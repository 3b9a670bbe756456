"""The runner embeds the peer scripts and writes them into a temporary
directory of their own: with ``shm_peer_kit.RUNTIME_FILES`` written beside
them as ``shm_peer_kit/``, they must run there with nothing else (here in
isolated mode: no PYTHONPATH, not even their own directory on sys.path)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import shm_peer_kit as kit
from conftest import PEER, SHAREDARRAY_PEER, segment_exists

KIT = Path(kit.__file__).parent


def test_runtime_files_are_every_module_but_main() -> None:
    modules = {p.name for p in KIT.glob("*.py")} - {"__main__.py"}
    assert set(kit.RUNTIME_FILES) == modules


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    for script in (PEER, SHAREDARRAY_PEER):
        shutil.copy(script, tmp_path / script.name)
    (tmp_path / "shm_peer_kit").mkdir()
    for name in kit.RUNTIME_FILES:
        shutil.copy(KIT / name, tmp_path / "shm_peer_kit" / name)
    return tmp_path


def test_the_scripts_run_beside_the_kit(scripts: Path, names) -> None:
    name = names()

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-I", str(scripts / "peer.py"), *args],
            cwd=scripts,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
        )

    made = run("create", "--shape", "2", "--dtype", "int16", "--fill", "-3", "--name", name, "--keep")
    assert made.returncode == 0, made.stderr
    line = made.stdout.strip()
    assert run("peer", "--descriptor", line, "sum").stdout == "-6\n"
    reply = json.loads(run("serve", input=json.dumps(["peer", "--descriptor", line, "get", "1"]) + "\n").stdout)
    assert reply == {"code": 0, "stdout": "-3\n", "stderr": ""}
    assert run("unlink", name).returncode == 0 and not segment_exists(name)
    assert not list(scripts.rglob("__pycache__")), "the scripts leave no bytecode beside them"
