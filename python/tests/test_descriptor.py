"""Sections 3 (dtypes), 4 (descriptors), 2 and 5.1 (names, shapes,
indices, seeds): what is read, what is refused (exit 2), and the canonical
line byte for byte. The accepted and refused inputs are the reference's."""

from __future__ import annotations

import sys

import pytest

from shm_peer_kit import canonical_line, load_json, parse_descriptor, parse_dtype, wetlands_payload
from shm_peer_kit.descriptor import CANONICAL, I64_MAX
from shm_peer_kit.errors import UsageError
from shm_peer_kit.words import parse_list, parse_seed, validate_name

N = "<" if sys.byteorder == "little" else ">"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("float64", f"{N}f8"), ("float", f"{N}f8"), ("double", f"{N}f8"), ("bool", "|b1"), ("bool_", "|b1"),
        ("bool8", "|b1"), ("byte", "|i1"), ("ubyte", "|u1"), ("short", f"{N}i2"), ("intc", f"{N}i4"),
        ("longlong", f"{N}i8"), ("ulonglong", f"{N}u8"), ("half", f"{N}f2"), ("single", f"{N}f4"),
        ("csingle", f"{N}c8"), ("cdouble", f"{N}c16"), ("complex", f"{N}c16"), (" f4 ", f"{N}f4"),
        ("?", "|b1"), ("b", "|i1"), ("B", "|u1"), ("h", f"{N}i2"), ("H", f"{N}u2"), ("i", f"{N}i4"),
        ("I", f"{N}u4"), ("q", f"{N}i8"), ("Q", f"{N}u8"), ("e", f"{N}f2"), ("f", f"{N}f4"), ("d", f"{N}f8"),
        ("F", f"{N}c8"), ("D", f"{N}c16"), (">f4", ">f4"), ("!f4", ">f4"), ("<i8", "<i8"), ("=c16", f"{N}c16"),
        ("@i2", f"{N}i2"), ("|f8", f"{N}f8"), (">u1", "|u1"), ("<b1", "|b1"), ("b1", "|b1"), (">?", "|b1"),
        (">d", ">f8"), ("<F", "<c8"), ("c16", f"{N}c16"), ("u2", f"{N}u2"),
    ],
)  # fmt: skip
def test_dtypes_read(text: str, canonical: str) -> None:
    assert parse_dtype(text).str == canonical
    assert parse_dtype({"kind": "scalar", "value": text}).str == canonical


@pytest.mark.parametrize(
    "text",
    ["<float32", "Float32", "< f4", "int", "uint", "l", "L", "g", "G", "c", "u", "f16", "c32", "float128",
     "i3", "b2", "f1", "O", "S5", "a", "<U4", "M8", "m8", "V8", "", ">", "f4 4", "intp"],
)  # fmt: skip
def test_dtypes_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_dtype(text)


def test_dtype_objects_refused() -> None:
    for value in ({"kind": "struct", "value": "f8"}, {"value": "f8"}, {"kind": "scalar", "value": 8}, 8, None, ["f8"]):
        with pytest.raises(UsageError):
            parse_dtype(value)


DEMO = {"name": "pd1", "shape": [2, 3], "dtype": ">f4"}
LINE = '{"name":"pd1","shape":[2,3],"dtype":">f4","order":"C","offset":0,"nbytes":24,"segment_size":%s}'


def read(text: str):
    return parse_descriptor(load_json(text))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"name":"pd1","shape":[2,3],"dtype":">f4"}', LINE % "null"),
        ('{"name":"/pd1","shape":[2,3],"dtype":">f4","segment_size":24}', LINE % "24"),
        ('{"name":"pd1","shape":[2,3],"dtype":">f4","offset":null,"nbytes":null,"segment_size":null}', LINE % "null"),
        ('{"name":"pd1","shape":[2,3],"dtype":{"kind":"scalar","value":">f4","x":1}}', LINE % "null"),
        ('{"name":"pd1","shape":[2,3],"dtype":" >f4 ","bogus":[1,2]}', LINE % "null"),
        ('{"name":"nope","name":"pd1","shape":[2,3],"dtype":">f4"}', LINE % "null"),
        ('  {"name":"pd1","shape":[2,3],"dtype":">f4"} \n', LINE % "null"),
        ('{"name":"pd1","shape":[2,3],"dtype":">f4","order":"C","offset":0,"nbytes":24,"segment_size":24}', LINE % "24"),
        ('{"name":"pd1","shape":[3,2],"dtype":">f4","order":"F"}',
         '{"name":"pd1","shape":[3,2],"dtype":">f4","order":"F","offset":0,"nbytes":24,"segment_size":null}'),
        ('{"name":"pd1","shape":[2,2],"dtype":">f4","offset":4,"segment_size":24}',
         '{"name":"pd1","shape":[2,2],"dtype":">f4","order":"C","offset":4,"nbytes":16,"segment_size":24}'),
        ('{"name":null,"shape":[0],"dtype":">f4","segment_size":7}',
         '{"name":null,"shape":[0],"dtype":">f4","order":"C","offset":0,"nbytes":0,"segment_size":7}'),
        ('{"name":"pd1","shape":[],"dtype":"float32"}',
         '{"name":"pd1","shape":[],"dtype":"%sf4","order":"C","offset":0,"nbytes":4,"segment_size":null}' % N),
        ('{"name":"pd1","shape":[2,3],"dtype":">f4","segment_size":9223372036854775808}', LINE % "9223372036854775808"),
        # Wetlands' payload (4.3)
        ('{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":"pd1","shape":[2,3],'
         '"dtype":{"kind":"scalar","value":">f4"},"nbytes":24,"segment_size":24}}', LINE % "24"),
        ('{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":"pd1","shape":[2,3],'
         '"dtype":">f4","nbytes":24,"segment_size":null},"name":"zz"}', LINE % "null"),
        ('{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":null,"shape":[0],'
         '"dtype":{"kind":"scalar","value":">f4"},"nbytes":0,"segment_size":0}}',
         '{"name":null,"shape":[0],"dtype":">f4","order":"C","offset":0,"nbytes":0,"segment_size":null}'),
    ],
)  # fmt: skip
def test_read_and_printed(text: str, line: str) -> None:
    assert canonical_line(read(text)) == line


@pytest.mark.parametrize(
    "text",
    [
        "", "x", "[]", "null", "5", '"{}"', '{"name":"pd1","shape":[2,3],"dtype":">f4"}x',
        '{"shape":[2,3],"dtype":">f4"}', '{"name":"pd1","dtype":">f4"}', '{"name":"pd1","shape":[2,3]}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","order":null}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","order":"c"}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","nbytes":24.0}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","nbytes":2.4e1}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","nbytes":"24"}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","nbytes":25}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","offset":-0}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","offset":-4}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","offset":1}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","offset":1e0}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","offset":NaN}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","offset":true}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","segment_size":23}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","segment_size":18446744073709551616}',
        '{"name":"pd1","shape":[0],"dtype":">f4","offset":9223372036854775808}',
        '{"name":"pd1","shape":[4611686018427387904,0],"dtype":"f8"}',
        '{"name":"pd1","shape":[2.0],"dtype":"f8"}', '{"name":"pd1","shape":[true],"dtype":"f8"}',
        '{"name":"pd1","shape":[-1],"dtype":"f8"}', '{"name":"pd1","shape":"2","dtype":"f8"}',
        '{"name":null,"shape":[1],"dtype":">f4"}', '{"name":5,"shape":[1],"dtype":">f4"}',
        '{"name":"","shape":[1],"dtype":">f4"}', '{"name":"a/b","shape":[1],"dtype":">f4"}',
        '{"name":"//pd1","shape":[1],"dtype":">f4"}', '{"name":"..","shape":[1],"dtype":">f4"}',
        '{"name":"%s","shape":[1],"dtype":">f4"}' % ("x" * 31),
        '{"name":"pd1","shape":[1],"dtype":"<U4"}', '{"name":"pd1","shape":[1],"dtype":"f16"}',
        '{"name":"pd1","shape":[2,3],"dtype":">f4","__wetlands_codec__":null}',
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":"pd1","shape":[2,3],'
        '"dtype":{"kind":"scalar","value":">f4"},"nbytes":24}}',
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":"pd1","shape":[2,3],'
        '"dtype":{"kind":"scalar","value":">f4"},"segment_size":24}}',
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":2,"kind":"ndarray","name":"pd1","shape":[2,3],'
        '"dtype":{"kind":"scalar","value":">f4"},"nbytes":24,"segment_size":24}}',
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":true,"kind":"ndarray","name":"pd1",'
        '"shape":[2,3],"dtype":">f4","nbytes":24,"segment_size":24}}',
        '{"__wetlands_codec__":{"id":"wetlands.numpy-shm","version":1,"kind":"ndarray","name":null,"shape":[0],'
        '"dtype":{"kind":"scalar","value":">f4"},"nbytes":0,"segment_size":5}}',
    ],
)  # fmt: skip
def test_refused(text: str) -> None:
    with pytest.raises(UsageError):
        read(text)


def test_dimensions_and_overflow() -> None:
    assert len(read('{"name":"a","shape":%s,"dtype":"u1"}' % ([1] * 64)).shape) == 64
    with pytest.raises(UsageError):
        read('{"name":"a","shape":%s,"dtype":"u1"}' % ([1] * 65))
    # the byte count and offset + nbytes fit a signed 64-bit integer
    top = read('{"name":"a","shape":[%d],"dtype":"u1"}' % I64_MAX)
    assert top.nbytes == I64_MAX
    with pytest.raises(UsageError):
        read('{"name":"a","shape":[%d],"dtype":"u1","offset":1}' % I64_MAX)
    with pytest.raises(UsageError):
        read('{"name":"a","shape":[%d],"dtype":"u2"}' % (I64_MAX // 2 + 1))
    # the item size times each dimension in turn: an early overflow counts
    with pytest.raises(UsageError):
        read('{"name":"a","shape":[4611686018427387904,0],"dtype":"u4"}')
    assert read('{"name":"a","shape":[0,4611686018427387904],"dtype":"u4"}').nbytes == 0


def test_forms_a_peer_does_not_read_are_refused() -> None:
    payload = wetlands_payload(read('{"name":"pd1","shape":[2,3],"dtype":">f4","segment_size":24}'))
    assert parse_descriptor(payload).form == "wetlands"
    with pytest.raises(UsageError):
        parse_descriptor(payload, (CANONICAL,))


def test_wetlands_payload_of_an_empty_array_has_no_segment() -> None:
    d = read('{"name":"pd1","shape":[2,0],"dtype":"<u2"}')
    assert wetlands_payload(d) == {
        "__wetlands_codec__": {
            "id": "wetlands.numpy-shm", "version": 1, "kind": "ndarray", "name": None, "shape": [2, 0],
            "dtype": {"kind": "scalar", "value": "<u2"}, "nbytes": 0, "segment_size": 0,
        }
    }  # fmt: skip
    with pytest.raises(UsageError):
        wetlands_payload(read('{"name":"pd1","shape":[2,2],"dtype":"<u2","order":"F"}'))


@pytest.mark.parametrize(
    ("text", "value"),
    [("5,5", (5, 5)), ("3", (3,)), ("2,0,3", (2, 0, 3)), ("", ()), ("()", ()), (" ( ) ", ()), ("(5,)", (5,)),
     (" ( 2 , 3 , ) ", (2, 3)), ("+2", (2,)), ("1,", (1,)), (",", ()), ("(,)", ()), ("18446744073709551615", (2**64 - 1,))],
)  # fmt: skip
def test_lists(text: str, value: tuple) -> None:
    assert parse_list(text) == value


@pytest.mark.parametrize(
    "text", ["1,,2", "-1", "1.0", "a", "2,,", "(2,),", "((2))", "18446744073709551616", "1 2", "0x1", "٣"]
)
def test_lists_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_list(text)


def test_seeds() -> None:
    assert parse_seed("0") == 0 and parse_seed("+5") == 5 and parse_seed("05") == 5
    assert parse_seed("18446744073709551615") == 2**64 - 1
    for bad in ("18446744073709551616", " 5", "5 ", "-0", "-1", "", "1e3", "0x10"):
        with pytest.raises(UsageError):
            parse_seed(bad)


def test_names() -> None:
    assert validate_name("/demo") == "demo" and validate_name("a.b-c_D9") == "a.b-c_D9"
    assert validate_name("x" * 30) == "x" * 30
    for bad in ("", "/", "//x", "x" * 31, "a/b", ".", "..", "a b", "é", "a:b"):
        with pytest.raises(UsageError):
            validate_name(bad)
