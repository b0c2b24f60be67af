"""Fold inference-mode BatchNorm into the convolution before it, for faster inference.

In inference mode a BatchNorm layer is a per-channel affine map ``y = (x - mean) * scale + beta`` with
``scale = gamma / sqrt(variance + epsilon)``; after a convolution ``x = conv(z, W) + b`` it is the convolution
``conv(z, W * scale) + (b - mean) * scale + beta``. Folding removes the BatchNorm layers' passes over the
activations (measured in ``benchmarks/draw_latency.py``). Instance and group normalisation use
each image's own statistics and cannot be folded; models with them are copied unchanged.
"""

import keras
import numpy as np

CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def foldable_pairs(model):
    """``{convolution name: BatchNormalization layer}`` for every BatchNorm whose only input is a convolution
    that feeds nothing else (the layers of a functional `model`)."""
    consumers = {}
    for layer in model.layers:
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                producer = tensor._keras_history.operation
                consumers.setdefault(producer.name, set()).add(layer.name)
    pairs = {}
    for layer in model.layers:
        if (not isinstance(layer, keras.layers.BatchNormalization) or layer.axis not in (-1, len(layer.input.shape) - 1)
                or len(layer._inbound_nodes) != 1):
            continue
        inputs = layer._inbound_nodes[0].input_tensors
        producer = inputs[0]._keras_history.operation if len(inputs) == 1 else None
        if isinstance(producer, CONVOLUTIONS) and consumers.get(producer.name) == {layer.name}:
            pairs[producer.name] = layer
    return pairs


def fold_batch_norm(model, dtype="float32"):
    """A copy of functional `model` whose foldable BatchNorm layers are folded into their convolutions.

    Args:
        model: a functional `keras.Model` such as ``build_generator(...)`` (any number of inputs).
        dtype: the dtype policy of every layer of the copy (``"float32"``, or e.g. ``"mixed_bfloat16"``).

    Returns:
        A new `keras.Model` computing what `model` computes with ``training=False`` (within float rounding), without
        the folded BatchNorm layers; the other layers keep their names. `model` is not changed.

    Example:
        >>> fast = fold_batch_norm(generator)
        >>> photo = fast(sketch)  # == generator(sketch, training=False) within 1e-4
    """
    pairs = foldable_pairs(model)
    folded = {norm.name for norm in pairs.values()}

    def clone(layer):
        if layer.name in folded:
            return layer  # never called: `call` below passes its input through
        config = {**layer.get_config(), "dtype": dtype}
        if layer.name in pairs:
            config["use_bias"] = True
        return layer.__class__.from_config(config)

    def call(layer, *args, **kwargs):
        return args[0] if layer.name in folded else layer(*args, **kwargs)

    copy = keras.models.clone_model(model, clone_function=clone, call_function=call)
    for target in copy.layers:
        layer = model.get_layer(target.name)
        target.set_weights(_folded_weights(layer, pairs[layer.name]) if layer.name in pairs else layer.get_weights())
    return copy


def _folded_weights(conv, norm):
    """[kernel, bias] of `conv` followed by inference-mode `norm`, in float32."""
    kernel = np.asarray(conv.kernel, dtype=np.float32)
    bias = np.asarray(conv.bias, dtype=np.float32) if conv.use_bias else 0.0
    size = kernel.shape[-2] if isinstance(conv, keras.layers.Conv2DTranspose) else kernel.shape[-1]
    gamma = np.asarray(norm.gamma, np.float32) if norm.scale else np.ones(size, np.float32)
    beta = np.asarray(norm.beta, np.float32) if norm.center else np.zeros(size, np.float32)
    scale = gamma / np.sqrt(np.asarray(norm.moving_variance, np.float32) + norm.epsilon)
    # Conv2D kernels are (h, w, in, out), Conv2DTranspose kernels (h, w, out, in).
    scaled = kernel * (scale[:, None] if isinstance(conv, keras.layers.Conv2DTranspose) else scale)
    return [scaled, (bias - np.asarray(norm.moving_mean, np.float32)) * scale + beta]
