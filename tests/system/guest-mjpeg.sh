# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced by guest-checks.sh (the system tier, in the VM, grabberd running
# under systemd with the tier's config in $conf): MJPEG from a real V4L2
# device.  v4l2loopback (Debian's v4l2loopback-dkms, built on the host for
# this kernel: tests/system/v4l2loopback.sh) is fed, by loopback-feed, 30
# JPEG frames ffmpeg made on the host, in turn at 15 fps, the way a USB
# camera delivers MJPEG (one JPEG per buffer, bytesused its size).
# grabberd takes it through v4l2: as MJPEG and serves it over HTTP with
# zero encodes: every /snapshot and every /stream part must be, byte for
# byte, one of the files fed, and /state and /metrics must count no encode.
# Helpers: check, ok, not_ok, wait_for; $out is the 9p share, $bin the
# host's programs.
#
# grabberd.service's DeviceAllow=char-video4linux is resolved from
# /proc/devices when the service starts: videodev (which v4l2loopback
# shares with vivid) is loaded by then, so the service may open the new
# device; a daemon started before any V4L2 driver was loaded would get
# EPERM here until restarted.
: "${out:?}" "${bin:?}" "${conf:?}"
lb_dev=/dev/video42
lb_frames=/payload/frames/mjpeg-640x480
lb_http=http://127.0.0.1:8080

check "modprobe v4l2loopback (Debian's v4l2loopback-dkms, built for $(uname -r))" \
	modprobe v4l2loopback devices=1 video_nr=42 card_label=grab-mjpeg exclusive_caps=1
udevadm settle
$bin/loopback-feed $lb_dev MJPEG 640 480 15 0 $lb_frames/*.jpg >/tmp/feed.log 2>&1 &
lb_feeder=$!
check "loopback-feed plays the 30 JPEG frames into $lb_dev (MJPEG 640x480, 15 fps)" \
	wait_for 20 grep -q '^feeding' /tmp/feed.log
sed 's/^/# /' /tmp/feed.log
v4l2-ctl -d $lb_dev --get-fmt-video 2>&1 | sed 's/^/# v4l2-ctl: /'
check "v4l2-ctl: the loopback device captures MJPEG 640x480" \
	sh -c "v4l2-ctl -d $lb_dev --get-fmt-video | grep -q \"MJPG\" &&
		v4l2-ctl -d $lb_dev --get-fmt-video | grep -q '640/480'"

cp $conf /tmp/grabberd.conf.before-mjpeg
cat >>$conf <<CONF

[stream mjpeg]
source = v4l2:$lb_dev
width = 640
height = 480
format = MJPEG
fps = 15
CONF
check "grabberd --check-config accepts an MJPEG v4l2: stream" grabberd --check-config -c $conf
check "systemctl reload grabberd (the mjpeg stream added)" systemctl reload grabberd.service
check "grab-capture --info: the mjpeg stream is MJPEG 640x480 from $lb_dev" \
	sh -c 'grab-capture --info -S mjpeg -T 20 >/tmp/mjpeg-info.txt 2>&1; s=$?; cat /tmp/mjpeg-info.txt
		[ $s -eq 0 ] && grep -qE "640x480 MJPE?G" /tmp/mjpeg-info.txt'
sed 's/^/# info: /' /tmp/mjpeg-info.txt

# lb_check NAME FUNCTION: one test line, the function's findings as
# comments whether it passed or not.
lb_check() {
	"$2" >/tmp/lb-check.log 2>&1
	lb_status=$?
	sed 's/^/# /' /tmp/lb-check.log
	if [ $lb_status -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
}

# lb_match FILE: the name of the fed frame FILE is, byte for byte (found
# by its MD5 among the fed frames', then compared: few processes, which
# are slow to start in the emulated guest).
(cd $lb_frames && md5sum ./*.jpg) >/tmp/fed.md5
lb_match() {
	lb_sum=$(md5sum <"$1")
	lb_name=$(grep -m1 "^${lb_sum%% *} " /tmp/fed.md5) || return 1
	lb_name=${lb_name##*/}
	cmp -s "$1" "$lb_frames/$lb_name" && echo "$lb_name"
}

# Six snapshots 0.4 s apart (the first starts the source): each is exactly
# one of the files fed, and they are not all the same one.
lb_snapshots() {
	wait_for 30 curl -sf --max-time 10 -o /dev/null "$lb_http/snapshot?stream=mjpeg" ||
		{ curl -s --max-time 10 "$lb_http/snapshot?stream=mjpeg"; return 1; }
	got=
	for i in 1 2 3 4 5 6; do
		if ! curl -sf --max-time 10 -D /tmp/snap.h -o /tmp/snap.jpg "$lb_http/snapshot?stream=mjpeg"; then
			echo "snapshot $i: curl failed"
			cat /tmp/snap.h
			return 1
		fi
		size=$(stat -c %s /tmp/snap.jpg)
		if ! name=$(lb_match /tmp/snap.jpg); then
			cp /tmp/snap.jpg "$out/mjpeg-bad-snapshot.jpg"
			echo "snapshot $i: $size bytes, not one of the frames fed (kept as mjpeg-bad-snapshot.jpg)"
			return 1
		fi
		echo "snapshot $i: $name, $size bytes, X-Frame-Sequence $(tr -d '\r' </tmp/snap.h | sed -n 's/^X-Frame-Sequence: *//p')"
		got="$got $name"
		sleep 0.4
	done
	# shellcheck disable=SC2086 # one name a word
	distinct=$(printf '%s\n' $got | sort -u | wc -l)
	echo "$distinct different frames"
	[ "$distinct" -ge 2 ]
}
lb_check "/snapshot returns exactly the bytes of a frame fed, six times, not all the same frame" lb_snapshots

# /stream for 3 s: its first 10 parts (5 at least) are each, by their
# Content-Length, one of the files fed, and their sequence numbers rise.
# (10: each part takes a dozen processes, slow in the emulated guest.)
lb_stream() {
	curl -s --max-time 3 -o /tmp/stream.mjpg "$lb_http/stream?stream=mjpeg"
	total=$(stat -c %s /tmp/stream.mjpg) off=0 parts=0 last=-1
	while [ $((off + 100)) -lt "$total" ] && [ $parts -lt 10 ]; do
		tail -c +$((off + 1)) /tmp/stream.mjpg 2>/dev/null | head -n 6 >/tmp/part.raw
		hlen=$(stat -c %s /tmp/part.raw)
		tr -d '\r' </tmp/part.raw >/tmp/part.h
		len=$(sed -n 's/^Content-Length: *//p' /tmp/part.h)
		seq=$(sed -n 's/^X-Frame-Sequence: *//p' /tmp/part.h)
		if [ "$(head -1 /tmp/part.h)" != --grabframe ] || [ -z "$len" ] || [ -z "$seq" ]; then
			echo "part $((parts + 1)) at byte $off: not a part header:"
			cat /tmp/part.h
			return 1
		fi
		tail -c +$((off + hlen + 1)) /tmp/stream.mjpg 2>/dev/null | head -c "$len" >/tmp/part.jpg
		[ "$(stat -c %s /tmp/part.jpg)" -eq "$len" ] || break # cut by the timeout
		if ! name=$(lb_match /tmp/part.jpg); then
			cp /tmp/part.jpg "$out/mjpeg-bad-part.jpg"
			echo "part $((parts + 1)) (sequence $seq, $len bytes) is not one of the frames fed"
			return 1
		fi
		if [ "$seq" -le "$last" ]; then
			echo "part $((parts + 1)): sequence $seq after $last"
			return 1
		fi
		last=$seq parts=$((parts + 1)) off=$((off + hlen + len + 2))
	done
	echo "$parts parts of $total bytes checked, each a frame fed, sequences rising to $last"
	[ "$parts" -ge 5 ]
}
lb_check "/stream: every part is exactly the bytes of a frame fed, in order" lb_stream

# /state while a viewer keeps the source running (its "capture" is null
# once the source stopped after its linger).
curl -s --max-time 60 -o /dev/null "$lb_http/stream?stream=mjpeg" &
lb_viewer=$!
wait_for 30 sh -c "curl -sf --max-time 10 $lb_http/state | grep -q '\"native_format\"'"
state=$(curl -sf --max-time 10 "$lb_http/state")
kill $lb_viewer 2>/dev/null
wait $lb_viewer 2>/dev/null
jpeg=$(printf '%s' "$state" | grep -o '"name":"mjpeg".*' | grep -o '"jpeg":{"encoded":[0-9]*,"passed":[0-9]*' | head -1)
echo "# /state of mjpeg: $jpeg"
check "/state: the mjpeg stream's frames went out with zero encodes (jpeg.encoded 0, jpeg.passed > 0)" \
	sh -c "echo '$jpeg' | grep -qE '\"encoded\":0,\"passed\":[1-9]'"
capture=$(printf '%s' "$state" | grep -o '"name":"mjpeg".*' | grep -o '"capture":{[^}]*}' | head -1)
echo "# /state capture of mjpeg: $capture"
check "/state: the camera's own MJPEG, not converted by libv4l2 (capture.native_format MJPG, converted false)" \
	sh -c "echo '$capture' | grep -q '\"native_format\":\"MJPG\",\"converted\":false'"
check "/metrics: grabberd_stream_jpeg_frames_total{stream=\"mjpeg\"} is 0" \
	sh -c "curl -sf --max-time 10 $lb_http/metrics | grep -qx 'grabberd_stream_jpeg_frames_total{stream=\"mjpeg\"} 0'"
journalctl -u grabberd.service --no-pager | grep -i 'mjpeg\|video42' | tail -8 | sed 's/^/# journal: /'

# Done: the stream goes, the feeder stops, the module unloads.
cp /tmp/grabberd.conf.before-mjpeg $conf
check "systemctl reload grabberd (the mjpeg stream removed)" systemctl reload grabberd.service
kill $lb_feeder
wait $lb_feeder
sed 's/^/# /' /tmp/feed.log | tail -1
check "rmmod v4l2loopback once grabberd let go of it" \
	sh -c 'for i in $(seq 20); do modprobe -r v4l2loopback 2>/dev/null && exit 0; sleep 1; done; modprobe -r v4l2loopback'
