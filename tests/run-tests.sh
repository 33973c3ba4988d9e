#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# grab's test runner: runs every tier present under tests/ in order and ends
# with one line "N passed, N failed" (", N skipped" when there are skips).
#
# A tier is tests/<tier>/run.sh.  It prints TAP lines ("ok ..." / "not ok
# ...", "# SKIP" directives) and exits non-zero on failure.  A tier that exits
# non-zero without a failing line, or that runs no test at all, counts as one
# failure: a tier that cannot run is a failure, never a silent skip.
#
# TIERS="unit integration" make check   runs only those tiers.
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

passed=0 failed=0 skipped=0
for tier in "${tiers[@]}"; do
	script=tests/$tier/run.sh
	[ -f "$script" ] || continue
	log=$logdir/$tier.log
	echo "=== tier: $tier (log: $log)"
	start=$(date +%s)
	bash "$script" 2>&1 | tee "$log" | grep -E '^(not ok|ok)|^# ' | grep -vE '^ok .*' || true
	status=${PIPESTATUS[0]}
	p=$(grep -cE '^ok ' "$log" | tr -d ' ')
	s=$(grep -E '^ok ' "$log" | grep -ciE '# *skip' | tr -d ' ')
	f=$(grep -cE '^not ok ' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - tier $tier exited with status $status and no failing test (see $log)"
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "not ok - tier $tier ran no test (see $log)"
		f=1
	fi
	echo "=== tier $tier: $p passed, $f failed, $s skipped in $(($(date +%s) - start)) s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
