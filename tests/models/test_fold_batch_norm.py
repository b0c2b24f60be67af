"""Folding inference-mode BatchNorm into the convolutions computes what the unfolded generator computes."""

import keras
import numpy as np
import pytest

from keras_s2p import build_generator
from keras_s2p.models.fold_batch_norm import fold_batch_norm, foldable_pairs
from keras_s2p.precision import dtype_policy_scope
from tiny_settings import with_random_batch_norm


@pytest.mark.parametrize("options", [dict(), dict(upsampling="transpose", skip_connections=True)])
def test_folded_generator_matches_inference_mode(options):
    generator = with_random_batch_norm(build_generator(image_size=32, base_filters=8, num_res_blocks=2, **options))
    folded = fold_batch_norm(generator)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in folded.layers)
    assert len(foldable_pairs(generator)) == sum(isinstance(x, keras.layers.BatchNormalization)
                                                 for x in generator.layers)
    sketch = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    expected = generator(sketch, training=False).numpy()
    np.testing.assert_allclose(folded(sketch).numpy(), expected, atol=1e-4)


def test_mixed_precision_generator_folds_to_float32():
    with dtype_policy_scope("mixed_bfloat16"):
        generator = with_random_batch_norm(build_generator(image_size=32, base_filters=8, num_res_blocks=1))
    folded = fold_batch_norm(generator)
    assert {layer.dtype_policy.name for layer in folded.layers} == {"float32"}
    sketch = np.zeros((1, 32, 32, 3), "float32")
    np.testing.assert_allclose(folded(sketch).numpy(), generator(sketch, training=False).numpy(), atol=0.05)


def test_unfoldable_normalisation_is_copied_unchanged():
    generator = build_generator(image_size=32, base_filters=8, num_res_blocks=1, norm="instance")
    assert foldable_pairs(generator) == {}
    sketch = np.random.default_rng(2).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(fold_batch_norm(generator)(sketch).numpy(), generator(sketch).numpy(), atol=1e-6)
