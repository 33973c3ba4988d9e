#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Sanitize tier: the project built with clang's AddressSanitizer and
# UndefinedBehaviorSanitizer into a separate build directory ($BUILD/asan),
# then the unit and integration tiers run against that build.  Their TAP
# lines come out prefixed "asan: ".  Every process started (daemons, libgrab
# clients, grab-capture, unit tests) halts on the first error, and each
# report goes to a file in one directory: any report at all, including a
# leak found when a daemon exits on SIGTERM, is a failed test naming it.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
abuild=${SANITIZE_BUILD:-$build/asan}
flags="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
reports=$(mktemp -d /tmp/grab-sanitize.XXXXXX)
trap 'rm -rf "$reports"' EXIT
# Processes run as another user (the access tests) write here too.
chmod 1777 "$reports"
ulimit -c 0

failed=0
start=$(date +%s)
if make --no-print-directory -j2 BUILD="$abuild" CC=clang CFLAGS="$flags" \
	LDFLAGS= build-all >"$reports/build.log" 2>&1; then
	echo "ok - asan: the project builds with $flags ($(($(date +%s) - start)) s, into $abuild)"
else
	echo "not ok - asan: the project builds with $flags"
	grep -E 'error|Error' "$reports/build.log" | head -20 | sed 's/^/# /'
	exit 1
fi
rm -f "$reports/build.log"

# detect_leaks: LeakSanitizer at every exit.  abort_on_error: a report
# kills the process with SIGABRT, which no test takes for success.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$reports/asan:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="exitcode=23"
# The tiers may want to know (more time, never less checking).
export GRAB_SANITIZE=1

# report_check WHAT: one test, "no sanitizer report"; prints the reports.
report_check() {
	local files
	files=$(find "$reports" -maxdepth 1 -type f \( -name 'asan.*' -o -name 'ubsan.*' \) | sort)
	if [ -z "$files" ]; then
		echo "ok - asan: $1: no AddressSanitizer, LeakSanitizer or UBSan report from any process"
		return
	fi
	echo "not ok - asan: $1: sanitizer reports from $(wc -l <<<"$files") process(es)"
	failed=1
	local f
	for f in $files; do
		echo "# --- $(basename "$f")"
		grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|SUMMARY|^    #[0-9]' "$f" |
			head -25 | sed 's/^/#   /'
		mkdir -p "$abuild/sanitizer-reports"
		cp "$f" "$abuild/sanitizer-reports/"
	done
	rm -f $files
}

for tier in unit integration; do
	t0=$(date +%s)
	BUILD="$abuild" bash "tests/$tier/run.sh" >"$reports/$tier.out" 2>&1
	status=$?
	sed -E -e 's/^ok - /ok - asan: /' -e 's/^not ok - /not ok - asan: /' \
		-e 's/^(ok|not ok) ([0-9]+) - /\1 - asan: /' "$reports/$tier.out"
	if grep -q '^not ok' "$reports/$tier.out"; then
		failed=1
	elif [ "$status" -ne 0 ]; then
		echo "not ok - asan: the $tier tier exited with status $status"
		failed=1
	fi
	echo "# asan: $tier tier took $(($(date +%s) - t0)) s"
	report_check "$tier tier"
done

# grabberd's busy life, then SIGTERM so that LeakSanitizer looks at
# everything it allocated (the integration tier SIGKILLs some daemons).
PREFIX="asan: " SLOW=2 bash tests/lib/daemon-workout.sh "$abuild" "$reports/workout" \
	>"$reports/workout.out" 2>&1
status=$?
cat "$reports/workout.out"
if grep -qE 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' "$reports/workout/grabberd.log"; then
	echo "not ok - asan: workout: grabberd's log holds a sanitizer report"
	grep -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer|SUMMARY' \
		"$reports/workout/grabberd.log" | head -10 | sed 's/^/#   /'
	failed=1
elif [ "$status" -ne 0 ] && ! grep -q '^not ok' "$reports/workout.out"; then
	echo "not ok - asan: workout exited with status $status"
	failed=1
fi
grep -q '^not ok' "$reports/workout.out" && failed=1
report_check "grabberd workout (clients, grab-capture, HTTP, SIGHUP, SIGTERM)"

exit $failed
