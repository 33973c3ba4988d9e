#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# HTTP tier: grabberd's live view for real.  Daemons on private unix sockets
# and on HTTP ports the kernel picks (--http 127.0.0.1:0; the daemon logs
# the URL), read by curl, ffprobe/ffmpeg, promtool, headless Chromium and a
# strict MJPEG parser (viewers.py); JPEGs checked against the test pattern
# by the capture tier's check-frames (TurboJPEG decode, PSNR).
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
GD=$build/grabberd
GC=$build/grab-capture
CHK=$build/tests/capture/check-frames
VIEWERS=tests/http/viewers.py
tmp=$(mktemp -d /tmp/grab-http-tier.XXXXXX)
daemons=()
bgs=()

cleanup() {
	local p
	for p in "${bgs[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${bgs[@]}" "${daemons[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

. tests/lib/harness.sh
require "$GD" "$GC" "$CHK" "$build/tests/verify-frames" curl ffprobe ffmpeg promtool chromium python3 jq prlimit

# start_daemon NAME ARGS...: grabberd on $tmp/NAME.sock and a free HTTP
# port; sets $pid and $url (http://127.0.0.1:PORT).
start_daemon() {
	local name=$1 i
	shift
	rm -f "$tmp/$name.sock"
	"$GD" --socket "$tmp/$name.sock" --http 127.0.0.1:0 "$@" >"$tmp/$name.log" 2>&1 &
	pid=$!
	daemons+=("$pid")
	for i in $(seq 100); do
		url=$(grep -o 'HTTP live view on http://127\.0\.0\.1:[0-9]*' "$tmp/$name.log" | grep -o 'http://.*')
		[ -S "$tmp/$name.sock" ] && [ -n "$url" ] && return 0
		sleep 0.05
	done
	echo "# grabberd $name did not come up:"; sed 's/^/#   /' "$tmp/$name.log"
	return 1
}

alive() { kill -0 "$1" 2>/dev/null; }
# status URL [curl options]: the HTTP status code (000 if none)
status() { local u=$1; shift; curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 "$@" "$u"; }
state() { curl -sf --max-time 5 "$1/state"; }

cat >"$tmp/grabberd.conf" <<'EOF'
[grabberd]
linger_ms = 300
listen_http = 127.0.0.1:1

[stream yuyv]
width = 640
height = 480
format = YUYV
fps = 30

[stream grey]
width = 320
height = 240
format = GREY
fps = 30
quality = 95

[stream rgb]
width = 320
height = 240
format = RGB24
fps = 30
quality = 90
EOF
# --http on the command line overrides listen_http from the file.
start_daemon main -c "$tmp/grabberd.conf" || exit 1
main_pid=$pid main=$url
declare -A fourcc=([yuyv]=YUYV [grey]=GREY [rgb]=RGB3)
declare -A size=([yuyv]="640,480" [grey]="320,240" [rgb]="320,240")
declare -A jpgfmt=([yuyv]=yuvj422p [grey]=gray [rgb]=yuvj444p)

# ---- configuration and command line ---------------------------------------
d=$tmp/cfg.diag
(
	printf '[grabberd]\nlisten_http = nonsense\n' >"$tmp/bad1.conf"
	printf '[stream s]\nquality = 101\n' >"$tmp/bad2.conf"
	printf '[grabberd]\nlisten_http = off\n[stream s]\nquality = 1\n' >"$tmp/good.conf"
	"$GD" -c "$tmp/bad1.conf" --check-config; r1=$?
	"$GD" -c "$tmp/bad1.conf" --check-config 2>&1 | grep -q 'bad1.conf:2: \[grabberd\] listen_http = nonsense: must be HOST:PORT'; g1=$?
	"$GD" -c "$tmp/bad2.conf" --check-config 2>&1 | grep -q 'bad2.conf:2: \[stream s\] quality = 101: must be a JPEG quality from 1 to 100'; g2=$?
	"$GD" -c "$tmp/good.conf" --check-config; r3=$?
	"$GD" --http 'no-port' --check-config 2>&1 | grep -q -- '--http no-port: must be HOST:PORT'; g4=$?
	"$GD" --help | grep -q -- '--no-http'; g5=$?
	echo "bad1 exit $r1 msg $g1, bad2 msg $g2, good exit $r3, --http msg $g4, help $g5"
	[ $r1 -ne 0 ] && [ $g1 -eq 0 ] && [ $g2 -eq 0 ] && [ $r3 -eq 0 ] && [ $g4 -eq 0 ] && [ $g5 -eq 0 ]
) >"$d" 2>&1
result "config: listen_http and quality are checked with file:line messages; --http is checked; --help lists --no-http" $? "$d"

d=$tmp/inuse.diag
(
	port=${main##*:}
	timeout 10 "$GD" --socket "$tmp/second.sock" --http "127.0.0.1:$port" >"$tmp/second.log" 2>&1
	r=$?
	cat "$tmp/second.log"
	echo "exit $r"
	[ $r -ne 0 ] && [ $r -ne 124 ] &&
	grep -q "HTTP: cannot listen on 127.0.0.1:$port: the port is already in use" "$tmp/second.log" &&
	grep -q -- '--no-http' "$tmp/second.log" && [ ! -S "$tmp/second.sock" ]
) >"$d" 2>&1
result "a second grabberd on a port already in use exits with a clear error (and removes its socket)" $? "$d"

d=$tmp/nohttp.diag
(
	"$GD" --socket "$tmp/nohttp.sock" --no-http --width 320 --height 240 >"$tmp/nohttp.log" 2>&1 &
	p=$!
	for i in $(seq 100); do [ -S "$tmp/nohttp.sock" ] && break; sleep 0.05; done
	cat "$tmp/nohttp.log"
	grep -q 'HTTP live view: off' "$tmp/nohttp.log" && [ -S "$tmp/nohttp.sock" ] &&
	! grep -q 'HTTP live view on' "$tmp/nohttp.log" &&
	! grep -q ':8080' <(ss -Htlnp | grep "pid=$p,")
	r=$?
	kill "$p"; wait "$p" 2>/dev/null
	exit $r
) >"$d" 2>&1
result "--no-http: the daemon serves its socket and no HTTP" $? "$d"

# ---- /snapshot -----------------------------------------------------------------
for s in yuyv grey rgb; do
	d=$tmp/snap-$s.diag
	{
		code=$(curl -s -D "$tmp/snap-$s.h" -o "$tmp/snap-$s.jpg" -w '%{http_code}' --max-time 10 "$main/snapshot?stream=$s")
		cat "$tmp/snap-$s.h"
		seq=$(tr -d '\r' <"$tmp/snap-$s.h" | awk -F': ' 'tolower($1)=="x-frame-sequence"{print $2}')
		got=$(ffprobe -v error -i "$tmp/snap-$s.jpg" -select_streams v:0 \
			-show_entries stream=width,height,pix_fmt -of csv=p=0)
		echo "status $code, seq $seq, ffprobe: $got"
		[ "$code" = 200 ] && grep -qi '^content-type: image/jpeg' "$tmp/snap-$s.h" &&
		[ "$got" = "${size[$s]},${jpgfmt[$s]}" ] &&
		"$CHK" jpeg "$tmp/snap-$s.jpg" "$seq" "${fourcc[$s]}" 30 &&
		! "$CHK" jpeg "$tmp/snap-$s.jpg" $((seq + 1)) "${fourcc[$s]}" 30
	} >"$d" 2>&1
	result "/snapshot?stream=$s: a JPEG ffprobe reads as ${size[$s]/,/x} ${jpgfmt[$s]}; decoded it matches the pattern of its X-Frame-Sequence at PSNR >= 30 dB (and not the next frame)" $? "$d"
	grep -m1 'PSNR' "$d"
done

d=$tmp/mjpg-snap.diag
(
	code=$(curl -s -D "$tmp/ms.h" -o "$tmp/ms.jpg" -w '%{http_code}' --max-time 10 "$main/?action=snapshot")
	seq=$(tr -d '\r' <"$tmp/ms.h" | awk -F': ' 'tolower($1)=="x-frame-sequence"{print $2}')
	echo "status $code seq $seq"
	[ "$code" = 200 ] && "$CHK" jpeg "$tmp/ms.jpg" "$seq" YUYV 30
) >"$d" 2>&1
result "/?action=snapshot (mjpg-streamer URL): the first stream's JPEG, matching the pattern" $? "$d"

d=$tmp/ondemand.diag
(
	# Nobody watches: after the linger the source is stopped, then a
	# snapshot alone starts it and gets a frame (its X-Frame-Sequence is
	# the proof the source ran: a stopped source has no frame to give),
	# and after the linger it stops again.  Each wait has a deadline, not
	# a fixed sleep: a busy machine may take longer than the linger
	# between two requests.
	stream_is() {	# stream_is WANT: poll /state for up to 20 s
		local i got
		for i in $(seq 100); do
			got=$(state "$main" | jq -r '.streams[] | select(.name=="grey") | "\(.state) \(.encoding)"')
			[ "$got" = "$1" ] && return 0
			sleep 0.2
		done
		echo "still '$got' after 20 s, wanted '$1'"
		return 1
	}
	stream_is "stopped false" && echo "before: stopped" &&
	code=$(curl -s -D "$tmp/od.h" -o "$tmp/od.jpg" -w '%{http_code}' --max-time 10 "$main/snapshot?stream=grey") &&
	seq=$(tr -d '\r' <"$tmp/od.h" | awk -F': ' 'tolower($1)=="x-frame-sequence"{print $2}') &&
	echo "snapshot: $code, frame $seq" &&
	[ "$code" = 200 ] && [ -n "$seq" ] && "$CHK" jpeg "$tmp/od.jpg" "$seq" GREY 30 &&
	stream_is "stopped false" && echo "after the linger: stopped"
) >"$d" 2>&1
result "a snapshot starts a stopped source on demand; with nobody watching it stops again after the linger" $? "$d"

# ---- /stream with ffmpeg -------------------------------------------------------
for path in "/stream?stream=yuyv" "/?action=stream"; do
	d=$tmp/ffmpeg.diag
	{
		timeout 60 ffmpeg -nostdin -y -v error -i "$main$path" -frames:v 30 -f framemd5 "$tmp/ff.md5"
		r=$?
		n=$(grep -vc '^#' "$tmp/ff.md5")
		echo "ffmpeg exit $r, $n frames"
		[ $r -eq 0 ] && [ "$n" -eq 30 ]
	} >"$d" 2>&1
	result "ffmpeg reads 30 frames from $path without error" $? "$d"
done

# ---- /state --------------------------------------------------------------------
d=$tmp/state.diag
(
	python3 "$VIEWERS" "$main/stream?stream=rgb" --viewers 1 --window 3 >"$tmp/v1.json" &
	vpid=$!
	bgs+=("$vpid")
	sleep 1
	state "$main" >"$tmp/s1.json" && python3 -m json.tool "$tmp/s1.json" >/dev/null || exit 1
	sleep 1
	state "$main" >"$tmp/s2.json" && python3 -m json.tool "$tmp/s2.json" >/dev/null || exit 1
	wait "$vpid"
	q='.streams[] | select(.name=="rgb")'
	jq -c "$q" "$tmp/s2.json"
	for k in name source state format.fourcc format.width fps.configured fps.measured frames dropped missed client_count encoding quality clients; do
		jq -e "$q | .${k} != null" "$tmp/s2.json" >/dev/null || { echo "missing $k"; exit 1; }
	done
	f1=$(jq "$q | .frames" "$tmp/s1.json") f2=$(jq "$q | .frames" "$tmp/s2.json")
	e1=$(jq "$q | .jpeg.encoded" "$tmp/s1.json") e2=$(jq "$q | .jpeg.encoded" "$tmp/s2.json")
	echo "frames $f1 -> $f2, encoded $e1 -> $e2"
	[ "$f2" -gt "$f1" ] && [ "$e2" -gt "$e1" ] &&
	jq -e "$q | .encoding == true and .quality == 90 and .format.fourcc == \"RGB3\" and .fps.configured == 30 and .fps.measured > 0" "$tmp/s2.json" >/dev/null &&
	jq -e "$q | [.clients[] | select(.kind == \"mjpeg\")] | length == 1 and (.[0] | has(\"missed\") and has(\"lag\") and .frames > 0)" "$tmp/s2.json" >/dev/null &&
	jq -e '.errors == []' "$tmp/v1.json" >/dev/null
) >"$d" 2>&1
result "/state is JSON; while an MJPEG viewer watches: frames and JPEG counters move, encoding on, quality/format/fps, the viewer listed with kind, frames, missed, lag" $? "$d"

d=$tmp/state-libgrab.diag
(
	"$GC" -s "$tmp/main.sock" -S grey -t 3 -f raw -q -o /dev/null &
	gpid=$!
	bgs+=("$gpid")
	sleep 1.5
	state "$main" >"$tmp/s3.json"
	wait "$gpid"
	jq -c '.streams[] | select(.name=="grey") | {state, encoding, client_count, clients}' "$tmp/s3.json"
	jq -e '.streams[] | select(.name=="grey") | .encoding == false and .state == "running" and .client_count == 1 and .clients[0].kind == "socket" and .clients[0].frames > 0 and (.clients[0] | has("missed") and has("lag"))' "$tmp/s3.json" >/dev/null
) >"$d" 2>&1
result "/state lists a libgrab client (kind socket, pid, frames, missed, lag) and shows encoding off when only libgrab clients watch" $? "$d"

# ---- /metrics ------------------------------------------------------------------
d=$tmp/metrics.diag
(
	curl -sf --max-time 5 -D "$tmp/m.h" "$main/metrics" >"$tmp/m1.txt" || exit 1
	promtool check metrics <"$tmp/m1.txt" || exit 1
	grep -qi '^content-type: text/plain; version=0.0.4' "$tmp/m.h" || exit 1
	for s in yuyv grey rgb; do
		grep -q "^grabberd_stream_frames_total{stream=\"$s\"} " "$tmp/m1.txt" || exit 1
		grep -q "^grabberd_stream_jpeg_encoding{stream=\"$s\"} " "$tmp/m1.txt" || exit 1
	done
	# Every sample has a HELP and a TYPE line before it.
	awk '/^# HELP /{h[$3]=1} /^# TYPE /{t[$3]=1} !/^#/{split($1,a,"{"); if (!h[a[1]] || !t[a[1]]) {print "no HELP/TYPE for " a[1]; bad=1}} END{exit bad}' "$tmp/m1.txt" || exit 1
	a=$(awk '/^grabberd_http_requests_total /{print $2}' "$tmp/m1.txt")
	b=$(curl -sf --max-time 5 "$main/metrics" | awk '/^grabberd_http_requests_total /{print $2}')
	echo "promtool: OK; requests $a -> $b"
	[ "$b" -gt "$a" ]
) >"$d" 2>&1
result "/metrics passes promtool check metrics, HELP and TYPE for every family, a stream label per stream, counters move" $? "$d"

# ---- many viewers, a slow one ----------------------------------------------------
start_daemon big --width 1280 --height 720 --fps 60 --linger 200 || exit 1
big_pid=$pid big=$url
d=$tmp/twenty.diag
(
	python3 "$VIEWERS" "$big/stream" --viewers 20 --window 3 --stall 5 \
		--pid "$big_pid" --state "$big/state" >"$tmp/twenty.json"
	r=$?
	cat "$tmp/twenty.json"
	[ $r -eq 0 ]
) >"$d" 2>&1
twenty_ok=$?
j=$tmp/twenty.json
if [ $twenty_ok -eq 0 ]; then
	# Every viewer gets frames (a busy machine may slow them all: how many
	# is a benchmark's question, not this test's).
	jq -e '(.connect_frames | all(. > 0)) and (.pre | all(. >= 1)) and .errors == [] and .closed == 0' "$j" >/dev/null
	result "20 concurrent /stream viewers all receive whole JPEG parts (strict multipart/chunked parse, rising sequences)" $? "$d"
	jq -r '"# frames per viewer in 3 s: \(.pre | min)..\(.pre | max)"' "$j"

	jq -e '.stall[0] == 0 and .stalled_state.in_flight == true and .stalled_state.missed > 0' "$j" >/dev/null
	result "a viewer that stops reading keeps one frame in flight and skips the rest (its missed frames show in /state)" $? "$d"

	jq -e '(.rss_peak_kib - .rss_start_kib) * 1024 <= 2 * .sizeimage' "$j" >/dev/null
	result "while a viewer stops reading for 5 s, the daemon's RSS grows by at most 2 frames' worth" $? "$d"
	jq -r '"# RSS \(.rss_start_kib) KiB -> peak \(.rss_peak_kib) KiB (+\(.rss_peak_kib - .rss_start_kib) KiB; a frame is \(.sizeimage / 1024 | floor) KiB raw, \(.jpeg_last_bytes / 1024 | floor) KiB as JPEG; \(.stalled_state.missed) frames skipped for the stalled viewer)"' "$j"

	# The others go on while one is stalled: each gets frames all along
	# (a busy machine may slow them; a stalled viewer must not stop them).
	jq -e '[range(1; .stall | length) as $i | .stall[$i] >= 5] | all' "$j" >/dev/null
	result "the other 19 viewers go on while one is stalled (each >= 1 frame a second)" $? "$d"
	jq -r '"# per-viewer fps before: \(.pre[1:] | min / 3 | floor)..\(.pre[1:] | max / 3 | floor), during the stall: \(.stall[1:] | min / 5 | floor)..\(.stall[1:] | max / 5 | floor)"' "$j"

	jq -e '.resume_caught_up == true' "$j" >/dev/null
	result "the stalled viewer, reading again, catches up to the newest frame" $? "$d"
	jq -r '"# caught up in \(.resume_s) s"' "$j"
else
	result "20 concurrent /stream viewers (viewers.py failed)" 1 "$d"
fi

d=$tmp/once.diag
(
	# Encode once per frame: JPEGs made <= frames published, with 16 viewers.
	# Measured between two /state reads once all 16 are connected (a busy
	# machine may take a while to connect them), within their window.
	python3 "$VIEWERS" "$big/stream" --viewers 16 --window 12 >"$tmp/v16.json" &
	vpid=$!
	bgs+=("$vpid")
	for i in $(seq 100); do
		state "$big" >"$tmp/o1.json" &&
			[ "$(jq '.streams[0].clients | length' "$tmp/o1.json")" -eq 16 ] && break
		sleep 0.2
	done
	sleep 1.5; state "$big" >"$tmp/o2.json"
	wait "$vpid"
	f1=$(jq '.streams[0].frames' "$tmp/o1.json") f2=$(jq '.streams[0].frames' "$tmp/o2.json")
	e1=$(jq '.streams[0].jpeg.encoded' "$tmp/o1.json") e2=$(jq '.streams[0].jpeg.encoded' "$tmp/o2.json")
	n=$(jq '.streams[0].clients | length' "$tmp/o2.json")
	b1=$(jq '.streams[0].jpeg.bytes_sent' "$tmp/o1.json") b2=$(jq '.streams[0].jpeg.bytes_sent' "$tmp/o2.json")
	x1=$(jq '.streams[0].jpeg.bytes' "$tmp/o1.json") x2=$(jq '.streams[0].jpeg.bytes' "$tmp/o2.json")
	echo "viewers $n; frames +$((f2 - f1)), JPEGs encoded +$((e2 - e1)); JPEG bytes encoded +$((x2 - x1)), sent +$((b2 - b1))"
	n1=$(jq '.streams[0].clients | length' "$tmp/o1.json")
	[ "$n1" -eq 16 ] && [ "$n" -eq 16 ] && [ $((e2 - e1)) -gt 0 ] && [ $((e2 - e1)) -le $((f2 - f1)) ] &&
	[ $((b2 - b1)) -gt $((4 * (x2 - x1))) ] &&
	jq -e '.errors == []' "$tmp/v16.json" >/dev/null
) >"$d" 2>&1
result "16 viewers: each frame is encoded once (JPEGs made <= frames published) while the bytes sent are many times the bytes encoded" $? "$d"
sed -n 's/^viewers/# viewers/p' "$d"

# ---- the page in Chromium ------------------------------------------------------------
d=$tmp/chromium.diag
(
	code=$(status "$main/")
	grep -q '<title>grabberd live view</title>' "$tmp/body" || exit 1
	# Self-contained: nothing fetched from elsewhere.
	! grep -Eio '(src|href)="(https?:)?//[^"]*' "$tmp/body" || exit 1
	prof=$(mktemp -d "$tmp/chromium.XXXX")
	timeout 90 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$prof" \
		--window-size=1280,900 \
		--screenshot="$tmp/page.png" "$main/" >"$tmp/chromium.log" 2>&1
	r=$?
	echo "page status $code, chromium exit $r"
	[ "$code" = 200 ] && [ $r -eq 0 ] && [ -s "$tmp/page.png" ] || { tail -5 "$tmp/chromium.log"; exit 1; }
	ffmpeg -nostdin -v error -y -i "$tmp/page.png" -f rawvideo -pix_fmt rgb24 "$tmp/page.rgb" &&
	python3 - "$tmp/page.rgb" 1280 900 <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
w, h = int(sys.argv[2]), int(sys.argv[3])
assert len(data) == w * h * 3, "size %d" % len(data)
# The test pattern's saturated bars; the page itself is greys and one blue.
bars = {"yellow": (1, 1, 0), "cyan": (0, 1, 1), "green": (0, 1, 0),
        "magenta": (1, 0, 1), "red": (1, 0, 0), "blue": (0, 0, 1)}
count = dict.fromkeys(bars, 0)
for i in range(0, len(data), 3):
    r, g, b = data[i], data[i + 1], data[i + 2]
    key = (r > 180, g > 180, b > 180)
    dark = (r < 70, g < 70, b < 70)
    for name, (R, G, B) in bars.items():
        if key == (bool(R), bool(G), bool(B)) and dark == (not R, not G, not B):
            count[name] += 1
seen = [n for n, c in count.items() if c >= 1000]
print("# picture pixels per bar colour:", count)
sys.exit(0 if len(seen) >= 3 else 1)
PY
) >"$d" 2>&1
result "headless Chromium loads / and its screenshot shows the live test pattern (the picture is not uniform: >= 3 of its bar colours over 1000 pixels each)" $? "$d"
grep -m1 '^# picture' "$d"
[ -n "${HTTP_TIER_KEEP_SCREENSHOT:-}" ] && cp "$tmp/page.png" "$HTTP_TIER_KEEP_SCREENSHOT"

# ---- bad requests --------------------------------------------------------------
d=$tmp/bad.diag
(
	bad=0
	check() {	# check EXPECTED-REGEX DESCRIPTION URL [curl options]
		local want=$1 what=$2 u=$3 got
		shift 3
		got=$(status "$u" "$@")
		echo "$what: $got $(head -c 200 "$tmp/body")"
		[[ $got =~ ^($want)$ ]] || { echo "  expected $want"; bad=1; }
	}
	check 405 "POST /state" "$main/state" -X POST -d x=1
	check 405 "PUT /stream" "$main/stream" -X PUT -d x
	check 405 "DELETE /" "$main/" -X DELETE
	curl -s -D - -o /dev/null -X POST "$main/snapshot" | grep -qi '^Allow: GET, HEAD' || { echo "no Allow header"; bad=1; }
	check 404 "unknown path" "$main/nothing/here"
	check 404 "unknown stream" "$main/stream?stream=nosuch"
	grep -q 'no stream named "nosuch"' "$tmp/body" || { echo "no message naming the stream"; bad=1; }
	check 404 "unknown stream, snapshot" "$main/snapshot?stream=nosuch"
	check 400 "query without =" "$main/snapshot?stream"
	check 400 "bad %-escape" "$main/snapshot?stream=%zz"
	check 400 "unknown parameter" "$main/stream?stream=yuyv&bogus=1"
	check 400 "stream given twice" "$main/snapshot?stream=yuyv&stream=grey"
	check 400 "bad stream name" "$main/snapshot?stream=a%2Fb"
	check 400 "bad action" "$main/?action=explode"
	check 400 "query on /state" "$main/state?x=1"
	check '4[0-9][0-9]' "20 KB header" "$main/state" -H "X-Huge: $(head -c 20000 /dev/zero | tr '\0' a)"
	hdrs=()
	for i in $(seq 1500); do hdrs+=(-H "X-$i:vvvvvv"); done
	check '4[0-9][0-9]' "1500 headers" "$main/state" "${hdrs[@]}"
	# A method token nobody knows gets 405 too, as README says (evhttp
	# alone would answer 501).
	check 405 "unknown method BREW" "$main/state" -X BREW
	check 405 "unknown method FOO on /snapshot" "$main/snapshot" -X FOO
	# A NUL in a query value would cut it short: refused, not served as
	# the stream before it.
	check 400 "a NUL (%00) in stream=" "$main/snapshot?stream=yuyv%00evil"
	grep -q 'NUL' "$tmp/body" || { echo "no message naming the NUL"; bad=1; }
	check 400 "a NUL (%00) in action=" "$main/?action=stream%00x"
	# Raw garbage on the socket.
	python3 - "${main##*:}" <<'PY' || bad=1
import socket, sys
port = int(sys.argv[1])
for raw in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET /state HTTP/9.9\r\n\r\n",
            b"\x00\x01\x02\xff\r\n\r\n", b"GET /state HTTP/1.1\r\nbroken header line\r\n\r\n"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(raw)
    try:
        reply = s.recv(200)
    except OSError:
        reply = b""
    s.close()
    line = reply.split(b"\r\n")[0].decode("latin-1")
    print("raw %r: %r" % (raw[:20], line))
    parts = line.split(" ")
    if reply and not (len(parts) > 1 and parts[1].startswith("4")):
        print("  expected 4xx or a closed connection")
        sys.exit(1)
PY
	# A space in a query key (evhttp takes the target up to the last
	# space): "action stream" once matched two allowed words and crashed
	# the daemon (found by tests/fuzz/fuzz-http).  It must get a 400.
	python3 - "${main##*:}" <<'PY' || bad=1
import socket, sys
port = int(sys.argv[1])
for raw in (b"GET /?action stream=1 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /stream?stream x=1 HTTP/1.1\r\nHost: x\r\n\r\n"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(raw)
    try:
        reply = s.recv(300)
    except OSError:
        reply = b""
    s.close()
    print("raw %r: %r" % (raw[:30], reply.split(b"\r\n")[0]))
    if not reply.startswith(b"HTTP/1.1 400") or b"unknown query parameter" not in reply:
        print("  expected 400 naming the unknown parameter")
        sys.exit(1)
PY
	# Half a request then a close, and a connection that never speaks.
	exec 3<>/dev/tcp/127.0.0.1/${main##*:}; printf 'GET /sta' >&3; exec 3>&-
	code=$(status "$main/snapshot?stream=yuyv")
	echo "afterwards: snapshot $code, daemon alive: $(alive "$main_pid" && echo yes || echo no)"
	[ "$code" = 200 ] && alive "$main_pid" && [ $bad -eq 0 ]
) >"$d" 2>&1
result "bad requests: 405 (with Allow) for other methods, 404 for unknown paths and streams (naming them), 400 for malformed queries (a space in a key too), 4xx for huge headers and garbage; the daemon keeps serving" $? "$d"

d=$tmp/head.diag
(
	for p in / /state /metrics "/snapshot?stream=grey" "/stream?stream=grey"; do
		c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -I "$main$p")
		echo "HEAD $p: $c"
		[ "$c" = 200 ] || exit 1
	done
) >"$d" 2>&1
result "HEAD works on every page" $? "$d"

# ---- MJPEG source: served as it came, zero encodes -------------------------------
start_daemon mjpg --width 640 --height 480 --format MJPG --fps 30 --linger 1000 || exit 1
mjpg_pid=$pid mjpg=$url
d=$tmp/mjpg-snap.diag
(
	for i in 1 2 3; do
		code=$(curl -s -D "$tmp/mj$i.h" -o "$tmp/mj$i.jpg" -w '%{http_code}' --max-time 10 "$mjpg/snapshot")
		seq=$(tr -d '\r' <"$tmp/mj$i.h" | awk -F': ' 'tolower($1)=="x-frame-sequence"{print $2}')
		# The barcode decoded from the JPEG must name the same frame,
		# and re-encoding that frame must give exactly these bytes.
		out=$("$CHK" mjpeg "$tmp/mj$i.jpg" 640 480)
		echo "status $code X-Frame-Sequence $seq: $out"
		[ "$code" = 200 ] && echo "$out" | grep -q "1 JPEG frames (sequences $seq\.\.$seq), 0 not" || exit 1
	done
	timeout 3 curl -s -o "$tmp/mj.stream" "$mjpg/stream"
	state "$mjpg" >"$tmp/mj.json"
	jq -c '.streams[0].jpeg | {encoded, passed, encode_ms_avg}' "$tmp/mj.json"
	jq -e '.streams[0].jpeg.encoded == 0 and .streams[0].jpeg.passed >= 3' "$tmp/mj.json" >/dev/null
) >"$d" 2>&1
result "MJPEG source: /snapshot returns exactly the frame's bytes (its barcode names X-Frame-Sequence, re-encoding gives the same bytes); /state counts 0 encodes" $? "$d"
grep -m1 'encoded' "$d"

d=$tmp/mjpg-stream.diag
(
	frames=$(ffprobe -v error -f mpjpeg -i "$tmp/mj.stream" -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 2>/dev/null)
	echo "ffprobe: $frames frames in 3 s of /stream"
	# The multipart body's JPEGs, back to back, are the source's.
	python3 - "$tmp/mj.stream" "$tmp/mj-parts.mjpeg" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
out = open(sys.argv[2], 'wb')
i = 0
while True:
    a = data.find(b'\xff\xd8', i)
    if a < 0:
        break
    b = data.find(b'\xff\xd9', a)
    if b < 0:
        break
    out.write(data[a:b + 2])
    i = b + 2
PY
	"$CHK" mjpeg "$tmp/mj-parts.mjpeg" 640 480 && [ "${frames:-0}" -ge 10 ]
) >"$d" 2>&1
result "MJPEG source: /stream carries the source's JPEGs byte for byte (ffprobe reads >= 10 frames)" $? "$d"
grep -m1 'JPEG frames' "$d"
kill -TERM "$mjpg_pid"

# ---- reload: a stream removed under its viewers ---------------------------------
d=$tmp/reload.diag
(
	curl -s --max-time 20 -o "$tmp/cut.mjpeg" "$main/stream?stream=rgb" &
	cpid=$!
	bgs+=("$cpid")
	sleep 1
	sed -i '/^\[stream rgb\]/,$d' "$tmp/grabberd.conf"
	kill -HUP "$main_pid"
	wait "$cpid"; r=$?
	code=$(status "$main/snapshot?stream=rgb")
	code2=$(status "$main/snapshot?stream=yuyv")
	echo "curl exit $r after the reload ($(stat -c %s "$tmp/cut.mjpeg") bytes); rgb snapshot $code; yuyv snapshot $code2"
	[ $r -eq 0 ] && [ "$code" = 404 ] && [ "$code2" = 200 ] && alive "$main_pid"
) >"$d" 2>&1
result "SIGHUP removing a stream ends its MJPEG replies cleanly; it then answers 404 and the others go on" $? "$d"

# ---- a failing source: the no-signal picture ----------------------------------
d=$tmp/nosignal.diag
(
	set -e
	start_daemon nosig --stream cam --source v4l2:/dev/grab-no-such-camera \
		--width 320 --height 240 --format YUYV
	nsurl=$url
	curl -N -s --max-time 3 -D "$tmp/ns.hdr" "$nsurl/stream?stream=cam" -o "$tmp/ns.body" || true
	python3 - "$tmp/ns.body" "$tmp/ns.jpg" <<'PY'
import re, sys
b = open(sys.argv[1], 'rb').read()
m = re.search(rb'--grabframe\r\n(.*?)\r\n\r\n', b, re.S)
head = m.group(1).decode()
print(head)
n = int(re.search(r'Content-Length: (\d+)', head).group(1))
assert 'X-No-Signal: /dev/grab-no-such-camera: cannot open' in head, head
assert 'X-Frame-Sequence' not in head, head
open(sys.argv[2], 'wb').write(b[m.end():m.end() + n])
PY
	probe=$(ffprobe -v error -show_entries stream=width,height,pix_fmt -of csv=p=0 "$tmp/ns.jpg")
	echo "ffprobe: $probe"
	[ "$probe" = "320,240,gray" ]
	# Dark with bright letters: some pixels of each.
	ffmpeg -v error -y -i "$tmp/ns.jpg" -f rawvideo -pix_fmt gray "$tmp/ns.gray"
	python3 -c "
import sys
p = open('$tmp/ns.gray', 'rb').read()
bright = sum(1 for v in p if v > 160); dark = sum(1 for v in p if v < 80)
print('bright', bright, 'dark', dark)
sys.exit(0 if bright > 500 and dark > 50000 else 1)"
	code=$(status "$nsurl/snapshot?stream=cam")
	echo "snapshot: $code $(cat "$tmp/body")"
	[ "$code" = 503 ] && grep -q 'cannot open' "$tmp/body"
	kill -TERM "$pid"
	wait "$pid"
) >"$d" 2>&1
result "a failing source: an MJPEG viewer gets a 'no signal' picture of the stream's size with the reason (X-No-Signal), not a frozen frame; a snapshot gets 503 and the reason" $? "$d"

# ---- hostile peers: connection flood, slowloris -------------------------------
# grabberd at 1024 open files (as when started by hand), the default cap of
# 256 HTTP connections.  1,100 idle connections must not starve socket
# clients, flood the log or burn the CPU; a head trickled a byte a second is
# cut off at the request-head deadline (10 s); an MJPEG viewer is not.
d=$tmp/flood.diag
(
	rm -f "$tmp/flood.sock"
	prlimit --nofile=1024:1024 -- "$GD" --socket "$tmp/flood.sock" --http 127.0.0.1:0 \
		--width 320 --height 240 >"$tmp/flood.log" 2>&1 &
	fpid=$!
	for i in $(seq 100); do
		furl=$(grep -o 'HTTP live view on http://127\.0\.0\.1:[0-9]*' "$tmp/flood.log" | grep -o 'http://.*')
		[ -S "$tmp/flood.sock" ] && [ -n "$furl" ] && break
		sleep 0.05
	done
	port=${furl##*:}
	ticks0=$(awk '{print $14 + $15}' "/proc/$fpid/stat")
	# The trickle first, so that it is accepted before the flood fills
	# the cap (later ones wait in the backlog, their deadline not begun).
	python3 tests/http/hostile-peers.py trickle 127.0.0.1 "$port" 25 >"$tmp/trickle.out" 2>&1 &
	trp=$!
	sleep 1
	python3 tests/http/hostile-peers.py flood 127.0.0.1 "$port" 1100 14 >"$tmp/flood.out" 2>&1 &
	flp=$!
	for i in $(seq 100); do grep -q opened "$tmp/flood.out" && break; sleep 0.1; done
	sleep 2
	fds=$(ls "/proc/$fpid/fd" | wc -l)
	"$GC" -s "$tmp/flood.sock" -n 30 -f raw -o "$tmp/flood.raw" -T 10 2>"$tmp/flood-cap.err"
	cst=$?
	"$build/tests/verify-frames" 320 240 YUYV "$tmp/flood.raw" >"$tmp/flood-chk.out" 2>&1
	chk=$?
	wait "$flp" "$trp"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$furl/state")
	ticks1=$(awk '{print $14 + $15}' "/proc/$fpid/stat")
	# An MJPEG viewer outlives the head deadline.
	timeout 13 curl -s -o "$tmp/flood.mjpeg" "$furl/stream"
	mj=$?
	kill -TERM "$fpid"; wait "$fpid"; dst=$?
	lines=$(wc -l <"$tmp/flood.log")
	echo "during the flood: $fds fds open in grabberd (cap 256); idle connections the flood still had open after 14 s: $(grep '^open' "$tmp/flood.out")"
	echo "socket client during the flood: exit $cst, $(cat "$tmp/flood-chk.out")"
	echo "trickle: $(cat "$tmp/trickle.out"); /state after: $code; CPU $((ticks1 - ticks0)) ticks; $lines log lines; MJPEG after 13 s: curl $mj; exit $dst"
	[ "$fds" -le 300 ] && [ $cst -eq 0 ] && [ $chk -eq 0 ] && [ "$code" = 200 ] &&
		grep -qE '^cut after (9|1[0-9])\.' "$tmp/trickle.out" &&
		[ $((ticks1 - ticks0)) -le 300 ] && [ "$lines" -le 40 ] && [ $mj -eq 124 ] && [ $dst -eq 0 ]
) >"$d" 2>&1
result "1,100 idle HTTP connections: grabberd holds at most its cap of fds, socket clients get verified frames, the log stays short, little CPU; a slowloris head is cut at the 10 s deadline, an MJPEG viewer is not" $? "$d"
grep -m3 '' "$d" | sed 's/^/# /'

d=$tmp/maxconn.diag
(
	printf '[grabberd]\nhttp_max_connections = 0\n' >"$tmp/mc0.conf"
	out=$("$GD" --check-config -c "$tmp/mc0.conf" 2>&1)
	echo "$out"
	echo "$out" | grep -q 'http_max_connections' || exit 1
	printf '[grabberd]\nlisten_http = 127.0.0.1:0\nhttp_max_connections = 8\n' >"$tmp/mc8.conf"
	"$GD" -c "$tmp/mc8.conf" --socket "$tmp/mc8.sock" >"$tmp/mc8.log" 2>&1 &
	mpid=$!
	for i in $(seq 100); do
		murl=$(grep -o 'HTTP live view on http://127\.0\.0\.1:[0-9]*' "$tmp/mc8.log" | grep -o 'http://.*')
		[ -n "$murl" ] && break
		sleep 0.05
	done
	base=$(ls "/proc/$mpid/fd" | wc -l)
	python3 tests/http/hostile-peers.py flood 127.0.0.1 "${murl##*:}" 40 4 >"$tmp/mc8.out" 2>&1 &
	flp=$!
	sleep 2
	fds=$(ls "/proc/$mpid/fd" | wc -l)
	wait "$flp"
	kill -TERM "$mpid"; wait "$mpid"
	echo "http_max_connections = 8: $base fds before, $fds with 40 connections waiting"
	[ $((fds - base)) -le 8 ] && grep -q 'http_max_connections' "$tmp/mc8.log"
) >"$d" 2>&1
result "http_max_connections: 0 is refused naming the key; 8 holds 40 connections to 8 fds, with a warning" $? "$d"

d=$tmp/exit.diag
kill -TERM "$main_pid" "$big_pid"
wait "$main_pid"; r1=$?
wait "$big_pid"; r2=$?
{
	echo "exit statuses $r1 $r2"
	grep -iE 'error|assert|abort' "$tmp/main.log" "$tmp/big.log" || true
} >"$d" 2>&1
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]
result "both daemons exit 0 on SIGTERM after all this" $? "$d"
exit $failed
