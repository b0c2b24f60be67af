"""Multi-worker training on a folder of files (no pack): each worker trains on its own share, no pair twice."""

import numpy as np
import pytest
from PIL import Image
from worker_pair import run_two_workers

pytestmark = pytest.mark.slow  # subprocess-heavy

PAIRS = 16  # global batch 2 x 2 replicas: 4 steps per epoch, 8 pairs per worker


def test_each_worker_trains_on_its_own_share_of_a_folder(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(PAIRS):  # pair i: a sketch of uniform grey level 10 * i identifies it
        for side, pixels in (("sketches", np.full((32, 32, 3), 10 * i, np.uint8)),
                             ("photos", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))):
            (tmp_path / "data" / side).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(tmp_path / "data" / side / f"{i:02d}.png")
    results, logs = run_two_workers(tmp_path, "pipeline", {"data": str(tmp_path / "data"),
                                                           "run_dir": str(tmp_path / "run")})
    assert all(r["ok"] for r in results), [r.get("traceback") or log[-2000:] for r, log in zip(results, logs)]
    assert [r["replicas"] for r in results] == [2, 2]
    ids = [r["ids"] for r in results]
    assert [len(i) for i in ids] == [PAIRS // 2] * 2, ids  # each its half of every global batch
    assert all(len(set(i)) == len(i) for i in ids), ids  # no pair twice within a worker
    assert not set(ids[0]) & set(ids[1]), ids  # nor across workers
    assert set(ids[0]) | set(ids[1]) == set(range(PAIRS))  # together: the whole epoch
