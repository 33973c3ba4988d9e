#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What an MJPEG camera saves grabberd: the daemon's CPU per frame with
# MJPEG viewers of an MJPEG camera against a YUYV camera of the same size
# and rate, two grabberds side by side in the system-test VM (the only
# place here with V4L2 devices: two v4l2loopback cameras, fed by
# loopback-feed; see tests/bench/mjpeg-guest.sh).  The MJPEG camera's
# frames go out as they came (zero encodes); the YUYV camera's are encoded
# once per frame.  Under emulation only the ratio means anything.  Prints
# both and the lines
#   daemon CPU per frame MJPEG / YUYV camera: R.RRRx
#   encodes per frame MJPEG camera: E.EEE (YUYV camera: E.EEE)
# usage: mjpeg-vm.sh [SECONDS [VIEWERS]]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
build=${BUILD:-build}
. tests/bench/vm-bench.sh
for t in ffmpeg qemu-system-x86_64 mmdebstrap apt-get dpkg-deb; do
	command -v $t >/dev/null || { echo "mjpeg-vm: $t missing (tests/lib/install-deps.sh bench)" >&2; exit 1; }
done

vm_bench_prepare mjpeg-vm tests/bench/mjpeg-guest.sh "SECS=${1:-20}" "VIEWERS=${2:-4}" || exit 1
vm_frames "$payload/frames/yuyv-640x480" YUYV 640 480 10 || exit 1
vm_bench_boot 900 '^(BENCH|not ok|# (grabberd|feeding|state))' || exit 1
awk '
/^BENCH/ {
	delete v
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	n = v["name"]
	per[n] = v["fed"] ? v["cpu_us"] / v["fed"] : 0
	enc[n] = v["frames"] ? v["encoded"] / v["frames"] : 0
	printf "%-6s camera %s at %s fps, %d MJPEG viewers: %6d ms CPU for %5d frames fed (%d published, %d encoded, %d passed through): %8.1f us per frame fed\n",
		toupper(n), v["size"], v["fps"], v["viewers"], v["cpu_us"] / 1000, v["fed"],
		v["frames"], v["encoded"], v["passed"], per[n]
}
END {
	if (per["mjpeg"] > 0 && per["yuyv"] > 0)
		printf "daemon CPU per frame MJPEG / YUYV camera: %.3fx\n", per["mjpeg"] / per["yuyv"]
	else
		print "daemon CPU per frame MJPEG / YUYV camera: n/a"
	printf "encodes per frame MJPEG camera: %.3f (YUYV camera: %.3f)\n", enc["mjpeg"], enc["yuyv"]
}' "$payload/bench.txt"
