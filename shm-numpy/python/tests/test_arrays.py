"""Arrays: making, attaching in every descriptor form, the zero-copy view
and how long it lives, closing, unlinking, handing over and adopting."""

from __future__ import annotations

import gc
import json
import pickle

import numpy as np
import pytest
from conftest import exists, lease

import shm_ndarray as sn

DTYPES = ["bool", "int8", "uint8", "<i2", ">i2", "<u4", ">i8", "<f2", "<f4", ">f8", "<c8", ">c16"]


def test_create_gives_a_zeroed_owned_array_and_a_canonical_descriptor(ledger):
    with sn.create((5, 5), "float64") as a:
        assert a.owner and not a.closed
        assert a.shape == (5, 5) and a.dtype == np.float64 and a.ndim == 2
        assert (a.size, a.nbytes) == (25, 200)
        assert a.descriptor == {
            "name": a.name,
            "shape": [5, 5],
            "dtype": "<f8",
            "order": "C",
            "offset": 0,
            "nbytes": 200,
            "segment_size": 200,
        }
        assert json.loads(a.to_json()) == a.descriptor
        assert a.name.startswith("shmc_") and len(a.name) == 21
        assert not a.array.any()
        assert lease(ledger, a.name)["pid"] > 0
    assert not exists(a.name), "leaving the block unlinks an owned array"
    assert lease(ledger, a.name) is None, "and removes its lease"


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_in_either_byte_order_is_viewed_as_numpy_sees_it(dtype):
    source = (np.arange(12) % 2 if dtype == "bool" else np.arange(12)).astype(dtype).reshape(3, 4)
    with sn.from_array(source) as a:
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a.array, source)
        assert a.array.dtype.str == np.dtype(dtype).str
        b = sn.attach(a.descriptor)
        b.array[1, 1] = source[2, 3]
        assert a.array[1, 1] == source[2, 3], "a write through one mapping is seen by the other"
        b.close()


def test_the_view_is_the_segment_no_copy():
    with sn.zeros((4, 4), "int32") as a:
        b = sn.attach(a)
        assert np.shares_memory(a.array, a.array) and a.array is a.array
        assert np.asarray(a) is a.array, "numpy's protocol gives the view itself"
        assert not np.shares_memory(np.array(a), a.array), "np.array copies, as asked"
        b[2, 3] = 7
        assert a[2, 3] == 7 and a.sum() == 7
        b.close()


def test_fill_and_sum_run_in_rust_and_refuse_what_the_dtype_cannot_hold():
    with sn.full((3, 3), 2, "uint8") as a:
        assert a.sum() == 18 and isinstance(a.sum(), int)
        a.fill(np.uint8(255))
        assert a.sum() == 9 * 255
        with pytest.raises(sn.InvalidArgumentError, match="does not fit"):
            a.fill(256)
        with pytest.raises(sn.InvalidArgumentError):
            a.fill(0.5)
        with pytest.raises(sn.InvalidArgumentError, match="not a number"):
            a.fill("x")
    with sn.full(4, 1 + 2j, "complex64") as c:
        assert c.sum() == 4 + 8j
    with sn.full(2, True, "bool") as b:
        assert b.sum() == 2
    with sn.full((), 0.25, "float16") as h:
        assert h.sum() == 0.25 and h.shape == ()


def test_a_view_outlives_close_and_the_segment_goes_with_the_last_view():
    a = sn.from_array(np.arange(6.0))
    name = a.name
    view = a.array[2:]
    a.close()
    assert a.closed
    with pytest.raises(sn.InvalidArgumentError, match="closed"):
        a.array  # noqa: B018
    del a
    gc.collect()
    np.testing.assert_array_equal(view, [2.0, 3.0, 4.0, 5.0])
    assert exists(name), "the view still maps it: the owner is not gone yet"
    view[0] = 9.0
    del view
    gc.collect()
    assert not exists(name), "the last view gone, the owner unlinks it"


def test_unlink_removes_the_name_and_mappings_stay_valid():
    a = sn.from_array(np.ones(3))
    b = sn.attach(a)
    a.unlink()
    assert not exists(a.name) and not a.owner
    with pytest.raises(sn.NotFoundError):
        sn.attach(a.descriptor)
    b.array[0] = 5.0
    assert a.array[0] == 5.0
    with pytest.raises(FileNotFoundError):
        a.unlink()
    a.close()
    b.close()


def test_an_attached_array_never_unlinks():
    a = sn.zeros(3)
    with sn.attach(a) as b:
        assert not b.owner
    del b
    gc.collect()
    assert exists(a.name)
    a.unlink()


def test_disown_hands_over_and_adopt_takes_over(ledger):
    a = sn.zeros((2, 2))
    name = a.name
    a.disown()
    assert not a.owner and lease(ledger, name)["handed_over"]
    a.close()
    del a
    gc.collect()
    assert exists(name), "a disowned array outlives its handle"
    b = sn.adopt({"name": name, "shape": [2, 2], "dtype": "float64"})
    assert b.owner and not lease(ledger, name)["handed_over"]
    with pytest.raises(sn.InvalidArgumentError, match="owns"):
        sn.attach(b).disown()
    b.close()
    gc.collect()
    assert not exists(name), "the adopter freed it"


@pytest.mark.parametrize(
    "form",
    ["short-dict", "canonical-dict", "json", "bytes", "wetlands", "handle", "numpy-values"],
)
def test_attach_reads_every_descriptor_form(form):
    with sn.from_array(np.arange(6, dtype="float32").reshape(2, 3)) as a:
        d = {
            "short-dict": {"name": a.name, "shape": [2, 3], "dtype": "float32"},
            "canonical-dict": a.descriptor,
            "json": a.to_json(),
            "bytes": a.to_json().encode(),
            "wetlands": a.to_wetlands(),
            "handle": a,
            "numpy-values": {"name": a.name, "shape": (np.int64(2), np.int32(3)), "dtype": np.dtype("float32")},
        }[form]
        b = sn.attach(d)
        np.testing.assert_array_equal(b.array, a.array)
        assert b.descriptor == a.descriptor, "the attacher learns segment_size from the OS"
        b.close()


def test_attach_honours_order_and_offset():
    with sn.from_array(np.arange(10, dtype="int16")) as a:
        d = dict(a.descriptor, shape=[2, 3], order="F", offset=4, nbytes=12)
        b = sn.attach(d)
        np.testing.assert_array_equal(b.array, np.arange(2, 8, dtype="int16").reshape((2, 3), order="F"))
        assert b.array.flags.f_contiguous
        b.array[1, 2] = -1
        assert a.array[7] == -1, "another mapping of the same bytes"
        b.close()


def test_empty_and_zero_d_arrays():
    with sn.zeros((0, 4)) as e, sn.full((), 3, "int64") as s:
        assert e.array.shape == (0, 4) and e.sum() == 0.0
        assert s.array.shape == () and int(s.array) == 3
        assert e.descriptor["segment_size"] == 1, "a segment has at least one byte"
        with pytest.raises(TypeError):
            len(s)
        assert len(e) == 0
    none = sn.attach(
        {
            "__wetlands_codec__": {
                "id": "wetlands.numpy-shm",
                "version": 1,
                "kind": "ndarray",
                "name": None,
                "shape": [0, 3],
                "dtype": "<f8",
                "nbytes": 0,
                "segment_size": 0,
            }
        }
    )
    assert none.name is None and none.array.shape == (0, 3)
    assert none.to_wetlands()["__wetlands_codec__"]["name"] is None
    none.unlink()
    none.close()


def test_names_are_chosen_or_generated_and_never_reused():
    with sn.zeros(3, name="shm-ndarray-test-named") as a:
        assert a.name == "shm-ndarray-test-named"
        with pytest.raises(sn.AlreadyExistsError) as e:
            sn.zeros(3, name="shm-ndarray-test-named")
        assert isinstance(e.value, FileExistsError) and e.value.filename == "shm-ndarray-test-named"
        assert a.array.sum() == 0, "the existing segment is untouched"


def test_snp_and_numpy_style_constructors():
    with sn.array([1, 2, 3], dtype="int16") as a, sn.ndarray((2, 2), np.float32) as b:
        assert a.dtype == np.int16 and a.array.tolist() == [1, 2, 3]
        assert b.dtype == np.float32 and b.shape == (2, 2)
    with sn.from_array(np.asfortranarray(np.arange(6).reshape(2, 3))) as c:
        assert c.array.flags.c_contiguous and c.array.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_pickling_is_the_descriptor_and_unpickling_attaches():
    with sn.from_array(np.arange(1000.0)) as a:
        data = pickle.dumps(a)
        assert len(data) < 300, "a descriptor, not 8000 bytes of data"
        b = pickle.loads(data)
        assert isinstance(b, sn.SharedArray) and not b.owner
        b.array[0] = -1.0
        assert a.array[0] == -1.0
        b.close()


def test_repr_says_what_the_handle_is():
    a = sn.zeros((2, 3), "uint8")
    assert repr(a) == f"SharedArray(name='{a.name}', shape=(2, 3), dtype='uint8', owner)"
    a.unlink()
    a.close()
    assert repr(a).endswith(", closed)")
