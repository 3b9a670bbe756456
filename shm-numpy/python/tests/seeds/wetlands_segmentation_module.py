"""Seed (b)'s module, run inside the environment: the two Wetlands examples'
modules (``shared_memory_provide_ndarrays_module.py``,
``shared_memory_return_ndarray_module.py``) with shm_ndarray's SharedArray
in place of ``wetlands.ndarray.NDArray``. Segmentation is a stand-in: the
pixels brighter than the image's mean."""

from __future__ import annotations

import numpy as np

import shm_ndarray as sn

ndarray: sn.SharedArray | None = None


def segment_image(image: np.ndarray) -> np.ndarray:
    gray = image.mean(axis=-1) if image.ndim == 3 else image
    return (gray > gray.mean()).astype("uint8")


def segment(image: sn.SharedArray, segmentation: sn.SharedArray) -> None:
    """Provide-ndarrays: both arrays are the host's; the result is written in
    place, then this side's mappings are closed."""
    masks = segment_image(image.array)
    segmentation.array[:] = masks[:]
    image.close()
    segmentation.close()


def segment_and_return(image: sn.SharedArray) -> sn.SharedArray:
    """Return-ndarray: the result is a new shared array this side creates and
    keeps (until ``clean``); the host receives its descriptor."""
    global ndarray
    ndarray = sn.from_array(segment_image(image.array))
    image.close()
    return ndarray


def clean() -> None:
    """Frees what ``segment_and_return`` made (Wetlands' ``dispose``)."""
    global ndarray
    if ndarray is None:
        return
    ndarray.unlink()
    ndarray.close()
    ndarray = None
