#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: MIT
#
# /init of the kernel tier's initramfs (see run.sh): loads grab.ko, runs
# the tests, writes TAP lines to the second serial port (/dev/ttyS1, kept
# apart from the kernel console on ttyS0), then leaves QEMU through
# isa-debug-exit: 0x10 (QEMU status 33) when every test passed, 0x11 not.
#
# run.sh boots each kernel up to three times.  grabtests=all (the default,
# from the kernel command line: an unknown parameter reaches init as an
# environment variable) runs every test, the edu device's with a 32-bit
# DMA mask (QEMU: -device edu,dma_mask=0xffffffff, a 1 GiB guest: no
# bounce buffers, no IOMMU).  grabtests=edu runs only the edu tests, at the
# device's default 28-bit mask, in the boots with swiotlb=force or the
# Intel IOMMU.  grabtests=noedu runs all but the edu tests (no edu device).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The simulator's produce hook lives in debugfs (grab/grabN/produce).
mount -t debugfs debugfs /sys/kernel/debug
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null

failed=0
tap() { # status name
	if [ "$1" -eq 0 ]; then
		echo "ok - $2" >&3
	else
		echo "not ok - $2" >&3
		failed=1
	fi
}
ktest() { # grab-ktest arguments; its TAP lines go to the TAP port
	/grab-ktest "$@" >&3 2>&1 || failed=1
}
# The debug kernel's checkers, at the end of a boot: still on (lockdep
# turns itself off after its first report, the DMA API debugger when it
# runs out of entries), silent, and used (they saw this boot's locks,
# allocations and DMA mappings).  Only kernels with lockdep have
# /proc/lockdep_stats.
checkers() {
	[ -r /proc/lockdep_stats ] || return 0
	v=$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)
	c=$(sed -n 's/^ *lock-classes: *//p' /proc/lockdep_stats)
	[ "$v" = 1 ]
	tap $? "lockdep still validating at the end (debug_locks $v, lock classes $c)"
	d=/sys/kernel/debug/dma-api
	v=$(cat $d/disabled) e=$(cat $d/error_count)
	used=$(($(cat $d/nr_total_entries) - $(cat $d/min_free_entries)))
	[ "$v" = N ] && [ "$e" = 0 ] && [ "$used" -gt 0 ]
	tap $? "DMA API debugging on, $e errors, up to $used mappings tracked at once"
	k=/sys/kernel/debug/kfence/stats
	v=$(sed -n 's/^enabled: //p' $k)
	a=$(sed -n 's/^total allocations: //p' $k)
	b=$(sed -n 's/^total bugs: //p' $k)
	[ "$v" = 1 ] && [ "$b" = 0 ] && [ "${a:-0}" -gt 0 ]
	tap $? "KFENCE on, $a allocations guarded, $b bugs"
}
leave() {
	checkers
	echo "# guest: $(cat /proc/uptime | cut -d' ' -f1) s since boot" >&3
	echo "GRAB-GUEST-DONE failed=$failed" >&3
	sync
	if [ "$failed" -eq 0 ]; then code='\020'; else code='\021'; fi
	printf "$code" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	echo "isa-debug-exit did not stop the guest" >&2
	poweroff -f
}

# Every module parameter is checked at load: insmod fails and the log names
# the bad value.
bad_param() { # "params" "expected log text"
	dmesg -c >/dev/null
	if insmod /grab.ko $1 2>/dev/null; then
		rmmod grab
		tap 1 "insmod $1 is refused"
		return
	fi
	dmesg | grep -q "grab: $2"
	tap $? "insmod $1 is refused, log says '$2'"
}
# The edu device (grab_edu.ko, a driver on grab.ko's core): frames written
# by its DMA engine into the ring, verified byte for byte; then unloaded
# while it streams.
edu_tests() { # dma_bits
	dmesg -c >/dev/null
	insmod /grab.ko devices=1
	tap $? "edu: insmod grab.ko devices=1 (the core, grab0 simulated)"
	insmod /grab_edu.ko dma_bits=$1
	tap $? "edu: insmod grab_edu.ko dma_bits=$1"
	edu=
	for d in /sys/class/grab/grab*; do
		[ "$(cat "$d/device/vendor" 2>/dev/null)" = 0x1234 ] &&
			[ "$(cat "$d/device/device" 2>/dev/null)" = 0x11e8 ] &&
			edu=${d##*/grab}
	done
	if [ -z "$edu" ]; then
		tap 1 "edu: a /dev/grabN whose parent is the edu PCI device"
		dmesg | sed 's/^/# /' | tail -20 >&3
		rmmod grab_edu
		rmmod grab
		return
	fi
	tap 0 "edu: /dev/grab$edu is the edu PCI device's"
	dmesg | grep -E 'grab[-_]edu.*edu [0-9]' | sed 's/^/# /' >&3
	ktest edu "$edu" ${GRAB_EDU_FRAMES:-8}
	dmesg | grep -E 'DMA transfers' | sed 's/^/# /' >&3
	ktest edu-rmmod "$edu"
	grep -q '^grab_edu ' /proc/modules
	tap $((!$?)) "edu: grab_edu is unloaded after the edu-rmmod test"
	rmmod grab
	tap $? "edu: rmmod grab after grab_edu"
}

if [ "${grabtests:-all}" = edu ]; then
	echo "# guest: edu tests only; $(cat /proc/cmdline)" >&3
	edu_tests 28
	# busybox's insmod retries a failed load once: a ring the DMA API
	# could not map shows only here.
	dmesg | grep -E 'WARNING:|BUG:|Oops|KFENCE|DMAR: \[|DMA-API: [^pd]|swiotlb buffer is full|setup failed' >/tmp/bad
	[ ! -s /tmp/bad ]
	tap $? "kernel log has no warning, BUG, oops, KFENCE, DMAR fault or DMA-API report"
	sed 's/^/# /' /tmp/bad | head -20 >&3
	leave
fi

edu_bad_param() { # "params" "expected log text"
	dmesg -c >/dev/null
	if insmod /grab_edu.ko $1 2>/dev/null; then
		rmmod grab_edu
		tap 1 "insmod grab_edu.ko $1 is refused"
		return
	fi
	dmesg | grep -q "grab_edu: $2"
	tap $? "insmod grab_edu.ko $1 is refused, log says '$2'"
}
# grabtests=noedu: a machine without the edu device (the arm64 tier's
# virt machine) runs everything else.
if [ "${grabtests:-all}" != noedu ]; then
	insmod /grab.ko
	edu_bad_param "chunk=4096" "chunk=4096 is out of range"
	edu_bad_param "chunk=0" "chunk=0 is out of range"
	edu_bad_param "dma_bits=65" "dma_bits=65 is out of range"
	edu_bad_param "format=MJPG" "format=MJPG is not one of"
	edu_bad_param "width=256 height=256" "width=256 height=256 format=YUYV is not a frame of at most 65536 bytes"
	rmmod grab
	edu_tests 32
fi

bad_param "devices=0" "devices=0 is out of range"
bad_param "devices=17" "devices=17 is out of range"
bad_param "slots=1" "slots=1 is out of range"
bad_param "slots=257" "slots=257 is out of range"
bad_param "width=8" "width=8 is out of range"
bad_param "height=9000" "height=9000 is out of range"
bad_param "width=321" "width=321 height=480 do not fit format=YUYV"
bad_param "format=NV12X" "format=NV12X is not one of YUYV, UYVY, NV12, YU12, RGB3, BGR3, GREY, Y16, RGGB, BA81, GRBG, GBRG, MJPG"
bad_param "format=MJPG" "format=MJPG is compressed; the simulator produces raw formats only"
bad_param "format=RGGB height=241" "width=640 height=241 do not fit format=RGGB"
bad_param "fps=0" "fps=0 is out of range"
bad_param "fps=1000" "fps=1000 is out of range"
bad_param "width=8192 height=8192 format=RGB3" "width=8192 height=8192 format=RGB3 slots=4 needs"
grep -q '^grab ' /proc/modules
tap $((!$?)) "no grab module left loaded by the refused loads"

# The main run: two devices with non-default parameters.
insmod /grab.ko devices=2 slots=5 width=320 height=240 format=YUYV fps=15
tap $? "insmod grab.ko devices=2 slots=5 width=320 height=240 format=YUYV fps=15"
ktest info 2 5 320 240 YUYV 15
ktest independent
ktest frames 0
ktest poll 0
ktest readers 0 4 4
ktest behind 0
ktest torn 1 3
ktest refuse 0
ktest perm 1
ktest fmtread 1
ktest sfmt-ro 1
ktest fuzz 0 ${GRAB_FUZZ_CALLS:-100000}
ktest rmmod
grep -q '^grab ' /proc/modules
tap $((!$?)) "grab is unloaded after the rmmod test"

# Frame pacing at 100 fps on small frames: the deviation of each interval
# from 10 ms, as notes (no pace is asserted under emulation).
insmod /grab.ko devices=1 slots=8 width=64 height=48 format=GREY fps=100
tap $? "insmod grab.ko fps=100 (jitter)"
ktest jitter 0 ${GRAB_JITTER_FRAMES:-300}
rmmod grab
tap $? "rmmod after the jitter run"

# Every raw format of the table (by name or alias), through the kernel
# ring: the device describes it (planes included) and 40 frames read
# through the mapping are the pattern byte for byte.
for f in YUYV UYVY NV12 YU12 RGB3 BGR24 GREY Y16 RGGB BA81 GRBG GBRG; do
	insmod /grab.ko devices=1 slots=4 width=64 height=48 format=$f
	tap $? "insmod grab.ko format=$f width=64 height=48"
	ktest info 1 4 64 48 $f 30
	ktest frames 0
	rmmod grab
	tap $? "rmmod after format=$f"
done

memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
# Free pages including those parked on per-cpu lists (kB).
allfree() {
	awk '$1 == "nr_free_pages" { s += $2 } $1 == "count:" { s += $2 }
	     END { print s * 4 }' /proc/zoneinfo
}
vmalloc() { sed -n 's/^VmallocUsed: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
settle() { sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1; }

# Stress on a load of its own: 8 threads for 30 s (GRAB_STRESS_SECS)
# mixing mmap/munmap, fork with the mapping live, madvise(MADV_DONTNEED)
# and touching again, read/poll, every ioctl, close/reopen, on a 640x480
# x 8 slot ring (4.8 MiB).  Free memory is sampled before the load and again after the
# load/unload cycles below: a ring or page reference leaked by any of it
# shows there.
settle
sfree0=$(memfree) sall0=$(allfree)
insmod /grab.ko devices=1 slots=8
tap $? "insmod grab.ko devices=1 slots=8 (stress)"
ktest stress 0 ${GRAB_STRESS_SECS:-30}
rmmod grab
tap $? "rmmod after the stress run"

# Load/unload cycles: each maps and faults in every ring page of two
# devices (2 x 8 slots of 640x480 YUYV, 4.8 MiB each) and produces frames.
# Free memory is sampled after 5 warm-up cycles (slab caches settle) and
# again after 45 more (GRAB_CYCLES, 50 in all; run.sh gives the debug
# kernel fewer).  MemFree alone swings by +-10 MiB between samples on
# 6.12: freed pages park on the per-cpu free lists, which MemFree does not
# count.  Counting them too (/proc/zoneinfo "count:"), runs drift by at most
# ~120 kB, so the tolerance is 1 MiB: a leaked ring or a leaked page
# reference per mapped page (>= 4.8 MiB a cycle, 216 MiB in all) fails by
# far, and so does any leak above 6 pages a cycle.
cycles=${GRAB_CYCLES:-50}
cycles_ok=0
i=0
while [ $i -lt "$cycles" ]; do
	if [ $i -eq 5 ]; then
		settle
		free0=$(memfree) vm0=$(vmalloc) all0=$(allfree)
	fi
	insmod /grab.ko devices=2 slots=8 || { cycles_ok=1; break; }
	/grab-ktest touch 0 && /grab-ktest touch 1 || { cycles_ok=1; break; }
	rmmod grab || { cycles_ok=1; break; }
	i=$((i + 1))
done
tap $cycles_ok "$cycles load/map/produce/unload cycles ($i done)"
settle
free1=$(memfree) vm1=$(vmalloc) all1=$(allfree)
echo "# MemFree $free0 -> $free1 kB, free incl. per-cpu lists $all0 -> $all1 kB" >&3
# KASAN (the debug kernel) holds freed slab objects in a quarantine of up
# to 1/32 of memory before they are reused, so free memory there swings
# more: run.sh gives it GRAB_MEM_SLACK_KB=4096 (still well under one
# leaked ring).
slack=${GRAB_MEM_SLACK_KB:-1024}
delta=$((all0 - all1))
[ "$delta" -lt "$slack" ]
tap $? "free memory after $((cycles - 5)) more cycles within $slack kB: $all0 -> $all1 kB (lost $delta kB)"
echo "# before stress -> after stress and $cycles cycles: MemFree $sfree0 -> $free1 kB, free incl. per-cpu lists $sall0 -> $all1 kB" >&3
sdelta=$((sall0 - all1))
[ "$sdelta" -lt "$slack" ]
tap $? "free memory after the stress run and $cycles cycles within $slack kB of before the stress: $sall0 -> $all1 kB (lost $sdelta kB)"
[ $((vm1 - vm0)) -lt 1024 ]
tap $? "VmallocUsed back: $vm0 -> $vm1 kB"

# Nothing may have warned; panic_on_warn would have stopped us, but a
# pr_err or a KFENCE report would not.
dmesg | grep -E 'WARNING:|BUG:|Oops|KFENCE|general protection|list_(add|del) corruption' >/tmp/bad
[ ! -s /tmp/bad ]
tap $? "kernel log has no warning, BUG, oops or KFENCE report"
sed 's/^/# /' /tmp/bad | head -20 >&3
leave
