# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# Sourced helpers for booting the project in the system-test VM: a Debian
# image with real systemd (build-image.sh), the project installed as `make
# deb` packages it, grab.ko for the booted kernel, and a guest script
# the image's unit runs at boot from a 9p share.  Used by the system tier
# (tests/system/run.sh) and by the µStreamer benchmark (tests/bench/).
#
# Callers set $top (the checkout) and $build (its build directory).
: "${top:?}" "${build:?}"

# vm_kernels: every kernel with both headers and an image on this machine.
vm_kernels() {
	local b v
	for b in /lib/modules/*/build; do
		v=$(basename "$(dirname "$b")")
		[ -f "/boot/vmlinuz-$v" ] && echo "$v"
	done
}

# vm_debs: build the Debian packages once per run (make deb, in a private
# build directory so no other run's build/deb changes under us); sets
# VM_DEBS to the directory holding the .debs.  A caller that boots several
# VMs of one tree (make bench) builds them once and passes that directory
# in GRAB_VM_DEBS.  Returns non-zero with the reason on stderr.
VM_DEBS=${GRAB_VM_DEBS:-}
VM_DEBS_BUILT=
vm_debs() {
	[ -n "$VM_DEBS" ] && return 0
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/grab-vm-debs.XXXXXX") || return 1
	VM_DEBS_BUILT=$dir
	if ! nice -n 10 make -s -C "$top" deb BUILD="$dir" >"$dir/make-deb.log" 2>&1; then
		tail -20 "$dir/make-deb.log" >&2
		echo "make deb failed" >&2
		return 1
	fi
	VM_DEBS=$dir/deb
}

# vm_cleanup: remove what vm_debs built (never what it was given).
vm_cleanup() {
	[ -n "$VM_DEBS_BUILT" ] && rm -rf "$VM_DEBS_BUILT"
	VM_DEBS_BUILT=
	VM_DEBS=${GRAB_VM_DEBS:-}
}

# vm_payload KVER PAYLOAD CHECKS: fill the 9p share: the project's Debian
# packages under PAYLOAD/debs (guest.sh installs them with apt), grab.ko,
# v4l2loopback.ko and their module index for KVER under PAYLOAD/root,
# verify-frames and loopback-feed under PAYLOAD/bin, 30 JPEG frames under
# PAYLOAD/frames/mjpeg-640x480, and guest.sh, which runs CHECKS (a shell
# file sourced in the guest; the system tier's sources guest-mjpeg.sh).  Returns non-zero
# with the reason on stderr.
vm_payload() {
	local kver=$1 payload=$2 checks=$3 kb stage p
	mkdir -p "$payload/root" "$payload/out" "$payload/bin" "$payload/debs"
	# The project as a user gets it: the .debs, installed by apt in the guest.
	# grab-dkms is not among them: the image has no compiler (see guest.sh).
	vm_debs || return 1
	for p in grabberd libgrab1 grab-tools; do
		cp "$VM_DEBS/${p}"_*.deb "$payload/debs/" || return 1
	done
	# grab.ko for the booted kernel, built from a copy (the source stays clean).
	kb=$top/$build/system-kernel-$kver
	rm -rf "$kb" && mkdir -p "$kb"
	cp -r "$top/kernel/." "$kb/"
	if ! make -C "$kb" KDIR="/lib/modules/$kver/build" >"$payload/module.log" 2>&1; then
		tail -20 "$payload/module.log" >&2
		echo "grab.ko does not build for $kver" >&2
		return 1
	fi
	install -D -m 0644 "$kb/grab.ko" "$payload/root/usr/lib/modules/$kver/updates/grab.ko"
	# v4l2loopback from Debian's v4l2loopback-dkms, built here for the same
	# reason (tests/system/v4l2loopback.sh says why not by DKMS), and the
	# feeder that plays frames into it.
	tests/system/v4l2loopback.sh "$kver" "$top/$build/system-v4l2loopback-$kver" >/dev/null ||
		return 1
	install -D -m 0644 "$top/$build/system-v4l2loopback-$kver/v4l2loopback.ko" \
		"$payload/root/usr/lib/modules/$kver/updates/v4l2loopback.ko"
	# The module index with grab.ko in it, made here in a second rather than
	# by depmod in the emulated guest in half a minute: the image's module
	# tree is a copy of this machine's.
	stage=$payload/depmod
	mkdir -p "$stage/lib/modules"
	cp -rs "/lib/modules/$kver" "$stage/lib/modules/"
	install -D -m 0644 "$kb/grab.ko" "$stage/lib/modules/$kver/updates/grab.ko"
	install -D -m 0644 "$payload/root/usr/lib/modules/$kver/updates/v4l2loopback.ko" \
		"$stage/lib/modules/$kver/updates/v4l2loopback.ko"
	depmod -b "$stage" "$kver" || { echo "depmod for $kver failed" >&2; return 1; }
	cp -L "$stage/lib/modules/$kver"/modules.* "$payload/root/usr/lib/modules/$kver/"
	rm -rf "$stage"
	cp "$top/$build/tests/verify-frames" "$top/$build/tests/loopback-feed" "$payload/bin/"
	vm_frames "$payload/frames/mjpeg-640x480" MJPEG 640 480 30 || return 1
	vm_frames "$payload/frames/yuyv-320x180" YUYV 320 180 10 || return 1
	cp "$top/tests/system/guest.sh" "$top/tests/system/guest-mjpeg.sh" \
		"$top/tests/system/guest-v4l2-formats.sh" "$payload/"
	cp "$checks" "$payload/checks.sh"
	cp "$top/tests/system/guest-controls.sh" "$payload/"
}

# vm_frames DIR MJPEG|YUYV WIDTH HEIGHT N: N frames of ffmpeg's testsrc2
# (a moving picture with a frame counter: no two alike), one file each, for
# loopback-feed: JPEGs by ffmpeg's own encoder (so bytes served unchanged
# cannot have come from grabberd's), or raw YUYV frames.
vm_frames() {
	local dir=$1 fmt=$2 w=$3 h=$4 n=$5
	mkdir -p "$dir"
	case "$fmt" in
	MJPEG) set -- -c:v mjpeg -q:v 5 "$dir/%02d.jpg" ;;
	YUYV) set -- -c:v rawvideo -pix_fmt yuyv422 -f image2 "$dir/%02d.yuv" ;;
	*) echo "vm_frames: $fmt: MJPEG or YUYV" >&2; return 1 ;;
	esac
	ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=${w}x$h:rate=30" \
		-frames:v "$n" "$@" || { echo "vm_frames: ffmpeg failed" >&2; return 1; }
}

# vm_boot KVER IMAGE PAYLOAD TIMEOUT: boot, the serial console into
# PAYLOAD/serial.log.  Returns QEMU's status: 1 when the guest script
# passed (it writes 0 to isa-debug-exit), 3 when it failed, 124 on timeout.
vm_boot() {
	local kver=$1 image=$2 payload=$3 limit=$4
	local cmdline="root=LABEL=grabroot rw console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet systemd.show_status=0"
	timeout "$limit" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 2G \
		-nographic -no-reboot -snapshot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "/boot/vmlinuz-$kver" -initrd "/boot/initrd.img-$kver" \
		-append "$cmdline" \
		-drive "file=$image,if=virtio,format=raw" \
		-virtfs "local,path=$payload,mount_tag=payload,security_model=none,id=payload" \
		>"$payload/serial.log" 2>&1
}
