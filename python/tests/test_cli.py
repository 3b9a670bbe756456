"""The command line (section 5), serve's framing (10) and exit codes (9),
in process against a library of plain memory, and through peer.py."""

from __future__ import annotations

import io
import json
import sys

import pytest

import shm_peer_kit as kit
from conftest import PEER, assert_failed, keep, run_script
from shm_peer_kit import cli
from shm_peer_kit.signals import unblock_release_signals


class Memory(kit.Library):
    """Segments in a dict of bytearrays: the kit without an OS."""

    capabilities = kit.Capabilities(name="memory")

    def __init__(self, capabilities: kit.Capabilities | None = None) -> None:
        self.segments: dict[str, bytearray] = {}
        self.attached: list[str] = []
        self.created: list[str | None] = []
        if capabilities is not None:
            self.capabilities = capabilities  # type: ignore[misc]

    def create(self, request: kit.CreateRequest) -> kit.Segment:
        self.created.append(request.name)
        name = request.name or f"own{len(self.created)}"
        if name in self.segments:
            raise FileExistsError(name)
        self.segments[name] = bytearray(request.size)
        return kit.Segment(name, self.segments[name], request.size)

    def attach(self, name: str) -> kit.Segment:
        self.attached.append(name)
        if name not in self.segments:
            raise FileNotFoundError(name)
        return kit.Segment(name, self.segments[name], len(self.segments[name]))

    def unlink(self, name: str) -> None:
        if self.segments.pop(name, None) is None:
            raise FileNotFoundError(name)


@pytest.fixture(autouse=True)
def _unblock():
    """``create`` blocks SIGINT & co. in the calling thread: not in pytest's."""
    yield
    unblock_release_signals()


def peer(lib: Memory, *words: str, stdin: str = "") -> tuple[int, str, str]:
    return cli.run_peer(lib, ["peer", *words], stdin=io.StringIO(stdin))


def create(lib: Memory, capsys, *words: str) -> tuple[int, str, str]:
    code = cli.main(lib, ["create", *words])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(result: tuple[int, str, str], code: int) -> None:
    got, out, err = result
    assert (got, out) == (code, ""), result
    assert err.startswith("error: ") and err.count("\n") == 1, err


D = '{"name":"a","shape":[2,3],"dtype":">f4"}'


@pytest.fixture
def lib(capsys) -> Memory:
    m = Memory()
    assert create(m, capsys, "--shape", "2,3", "--dtype", ">f4", "--name", "a", "--keep")[0] == 0
    return m


def test_options_in_any_order_and_values_that_start_with_a_dash(lib: Memory) -> None:
    assert peer(lib, "--descriptor", D, "set", "0,1", "-5") == (0, "", "")
    assert peer(lib, "get", "0,1", "--descriptor", D) == (0, "-5.0\n", "")
    assert peer(lib, "get", f"--descriptor={D}", "0,1") == (0, "-5.0\n", "")
    assert peer(lib, "fill", "-inf", "--descriptor", D) == (0, "", "")
    assert peer(lib, "--descriptor", "-", "sum", stdin=D) == (0, "-inf\n", "")
    assert peer(lib, "--descriptor", D, "emit")[1] == (
        '{"name":"a","shape":[2,3],"dtype":">f4","order":"C","offset":0,"nbytes":24,"segment_size":24}\n'
    )


def test_descriptor_from_a_file(lib: Memory, tmp_path) -> None:
    path = tmp_path / "d.json"
    path.write_text(D)
    assert peer(lib, "--descriptor", f"@{path}", "sum") == (0, "0.0\n", "")
    one_error(peer(lib, "--descriptor", f"@{tmp_path}/missing", "sum"), 2)


@pytest.mark.parametrize(
    "words",
    [
        ("sum", "1"), ("get",), ("frob",), ("set", "0,0"), ("get", "0"), ("get", "2,0"), ("get", "0,3"),
        ("get", "0,-1"), ("set", "0,0", "x"), ("pattern", "-1"), ("check-pattern", "18446744073709551616"),
        ("--bogus", "sum"), ("emit", "--descriptor", D),
    ],
)  # fmt: skip
def test_bad_operations_are_exit_2(lib: Memory, words) -> None:
    one_error(peer(lib, "--descriptor", D, *words), 2)


def test_an_operation_is_checked_before_the_descriptor_is_read(lib: Memory) -> None:
    one_error(peer(lib, "--descriptor", "not json", "frob"), 2)
    assert lib.attached == []


def test_usage_errors(capsys) -> None:
    m = Memory()
    for argv in (
        [], ["frob"], ["create"], ["create", "--shape"], ["create", "--shape", "2", "--shape", "3"],
        ["create", "--shape", "2", "--keep", "--keep"], ["create", "--shape", "2", "--keep=1"],
        ["create", "--shape", "2", "extra"], ["create", "--shape", "2", "--descriptor", "x"],
        ["peer"], ["peer", "--descriptor", D], ["peer", "sum"], ["serve", "x"], ["unlink"], ["unlink", "a", "b"],
        ["unlink", "a/b"], ["create", "--shape", "-1"], ["create", "--shape", "2", "--dtype", "f16"],
        ["create", "--shape", "2", "--fill", "x"], ["create", "--shape", "2", "--name", "a b"],
        ["create", "--shape", "2", "--dtype", "int8", "--fill", "200"],
        ["create", "--shape", "4611686018427387904,0"],
    ):  # fmt: skip
        assert cli.main(m, argv) == 2, argv
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("error: ") and err.count("\n") == 1, (argv, err)
    assert m.created == [], "nothing is created before everything is checked"


def test_segment_errors_are_exit_3(lib: Memory) -> None:
    one_error(peer(lib, "--descriptor", '{"name":"gone","shape":[1],"dtype":"f8"}', "emit"), 3)
    one_error(peer(lib, "--descriptor", '{"name":"a","shape":[7],"dtype":"f4"}', "sum"), 3)
    lib.segments["empty"] = bytearray()
    one_error(peer(lib, "--descriptor", '{"name":"empty","shape":[0],"dtype":"f4"}', "sum"), 3)


def test_exact_sizes_only_where_the_os_reports_them(lib: Memory, monkeypatch) -> None:
    bigger = '{"name":"a","shape":[2,3],"dtype":">f4","segment_size":32}'
    one_error(peer(lib, "--descriptor", bigger, "sum"), 3)
    assert peer(lib, "--descriptor", D, "emit")[1].endswith('"segment_size":24}\n')
    monkeypatch.setattr("platform.system", lambda: "Darwin")  # an emulation reporting macOS
    assert peer(lib, "--descriptor", bigger, "sum") == (0, "0.0\n", "")
    assert peer(lib, "--descriptor", D, "emit")[1].endswith('"segment_size":null}\n')
    assert peer(lib, "--descriptor", bigger, "emit")[1].endswith('"segment_size":32}\n')


def test_an_array_with_no_segment_attaches_to_nothing(lib: Memory) -> None:
    d = '{"name":null,"shape":[0,4],"dtype":"<c8"}'
    assert peer(lib, "--descriptor", d, "sum") == (0, "(0.0+0.0j)\n", "")
    assert peer(lib, "--descriptor", d, "check-pattern", "7") == (0, "ok\n", "")
    payload = (
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":null,'
        '"shape":[0],"dtype":{"kind":"scalar","value":">f4"},"nbytes":0,"segment_size":0}}'
    )
    assert peer(lib, "--descriptor", payload, "emit")[1] == (
        '{"name":null,"shape":[0],"dtype":">f4","order":"C","offset":0,"nbytes":0,"segment_size":null}\n'
    )
    assert lib.attached == []


def test_capabilities_are_enforced(capsys) -> None:
    narrow = kit.Capabilities(
        name="narrow", dtypes=("int8", "float32"), byte_orders=("native",), empty=False, named_create=False,
        reads=("canonical",),
    )  # fmt: skip
    m = Memory(narrow)
    swapped = ">f4" if sys.byteorder == "little" else "<f4"
    for argv in (
        ["--shape", "2", "--dtype", "float64"],
        ["--shape", "2", "--dtype", swapped],
        ["--shape", "0", "--dtype", "int8"],
        ["--shape", "2", "--dtype", "int8", "--name", "x"],
    ):
        one_error(create(m, capsys, *argv, "--keep"), 2)
    assert m.created == []
    assert create(m, capsys, "--shape", "2", "--dtype", "int8", "--keep")[0] == 0
    assert m.created == [None], "the library names its own segments"
    one_error(peer(m, "--descriptor", '{"name":"own1","shape":[2],"dtype":"u1"}', "sum"), 2)
    payload = kit.wetlands_payload(kit.parse_descriptor({"name": "own1", "shape": [2], "dtype": "i1"}))
    one_error(peer(m, "--descriptor", json.dumps(payload), "sum"), 2)


def test_create_retries_a_taken_generated_name(capsys, monkeypatch) -> None:
    m = Memory()
    drawn = iter(["taken", "taken", "free"])
    monkeypatch.setattr(cli, "random_name", lambda prefix: next(drawn))
    m.segments["taken"] = bytearray(1)
    code, out, _ = create(m, capsys, "--shape", "", "--keep")
    assert code == 0 and json.loads(out)["name"] == "free"
    one_error(create(m, capsys, "--shape", "", "--name", "taken", "--keep"), 3)


def test_create_prints_canonical_and_fills(capsys) -> None:
    m = Memory()
    code, out, err = create(m, capsys, "--fill", "1+2j", "--dtype", "complex64", "--shape=()", "--name=c", "--keep")
    n = "<" if sys.byteorder == "little" else ">"
    assert (code, err) == (0, "")
    assert out == f'{{"name":"c","shape":[],"dtype":"{n}c8","order":"C","offset":0,"nbytes":8,"segment_size":8}}\n'
    assert peer(m, "--descriptor", out, "get", "") == (0, "(1.0+2.0j)\n", "")
    code, out, _ = create(m, capsys, "--shape", "0", "--name", "e", "--keep")
    assert json.loads(out)["segment_size"] == 1 and len(m.segments["e"]) == 1


def test_create_wetlands(capsys) -> None:
    m = Memory()
    code, out, _ = create(m, capsys, "--shape", "2", "--dtype", ">u2", "--name", "w", "--wetlands", "--keep")
    assert code == 0
    assert out == (
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":"w","shape":[2],'
        '"dtype":{"kind":"scalar","value":">u2"},"nbytes":4,"segment_size":4}}\n'
    )
    # an empty array: Wetlands' payload has no name, so no segment is made
    code, out, _ = create(m, capsys, "--shape", "0", "--wetlands", "--keep")
    assert code == 0 and json.loads(out)["__wetlands_codec__"]["name"] is None
    assert list(m.segments) == ["w"] and m.created == ["w"]


def test_a_failure_after_creating_removes_the_segment(capsys, monkeypatch) -> None:
    m = Memory()

    def closed(text: str, stdout_open: bool) -> None:
        raise kit.SegmentError("cannot print the descriptor: stdout is closed")

    monkeypatch.setattr(cli, "_print_line", closed)
    one_error(create(m, capsys, "--shape", "3", "--name", "x", "--keep"), 3)
    assert m.created == ["x"] and m.segments == {}


def test_unlink(capsys) -> None:
    m = Memory()
    m.segments["u"] = bytearray(1)
    assert cli.main(m, ["unlink", "/u"]) == 0 and m.segments == {}
    assert cli.main(m, ["unlink", "u"]) == 3
    assert capsys.readouterr().err.startswith("error: segment 'u' not found")


# --------------------------------------------------------------------------
# serve


def serve(lib: kit.Library, *lines: bytes) -> list[dict]:
    out = io.StringIO()
    assert cli.serve(lib, io.BytesIO(b"".join(lines)), out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def request(*words: str) -> bytes:
    return json.dumps(["peer", *words]).encode() + b"\n"


def test_serve_answers_every_line(lib: Memory) -> None:
    replies = serve(
        lib,
        request("--descriptor", D, "set", "1,2", "2.5"),
        b"\n   \n",
        request("--descriptor", D, "get", "1,2"),
        b"garbage\n",
        b"[]\n",
        b'["create","--shape","2"]\n',
        b'["peer",5]\n',
        b'{"peer": 1}\n',
        b"\xff\xfe\n",
        request("--descriptor", "-", "sum"),
        request("--descriptor=-", "sum"),
        request("--descriptor", D, "get", "2,0"),
        request("--descriptor", '{"name":"gone","shape":[1],"dtype":"f8"}', "emit"),
        request("--descriptor", D, "check-pattern", "3"),
        request("--descriptor", D, "sum"),
    )
    codes = [r["code"] for r in replies]
    assert codes == [0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 1, 0]
    assert replies[1] == {"code": 0, "stdout": "2.5\n", "stderr": ""}
    assert replies[-1] == {"code": 0, "stdout": "2.5\n", "stderr": ""}
    for r in replies[2:-1]:
        assert r["stdout"] == "" and r["stderr"].startswith("error: ") and r["stderr"].count("\n") == 1


def test_serve_keeps_nothing_between_requests(lib: Memory) -> None:
    """Each request attaches afresh: a replaced segment is seen at once."""
    first = serve(lib, request("--descriptor", D, "fill", "1"), request("--descriptor", D, "sum"))
    lib.segments["a"] = bytearray(24)  # another process replaced it
    second = serve(lib, request("--descriptor", D, "sum"))
    assert [r["stdout"] for r in first + second] == ["", "6.0\n", "0.0\n"]
    assert lib.attached.count("a") == 3


# --------------------------------------------------------------------------
# Through peer.py


def test_peer_script_end_to_end(names) -> None:
    name = names()
    d = keep(PEER, name, "2,3", ">f4", "--fill", "0.1")
    assert run_script(PEER, "peer", "--descriptor", d, "sum").stdout == "0.6000000089406967\n"
    assert run_script(PEER, "peer", "--descriptor", d, "set", "0,1", "-1e-7").returncode == 0
    assert run_script(PEER, "peer", "get", "0,1", "--descriptor", d).stdout == "-1e-7\n"
    assert run_script(PEER, "peer", "--descriptor", "-", "emit", input=d).stdout == d + "\n"
    assert_failed(run_script(PEER, "peer", "--descriptor", d, "check-pattern", "4"), 1)
    assert_failed(run_script(PEER, "peer", "--descriptor", d, "get", "9,9"), 2)
    assert_failed(run_script(PEER, "create", "--shape", "2", "--name", name, "--keep"), 3)
    lines = "\n".join(json.dumps(["peer", "--descriptor", d, w]) for w in ("sum", "emit")) + "\n"
    replies = [json.loads(r) for r in run_script(PEER, "serve", input=lines).stdout.splitlines()]
    assert [r["code"] for r in replies] == [0, 0] and replies[1]["stdout"] == d + "\n"
    assert run_script(PEER, "unlink", name).returncode == 0
    assert_failed(run_script(PEER, "unlink", name), 3)
    assert_failed(run_script(PEER, "peer", "--descriptor", d, "sum"), 3)
