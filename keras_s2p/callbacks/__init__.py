"""Keras callbacks for training `SketchToPhotoGAN`: samples, curves, learning rates, checkpoints.

`default_callbacks` returns all of them, in working order, for a run folder (`keras_s2p.runs.RunFolder`).
"""

from keras_s2p.callbacks.average_weights import AverageWeights
from keras_s2p.callbacks.checkpoints import (
                                             BackupError,
                                             EpochModelCheckpoint,
                                             SafeBackupAndRestore,
                                             backup_and_restore,
                                             checkpoint_callbacks,
)
from keras_s2p.callbacks.defaults import default_callbacks
from keras_s2p.callbacks.history_csv import HistoryCSV
from keras_s2p.callbacks.learning_rate_logger import LearningRateLogger
from keras_s2p.callbacks.loss_curves import LossCurves
from keras_s2p.callbacks.resume_randomness import ResumeDataRandomness
from keras_s2p.callbacks.sample_grid import SampleGrid
from keras_s2p.callbacks.terminate_on_nan import TerminateOnNaN, TrainingDivergedError
from keras_s2p.models.precise_batch_norm import RecalibrateBatchNorm

__all__ = [
    "AverageWeights",
    "BackupError",
    "EpochModelCheckpoint",
    "HistoryCSV",
    "LearningRateLogger",
    "LossCurves",
    "RecalibrateBatchNorm",
    "ResumeDataRandomness",
    "SafeBackupAndRestore",
    "SampleGrid",
    "TerminateOnNaN",
    "TrainingDivergedError",
    "backup_and_restore",
    "checkpoint_callbacks",
    "default_callbacks",
]
