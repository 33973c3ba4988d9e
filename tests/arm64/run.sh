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
#     (tests/kernel/guest-init.sh) with the TAP lines on a virtio console;
#  6. the arm64 Debian packages (make deb-arm64): built, aarch64 inside,
#     Depends naming the arm64 libraries (not rebuilt for an unchanged tree).
#
# Caches under /var/cache/grab-test (sysroot, kernels) make a second run
# download nothing; build-arm64/ keeps the cross build and each kernel's
# grab.ko build with its compiler and sparse logs, keyed by a hash of what
# goes in (sources, headers, tools), so a second run rebuilds only what
# changed.  What does not depend on each other runs at once: the guests
# (one after the other), TSan and the packages in the background, the
# qemu-user legs in front, two unit tests at a time; their TAP is printed
# in a fixed order.  TAP on
# stdout; "# " lines carry the figures.
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

require ${cross}gcc ${cross}strip ${cross}readelf $qemu_user qemu-system-aarch64 clang \
	sparse cpio gzip make dpkg-deb apt-get dpkg-buildpackage dh file xargs git
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
# Two at a time (most are one thread, some wait on timers); each test's
# output in its own file, reported in name order.
unit_one() { # test-program
	local name
	name=$(basename "$1")
	"$qemu_user" -L "$sysroot" "$1" >"$tmp/$name.out" 2>&1
	echo $? >"$tmp/$name.status"
}
export -f unit_one
export qemu_user sysroot tmp
run_units() {
	local s t name
	s=$(date +%s)
	# The slowest (the contention test's 6 spinning threads) first.
	for t in "$build"/tests/unit/test-*; do [ -x "$t" ] && echo "$t"; done | awk '{ print (/contention/ ? 0 : 1), $0 }' |
		sort -k1,1n -k2 | cut -d' ' -f2- | xargs -d '\n' -n 1 -P 2 bash -c 'unit_one "$0"'
	for t in "$build"/tests/unit/test-*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		# Each TAP line, named as the arm64 run of that test.
		sed -nE "s/^(not ok|ok)( [0-9]+)? - (.*)$/\1 - arm64 $name: \3/p; s/^# (.*)$/# arm64 $name: \1/p" \
			"$tmp/$name.out"
		grep -q '^not ok' "$tmp/$name.out" && failed=1
		result "arm64 $name exits 0 under qemu-user" "$(cat "$tmp/$name.status" 2>/dev/null || echo 1)" \
			"$tmp/$name.out"
	done
	note "unit tests under qemu-user: $(secs "$s") s"
}

# --- 3. arm64 grabberd serving arm64 clients ----------------------------------
run_smoke() {
	local W=320 H=240 sock=$tmp/grabberd.sock up size status res frames bad daemon
	# qemu itself in the background (not a subshell): SIGTERM must reach
	# grabberd.  --http on a kernel-picked port: 8080 may be taken.
	"$qemu_user" -L "$sysroot" "$build/grabberd" --socket "$sock" --http 127.0.0.1:0 \
		--width $W --height $H --format YUYV --fps 30 --slots 8 >"$tmp/grabberd.log" 2>&1 &
	daemon=$!
	pids+=("$daemon")
	up=1
	for _ in $(seq 200); do
		[ -S "$sock" ] && { up=0; break; }
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	result "arm64 grabberd (test: source, ${W}x$H YUYV) serves on a private socket under qemu-user" \
		$up "$tmp/grabberd.log"
	[ $up -eq 0 ] || return 0
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
	kill -TERM "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
	result "arm64 grabberd exits 0 on SIGTERM" $? "$tmp/grabberd.log"
}

# --- 4. ThreadSanitizer on the ring contention test ---------------------------
start_tsan() {
	local tsan=$tmp/test-ring-contention-tsan
	clang -std=gnu11 -g -O1 -fsanitize=thread -D_GNU_SOURCE -Ikernel/uapi -Ikernel \
		-Icommon -Iclient-lib/include -o "$tsan" tests/unit/test-ring-contention.c \
		common/grab-ring.c kernel/grab-pattern.c -lpthread >"$tmp/tsan-build.log" 2>&1
	echo $? >"$tmp/tsan-build.status"
	[ -x "$tsan" ] || return 0
	# No suppressions: the payload read, the seqlock's one intentional
	# race, is annotated in the test itself; any other race fails.
	local s
	s=$(date +%s)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" nice -n 5 "$tsan" >"$tmp/tsan.log" 2>&1
	echo "exit=$? secs=$(secs "$s")" >"$tmp/tsan.status"
}

tsan_report() {
	local st
	result "ring contention test builds with clang -fsanitize=thread" \
		"$(cat "$tmp/tsan-build.status" 2>/dev/null || echo 1)" "$tmp/tsan-build.log"
	[ -f "$tmp/tsan.status" ] || return 0
	st=$(sed -n 's/^exit=\([0-9]*\).*/\1/p' "$tmp/tsan.status")
	note "ThreadSanitizer run: $(sed -n 's/.*secs=//p' "$tmp/tsan.status") s"
	sed -nE 's/^# (.*)$/# tsan: \1/p; s/^(ok|not ok) ([0-9]+ )?- (.*)$/# tsan: \1 - \3/p' "$tmp/tsan.log"
	grep -A12 'WARNING: ThreadSanitizer' "$tmp/tsan.log" | sed 's/^/# tsan: /'
	grep -q 'WARNING: ThreadSanitizer' "$tmp/tsan.log" && st=66
	grep -q '^not ok' "$tmp/tsan.log" && st=1
	result "ring contention under ThreadSanitizer: every check passes, no data race beyond the annotated payload read" \
		"${st:-1}" "$tmp/tsan.log"
}

# --- 5. grab.ko on Debian's arm64 kernels under qemu-system-aarch64 -----------
# grab.ko built with W=1, then sparse over every file (C=2), so a failure
# says which one spoke.  Kept in $kb/src with both logs under a key of
# everything that goes in: an unchanged module is not rebuilt.
module_build() { # kb kdir ver
	local kb=$1 kdir=$2 ver=$3 key status f
	key=$( (echo "$kdir $ver"; ${cross}gcc --version; sparse --version 2>&1
		for f in kernel/Kbuild kernel/Makefile kernel/*.[ch] $(find kernel/uapi -type f | sort); do
			echo "== $f"; cat "$f"
		done) | sha256sum | cut -c1-16)
	if [ "$(cat "$kb/key" 2>/dev/null)" = "$key" ] && [ -f "$kb/src/grab.ko" ]; then
		note "$ver: grab.ko and its W=1 and sparse logs are this tree's (build key $key): not rebuilt"
	else
		rm -rf "$kb/src" "$kb/key"
		mkdir -p "$kb/src"
		cp kernel/Kbuild kernel/Makefile kernel/*.c kernel/*.h "$kb/src/"
		cp -r kernel/uapi "$kb/src/"
		kmake() { nice -n 10 make -j2 -C "$kb/src" KDIR="$kdir/headers" ARCH=arm64 CROSS_COMPILE=$cross "$@"; }
		kmake W=1 >"$kb/build.log" 2>&1
		echo $? >"$kb/build.status"
		if [ -f "$kb/src/grab.ko" ]; then
			kmake W=1 C=2 >"$kb/sparse.log" 2>&1
			echo $? >"$kb/sparse.status"
			echo "$key" >"$kb/key"
		fi
	fi
	if [ "$(cat "$kb/build.status")" -ne 0 ] || [ ! -f "$kb/src/grab.ko" ]; then
		result "$ver: grab.ko cross-builds" 1 "$kb/build.log"
		return 1
	fi
	file -b "$kb/src/grab.ko" | grep -q 'ARM aarch64'
	result "$ver: grab.ko is an arm64 object" $? "$kb/build.log"
	grep -Ei 'warning|error' "$kb/build.log" | grep -v 'Skipping BTF' >"$kb/warnings.log"
	result "$ver: grab.ko cross-builds with W=1 and no compiler warning" \
		"$([ ! -s "$kb/warnings.log" ]; echo $?)" "$kb/warnings.log"
	status=$(cat "$kb/sparse.status")
	grep -Ei 'warning|error' "$kb/sparse.log" | grep -v 'Skipping BTF' >"$kb/sparse-warnings.log"
	result "$ver: sparse (C=1, --arch=arm64) has no warning on grab.ko's sources" \
		"$([ "$status" -eq 0 ] && [ ! -s "$kb/sparse-warnings.log" ]; echo $?)" "$kb/sparse-warnings.log"
}

# One kernel: fetch, build, boot, report; TAP on stdout.
kernel_leg() { # series
	local series=$1 s kdir ver kb append status ms why
	s=$(date +%s)
	kdir=$(bash tests/arm64/fetch.sh kernel "$series" 2>"$tmp/kernel-$series.err")
	if [ -z "$kdir" ] || [ ! -f "$kdir/.complete" ]; then
		result "Debian arm64 $series kernel and headers are cached (tests/arm64/fetch.sh kernel $series)" \
			1 "$tmp/kernel-$series.err"
		return
	fi
	ver=$(cat "$kdir/release")
	note "$ver: kernel and headers in $kdir ($(secs "$s") s)"
	kb=$out/kernel-$ver
	mkdir -p "$kb"
	s=$(date +%s)
	module_build "$kb" "$kdir" "$ver" || return
	note "$ver: module build $(secs "$s") s"

	rm -rf "$kb/root"
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
}

# --- 6. the arm64 Debian packages ---------------------------------------------
# make deb-arm64: dpkg-buildpackage -a arm64 -B -d with the sysroot (README,
# tests/arm64/cross.mk).  Every ELF file each package holds (the archive's
# members included) must be aarch64, and the Depends must name the arm64
# libraries' packages as a native build would (the sysroot's dpkg database).
deb_leg() {
	local s status p deb x n bad elf key
	s=$(date +%s)
	# The packages of this very tree (every file make deb copies), this
	# sysroot and compiler are not built again.
	key=$( (echo "$sysroot"; ${cross}gcc --version; dpkg-buildpackage --version | head -1
		git ls-files -co --exclude-standard -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
	if [ "$(cat "$build/deb/.key" 2>/dev/null)" = "$key" ] &&
		ls "$build"/deb/grabberd_*_arm64.deb >/dev/null 2>&1; then
		note "arm64 packages: this tree's (key $key), not rebuilt"
		status=0
		: >"$tmp/deb.log"
	else
		nice -n 10 make --no-print-directory BUILD="$build" deb-arm64 >"$tmp/deb.log" 2>&1
		status=$?
		[ $status -ne 0 ] || echo "$key" >"$build/deb/.key"
	fi
	{ tail -20 "$tmp/deb.log"; tail -20 "$build/deb-src/build.log"; } >"$tmp/deb-tail.log" 2>/dev/null
	result "arm64 Debian packages build (make deb-arm64: dpkg-buildpackage -a arm64 -B -d)" $status \
		"$tmp/deb-tail.log"
	note "arm64 packages: $(secs "$s") s"
	[ $status -eq 0 ] || return
	for p in grabberd libgrab1 libgrab-dev grab-tools; do
		deb=$(ls "$build"/deb/"${p}"_*_arm64.deb 2>/dev/null | head -1)
		x=$tmp/deb-$p
		rm -rf "$x"
		if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$x"; then
			result "arm64 package $p is built" 1
			continue
		fi
		n=0 bad=0
		while IFS= read -r -d '' elf; do
			case "$(file -b "$elf")" in
			*ELF*'ARM aarch64'*) n=$((n + 1)) ;;
			*ELF*) bad=$((bad + 1)); note "$p: $elf is not aarch64: $(file -b "$elf")" ;;
			*'ar archive'*)
				if ${cross}readelf -h "$elf" | grep 'Machine:' | grep -qv AArch64; then
					bad=$((bad + 1)); note "$p: $elf has members that are not aarch64"
				else
					n=$((n + 1))
				fi
				;;
			esac
		done < <(find "$x" -type f -print0)
		result "arm64 package $p ($(dpkg-deb -f "$deb" Architecture)): $n ELF files or archives, all aarch64" \
			"$([ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] && [ $n -gt 0 ] && [ $bad -eq 0 ]; echo $?)"
	done
	deb=$(ls "$build"/deb/grabberd_*_arm64.deb 2>/dev/null | head -1)
	note "grabberd arm64 Depends: $(dpkg-deb -f "$deb" Depends)"
	t "arm64 grabberd's Depends name libc6, libevent and libturbojpeg (the sysroot's symbols files)" \
		sh -c "dpkg-deb -f '$deb' Depends | grep 'libc6 (>=' | grep 'libevent-2.1-7 (>=' | grep -q 'libturbojpeg0 (>='"
}

# --- the run: foreground the qemu-user legs, the rest behind -----------------
mkdir -p "$out"
${cross}gcc --sysroot="$sysroot" -static -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra \
	-Werror -Wno-unused-parameter -Ikernel/uapi -Ikernel -Icommon \
	-o "$out/grab-ktest" tests/kernel/grab-ktest.c common/grab-ring.c \
	kernel/grab-pattern.c -lpthread >"$tmp/ktest-build.log" 2>&1
result "arm64 static guest test programs build" $? "$tmp/ktest-build.log"

# The two guests one after the other: side by side (4 vCPUs on 2 cores,
# at load 25) the 6.1 guest's readers and poll tests, which expect a reader
# to keep pace with 15 fps on 5 slots, lost frames to a starved vCPU.
if [ -x "$out/grab-ktest" ]; then
	(for series in 6.1 6.12; do
		kernel_leg "$series" >"$tmp/leg-$series.tap" 2>&1
	done) &
	pids+=($!)
fi
start_tsan &
pids+=($!)
deb_leg >"$tmp/leg-deb.tap" 2>&1 &
pids+=($!)

run_units
run_smoke
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
for leg in 6.1 6.12 deb; do
	[ -f "$tmp/leg-$leg.tap" ] || continue
	cat "$tmp/leg-$leg.tap"
	grep -q '^not ok' "$tmp/leg-$leg.tap" && failed=1
done
tsan_report
note "arm64 tier: $(secs "$tier_start") s in all"
exit $failed
