import numpy as np
import pytest

from keras_s2p import pretrained
from keras_s2p.errors import WeightsUnavailableError
from keras_s2p.fid import FIDScorer, frechet_distance


def test_frechet_distance_known_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # N(0, I) vs N(m, 4I) in d dims: |m|^2 + d + 4d - 2 * 2d = |m|^2 + d
    b = rng.normal(size=(4000, 3)) * 2.0 + np.array([1.0, 2.0, 0.0])
    assert frechet_distance(a, b) == pytest.approx(5.0 + 3.0, rel=0.08)


def test_fid_scorer_with_local_weights_file(tmp_path):
    path = tmp_path / "inception_notop.weights.h5"
    pretrained.load_inception_v3(None).save_weights(path)
    scorer = FIDScorer(str(path))
    rng = np.random.default_rng(1)
    real = rng.uniform(-1, 1, (6, 32, 32, 3)).astype("float32")
    assert scorer.features(real).shape == (6, 2048)
    assert scorer.fid(real, real) == pytest.approx(0.0, abs=1e-3)
    assert scorer.fid(real, -real) > 0.0
    # The scorer uses the given file: the same file gives the same features in a new scorer, another file's weights
    # (a fresh random network) give other features.
    np.testing.assert_allclose(FIDScorer(str(path)).features(real[:1]), scorer.features(real[:1]), rtol=1e-5)
    other = tmp_path / "other_notop.weights.h5"
    pretrained.load_inception_v3(None).save_weights(other)
    assert not np.allclose(FIDScorer(str(other)).features(real[:1]), scorer.features(real[:1]), rtol=1e-3)


def test_missing_inception_file_is_one_line(tmp_path):
    with pytest.raises(WeightsUnavailableError, match="InceptionV3 weights file not found"):
        FIDScorer(str(tmp_path / "none.h5"))
