# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by the packaging tier: fresh Debian roots, as a new user has them.
#
#   base_tarball           a minbase bookworm holding git and make (cached)
#   new_root DIR           unpack it into DIR
#   in_root DIR CMD...     run CMD as root in DIR: a private mount namespace
#                          (its /proc and /dev vanish with it), Debian's
#                          archive reachable through the host's network

# The base is cached in $cache (a week at most, so its apt keys and base
# packages stay current), written under a temporary name and renamed, so
# two runs at once never see half a tarball.
base_tarball() {
	: "${cache:?the sourcing script sets cache}"
	local tar=$cache/chroot-bookworm-git-make.tar part
	if [ -f "$tar" ] && [ -z "$(find "$tar" -mtime +7)" ]; then
		echo "$tar"
		return 0
	fi
	mkdir -p "$cache"
	part=$(mktemp "$cache/chroot-bookworm-git-make.XXXXXX") || return 1
	if ! TMPDIR=/var/tmp mmdebstrap --quiet --variant=minbase --include=git,make \
		bookworm "$part.tar" >&2; then
		rm -f "$part" "$part.tar"
		return 1
	fi
	mv -f "$part.tar" "$tar" && rm -f "$part"
	echo "$tar"
}

new_root() {
	mkdir -p "$1" && tar -C "$1" -xf "$(base_tarball)" &&
		cp /etc/resolv.conf "$1/etc/resolv.conf"
}

in_root() {
	local root=$1
	shift
	unshare --mount --propagation private -- sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" || exit 125
		exec chroot "$root" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' sh "$root" "$@"
}

# packages_of DIR: "name installed-size-KiB" of every installed package.
packages_of() {
	in_root "$1" dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Installed-Size}\n' |
		awk '$1 == "ii" { print $2, $3 }' | sort
}
