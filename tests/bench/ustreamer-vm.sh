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
. tests/bench/vm-bench.sh

vm_bench_prepare ustreamer-vm tests/bench/ustreamer-guest.sh "SECS=${1:-15}" || exit 1
vm_bench_boot 600 '^(BENCH|not ok|# ustreamer)' || exit 1
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
