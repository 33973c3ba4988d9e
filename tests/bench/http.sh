#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The HTTP live view's encode-once design: daemon CPU with 1 MJPEG viewer
# against 16 viewers of one 1080p stream.  Two grabberds run side by side in
# the same run (same load, same clock), one with 1 viewer and one with 16
# (curl, to /dev/null); each daemon's CPU time (utime + stime from
# /proc/PID/stat) is read over the same window.  Goal: 16 viewers cost at
# most 1.3x the CPU of 1, because the JPEG is made once per frame and only
# the (zero-copy) sending grows with the viewers.  A benchmark, not a test:
# it prints figures and fails only if something cannot run.
#   tests/bench/http.sh [SECONDS]   (default 10)
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
secs=${1:-10}
GD=$build/grabberd
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
W=1920 H=1080 FPS=30

[ -x "$GD" ] || { echo "http.sh: $GD not built (make)" >&2; exit 1; }
for t in curl jq; do command -v $t >/dev/null || { echo "http.sh: $t missing" >&2; exit 1; }; done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start() {	# start NAME: sets $url, $pid
	"$GD" --socket "$tmp/$1.sock" --http 127.0.0.1:0 --width $W --height $H \
		--fps $FPS >"$tmp/$1.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	url=
	for _ in $(seq 100); do
		url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/$1.log" | head -1) || true
		[ -n "$url" ] && return 0
		sleep 0.05
	done
	echo "http.sh: grabberd $1 did not start:" >&2
	cat "$tmp/$1.log" >&2
	exit 1
}

start one; one_pid=$pid one_url=$url
start many; many_pid=$pid many_url=$url

viewers() {	# viewers URL N
	for _ in $(seq "$2"); do
		curl -s -o /dev/null --max-time $((secs + 30)) "$1/stream" &
		pids+=("$!")
	done
}
viewers "$one_url" 1
viewers "$many_url" 16
sleep 3		# sources started, encoders warm

hz=$(getconf CLK_TCK)
a0=$(cpu_ticks "$one_pid") b0=$(cpu_ticks "$many_pid")
s0=$(curl -s "$one_url/state") m0=$(curl -s "$many_url/state")
sleep "$secs"
a1=$(cpu_ticks "$one_pid") b1=$(cpu_ticks "$many_pid")
s1=$(curl -s "$one_url/state") m1=$(curl -s "$many_url/state")

field() { jq ".streams[0] | $2" <<<"$1"; }
enc_one=$(( $(field "$s1" .jpeg.encoded) - $(field "$s0" .jpeg.encoded) ))
enc_many=$(( $(field "$m1" .jpeg.encoded) - $(field "$m0" .jpeg.encoded) ))
sent_one=$(( $(field "$s1" .jpeg.bytes_sent) - $(field "$s0" .jpeg.bytes_sent) ))
sent_many=$(( $(field "$m1" .jpeg.bytes_sent) - $(field "$m0" .jpeg.bytes_sent) ))
n_many=$(field "$m1" '[.clients[] | select(.kind == "mjpeg")] | length')

awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v hz="$hz" -v t="$secs" \
    -v ea="$enc_one" -v eb="$enc_many" -v sa="$sent_one" -v sb="$sent_many" \
    -v nb="$n_many" -v w=$W -v h=$H -v fps=$FPS 'BEGIN {
	printf "HTTP MJPEG, %dx%d YUYV at %d fps, %d s side by side\n", w, h, fps, t
	printf "%-22s %10s %12s %14s\n", "", "CPU %", "JPEGs/s", "MB/s sent"
	printf "%-22s %10.1f %12.1f %14.1f\n", "grabberd, 1 viewer", 100 * a / hz / t, ea / t, sa / t / 1e6
	printf "%-22s %10.1f %12.1f %14.1f\n", "grabberd, " nb " viewers", 100 * b / hz / t, eb / t, sb / t / 1e6
	if (a > 0)
		printf "CPU ratio 16 / 1 viewers: %.2fx (goal <= 1.3x)\n", b / a
	else
		print "CPU ratio: ? (no CPU time measured for 1 viewer)"
}'
