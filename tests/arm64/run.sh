#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# arm64 tier: grab built for arm64 and run on arm64, emulated.
#
#  1. user space cross-built (make CROSS=aarch64-linux-gnu-) into
#     build-arm64/ from the cached sysroot (tests/arm64/fetch.sh), no
#     warnings;
#  2. every unit test program under qemu-user (qemu-aarch64-static -L
#     sysroot; no binfmt needed);
#  3. an arm64 grabberd (test: source) serving an arm64 grab-capture and an
#     arm64 libgrab client under qemu-user, the frames verified byte for
#     byte by the arm64 verify-frames and by the host's;
#  4. the ring contention test under ThreadSanitizer (host, clang): the C11
#     memory model checked independently of x86's strong ordering;
#  5. per Debian arm64 kernel (6.1, 6.12): grab.ko cross-built with W=1 C=1
#     against the unpacked headers, no warnings; booted under
#     qemu-system-aarch64 (virt, TCG) running the kernel tier's guest tests
#     (tests/kernel/guest-init.sh) with the TAP lines on a virtio console.
#
# Caches under /var/cache/grab-test (sysroot, kernels) make a second run
# download nothing.  TAP on stdout; "# " lines carry the figures.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh

build=${ARM64_BUILD:-build-arm64}
host_build=${BUILD:-build}
out=$build/arm64-tier
boot_timeout=${GRAB_KTEST_TIMEOUT:-600}
qemu_user=qemu-aarch64-static
cross=aarch64-linux-gnu-

tmp=$(mktemp -d /tmp/grab-arm64.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

require ${cross}gcc ${cross}strip $qemu_user qemu-system-aarch64 clang \
	sparse cpio gzip make dpkg-deb apt-get
tier_start=$(date +%s)
secs() { echo $(($(date +%s) - $1)); }

# --- 1. sysroot and cross build ----------------------------------------------
s=$(date +%s)
sysroot=$(bash tests/arm64/fetch.sh sysroot 2>"$tmp/sysroot.err")
result "arm64 sysroot of Debian -dev packages is cached (tests/arm64/fetch.sh sysroot)" \
	"$([ -n "$sysroot" ] && [ -f "$sysroot/.complete" ]; echo $?)" "$tmp/sysroot.err"
[ -n "$sysroot" ] || exit 1
note "sysroot $sysroot ($(secs "$s") s)"

s=$(date +%s)
nice -n 10 make --no-print-directory -j2 CROSS=$cross BUILD="$build" build-all \
	>"$tmp/cross-build.log" 2>&1
status=$?
result "user space cross-builds for arm64 (make CROSS=$cross BUILD=$build)" $status "$tmp/cross-build.log"
grep -iE 'warning:|error:' "$tmp/cross-build.log" >"$tmp/cross-warnings.log"
result "the arm64 user-space build has no warnings" "$([ ! -s "$tmp/cross-warnings.log" ]; echo $?)" \
	"$tmp/cross-warnings.log"
note "cross build: $(secs "$s") s"
[ $status -eq 0 ] || exit 1

arch_ok=0
for f in "$build/grabberd" "$build/grab-capture" "$build/libgrab.so.1" "$build"/tests/unit/test-*; do
	file -b "$f" | grep -q 'ARM aarch64' || { note "$f is not an arm64 ELF"; arch_ok=1; }
done
result "grabberd, grab-capture, libgrab.so.1 and the unit tests are arm64 ELF files" $arch_ok

run_arm64() { "$qemu_user" -L "$sysroot" "$@"; }

# --- 2. unit tests under qemu-user -------------------------------------------
s=$(date +%s)
for t in "$build"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	run_arm64 "$t" >"$tmp/$name.out" 2>&1
	status=$?
	# Each TAP line, named as the arm64 run of that test.
	sed -nE "s/^(not ok|ok)( [0-9]+)? - (.*)$/\1 - arm64 $name: \3/p; s/^# (.*)$/# arm64 $name: \1/p" \
		"$tmp/$name.out"
	grep -q '^not ok' "$tmp/$name.out" && failed=1
	result "arm64 $name exits 0 under qemu-user" $status "$tmp/$name.out"
done
note "unit tests under qemu-user: $(secs "$s") s"

# --- 3. arm64 grabberd serving arm64 clients ----------------------------------
W=320 H=240
sock=$tmp/grabberd.sock
# qemu itself in the background (not a function's subshell): SIGTERM must
# reach grabberd.  --http on a kernel-picked port: 8080 may be taken.
"$qemu_user" -L "$sysroot" "$build/grabberd" --socket "$sock" --http 127.0.0.1:0 \
	--width $W --height $H --format YUYV --fps 30 --slots 8 >"$tmp/grabberd.log" 2>&1 &
pids+=($!)
up=1
for _ in $(seq 200); do
	[ -S "$sock" ] && { up=0; break; }
	kill -0 "${pids[0]}" 2>/dev/null || break
	sleep 0.1
done
result "arm64 grabberd (test: source, ${W}x$H YUYV) serves on a private socket under qemu-user" \
	$up "$tmp/grabberd.log"
if [ $up -eq 0 ]; then
	run_arm64 "$build/grab-capture" -s "$sock" -n 30 -f raw -o "$tmp/frames.raw" \
		>"$tmp/capture.log" 2>&1
	result "arm64 grab-capture writes 30 raw frames" $? "$tmp/capture.log"
	size=$(stat -c %s "$tmp/frames.raw" 2>/dev/null || echo 0)
	t "30 frames of ${W}x$H YUYV: $((W * H * 2 * 30)) bytes ($size)" [ "$size" -eq $((W * H * 2 * 30)) ]
	run_arm64 "$build/tests/verify-frames" $W $H YUYV "$tmp/frames.raw" >"$tmp/verify-arm64.log" 2>&1
	result "arm64 verify-frames: every frame matches the pattern byte for byte" $? "$tmp/verify-arm64.log"
	note "arm64 verify-frames: $(cat "$tmp/verify-arm64.log")"
	if [ -x "$host_build/tests/verify-frames" ]; then
		"$host_build/tests/verify-frames" $W $H YUYV "$tmp/frames.raw" >"$tmp/verify-host.log" 2>&1
		result "host verify-frames agrees: the arm64 frames are the pattern" $? "$tmp/verify-host.log"
	else
		result "host verify-frames is built ($host_build/tests/verify-frames)" 1
	fi
	# libgrab.so (its rpath finds it under build-arm64/) in a client that
	# verifies every frame it is handed.
	run_arm64 "$build/tests/integration/grab-client" --socket "$sock" --seconds 3 \
		>"$tmp/client.log" 2>&1
	status=$?
	res=$(grep '^RESULT' "$tmp/client.log" | tail -1)
	note "arm64 grab-client: $res"
	frames=$(sed -n 's/^RESULT.* frames=\([0-9]*\).*/\1/p' "$tmp/client.log" | tail -1)
	bad=$(sed -n 's/^RESULT.* bad=\([0-9]*\).*/\1/p' "$tmp/client.log" | tail -1)
	result "arm64 libgrab client: frames for 3 s (${frames:-0}), every one verified, none bad" \
		"$([ $status -eq 0 ] && [ "${frames:-0}" -gt 0 ] && [ "${bad:-1}" -eq 0 ]; echo $?)" \
		"$tmp/client.log"
	kill -TERM "${pids[0]}" 2>/dev/null
	wait "${pids[0]}" 2>/dev/null
	result "arm64 grabberd exits 0 on SIGTERM" $? "$tmp/grabberd.log"
fi

# --- 4. ThreadSanitizer on the ring contention test (runs beside 5) -------
tsan=$tmp/test-ring-contention-tsan
clang -std=gnu11 -g -O1 -fsanitize=thread -D_GNU_SOURCE -Ikernel/uapi -Ikernel \
	-Icommon -Iclient-lib/include -o "$tsan" tests/unit/test-ring-contention.c \
	common/grab-ring.c kernel/grab-pattern.c -lpthread >"$tmp/tsan-build.log" 2>&1
result "ring contention test builds with clang -fsanitize=thread" $? "$tmp/tsan-build.log"
tsan_pid=
if [ -x "$tsan" ]; then
	# No suppressions: the payload read, the seqlock's one intentional
	# race, is annotated in the test itself; any other race fails.
	(
		s=$(date +%s)
		TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
			nice -n 5 "$tsan" >"$tmp/tsan.log" 2>&1
		echo "exit=$? secs=$(secs "$s")" >"$tmp/tsan.status"
	) &
	tsan_pid=$!
	pids+=("$tsan_pid")
fi

tsan_report() {
	[ -n "$tsan_pid" ] || return 0
	wait "$tsan_pid"
	local st
	st=$(sed -n 's/^exit=\([0-9]*\).*/\1/p' "$tmp/tsan.status" 2>/dev/null)
	note "ThreadSanitizer run: $(sed -n 's/.*secs=//p' "$tmp/tsan.status" 2>/dev/null) s"
	sed -nE 's/^# (.*)$/# tsan: \1/p; s/^(ok|not ok) ([0-9]+ )?- (.*)$/# tsan: \1 - \3/p' "$tmp/tsan.log"
	grep -A12 'WARNING: ThreadSanitizer' "$tmp/tsan.log" | sed 's/^/# tsan: /'
	grep -q 'WARNING: ThreadSanitizer' "$tmp/tsan.log" && st=66
	grep -q '^not ok' "$tmp/tsan.log" && st=1
	result "ring contention under ThreadSanitizer: every check passes, no data race beyond the annotated payload read" \
		"${st:-1}" "$tmp/tsan.log"
}

# --- 5. grab.ko on Debian's arm64 kernels under qemu-system-aarch64 -----------
mkdir -p "$out"
${cross}gcc --sysroot="$sysroot" -static -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra \
	-Werror -Wno-unused-parameter -Ikernel/uapi -Ikernel -Icommon \
	-o "$out/grab-ktest" tests/kernel/grab-ktest.c common/grab-ring.c \
	kernel/grab-pattern.c -lpthread >"$tmp/ktest-build.log" 2>&1
result "arm64 static guest test programs build" $? "$tmp/ktest-build.log"
[ -x "$out/grab-ktest" ] || { tsan_report; exit 1; }

for series in 6.1 6.12; do
	s=$(date +%s)
	kdir=$(bash tests/arm64/fetch.sh kernel $series 2>"$tmp/kernel-$series.err")
	if [ -z "$kdir" ] || [ ! -f "$kdir/.complete" ]; then
		result "Debian arm64 $series kernel and headers are cached (tests/arm64/fetch.sh kernel $series)" \
			1 "$tmp/kernel-$series.err"
		continue
	fi
	ver=$(cat "$kdir/release")
	note "$ver: kernel and headers in $kdir ($(secs "$s") s)"
	kb=$out/kernel-$ver
	rm -rf "$kb"
	mkdir -p "$kb/src" "$kb/root"
	cp kernel/Kbuild kernel/Makefile kernel/*.c kernel/*.h "$kb/src/"
	cp -r kernel/uapi "$kb/src/"
	s=$(date +%s)
	# The compiler (W=1) and sparse (C=2: every file checked again)
	# separately, so a failure says which one spoke.
	kmake() { nice -n 10 make -C "$kb/src" KDIR="$kdir/headers" ARCH=arm64 CROSS_COMPILE=$cross "$@"; }
	if kmake W=1 >"$kb/build.log" 2>&1 && [ -f "$kb/src/grab.ko" ]; then
		file -b "$kb/src/grab.ko" | grep -q 'ARM aarch64' ||
			echo "warning: grab.ko is not an arm64 object" >>"$kb/build.log"
		grep -Ei 'warning|error' "$kb/build.log" | grep -v 'Skipping BTF' >"$kb/warnings.log"
		result "$ver: grab.ko cross-builds with W=1 and no compiler warning" \
			"$([ ! -s "$kb/warnings.log" ]; echo $?)" "$kb/warnings.log"
	else
		result "$ver: grab.ko cross-builds" 1 "$kb/build.log"
		continue
	fi
	kmake W=1 C=2 >"$kb/sparse.log" 2>&1
	status=$?
	grep -Ei 'warning|error' "$kb/sparse.log" | grep -v 'Skipping BTF' >"$kb/sparse-warnings.log"
	result "$ver: sparse (C=1, --arch=arm64) has no warning on grab.ko's sources" \
		"$([ $status -eq 0 ] && [ ! -s "$kb/sparse-warnings.log" ]; echo $?)" "$kb/sparse-warnings.log"
	note "$ver: module build $(secs "$s") s"

	mkdir -p "$kb/root/bin" "$kb/root/proc" "$kb/root/sys" "$kb/root/dev" \
		"$kb/root/tmp" "$kb/root/modules"
	cp "$kdir/busybox" "$kb/root/bin/busybox"
	cp "$kdir"/modules/*.ko "$kb/root/modules/" 2>/dev/null
	cp tests/arm64/guest-init.sh "$kb/root/init"
	cp tests/kernel/guest-init.sh "$kb/root/guest-tests.sh"
	chmod 755 "$kb/root/init" "$kb/root/guest-tests.sh"
	${cross}strip --strip-debug -o "$kb/root/grab.ko" "$kb/src/grab.ko"
	cp "$out/grab-ktest" "$kb/root/grab-ktest"
	(cd "$kb/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$kb/initramfs.cpio.gz"

	append="console=ttyAMA0 panic=-1 panic_on_warn=1 oops=panic page_poison=1 init_on_free=1 slub_debug=FZPU grabtests=noedu"
	case "$ver" in 6.1.*) ;; *) append="$append kfence.sample_interval=100" ;; esac
	: >"$kb/tap.log"
	s=$(date +%s%N)
	timeout --foreground -k 10 "$boot_timeout" qemu-system-aarch64 \
		-M virt -cpu max,pauth-impdef=on -smp 2 -m 1G -nographic \
		-no-reboot -monitor none -serial stdio \
		-device virtio-serial-device \
		-chardev file,id=tap,path="$kb/tap.log" -device virtconsole,chardev=tap \
		-kernel "$kdir/vmlinuz" -initrd "$kb/initramfs.cpio.gz" \
		-append "$append" </dev/null >"$kb/console.log" 2>&1
	status=$?
	ms=$((($(date +%s%N) - s) / 1000000))
	note "$ver: arm64 boot and guest tests took $((ms / 1000)).$((ms % 1000 / 100)) s (QEMU status $status)"

	tr -d '\r' <"$kb/tap.log" | sed -nE \
		-e "s/^(not ok|ok)( [0-9]+)? - (.*)$/\1 - $ver: \3/p" \
		-e 's/^# (.*)$/# '"$ver"': \1/p'
	grep -aqE '^not ok' <(tr -d '\r' <"$kb/tap.log") && failed=1
	# poweroff -f leaves QEMU with status 0: the result is the guest's own.
	if [ $status -eq 0 ] && grep -aq 'GRAB-GUEST-DONE failed=0' "$kb/tap.log"; then
		result "$ver: arm64 guest ran every test and powered off" 0
	else
		why="exit status $status"
		[ $status -eq 124 ] && why="timed out after $boot_timeout s"
		grep -aq 'Kernel panic' "$kb/console.log" && why="kernel panic"
		grep -aq 'GRAB-GUEST-DONE failed=1' "$kb/tap.log" && why="a test failed"
		grep -aq 'GRAB-GUEST-DONE' "$kb/tap.log" || why="$why, no GRAB-GUEST-DONE line"
		tr -d '\r' <"$kb/console.log" | tail -40 >"$kb/console-tail.log"
		result "$ver: arm64 guest ran every test and powered off ($why)" 1 "$kb/console-tail.log"
	fi
done

tsan_report
note "arm64 tier: $(secs "$tier_start") s in all"
exit $failed
