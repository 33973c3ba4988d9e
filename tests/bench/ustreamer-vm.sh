#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# µStreamer beside grabberd on the kernel's vivid camera, inside the
# system-test VM (the only place here with a V4L2 device): the same
# geometry and rate, 4 shared-memory readers each.  Under emulation only the
# ratio between the two means anything.  Prints both and a line
#   CPU per delivered frame ustreamer / grabberd: R.RRx
# usage: ustreamer-vm.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
build=${BUILD:-build}
. tests/system/vm.sh

mapfile -t installed < <(vm_kernels)
kver=
for v in "${installed[@]}"; do case "$v" in 6.1.*) kver=$v ;; esac; done
[ -n "$kver" ] || { echo "ustreamer-vm: no 6.1 kernel with headers and image" >&2; exit 1; }
image=$(tests/system/build-image.sh "${installed[@]}") || exit 1
payload=$(mktemp -d "${TMPDIR:-/tmp}/grab-ustreamer.XXXXXX")
trap 'rm -rf "$payload"; vm_cleanup' EXIT
printf 'SECS=%s\n' "${1:-15}" >"$payload/checks.env"
vm_payload "$kver" "$payload" tests/bench/ustreamer-guest.sh || exit 1
# guest.sh sources checks.sh; give it the duration first.
cat "$payload/checks.env" "$payload/checks.sh" >"$payload/checks.tmp" && mv "$payload/checks.tmp" "$payload/checks.sh"
vm_boot "$kver" "$image" "$payload" 600
status=$?
tr -d '\r' <"$payload/serial.log" | grep -aE '^(BENCH|not ok|# ustreamer)' | tee "$payload/bench.txt"
[ "$status" -eq 1 ] || { echo "ustreamer-vm: the guest failed (qemu status $status)" >&2; exit 1; }
awk '
/^BENCH/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	per[v["name"]] = v["frames"] ? v["producer_ms"] * 1000 / v["frames"] : 0
	printf "%-10s producer %6d ms CPU for %6d frames delivered to %d readers: %8.1f us per frame\n",
		v["name"], v["producer_ms"], v["frames"], v["readers"], per[v["name"]]
}
END {
	if (per["grabberd"] > 0 && per["ustreamer"] > 0)
		printf "CPU per delivered frame ustreamer / grabberd: %.2fx\n", per["ustreamer"] / per["grabberd"]
	else
		print "CPU per delivered frame ustreamer / grabberd: n/a"
}' "$payload/bench.txt"
