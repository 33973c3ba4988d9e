#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Valgrind tier: memcheck on the normal build.  grab-capture capturing
# frames from a daemon (Y4M and JPEG), then grabberd itself through a short
# busy life (tests/lib/daemon-workout.sh: clients, some SIGKILLed,
# grab-capture, every HTTP page, SIGHUP, SIGTERM).  Each must end with zero
# errors and nothing definitely lost; valgrind's ERROR SUMMARY and LEAK
# SUMMARY lines are printed as "# " lines.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
tmp=$(mktemp -d /tmp/grab-valgrind.XXXXXX)
dpid=
cleanup() {
	[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v valgrind >/dev/null; then
	echo "not ok - valgrind is installed (package valgrind)"
	exit 1
fi
for f in "$build/grabberd" "$build/grab-capture" "$build/tests/integration/grab-client"; do
	if [ ! -x "$f" ]; then
		echo "not ok - $f is built (run make first)"
		exit 1
	fi
done

vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=no
    --num-callers=30)
failed=0

# summary NAME LOG: print valgrind's summaries, succeed if they are clean.
summary() {
	local log=$2
	grep -E 'ERROR SUMMARY|LEAK SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|All heap blocks were freed' "$log" |
		sed -E "s/^==[0-9]+== */# $1: /"
	grep -qE 'ERROR SUMMARY: 0 errors' "$log" || return 1
	# No leak summary means every block was freed.
	if grep -q 'definitely lost:' "$log"; then
		grep -qE 'definitely lost: 0 bytes' "$log" || return 1
	fi
	return 0
}

vg_check() { # vg_check NAME LOG STATUS
	if [ "$3" -eq 0 ] && summary "$1" "$2"; then
		echo "ok - valgrind: $1: no error, nothing definitely lost"
	else
		echo "not ok - valgrind: $1 (status $3)"
		grep -E '^==[0-9]+== (Invalid|Conditional|Syscall|Mismatched|[0-9,]+ bytes in .* definitely)' "$2" |
			head -10 | sed 's/^/#   /'
		cp "$2" "$build/test-logs/" 2>/dev/null
		failed=1
	fi
}

# --- grab-capture under memcheck ---------------------------------------------
sock=$tmp/grabberd.sock
cat >"$tmp/grabberd.conf" <<CONF
[grabberd]
socket = $sock
listen_http = off
[stream default]
source = test:
width = 320
height = 240
format = YUYV
fps = 30
CONF
"$build/grabberd" -c "$tmp/grabberd.conf" 2>"$tmp/daemon.log" &
dpid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && grep -q "serving on" "$tmp/daemon.log" && break
	sleep 0.05
done

"${vg[@]}" --log-file="$tmp/vg-capture-y4m.log" "$build/grab-capture" -q \
	-s "$sock" -n 60 -f y4m -o "$tmp/out.y4m"
st=$?
n=$(grep -a -o 'FRAME' "$tmp/out.y4m" 2>/dev/null | wc -l)
echo "# grab-capture -n 60 -f y4m under memcheck: status $st, $n frames written"
vg_check "grab-capture -n 60 -f y4m" "$tmp/vg-capture-y4m.log" "$st"
[ "$n" = 60 ] || { echo "not ok - valgrind: grab-capture wrote all 60 frames"; failed=1; }

"${vg[@]}" --log-file="$tmp/vg-capture-jpeg.log" "$build/grab-capture" -q \
	-s "$sock" -n 10 -f jpeg -o "$tmp/f%02d.jpg"
st=$?
echo "# grab-capture -n 10 -f jpeg under memcheck: status $st, $(ls "$tmp"/f*.jpg 2>/dev/null | wc -l) files"
vg_check "grab-capture -n 10 -f jpeg" "$tmp/vg-capture-jpeg.log" "$st"

kill -TERM "$dpid"
wait "$dpid"
dpid=

# --- grabberd under memcheck -------------------------------------------------
PREFIX="valgrind: " SLOW=3 CLIENTS=10 bash tests/lib/daemon-workout.sh \
	"$build" "$tmp/workout" "${vg[@]}" --log-file="$tmp/vg-daemon.log"
st=$?
[ "$st" -ne 0 ] && failed=1
if [ -f "$tmp/vg-daemon.log" ]; then
	# The workout already failed if the daemon exited 99 (memcheck errors).
	vg_check "grabberd: a workout then SIGTERM" "$tmp/vg-daemon.log" 0
else
	echo "not ok - valgrind: grabberd ran under memcheck (no log)"
	failed=1
fi
exit $failed
