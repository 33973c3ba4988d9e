# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# Sourced by the benchmarks that run in the system-test VM (ustreamer-vm.sh,
# mjpeg-vm.sh): the only place here with V4L2 devices.  Each prepares the
# share, may add to it, boots, and reads its BENCH lines:
#
#   vm_bench_prepare NAME GUEST_CHECKS VAR=VALUE...
#       the 6.1 guest's kernel, the image and $payload (removed at exit),
#       GUEST_CHECKS as the guest's checks, the variables set before them
#   vm_bench_boot TIMEOUT PATTERN
#       boot; the serial lines matching PATTERN into $payload/bench.txt and
#       on stdout; non-zero when the guest failed
#
# Callers set $top and $build, as for tests/system/vm.sh, and run from $top.
. tests/system/vm.sh

vm_bench_name=
vm_bench_kver=
vm_bench_image=
payload=

vm_bench_prepare() {
	local name=$1 checks=$2 v installed
	shift 2
	vm_bench_name=$name
	mapfile -t installed < <(vm_kernels)
	for v in "${installed[@]}"; do case "$v" in 6.1.*) vm_bench_kver=$v ;; esac; done
	[ -n "$vm_bench_kver" ] || { echo "$name: no 6.1 kernel with headers and image" >&2; return 1; }
	vm_bench_image=$(tests/system/build-image.sh "${installed[@]}") || return 1
	payload=$(mktemp -d "${TMPDIR:-/tmp}/grab-$name.XXXXXX") || return 1
	trap 'rm -rf "$payload"; vm_cleanup' EXIT
	vm_payload "$vm_bench_kver" "$payload" "$checks" || return 1
	# guest.sh sources checks.sh: its variables go first.
	{ printf '%s\n' "$@"; cat "$payload/checks.sh"; } >"$payload/checks.tmp" &&
		mv "$payload/checks.tmp" "$payload/checks.sh"
}

vm_bench_boot() {
	local limit=$1 pattern=$2 status
	vm_boot "$vm_bench_kver" "$vm_bench_image" "$payload" "$limit"
	status=$?
	tr -d '\r' <"$payload/serial.log" | grep -aE "$pattern" | tee "$payload/bench.txt"
	[ "$status" -eq 1 ] || { echo "$vm_bench_name: the guest failed (qemu status $status)" >&2; return 1; }
}
