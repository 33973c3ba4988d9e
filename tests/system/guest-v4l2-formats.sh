# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced by guest-checks.sh once vivid is loaded ($camera is its capture
# node): the v4l2: source in every format of grab's table that vivid offers
# (read from vivid itself), each frame compared with what v4l2-ctl reads
# from the same camera; the camera's timestamps and sequence numbers;
# dropped frames equal to the gaps in the camera's sequence; the rate set
# with VIDIOC_S_PARM; format = auto; libv4l2's conversion when the format
# is not the camera's own.  A grabberd of its own (root, its own socket and
# HTTP port) so the operator's daemon is left alone.
: "${camera:?}" "${out:?}" "${bin:?}"
vw=320 vh=180 vfps=15
vsock=/run/grab-v4l2.sock
vconf=/tmp/grab-v4l2.conf
vport=8091

# GET /state of the daemon on port $1 (bash's /dev/tcp: no curl here).
vstate() {
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$1"' &&
		printf "GET /state HTTP/1.0\r\n\r\n" >&3 && sed "1,/^\r$/d" <&3'
}
# The /state object of stream $1 (of our daemon, or the one on port $2).
vstream() {
	vstate "${2:-$vport}" | sed 's/{"name":/\n&/g' | grep "^{\"name\":\"$1\""
}
# Field $2 (a number, true, false, null or a string) of JSON text $1: the
# first occurrence (a stream's own come before its clients').
vfield() {
	printf '%s' "$1" | grep -o "\"$2\":\(\"[^\"]*\"\|[-0-9.a-z]*\)" | head -1 | sed 's/^[^:]*://; s/"//g'
}
# The /state object of stream $1 once it runs with at least $2 frames
# (a client keeps it running meanwhile); what it last was after 60 s.
vrunning() {
	vend=$(($(cut -d. -f1 /proc/uptime) + 60))
	while :; do
		vj=$(vstream "$1")
		fr=$(vfield "$vj" frames)
		case $vj in *'"state":"running"'*'"capture":{'*)
			[ "${fr:-0}" -ge "$2" ] && break ;;
		esac
		[ "$(cut -d. -f1 /proc/uptime)" -lt $vend ] || break
		sleep 0.5
	done
	printf '%s' "$vj"
}
# Bytes of a 320x180 frame of format $1.
vsize() {
	case $1 in
	YUYV | UYVY | Y16) echo $((vw * vh * 2)) ;;
	NV12 | YU12) echo $((vw * vh * 3 / 2)) ;;
	RGB3 | BGR3) echo $((vw * vh * 3)) ;;
	*) echo $((vw * vh)) ;;
	esac
}

# --- what vivid offers -------------------------------------------------------
vivid_formats=$(v4l2-ctl -d "$camera" --list-formats | grep -o "'[^']*'" | tr -d "'" | tr ' ' '_')
echo "# vivid offers: $(printf "%s" "$vivid_formats" | tr "\n" " ")"
ours=""
for f in YUYV UYVY NV12 YU12 RGB3 BGR3 GREY Y16_ RGGB BA81 GRBG GBRG MJPG; do
	echo " $vivid_formats " | tr '\n' ' ' | grep -q " $f " && ours="$ours ${f%_}"
done
echo "# of grab's 13 formats vivid offers:$ours"
case " $ours " in *" MJPG "*) ;; *) echo "# vivid offers no MJPEG: MJPEG from a camera is the v4l2loopback check's" ;; esac
check "vivid offers formats of grab's table" test -n "$ours"

# A still picture: no text over it, no movement, so every frame of a
# format is the same and grabberd's can be compared with v4l2-ctl's.
check "vivid: text overlay off (osd_text_mode=2)" v4l2-ctl -d "$camera" -c osd_text_mode=2

{
	printf '[grabberd]\nsocket = %s\nlisten_http = 127.0.0.1:%s\n' $vsock $vport
	for f in $ours; do
		printf '\n[stream f_%s]\nsource = v4l2:%s\nwidth = %s\nheight = %s\nformat = %s\nfps = %s\nlinger_ms = 0\n' \
			"$f" "$camera" $vw $vh "$f" $vfps
	done
	printf '\n[stream rate]\nsource = v4l2:%s\nwidth = %s\nheight = %s\nformat = YUYV\nfps = 12\nlinger_ms = 0\n' "$camera" $vw $vh
	printf '\n[stream auto]\nsource = v4l2:%s\nwidth = 640\nheight = 360\nformat = auto\nfps = 30\nlinger_ms = 0\n' "$camera"
	printf '\n[stream nearest]\nsource = v4l2:%s\nwidth = 700\nheight = 400\nformat = auto\nfps = 10\nlinger_ms = 0\n' "$camera"
} >$vconf
check "grabberd --check-config accepts a stream per format and format = auto" grabberd --check-config -c $vconf
grabberd -c $vconf >/tmp/grab-v4l2.log 2>&1 &
vpid=$!
check "our grabberd answers on $vsock" wait_for 20 grab-capture -s $vsock -S auto --info -T 5
# The operator's daemon let go of the camera (its linger is 2 s).
sleep 3

# Capture $2 frames of stream $1 into $out/v4l2-$1.raw, -v lines into .log.
vcapture() {
	grab-capture -s $vsock -S "$1" -n "$2" -f raw -T 30 -v -o "$out/v4l2-$1.raw" 2>"$out/v4l2-$1.log"
}
# The frames' timestamps (-v lines) increase (no bound on the interval:
# a loaded host stalls the guest for seconds).
vtimes() {
	awk '/ ts / { for (i = 1; i < NF; i++) if ($i == "ts") t = $(i + 1) + 0
			if (n++ && t <= prev) { print "frame " n ": " prev " then " t; bad = 1 }
			prev = t }
		END { if (n < 2) { print "only " n " frames"; bad = 1 }; exit bad }' "$1"
}
# The first frame's timestamp in the -v lines of $1, whole seconds.
vfirst_ts() {
	awk '/ ts / { for (i = 1; i < NF; i++) if ($i == "ts") { printf "%.0f\n", $(i + 1) - 0.5; exit } }' "$1"
}

# --- every format vivid offers -----------------------------------------------
for f in $ours; do
	size=$(vsize "$f")
	check "v4l2 $f: 10 frames through grabberd (grab-capture raw)" vcapture "f_$f" 10
	check "v4l2 $f: the file is 10 frames of $size bytes" \
		test "$(stat -c %s "$out/v4l2-f_$f.raw")" -eq $((size * 10))
	check "v4l2 $f: the frames' timestamps increase" \
		vtimes "$out/v4l2-f_$f.log"
	# The same frame as v4l2-ctl reads it from the camera, byte for byte:
	# sizes, line pitch and plane layout as the camera meant them.
	vfcc=$f
	[ "$f" = Y16 ] && vfcc="Y16 "
	rm -f /tmp/vref.raw
	check "v4l2 $f: v4l2-ctl reads 3 frames of the same camera" \
		v4l2-ctl -d "$camera" -v "width=$vw,height=$vh,pixelformat=$vfcc" \
		--stream-mmap --stream-count=3 --stream-to=/tmp/vref.raw
	check "v4l2 $f: grabberd's last frame is v4l2-ctl's last, byte for byte" \
		sh -c "tail -c $size '$out/v4l2-f_$f.raw' >/tmp/vgot.raw && tail -c $size /tmp/vref.raw >/tmp/vwant.raw && test \$(stat -c %s /tmp/vwant.raw) -eq $size && cmp /tmp/vgot.raw /tmp/vwant.raw"
done

# --- /state: native, timestamps, sequence gaps = dropped ----------------------
# vivid drops a share of its buffers on request: each a gap in its
# sequence numbers, which grabberd must count as dropped, no more, no less.
check "vivid: drop 25% of the buffers (percentage_of_dropped_buffers=25)" \
	v4l2-ctl -d "$camera" -c percentage_of_dropped_buffers=25
grab-capture -s $vsock -S f_YUYV -t 120 -f raw -T 30 -v -o /dev/null 2>"$out/v4l2-drop.log" &
vclient=$!
vj=$(vrunning f_YUYV 30)
kill $vclient
wait $vclient
v4l2-ctl -d "$camera" -c percentage_of_dropped_buffers=0
echo "# /state f_YUYV: $vj"
seq_json=$(printf '%s' "$vj" | grep -o '"sequence":{[^}]*}')
first=$(vfield "$seq_json" first)
last=$(vfield "$seq_json" last)
gaps=$(vfield "$seq_json" gaps)
errors=$(vfield "$vj" errors)
frames=$(vfield "$vj" frames)
dropped=$(vfield "$vj" dropped)
echo "# camera sequence $first..$last, gaps $gaps, errors $errors; grabberd frames $frames, dropped $dropped"
check "/state: the format is the camera's own (YUYV, not converted)" \
	sh -c "test '$(vfield "$vj" native_format)' = YUYV && test '$(vfield "$vj" converted)' = false"
check "/state: the frame times are the camera's (timestamps: device)" \
	test "$(vfield "$vj" timestamps)" = device
check "/state: vivid's drops made gaps in its sequence" test "${gaps:-0}" -gt 0
check "/state: dropped ($dropped) = the sequence's gaps ($gaps) + bad buffers ($errors)" \
	test "${dropped:-x}" = "$((${gaps:-0} + ${errors:-0}))"
check "/state: frames + dropped = every number the camera gave ($first..$last)" \
	test "$((${frames:-0} + ${dropped:-0}))" -eq "$((${last:-0} - ${first:-0} + 1))"
check "the frames' timestamps still increase across the gaps" \
	vtimes "$out/v4l2-drop.log"

# Whose timestamps: vivid can put its own near a 32-bit (6.1) or 63-bit
# (6.12) wrap, far from this machine's uptime; grabberd's frames must carry
# them.
check "vivid: timestamps near the wrap (wrap_timestamp=1)" \
	v4l2-ctl -d "$camera" -c wrap_timestamp=1
check "v4l2: 5 frames with vivid's wrapped timestamps" vcapture f_GREY 5
v4l2-ctl -d "$camera" -c wrap_timestamp=0
ts=$(vfirst_ts "$out/v4l2-f_GREY.log")
echo "# first frame at ${ts:-?} s; the guest is up $(cut -d. -f1 /proc/uptime) s"
check "the frames carry the camera's timestamps (past 4000000000 s), not the daemon's" \
	test "${ts:-0}" -gt 4000000000

# --- the rate: VIDIOC_S_PARM, read back ---------------------------------------
grab-capture -s $vsock -S rate -t 120 -f raw -T 30 -o /dev/null &
vclient=$!
vj=$(vrunning rate 5)
kill $vclient
wait $vclient
echo "# /state rate: $vj"
grep "stream rate: .* fps" /tmp/grab-v4l2.log | sed 's/^/# log: /'
set_fps=$(vfield "$vj" fps_set)
check "/state: 12 fps asked, the rate vivid set is reported ($set_fps)" \
	sh -c "test '$(vfield "$vj" fps_asked)' = 12.000 && case '$set_fps' in [0-9]*.[0-9][0-9][0-9]) ;; *) exit 1 ;; esac"
check "/state: the ring's rate is the one set ($set_fps)" \
	sh -c "printf '%s' '$vj' | grep -q '\"fps\":{\"configured\":$set_fps,'"
check "the daemon logged the rate set and the one asked" \
	grep -q "stream rate: .* $set_fps fps set by the driver (asked 12.000)" /tmp/grab-v4l2.log

# --- format = auto ------------------------------------------------------------
check "format = auto: frames at 640x360 30 fps" \
	grab-capture -s $vsock -S auto -n 10 -f raw -T 30 -o /tmp/vauto.raw
grab-capture -s $vsock -S auto -t 120 -f raw -T 30 -o /dev/null &
vclient=$!
vj=$(vrunning auto 5)
kill $vclient
wait $vclient
echo "# /state auto: $vj"
check "format = auto: vivid's modes all reach 30 fps at 640x360: the first raw one, YUYV" \
	sh -c "test '$(vfield "$vj" fourcc)' = YUYV && test '$(vfield "$vj" auto)' = true"
check "format = auto: /state says why" \
	sh -c "printf '%s' '$vj' | grep -q '\"auto_choice\":\"YUYV 640x360: a raw format that reaches the rate\"'"
grab-capture -s $vsock -S nearest -t 120 -f raw -T 30 -o /dev/null &
vclient=$!
vj=$(vrunning nearest 5)
kill $vclient
wait $vclient
echo "# /state nearest: $vj"
check "format = auto, 700x400 (no such mode): the nearest size, 640x480" \
	sh -c "test '$(vfield "$vj" width)' = 640 && test '$(vfield "$vj" height)' = 480 && test '$(vfield "$vj" auto)' = true"

# --- conversion: a format the camera does not offer ---------------------------
# vivid offers every format libv4l2 converts to (RGB3, BGR3, YU12), so the
# conversion needs a camera that does not: v4l2loopback fed YUYV frames
# (made by ffmpeg on the host, 320x180) by loopback-feed, as the MJPEG
# check feeds it JPEGs.  With exclusive_caps it is a capture device only
# while fed, so grabberd starts once the feeder says so.
if modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=grabloop 2>/dev/null; then
	udevadm settle
	loop=""
	for n in /sys/class/video4linux/video*; do
		grep -q grabloop "$n/name" 2>/dev/null && loop=/dev/${n##*/}
	done
	$bin/loopback-feed "$loop" YUYV $vw $vh 15 0 /payload/frames/yuyv-${vw}x$vh/*.yuv \
		>/tmp/conv-feed.log 2>&1 &
	feeder=$!
	check "conversion: loopback-feed plays YUYV ${vw}x$vh into $loop" \
		wait_for 20 grep -q '^feeding' /tmp/conv-feed.log
	sed 's/^/# /' /tmp/conv-feed.log
	grabberd --socket /run/grab-conv.sock --stream conv \
		--source "v4l2:$loop" --width $vw --height $vh --format RGB3 \
		--linger 10000 --http 127.0.0.1:8092 >/tmp/grab-conv.log 2>&1 &
	cpid=$!
	check "conversion: RGB3 from a YUYV-only camera (v4l2loopback)" \
		wait_for 20 grab-capture -s /run/grab-conv.sock -S conv -n 5 -f raw -T 10 -o /tmp/vconv.raw
	check "conversion: 5 frames of $(vsize RGB3) bytes" \
		test "$(stat -c %s /tmp/vconv.raw)" -eq $(($(vsize RGB3) * 5))
	vj=$(vstream conv 8092)
	echo "# /state conv: $vj"
	check "conversion: /state says converted, from YUYV" \
		sh -c "test '$(vfield "$vj" converted)' = true && test '$(vfield "$vj" native_format)' = YUYV && test '$(vfield "$vj" fourcc)' = RGB3"
	check "conversion: the log says libv4l2 converts from YUYV" \
		grep -q "RGB3, converted by libv4l2 from YUYV" /tmp/grab-conv.log
	kill $cpid $feeder 2>/dev/null
	wait $cpid $feeder 2>/dev/null
	modprobe -r v4l2loopback
else
	echo "ok - conversion (RGB3 from a YUYV-only camera) # SKIP no v4l2loopback module in the image"
fi

kill $vpid
wait $vpid
echo "# our grabberd's log:"
sed 's/^/# v4l2: /' /tmp/grab-v4l2.log | tail -40
