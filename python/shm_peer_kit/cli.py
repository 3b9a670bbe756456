"""The whole command line (section 5), ``serve`` (section 10) and the exit
codes (section 9), around a :class:`~shm_peer_kit.library.Library`.

    PEER create --shape S [--dtype D] [--name N] [--fill V] [--keep] [--wetlands]
    PEER peer --descriptor JSON|@FILE|- OP
    PEER serve
    PEER unlink NAME

Options take their value as the next word or after ``=``; values are taken
verbatim (``--fill -inf``); options and operation words come in any order.
Every failure prints exactly one ``error: ...`` line on stderr and nothing
on stdout; ``SHM_PEER_KIT_DEBUG=1`` adds the traceback, for people.
``create --wetlands`` (also the default where the library's own form is
Wetlands) prints Wetlands' payload instead of the canonical line, as the
reference does; an empty array then has no segment at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import IO, Any

from . import descriptor as descriptors
from .command_line import USAGE, CommandLine, parse_command_line
from .descriptor import (
    WETLANDS,
    Descriptor,
    canonical,
    dumps,
    make_descriptor,
    wetlands_payload,
)
from .dtypes import parse_dtype
from .errors import (
    EXIT_OK,
    EXIT_SEGMENT,
    EXIT_USAGE,
    PeerError,
    SegmentError,
    UsageError,
    from_os_error,
)
from .library import (
    Attached,
    CreateRequest,
    Library,
    Segment,
    close_quietly,
    refuse_unsupported,
)
from .signals import block_release_signals, unblock_release_signals, wait_for_release
from .values import parse_value
from .words import parse_list, random_name, validate_name

#: How many generated names ``create`` tries before giving up.
NAME_TRIES = 64

# --------------------------------------------------------------------------
# Failures


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")) if "\n" in text else text


def failure(error: BaseException) -> tuple[int, str]:
    """The exit code and the line (with ``error: `` and its newline) for
    ``error``: a :class:`PeerError`'s own, an ``OSError`` as exit 3,
    anything else as an internal error (exit 3)."""
    if isinstance(error, PeerError):
        code, message = error.code, str(error)
    elif isinstance(error, OSError):
        converted = from_os_error(error, None, "use")
        code, message = converted.code, str(converted)
    else:
        code, message = EXIT_SEGMENT, f"internal error: {type(error).__name__}: {error}"
    return code, f"error: {_one_line(message)}\n"


def _debug(error: BaseException) -> str:
    if os.environ.get("SHM_PEER_KIT_DEBUG"):
        import traceback

        return "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return ""


def _write(stream: IO[str] | None, text: str) -> None:
    if text and stream is not None:
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            pass


# --------------------------------------------------------------------------
# peer


def run_peer(library: Library, argv: Sequence[str], stdin: Any = None, in_serve: bool = False) -> tuple[int, str, str]:
    """Runs one ``peer`` command line (``argv[0] == "peer"``) and returns
    ``(code, stdout, stderr)``: exactly what a process would exit with and
    print. What the library prints is kept on success and dropped on
    failure, so a failure is one ``error:`` line and nothing on stdout."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            line = _peer(library, argv, stdin, in_serve)
    except Exception as error:  # noqa: BLE001 - every failure is one line
        code, text = failure(error)
        return code, "", _debug(error) + text
    printed = out.getvalue() + ("" if line is None else line + "\n")
    return EXIT_OK, printed, err.getvalue()


def _peer(library: Library, argv: Sequence[str], stdin: Any, in_serve: bool) -> str | None:
    from . import ops  # numpy, only now

    caps = library.capabilities
    line = parse_command_line(argv)
    if line.command != "peer":
        raise UsageError(f"expected a peer command, found {line.command!r}")
    op = ops.parse_operation(line.words)
    argument = line.options["--descriptor"]
    if in_serve and argument == "-":
        raise UsageError("--descriptor - has no meaning inside serve, whose stdin carries the requests")
    text = descriptors.read_descriptor_argument(argument, stdin)
    d = descriptors.parse_descriptor(descriptors.load_json(text), caps.reads)
    refuse_unsupported(caps, d.dtype)
    op = ops.prepare(op, d)
    if d.name is None:  # nbytes is 0: an array with no segment
        import numpy

        attached = Attached(numpy.empty(d.shape, dtype=d.dtype.numpy(), order=d.order), d.segment_size)
    else:
        try:
            attached = library.open(d)
        except PeerError:
            raise
        except Exception as error:  # noqa: BLE001 - what only the segment can tell: exit 3
            raise from_os_error(error, d.name, "attach") from error
    shown = replace(d, segment_size=attached.segment_size, extra={**d.extra, **attached.extra})
    try:
        return ops.run_operation(op, attached.array, d, lambda: descriptors.canonical_line(shown))
    except BaseException as error:
        import traceback

        traceback.clear_frames(error.__traceback__)  # let go of the array's views
        raise
    finally:
        attached.array = None
        close_quietly(attached.close)


# --------------------------------------------------------------------------
# serve


def serve(library: Library, stdin: IO[bytes] | None = None, stdout: IO[str] | None = None) -> int:
    """``serve`` (section 10): one request a line on ``stdin`` (a JSON
    array of the words of a ``peer`` command), one JSON line
    ``{"code", "stdout", "stderr"}`` a request on ``stdout``, flushed.
    Nothing is kept between requests. Returns 0 at end of input."""
    source = stdin if stdin is not None else sys.stdin.buffer
    sink = stdout if stdout is not None else sys.stdout
    for raw in source:
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            text = None
        if text is not None and not text.strip():
            continue
        words = None
        if text is not None:
            try:
                words = json.loads(text)
            except ValueError:
                words = None
        if isinstance(words, list) and words[:1] == ["peer"] and all(isinstance(w, str) for w in words):
            code, out, err = run_peer(library, words, in_serve=True)
        else:
            code, out, err = EXIT_USAGE, "", "error: serve takes one JSON array of the words of a peer command a line\n"
        sink.write(dumps({"code": code, "stdout": out, "stderr": err}) + "\n")  # compact, as the C peer
        sink.flush()
    return EXIT_OK


# --------------------------------------------------------------------------
# create


@dataclass(frozen=True)
class CreatePlan:
    """A ``create`` command, checked before any segment exists."""

    descriptor: Descriptor
    fill: Any
    keep: bool
    wetlands: bool
    named: bool


def plan_create(library: Library, line: CommandLine) -> CreatePlan:
    """Checks everything ``create`` was given (exit 2), with no segment yet."""
    caps = library.capabilities
    shape = parse_list(line.options["--shape"], "shape")
    dtype = parse_dtype(line.options.get("--dtype", "float64"))
    refuse_unsupported(caps, dtype)
    if not caps.empty and 0 in shape:
        raise UsageError(f"{caps.name} cannot make arrays with a zero-length dimension")
    fill = parse_value(dtype, line.options["--fill"]) if "--fill" in line.options else None
    name = line.options.get("--name")
    if name is not None:
        if not caps.named_create:
            raise UsageError(f"{caps.name} chooses its own segment names; --name is not supported")
        name = validate_name(name)
    d = make_descriptor(name or "unnamed", shape, dtype)  # checks dimensions and byte count
    return CreatePlan(
        replace(d, name=name),
        fill,
        "--keep" in line.flags,
        "--wetlands" in line.flags or caps.form == WETLANDS,
        name is not None,
    )


def _standard_descriptors() -> bool:
    """Opens /dev/null on whichever of fds 0, 1, 2 is closed, so that no
    segment can take their numbers; returns whether stdout was open."""
    open_stdout = True
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if fd == 1:
                open_stdout = False
    return open_stdout


def _silence_stdout() -> None:
    """After a failed write: stdout to /dev/null, so that nothing else tries
    (an exit-time flush would print a second error)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def _print_line(text: str, stdout_open: bool) -> None:
    try:
        if not stdout_open or sys.stdout is None:
            raise OSError("stdout is closed")
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (OSError, ValueError) as error:
        _silence_stdout()
        raise SegmentError(f"cannot print the descriptor, so nobody could find the segment: {error}") from None


def _new_segment(library: Library, plan: CreatePlan) -> Segment:
    caps = library.capabilities
    d = plan.descriptor
    size = max(d.nbytes, 1)

    def make(name: str | None) -> Segment:
        segment = library.create(CreateRequest(name, size, d.shape, d.dtype))
        segment.name = validate_name(segment.name)
        return segment

    if plan.named or not caps.named_create:
        try:
            return make(d.name)
        except Exception as error:  # noqa: BLE001 - exit 3
            raise from_os_error(error, d.name, "create") from error
    for _ in range(NAME_TRIES):
        name = random_name(caps.name_prefix)
        try:
            return make(name)
        except FileExistsError:
            continue
        except Exception as error:  # noqa: BLE001 - exit 3
            raise from_os_error(error, name, "create") from error
    raise SegmentError(f"no free name after {NAME_TRIES} tries")


def _remove(library: Library, segment: Segment) -> None:
    try:
        if segment.remove is not None:
            segment.remove()
        else:
            library.unlink(segment.name)
    except FileNotFoundError:
        pass  # someone else removed it: it is gone either way


def run_create(library: Library, line: CommandLine) -> int:
    """``create`` (section 5.2): checks, blocks SIGTERM, SIGINT and SIGHUP,
    creates, fills, prints the descriptor and holds (or hands over with
    ``--keep``); unlinks on release and on any failure after creating."""
    plan = plan_create(library, line)
    block_release_signals()
    stdout_open = _standard_descriptors()
    d = plan.descriptor
    if plan.wetlands and d.nbytes == 0:
        # Wetlands sends an empty array with no segment: make none, so that
        # nothing is left that its payload (name null) could not find.
        _print_line(dumps(wetlands_payload(replace(d, name=None))), stdout_open)
        if not plan.keep:
            wait_for_release()
        return EXIT_OK
    import numpy  # after blocking: its threads inherit the mask

    segment = _new_segment(library, plan)
    block_release_signals()  # again: a library may have unblocked them
    kept = False
    try:
        if plan.fill is not None and d.nbytes:
            array = numpy.ndarray(d.shape, dtype=d.dtype.numpy(), buffer=segment.buffer)
            array[...] = plan.fill
            del array
        made = replace(d, name=segment.name, segment_size=segment.size, extra=dict(segment.extra))
        if segment.document is not None:
            document = dict(segment.document)
        else:
            document = wetlands_payload(made) if plan.wetlands else canonical(made)
        _print_line(dumps(document), stdout_open)
        if plan.keep:
            segment.keep()
            kept = True
            return EXIT_OK
        wait_for_release()
    finally:
        close_quietly(segment.close)
        if not kept:
            _remove(library, segment)
    return EXIT_OK


# --------------------------------------------------------------------------
# Entry points


def main(library: Library, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Runs one command line (default ``sys.argv[1:]``) against ``library``
    and returns the exit code, having printed what the protocol says."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = prog or os.path.basename(sys.argv[0] or "peer")
    if args[:1] in (["-h"], ["--help"]):
        _write(sys.stdout, USAGE.format(prog=name) + "\n")
        return EXIT_OK
    if args[:1] == ["create"]:
        block_release_signals()
    else:
        unblock_release_signals()  # the kit's import blocks them for create only
    try:
        if args[:1] == ["peer"]:
            code, out, err = run_peer(library, args, stdin=sys.stdin)
            _write(sys.stdout, out)
            _write(sys.stderr, err)
            return code
        line = parse_command_line(args)
        if line.command == "serve":
            if not library.capabilities.serve:
                raise UsageError(f"{library.capabilities.name} offers no serve")
            return serve(library)
        if line.command == "unlink":
            if not library.capabilities.unlink:
                raise UsageError(f"{library.capabilities.name} offers no unlink")
            bare = validate_name(line.words[0])
            try:
                library.unlink(bare)
            except PeerError:
                raise
            except Exception as error:  # noqa: BLE001 - exit 3
                raise from_os_error(error, bare, "unlink") from error
            return EXIT_OK
        return run_create(library, line)
    except Exception as error:  # noqa: BLE001 - every failure is one line
        code, text = failure(error)
        _write(sys.stderr, _debug(error) + text)
        return code


def run(library: Library, argv: Sequence[str] | None = None) -> None:
    """:func:`main`, then exits with its code. A peer script's last line."""
    sys.exit(main(library, argv))
