"""Keras 3 saving re-builds its attribute skip-sets on every save (a native memory leak per save).

`keras.src.saving.saving_lib.get_attr_skipset` caches the set of attribute names to skip when walking a model
for saving, but reads the cache under ``saving_attr_skiplist_<type>`` and writes it under
``saving_attr_skipset_<type>`` (Keras 3.15), so the cache never hits: every ``save_weights``/``save`` builds
fresh reference objects, among them an ``Optimizer(1.0)`` whose backend variables leave about 70 KiB of
native memory behind each time (measured: 0.14 MiB per ``save_weights`` of a GAN with two optimizers, i.e.
per epoch through `SafeBackupAndRestore`; the 200-epoch soak grew 5.4 %).

`ensure_skipset_cache` stores each computed set under the key that is read too. The sets are the same
ones Keras computes (from the same reference objects), so what is saved does not change. Idempotent and cheap;
call it before saving (the checkpoint callbacks do). A no-op outside `AFFECTED_KERAS_VERSIONS` and once Keras
reads and writes the same key.
"""

from keras_s2p.compat.versions import keras_in

#: Keras versions with the bug: 3.6 renamed ``get_attr_skiplist`` and its write key; 3.15 is the last checked.
AFFECTED_KERAS_VERSIONS = ((3, 6), (3, 15))

_TYPES = ("Layer", "Functional", "Sequential", "Metric", "Optimizer", "Loss")
_TYPES_SINCE = {"Operation": (3, 11)}  # the object types a later Keras added


def ensure_skipset_cache():
    """Make `get_attr_skipset`'s cache hit; returns the types cached here (empty when nothing was needed)."""
    if not keras_in(AFFECTED_KERAS_VERSIONS):
        return ()
    try:
        from keras.src.backend.common import global_state
        from keras.src.saving import saving_lib
    except ImportError:  # another Keras layout: nothing to fix
        return ()
    fixed = []
    since = [name for name, first in _TYPES_SINCE.items() if keras_in((first, AFFECTED_KERAS_VERSIONS[1]))]
    for obj_type in (*since, *_TYPES):
        read_key = f"saving_attr_skiplist_{obj_type}"
        if global_state.get_global_attribute(read_key, None) is not None:
            continue
        skipset = saving_lib.get_attr_skipset(obj_type)
        if global_state.get_global_attribute(read_key, None) is None:  # the bug: written under another key
            global_state.set_global_attribute(read_key, skipset)
            fixed.append(obj_type)
    return tuple(fixed)
