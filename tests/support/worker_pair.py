"""Two workers of one MultiWorkerMirroredStrategy cluster on 127.0.0.1 running `distributed_worker.py` (importable
as `worker_pair`)."""

import json
import os
import socket
import subprocess
import sys

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distributed_worker.py")


def free_ports(n):
    """`n` free TCP ports on 127.0.0.1."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(tmp_path, mode, options, timeout=600):
    """Run `distributed_worker.py MODE` as worker 0 and 1; both are killed if still running at the end.

    Returns:
        (results, logs): each worker's OUT.json (a dict) and its console output.
    """
    cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(2)]}
    procs, outs = [], []
    try:
        for index in range(2):
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "TF_CPP_MIN_LOG_LEVEL": "2",
                   "CUDA_VISIBLE_DEVICES": ""}
            outs.append(str(tmp_path / f"out-{index}.json"))
            procs.append(subprocess.Popen([sys.executable, WORKER, mode, outs[-1], json.dumps(options)], env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        logs = [p.communicate(timeout=timeout)[0] for p in procs]  # a hang guard only
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    results = [json.loads(open(out).read()) for out in outs]
    return results, logs
