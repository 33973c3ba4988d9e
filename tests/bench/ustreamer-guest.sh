# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced in the system-test VM by guest.sh (see tests/bench/ustreamer-vm.sh):
# µStreamer and grabberd, one after the other, on the same vivid camera at
# the same geometry and rate, each feeding READERS readers through shared
# memory (µStreamer's raw memsink read by ustreamer-dump; grabberd's ring
# read by grab-capture).  Prints one BENCH line per streamer.
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

# bench NAME PRODUCER_PID: READERS readers already started, each writing the
# frames it gets to /tmp/r.N; measure the producer over SECS seconds.
measure() {
	name=$1 pid=$2
	sleep 3				# everyone attached and streaming
	for i in $(seq $READERS); do : >"/tmp/r.$i"; done
	t0=$(ticks "$pid")
	sleep "$SECS"
	t1=$(ticks "$pid")
	frames=0
	for i in $(seq $READERS); do
		frames=$((frames + $(stat -c %s "/tmp/r.$i") / frame_bytes))
	done
	echo "BENCH name=$name producer_ms=$(( (t1 - t0) * 1000 / hz )) frames=$frames seconds=$SECS readers=$READERS"
}

# µStreamer: capture, raw memsink, readers dumping it.
ustreamer -d "$dev" -r ${W}x$H -m YUYV -f $FPS --raw-sink grabbench --raw-sink-rm \
	--host 127.0.0.1 --port 8099 >/tmp/ustreamer.log 2>&1 &
us=$!
sleep 3
for i in $(seq $READERS); do
	sh -c "while :; do ustreamer-dump -s grabbench -o - 2>/dev/null; done" >>"/tmp/r.$i" &
done
measure ustreamer "$us"
kill "$us"
pkill -f ustreamer-dump; pkill -f 'while :; do ustreamer-dump'
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
	grab-capture -q -S cam -f raw -T 30 -o - >>"/tmp/r.$i" 2>/dev/null &
done
measure grabberd "$gpid"
systemctl stop grabberd.service
pkill grab-capture
wait 2>/dev/null
