"""Two tf.distribute workers on 127.0.0.1 reading one pack: each reads its own shards, no pair twice."""
import numpy as np
import pytest
from worker_pair import run_two_workers

from keras_s2p.data import pack

pytestmark = pytest.mark.slow  # subprocess-heavy


def test_each_worker_reads_its_own_shards_and_no_pair_twice(tmp_path, write):
    for i in range(24):  # pair i: a sketch of uniform grey level 10 * i identifies it
        write(tmp_path / "data" / "sketches" / f"{i:02d}.png", array=np.full((16, 16, 3), 10 * i, np.uint8))
        write(tmp_path / "data" / "photos" / f"{i:02d}.png", seed=i)
    manifest = pack(tmp_path / "data", tmp_path / "pack", image_size=16, shard_mb=0.0015)
    shards, start = [], 0
    for shard in manifest["shards"]:
        shards.append(set(range(10 * start, 10 * (start + shard["count"]), 10)))
        start += shard["count"]
    assert len(shards) >= 4
    results, logs = run_two_workers(tmp_path, "shards", {"pack": str(tmp_path / "pack")})
    assert all(r["ok"] for r in results), [r.get("traceback") or log[-2000:] for r, log in zip(results, logs)]
    seen = [set(r["ids"]) for r in results]
    assert all(len(set(r["ids"])) == len(r["ids"]) for r in results)  # no pair twice within a worker
    assert not seen[0] & seen[1]  # nor across workers
    for index, ids in enumerate(seen):  # worker i reads shards i, i+2, ... only
        assert ids and ids <= set().union(*shards[index::2])
    assert len(results[0]["ids"]) == len(results[1]["ids"])  # the same number of steps on both
