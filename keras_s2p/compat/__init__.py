"""Small, documented fixes for bugs in the libraries keras-s2p builds on.

Each module patches one upstream bug, applies only where the bug can bite (library versions known to need it,
the configuration that triggers it), is idempotent, and has a test that runs the *unpatched* library and checks
that the bug is still there, so the suite says when upstream has fixed it and the patch can go.

* `keras_s2p.compat.multiworker_fit`: Keras 3 ``fit()`` under `tf.distribute.MultiWorkerMirroredStrategy`
  (keras-team/keras#20585, tensorflow/tensorflow#72388).
* `keras_s2p.compat.metric_directions`: the private Keras names through which mode "auto" callbacks learn a
  custom metric's direction (not a bug fix: a contract Keras keeps private; its test says when it changes).
* `keras_s2p.compat.saving_skipset`: Keras 3.6 to 3.15 saving never hits its attribute skip-set cache and leaks
  native memory at every ``save_weights`` (the checkpoint callbacks apply it).

`keras_s2p.compat.versions` checks the TensorFlow, Keras and NumPy versions against the declared range whenever
keras-s2p meets Keras (`keras_s2p.registration.register`): an unsupported one raises `UnsupportedVersionError`, one
line, before any patch touches a private API that moved.
"""
