"""``train()`` called twice in one process with the same seed trains the same model (as two commands do)."""

import keras
import numpy as np

from keras_s2p.training import train
from tiny_settings import TINY


def test_a_second_train_call_gives_the_same_weights(tmp_path):
    # The first call sets the global seed; tf.data's seeded shuffles combine it with their own, so a second call
    # once shuffled differently from the first (and an in-process run from the same command in a new process).
    keras.utils.set_random_seed(123)  # whatever the process did before
    weights = []
    for name in ("first", "second"):
        gan, _, _ = train(run_dir=tmp_path / name, epochs=1, batch_size=4, builtin_pairs=8, validation_split=2,
                          verbose=0, **dict(TINY, critic_steps=1))
        weights.append(gan.critic.get_weights() + gan.generator.get_weights())
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)
