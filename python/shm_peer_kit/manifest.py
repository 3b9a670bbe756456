"""A peer's runner manifest (TOML, the schema in ``fixtures/peers/README.md``,
which ``shm-harness schema manifest`` prints) from its declared
capabilities.

    python -m shm_peer_kit manifest PEER_SCRIPT [--library NAME]
        [--directory {dir}|{scripts}]

Only fields that differ from the schema's defaults are printed, besides
``name``, ``argv`` and ``python_modules``.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Iterable
from typing import Any

from .descriptor import CANONICAL, WETLANDS
from .dtypes import ALL_DTYPES
from .library import BYTE_ORDERS, Capabilities, Library

def _string(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def manifest_fields(
    capabilities: Capabilities,
    script: str = "peer.py",
    directory: str = "{dir}",
) -> list[tuple[str, Any]]:
    """The manifest's top-level fields, in the schema's order, each only
    when it differs from the schema's default (``name``, ``argv`` and
    ``python_modules`` always)."""
    caps = capabilities
    fields: list[tuple[str, Any]] = [("name", caps.name)]
    if caps.description:
        fields.append(("description", caps.description))
    fields.append(("argv", ["{python}", f"{directory}/{script}", *caps.argv]))
    if caps.serve:
        fields.append(("serve", True))
    if tuple(caps.reads) != (CANONICAL,):
        fields.append(("forms", [f for f in (CANONICAL, WETLANDS) if f in caps.reads]))
    if set(caps.byte_orders) != set(BYTE_ORDERS):
        fields.append(("byte_orders", [b for b in BYTE_ORDERS if b in caps.byte_orders]))
    if set(caps.dtypes) != set(ALL_DTYPES):
        fields.append(("dtypes", [d for d in ALL_DTYPES if d in caps.dtypes]))
    if not caps.empty:
        fields.append(("empty", False))
    if not caps.named_create:
        fields.append(("named_create", False))
    if caps.unlink:
        fields.append(("unlink", True))
    if caps.layout is not None:
        fields.append(("layout", caps.layout))
    if caps.os is not None:
        fields.append(("os", list(caps.os)))
    fields.append(("python_modules", list(caps.python_modules)))
    return fields


def manifest_toml(
    capabilities: Capabilities,
    script: str = "peer.py",
    directory: str = "{dir}",
    comment: str | None = None,
) -> str:
    """The TOML manifest for a peer with ``capabilities``, run as
    ``{python} DIRECTORY/SCRIPT ARGV...`` (``directory``: ``{dir}``, the
    manifest's own directory, or ``{scripts}`` for the runner's embedded
    scripts); ``comment`` becomes leading ``#`` lines."""
    lines = [f"# {c}".rstrip() for c in (comment.splitlines() if comment else [])]
    lines += [
        f"{key} = {_value(value)}" for key, value in manifest_fields(capabilities, script, directory)
    ]
    for rule in capabilities.unsupported_sides:
        lines += ["", "[[unsupported_side]]", f"side = {_value(rule.side)}"]
        if rule.os is not None:
            lines.append(f"os = {_value(list(rule.os))}")
        lines.append(f"reason = {_value(rule.reason)}")
    for deviation in capabilities.deviations:
        lines += ["", "[[deviation]]", f"case = {_value(deviation.case)}", f"side = {_value(deviation.side)}"]
        if deviation.os is not None:
            lines.append(f"os = {_value(list(deviation.os))}")
        lines.append(f"reason = {_value(deviation.reason)}")
    return "\n".join(lines) + "\n"


def libraries_in(script: str) -> list[type[Library]]:
    """The :class:`Library` subclasses with capabilities that the peer
    script ``script`` defines (it is run as a module, not as ``__main__``)."""
    directory = os.path.dirname(os.path.abspath(script))
    sys.path.insert(0, directory)  # as Python does for a script it runs
    try:
        module = runpy.run_path(script, run_name="shm_peer_kit_manifest")
    finally:
        sys.path.remove(directory)
    found: Iterable[Any] = module.values()
    return [
        obj
        for obj in found
        if isinstance(obj, type)
        and issubclass(obj, Library)
        and obj.__module__ == "shm_peer_kit_manifest"
        and isinstance(getattr(obj, "capabilities", None), Capabilities)
    ]


def manifest_for_script(
    script: str,
    library: str | None = None,
    directory: str = "{dir}",
) -> str:
    """The manifest of the library ``script`` defines (by its capabilities'
    ``name`` or class name when it defines several)."""
    found = libraries_in(script)
    if library is not None:
        found = [c for c in found if library in (c.capabilities.name, c.__name__)]
    if len(found) != 1:
        names = ", ".join(c.capabilities.name for c in libraries_in(script)) or "none"
        raise ValueError(
            f"{script} defines {len(found)} matching libraries (libraries: {names}); choose one with --library"
        )
    base = os.path.basename(script)
    made = f"Made by python -m shm_peer_kit manifest {base}"
    if found[0].capabilities.argv:
        made += f" --library {found[0].capabilities.name}"
    return manifest_toml(found[0].capabilities, base, directory, made + ".")
