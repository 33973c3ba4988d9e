# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced in the system-test VM by guest.sh (see tests/bench/mjpeg-vm.sh):
# what an MJPEG camera saves grabberd's HTTP side.  Two v4l2loopback
# cameras of the same size and rate, fed by loopback-feed: one MJPEG
# (ffmpeg's JPEGs), one YUYV (ffmpeg's raw frames); two grabberds side by
# side (same load, same clock), one on each, each with VIEWERS MJPEG viewers
# (curl to /dev/null).  Each daemon's CPU time (every thread's schedstat)
# is read over the same SECS seconds, with its /state before and after.
# Prints one BENCH line per daemon: its CPU over the frames fed to its
# camera in the window (both fed at the same rate: the ratio of the two is
# the ratio of CPU per camera frame), and what /state counted (frames
# published, encoded, passed through).
SECS=${SECS:-20}
VIEWERS=${VIEWERS:-4}
W=640 H=480 FPS=15

check "modprobe v4l2loopback (two cameras)" \
	modprobe v4l2loopback devices=2 video_nr=40,41 exclusive_caps=1,1 card_label=mjpeg,yuyv
udevadm settle
# Everything started here, stopped at the end by its pid.
pids=
/payload/bin/loopback-feed /dev/video40 MJPEG $W $H $FPS 0 /payload/frames/mjpeg-640x480/*.jpg \
	>/tmp/feed-mjpeg.log 2>&1 &
pids="$pids $!"
/payload/bin/loopback-feed /dev/video41 YUYV $W $H $FPS 0 /payload/frames/yuyv-640x480/*.yuv \
	>/tmp/feed-yuyv.log 2>&1 &
pids="$pids $!"
check "the feeders run" wait_for 20 sh -c 'grep -q ^feeding /tmp/feed-mjpeg.log && grep -q ^feeding /tmp/feed-yuyv.log'
cat /tmp/feed-mjpeg.log /tmp/feed-yuyv.log | sed 's/^/# /'

# Microseconds on CPU of every thread of a process so far (%.0f: mawk's
# %d stops at 2^31).
cpu_us() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%.0f\n", n / 1000 }'; }
# A number from a stream's /state: state_num PORT KEY (frames, encoded, passed).
state_num() {
	curl -sf --max-time 10 "http://127.0.0.1:$1/state" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}

# daemon KIND DEVICE FORMAT PORT: a grabberd on the camera, in the background.
daemon() {
	cat >"/tmp/$1.conf" <<CONF
[grabberd]
socket = /tmp/$1.sock
listen_http = 127.0.0.1:$4
log_level = warning
[stream cam]
source = v4l2:$2
width = $W
height = $H
format = $3
fps = $FPS
CONF
	grabberd -c "/tmp/$1.conf" >"/tmp/$1.log" 2>&1 &
	pids="$pids $!"
}
daemon mjpeg /dev/video40 MJPEG 8081
pid_mjpeg=$!
daemon yuyv /dev/video41 YUYV 8082
pid_yuyv=$!
check "both grabberds serve HTTP" wait_for 30 sh -c 'curl -sf -o /dev/null http://127.0.0.1:8081/state && curl -sf -o /dev/null http://127.0.0.1:8082/state'
for port in 8081 8082; do
	n=0
	while [ $n -lt "$VIEWERS" ]; do
		curl -s -o /dev/null --max-time $((SECS + 120)) "http://127.0.0.1:$port/stream?stream=cam" &
		pids="$pids $!" n=$((n + 1))
	done
done
check "both streams publish frames to their viewers" \
	wait_for 60 sh -c '[ "$(curl -sf http://127.0.0.1:8081/state | grep -o "\"passed\":[0-9]*" | cut -d: -f2)" -gt 5 ] &&
		[ "$(curl -sf http://127.0.0.1:8082/state | grep -o "\"encoded\":[0-9]*" | cut -d: -f2)" -gt 5 ]'
sleep 3

# snap PID PORT: "cpu_us frames encoded passed" of a daemon now.
snap() {
	echo "$(cpu_us "$1") $(state_num "$2" frames) $(state_num "$2" encoded) $(state_num "$2" passed)"
}
# report NAME BEFORE AFTER: the BENCH line.
report() {
	name=$1
	# shellcheck disable=SC2086 # four numbers each
	set -- $2 $3
	echo "BENCH name=$name cpu_us=$(($5 - $1)) fed=$((SECS * FPS)) frames=$(($6 - $2)) encoded=$(($7 - $3)) passed=$(($8 - $4)) viewers=$VIEWERS seconds=$SECS size=${W}x$H fps=$FPS"
}
a0=$(snap $pid_mjpeg 8081) b0=$(snap $pid_yuyv 8082)
sleep "$SECS"
a1=$(snap $pid_mjpeg 8081) b1=$(snap $pid_yuyv 8082)
report mjpeg "$a0" "$a1"
report yuyv "$b0" "$b1"
curl -s http://127.0.0.1:8081/state | sed 's/^/# state mjpeg: /'
curl -s http://127.0.0.1:8082/state | sed 's/^/# state yuyv: /'
# shellcheck disable=SC2086 # one pid a word
kill $pids 2>/dev/null
# shellcheck disable=SC2086
wait $pids 2>/dev/null
cat /tmp/mjpeg.log /tmp/yuyv.log | tail -20 | sed 's/^/# grabberd: /'
