#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the Debian packages grab needs for one purpose, and only those:
#
#   install-deps.sh build     what `make` and `make run` need (called by them)
#   install-deps.sh module    + kernel headers, for `make module`
#   install-deps.sh check     + every tool a test tier calls (by `make check`)
#   install-deps.sh bench     + the benchmarks' peers and plots (by `make bench`)
#   install-deps.sh deb       + debhelper and dh-dkms, for `make deb`
#   install-deps.sh optional  + the -dev packages of the optional parts (the
#                             Python module, the GStreamer plugin)
#   install-deps.sh --list PURPOSE   print the list, one package a line
#
# Every purpose but build includes the build list.  Idempotent and quick when
# everything is there: it asks dpkg first and only calls apt-get for what is
# missing.  Run as non-root it prints the apt-get line for that purpose's
# missing packages and fails.  Package names are grouped by tier, with a
# comment each, so a tier's additions stay together.
set -euo pipefail

# make, make run: compiler, pkg-config, the libraries grabberd and libgrab
# link.  Nothing else: a new user starts the daemon without the test stack.
build=(
	gcc libc6-dev make pkg-config
	libevent-dev libturbojpeg0-dev libjpeg62-turbo-dev libv4l-dev
	libsystemd-dev libinih-dev
)

# make module: the running kernel's headers (Debian's metapackage picks the
# newest; KDIR= points elsewhere).
module=(
	linux-headers-amd64 kmod
)

# make deb: Debian's packaging tools (dpkg-buildpackage, dh, dh-dkms).
deb=(
	dpkg-dev debhelper dh-dkms fakeroot
)

# The optional parts `make` builds when their libraries are there: the
# Python module (client-lib/python) and the GStreamer plugin and grab-rtsp
# (client-lib/gst).  `make check`, `make bench` and `make deb` install them;
# `make deps PURPOSE=optional` alone.
optional=(
	python3-dev python3-numpy
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev
)

# make check: the tools each tier calls (tests/packaging/run.sh checks that
# every tool a tier `require`s is on this list).
check=(
	"${optional[@]}"
	# unit tier: more compilers for the ABI check
	clang g++
	# unit and fuzz tiers; sanitize tier: libFuzzer, ASan, UBSan runtimes
	libclang-rt-14-dev
	# integration tier: socket activation
	systemd
	# capture tier: ffprobe/ffmpeg, man pages rendered and checked, nm
	ffmpeg groff-base man-db binutils mount
	# http tier: promtool, a headless browser, JSON on the command line
	curl prometheus chromium jq python3
	# faults tier: prlimit
	util-linux
	# valgrind tier
	valgrind
	# kernel tier: Debian's own kernels, their headers, a busybox initramfs,
	# sparse for make C=1
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	qemu-system-x86 busybox-static cpio gzip kmod zstd xz-utils sparse
	# system tier: the VM image (mmdebstrap, mke2fs), the .debs it installs
	mmdebstrap e2fsprogs dkms "${deb[@]}"
	# packaging tier: lintian, git (the tree's files), the chroots
	# (mmdebstrap above)
	lintian git
	# arm64 tier: cross compiler, qemu-user and qemu-system-aarch64 (the arm64
	# sysroot and kernels are unpacked by tests/arm64/fetch.sh, not installed)
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-user-static qemu-system-arm file
	# peers used by the tests
	v4l-utils libjpeg-turbo-progs
	# kernel tier's debug kernel (make debug-kernel): Debian's 6.12 source
	# and what building it needs
	linux-source-6.12 bc bison flex libelf-dev libssl-dev
	# python tier: pytest, OpenCV
	python3-pytest python3-opencv
	# gst tier: grabsrc in real pipelines (x264enc is in -ugly), grab-rtsp
	# read by ffprobe
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
	gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
	# a CPU hog to run the tiers beside (no test may assume an idle machine)
	stress-ng
	# style tier: clang-format, shellcheck; checkpatch.pl comes from
	# linux-source-6.12 (listed above)
	clang-format shellcheck mawk
)

# make bench: plots, the GStreamer shm peer, µStreamer in the system-test VM
# (which needs the system tier's VM tools and kernels).
bench=(
	"${optional[@]}"
	python3 gnuplot-nox curl jq libjpeg-turbo-progs
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-bad
	ustreamer
	qemu-system-x86 mmdebstrap e2fsprogs kmod linux-image-amd64
	linux-headers-amd64 "${deb[@]}"
	# the MJPEG-camera VM: ffmpeg makes the frames fed to v4l2loopback
	ffmpeg
)

list() {
	case "$1" in
	build) printf '%s\n' "${build[@]}" ;;
	module) printf '%s\n' "${build[@]}" "${module[@]}" ;;
	deb) printf '%s\n' "${build[@]}" "${optional[@]}" "${deb[@]}" ;;
	check) printf '%s\n' "${build[@]}" "${check[@]}" ;;
	bench) printf '%s\n' "${build[@]}" "${bench[@]}" ;;
	optional) printf '%s\n' "${build[@]}" "${optional[@]}" ;;
	*)
		echo "install-deps.sh: unknown purpose '$1' (build, module, deb, optional, check or bench)" >&2
		return 2
		;;
	esac | awk '!seen[$0]++'
}

if [ "${1:-}" = --list ]; then
	list "${2:-build}"
	exit
fi
purpose=${1:-build}
mapfile -t packages < <(list "$purpose")
[ ${#packages[@]} -gt 0 ] || exit 2

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

cmd=(apt-get install -y -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
	echo "grab: $purpose needs packages that are missing; run as root:" >&2
	echo "  apt-get update && ${cmd[*]}" >&2
	exit 1
fi

echo "grab: installing for $purpose: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# An apt list older than a day (or none) would miss the newest kernel ABI.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	apt-get update -q -o DPkg::Lock::Timeout=300
fi
"${cmd[@]}" || { apt-get update -q -o DPkg::Lock::Timeout=300 && "${cmd[@]}"; }
