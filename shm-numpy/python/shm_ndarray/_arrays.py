"""Making and attaching shared arrays: the arguments as numpy users give
them (shapes, dtypes, descriptors in any of their forms), normalised here
and handed to the extension."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _shm_ndarray
from ._errors import invalid_argument, invalid_descriptor, unsupported_dtype
from ._shm_ndarray import SharedArray

ShapeLike = int | Iterable[int]
"""A shape as numpy takes one: an int, or an iterable of ints."""

DescriptorLike = Mapping[str, Any] | str | bytes | SharedArray
"""A descriptor in any form: the seeds' dict ``{"name", "shape", "dtype"}``,
the canonical dict or its JSON text, the Wetlands ``wetlands.numpy-shm``
payload, or a SharedArray (its descriptor)."""


def shape_of(shape: ShapeLike) -> list[int]:
    """``shape`` as a list of non-negative ints (InvalidArgumentError
    otherwise)."""
    try:
        dims = [operator.index(shape)] if not isinstance(shape, Iterable) else [operator.index(d) for d in shape]
    except TypeError:
        raise invalid_argument(f"a shape is an int or a sequence of ints, not {shape!r}") from None
    if any(d < 0 for d in dims):
        raise invalid_argument(f"shape {tuple(dims)} has a negative dimension")
    return dims


def dtype_str(dtype: DTypeLike) -> str:
    """numpy's ``dtype.str`` of ``dtype`` (UnsupportedDtypeError for what
    numpy does not read)."""
    try:
        return np.dtype(dtype).str
    except (TypeError, ValueError) as e:
        raise unsupported_dtype(dtype, str(e)) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.dtype):
        return value.str
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).str
    try:
        return operator.index(value)
    except TypeError:
        pass
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def descriptor_text(descriptor: DescriptorLike) -> str:
    """A descriptor in any form (see ``DescriptorLike``) as JSON text."""
    if isinstance(descriptor, SharedArray):
        return descriptor.to_json()
    if isinstance(descriptor, bytes):
        try:
            return descriptor.decode()
        except UnicodeDecodeError as e:
            raise invalid_descriptor(f"not UTF-8: {e}") from None
    if isinstance(descriptor, str):
        return descriptor
    if isinstance(descriptor, Mapping):
        try:
            return json.dumps(dict(descriptor), default=_json_default)
        except (TypeError, ValueError) as e:
            raise invalid_descriptor(str(e)) from None
    raise invalid_descriptor(f"a descriptor is a dict, JSON text or a SharedArray, not {type(descriptor).__name__}")


def create(
    shape: ShapeLike,
    dtype: DTypeLike = np.float64,
    *,
    name: str | None = None,
    fill: bool | int | float | complex | None = None,
) -> SharedArray:
    """A new shared array this process owns, of ``shape`` and ``dtype``,
    zero-filled or filled with ``fill`` (without holding the GIL), in a new
    segment named ``name`` or under a generated name (``shmc_`` and 16 hex
    digits). Every page is reserved now: a full /dev/shm is OutOfSpaceError
    here, never a SIGBUS later. A taken name is AlreadyExistsError."""
    return _shm_ndarray._create(shape_of(shape), dtype_str(dtype), name, fill)


def zeros(shape: ShapeLike, dtype: DTypeLike = np.float64, *, name: str | None = None) -> SharedArray:
    """``numpy.zeros`` in shared memory: ``create(shape, dtype, name=name)``."""
    return create(shape, dtype, name=name)


def full(
    shape: ShapeLike,
    fill_value: bool | int | float | complex,
    dtype: DTypeLike = np.float64,
    *,
    name: str | None = None,
) -> SharedArray:
    """``numpy.full`` in shared memory: every element ``fill_value``."""
    return create(shape, dtype, name=name, fill=fill_value)


def ndarray(shape: ShapeLike, dtype: DTypeLike = np.float64, *, name: str | None = None) -> SharedArray:
    """shared_numpy's ``snp.ndarray(shape, dtype)``: a new shared array (zeroed,
    where ``numpy.ndarray`` leaves memory uninitialised)."""
    return create(shape, dtype, name=name)


def from_array(array: ArrayLike, *, name: str | None = None) -> SharedArray:
    """A shared copy (in C order) of ``array``, or of anything numpy makes an
    array of."""
    source = np.asarray(array)
    shared = create(source.shape, source.dtype, name=name)
    try:
        np.copyto(shared.array, source, casting="no")
    except BaseException:
        shared.unlink()
        shared.close()
        raise
    return shared


def array(obj: ArrayLike, dtype: DTypeLike | None = None, *, name: str | None = None) -> SharedArray:
    """shared_numpy's ``snp.array(obj, dtype)``: ``numpy.array(obj, dtype)``
    copied into shared memory."""
    return from_array(np.asarray(obj, dtype=dtype), name=name)


def attach(descriptor: DescriptorLike) -> SharedArray:
    """The array a descriptor describes (any form: see ``DescriptorLike``),
    attached: mapped, not owned (it is never unlinked by this process unless
    it calls ``unlink()`` or ``adopt()``). Every check is made before the view
    exists: NotFoundError, SizeMismatchError (a name reused for another
    segment), InvalidDescriptorError, UnsupportedDtypeError."""
    return _shm_ndarray._attach(descriptor_text(descriptor), False)


def adopt(descriptor: DescriptorLike) -> SharedArray:
    """``attach`` and ``adopt()``: the array handed over to this process,
    which owns it from now on."""
    return _shm_ndarray._attach(descriptor_text(descriptor), True)
