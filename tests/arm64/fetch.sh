#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Debian's arm64 pieces grab needs on an x86-64 host, unpacked into caches
# under /var/cache/grab-test (or $GRAB_CACHE) without touching the
# host's dpkg: no foreign architecture is added, nothing is installed.
#
#   fetch.sh sysroot        an arm64 sysroot of libc and every -dev package
#                           user space links against, with a dpkg database
#                           of them in var/lib/dpkg (for dpkg-shlibdeps
#                           --admindir: the arm64 .debs' Depends); prints
#                           its path
#   fetch.sh kernel SERIES  SERIES 6.1 or 6.12: Debian's arm64 kernel image,
#                           the modules the guest needs, the headers (with
#                           the -common tree they include redirected to the
#                           unpacked copy) and a static arm64 busybox;
#                           prints the directory (vmlinuz, headers/, ...)
#
# Each cache is named by a hash of what goes in (package names and the
# versions Debian's lists give), built in a temporary directory and renamed
# into place, so two runs at once cannot see a half-built tree.  On a hit
# nothing is downloaded.
#
# The downloads use a private apt state (lists, cache, an empty dpkg status)
# in a temporary directory, with the architecture list given on the command
# line only: -o APT::Architectures::=amd64 -o APT::Architectures::=arm64.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${GRAB_CACHE:-/var/cache/grab-test}

die() { echo "fetch.sh: $*" >&2; exit 1; }

# Libraries user space links against (see */build.mk), and libc.  The
# GStreamer plugin and the Python module are not cross-built (README).
sysroot_packages=(
	libc6 libc6-dev libgcc-s1 linux-libc-dev
	libevent-dev libinih-dev libsystemd-dev libv4l-dev
	libturbojpeg0-dev libjpeg62-turbo-dev
)

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

# A private apt: host sources, arm64 added for these commands only.
apt_setup() {
	[ -n "$tmp" ] || tmp=$(mktemp -d "$cache/arm64-fetch.XXXXXX")
	local a=$tmp/apt
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/etc"
	: >"$a/status"
	chmod -R a+rX "$a"
	apt_opts=(
		-o "Dir::State=$a" -o "Dir::State::Lists=$a/lists"
		-o "Dir::State::status=$a/status" -o "Dir::Cache=$a/cache"
		-o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$a/etc"
		-o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64"
		-o "APT::Sandbox::User=root" -o "Debug::NoLocking=1"
		-o "Acquire::Languages=none" -q
	)
	apt-get "${apt_opts[@]}" update >"$tmp/apt-update.log" 2>&1 ||
		{ cat "$tmp/apt-update.log" >&2; die "apt-get update (arm64 lists) failed"; }
}

# Every arm64 package the given ones need, transitively (an empty dpkg
# status: nothing counts as installed).
apt_closure() {
	apt-get "${apt_opts[@]}" -s -o APT::Install-Recommends=0 install "${@/%/:arm64}" 2>"$tmp/closure.err" |
		sed -nE 's/^Inst ([^ :]+)(:arm64)? .*\[arm64\].*$/\1:arm64/p; s/^Inst ([^ :]+)(:[a-z0-9]+)? .*\[all\].*$/\1/p' | sort -u ||
		{ cat "$tmp/closure.err" >&2; die "cannot resolve the arm64 packages $*"; }
}

# Download the packages (arm64) and unpack each into $1.  With db_final
# set (the directory $1 will be renamed to), each is also recorded in $1's
# dpkg database (record_deb).
db_final=
unpack_into() { # dir package...
	local dir=$1; shift
	mkdir -p "$dir" "$tmp/debs"
	(cd "$tmp/debs" && apt-get "${apt_opts[@]}" download "$@" >"$tmp/download.log" 2>&1) ||
		{ cat "$tmp/download.log" >&2; die "apt-get download failed"; }
	local deb
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$dir"
		[ -z "$db_final" ] || record_deb "$deb" "$dir"
	done
	rm -f "$tmp"/debs/*.deb
}

# What dpkg would know had it installed the package, in root/var/lib/dpkg:
# its status entry, its file list (named by the sysroot's own paths, so
# dpkg-query --search finds the library dpkg-shlibdeps -l found there) and
# its shlibs and symbols files.  Nothing outside the sysroot reads it.
record_deb() { # deb root
	local deb=$1 db=$2/var/lib/dpkg name key f
	mkdir -p "$db/info" "$db/updates" "$tmp/ctrl"
	# info/format 1: multiarch names (libc6:arm64.list), as dpkg's own.
	[ -f "$db/arch" ] || { printf 'amd64\narm64\n' >"$db/arch"; echo 1 >"$db/info/format"; }
	name=$(dpkg-deb -f "$deb" Package)
	key=$name
	[ "$(dpkg-deb -f "$deb" Multi-Arch)" != same ] ||
		key=$name:$(dpkg-deb -f "$deb" Architecture)
	{ dpkg-deb -f "$deb"; echo "Status: install ok installed"; echo; } >>"$db/status"
	dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -nE "s|^\./(.*[^/])/?$|$db_final/\1|p" \
		>"$db/info/$key.list"
	rm -rf "${tmp:?}/ctrl"/*
	dpkg-deb -e "$deb" "$tmp/ctrl"
	for f in shlibs symbols; do
		[ ! -f "$tmp/ctrl/$f" ] || cp "$tmp/ctrl/$f" "$db/info/$key.$f"
	done
}

# Absolute symlinks point into the host: make them relative to the root.
relink_absolute() { # root
	local root=$1 link target rel
	find "$root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
		target=$(readlink "$link")
		rel=$(realpath -m --relative-to="$(dirname "$link")" "$root$target")
		ln -sfn "$rel" "$link"
	done
}

# The host's lists name the versions (amd64 and arm64 builds of one Debian
# source share them): enough to name a cache without any download.
host_versions() {
	apt-cache policy "${@%:arm64}" 2>/dev/null | sed -nE 's/^([^ ].*):$/\1/p; s/^ *Candidate: //p'
}

# On a cache hit the answer depends only on the host's apt lists, yet
# apt-cache takes seconds (minutes on a loaded machine) to say so: each
# answer is remembered with a stamp of the lists (names and mtimes) and of
# this script (its package lists and cache versions), and given again while
# those and the cache directory are unchanged.
lists_stamp() {
	{ cat tests/arm64/fetch.sh
	  find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -printf '%T@ %p\n' 2>/dev/null | sort
	} | sha256sum | cut -c1-16
}
memo_get() { # what
	local f=$cache/.arm64-fetch-$1 stamp dir
	[ -f "$f" ] || return 1
	read -r stamp dir <"$f" || return 1
	[ "$stamp" = "$(lists_stamp)" ] && [ -f "$dir/.complete" ] || return 1
	echo "$dir"
}
memo_put() { # what dir
	local f=$cache/.arm64-fetch-$1
	echo "$(lists_stamp) $2" >"$f.$$" && mv -f "$f.$$" "$f"
}

publish() { # built-dir final-dir
	chmod 755 "$1"
	if ! mv -T "$1" "$2" 2>/dev/null; then
		# Another run got there first: theirs is as good as ours.
		[ -d "$2" ] || die "cannot publish $2"
	fi
}

do_sysroot() {
	local key dir
	# v3: with the dpkg database (record_deb).
	key=$( (echo v3; host_versions "${sysroot_packages[@]}") | sha256sum | cut -c1-16)
	dir=$cache/arm64-sysroot-$key
	if [ ! -f "$dir/.complete" ]; then
		mkdir -p "$cache"
		apt_setup
		mapfile -t pkgs < <(apt_closure "${sysroot_packages[@]}")
		[ ${#pkgs[@]} -gt 0 ] || die "no arm64 packages resolved for the sysroot"
		db_final=$dir
		unpack_into "$tmp/root" "${pkgs[@]}"
		db_final=
		relink_absolute "$tmp/root"
		printf '%s\n' "${pkgs[@]}" >"$tmp/root/.packages"
		touch "$tmp/root/.complete"
		publish "$tmp/root" "$dir"
	fi
	echo "$dir"
}

# The kernel ABI name from the host's meta package (linux-image-amd64 for
# 6.1, linux-image-6.12-amd64): the same ABI name, with arm64, is Debian's
# arm64 kernel of that series.
kernel_abi() { # series
	local meta=linux-image-amd64
	[ "$1" = 6.1 ] || meta=linux-image-$1-amd64
	apt-cache depends "$meta" 2>/dev/null |
		sed -nE 's/^ *Depends: linux-image-(.*)-amd64$/\1/p' | head -1
}

do_kernel() {
	local series=$1 abi key dir kver common
	case "$series" in 6.1 | 6.12) ;; *) die "kernel series '$series' is not 6.1 or 6.12" ;; esac
	abi=$(kernel_abi "$series")
	[ -n "$abi" ] || die "no Debian $series kernel named by the host's apt lists (apt-get update?)"
	local pkgs=("linux-image-$abi-arm64" "linux-headers-$abi-arm64" "linux-headers-$abi-common" busybox-static:arm64)
	key=$( (echo v1; host_versions "${pkgs[@]/%-arm64/-amd64}" linux-kbuild-"$series") | sha256sum | cut -c1-16)
	dir=$cache/arm64-kernel-$abi-$key
	if [ ! -f "$dir/.complete" ]; then
		mkdir -p "$cache"
		apt_setup
		local r=$tmp/unpacked k=$tmp/kernel
		unpack_into "$r" "${pkgs[@]/%-arm64/-arm64:arm64}"
		mkdir -p "$k"
		kver=$abi-arm64
		cp "$r/boot/vmlinuz-$kver" "$k/vmlinuz"
		cp "$r/boot/config-$kver" "$k/config"
		cp "$r/bin/busybox" "$k/busybox"
		# The guest needs only the virtio console's modules (where they are
		# modules, in load order, uncompressed for busybox's insmod): the
		# rest of the 400 MB module tree is not kept.
		mkdir -p "$k/modules"
		local m f n=0
		for m in virtio virtio_ring virtio_mmio virtio_console; do
			f=$(find "$r/lib/modules/$kver" -name "$m.ko*" | head -1)
			[ -n "$f" ] || continue
			n=$((n + 1))
			case "$f" in
			*.xz) xz -dc "$f" >"$k/modules/$n-$m.ko" ;;
			*.zst) zstd -qdc "$f" >"$k/modules/$n-$m.ko" ;;
			*) cp "$f" "$k/modules/$n-$m.ko" ;;
			esac
		done
		# Headers: the arm64 tree includes the -common tree by absolute path.
		mv "$r/usr/src/linux-headers-$kver" "$k/headers"
		common=linux-headers-$abi-common
		mv "$r/usr/src/$common" "$k/common"
		local rel
		sed -i "s|/usr/src/$common|$dir/common|g" "$k/headers/Makefile"
		grep -q "$dir/common" "$k/headers/Makefile" ||
			die "the $kver headers' Makefile does not include /usr/src/$common"
		# Symlinks were relative to /usr/src: scripts/ and tools/ point at
		# the linux-kbuild package, which the host's own (same version,
		# Multi-Arch: foreign, x86 programs) serves, named absolutely; links
		# into the -common tree follow it here.
		local link tree orig target
		while IFS= read -r -d '' link; do
			case "$link" in
			"$k/headers/"*) tree=linux-headers-$kver rel=${link#"$k/headers/"} ;;
			*) tree=$common rel=${link#"$k/common/"} ;;
			esac
			orig=/usr/src/$tree/$rel
			target=$(readlink "$link")
			case "$target" in
			/*) ;;
			*) target=$(realpath -m "$(dirname "$orig")/$target") ;;
			esac
			case "$target" in
			"/usr/src/$tree"/*) continue ;;
			"/usr/src/$common"/*) target=$dir/common/${target#"/usr/src/$common/"} ;;
			esac
			ln -sfn "$target" "$link"
		done < <(find "$k/headers" "$k/common" -type l -print0)
		[ -d "$k/headers/scripts/" ] && [ -d "$k/common/scripts/" ] ||
			die "$kver: the host's linux-kbuild-$series is not installed"
		echo "$kver" >"$k/release"
		touch "$k/.complete"
		publish "$k" "$dir"
	fi
	echo "$dir"
}

case "${1:-}" in
sysroot) what=sysroot ;;
kernel)
	case "${2:-}" in 6.1 | 6.12) ;; *) die "kernel series '${2:-}' is not 6.1 or 6.12" ;; esac
	what=kernel-$2
	;;
*) die "usage: fetch.sh sysroot | kernel 6.1|6.12" ;;
esac
memo_get "$what" && exit 0
case "$1" in
sysroot) dir=$(do_sysroot) ;;
kernel) dir=$(do_kernel "$2") ;;
esac
[ -n "$dir" ] || exit 1
memo_put "$what" "$dir" 2>/dev/null || true
echo "$dir"
