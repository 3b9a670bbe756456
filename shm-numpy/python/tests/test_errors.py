"""Errors Python users expect: one base, ShmError; a class per library
error kind that is also the built-in exception that fits; ``.kind`` on
every one; and bad input is a typed error, never a panic."""

from __future__ import annotations

import builtins
import errno
import os
import pickle

import numpy as np
import pytest

import shm_ndarray as sn
from shm_ndarray import _errors, _shm_ndarray


def test_every_library_kind_has_its_class_with_its_builtin_base():
    kinds = _shm_ndarray.error_kinds()
    assert len(kinds) == 16
    for kind, class_name, builtin in kinds:
        cls = getattr(sn, class_name)
        assert cls is _errors.CLASSES[kind]
        assert cls.kind == kind
        assert issubclass(cls, sn.ShmError)
        base = sn.ShmError if builtin == "ShmError" else getattr(builtins, builtin)
        assert issubclass(cls, base), (cls, base)
        assert cls.__doc__
    assert set(_errors.CLASSES) == {k for k, _, _ in kinds}


def test_exit_codes_are_the_command_lines_ones():
    assert _errors.CLASSES["Truncated"]("x").exit_code == 2
    assert _errors.CLASSES["InvalidMessage"]("x").exit_code == 2
    assert _errors.CLASSES["NotFound"]("x").exit_code == 3
    assert _errors.CLASSES["OutOfSpace"]("x").exit_code == 3


def test_not_found_is_a_file_not_found_error_with_errno_and_filename():
    with pytest.raises(FileNotFoundError) as caught:
        sn.attach({"name": "shm-ndarray-test-missing", "shape": [1], "dtype": "f8"})
    e = caught.value
    assert isinstance(e, sn.NotFoundError) and isinstance(e, sn.ShmError)
    assert (e.kind, e.errno, e.filename) == ("NotFound", errno.ENOENT, "shm-ndarray-test-missing")
    assert str(e) == "segment 'shm-ndarray-test-missing' not found"


def test_a_full_dev_shm_is_out_of_space_at_create_with_the_docker_hint():
    total = os.statvfs("/dev/shm").f_blocks * os.statvfs("/dev/shm").f_frsize
    with pytest.raises(sn.OutOfSpaceError) as caught:
        sn.create(total + (1 << 20), "uint8")  # more than the whole filesystem
    e = caught.value
    assert isinstance(e, MemoryError) and isinstance(e, OSError)
    assert e.errno == errno.ENOSPC and e.kind == "OutOfSpace"
    assert "--shm-size=" in str(e) and "/dev/shm" in str(e)


def test_errors_pickle_across_processes_with_their_kind_and_text():
    try:
        sn.attach('{"name": "x", "shape": [-1], "dtype": "f8"}')
    except sn.ShmError as e:
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e) and str(back) == str(e) and back.kind == e.kind


@pytest.mark.parametrize(
    ("call", "cls"),
    [
        (lambda: sn.attach("not json"), sn.InvalidDescriptorError),
        (lambda: sn.attach("[1, 2]"), sn.InvalidDescriptorError),
        (lambda: sn.attach({"shape": [1], "dtype": "f8"}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a", "shape": [1], "dtype": "f8", "nbytes": 9}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a", "shape": "x", "dtype": "f8"}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a", "shape": [2**63], "dtype": "f8"}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a", "shape": [1] * 65, "dtype": "f8"}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a", "shape": [1], "dtype": "f8", "offset": 3}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a", "shape": [1], "dtype": "<U4"}), sn.UnsupportedDtypeError),
        (lambda: sn.attach({"name": "a", "shape": [1], "dtype": object}), sn.InvalidDescriptorError),
        (lambda: sn.attach({"name": "a/b", "shape": [1], "dtype": "f8"}), sn.InvalidNameError),
        (lambda: sn.attach({"name": "", "shape": [1], "dtype": "f8"}), sn.InvalidNameError),
        (lambda: sn.attach({"name": "x" * 31, "shape": [1], "dtype": "f8"}), sn.InvalidNameError),
        (lambda: sn.attach(b"\xff"), sn.InvalidDescriptorError),
        (lambda: sn.attach(42), sn.InvalidDescriptorError),
        (lambda: sn.create((2**40, 2**40), "f8"), sn.InvalidDescriptorError),
        (lambda: sn.create(-1), sn.InvalidArgumentError),
        (lambda: sn.create("abc"), sn.InvalidArgumentError),
        (lambda: sn.create(3, "M8[s]"), sn.UnsupportedDtypeError),
        (lambda: sn.create(3, "float128"), sn.UnsupportedDtypeError),
        (lambda: sn.create(3, "no such dtype"), sn.UnsupportedDtypeError),
        (lambda: sn.create(3, name="bad name"), sn.InvalidNameError),
        (lambda: sn.create(3, "int8", fill=2**200), sn.InvalidArgumentError),
        (lambda: sn.create(3, "int8", fill=None or [1]), sn.InvalidArgumentError),
        (lambda: sn.from_array(np.array(["a"])), sn.UnsupportedDtypeError),
        (lambda: sn.from_array(np.array([object()])), sn.UnsupportedDtypeError),
        (lambda: sn.Pool(0, 8), sn.InvalidArgumentError),
        (lambda: sn.read_release(__import__("io").BytesIO(b'{"type": "end", "count": 0}\n')), sn.InvalidMessageError),
        (lambda: sn.read_release(__import__("io").BytesIO(b"garbage\n")), sn.InvalidMessageError),
        (lambda: sn.Receiver(__import__("io").BytesIO(b"")), sn.TruncatedError),
        (lambda: sn.Receiver(__import__("io").BytesIO(b"{}\n")), sn.InvalidMessageError),
    ],
)
def test_bad_input_is_a_typed_error_never_a_panic(call, cls):
    with pytest.raises(cls) as caught:
        call()
    assert isinstance(caught.value, sn.ShmError)
    assert type(caught.value).__name__ != "PanicException"
    assert str(caught.value)


def test_a_size_mismatch_is_caught_before_any_view_exists():
    with sn.zeros(4, "uint8") as a:
        wrong = dict(a.descriptor, shape=[8], nbytes=8, segment_size=8)
        with pytest.raises(sn.SizeMismatchError) as caught:
            sn.attach(wrong)
        assert isinstance(caught.value, ValueError) and caught.value.kind == "SizeMismatch"
        reused = dict(a.descriptor, shape=[2], nbytes=2, segment_size=2)
        with pytest.raises(sn.SizeMismatchError):
            sn.attach(reused)  # a name reused for a segment of another size
