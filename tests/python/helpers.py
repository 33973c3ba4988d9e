# SPDX-License-Identifier: MIT
"""Helpers of the python tier's tests."""
import os
import re
import subprocess
import time

from conftest import GRAB_CAPTURE


def ring_mapping(addr):
    """The /proc/self/maps line whose range holds @addr, or None."""
    with open("/proc/self/maps") as f:
        for line in f:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= addr < hi:
                return line.strip()
    return None


def array_address(a):
    return a.__array_interface__["data"][0]


def capture_alongside(stream, sock, tmpdir, fmt, count, deadline_s=20):
    """Run grab-capture -f @fmt -n @count on @stream while this process
    reads the same stream; returns ({sequence: path}, {sequence: frame
    data}) where frame data is what take() returned for each frame this
    process got (take is applied while the frame is held)."""
    os.makedirs(tmpdir, exist_ok=True)
    ext = {"raw": "raw", "ppm": "ppm"}[fmt]
    return subprocess.Popen(
        [GRAB_CAPTURE, "-s", sock, "-S", stream, "-f", fmt, "-n", str(count),
         "-v", "-T", str(deadline_s), "-o", os.path.join(tmpdir, "%04d." + ext)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def read_while(proc, s, take, deadline_s=30):
    """Frames of stream @s while @proc (grab-capture) runs, and on until
    this reader has passed the last frame grab-capture wrote: {sequence:
    take(frame)} of every intact frame, then grab-capture's {sequence:
    path}."""
    got = {}
    deadline = time.monotonic() + deadline_s

    def one():
        f = s.next(timeout=0.5)
        if f is None:
            return None
        with f:
            v = take(f)
            if f.intact():
                got[f.sequence] = v
            return f.sequence
    while proc.poll() is None and time.monotonic() < deadline:
        one()
    try:
        _, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError("grab-capture did not finish: " + err)
    assert proc.returncode == 0, f"grab-capture exited {proc.returncode}: {err}"
    files = {int(m.group(1)): m.group(2)
             for m in re.finditer(r"seq (\d+) .*-> (\S+)", err)}
    assert files, "grab-capture named no frame: " + err
    while time.monotonic() < deadline:
        seq = one()
        if seq is not None and seq >= max(files):
            break
    return got, files
