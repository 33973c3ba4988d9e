#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Per frame, with NumPy: mean brightness (0-255) and motion (the mean
absolute difference of luma from the previous frame).

    grab-motion.py [--stream NAME] [--socket PATH] [-n FRAMES]

Prints "sequence brightness motion" per frame.  The luma is computed from
frame.array in place (no copy of the frame); a frame overwritten while it
was read is skipped."""
import argparse
import sys

import numpy as np

import grab


def luma(frame):
    """The Y plane of a frame as a view where the format has one."""
    a = frame.array
    f = frame.format
    if f == "YUYV":
        return a[:, :, 0]
    if f == "UYVY":
        return a[:, :, 1]
    if f in ("NV12", "YU12"):
        return frame.planes[0]
    if f == "Y16":
        return a >> 8
    if f in ("RGB3", "BGR3"):
        r, g, b = (a[:, :, i] for i in ((0, 1, 2) if f == "RGB3" else (2, 1, 0)))
        return (0.299 * r + 0.587 * g + 0.114 * b)
    if a.ndim == 2:
        return a                        # GREY, Bayer
    sys.exit(f"grab-motion: no luma for format {f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stream", default=None)
    p.add_argument("--socket", default=None)
    p.add_argument("-n", "--frames", type=int, default=0, help="stop after N frames")
    args = p.parse_args()

    try:
        s = grab.connect(args.stream, socket=args.socket)
    except grab.Error as e:
        sys.exit(f"grab-motion: {e.strerror}")
    prev = None
    done = 0
    with s:
        for frame in s:
            with frame:
                y = luma(frame).astype(np.float32)   # the one copy: as float
                if not frame.intact():
                    continue
            brightness = float(y.mean())
            motion = float(np.abs(y - prev).mean()) if prev is not None else 0.0
            prev = y
            print(f"{frame.sequence} {brightness:.2f} {motion:.2f}", flush=True)
            done += 1
            if args.frames and done >= args.frames:
                break


if __name__ == "__main__":
    main()
