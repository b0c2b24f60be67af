"""Training and inference throughput of SketchToPhotoGAN, set against the machine's measured peak.

Prints one table: train img/s for the seed configuration (the notebook's model: 128², batch 16, base 32 filters,
6 residual blocks at 128 filters, VGG19 perceptual on, one critic + one generator update per step) and for our
defaults, at each precision; FLOPs per step counted from the traced graph; achieved FLOP/s; the machine's matmul
and conv peak measured in the same run and the share of it reached; inference latency at batch 1 and throughput
at batch 64; peak RSS. VGG19 uses random weights here (ImageNet weights cannot be downloaded on this machine); the
FLOPs are the same either way.

Usage:
    python benchmarks/train_throughput.py [--precisions float32,mixed_bfloat16] [--steps 20] [--configs seed,default]
"""

import argparse
import os
import platform
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf

import keras_s2p as s2p
from keras_s2p.precision import dtype_policy_scope

CONFIGS = {
    "seed": dict(image_size=128, base_filters=32, num_res_blocks=6, critic_steps=1, perceptual_weight=1.0),
    "default": dict(image_size=128),
}
BATCH = 16


def device_name():
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "GPU: " + tf.config.experimental.get_device_details(gpus[0]).get("device_name", "unknown")
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    return f"CPU: {model}, {os.cpu_count()} cores"


def graph_flops(concrete_function):
    """Floating-point operations of one call, counted by TensorFlow's profiler on the traced graph."""
    from tensorflow.python.profiler import model_analyzer, option_builder

    graph = concrete_function.graph
    options = option_builder.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return model_analyzer.profile(graph, options=options).total_float_ops


def _timed(fn, repeats):
    fn()  # warm-up / trace
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def peak_flops(precision):
    """Measured matmul and conv FLOP/s at the compute dtype of `precision`."""
    dtype = tf.bfloat16 if precision == "mixed_bfloat16" else tf.float16 if precision == "mixed_float16" else tf.float32
    a = tf.cast(tf.random.normal((2048, 2048)), dtype)
    matmul = tf.function(lambda: tf.reduce_sum(tf.cast(tf.matmul(a, a), tf.float32)))
    t_mm = _timed(lambda: matmul().numpy(), 10)
    x = tf.cast(tf.random.normal((16, 64, 64, 128)), dtype)
    k = tf.cast(tf.random.normal((3, 3, 128, 128)), dtype)
    conv = tf.function(lambda: tf.reduce_sum(tf.cast(tf.nn.conv2d(x, k, 1, "SAME"), tf.float32)))
    t_conv = _timed(lambda: conv().numpy(), 10)
    return 2 * 2048**3 / t_mm, 2 * 16 * 64 * 64 * 128 * 128 * 9 / t_conv


def train_throughput(config, precision, steps):
    gan = s2p.SketchToPhotoGAN(**config, perceptual_weights=None, precision=precision)
    gan.compile()
    size = config["image_size"]
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (BATCH, size, size, 3)).astype("float32")
    y = rng.uniform(-1, 1, (BATCH, size, size, 3)).astype("float32")
    data = tf.data.Dataset.from_tensors((x, y)).repeat().prefetch(2)

    step = tf.function(gan.train_step)
    spec = tf.TensorSpec((BATCH, size, size, 3), tf.float32)
    flops = graph_flops(step.get_concrete_function((spec, spec)))

    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    warmup = 3
    gan.fit(data, steps_per_epoch=steps + warmup, epochs=1, verbose=0, callbacks=[Clock()])
    seconds = float(np.median(times[warmup:]))
    return BATCH / seconds, flops, flops / seconds, gan


def inference(gan, size):
    generator = gan.generator
    predict = tf.function(lambda images: generator(images, training=False))
    one = tf.zeros((1, size, size, 3))
    many = tf.zeros((64, size, size, 3))
    latency = _timed(lambda: predict(one).numpy(), 20)
    batch_time = _timed(lambda: predict(many).numpy(), 3)
    return latency * 1000, 64 / batch_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--precisions", default="float32,mixed_bfloat16")
    parser.add_argument("--configs", default="seed,default")
    parser.add_argument("--steps", type=int, default=15)
    args = parser.parse_args()

    print(f"device: {device_name()}; TensorFlow {tf.__version__}, Keras {keras.__version__}; "
          f"load average before start {os.getloadavg()[0]:.2f}")
    header = f"{'config':8} {'precision':15} {'train img/s':>11} {'GFLOP/step':>10} {'TFLOP/s':>8} " \
             f"{'peak mm':>8} {'peak conv':>9} {'% conv':>6} {'b1 ms':>6} {'b64 img/s':>9}"
    print(header)
    for precision in args.precisions.split(","):
        with dtype_policy_scope(s2p.precision.resolve_precision(precision)):
            mm_peak, conv_peak = peak_flops(s2p.precision.resolve_precision(precision))
        for name in args.configs.split(","):
            rate, flops, achieved, gan = train_throughput(CONFIGS[name], precision, args.steps)
            latency, throughput = inference(gan, CONFIGS[name]["image_size"])
            print(f"{name:8} {precision:15} {rate:11.2f} {flops / 1e9:10.1f} {achieved / 1e12:8.3f} "
                  f"{mm_peak / 1e12:8.3f} {conv_peak / 1e12:9.3f} {100 * achieved / conv_peak:6.1f} "
                  f"{latency:6.1f} {throughput:9.1f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MiB; load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
