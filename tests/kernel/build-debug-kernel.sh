#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build (or reuse) the kernel tier's debug kernel: Debian's 6.12 source
# (package linux-source-6.12) configured as `make tinyconfig` plus
# tests/kernel/debug-kernel.config (KASAN, lockdep, KFENCE, DEBUG_VM,
# DEBUG_SG, DMA_API_DEBUG, ... and only what the guest needs).
#
# Cached under $GRAB_CACHE (default /var/cache/grab-test) as
# debug-kernel-<source version>-<hash>/, the hash over the fragment's
# options and this script's commands (comments do not count):
# the whole built source tree, so it is both the boot image
# (arch/x86/boot/bzImage) and the KDIR that `make M=...` builds grab.ko
# against (.config, Module.symvers, include/generated, scripts).  A changed
# fragment, script or source package builds a new one; older ones are
# deleted.  The build runs in a temporary directory of the cache and is
# renamed into place when complete, under a lock, so two runs at once
# build it once and never see half a tree.  It is built in the source tree
# (not O=...) because an O= build dir names its source by absolute path
# and would not survive the rename.
#
# Prints the cache directory.  The build log is build.log inside it (or,
# while building, in the temporary directory; the path is printed).
# A first build takes long: README.md "Test tiers" says how long.
#
# usage: build-debug-kernel.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${GRAB_CACHE:-/var/cache/grab-test}
jobs=${GRAB_KERNEL_JOBS:-2}
fragment=$here/debug-kernel.config
tarball=/usr/src/linux-source-6.12.tar.xz
mkdir -p "$cache"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
if [ -z "$srcver" ] || [ ! -f "$tarball" ]; then
	echo "build-debug-kernel: linux-source-6.12 is not installed (tests/lib/install-deps.sh)" >&2
	exit 1
fi
key=$( {
	grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$fragment"
	grep -vE '^[[:space:]]*#' "$here/build-debug-kernel.sh"
	echo "$srcver"
} | sha256sum | cut -c1-12)
dir=$cache/debug-kernel-$srcver-$key
ready() { [ -f "$dir/arch/x86/boot/bzImage" ] && [ -f "$dir/Module.symvers" ]; }
if ready; then
	echo "$dir"
	exit 0
fi

# One builder at a time: a second run waits, then finds the cache.
exec 9>"$cache/debug-kernel.lock"
flock 9
if ready; then
	echo "$dir"
	exit 0
fi

work=$(mktemp -d "$cache/debug-kernel-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/build.log
echo "build-debug-kernel: building $srcver (log: $log)" >&2
start=$(date +%s)
tar -C "$work" -xf "$tarball"
src=$work/linux-source-6.12
{
	make -C "$src" ARCH=x86_64 tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment"
	make -C "$src" ARCH=x86_64 olddefconfig
} >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }

# Every option of the fragment must have stuck: Kconfig silently drops one
# whose dependencies are missing.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	opt=${want#\# }
	opt=${opt%%[= ]*}
	have=$(grep -E "^(# )?${opt}[= ]" "$src/.config" || echo "# $opt is not set")
	if [ "$have" != "$want" ]; then
		echo "build-debug-kernel: $fragment asks '$want', .config has '$have'" >&2
		bad=1
	fi
done <"$fragment"
[ $bad -eq 0 ] || exit 1

if ! nice -n 10 make -C "$src" ARCH=x86_64 -j"$jobs" all >>"$log" 2>&1; then
	cp "$log" "$cache/debug-kernel-failed.log"
	echo "build-debug-kernel: the build failed; last lines of $cache/debug-kernel-failed.log:" >&2
	tail -30 "$log" >&2
	exit 1
fi
echo "build-debug-kernel: built in $(( $(date +%s) - start )) s" | tee -a "$log" >&2
mv "$log" "$src/build.log"
mv "$src" "$dir"
rm -rf "$work"
trap - EXIT
# Debug kernels of another fragment or source are of no further use.
find "$cache" -maxdepth 1 -name 'debug-kernel-*' -type d ! -path "$dir" \
	! -name 'debug-kernel-build.*' -exec rm -rf {} +
echo "$dir"
