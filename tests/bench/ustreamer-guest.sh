# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced in the system-test VM by guest.sh (see tests/bench/ustreamer-vm.sh):
# µStreamer and grabberd, one after the other, on the same vivid camera at
# the same geometry and rate, each feeding READERS readers through shared
# memory (µStreamer's raw memsink read by ustreamer-dump; grabberd's ring
# read by grab-capture), whose frames are counted and dropped.  Prints one
# BENCH line per streamer.
SECS=${SECS:-15}
READERS=4
W=640 H=360 FPS=30
frame_bytes=$((W * H * 2))

# CPU time (ticks) of a process and its threads so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

check "modprobe vivid" modprobe vivid n_devs=1 node_types=0x1
udevadm settle
dev=$(for n in /sys/class/video4linux/video*; do
	grep -q 'vivid.*vid-cap' "$n/name" && echo "/dev/${n##*/}" && break; done)

# The readers' frames are counted, not kept: the image has 512 MB free,
# less than one run of 4 readers writes.  Each reader's stdout goes to a dd
# that discards it and, on SIGUSR1, prints the bytes it has passed to
# /tmp/d.N; reader I CMD... starts reader I and keeps its dd's pid in dd_I.
reader() {
	i=$1
	shift
	: >"/tmp/d.$i"
	"$@" 2>/dev/null | dd of=/dev/null bs=1M 2>>"/tmp/d.$i" &
	eval "dd_$i=\$!"
}

# bytes I: what reader I's dd has passed so far (its newest report, asked
# for now and waited for up to 5 s).
bytes() {
	i=$1
	eval "pid=\$dd_$i"
	n=$(grep -c 'bytes' "/tmp/d.$i")
	kill -USR1 "$pid"
	for _ in $(seq 50); do
		[ "$(grep -c 'bytes' "/tmp/d.$i")" -gt "$n" ] && break
		sleep 0.1
	done
	grep 'bytes' "/tmp/d.$i" | tail -1 | cut -d' ' -f1
}

# measure NAME PRODUCER_PID: READERS readers already started; the frames
# they got and the producer's CPU over SECS seconds.
measure() {
	name=$1 pid=$2
	sleep 3				# everyone attached and streaming
	b0=0
	for i in $(seq $READERS); do b0=$((b0 + $(bytes "$i"))); done
	t0=$(ticks "$pid")
	sleep "$SECS"
	t1=$(ticks "$pid")
	b1=0
	for i in $(seq $READERS); do b1=$((b1 + $(bytes "$i"))); done
	frames=$(( (b1 - b0) / frame_bytes ))
	echo "BENCH name=$name producer_ms=$(( (t1 - t0) * 1000 / hz )) frames=$frames seconds=$SECS readers=$READERS"
}

# µStreamer: capture, raw memsink, readers dumping it.
ustreamer -d "$dev" -r ${W}x$H -m YUYV -f $FPS --raw-sink grabbench --raw-sink-rm \
	--host 127.0.0.1 --port 8099 >/tmp/ustreamer.log 2>&1 &
us=$!
sleep 3
for i in $(seq $READERS); do
	reader "$i" sh -c "while :; do ustreamer-dump -s grabbench -o - 2>/dev/null; done"
done
measure ustreamer "$us"
kill "$us"
pkill -f ustreamer-dump; pkill -f 'while :; do ustreamer-dump'; pkill -x dd
wait 2>/dev/null
tail -3 /tmp/ustreamer.log | sed 's/^/# ustreamer: /'

# grabberd: the same camera through v4l2:, readers through libgrab.
cat >/etc/grabberd/grabberd.conf <<CONF
[grabberd]
listen_http = off
[stream cam]
source = v4l2:$dev
width = $W
height = $H
format = YUYV
fps = $FPS
CONF
check "systemctl start grabberd" systemctl start grabberd.service
gpid=$(systemctl show -p MainPID --value grabberd.service)
for i in $(seq $READERS); do
	reader "$i" grab-capture -q -S cam -f raw -T 30 -o -
done
measure grabberd "$gpid"
systemctl stop grabberd.service
pkill grab-capture; pkill -x dd
wait 2>/dev/null
