#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make fuzz: run each target for SECONDS on its committed corpus plus what
# earlier runs found ($BUILD/fuzz/corpus/<target>), one after the other, and
# print its executions and crashes.  Exits non-zero if any target crashed.
# Usage: fuzz.sh SECONDS FUZZ-DIR TARGET...
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=$1 dir=$2; shift 2
status=0
summary=()
for t in "$@"; do
	bin=$dir/$t
	work=$dir/corpus/$t
	crashes=$dir/crashes/$t
	log=$dir/$t.log
	mkdir -p "$work" "$crashes"
	touch "$dir/.start-$t"
	echo "== $t: $secs s (log: $log)"
	"$bin" -max_total_time="$secs" \
		-artifact_prefix="$crashes/" -print_final_stats=1 \
		"$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 </dev/null
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	ncrash=$(find "$crashes" -type f -newer "$dir/.start-$t" | wc -l)
	[ "$rc" -ne 0 ] && [ "$ncrash" -eq 0 ] && ncrash=1
	line=$(printf '%-12s %12s executions  %7s/s  coverage %5s  crashes %s' \
		"$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$ncrash")
	echo "$line"
	summary+=("$line")
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant failed)' "$log" | head -5
		find "$crashes" -type f -newer "$dir/.start-$t" | sed 's/^/  crash input: /'
	fi
done
echo "== make fuzz: $secs s per target"
printf '%s\n' "${summary[@]}"
exit $status
