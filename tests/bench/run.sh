#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench: grabberd and its peers side by side in one run.
#
#   make bench                         everything (under 20 minutes on 2 cores)
#   BENCH_SECS=2 BENCH_REPEATS=1 make bench        a quick look
#   BENCH_ONLY='grab-1080p|memsink' make bench     some scenarios (a regex)
#   BENCH_USTREAMER=0 make bench       without the uStreamer VM (2.5 minutes)
#   BENCH_MJPEG=0 make bench           without the MJPEG-camera VM
#   BENCH_GRABBERD=... BENCH_GRABBERD_DMA=...      measure another build of
#                                      grabberd (a prototype) against the floor
#
# Installs what it needs (tests/lib/install-deps.sh), builds, runs the
# scenarios of tests/bench/bench.py, then the JPEG encoder figures
# (tests/bench/jpeg.sh).  Writes build/bench/: results.json, table.txt,
# latency-cdf.png (1080p60 fan-out), latency-cdf-all.png (every scenario
# over its floor), cpu-vs-clients.png/.svg.  Every goal is a ratio to a
# reference measured in the same run; a missed goal is printed, never a
# failure; the exit status is non-zero only when a scenario could not run.
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
