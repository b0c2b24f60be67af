"""Every loss the GAN trains with, named as TF-GAN names them.

All losses return float32 scalars (inputs are cast), so mixed-precision training never computes a loss or the
gradient penalty in reduced precision.
"""

import keras
import tensorflow as tf

from keras_s2p.errors import ConfigError
from keras_s2p.models.gan_options import MODEL_DEFAULTS
from keras_s2p.pixels import pixel_values
from keras_s2p.precision import dtype_policy_scope
from keras_s2p.pretrained import load_vgg19

DEFAULT_PERCEPTUAL_LAYERS = MODEL_DEFAULTS["perceptual_layers"]
DEFAULT_PERCEPTUAL_LAYER_WEIGHTS = MODEL_DEFAULTS["perceptual_layer_weights"]


def _f32(x):
    return tf.cast(x, tf.float32)


def wasserstein_generator_loss(fake_scores):
    """Generator loss ``-E[D(G(x))]``: the generator wants high critic scores for its photos."""
    return -tf.reduce_mean(_f32(fake_scores))


def wasserstein_critic_loss(real_scores, fake_scores):
    """Critic loss ``E[D(fake)] - E[D(real)]`` (the negated Wasserstein-distance estimate)."""
    return tf.reduce_mean(_f32(fake_scores)) - tf.reduce_mean(_f32(real_scores))


def wasserstein_gradient_penalty(critic_fn, real, fake, epsilon=1e-10, seed=None):
    """WGAN-GP penalty ``E[(||grad D(x_hat)||_2 - 1)^2]`` on per-sample uniform interpolates (Gulrajani et al.).

    Args:
        critic_fn: callable mapping a batch of photos to critic scores (any shape with leading batch axis); for a
            conditional critic, close over the sketch: ``lambda x: critic([sketch, x], training=True)``.
        real: real photos ``(B, H, W, C)``.
        fake: generated photos, same shape.
        epsilon: added inside the square root, so a zero gradient gives a finite penalty (1.0), never NaN.
        seed: optional stateless seed, a pair of integers (e.g. ``[replica, step]``): the same seed gives the same
            interpolation weights in any process, so a resumed run replays them. ``None`` draws from TensorFlow's
            global generator.

    Returns:
        The mean penalty over the batch, a float32 scalar.

    Example:
        >>> critic = lambda x: tf.reduce_sum(x, axis=[1, 2, 3])
        >>> wasserstein_gradient_penalty(critic, tf.ones((2, 4, 4, 3)), tf.zeros((2, 4, 4, 3)))
    """
    real, fake = _f32(real), _f32(fake)
    shape = [tf.shape(real)[0], 1, 1, 1]
    if seed is None:
        alpha = tf.random.uniform(shape)
    else:
        alpha = tf.random.stateless_uniform(shape, seed=seed)
    interpolated = fake + alpha * (real - fake)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        # Summing the scores gives each sample's gradient w.r.t. its own input (samples are independent).
        scores = tf.reduce_sum(_f32(critic_fn(interpolated)))
    grads = _f32(tape.gradient(scores, interpolated))
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + epsilon)
    return tf.reduce_mean(tf.square(norms - 1.0))


def l1_loss(real, fake):
    """Mean absolute error between two image batches."""
    return tf.reduce_mean(tf.abs(_f32(real) - _f32(fake)))


class PerceptualLoss:
    """Weighted L1 distance between VGG19 feature maps of two image batches in [-1, 1].

    Inputs are mapped to [0, 255] and through `keras.applications.vgg19.preprocess_input` (RGB->BGR, ImageNet
    mean subtracted) before VGG sees them. The network is frozen and runs in float32 by default.

    This is deliberately not a Keras layer: a model that holds it does not save the 80 MB of VGG weights in its
    ``.keras`` file; the loss is rebuilt from its arguments when needed.

    Args:
        weights: ``"imagenet"``, a local weights file path, or ``None`` (random; tests only). See `load_vgg19`.
        layers: VGG19 layer names whose activations are compared.
        layer_weights: one weight per layer.
        dtype: compute dtype of the VGG network (``"float32"``; ``"bfloat16"`` trades accuracy for speed).

    Raises:
        ConfigError: unknown layer names or mismatched weights.
        WeightsUnavailableError: see `load_vgg19`.

    Example:
        >>> loss = PerceptualLoss(weights=None)
        >>> float(loss(tf.zeros((1, 32, 32, 3)), tf.zeros((1, 32, 32, 3))))
        0.0
    """

    def __init__(self, weights="imagenet", layers=DEFAULT_PERCEPTUAL_LAYERS,
                 layer_weights=DEFAULT_PERCEPTUAL_LAYER_WEIGHTS, dtype="float32"):
        layers, layer_weights = tuple(layers), tuple(float(w) for w in layer_weights)
        if len(layers) != len(layer_weights) or not layers:
            raise ConfigError(f"perceptual layers ({len(layers)}) and layer_weights ({len(layer_weights)}) differ")
        with dtype_policy_scope(dtype):  # VGG runs in its own precision, whatever the global policy
            vgg = load_vgg19(weights)
            known = {layer.name for layer in vgg.layers}
            unknown = [name for name in layers if name not in known]
            if unknown:
                raise ConfigError(f"unknown VGG19 layer(s) {unknown}; choose from {sorted(known)}")
            outputs = [vgg.get_layer(name).output for name in layers]
            self.features = keras.Model(vgg.input, outputs, name="vgg19_features")
        self.features.trainable = False
        self.layers, self.layer_weights, self.dtype = layers, layer_weights, dtype

    def preprocess(self, images):
        """Map images from [-1, 1] to VGG19's expected input (BGR, ImageNet mean removed, float32)."""
        return keras.applications.vgg19.preprocess_input(pixel_values(_f32(images)))

    def extract(self, images):
        """Return the list of VGG19 feature maps of `images` (in [-1, 1]); reuse it to avoid recomputing."""
        return self.features(self.preprocess(images), training=False)

    def from_features(self, real_features, fake_images):
        """The loss of `fake_images` against precomputed features of the real images."""
        fake_features = self.extract(fake_images)
        total = 0.0
        for weight, real_f, fake_f in zip(self.layer_weights, real_features, fake_features):
            total += weight * l1_loss(real_f, fake_f)
        return total

    def __call__(self, real_images, fake_images):
        return self.from_features(self.extract(real_images), fake_images)
