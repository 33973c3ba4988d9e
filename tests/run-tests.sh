#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# grab's test runner: runs every tier present under tests/ and ends with one
# line "N passed, N failed" (", N skipped" when there are skips).
#
# A tier is tests/<tier>/run.sh.  It prints TAP lines ("ok ..." / "not ok
# ...", "# SKIP" directives) and exits non-zero on failure.  A tier that exits
# non-zero without a failing line, or that runs no test at all, counts as one
# failure: a tier that cannot run is a failure, never a silent skip.
#
# Lanes: most of the time goes to Linux guests under emulation (the kernel,
# arm64, system and packaging tiers), which wait on one core while the host
# tiers could use the other.  So the tiers run in three lanes side by side:
# the host tiers in order, kernel then arm64, system then packaging.  Every
# tier is built to hold beside a CPU hog, and the lanes are that hog for
# each other.  Each tier's lines are printed together when it ends, and the
# total counts every tier.
#
# TIERS="unit integration" make check   runs only those tiers.
# LANES=1 make check                    runs them one after another.
set -u
cd "$(dirname "$0")/.." || exit 1

# The order tiers run in; any other tests/<dir>/run.sh (but bench) runs after.
all_tiers=(unit style integration capture http python gst kernel arm64 system packaging fuzz)
for script in tests/*/run.sh; do
	tier=$(basename "$(dirname "$script")")
	case " ${all_tiers[*]} bench " in *" $tier "*) ;; *) all_tiers+=("$tier") ;; esac
done
read -r -a tiers <<<"${TIERS:-${all_tiers[*]}}"
logdir=${BUILD:-build}/test-logs
mkdir -p "$logdir"

# lane_of TIER: which lane runs it (with LANES=1, all in one).
lane_of() {
	[ "${LANES:-3}" = 1 ] && { echo 0; return; }
	case $1 in
	kernel | arm64) echo 1 ;;
	system | packaging) echo 2 ;;
	*) echo 0 ;;
	esac
}

# run_tier TIER: run it, keep its log, print its lines and its counts in one
# block (under a lock, so lanes do not interleave), and leave the counts in
# $logdir/TIER.counts for the total.
run_tier() {
	local tier=$1 script=tests/$1/run.sh log=$logdir/$1.log start status p s f out
	start=$(date +%s)
	bash "$script" >"$log" 2>&1
	status=$?
	p=$(grep -cE '^ok ' "$log" | tr -d ' ')
	s=$(grep -E '^ok ' "$log" | grep -ciE '# *skip' | tr -d ' ')
	f=$(grep -cE '^not ok ' "$log" | tr -d ' ')
	p=$((p - s))
	out=$(grep -E '^(not ok|ok)|^# ' "$log" | grep -vE '^ok .*')
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		out+=$'\n'"not ok - tier $tier exited with status $status and no failing test (see $log)"
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		out+=$'\n'"not ok - tier $tier ran no test (see $log)"
		f=1
	fi
	echo "$p $f $s" >"$logdir/$tier.counts"
	{
		flock 9
		echo "=== tier: $tier (log: $log)"
		[ -n "$out" ] && printf '%s\n' "$out"
		echo "=== tier $tier: $p passed, $f failed, $s skipped in $(($(date +%s) - start)) s"
	} 9>"$logdir/.print.lock"
}

lanes=()
for tier in "${tiers[@]}"; do
	[ -f "tests/$tier/run.sh" ] || continue
	rm -f "$logdir/$tier.counts"
	lane=$(lane_of "$tier")
	lanes[lane]+="$tier "
done
pids=()
for lane in "${!lanes[@]}"; do
	(for tier in ${lanes[lane]}; do run_tier "$tier"; done) &
	pids+=($!)
done
wait "${pids[@]}"

passed=0 failed=0 skipped=0
for tier in "${tiers[@]}"; do
	[ -f "tests/$tier/run.sh" ] || continue
	if ! read -r p f s <"$logdir/$tier.counts" 2>/dev/null; then
		echo "not ok - tier $tier left no result"
		p=0 f=1 s=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
