#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# v4l2loopback.ko for a guest kernel, from Debian's v4l2loopback-dkms: the
# package's source (as DKMS would get it, in /usr/src/v4l2loopback-*),
# built on this machine against the kernel's headers, the way vm.sh builds
# grab.ko.  The system-test image has no compiler, so DKMS cannot run in
# the guest; and the package is not installed on this machine either,
# because its postinst would run DKMS for every installed kernel, and
# bookworm's 0.12.7 does not build for 6.12 as it is (see below), which
# would fail the apt transaction.  So the .deb is downloaded (apt-get
# download, this machine's apt lists, nothing installed) and unpacked into
# a cache named by its version; on a hit nothing is downloaded.
#
# Two changes to Debian's source, both of upstream's own later releases:
# - strlcpy() left the kernel in 6.8; strscpy() (there since 4.3) takes
#   the same arguments, and the module never uses the return value.
# - a reader's poll() calls poll_wait() only when no frame is ready, so a
#   reader that registers with epoll while one is (grabberd, on a camera
#   already fed) is never woken again: it got 4 frames, then nothing.
#   poll_wait() must be called on the first poll whatever the state
#   (upstream's issue 601, fixed in late 2024); it now always is.
#
#   v4l2loopback.sh KERNEL_VERSION OUTDIR    builds OUTDIR/v4l2loopback.ko
set -euo pipefail
cache=${GRAB_CACHE:-/var/cache/grab-test}
[ $# -eq 2 ] || { echo "usage: $0 KERNEL_VERSION OUTDIR" >&2; exit 2; }
kver=$1 out=$2
die() { echo "v4l2loopback.sh: $*" >&2; exit 1; }
[ -d "/lib/modules/$kver/build" ] || die "no headers for $kver (/lib/modules/$kver/build)"

version=$(apt-cache policy v4l2loopback-dkms 2>/dev/null | sed -n 's/^ *Candidate: *//p')
case "$version" in "" | "(none)") die "apt knows no v4l2loopback-dkms (apt-get update?)" ;; esac
src=$cache/v4l2loopback-dkms-$version
if [ ! -f "$src/dkms.conf" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/v4l2loopback.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "v4l2loopback-dkms=$version") \
		>"$tmp/download.log" 2>&1 || { cat "$tmp/download.log" >&2; die "apt-get download failed"; }
	dpkg-deb -x "$tmp"/v4l2loopback-dkms_*.deb "$tmp/x"
	set -- "$tmp"/x/usr/src/v4l2loopback-*
	[ -f "$1/dkms.conf" ] || die "the package has no /usr/src/v4l2loopback-*/dkms.conf"
	# Renamed into place: a run beside this one sees all of it or nothing.
	mv "$1" "$tmp/src"
	if ! mv -T "$tmp/src" "$src" 2>/dev/null; then
		[ -f "$src/dkms.conf" ] || die "cannot put the source in $src"
	fi
fi

rm -rf "$out" && mkdir -p "$out"
cp -r "$src/." "$out/"
sed -i 's/\bstrlcpy(/strscpy(/' "$out/v4l2loopback.c"
perl -0pi -e 's/(case READER:\n)\t\tif \(!can_read\(dev, opener\)\) \{\n\t\t\tif \(ret_mask\)\n\t\t\t\treturn ret_mask;\n\t\t\tpoll_wait\(file, &dev->read_event, pts\);\n\t\t\}\n/$1\t\tpoll_wait(file, &dev->read_event, pts);\n/' \
	"$out/v4l2loopback.c"
grep -qP '^\t\tpoll_wait\(file, &dev->read_event, pts\);$' "$out/v4l2loopback.c" ||
	die "v4l2loopback $version: the reader's poll is not the one this script fixes (see above)"
if ! make -C "/lib/modules/$kver/build" M="$(cd "$out" && pwd)" modules >"$out/build.log" 2>&1; then
	tail -20 "$out/build.log" >&2
	die "v4l2loopback $version does not build for $kver"
fi
echo "$out/v4l2loopback.ko"
