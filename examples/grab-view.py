#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Show a grab stream with OpenCV: in a window when there is a display,
else written to a video file.

    grab-view.py [--stream NAME] [--socket PATH] [-n FRAMES] [-o out.avi]

Each frame is converted straight from the ring (frame.array is a view, not
a copy) and checked intact after the conversion, before it is shown."""
import argparse
import os
import sys

import cv2

import grab

# frame.format -> the OpenCV conversion to BGR of frame.array.
TO_BGR = {
    "YUYV": cv2.COLOR_YUV2BGR_YUYV, "UYVY": cv2.COLOR_YUV2BGR_UYVY,
    "RGB3": cv2.COLOR_RGB2BGR, "GREY": cv2.COLOR_GRAY2BGR,
    "NV12": cv2.COLOR_YUV2BGR_NV12, "YU12": cv2.COLOR_YUV2BGR_I420,
    "RGGB": cv2.COLOR_BayerRG2BGR, "BA81": cv2.COLOR_BayerBG2BGR,
    "GRBG": cv2.COLOR_BayerGR2BGR, "GBRG": cv2.COLOR_BayerGB2BGR,
}


def to_bgr(frame):
    a = frame.array
    if frame.format == "BGR3":
        return a.copy()
    if frame.format == "MJPG":
        return cv2.imdecode(a, cv2.IMREAD_COLOR)
    if frame.format == "Y16":
        return cv2.cvtColor((a >> 8).astype("uint8"), cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(a, TO_BGR[frame.format])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stream", default=None)
    p.add_argument("--socket", default=None)
    p.add_argument("-n", "--frames", type=int, default=0, help="stop after N frames")
    p.add_argument("-o", "--output", default="grab-view.avi",
                   help="video file to write when there is no display")
    args = p.parse_args()

    window = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    writer = None
    shown = 0
    try:
        s = grab.connect(args.stream, socket=args.socket)
    except grab.Error as e:
        sys.exit(f"grab-view: {e.strerror}")
    with s:
        fps = s.info()["fps"] or 30
        for frame in s:
            with frame:
                bgr = to_bgr(frame)
                if not frame.intact():
                    continue            # overwritten while converted: drop it
            if window:
                cv2.imshow("grab", bgr)
                if cv2.waitKey(1) in (27, ord("q")):
                    break
            else:
                if writer is None:
                    h, w = bgr.shape[:2]
                    writer = cv2.VideoWriter(args.output, cv2.VideoWriter_fourcc(*"MJPG"),
                                             fps, (w, h))
                    if not writer.isOpened():
                        sys.exit(f"grab-view: cannot write {args.output}")
                writer.write(bgr)
            shown += 1
            if args.frames and shown >= args.frames:
                break
    if writer is not None:
        writer.release()
        print(f"grab-view: {shown} frames written to {args.output}")


if __name__ == "__main__":
    main()
