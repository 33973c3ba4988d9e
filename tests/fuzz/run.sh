#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz tier: every libFuzzer target (tests/fuzz/fuzz-*.c, built with ASan
# and UBSan) replays its committed corpus, tests/fuzz/corpus/<target>/: the
# seeds and every input that once found a bug.  One TAP line per target.
# (make fuzz does the fuzzing itself.)
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
dir=$build/fuzz
tmp=$(mktemp -d /tmp/grab-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! make --no-print-directory -s BUILD="$build" fuzz-build >"$tmp/build.log" 2>&1; then
	echo "not ok - the fuzz targets build (clang, libclang-rt-14-dev)"
	sed 's/^/# /' "$tmp/build.log" | tail -20
	exit 1
fi

failed=0
for src in tests/fuzz/fuzz-*.c; do
	t=$(basename "$src" .c)
	corpus=tests/fuzz/corpus/$t
	n=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "not ok - $t: has a seed corpus ($corpus)"
		failed=1
		continue
	fi
	# -runs=0: run every input once, fuzz nothing.
	if "$dir/$t" -runs=0 -artifact_prefix="$tmp/" "$corpus" >"$tmp/$t.log" 2>&1 &&
	   grep -q "Done .* runs" "$tmp/$t.log"; then
		echo "ok - $t: $n corpus inputs replayed, no crash, no leak, no sanitizer report"
	else
		echo "not ok - $t: corpus replay"
		grep -E 'ERROR|SUMMARY|runtime error|invariant failed|Test unit written' \
			"$tmp/$t.log" | head -8 | sed 's/^/# /'
		failed=1
	fi
done
exit $failed
