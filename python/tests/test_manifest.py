"""Manifests from capabilities (the schema in fixtures/peers/README.md):
the built-in manifests in fixtures/peers/ are what the scripts' declared
capabilities say, and the committed example manifests are the tool's output."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest

import shm_peer_kit as kit
from conftest import HERE, PEER, POSIX_IPC_PEER, ROOT, SHAREDARRAY_PEER, SHM_NDARRAY_PEER
from shm_peer_kit.manifest import libraries_in, manifest_for_script, manifest_toml

#: The keys the schema accepts (it refuses any other), from its example.
SCHEMA = set(tomllib.loads((ROOT / "fixtures" / "peers" / "README.md").read_text().split("```toml\n")[1].split("```")[0]))


def _library(script, name: str) -> type[kit.Library]:
    (found,) = [c for c in libraries_in(str(script)) if c.capabilities.name == name]
    return found


@pytest.mark.parametrize(
    ("script", "name"),
    [(PEER, "python"), (PEER, "wetlands"), (SHAREDARRAY_PEER, "sharedarray"), (SHM_NDARRAY_PEER, "shm_ndarray")],
)
def test_built_in_manifests_are_the_capabilities(script, name: str) -> None:
    made = tomllib.loads(manifest_toml(_library(script, name).capabilities, script.name, "{scripts}"))
    with open(ROOT / "fixtures" / "peers" / f"{name}.toml", "rb") as f:
        assert made == tomllib.load(f)
    assert set(made) <= SCHEMA


@pytest.mark.parametrize("toml", ["posix_ipc.toml", "broken.toml"])
def test_example_manifests_are_the_tools_output(toml: str) -> None:
    directory = ROOT / "examples" / "posix_ipc_peer"
    script = "peer.py" if toml == "posix_ipc.toml" else "broken_peer.py"
    if not _can_import_posix_ipc():
        pytest.skip("no posix_ipc")
    assert (directory / toml).read_text() == manifest_for_script(str(directory / script))


def _can_import_posix_ipc() -> bool:
    try:
        import posix_ipc  # noqa: F401
    except ImportError:
        return False
    return True


def test_forms_and_unlink_are_claimed_when_they_differ_from_the_defaults() -> None:
    wetlands = tomllib.loads(manifest_toml(_library(PEER, "wetlands").capabilities))
    assert wetlands["forms"] == ["wetlands"] and wetlands["unlink"] is True and "form" not in wetlands
    both = tomllib.loads(manifest_toml(_library(PEER, "python").capabilities))
    assert both["forms"] == ["canonical", "wetlands"]
    plain = tomllib.loads(manifest_toml(kit.Capabilities(name="plain", reads=("canonical",), unlink=False)))
    assert "forms" not in plain and "unlink" not in plain


def test_every_field() -> None:
    caps = kit.Capabilities(
        name="full",
        description='quotes " and \\ and é',
        argv=("--x",),
        dtypes=("float32", "int8"),
        byte_orders=("native",),
        empty=False,
        named_create=False,
        reads=("wetlands",),
        form="wetlands",
        serve=False,
        unlink=False,
        layout="sharedarray",
        os=("linux",),
        python_modules=("numpy", "full"),
        unsupported_sides=(kit.SideRule("attaches", "never", os=("windows",)),),
        deviations=(kit.Deviation("permissions", "creates", "warning: 0666"),),
    )
    text = manifest_toml(caps, "full.py", comment="one\ntwo")
    assert text.startswith("# one\n# two\n")
    m = tomllib.loads(text)
    assert m == {
        "name": "full", "description": 'quotes " and \\ and é', "argv": ["{python}", "{dir}/full.py", "--x"],
        "forms": ["wetlands"], "byte_orders": ["native"], "dtypes": ["int8", "float32"], "empty": False,
        "named_create": False, "layout": "sharedarray", "os": ["linux"], "python_modules": ["numpy", "full"],
        "unsupported_side": [{"side": "attaches", "os": ["windows"], "reason": "never"}],
        "deviation": [{"case": "permissions", "side": "creates", "reason": "warning: 0666"}],
    }  # fmt: skip
    assert set(m) <= SCHEMA


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "rust"}, {"name": ""}, {"dtypes": ("float128",)}, {"byte_orders": ("swapped",)},
        {"reads": ()}, {"reads": ("canonical",), "form": "wetlands"}, {"layout": "other"},
        {"name_prefix": "x" * 15}, {"name_prefix": "a/"},
    ],
)  # fmt: skip
def test_capabilities_are_checked(bad: dict) -> None:
    with pytest.raises((ValueError, kit.UsageError)):
        kit.Capabilities(**{"name": "x", **bad})


def test_the_command_line() -> None:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    run = [sys.executable, "-m", "shm_peer_kit", "manifest"]
    ok = subprocess.run([*run, str(PEER), "--library", "python", "--directory", "{scripts}"], env=env,
                        capture_output=True, text=True)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert tomllib.loads(ok.stdout)["argv"] == ["{python}", "{scripts}/peer.py"]
    ambiguous = subprocess.run([*run, str(PEER)], env=env, capture_output=True, text=True)
    assert ambiguous.returncode == 2 and "python, wetlands" in ambiguous.stderr
    missing = subprocess.run([*run, "/no/such/peer.py"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")
    assert POSIX_IPC_PEER.exists()
