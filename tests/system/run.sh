#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# System tier: a Debian rootfs with real systemd booted under QEMU (TCG), the
# project's Debian packages (make deb) installed into it with apt, grab.ko built for the booted
# kernel, the kernel's own vivid camera, and v4l2loopback (Debian's
# v4l2loopback-dkms, built here for each kernel) fed JPEG frames as an MJPEG
# camera (tests/system/guest-mjpeg.sh).  tests/system/guest.sh runs inside
# (started by a unit at boot), prints TAP lines on the serial console and
# leaves frames in a 9p share for the host to check with ffprobe.
#
# SYSTEM_KERNELS="6.1.0-56-amd64" picks the kernels (default: every kernel
# whose headers and image are installed; a 6.1 one is required).  Missing
# QEMU, kernels or mmdebstrap are failures, not skips.  The long checks
# (every format of the vivid camera, the v4l2loopback MJPEG camera) run on
# the first kernel only; SYSTEM_FULL=all runs them on every kernel.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
build=${BUILD:-build}

fail() { echo "not ok - system: $*"; exit 1; }

. tests/lib/harness.sh
require qemu-system-x86_64 mmdebstrap mke2fs ffprobe ffmpeg dpkg-buildpackage dh dh_dkms depmod apt-get apt-cache dpkg-deb

. tests/system/vm.sh
trap vm_cleanup EXIT

# The image carries the modules of every installed kernel, so booting a
# subset (SYSTEM_KERNELS) reuses the same cached image.
mapfile -t installed < <(vm_kernels)
case " ${installed[*]}" in *" 6.1."*) ;; *) fail "no 6.1 kernel image with headers installed" ;; esac
if [ -n "${SYSTEM_KERNELS:-}" ]; then
	read -r -a kernels <<<"$SYSTEM_KERNELS"
else
	kernels=("${installed[@]}")
fi

image=$(tests/system/build-image.sh "${installed[@]}") || fail "could not build the root filesystem image"
echo "# image: $image"

status=0
for kver in "${kernels[@]}"; do
	payload=$(mktemp -d "${TMPDIR:-/tmp}/grab-system.XXXXXX")
	trap 'rm -rf "$payload"; vm_cleanup' EXIT
	vm_payload "$kver" "$payload" tests/system/guest-checks.sh 2> >(sed 's/^/# /') ||
		fail "[$kver] the guest's payload could not be made"
	# The long checks (every camera format, the MJPEG camera) on the
	# first kernel, or on all with SYSTEM_FULL=all.
	if [ "$kver" = "${kernels[0]}" ] || [ "${SYSTEM_FULL:-}" = all ]; then
		touch "$payload/full"
	fi

	start=$(date +%s)
	# 20 minutes: the guest runs 12 minutes on a loaded host (the v4l2
	# formats' checks take 4 of them).
	vm_boot "$kver" "$image" "$payload" 1200
	qemu_status=$?
	mkdir -p "$build/test-logs"
	cp "$payload/serial.log" "$build/test-logs/system-$kver-serial.log"
	echo "# $kver: guest ran for $(($(date +%s) - start)) s (qemu status $qemu_status)"
	# TAP lines from the guest, named by kernel.
	tr -d '\r' <"$payload/serial.log" | grep -aE '^(ok|not ok) |^# ' |
		sed -E "s/^(ok|not ok) (- )?/\1 - [$kver] /"
	# The guest writes 0 to isa-debug-exit on success: QEMU exits 1.
	if [ "$qemu_status" -ne 1 ]; then
		echo "not ok - [$kver] guest finished cleanly (qemu status $qemu_status; 124 is a timeout)"
		tr -d '\r' <"$payload/serial.log" | grep -aiE 'panic|oops|warning|BUG' | head -20 | sed 's/^/# /'
		status=1
	fi
	# Checks of what the guest left in the share.
	tests/system/host-checks.sh "$payload/out" "$kver" || status=1
	rm -rf "$payload"
	trap vm_cleanup EXIT
done
exit $status
