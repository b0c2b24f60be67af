"""Registering keras-s2p's saved classes with Keras as soon as Keras is loaded, without loading it earlier.

A ``.keras`` file names its classes (``keras_s2p>SketchToPhotoGAN``, ``keras_s2p>ConstantThenLinearDecay``) and
`keras.saving.load_model` only finds registered ones; a class registers when its module is imported. So that
``import keras_s2p`` alone makes every file keras-s2p writes loadable while ``s2p --help`` still does not import
TensorFlow, `register_when_keras_loads` imports `SAVED_CLASS_MODULES` at once when Keras is already loaded, and
otherwise as soon as it is loaded and no import of Keras, TensorFlow or a keras_s2p module is in progress (Keras
and TensorFlow import each other, and a keras_s2p module that imports Keras, e.g. ``from keras_s2p.model_file
import load_generator``, must finish before the saved classes' modules can import it back).
"""

import importlib
import sys

#: The modules defining every class keras-s2p writes into a saved file.
SAVED_CLASS_MODULES = ("keras_s2p.models.gan", "keras_s2p.models.attention", "keras_s2p.models.style",
                       "keras_s2p.schedules")
_FRAMEWORKS = ("keras", "tensorflow")


def register():
    """Import `SAVED_CLASS_MODULES`, which registers their classes with Keras.

    Skipped while a keras_s2p module is half-imported (Keras loaded from inside it): importing the saved classes'
    modules then would import that module back, unfinished. `keras_s2p.__getattr__` loads Keras first to avoid it.

    Raises:
        UnsupportedVersionError: TensorFlow, Keras or NumPy outside the declared range (checked first, always).
    """
    _register(wait_for_half_imported=True)


def _register(wait_for_half_imported):
    from keras_s2p.compat.versions import check

    check()
    if wait_for_half_imported and any(getattr(getattr(module, "__spec__", None), "_initializing", False)
                                      for name, module in list(sys.modules.items()) if name.startswith("keras_s2p.")):
        return
    for name in SAVED_CLASS_MODULES:
        importlib.import_module(name)


class _RegisterAfterImport:
    """A `sys.meta_path` finder that finds nothing itself: it wraps the loaders of Keras, TensorFlow and keras_s2p's
    modules so that `register` runs when the outermost of those imports finishes with both frameworks loaded
    (`importlib.abc.MetaPathFinder` is not subclassed: importing it costs ``s2p --help`` more than everything
    else here)."""

    def __init__(self):
        self.loading = 0

    def find_spec(self, name, path=None, target=None):
        if name not in _FRAMEWORKS and not name.startswith("keras_s2p."):
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None and spec.loader is not None:
                    self._wrap(spec.loader)
                    return spec
        return None

    def _wrap(self, loader):
        exec_module = loader.exec_module

        def exec_then_register(module):
            self.loading += 1
            try:
                exec_module(module)
            finally:
                self.loading -= 1
            if self.loading == 0 and self in sys.meta_path and all(name in sys.modules for name in _FRAMEWORKS):
                # Every import this finder saw has finished (importlib marks the outermost module done only after
                # this returns, which is why `register`'s check for half-imported modules is not used here).
                sys.meta_path.remove(self)
                _register(wait_for_half_imported=False)

        loader.exec_module = exec_then_register


def register_when_keras_loads():
    """Call `register` now if Keras is loaded, else as soon as it is (see the module docstring)."""
    if all(name in sys.modules for name in _FRAMEWORKS):
        register()
    elif not any(isinstance(finder, _RegisterAfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterImport())
