"""`SelfAttention`: the SAGAN self-attention block (Zhang et al. 2019), as in the authors' TensorFlow code.

Every position attends to every position of a 2x2 max-pooled copy of the feature map (the pooling cuts the
attention matrix 4x, which keeps a 128x128 bottleneck of a 512x512 generator within memory); the result is
added back scaled by a learned ``gamma`` that starts at 0, so the block starts as the identity and the network
learns how much global context to mix in.
"""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_s2p")
class SelfAttention(layers.Layer):
    """``x + gamma * out(softmax(query(x) key(pool(x))^T) value(pool(x)))`` on a ``(B, H, W, C)`` feature map.

    Query and key are 1x1 convolutions to ``C // 8`` channels, value to ``C // 2``, then a 1x1 convolution back to
    ``C``. The attention logits and softmax are computed in float32 whatever the layer's dtype policy.

    Args:
        spectral_norm: wrap the four 1x1 convolutions in spectral normalisation (for a Lipschitz critic).
        **kwargs: `keras.layers.Layer` arguments (``name``, ``dtype``).

    Returns:
        A tensor of the input's shape.

    Example:
        >>> SelfAttention()(keras.ops.ones((2, 16, 16, 64))).shape
        (2, 16, 16, 64)
    """

    def __init__(self, spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = spectral_norm

    def _conv(self, filters, name):
        conv = layers.Conv2D(filters, 1, name=name, dtype=self.dtype_policy)
        if self.spectral_norm:
            return layers.SpectralNormalization(conv, name=f"sn_{name}", dtype=self.dtype_policy)
        return conv

    def build(self, input_shape):
        channels = input_shape[-1]
        inner = max(channels // 8, 1)
        self.query, self.key = self._conv(inner, "query"), self._conv(inner, "key")
        self.value, self.out = self._conv(max(channels // 2, 1), "value"), self._conv(channels, "out")
        for conv in (self.query, self.key, self.value):
            conv.build(input_shape)
        self.out.build((*input_shape[:-1], max(channels // 2, 1)))
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros")

    def call(self, x, training=None):
        batch, height, width = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]

        def flat(t):
            return ops.reshape(t, (batch, -1, ops.shape(t)[-1]))

        def pooled(conv):
            return flat(ops.max_pool(conv(x, training=training), 2, 2, padding="same"))

        query = flat(self.query(x, training=training))
        logits = ops.matmul(ops.cast(query, "float32"),
                            ops.transpose(ops.cast(pooled(self.key), "float32"), (0, 2, 1)))
        weights = ops.cast(ops.softmax(logits, axis=-1), x.dtype)
        attended = ops.reshape(ops.matmul(weights, pooled(self.value)), (batch, height, width, -1))
        return x + ops.cast(self.gamma, x.dtype) * self.out(attended, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "spectral_norm": self.spectral_norm}
