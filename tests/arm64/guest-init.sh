#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: MIT
#
# /init of the arm64 tier's initramfs: the arm64 part of what x86's QEMU
# gives for free, then the kernel tier's own guest script
# (tests/kernel/guest-init.sh, unchanged: the same test list).  The virt
# machine has one UART (the kernel console), so the TAP port is a virtio
# console, /dev/hvc0, linked to the /dev/ttyS1 that script writes to.  Its
# isa-debug-exit write finds no /dev/port here and it falls through to
# poweroff -f; the host reads the result from its GRAB-GUEST-DONE line.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev
for m in /modules/*.ko; do
	[ -f "$m" ] && insmod "$m"
done
i=0
while [ ! -c /dev/hvc0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -c /dev/hvc0 ]; then
	echo "arm64 init: no /dev/hvc0 (virtio console): no TAP port" >&2
	poweroff -f
fi
ln -sf hvc0 /dev/ttyS1
exec /bin/busybox sh /guest-tests.sh
