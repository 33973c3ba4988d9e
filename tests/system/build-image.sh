#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build (or reuse) the system tier's Debian root filesystem image: a minbase
# Debian with systemd, udev, kmod and grab's runtime libraries, made by
# mmdebstrap from the machine's own apt sources, plus the module trees of
# the given kernels (vivid among them) and a boot-time unit that runs the
# test script the host shares over 9p.
#
# The image is cached under $GRAB_CACHE (default /var/cache/grab-test) by a
# hash of the package list, this script and the kernel versions, so a
# changed package list rebuilds it.  Prints the image path.
#
# usage: build-image.sh KERNEL_VERSION...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${GRAB_CACHE:-/var/cache/grab-test}
mkdir -p "$cache"

[ $# -gt 0 ] || { echo "usage: $0 KERNEL_VERSION..." >&2; exit 2; }
for v in "$@"; do
	[ -d "/lib/modules/$v/kernel" ] || { echo "build-image: no /lib/modules/$v" >&2; exit 1; }
done

key=$( { cat "$here/rootfs-packages.txt" "$here/build-image.sh" "$here/grab-systest.service"; echo "$@"; } |
	sha256sum | cut -c1-16)
image=$cache/rootfs-$key.ext4
if [ -f "$image" ]; then
	echo "$image"
	exit 0
fi

work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
packages=$(grep -v '^#' "$here/rootfs-packages.txt" | paste -sd, -)
echo "build-image: mmdebstrap bookworm ($packages)" >&2
TMPDIR=$work mmdebstrap --quiet --variant=minbase --include="$packages" bookworm "$work/rootfs.tar" >&2
mkdir "$work/root"
tar -C "$work/root" -xf "$work/rootfs.tar"

for v in "$@"; do
	mkdir -p "$work/root/lib/modules"
	cp -a "/lib/modules/$v" "$work/root/lib/modules/"
	rm -f "$work/root/lib/modules/$v/build" "$work/root/lib/modules/$v/source"
done

root=$work/root
# Boot straight to the test unit: no password, no getty on the console.
echo grab-systest > "$root/etc/hostname"
sed -i 's/^root:[^:]*:/root::/' "$root/etc/shadow"
install -m 0644 "$here/grab-systest.service" "$root/etc/systemd/system/"
ln -sf /etc/systemd/system/grab-systest.service \
	"$root/etc/systemd/system/multi-user.target.wants/grab-systest.service"
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
mkdir -p "$root/payload"
printf '9p\n9pnet_virtio\n' > "$root/etc/modules-load.d/9p.conf"

size=$(( $(du -sm "$root" | cut -f1) + 512 ))
mke2fs -q -t ext4 -L grabroot -d "$root" "$work/image.ext4" "${size}M" >&2
mv "$work/image.ext4" "$image"
# Old images of other package lists are of no further use.
find "$cache" -maxdepth 1 -name 'rootfs-*.ext4' ! -path "$image" -delete
echo "$image"
