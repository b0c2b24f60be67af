"""Training and inference throughput of SketchToPhotoGAN, set against the machine's measured peak.

Prints one table: train img/s for the seed configuration (the notebook's model: 128², batch 16, base 32 filters,
6 residual blocks at 128 filters, VGG19 perceptual on, one critic + one generator update per step), for the
`--preset seed` model (5 critic steps, no skips) and for our defaults (U-Net skips, one critic step), each at batch
16 and at each precision; FLOPs per step counted from the traced graph (``static``: every op
the profiler sees, including gradient ops that are never run, e.g. VGG19's filter gradients; ``executed``: only
the ops the step's outputs and updates depend on); achieved FLOP/s; the matmul and conv peak of this machine at
the same precision, measured in the same run, and the share of it reached; inference latency at batch 1 and
throughput at batch 64 (128²); data pipeline img/s; peak RSS; the load average before and after.

Every time is the median of repeats and is given twice: wall clock, and per CPU time (``cpu``: images per
2 core-seconds of this process's CPU time, which is what the step would reach with both cores to itself; on a
shared machine the wall clock is lower). VGG19 has random weights here (no download needed); FLOPs are the same.

Usage:
    python benchmarks/train_throughput.py [--precisions float32,mixed_bfloat16] [--configs seed,preset_seed,default]
                                          [--steps 6] [--perceptual-precision auto] [--inter-op-threads N]
"""

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_s2p as s2p  # noqa: E402
from keras_s2p.precision import resolve_precision  # noqa: E402

CONFIGS = {
    "seed": dict(image_size=128, base_filters=32, num_res_blocks=6, critic_steps=1, perceptual_weight=1.0),
    "preset_seed": dict(image_size=128, skip_connections=False, upsampling="transpose", conditional_critic=False,
                        critic_steps=5),
    "default": dict(image_size=128),
}
BATCH = 16
CORES = os.cpu_count() or 1
# Convolutions of the models' own shapes: a generator residual-block conv and a VGG19 block3 conv.
PEAK_CONVS = {"gen res 3x3 128ch 32²": (16, 32, 32, 128, 128, 3), "vgg b3 3x3 256ch 32²": (16, 32, 32, 256, 256, 3)}


def device_name():
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "GPU: " + tf.config.experimental.get_device_details(gpus[0]).get("device_name", "unknown")
    model, flags = platform.processor(), set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = ",".join(f for f in ("avx512f", "avx512_bf16", "amx_bf16", "avx512_fp16") if f in flags) or "no AVX-512"
    return f"CPU: {model}, {CORES} cores ({isa})"


def load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def static_flops(graph):
    """Floating-point operations TensorFlow's profiler counts on the traced graph (all ops)."""
    from tensorflow.python.profiler import model_analyzer, option_builder

    options = option_builder.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return model_analyzer.profile(graph, options=options).total_float_ops


def executed_flops(graph):
    """FLOPs of the ops the graph's outputs and stateful updates depend on (what the runtime executes)."""
    from tensorflow.python.framework import ops as tf_ops

    stack, needed = [t.op for t in graph.outputs] + list(graph.control_outputs), set()
    while stack:
        op = stack.pop()
        if op.name not in needed:
            needed.add(op.name)
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
    total = 0
    for op in graph.get_operations():
        if op.name in needed:
            try:
                total += tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value or 0
            except ValueError:  # no statistics registered for this op type
                pass
    return total


def _median_times(fn, repeats, inner=1):
    """Median (wall seconds, CPU seconds) of `fn` over `repeats` runs of `inner` calls, after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        for _ in range(inner):
            fn()
        wall.append((time.perf_counter() - w) / inner)
        cpu.append((time.process_time() - c) / inner)
    return float(np.median(wall)), float(np.median(cpu))


def _rate(amount, times):
    """(per wall second, per `CORES` seconds of CPU time)."""
    wall, cpu = times
    return amount / wall, amount * CORES / cpu


def peak_flops(dtype, repeats=5):
    """Measured matmul and best conv FLOP/s at `dtype`, each as (wall, cpu) rates."""
    a = tf.cast(tf.random.normal((2048, 2048)), dtype)
    matmul = tf.function(lambda: tf.matmul(a, a)[0, 0])
    mm = _rate(2 * 2048**3, _median_times(lambda: matmul().numpy(), repeats, 3))
    convs = []
    for b, h, w, cin, cout, k in PEAK_CONVS.values():
        x = tf.cast(tf.random.normal((b, h, w, cin)), dtype)
        kernel = tf.cast(tf.random.normal((k, k, cin, cout)), dtype)
        conv = tf.function(lambda x=x, kernel=kernel: tf.nn.conv2d(x, kernel, 1, "SAME")[0, 0, 0, 0])
        seconds = _median_times(lambda conv=conv: conv().numpy(), repeats, 3)
        convs.append(_rate(2 * b * h * w * cin * cout * k * k, seconds))
    return mm, max(convs, key=lambda r: r[1])


def train_throughput(config, precision, perceptual_precision, steps, batch=BATCH, warmup=2):
    """((img/s wall, cpu), (static, executed) FLOPs per step, (FLOP/s wall, cpu), the model) of `config`."""
    gan = s2p.SketchToPhotoGAN(**config, perceptual_weights=None, precision=precision,
                               perceptual_precision=perceptual_precision)
    gan.compile()
    size = config["image_size"]
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    y = rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    data = tf.data.Dataset.from_tensors((x, y)).repeat().prefetch(2)

    spec = tf.TensorSpec((batch, size, size, 3), tf.float32)
    graph = tf.function(gan.train_step).get_concrete_function((spec, spec)).graph
    flops = static_flops(graph), executed_flops(graph)

    wall, cpu = [], []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter(), time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            wall.append(time.perf_counter() - self.start[0])
            cpu.append(time.process_time() - self.start[1])

    gan.fit(data, steps_per_epoch=steps + warmup, epochs=1, verbose=0, callbacks=[Clock()])
    times = float(np.median(wall[warmup:])), float(np.median(cpu[warmup:]))
    return _rate(batch, times), flops, _rate(flops[1], times), gan


def inference(gan, size):
    predict = tf.function(lambda images: gan.generator(images, training=False))
    one, many = tf.zeros((1, size, size, 3)), tf.zeros((64, size, size, 3))
    latency = _median_times(lambda: predict(one).numpy(), 15)
    return latency[0] * 1000, latency[1] * 1000 / CORES, _rate(64, _median_times(lambda: predict(many).numpy(), 3))


def data_pipeline(size, pairs=64):
    """Pairs/s of `paired_dataset` over JPEG files (cached epoch, with augmentation)."""
    from keras_s2p.data import builtin_pairs, paired_dataset, save_image

    with tempfile.TemporaryDirectory() as tmp:
        sketches, photos = builtin_pairs(pairs, image_size=2 * size)
        for i, (sketch, photo) in enumerate(zip(sketches, photos)):
            save_image(sketch, Path(tmp) / "sketches" / f"{i:05d}.jpg")
            save_image(photo, Path(tmp) / "photos" / f"{i:05d}.jpg")
        ds = paired_dataset(tmp, size, BATCH, augment=True)
        count = sum(int(s.shape[0]) for s, _ in ds)  # cold epoch fills the cache
        return _rate(count, _median_times(lambda: [None for _ in ds], 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--precisions", default="float32,mixed_bfloat16",
                        help="comma-separated: auto, float32, mixed_bfloat16, mixed_float16")
    parser.add_argument("--configs", default="seed,preset_seed,default")
    parser.add_argument("--steps", type=int, default=6, help="timed training steps per row (median)")
    parser.add_argument("--perceptual-precision", default="auto")
    parser.add_argument("--inter-op-threads", type=int, default=0, help="tf.config.threading (0: TF's default)")
    parser.add_argument("--intra-op-threads", type=int, default=0)
    args = parser.parse_args()
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
    tf.config.threading.set_intra_op_parallelism_threads(args.intra_op_threads)

    print(f"device: {device_name()}; TensorFlow {tf.__version__}, Keras {keras.__version__}; threads inter/intra "
          f"{args.inter_op_threads}/{args.intra_op_threads} (0 = default); VGG19 precision "
          f"{args.perceptual_precision}")
    print(f"load average before: {load()}")
    print("rates: wall clock / per CPU time (images or FLOPs per 2 core-seconds of this process's CPU time)")
    peaks = {}
    for precision in args.precisions.split(","):
        resolved = resolve_precision(precision)
        dtype = {"mixed_bfloat16": tf.bfloat16, "mixed_float16": tf.float16}.get(resolved, tf.float32)
        if dtype not in peaks:
            peaks[dtype] = peak_flops(dtype)
            (mw, mc), (cw, cc) = peaks[dtype]
            print(f"peak {dtype.name:8}: matmul 2048² {mw / 1e9:6.1f} / {mc / 1e9:6.1f} GFLOP/s; "
                  f"conv {cw / 1e9:6.1f} / {cc / 1e9:6.1f} GFLOP/s", flush=True)
    print(f"{'config':11} {'precision':15} {'train img/s':>13} {'GFLOP/step':>15} {'achieved GFLOP/s':>17} "
          f"{'% conv peak':>11} {'b1 ms':>11} {'b64 img/s':>11}")
    print(f"{'':11} {'':15} {'wall / cpu':>13} {'static/executed':>15} {'wall / cpu':>17} {'wall/cpu':>11} "
          f"{'wall/cpu':>11} {'wall / cpu':>11}")
    for precision in args.precisions.split(","):
        resolved = resolve_precision(precision)
        dtype = {"mixed_bfloat16": tf.bfloat16, "mixed_float16": tf.float16}.get(resolved, tf.float32)
        _, (conv_wall, conv_cpu) = peaks[dtype]
        for name in args.configs.split(","):
            (rw, rc), (fs, fe), (aw, ac), gan = train_throughput(CONFIGS[name], precision,
                                                                 args.perceptual_precision, args.steps)
            lat_wall, lat_cpu, (bw, bc) = inference(gan, CONFIGS[name]["image_size"])
            label = precision if precision == resolved else f"{precision}={resolved}"
            print(f"{name:11} {label:15} {rw:6.2f}/{rc:6.2f} {fs / 1e9:7.0f}/{fe / 1e9:7.0f} "
                  f"{aw / 1e9:8.1f}/{ac / 1e9:8.1f} {100 * aw / conv_wall:5.0f}/{100 * ac / conv_cpu:5.0f} "
                  f"{lat_wall:5.1f}/{lat_cpu:5.1f} {bw:5.1f}/{bc:5.1f}", flush=True)
            del gan
    dw, dc = data_pipeline(128)
    print(f"data pipeline (128², batch {BATCH}, augment, cached): {dw:.0f} / {dc:.0f} img/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MiB; load average after: {load()}")


if __name__ == "__main__":
    main()
