#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A short, busy life of grabberd for the memory checkers (the sanitize and
# valgrind tiers): start it on two test streams with HTTP on a free port,
# serve libgrab clients (some SIGKILLed mid-stream), grab-capture in three
# formats, every HTTP page (a snapshot, an MJPEG viewer that hangs up, bad
# requests), a SIGHUP that changes a stream, then SIGTERM.  Prints TAP lines
# prefixed with $PREFIX; the daemon's stderr is left in $DIR/grabberd.log.
#
# Usage: daemon-workout.sh BUILD DIR [WRAPPER...]
#   WRAPPER (e.g. valgrind ...) runs the daemon; clients run as they are.
# Environment: PREFIX ("asan: "), CLIENTS (SIGKILLed clients, default 20),
#   SLOW (a factor for waits, default 1).
set -u
build=$1 dir=$2; shift 2
wrapper=("$@")
prefix=${PREFIX:-}
slow=${SLOW:-1}
mkdir -p "$dir"
sock=$dir/grabberd.sock
log=$dir/grabberd.log
failed=0
t() { # t NAME CMD...
	local name=$1; shift
	if "$@"; then
		echo "ok - $prefix$name"
	else
		echo "not ok - $prefix$name"
		failed=1
	fi
}
wait_for() { # wait_for SECONDS CMD...: poll until CMD succeeds
	local n=$(($1 * 20)); shift
	local r
	while [ "$n" -gt 0 ]; do
		"$@"; r=$?
		[ "$r" -eq 0 ] && return 0
		[ "$r" -eq 2 ] && return 1	# will never succeed
		sleep 0.05; n=$((n - 1))
	done
	return 1
}
sl() { sleep "$(awk -v a="$1" -v f="$slow" 'BEGIN { print a * f }')"; }

cat >"$dir/grabberd.conf" <<EOF
[grabberd]
socket = $sock
linger_ms = 200
listen_http = 127.0.0.1:0
[stream default]
source = test:
width = 160
height = 120
format = YUYV
fps = 30
slots = 8
[stream small]
source = test:
width = 64
height = 48
format = GREY
fps = 30
slots = 4
EOF

"${wrapper[@]}" "$build/grabberd" -c "$dir/grabberd.conf" 2>"$log" &
dpid=$!
port=
serving() {
	kill -0 "$dpid" 2>/dev/null || return 2
	grep -q "serving on" "$log" && [ -S "$sock" ]
}
if wait_for $((20 * slow)) serving; then
	port=$(sed -n 's|.*HTTP live view on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)
fi
t "workout: grabberd starts (HTTP on port ${port:-?})" [ -n "$port" ]
if [ -z "$port" ]; then
	kill -9 "$dpid" 2>/dev/null
	sed 's/^/# /' "$log" | tail -20
	exit 1
fi
url=http://127.0.0.1:$port

# Clients that finish, verifying every frame.
cpids=()
for i in 1 2 3; do
	"$build/tests/integration/grab-client" --socket "$sock" --seconds 2 \
		>"$dir/client-$i.out" 2>&1 &
	cpids+=($!)
done
"$build/tests/integration/grab-client" --socket "$sock" --stream small \
	--seconds 2 >"$dir/client-4.out" 2>&1 &
cpids+=($!)
# Clients SIGKILLed at random moments.
RANDOM=99
for i in $(seq "${CLIENTS:-20}"); do
	"$build/tests/integration/grab-client" --socket "$sock" --stream small \
		--seconds 10 >/dev/null 2>&1 &
	p=$!
	sl "0.0$((RANDOM % 10))"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
status=0
for p in "${cpids[@]}"; do wait "$p" || status=1; done
t "workout: libgrab clients verified their frames ($(cat "$dir"/client-*.out | grep -c '^RESULT.* bad=0 ') of 4 clean)" \
	[ "$status" -eq 0 ]

# grab-capture, three formats (JPEG: the encoder too).
cap() { "$build/grab-capture" -q -s "$sock" "$@"; }
t "workout: grab-capture -n 5 -f y4m" cap -n 5 -f y4m -o "$dir/out.y4m"
t "workout: grab-capture -n 3 -f jpeg" cap -n 3 -f jpeg -o "$dir/f%02d.jpg"
t "workout: grab-capture -n 3 --history -f ppm (small)" cap -S small -H -n 3 -f ppm -o "$dir/p%02d.ppm"

# HTTP: every page, a viewer that hangs up, bad requests.
code() { curl -s -o "$dir/body" -w '%{http_code}' --max-time "$((10 * slow))" "$@"; }
t "workout: HTTP snapshot" [ "$(code "$url/snapshot?stream=default")" = 200 ]
t "workout: HTTP /state, /metrics and / answer 200" \
	[ "$(code "$url/state")$(code "$url/metrics")$(code "$url/")" = 200200200 ]
curl -s -o /dev/null --max-time "$((2 * slow))" "$url/stream?stream=small"
t "workout: HTTP bad requests get 4xx" \
	[ "$(code -X POST "$url/state")$(code "$url/snapshot?stream=%zz")$(code "$url/nope")" = 405400404 ]

# SIGHUP changing one stream while a client watches it.
"$build/tests/integration/grab-client" --socket "$sock" --seconds 2 >"$dir/hup.out" 2>&1 &
cp=$!
sl 0.5
sed -i 's/^fps = 30$/fps = 25/' "$dir/grabberd.conf"
kill -HUP "$dpid"
wait "$cp"
t "workout: a client across a SIGHUP that changed its stream" [ $? -eq 0 ]
sl 0.5

kill -TERM "$dpid"
wait "$dpid"
dstatus=$?
t "workout: SIGTERM: grabberd exits with status 0 (was $dstatus)" [ "$dstatus" -eq 0 ]
exit $failed
