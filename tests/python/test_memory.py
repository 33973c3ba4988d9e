# SPDX-License-Identifier: MIT
"""Zero copy at 1080p (RSS flat), 10,000 frames with tracemalloc and the fd
count flat, and OpenCV on the arrays."""
import collections
import os
import tracemalloc

import cv2
import numpy as np

import grab
from helpers import capture_alongside, read_while


def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def fd_count():
    return len(os.listdir("/proc/self/fd"))


def test_rss_flat_over_300_frames_at_1080p(daemon):
    """Every byte of 300 frames of 1920x1080 YUYV read through frame.array,
    four arrays alive at a time: no frame is copied, so the process's own
    memory (RssAnon) does not grow by even one frame, and its whole RSS by
    no more than the ring it maps."""
    frame_kb = 1920 * 1080 * 2 // 1024
    with grab.connect("big", socket=daemon.sock) as s:
        ring_kb = s.info()["ring_size"] // 1024
        alive = collections.deque(maxlen=3)
        n = 0

        def read_one():
            f = s.next(timeout=5)
            assert f is not None
            a = f.array
            assert a.shape == (1080, 1920, 2)
            a.max()                 # touches every byte
            alive.append(a)
            f.release()
        for _ in range(20):         # every slot mapped in, numpy warmed up
            read_one()
        anon0, rss0 = status_kb("RssAnon"), status_kb("VmRSS")
        for _ in range(300):
            read_one()
            n += 1
        anon1, rss1 = status_kb("RssAnon"), status_kb("VmRSS")
    print(f"# 1080p: {n} frames of {frame_kb} kB: RssAnon {anon0} -> {anon1} kB, "
          f"VmRSS {rss0} -> {rss1} kB (ring {ring_kb} kB), "
          f"{(anon1 - anon0) * 1024 / n:.0f} B of RssAnon per frame")
    assert anon1 - anon0 < frame_kb
    assert rss1 - rss0 < frame_kb + ring_kb


def test_10000_frames_tracemalloc_and_fds_flat(daemon):
    with grab.connect("fast", socket=daemon.sock) as s:
        def run(n):
            got = 0
            while got < n:
                f = s.next(timeout=5)
                assert f is not None
                a = f.array
                a[0, 0]
                f.intact()
                del a
                f.release()
                got += 1
        tracemalloc.start()
        try:
            run(1000)
            fds0 = fd_count()
            mem0, _ = tracemalloc.get_traced_memory()
            run(10000)
            mem1, peak = tracemalloc.get_traced_memory()
            fds1 = fd_count()
        finally:
            tracemalloc.stop()
        missed = s.missed
    per_frame = (mem1 - mem0) / 10000
    print(f"# 10000 frames: traced memory {mem0} -> {mem1} B ({per_frame:.2f} B per frame, "
          f"peak {peak} B), fds {fds0} -> {fds1}, {missed} missed")
    assert mem1 - mem0 < 64 * 1024
    assert fds1 == fds0


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, w, h, maxv, rest = data.split(maxsplit=4)
    assert magic == b"P6" and maxv == b"255"
    w, h = int(w), int(h)
    return np.frombuffer(rest[:w * h * 3], np.uint8).reshape(h, w, 3)


def test_opencv_yuyv_conversion_matches_grab_capture_ppm(daemon, tmp_path):
    """cv2.cvtColor straight on frame.array (no copy) against the image
    library's conversion (grab-capture -f ppm) of the same frames."""
    with grab.connect("vga", socket=daemon.sock) as s:
        def take(f):
            return cv2.cvtColor(f.array, cv2.COLOR_YUV2RGB_YUYV)
        proc = capture_alongside("vga", daemon.sock, str(tmp_path), "ppm", 4)
        got, files = read_while(proc, s, take)
    values = []
    for seq, path in files.items():
        if seq in got:
            ours = read_ppm(path)
            assert ours.shape == got[seq].shape
            values.append(psnr(got[seq], ours))
    print("# OpenCV vs grab-capture -f ppm, PSNR: " +
          ", ".join(f"{v:.1f} dB" for v in values))
    assert len(values) >= 2
    assert min(values) >= 40
