#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench: grabberd and its peers side by side in one run.
#
#   make bench                         everything (about 5 minutes on 2 cores)
#   BENCH_SECS=2 BENCH_REPEATS=1 make bench        a quick look
#   BENCH_ONLY='grab-1080p|memsink' make bench     some scenarios (a regex)
#
# Installs what it needs (tests/lib/install-deps.sh), builds, runs the
# scenarios of tests/bench/bench.py, then the JPEG encoder figures
# (tests/bench/jpeg.sh).  Writes bench/results.json, bench/table.txt and
# bench/latency-cdf.png.  A missed goal is printed, never a failure; the
# exit status is non-zero only when a scenario could not run at all.
set -eu
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}

bash tests/lib/install-deps.sh
make --no-print-directory -s build-all >/dev/null

start=$(date +%s)
status=0
python3 tests/bench/bench.py || status=$?
if [ -z "${BENCH_ONLY:-}" ]; then
	echo
	bash tests/bench/jpeg.sh 1 || status=$?
fi
echo
echo "make bench: done in $(($(date +%s) - start)) s (status $status)"
exit $status
