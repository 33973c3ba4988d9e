#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install every Debian package that grab's build, tests and benchmarks need.
# Idempotent and quick when everything is already there: it asks dpkg first
# and only calls apt-get for what is missing.  Run as non-root it prints the
# apt-get line to run instead.
set -euo pipefail

packages=(
	# build (python3-dev, python3-numpy: the Python module)
	build-essential pkg-config make gcc g++ clang sparse
	libevent-dev libturbojpeg0-dev libjpeg62-turbo-dev libv4l-dev
	libsystemd-dev libinih-dev python3-dev python3-numpy
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev
	# fuzz and sanitize tiers: libFuzzer, ASan, UBSan runtimes (valgrind below)
	libclang-rt-14-dev
	# kernel tier: Debian's own kernels, their headers, a busybox initramfs
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	qemu-system-x86 busybox-static cpio kmod zstd xz-utils
	# arm64 tier: cross compiler, qemu-user and qemu-system-aarch64 (the arm64
	# sysroot and kernels are unpacked by tests/arm64/fetch.sh, not installed)
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-user-static qemu-system-arm file
	# system tier
	mmdebstrap systemd dkms
	# peers used by the tests
	curl ffmpeg v4l-utils libjpeg-turbo-progs valgrind
	# capture tier: man pages rendered and checked
	groff-base man-db
	# http tier: promtool, a headless browser, JSON on the command line
	prometheus chromium jq python3
	# gst tier: grabsrc in real pipelines (x264enc is in -ugly), grab-rtsp
	# read by ffprobe
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
	gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
	# python tier: pytest, OpenCV
	python3-pytest python3-opencv
	# benchmarks (make bench): plots, the GStreamer shm peer, µStreamer
	gnuplot-nox gstreamer1.0-tools gstreamer1.0-plugins-base
	gstreamer1.0-plugins-bad ustreamer
)

missing=()
for p in "${packages[@]}"; do
	case "$p" in \#*) continue ;; esac
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

cmd=(apt-get install -y -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
	echo "grab: missing packages; run as root:" >&2
	echo "  apt-get update && ${cmd[*]}" >&2
	exit 1
fi

echo "grab: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# An apt list older than a day (or none) would miss the newest kernel ABI.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	apt-get update -q
fi
"${cmd[@]}" || { apt-get update -q && "${cmd[@]}"; }
