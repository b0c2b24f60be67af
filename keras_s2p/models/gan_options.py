"""`SketchToPhotoGAN`'s options, declared once as plain data (`keras_s2p.options.Option`).

From `MODEL_OPTIONS` come the model's defaults (its signature), the validation of its arguments, its
``get_config``, its docstring's ``Args`` list, the ``s2p train`` model flags (`keras_s2p.cli.options`) and the
settings a run folder's resume check compares (`ARCHITECTURE_KEYS`). To add an option: add an `Option` here, add
the argument to ``SketchToPhotoGAN.__init__``'s signature (a test checks they agree) and use it. No TensorFlow is
imported (the CLI reads this module).
"""

from keras_s2p.models.choices import CRITIC_OUTPUTS, CRITIC_SCALES, NORMALIZATIONS, PRECISIONS, UPSAMPLING_MODES
from keras_s2p.options import (
    Option,
    defaults,
    flag,
    integer,
    names,
    non_negative_float,
    non_negative_int,
    numbers,
    path,
    positive_int,
    probability,
)

MODEL_OPTIONS = (
    Option("image_size", 128, "training image size (square); the generator runs at any multiple of "
           "2**downsamples", positive_int, architecture=True),
    Option("base_filters", 32, "generator stem filters, doubled per downsampling", positive_int, architecture=True),
    Option("num_downsamples", None, "generator downsampling steps (default: 2; 3 from 256², where the size divides "
           "by 8: measured better at 256²)", non_negative_int, flag="--downsamples", architecture=True,
           details="None: `default_downsamples` of `image_size`."),
    Option("num_res_blocks", 6, "residual blocks at the generator bottleneck", non_negative_int,
           flag="--res-blocks", architecture=True),
    Option("upsampling", "resize", "generator upsampling (resize: no checkerboard)", choices=UPSAMPLING_MODES,
           architecture=True),
    Option("skip_connections", True, "U-Net skips in the generator", flag, architecture=True),
    Option("generator_norm", "batch", "generator normalisation; batch is recalibrated before every use "
           "(docs: Train on your data)", choices=NORMALIZATIONS, architecture=True,
           details="Their trade-offs: `keras_s2p.models.choices`; sync_batch synchronises across replicas."),
    Option("critic_filters", 64, "filters of the critic's first layer", positive_int, architecture=True),
    Option("critic_layers", 3, "strided layers of the critic", positive_int, architecture=True),
    Option("critic_output", "patch", "PatchGAN score map or one score per image", choices=CRITIC_OUTPUTS,
           architecture=True),
    Option("conditional_critic", True, "the critic judges (sketch, photo) pairs, not photos alone", flag,
           architecture=True),
    Option("critic_scales", 1, "critics of the same design on the pair at full, 1/2 and 1/4 resolution (pix2pixHD); "
           "losses summed, gradient penalty per scale", integer, choices=CRITIC_SCALES, architecture=True),
    Option("attention", False, "SAGAN self-attention at the generator bottleneck and at the critic's 1/8 "
           "resolution", flag, architecture=True,
           details="`keras_s2p.models.attention.SelfAttention`, spectrally normalised in the critic."),
    Option("color_hints", False, "the generator (and a conditional critic) also take colour hints, RGB + alpha "
           "mask, drawn from the photo in training (docs: Colour hints)", flag, architecture=True,
           details="The generator takes ``[sketch, hints]`` and a conditional critic ``[sketch, hints, photo]`` "
                   "(`keras_s2p.hints`, in [0, 1]). Training draws hints from each real photo "
                   "(`keras_s2p.hints.sample_hints`, none for 30% of the images); ``predict``, ``evaluate`` and "
                   "validation take ``[sketch, hints]`` as x, or sketches alone, which means no hints."),
    Option("style_dim", 0, "size of a style code a photo is encoded to and the generator takes: many photos per "
           "sketch, and style from an example photo (docs/style.md); 0: off", non_negative_int, architecture=True,
           details="BicycleGAN's training: a VAE encoder (`keras_s2p.models.style`), the true photo rebuilt from "
                   "its own code and random codes regressed back (`latent_weight`). Each step then generates "
                   "twice the batch."),
    Option("kl_weight", 0.01, "weight of the style codes' KL divergence from N(0, I) (with --style-dim)",
           non_negative_float, details="0.01 as BicycleGAN."),
    Option("latent_weight", 0.5, "weight of the L1 between random style codes and their re-encoding from the "
           "generated photos (with --style-dim): codes cannot be ignored", non_negative_float,
           details="0.5 as BicycleGAN."),
    Option("hint_recolor", 0.25, "probability that a hinted training photo is recoloured (random hue and "
           "saturation) before its hints are drawn: hints then steer to colours the sketch does not suggest, at "
           "some cost to hint-free quality on small data", probability, details="See `keras_s2p.hints.recolor`."),
    Option("critic_steps", 1, "critic updates per generator update", positive_int,
           details="1 as pix2pix; the WGAN-GP paper's 5 costs four more critic passes per generator step."),
    Option("gp_weight", 10.0, "gradient-penalty weight", non_negative_float, details="10 in the WGAN-GP paper."),
    Option("l1_weight", 100.0, "L1 reconstruction weight", non_negative_float,
           details="Computed on [-1, 1] images, as pix2pix."),
    Option("perceptual_weight", 1.0, "VGG19 perceptual weight (0: VGG19 is never loaded)", non_negative_float),
    Option("perceptual_weights", "imagenet", "VGG19 weights: Keras' ImageNet download/cache or a local .h5 file",
           path, details="``None``: random weights (tests only)."),
    Option("perceptual_layers", ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"),
           "VGG19 layers compared by the perceptual term (comma-separated)", names),
    # pix2pixHD's per-layer weights: deeper (coarser) features count more.
    Option("perceptual_layer_weights", (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0),
           "one weight per perceptual layer (comma-separated)", numbers),
    Option("perceptual_precision", "float32", "precision VGG19 runs in (auto: as --precision; faster on bf16 "
           "CPUs, less exact gradients: docs)", choices=PRECISIONS,
           details="VGG19 is about half of the FLOPs of a training step, so ``\"auto\"`` gives most of the "
                   "mixed-precision speed-up on a CPU with AVX512-BF16 (+46% measured, see benchmarks/NOTES.md); "
                   "the feature distances are always float32."),
    Option("feature_matching_weight", 0.0, "critic feature-matching weight (pix2pixHD); needs no pretrained network",
           non_negative_float, details="L1 between the critic's intermediate activations for the real and the "
                                       "generated pair, averaged over every scale's layers."),
    Option("precision", "auto", "numeric precision (auto: mixed bfloat16/float16 where the hardware has it)",
           choices=PRECISIONS, details="See `keras_s2p.precision`."),
)
MODEL_DEFAULTS = defaults(MODEL_OPTIONS)
#: The options that decide what a checkpoint holds: a run folder resumes only with the same values.
ARCHITECTURE_KEYS = tuple(option.name for option in MODEL_OPTIONS if option.architecture)
#: Options of the style code: left out of the configuration of a model without one (its files stay as before).
STYLE_OPTIONS = ("style_dim", "kl_weight", "latent_weight")


def default_downsamples(image_size):
    """The generator's downsampling steps when `num_downsamples` is not given: 2, or 3 from 256² (where the size
    divides by 8). At 256² on edges2shoes 3 scored +0.04 SSIM at equal CPU time (`benchmarks/QUALITY.md`): the
    bottleneck's residual blocks then see twice the context for the same FLOPs."""
    return 3 if image_size >= 256 and image_size % 8 == 0 else 2
