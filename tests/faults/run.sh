#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Faults tier: a real grabberd under injected faults, on the host.  The
# faults come from outside the product: a low RLIMIT_NOFILE, an LD_PRELOAD
# interposer (tests/faults/fault-inject.c: memfd_create, mmap, sendmsg with
# SCM_RIGHTS, a fake grab device whose read() fails, signal handlers that
# make signals interrupt system calls), clients and viewers that vanish
# mid-write.  Every frame a client accepts is verified byte for byte
# (tests/integration/grab-client, tests/lib/verify-frames).  Also the
# access-control checks: a client can only read the memfd ring, and HTTP
# Basic authentication (http_auth).
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
grabberd=$build/grabberd
capture=$build/grab-capture
client=$build/tests/integration/grab-client
raw=$build/tests/integration/grab-rawclient
verify=$build/tests/verify-frames
inject=$(realpath -m "$build/tests/faults/fault-inject.so")
ro=$build/tests/faults/ro-client

tmp=$(mktemp -d /tmp/grab-faults.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	# FAULTS_KEEP=1: keep the logs for a look.
	[ -n "${FAULTS_KEEP:-}" ] && { echo "# logs kept in $tmp"; return; }
	rm -rf "$tmp"
}
trap cleanup EXIT

. tests/lib/harness.sh
showlog() { sed 's/^/#   /' "$1" | tail -${2:-15}; }

require "$grabberd" "$capture" "$client" "$raw" "$verify" "$inject" "$ro" curl prlimit

# field NAME FILE: value of NAME=... in the RESULT line of FILE
field() { sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p" "$2" | tail -1; }
# verified FILE MIN: the client verified every frame, exact missed counts,
# and got at least MIN frames (a floor that proves frames flowed, far below
# the rate: a busy machine may deliver fewer, never wrong ones)
verified() {
	local f
	f=$(field frames "$1")
	[ -n "$f" ] && [ "$(field bad "$1")" = 0 ] && [ "$(field inexact "$1")" = 0 ] &&
		[ "$f" -ge "$2" ]
}
# wait_log FILE REGEX [TENTHS]
wait_log() {
	local i
	for i in $(seq "${3:-50}"); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# start NAME ARGS...: grabberd (env from the caller) logging to $tmp/NAME.log;
# sets DPID, waits for "serving on"
start() {
	local name=$1; shift
	"$grabberd" "$@" 2>>"$tmp/$name.log" &
	DPID=$!
	pids+=("$DPID")
	if ! wait_log "$tmp/$name.log" "serving on"; then
		note "grabberd did not start; its log:"
		showlog "$tmp/$name.log"
		return 1
	fi
}
stop() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DSTATUS=$?
}
http_url() { grep -o 'http://[^ ]*/' "$tmp/$1.log" | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# --- 1. the open-file limit -------------------------------------------------
# 20 fds: after its own (~10), the test ring and 3 long clients, about 4
# more clients fit; 12 more try.
sock=$tmp/fd.sock
prlimit --nofile=20:20 -- "$grabberd" --socket "$sock" --no-http --width 320 \
	--height 240 --fps 30 2>>"$tmp/fd.log" &
DPID=$!
pids+=("$DPID")
wait_log "$tmp/fd.log" "serving on" || showlog "$tmp/fd.log"
for i in 1 2 3; do
	"$client" --socket "$sock" --seconds 8 --quiet-jumps >"$tmp/fd-long$i.out" 2>&1 &
	pids+=($!)
done
sleep 1
short=()
for i in $(seq 12); do
	"$client" --socket "$sock" --seconds 3 --quiet-jumps >"$tmp/fd-short$i.out" 2>&1 &
	short+=($!)
	pids+=($!)
done
sleep 0.7
at_limit_fds=$(ls /proc/$DPID/fd | wc -l)
ticks0=$(cpu_ticks $DPID)
timeout 10 "$raw" "$sock" hello >"$tmp/fd-raw.out" 2>&1
timeout 10 "$capture" -s "$sock" -n 1 -o "$tmp/fd-refused.ppm" 2>"$tmp/fd-capture.err"
cap_status=$?
sleep 1
ticks1=$(cpu_ticks $DPID)
refused=$(grep -l '^CONNECT-ERROR 24 ' "$tmp"/fd-short*.out 2>/dev/null | wc -l)
note "at the limit: $at_limit_fds fds open in grabberd, $refused of 12 new clients refused, daemon CPU $((ticks1 - ticks0)) ticks in ~1.5 s"
t "fd limit: new clients are refused with an ERROR naming the limit (raw client: $(head -1 "$tmp/fd-raw.out"))" \
	grep -q "REPLY type=ERROR errno=24 reason=grabberd is at its open-file limit" "$tmp/fd-raw.out"
t "fd limit: libgrab clients get -EMFILE at connect, none hangs ($refused refused)" \
	test "$refused" -ge 1
t "fd limit: grab-capture exits 1 with a clear message ($(cat "$tmp/fd-capture.err"))" \
	bash -c "[ $cap_status -eq 1 ] && grep -q 'open-file limit' '$tmp/fd-capture.err'"
t "fd limit: the daemon does not spin while at the limit ($((ticks1 - ticks0)) ticks of CPU)" \
	test $((ticks1 - ticks0)) -lt 60
wait "${short[@]}" 2>/dev/null
sleep 0.5
timeout 10 "$capture" -s "$sock" -n 5 -f raw -o "$tmp/fd-after.raw" 2>"$tmp/fd-after.err"
t "fd limit: once clients left, new ones are served again (5 frames verified)" \
	"$verify" 320 240 YUYV "$tmp/fd-after.raw"
sleep 3.5
long_ok=1
for i in 1 2 3; do
	verified "$tmp/fd-long$i.out" 200 || long_ok=0
	note "long client $i: $(grep RESULT "$tmp/fd-long$i.out")"
done
t "fd limit: the 3 clients already connected got every frame verified (8 s at 30 fps, gens=1)" \
	bash -c "[ $long_ok -eq 1 ] && ! grep -L 'gens=1 ' '$tmp'/fd-long*.out | grep -q ."
t "fd limit: logged once per episode, and its end" \
	bash -c "[ \$(grep -c 'refusing new clients' '$tmp/fd.log') -eq 1 ] && grep -q 'accepting clients' '$tmp/fd.log'"
kill -0 "$DPID" 2>/dev/null
t "fd limit: the daemon is still running" test $? -eq 0
stop

# --- 2. memfd, mmap, fd passing and read failures ----------------------------
sock=$tmp/inj.sock
cat >"$tmp/inj.conf" <<EOF
[grabberd]
listen_http = 127.0.0.1:0
[stream default]
source = test:
width = 320
height = 240
[stream memfdbad]
source = test:
width = 160
height = 120
[stream mmapbad]
source = test:
width = 160
height = 120
[stream dev]
source = grab:/dev/fakegrab0
width = 320
height = 240
EOF
# memfd_create of "memfdbad" always fails; mmap of "mmapbad" fails 3 times
# (then it recovers); the first fd passing fails; the fake device's read()
# fails once after 30 events.
GRAB_FAULT_LOG=$tmp/inj.faults GRAB_FAULT_MEMFD=grab-ring-memfdbad \
	GRAB_FAULT_MMAP=grab-ring-mmapbad:3 GRAB_FAULT_SCM=0:1 \
	GRAB_FAULT_FAKEDEV=/dev/fakegrab0 GRAB_FAULT_READ_EIO=30:1 \
	LD_PRELOAD=$inject start inj -c "$tmp/inj.conf" --socket "$sock"
url=$(http_url inj)
timeout 10 "$raw" "$sock" hello >"$tmp/scm-raw.out" 2>&1
t "fd passing fails: the client gets an ERROR saying so ($(head -1 "$tmp/scm-raw.out"))" \
	grep -q "REPLY type=ERROR errno=109 reason=grabberd cannot pass the ring of stream default: Too many references" "$tmp/scm-raw.out"
"$client" --socket "$sock" --stream default --seconds 6 --quiet-jumps >"$tmp/inj-good.out" 2>&1 &
cg=$!
"$client" --socket "$sock" --stream dev --seconds 6 --quiet-jumps >"$tmp/inj-dev.out" 2>&1 &
cd_=$!
"$client" --socket "$sock" --stream mmapbad --seconds 6 --quiet-jumps >"$tmp/inj-mmap.out" 2>&1 &
cm=$!
"$client" --socket "$sock" --stream memfdbad --seconds 4 --timeout-ms 500 >"$tmp/inj-memfd.out" 2>&1 &
cf=$!
pids+=("$cg" "$cd_" "$cm" "$cf")
sleep 1.5
curl -s "${url}state" >"$tmp/state.json"
python3 - "$tmp/state.json" >"$tmp/state.txt" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1]))["streams"]:
    print(s["name"], s["state"], s.get("error", ""))
EOF
sed 's/^/# \/state: /' "$tmp/state.txt"
t "memfd_create fails: /state shows the stream failed with the reason" \
	grep -q "^memfdbad failed memfd ring of .* bytes: Cannot allocate memory" "$tmp/state.txt"
t "memfd_create fails: the other streams run (/state)" \
	bash -c "grep -q '^default running' '$tmp/state.txt' && grep -q '^dev running' '$tmp/state.txt'"
timeout 10 "$capture" -s "$sock" -S memfdbad --info -T 1 >/dev/null 2>"$tmp/info.err"
st=$?
t "memfd_create fails: grab-capture --info exits 7 naming the reason ($(cat "$tmp/info.err"))" \
	bash -c "[ $st -eq 7 ] && grep -q 'not available.*memfd ring.*Cannot allocate memory' '$tmp/info.err'"
wait $cg $cd_ $cm $cf
note "default:  $(grep RESULT "$tmp/inj-good.out")"
note "dev:      $(grep RESULT "$tmp/inj-dev.out")"
note "mmapbad:  $(grep RESULT "$tmp/inj-mmap.out")"
note "memfdbad: $(grep RESULT "$tmp/inj-memfd.out")"
note "faults injected: $(sort "$tmp/inj.faults" | uniq -c | tr -s ' ' | paste -sd, -)"
t "the stream beside the faults got every frame verified (6 s at 30 fps)" \
	verified "$tmp/inj-good.out" 30
t "memfd_create fails: logged once over $(grep -c 'memfd_create' "$tmp/inj.faults") attempts" \
	test "$(grep -c 'stream memfdbad: .*Cannot allocate memory' "$tmp/inj.log")" -eq 1
t "memfd_create fails: the client waits and gets no frame" \
	test "$(field frames "$tmp/inj-memfd.out")" = 0
t "mmap fails 3 times: logged once, then the stream comes back and its frames verify" \
	bash -c "[ \$(grep -c 'stream mmapbad: .*Cannot allocate memory' '$tmp/inj.log') -eq 1 ] &&
		 grep -q 'stream mmapbad: source test: is back' '$tmp/inj.log' &&
		 [ \$(grep -c 'mmap grab-ring-mmapbad' '$tmp/inj.faults') -eq 3 ]" &&
	verified "$tmp/inj-mmap.out" 30
t "read() fails mid-stream: logged once, the source restarts, the client reattaches (gens=2) and verifies" \
	bash -c "[ \$(grep -c 'stream dev: .*read: Input/output error' '$tmp/inj.log') -eq 1 ] &&
		 grep -q 'stream dev: source grab:/dev/fakegrab0 is back' '$tmp/inj.log' &&
		 [ '$(field gens "$tmp/inj-dev.out")' = 2 ]" && verified "$tmp/inj-dev.out" 20
t "fd passing fails: logged once" \
	test "$(grep -c 'cannot pass the ring' "$tmp/inj.log")" -eq 1
stop
t "grabberd exits 0 after all that" test "$DSTATUS" -eq 0

# A device that fails right after every restart: one log line, backoff.
GRAB_FAULT_LOG=$tmp/flap.faults GRAB_FAULT_FAKEDEV=/dev/fakegrab0 \
	GRAB_FAULT_READ_EIO=5:1000 LD_PRELOAD=$inject \
	start flap --source grab:/dev/fakegrab0 --width 320 --height 240 \
	--socket "$tmp/flap.sock" --no-http
"$client" --socket "$tmp/flap.sock" --seconds 4 --quiet-jumps >"$tmp/flap.out" 2>&1
n=$(grep -c 'read EIO' "$tmp/flap.faults")
# At most 6 restarts in 4 s is the backoff; at least 2 shows it retries (a
# busy machine may slow the retries, never speed them up).
t "a source failing after every restart: $n failures in 4 s, logged once, backing off" \
	bash -c "[ $n -ge 2 ] && [ $n -le 6 ] && [ \$(grep -c 'read: Input/output error' '$tmp/flap.log') -eq 1 ]"
t "... and every frame it did deliver verifies" verified "$tmp/flap.out" 10
stop

# --- 3. SIGPIPE: clients and viewers that vanish mid-write -------------------
# The default SIGPIPE disposition, whatever this shell inherited.
sock=$tmp/pipe.sock
env --default-signal=PIPE "$grabberd" --socket "$sock" --http 127.0.0.1:0 \
	--width 640 --height 480 --fps 60 2>>"$tmp/pipe.log" &
DPID=$!
pids+=("$DPID")
wait_log "$tmp/pipe.log" "serving on"
note "SIGPIPE: grabberd started with the default action; its SigIgn/SigCgt now: $(awk '/^Sig(Ign|Cgt)/ {printf "%s %s ", $1, $2}' /proc/$DPID/status)"
url=$(http_url pipe)
( for i in $(seq 10); do
	curl -s -o /dev/null --max-time 0.3 "${url}stream" &
	"$client" --socket "$sock" --seconds 5 --quiet-jumps >/dev/null 2>&1 &
	c=$!
	sleep 0.15
	kill -9 $c
	# A viewer that resets its connection in the middle of a frame.
	python3 - "${url#http://}" <<'EOF' &
import socket, struct, sys, time
host, port = sys.argv[1].rstrip("/").rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(1000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
done
wait ) 2>/dev/null
# A viewer with a full socket, then gone.
timeout 2 curl -s --limit-rate 10k -o /dev/null "${url}stream"
"$client" --socket "$sock" --seconds 2 --quiet-jumps >"$tmp/pipe-after.out" 2>&1
kill -0 "$DPID" 2>/dev/null
t "SIGPIPE: 10 MJPEG viewers cut off, 10 reset mid-frame, 10 clients SIGKILLed mid-stream: grabberd still runs" \
	test $? -eq 0
t "SIGPIPE: and serves verified frames afterwards" verified "$tmp/pipe-after.out" 10
stop
t "SIGPIPE: grabberd exits 0 afterwards (status $DSTATUS)" test "$DSTATUS" -eq 0

# --- 4. EINTR: a signal storm on the daemon and on grab-capture --------------
# With handlers installed (no SA_RESTART), SIGWINCH, SIGCHLD and SIGURG
# interrupt epoll_wait, poll, recvmsg, write...
sock=$tmp/intr.sock
GRAB_FAULT_LOG=$tmp/intr.faults GRAB_FAULT_SIGNALS=1 LD_PRELOAD=$inject \
	start intr --socket "$sock" --no-http --width 320 --height 240 --fps 60
GRAB_FAULT_LOG=$tmp/intr.faults GRAB_FAULT_SIGNALS=1 LD_PRELOAD=$inject \
	"$capture" -s "$sock" -n 240 -f raw -o "$tmp/intr.raw" 2>"$tmp/intr-capture.err" &
cap=$!
"$client" --socket "$sock" --seconds 4 --quiet-jumps >"$tmp/intr-client.out" 2>&1 &
cl=$!
pids+=("$cap" "$cl")
python3 - "$DPID" "$cap" 4 <<'EOF' &
import os, signal, sys, time
pids = [int(p) for p in sys.argv[1:3]]
end = time.time() + float(sys.argv[3])
sigs = [signal.SIGWINCH, signal.SIGCHLD, signal.SIGURG]
n = 0
while time.time() < end:
    for p in pids:
        try:
            os.kill(p, sigs[n % 3])
        except ProcessLookupError:
            pass
    n += 1
    time.sleep(0.0005)
EOF
storm=$!
wait $cap
cap_status=$?
wait $storm $cl
stop
note "signals caught: $(grep SIGNALS "$tmp/intr.faults" | paste -sd, -)"
note "client under the storm: $(grep RESULT "$tmp/intr-client.out")"
t "EINTR: grab-capture under a signal storm exits 0 ($(cat "$tmp/intr-capture.err"))" \
	test "$cap_status" -eq 0
t "EINTR: its 240 frames all verify ($("$verify" 320 240 YUYV "$tmp/intr.raw" 2>&1))" \
	bash -c "'$verify' 320 240 YUYV '$tmp/intr.raw' >/dev/null && [ \$(stat -c %s '$tmp/intr.raw') -eq \$((240 * 320 * 240 * 2)) ]"
t "EINTR: the storm reached both processes (> 100 signals each)" \
	bash -c "[ \$(awk '/^SIGNALS/ && \$2 >= 100' '$tmp/intr.faults' | wc -l) -ge 2 ]"
t "EINTR: the daemon served a verifying client throughout and exited 0" \
	bash -c "[ $DSTATUS -eq 0 ]" && verified "$tmp/intr-client.out" 30

# --- 5. access control: the memfd ring is read only for clients --------------
sock=$tmp/ro.sock
start ro --socket "$sock" --no-http --width 320 --height 240
"$ro" "$sock" default >"$tmp/ro.out" 2>&1
ro_status=$?
sed -nE 's/^(not )?ok [0-9]+ - (.*)$/\1ok - memfd ring: \2/p' "$tmp/ro.out"
grep -q '^ok ' "$tmp/ro.out" && [ $ro_status -eq 0 ] || failed=1
stop

# --- 6. http_auth --------------------------------------------------------------
cat >"$tmp/auth.conf" <<'EOF'
[grabberd]
listen_http = 127.0.0.1:0
http_auth = viewer:pa:ss w0rd
EOF
start auth -c "$tmp/auth.conf" --socket "$tmp/auth.sock"
url=$(http_url auth)
code() { curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@"; }
c=$(code "${url}state")
t "http_auth: no credentials: 401 ($c) with WWW-Authenticate: Basic" \
	bash -c "[ '$c' = 401 ] && grep -qi '^WWW-Authenticate: Basic realm=\"grabberd\"' '$tmp/headers'"
c=$(code -u viewer:wrong "${url}state")
t "http_auth: wrong password: 401 ($c)" test "$c" = 401
c=$(code -u viewer:pa:ss "${url}state")
t "http_auth: a prefix of the password: 401 ($c)" test "$c" = 401
c=$(code -u other:pa:ss\ w0rd "${url}state")
t "http_auth: wrong user: 401 ($c)" test "$c" = 401
c=$(code -H 'Authorization: Bearer x' "${url}snapshot")
t "http_auth: another scheme: 401 ($c)" test "$c" = 401
c=$(code -H "Authorization: bAsIc $(printf '%s' 'viewer:pa:ss w0rd' | base64 -w0)" "${url}state")
t "http_auth: the scheme in any case (bAsIc): 200 ($c)" test "$c" = 200
c=$(code -H "Authorization: BASIC  $(printf '%s' 'viewer:pa:ss w0rd' | base64 -w0)" "${url}state")
t "http_auth: BASIC and two spaces: 200 ($c)" test "$c" = 200
c=$(code -u viewer:wrong "${url}state")
t "http_auth: a 401 closes the connection (no keep-alive for a peer without the password)" \
	grep -qi '^Connection: close' "$tmp/headers"
c=$(code -u 'viewer:pa:ss w0rd' "${url}state")
t "http_auth: right credentials: /state 200 ($c) and JSON" \
	bash -c "[ '$c' = 200 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$tmp/body'"
c=$(code -u 'viewer:pa:ss w0rd' "${url}snapshot")
t "http_auth: right credentials: /snapshot 200 ($c), a JPEG" \
	bash -c "[ '$c' = 200 ] && head -c 2 '$tmp/body' | od -An -tx1 | grep -q 'ff d8'"
c=$(code -u 'viewer:pa:ss w0rd' "${url}nope")
t "http_auth: right credentials, unknown path: 404 ($c)" test "$c" = 404
t "http_auth: loopback with http_auth: no warning" \
	bash -c "! grep -q 'not loopback' '$tmp/auth.log'"
stop
start open0 --socket "$tmp/open0.sock" --http 0.0.0.0:0
t "listen_http 0.0.0.0 without http_auth: a warning at start" \
	grep -q "warning: HTTP: listening on 0.0.0.0:0, not loopback, without http_auth" "$tmp/open0.log"
c=$(code "$(http_url open0 | sed 's/0\.0\.0\.0/127.0.0.1/')state")
t "... and it serves without credentials ($c)" test "$c" = 200
stop
printf '[grabberd]\nlisten_http = 0.0.0.0:0\nhttp_auth = a:b\n' >"$tmp/open1.conf"
start open1 -c "$tmp/open1.conf" --socket "$tmp/open1.sock"
t "listen_http 0.0.0.0 with http_auth: no warning" \
	bash -c "! grep -q 'not loopback' '$tmp/open1.log'"
stop
start open2 --socket "$tmp/open2.sock" --http 127.0.0.1:0
t "default loopback without http_auth: no warning" \
	bash -c "! grep -q 'not loopback' '$tmp/open2.log'"
stop
printf '[grabberd]\nhttp_auth = nocolon\n' >"$tmp/bad.conf"
out=$("$grabberd" --check-config -c "$tmp/bad.conf" 2>&1)
t "http_auth without ':' is refused, naming the key ($out)" \
	bash -c "! '$grabberd' --check-config -c '$tmp/bad.conf' >/dev/null 2>&1 && echo '$out' | grep -q 'http_auth'"

# --- 7. a hostile daemon: rings that are not safe, floods ---------------------
# tests/faults/fake-daemon answers in grabberd's place.  Every ring libgrab
# cannot map safely is refused with EBADFD, every lying one with EUCLEAN,
# and grab-capture exits 8 saying so; no shape makes a client fault (an
# exit status of 135 would be SIGBUS).  Every call returns within its
# timeout whatever the peer keeps sending.
fake=$build/tests/faults/fake-daemon
hostile=$build/tests/faults/hostile-client
require "$fake" "$hostile" setpriv
# fake MODE: start the fake daemon on $tmp/fake.sock
fake_start() {
	"$fake" "$tmp/fake.sock" "$1" "$tmp" >"$tmp/fake.out" 2>"$tmp/fake.err" &
	FPID=$!
	pids+=("$FPID")
	wait_log "$tmp/fake.out" READY
}
fake_stop() { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }
# hostile MODE WANT_CONNECT: client and grab-capture against MODE
hostile_case() {
	local mode=$1 want=$2 st cst res
	fake_start "$mode"
	timeout 30 "$hostile" "$tmp/fake.sock" 500 >"$tmp/h-$mode.out" 2>&1
	st=$?
	timeout 30 "$capture" -s "$tmp/fake.sock" -n 2 -f raw -o "$tmp/h-$mode.raw" -T 2 \
		2>"$tmp/h-$mode.err"
	cst=$?
	fake_stop
	res=$(grep RESULT "$tmp/h-$mode.out")
	t "hostile daemon, ring '$mode': libgrab refuses it with $want, no fault (exit $st: $res)" \
		bash -c "[ $st -eq 0 ] && echo '$res' | grep -q 'connect=$want '"
	t "hostile daemon, ring '$mode': grab-capture exits 8 naming the ring ($cst: $(head -c 200 "$tmp/h-$mode.err"))" \
		bash -c "[ $cst -eq 8 ] && grep -q 'ring' '$tmp/h-$mode.err'"
}
for m in pipe file shrink unsealed small blockdev chardev; do hostile_case "$m" EBADFD; done
for m in lie-slots lie-size lie-format huge; do hostile_case "$m" EUCLEAN; done
# The control: the same fake daemon with a good ring is served.
fake_start good
timeout 30 "$hostile" "$tmp/fake.sock" 500 >"$tmp/h-good.out" 2>&1
fake_stop
t "hostile daemon, control: a sealed memfd of the right size is accepted ($(grep RESULT "$tmp/h-good.out"))" \
	grep -q 'connect=OK info=OK .*frames=[1-9]' "$tmp/h-good.out"
# Floods: each call bounded by its timeout (500 ms; 1.5 s allowed for a
# loaded machine), grab_connect by its 5 s handshake.  The client's
# recvmsg() is slowed (GRAB_FAULT_SLOW_RECV) so that the peer outpaces it
# and its queue never runs dry, as on a busy machine: only the deadline can
# end a call.  The trickle is no flood: a frame event every 300 ms, each
# naming a frame that is not in the ring; a call must still end at its own
# deadline, not wait its whole timeout again after each lost frame.
for m in flood-wait flood-early flood-frames flood-reset trickle; do
	slow=200
	[ "$m" = trickle ] && slow=0
	fake_start "$m"
	GRAB_FAULT_SLOW_RECV=$slow LD_PRELOAD=$inject \
		timeout 30 "$hostile" "$tmp/fake.sock" 500 >"$tmp/h-$m.out" 2>&1
	st=$?
	fake_stop
	res=$(grep RESULT "$tmp/h-$m.out")
	t "hostile daemon, $m: every call returns within its timeout (exit $st: $res)" \
		bash -c "[ $st -eq 0 ] && [ -n '$res' ] && [ \$(echo '$res' | sed 's/.*worst_ms=//') -le 1500 ]"
done

# A daemon that goes quiet: every wait ends at its own timeout, never
# before it and never at an earlier call's (libgrab may wait inside
# recvmsg() with the socket's receive timeout, set when the caller's
# changes); a signal ends a wait with EINTR even with SA_RESTART, with a
# timeout and without one.  Late by at most 1 s on a loaded machine.
wait=$build/tests/faults/wait-client
require "$wait"
fake_start quiet
timeout 60 "$wait" "$tmp/fake.sock" >"$tmp/wait.out" 2>&1
st=$?
fake_stop
res=$(grep RESULT "$tmp/wait.out")
t "quiet daemon: every wait ends at its own timeout, none early, a signal ends it (exit $st: $res)" \
	bash -c "[ $st -eq 0 ] && echo '$res' | grep -q 'first=OK timeouts=7/7 early=0 late_ms=[0-9]* signals=2/2' &&
		[ \$(echo '$res' | sed 's/.*late_ms=\([0-9]*\).*/\1/') -le 1000 ]"

# --- 8. a planted socket --------------------------------------------------------
# With no socket given, libgrab and grab-capture look in the user's places
# (/tmp/grabberd-UID, $XDG_RUNTIME_DIR).  Another user who made the
# directory, or put the socket there, is refused.  The "user" is a uid
# nobody has, picked at random so that runs beside each other differ.
uid=$((61000 + RANDOM % 4000))
other=$((uid + 1))
as_user() { setpriv --reuid="$uid" --regid="$uid" --clear-groups env -u GRAB_SOCKET "$@"; }
pdir=/tmp/grabberd-$uid
rm -rf "$pdir"
mkdir -m 0755 "$pdir" && chown "$other:$other" "$pdir"
fake_start good
mv "$tmp/fake.sock" "$pdir/grabberd.sock"
chown "$other:$other" "$pdir/grabberd.sock"
as_user env -u XDG_RUNTIME_DIR timeout 30 "$hostile" - 500 >"$tmp/plant1.out" 2>&1
as_user env -u XDG_RUNTIME_DIR timeout 30 "$capture" -n 1 -f raw -o /dev/null -T 2 2>"$tmp/plant1.err"
cst=$?
t "planted: /tmp/grabberd-UID made by another user: libgrab refuses it ($(grep RESULT "$tmp/plant1.out"))" \
	grep -q 'connect=EPERM' "$tmp/plant1.out"
t "planted: grab-capture exits 3 naming the other user ($cst: $(cat "$tmp/plant1.err"))" \
	bash -c "[ $cst -eq 3 ] && grep -q 'belongs to uid $other' '$tmp/plant1.err'"
# The user's own directory, the other user's socket in it.
chown "$uid:$uid" "$pdir"
as_user env -u XDG_RUNTIME_DIR timeout 30 "$hostile" - 500 >"$tmp/plant2.out" 2>&1
t "planted: another user's socket in the user's own directory is refused ($(grep RESULT "$tmp/plant2.out"))" \
	grep -q 'connect=EPERM' "$tmp/plant2.out"
# A directory anyone may write to.
chown "$uid:$uid" "$pdir/grabberd.sock"
chmod 0777 "$pdir"
as_user env -u XDG_RUNTIME_DIR timeout 30 "$hostile" - 500 >"$tmp/plant3.out" 2>&1
t "planted: a directory writable by anyone is refused ($(grep RESULT "$tmp/plant3.out"))" \
	grep -q 'connect=EPERM' "$tmp/plant3.out"
chmod 0700 "$pdir"
as_user env -u XDG_RUNTIME_DIR timeout 30 "$hostile" - 500 >"$tmp/plant4.out" 2>&1
t "planted: control: the user's own directory and socket are used ($(grep RESULT "$tmp/plant4.out"))" \
	grep -q 'connect=OK info=OK' "$tmp/plant4.out"
fake_stop
rm -rf "$pdir"
# $XDG_RUNTIME_DIR another user owns.
xdg=$tmp/xdg
mkdir -m 0700 "$xdg"
chmod 0711 "$tmp"
fake_start good
mv "$tmp/fake.sock" "$xdg/grabberd.sock"
chown -R "$other:$other" "$xdg"
as_user env XDG_RUNTIME_DIR="$xdg" timeout 30 "$hostile" - 500 >"$tmp/plant5.out" 2>&1
t "planted: a \$XDG_RUNTIME_DIR another user owns is refused ($(grep RESULT "$tmp/plant5.out"))" \
	grep -q 'connect=EPERM' "$tmp/plant5.out"
fake_stop
# A user's own grabberd, found by grab-capture without --socket: in
# $XDG_RUNTIME_DIR, then in /tmp/grabberd-UID (the daemon makes it).
rm -rf "$xdg"
mkdir -m 0700 "$xdg" && chown "$uid:$uid" "$xdg"
for where in xdg tmp; do
	if [ $where = xdg ]; then env=(env XDG_RUNTIME_DIR="$xdg"); else env=(env -u XDG_RUNTIME_DIR); fi
	# setpriv, env and grabberd exec each other: $! is grabberd's pid
	# (a shell function in the background would be a subshell's).
	setpriv --reuid="$uid" --regid="$uid" --clear-groups env -u GRAB_SOCKET "${env[@]:1}" \
		"$grabberd" --no-http --width 320 --height 240 2>>"$tmp/own-$where.log" &
	DPID=$!
	pids+=("$DPID")
	wait_log "$tmp/own-$where.log" "serving on"
	as_user "${env[@]}" timeout 30 "$capture" -n 5 -f raw -o - -T 5 >"$tmp/own-$where.raw" 2>"$tmp/own-$where.err"
	cst=$?
	stop
	t "own daemon ($where: $(grep -o 'serving on [^ ]*' "$tmp/own-$where.log")): grab-capture without --socket finds it, 5 frames verify ($cst $(cat "$tmp/own-$where.err"))" \
		bash -c "[ $cst -eq 0 ] && '$verify' 320 240 YUYV '$tmp/own-$where.raw' >/dev/null && [ \$(stat -c %s '$tmp/own-$where.raw') -eq \$((5 * 320 * 240 * 2)) ]"
done
rm -rf "/tmp/grabberd-$uid"
# A system daemon the user is not allowed to use (its socket root's, mode
# 0660) while the user's own daemon runs: grab-capture without --socket goes
# to the user's own, not to the socket it cannot use; root, as a control,
# goes to the system one.  /run is a private tmpfs in a mount namespace, so
# the machine's own /run/grabberd is not touched.
unshare --mount --propagation private bash -c '
	grabberd=$1 capture=$2 tmp=$3 uid=$4
	mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/grabberd || exit 10
	"$grabberd" --no-http --width 640 --height 480 \
		-s /run/grabberd/grabberd.sock 2>"$tmp/sys-denied.log" &
	sys=$!
	setpriv --reuid="$uid" --regid="$uid" --clear-groups env -u GRAB_SOCKET -u XDG_RUNTIME_DIR \
		"$grabberd" --no-http --width 320 --height 240 2>"$tmp/own-denied.log" &
	own=$!
	for _ in $(seq 100); do
		grep -q "serving on" "$tmp/sys-denied.log" "$tmp/own-denied.log" 2>/dev/null &&
			[ "$(grep -l "serving on" "$tmp/sys-denied.log" "$tmp/own-denied.log" | wc -l)" = 2 ] && break
		sleep 0.1
	done
	setpriv --reuid="$uid" --regid="$uid" --clear-groups env -u GRAB_SOCKET -u XDG_RUNTIME_DIR \
		timeout 30 "$capture" -n 5 -f raw -o - -T 5 >"$tmp/own-denied.raw" 2>"$tmp/own-denied.err"
	echo "user=$?" >"$tmp/denied.st"
	env -u GRAB_SOCKET -u XDG_RUNTIME_DIR timeout 30 "$capture" -n 1 -f raw -o - -T 5 \
		>"$tmp/sys-denied.raw" 2>"$tmp/sys-denied.err"
	echo "root=$?" >>"$tmp/denied.st"
	kill -TERM "$sys" "$own"
	wait
' _ "$grabberd" "$capture" "$tmp" "$uid"
note "system socket not allowed: $(tr '\n' ' ' <"$tmp/denied.st" 2>/dev/null) $(cat "$tmp/own-denied.err" "$tmp/sys-denied.err" 2>/dev/null)"
t "a system socket the user may not use: grab-capture without --socket uses the user's own daemon (5 frames 320x240 verify)" \
	bash -c "grep -qx user=0 '$tmp/denied.st' && '$verify' 320 240 YUYV '$tmp/own-denied.raw' >/dev/null &&
		[ \$(stat -c %s '$tmp/own-denied.raw') -eq \$((5 * 320 * 240 * 2)) ]"
t "control: root without --socket uses the system daemon (one 640x480 frame)" \
	bash -c "grep -qx root=0 '$tmp/denied.st' && [ \$(stat -c %s '$tmp/sys-denied.raw') -eq \$((640 * 480 * 2)) ]"
rm -rf "/tmp/grabberd-$uid"

# --- 9. the checker itself: gaps count as the frames they lost ---------------
# Tests on a loaded machine compare the sequence gaps of what a reader wrote
# with the missed count it reported (verify-frames --missed): cut frames 1
# and 2 out of a verified file of 5 and the checker must count exactly 2
# more missed than in the whole file (which may have its own gaps).
fs=$((320 * 240 * 2))
{ head -c $fs "$tmp/own-tmp.raw"; tail -c +$((fs * 3 + 1)) "$tmp/own-tmp.raw"; } >"$tmp/cut.raw"
m0=$("$verify" 320 240 YUYV "$tmp/own-tmp.raw" 2>/dev/null | sed -n 's/.* missed \([0-9]*\)$/\1/p')
t "verify-frames: 2 frames cut out are 2 more missed ($("$verify" 320 240 YUYV "$tmp/cut.raw" 2>&1), whole file ${m0:-?})" \
	"$verify" --missed $((${m0:-0} + 2)) 320 240 YUYV "$tmp/cut.raw"
t "verify-frames: and --missed 0 (or --consecutive) fails on them" \
	bash -c "! '$verify' --missed 0 320 240 YUYV '$tmp/cut.raw' && ! '$verify' --consecutive 320 240 YUYV '$tmp/cut.raw'"

exit $failed
