"""Two tf.distribute workers on 127.0.0.1 reading one pack: each reads its own shards, no pair twice."""
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from keras_s2p.data import pack

pytestmark = pytest.mark.slow  # subprocess-heavy

WORKER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support", "distributed_worker.py")


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


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
    cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(2)]}
    procs, outs = [], []
    try:
        for index in range(2):
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "TF_CPP_MIN_LOG_LEVEL": "2",
                   "CUDA_VISIBLE_DEVICES": ""}
            outs.append(str(tmp_path / f"out-{index}.json"))
            procs.append(subprocess.Popen([sys.executable, WORKER, "shards", outs[-1],
                                           json.dumps({"pack": str(tmp_path / "pack")})], env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        logs = [p.communicate(timeout=600)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    results = [json.loads(open(out).read()) for out in outs]
    assert all(r["ok"] for r in results), [r.get("traceback") or log[-2000:] for r, log in zip(results, logs)]
    seen = [set(r["ids"]) for r in results]
    assert all(len(set(r["ids"])) == len(r["ids"]) for r in results)  # no pair twice within a worker
    assert not seen[0] & seen[1]  # nor across workers
    for index, ids in enumerate(seen):  # worker i reads shards i, i+2, ... only
        assert ids and ids <= set().union(*shards[index::2])
    assert len(results[0]["ids"]) == len(results[1]["ids"])  # the same number of steps on both
