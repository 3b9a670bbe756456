"""Seed (b), Wetlands' shared ndarray: the host hands numpy arrays to a
module running in another environment (another Python process) by pickling
them to ``{"name", "shape", "dtype"}`` and re-attaching them there, both
ways. The Wetlands examples ``shared_memory_provide_ndarrays.py`` and
``shared_memory_return_ndarray.py``, rewritten with shm_ndarray's
SharedArray in place of ``wetlands.ndarray.NDArray`` (which pickles the
same way; ``with`` closes and unlinks as ``NDArray.dispose`` does).

    python wetlands_ndarray.py
"""

import numpy as np
from wetlands_env import Environment

import shm_ndarray as sn

if __name__ == "__main__":
    env = Environment()
    module = env.import_module("wetlands_segmentation_module")
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, size=(64, 48, 3), dtype=np.uint8)
    expected = (image.mean(axis=-1) > image.mean(axis=-1).mean()).astype("uint8")

    # shared_memory_provide_ndarrays.py: the host creates both arrays.
    with sn.from_array(image) as ndimage, sn.create(image.shape[:2], "uint8") as ndsegmentation:
        module.segment(ndimage, ndsegmentation)
        assert np.array_equal(ndsegmentation.array, expected)
        print("provided:", int(ndsegmentation.array.sum()), "pixels segmented")
        names = (ndimage.name, ndsegmentation.name)

    # shared_memory_return_ndarray.py: the environment creates the result.
    with sn.from_array(image) as ndimage:
        masks = module.segment_and_return(ndimage)
        assert isinstance(masks, sn.SharedArray) and not masks.owner
        assert np.array_equal(masks.array, expected)
        print("returned:", int(masks.array.sum()), "pixels segmented")
        returned = masks.name
        masks.close()
    module.clean()  # the environment frees what it made

    assert env.exit() == 0
    print("segments:", " ".join((*names, returned)))
