"""The allowed values of string options (networks, precision, export), importable without TensorFlow (the CLI
reads them).

Generator normalisations and what they trade (docs/training.md, "Normalisation"):
    instance    per image and channel: no batch statistics at all, so training and inference compute the same
                function at any batch size (pix2pixHD, CycleGAN, SPADE).
    group       per image, over groups of channels: the same property, statistics shared across channels.
    batch       batch statistics in training, moving averages in inference: the train/inference gap that
                `keras_s2p.models.precise_batch_norm.recalibrate` closes (foldable into the convolutions).
    sync_batch  batch, with the statistics synchronised across replicas under tf.distribute.
    none        no normalisation (the convolutions get biases).
"""

NORMALIZATIONS = ("instance", "group", "batch", "sync_batch", "none")
BATCH_NORMS = ("batch", "sync_batch")
UPSAMPLING_MODES = ("resize", "transpose")
CRITIC_OUTPUTS = ("patch", "scalar")
CRITIC_SCALES = (1, 2, 3)  # full, 1/2 and 1/4 resolution (pix2pixHD's multi-scale discriminator)
PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
EXPORT_FORMATS = ("saved_model", "tflite", "keras", "web")  # web: the draw page running the TFLite model
QUANTIZATIONS = ("float16", "int8")
QUANTIZABLE_FORMATS = ("tflite", "web")  # the formats whose weights QUANTIZATIONS shrink
STRATEGIES = ("default", "mirrored", "multiworker", "tpu")  # keras_s2p.distribute.make_strategy's names
