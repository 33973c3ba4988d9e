#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# System tier: a Debian rootfs with real systemd booted under QEMU (TCG), the
# project installed into it with `make install`, grab.ko built for the booted
# kernel, the kernel's own vivid camera.  tests/system/guest.sh runs inside
# (started by a unit at boot), prints TAP lines on the serial console and
# leaves frames in a 9p share for the host to check with ffprobe.
#
# SYSTEM_KERNELS="6.1.0-56-amd64" picks the kernels (default: every kernel
# whose headers and image are installed; a 6.1 one is required).  Missing
# QEMU, kernels or mmdebstrap are failures, not skips.
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
build=${BUILD:-build}

fail() { echo "not ok - system: $*"; exit 1; }

for tool in qemu-system-x86_64 mmdebstrap mke2fs ffprobe; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (tests/lib/install-deps.sh installs it)"
done

# The image carries the modules of every installed kernel, so booting a
# subset (SYSTEM_KERNELS) reuses the same cached image.
installed=()
for b in /lib/modules/*/build; do
	v=$(basename "$(dirname "$b")")
	[ -f "/boot/vmlinuz-$v" ] && installed+=("$v")
done
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
	trap 'rm -rf "$payload"' EXIT
	mkdir -p "$payload/root" "$payload/out"

	# The project as a user gets it: make install, into the payload.
	if ! make -s install DESTDIR="$payload/root" PREFIX=/usr >"$payload/install.log" 2>&1; then
		sed 's/^/# /' "$payload/install.log" | tail -20
		fail "make install failed"
	fi
	# grab.ko for the booted kernel, built from a copy (the source stays clean).
	kb=$top/$build/system-kernel-$kver
	rm -rf "$kb" && mkdir -p "$kb"
	cp -r kernel/. "$kb/"
	if ! make -C "$kb" KDIR="/lib/modules/$kver/build" >"$payload/module.log" 2>&1; then
		sed 's/^/# /' "$payload/module.log" | tail -20
		fail "grab.ko does not build for $kver"
	fi
	install -D -m 0644 "$kb/grab.ko" "$payload/root/usr/lib/modules/$kver/updates/grab.ko"
	# The module index with grab.ko in it, made here in a second rather than
	# by depmod in the emulated guest in half a minute: the image's module
	# tree is a copy of this machine's.
	stage=$payload/depmod
	mkdir -p "$stage/lib/modules"
	cp -rs "/lib/modules/$kver" "$stage/lib/modules/"
	install -D -m 0644 "$kb/grab.ko" "$stage/lib/modules/$kver/updates/grab.ko"
	depmod -b "$stage" "$kver" || fail "depmod for $kver failed"
	cp -L "$stage/lib/modules/$kver"/modules.* "$payload/root/usr/lib/modules/$kver/"
	rm -rf "$stage"
	mkdir -p "$payload/bin"
	cp "$build/tests/verify-frames" "$payload/bin/"
	cp tests/system/guest.sh tests/system/guest-checks.sh "$payload/"

	cmdline="root=LABEL=grabroot rw console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet systemd.show_status=0"
	start=$(date +%s)
	timeout 480 qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 2G \
		-nographic -no-reboot -snapshot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "/boot/vmlinuz-$kver" -initrd "/boot/initrd.img-$kver" \
		-append "$cmdline" \
		-drive "file=$image,if=virtio,format=raw" \
		-virtfs "local,path=$payload,mount_tag=payload,security_model=none,id=payload" \
		>"$payload/serial.log" 2>&1
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
	if [ -x tests/system/host-checks.sh ]; then
		tests/system/host-checks.sh "$payload/out" "$kver" || status=1
	fi
	rm -rf "$payload"
	trap - EXIT
done
exit $status
