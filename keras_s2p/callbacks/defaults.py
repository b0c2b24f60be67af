"""`default_callbacks`: everything a training run logs and saves, in the order that makes it work."""

import keras

from keras_s2p.callbacks.average_weights import AverageWeights
from keras_s2p.callbacks.checkpoints import backup_and_restore, checkpoint_callbacks
from keras_s2p.callbacks.history_csv import HistoryCSV
from keras_s2p.callbacks.learning_rate_logger import LearningRateLogger
from keras_s2p.callbacks.loss_curves import LossCurves
from keras_s2p.callbacks.sample_grid import SampleGrid
from keras_s2p.callbacks.terminate_on_nan import TerminateOnNaN
from keras_s2p.metrics import BEST_MONITOR
from keras_s2p.models.precise_batch_norm import RecalibrateBatchNorm
from keras_s2p.runs import RunFolder


def default_callbacks(run_dir, sample_data, sample_every=10, checkpoint_every=10, best_monitor=BEST_MONITOR,
                      curves_every=1, lr_schedule=None, calibration_data=None, average_weights=False):
    """The callbacks of a training run writing into `run_dir`.

    Order matters: Keras passes one logs dict through the list, so `LearningRateLogger` comes before
    TensorBoard and `HistoryCSV` (which then record ``g_lr``/``d_lr``); `RecalibrateBatchNorm` comes before
    everything that uses the inference-mode generator; the backup comes last, as the epoch's commit point: a kill
    before it retrains the epoch and rewrites everything else of it (history.csv keeps each epoch once).

    Args:
        run_dir: a `RunFolder` or its path.
        sample_data: ``(sketches, photos)``, a few fixed validation pairs for `SampleGrid`.
        sample_every: epochs between sample grids.
        checkpoint_every: epochs between periodic checkpoints.
        best_monitor: metric of ``best.weights.h5`` (its direction from `keras_s2p.metrics`); ``None`` without
            validation data.
        curves_every: epochs between loss-curve redraws.
        lr_schedule: optional ``schedule(epoch, lr)`` (`keras.callbacks.LearningRateScheduler`, which moves both
            optimizers' rates, keeping their ratio: see `keras_s2p.models.optimizer_pair.OptimizerPair`).
        calibration_data: training batches for `RecalibrateBatchNorm` (generators with BatchNorm); ``None``: none.
        average_weights: the generator optimizer keeps moving averages (``use_ema=True``): validation, sample
            grids and checkpoints use them (`AverageWeights`), the backup keeps the raw weights.

    Returns:
        list: TerminateOnNaN, [AverageWeights], [RecalibrateBatchNorm], [LearningRateScheduler],
        LearningRateLogger, TensorBoard, HistoryCSV (kept across resumes, each epoch once), SampleGrid, LossCurves,
        periodic and best checkpoints, [AverageWeights.done], SafeBackupAndRestore.

    Example:
        >>> run = RunFolder.create("logs"); run.ensure_writable()
        >>> gan.fit(train_ds, epochs=200, validation_data=val_ds,
        ...         callbacks=default_callbacks(run, (val_sketches[:4], val_photos[:4])))
    """
    run = RunFolder(run_dir)
    sketches, photos = sample_data
    schedule = [keras.callbacks.LearningRateScheduler(lr_schedule)] if lr_schedule is not None else []
    calibrate = [RecalibrateBatchNorm(calibration_data)] if calibration_data is not None else []
    average = [AverageWeights()] if average_weights else []
    return [
        TerminateOnNaN(),
        *average,
        *calibrate,
        *schedule,
        LearningRateLogger(),
        keras.callbacks.TensorBoard(str(run.tensorboard_dir)),
        HistoryCSV(run.history_csv),
        SampleGrid(sketches, photos, run.path, every=sample_every, tensorboard_dir=run.tensorboard_dir),
        LossCurves(run.loss_curves_png, every=curves_every, history_csv=run.history_csv),
        *checkpoint_callbacks(run, every=checkpoint_every, best_monitor=best_monitor),
        *[a.done for a in average],
        backup_and_restore(run),
    ]
