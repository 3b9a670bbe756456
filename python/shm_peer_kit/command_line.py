"""Section 5's command line: the four commands, their options and flags,
parsed into a :class:`CommandLine` or refused with
:class:`~shm_peer_kit.errors.UsageError`.

Options take their value as the next word or after ``=``; values are taken
verbatim (``--fill -inf``); options and operation words come in any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import UsageError

USAGE = """usage: {prog} create --shape S [--dtype D] [--name N] [--fill V] [--keep] [--wetlands]
       {prog} peer --descriptor JSON|@FILE|- OP
       {prog} serve
       {prog} unlink NAME
  OP: sum | get I,J | set I,J VALUE | fill VALUE | emit | pattern SEED | check-pattern SEED"""

_VALUES = {
    "create": ("--shape", "--dtype", "--name", "--fill"),
    "peer": ("--descriptor",),
    "serve": (),
    "unlink": (),
}
_FLAGS = {"create": ("--keep", "--wetlands"), "peer": (), "serve": (), "unlink": ()}


@dataclass
class CommandLine:
    """A parsed command line: the ``command``, its option values, its flags
    and its other words (an operation's, or ``unlink``'s name)."""

    command: str
    options: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    words: list[str] = field(default_factory=list)


def parse_command_line(argv: Sequence[str]) -> CommandLine:
    """Section 5's argument rules; any misuse is :class:`UsageError`."""
    if not argv:
        raise UsageError("expected a command: create, peer, serve or unlink")
    command = argv[0]
    if command not in _VALUES:
        raise UsageError(f"unknown command {command!r}: expected create, peer, serve or unlink")
    line = CommandLine(command)
    rest = list(argv[1:])
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        option, eq, inline = token.partition("=")
        if token.startswith("--") and option in _VALUES[command]:
            if eq:
                value = inline
            elif i < len(rest):
                value = rest[i]
                i += 1
            else:
                raise UsageError(f"{option} needs a value")
            if option in line.options:
                raise UsageError(f"{option} cannot be given twice")
            line.options[option] = value
        elif token.startswith("--") and option in _FLAGS[command]:
            if eq:
                raise UsageError(f"{option} takes no value")
            if option in line.flags:
                raise UsageError(f"{option} cannot be given twice")
            line.flags.add(option)
        elif command in ("peer", "unlink"):
            line.words.append(token)
        else:
            raise UsageError(f"unexpected argument {token!r} for {command}")
    if command == "create" and "--shape" not in line.options:
        raise UsageError("create needs --shape")
    if command == "peer" and "--descriptor" not in line.options:
        raise UsageError("peer needs --descriptor")
    if command == "peer" and not line.words:
        raise UsageError("peer needs an operation")
    if command == "unlink" and len(line.words) != 1:
        raise UsageError("unlink takes one name")
    return line
