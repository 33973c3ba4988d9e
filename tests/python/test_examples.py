# SPDX-License-Identifier: MIT
"""The Python examples run against a real stream."""
import os
import subprocess

import cv2

from conftest import BUILD, ROOT


def run_example(name, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "examples", name), *args],
                          env=env, capture_output=True, text=True, timeout=60)


def test_grab_view_writes_a_video_without_a_display(daemon, tmp_path):
    out = str(tmp_path / "view.avi")
    r = run_example("grab-view.py", "--stream", "vga", "--socket", daemon.sock,
                    "-n", "30", "-o", out)
    assert r.returncode == 0, r.stderr
    cap = cv2.VideoCapture(out)
    frames = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        assert img.shape == (240, 320, 3)
        frames += 1
    cap.release()
    print(f"# grab-view.py wrote {frames} frames to a video file")
    assert frames == 30


def test_grab_motion_prints_brightness_and_motion(daemon):
    r = run_example("grab-motion.py", "--stream", "vga", "--socket", daemon.sock, "-n", "30")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert len(rows) == 30
    seqs = [int(x[0]) for x in rows]
    bright = [float(x[1]) for x in rows]
    motion = [float(x[2]) for x in rows]
    assert seqs == sorted(seqs)
    assert all(16 <= b <= 235 for b in bright), bright
    # The test pattern's bars move every frame.
    assert sum(m > 0 for m in motion[1:]) >= 0.9 * (len(motion) - 1), motion
    print(f"# grab-motion.py: brightness {min(bright):.1f}-{max(bright):.1f}, "
          f"motion {min(motion[1:]):.2f}-{max(motion[1:]):.2f}")
