"""``s2p draw`` under load: slow clients, a burst of requests, large uploads, and a person drawing meanwhile.

Starts each server to compare in its own process (loopback only), with the default generator
(``SketchToPhotoGAN`` defaults at 128²) and its default limits, then:

1. Photo time, no load: ``--repeats`` sequential ``POST /photo`` of the page's 512² canvas PNG on one keep-alive
   connection, timed inside the server (``do_POST``, body read to answer written) and by the client. The servers
   take turns request by request, so the machine's load falls on both alike.
   Then the part this issue changed, in this process: preparing the canvas PNG for the generator (decode, resize),
   the code before issue 22 (header check, TensorFlow decode to float, resize) and `DrawModel.sketch` now
   (bounded Pillow decode, resize), alternating.
2. Large uploads alone, one server at a time: four 4096² line drawings (allowed uploads, 70 KB PNGs) at once,
   twice; the server's resident memory before, at its peak (VmHWM) and after.
3. Load, one server at a time: 16 slow clients each declare a 1000-byte body and send a byte every 5 s (for
   ``--trickle`` seconds, or until answered); 1 s in, a drawing client sends photo requests one after another on
   a keep-alive connection (as the page does) until the slow clients are done; 3 s in, 200 photo requests arrive
   at once on fresh connections; 8 s in, four 4096² line drawings (allowed uploads, 70 KB PNGs) at once.
   Reported: the drawing client's answers and latency percentiles, the burst's and the large uploads' statuses,
   requests left without an answer (connection reset or closed unanswered), the slow clients' answers, and the
   server's resident memory: at the start, its peak (VmHWM), and at the end.

``--code DIR`` (repeatable) names a source tree to import ``keras_s2p`` from for each server: e.g. the code
before issue 22, from ``git worktree add /tmp/before fc7c4b0``. Default: this checkout.

Usage:
    python benchmarks/draw_load.py [--code DIR ...] [--repeats 40] [--trickle 70]
"""

import argparse
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = "draw-load"
SLOW_CLIENTS, BURST, LARGE = 16, 200, 4

SERVER = r"""
import json, os, sys, threading, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras_s2p
from keras_s2p import SketchToPhotoGAN
from keras_s2p.draw.inference import DrawModel
from keras_s2p.draw.server import DrawHandler, DrawServer

times, post = [], DrawHandler.do_POST
def timed(self):
    start = time.perf_counter()
    try:
        post(self)
    finally:
        times.append(time.perf_counter() - start)
DrawHandler.do_POST = timed
server = DrawServer(("127.0.0.1", 0), DrawModel(SketchToPhotoGAN(image_size=128).generator, 128))
threading.Thread(target=server.serve_forever, daemon=True).start()
print(json.dumps({"port": server.server_address[1], "code": os.path.dirname(os.path.dirname(keras_s2p.__file__))}),
      flush=True)
for line in sys.stdin:
    if line.strip() == "times":
        print(json.dumps(times), flush=True)
        times.clear()
"""


def form(png):
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="sketch"; filename="s.png"\r\n'
            f"Content-Type: image/png\r\n\r\n".encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode())


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def png(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def canvas_png():
    """A sketch as the page sends it for a 128² model: a 512² RGBA canvas PNG."""
    image = Image.new("RGBA", (512, 512), "white")
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.line((40 * i, 30, 500 - 30 * i, 480), fill="black", width=6)
    return png(image)


def large_png():
    image = Image.new("RGB", (4096, 4096), "white")
    draw = ImageDraw.Draw(image)
    for i in range(0, 4096, 256):
        draw.line((0, i, 4096, 4095 - i), fill="black", width=9)
    return png(image)


class Server:
    def __init__(self, code):
        env = dict(os.environ, PYTHONPATH=str(code), TF_CPP_MIN_LOG_LEVEL="3")
        self.process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, cwd=code,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        info = json.loads(self.process.stdout.readline())
        self.port, self.code = info["port"], info["code"]

    def times(self):
        self.process.stdin.write("times\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def memory_mib(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024

    def reset_peak(self):
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def stop(self):
        self.process.kill()
        self.process.wait()


def post(port, body, connection=None, timeout=120):
    """(status or the error's name, seconds) of one photo request."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    try:
        connection.request("POST", "/photo", body=body, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
        return response.status, time.perf_counter() - start
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return type(error).__name__, time.perf_counter() - start
    finally:
        if own:
            connection.close()


def percentiles(seconds):
    if not seconds:
        return "none"
    p = np.percentile(np.array(seconds) * 1000, [50, 90, 99])
    return f"p50 {p[0]:.0f} ms, p90 {p[1]:.0f} ms, p99 {p[2]:.0f} ms, max {max(seconds) * 1000:.0f} ms"


def photo_time(servers, body, repeats):
    connections = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=120) for s in servers]
    client = [[] for _ in servers]
    for s in servers:
        post(s.port, body)  # warm up
        s.times()
    for _ in range(repeats):
        for i, s in enumerate(servers):
            status, seconds = post(s.port, body, connections[i])
            assert status == 200, status
            client[i].append(seconds)
    for i, s in enumerate(servers):
        server = s.times()
        print(f"  {s.code}: server do_POST {percentiles(server)}; client {percentiles(client[i])}")


def preparation_time(canvas, repeats):
    import tensorflow as tf

    from keras_s2p import build_generator
    from keras_s2p.data.images import declared_size, decode_image, resize
    from keras_s2p.draw.inference import DrawModel

    model = DrawModel(build_generator(image_size=128, base_filters=4, num_res_blocks=1), 128)

    def before():  # keras_s2p/draw/inference.py before issue 22
        declared_size(io.BytesIO(canvas))
        return resize(decode_image(canvas), 128)[None].numpy()

    def now():
        return model.sketch(canvas).numpy()

    tf.debugging.assert_near(before(), now(), atol=1e-5)  # the same pixels for the page's canvases
    times = {before: [], now: []}
    for _ in range(repeats):
        for function, seconds in times.items():
            start = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - start)
    print(f"  preparing the canvas PNG: before {percentiles(times[before])}; now {percentiles(times[now])}")


def large_alone(server, large):
    before = server.memory_mib("VmRSS")
    server.reset_peak()
    statuses = []
    for _ in range(2):
        with ThreadPoolExecutor(LARGE) as pool:
            statuses += [status for status, _ in pool.map(lambda _: post(server.port, large), range(LARGE))]
    print(f"  {server.code}: {dict(Counter(statuses))}; resident memory before {before:.0f} MiB, peak "
          f"{server.memory_mib('VmHWM'):.0f} MiB, after {server.memory_mib('VmRSS'):.0f} MiB")


def slow_client(port, until, answers):
    """Declares 1000 bytes, sends one every 5 s; records the answer's status, or None."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as connection:
        connection.sendall(f"POST /photo HTTP/1.1\r\nHost: x\r\nContent-Type: {HEADERS['Content-Type']}\r\n"
                           f"Content-Length: 1000\r\n\r\n".encode())
        connection.settimeout(5)
        while time.monotonic() < until:
            try:
                answer = connection.recv(4096)
                answers.append(int(answer.split(b" ")[1]) if answer else "closed unanswered")
                return
            except TimeoutError:
                try:
                    connection.sendall(b"x")
                except OSError as error:
                    answers.append(type(error).__name__)
                    return
            except OSError as error:
                answers.append(type(error).__name__)
                return
        answers.append("still sending")


def load(server, canvas, large, trickle):
    start = time.monotonic()
    until = start + trickle
    server.reset_peak()
    rss_start = server.memory_mib("VmRSS")
    slow_answers = []
    slow = [threading.Thread(target=slow_client, args=(server.port, until, slow_answers))
            for _ in range(SLOW_CLIENTS)]
    for thread in slow:
        thread.start()
    drawing, stop = [], threading.Event()

    def draw():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        while not stop.is_set():
            status, seconds = post(server.port, canvas, connection)
            drawing.append((status, seconds))
            if status != 200:
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                time.sleep(0.2)  # the page retries after a busy answer too

    drawer = threading.Thread(target=draw)
    time.sleep(1)
    drawer.start()
    time.sleep(2)
    barrier = threading.Barrier(BURST)

    def burst(_):
        barrier.wait()
        return post(server.port, canvas)

    with ThreadPoolExecutor(BURST) as pool:
        burst_future = [pool.submit(burst, i) for i in range(BURST)]
        time.sleep(5)
        with ThreadPoolExecutor(LARGE) as large_pool:
            large_answers = list(large_pool.map(lambda _: post(server.port, large), range(LARGE)))
        burst_answers = [f.result() for f in burst_future]
    for thread in slow:
        thread.join()
    stop.set()
    drawer.join()
    ok = [seconds for status, seconds in drawing if status == 200]
    statuses = Counter(status for status, _ in drawing)
    lost = sum(not isinstance(status, int) for status, _ in [*drawing, *burst_answers, *large_answers])
    print(f"  {server.code}: {time.monotonic() - start:.0f} s")
    print(f"    drawing client: {len(drawing)} requests, {dict(statuses)}; answered 200: {percentiles(ok)}")
    print(f"    burst of {BURST}: {dict(Counter(s for s, _ in burst_answers))}; "
          f"200s {percentiles([t for s, t in burst_answers if s == 200])}")
    print(f"    {LARGE} large uploads: {[s for s, _ in large_answers]}")
    print(f"    requests without an answer: {lost}; slow clients: {dict(Counter(slow_answers))}")
    print(f"    server resident memory: start {rss_start:.0f} MiB, peak {server.memory_mib('VmHWM'):.0f} MiB, "
          f"end {server.memory_mib('VmRSS'):.0f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", action="append", default=None, help="source tree to import keras_s2p from")
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--trickle", type=float, default=70.0, help="seconds the slow clients keep sending")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    servers = [Server(code) for code in args.code or [ROOT]]
    try:
        canvas_bytes = canvas_png()
        canvas, large = form(canvas_bytes), form(large_png())
        print(f"photo time, no load ({args.repeats} requests each, 512² canvas PNG, 128² default generator):")
        photo_time(servers, canvas, args.repeats)
        preparation_time(canvas_bytes, args.repeats)
        print(f"{LARGE} 4096² uploads at once, twice:")
        for server in servers:
            large_alone(server, large)
        print(f"under load ({SLOW_CLIENTS} slow clients, {BURST} at once, {LARGE} 4096² uploads):")
        for server in servers:
            load(server, canvas, large, args.trickle)
    finally:
        for server in servers:
            server.stop()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
