# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced by guest.sh: the system tier's checks, in the order an operator
# meets them.  Helpers: check, ok, not_ok, wait_for; $out is the 9p share.
bin=/payload/bin
conf=/etc/grabberd/grabberd.conf
: "${out:?}"
W=320 H=240

# --- modules and udev --------------------------------------------------------
check "modprobe grab (installed with make install's udev rule)" \
	modprobe grab devices=1 width=$W height=$H format=YUYV fps=30 slots=8
udevadm settle
check "udev gives /dev/grab0 to group video, mode 0660" \
	sh -c 'test "$(stat -c %G:%a /dev/grab0)" = video:660 || { stat -c "%n %U:%G %a" /dev/grab0; exit 1; }'
check "modprobe vivid (the kernel's own V4L2 test camera)" \
	modprobe vivid n_devs=1 node_types=0x1
udevadm settle
vivid_node() {
	for n in /sys/class/video4linux/video*; do
		grep -q 'vivid.*vid-cap' "$n/name" 2>/dev/null && { echo "/dev/${n##*/}"; return 0; }
	done
	return 1
}
camera=$(vivid_node) || camera=/dev/video0
echo "# vivid capture node: $camera"

# --- the operator's config ----------------------------------------------------
cat > $conf <<CONF
[grabberd]
socket = /run/grabberd/grabberd.sock
socket_mode = 0660
socket_group = video

[stream kernel]
source = grab:/dev/grab0
width = $W
height = $H
format = YUYV

[stream camera]
source = v4l2:$camera
width = 640
height = 360
format = YUYV
fps = 15

[stream pattern]
source = test:
width = $W
height = $H
fps = 10
CONF
check "grabberd --check-config accepts the config" grabberd --check-config -c $conf

# --- socket activation ---------------------------------------------------------
check "systemctl start grabberd.socket" systemctl start grabberd.socket
check "the daemon is not running before a client comes" \
	sh -c '! systemctl is-active --quiet grabberd.service'
check "a client's connection starts grabberd (socket activation)" \
	grab-capture --info -S pattern -T 20
check "systemctl is-active grabberd is active" \
	sh -c 'for i in $(seq 30); do systemctl is-active --quiet grabberd.service && exit 0; sleep 1; done; systemctl is-active grabberd.service' ||
	journalctl -u grabberd.service --no-pager | tail -20 | sed 's/^/# journal: /'
main_pid=$(systemctl show -p MainPID --value grabberd.service)
check "grabberd runs as the grabberd user, not root" \
	sh -c "test \"\$(ps -o user= -p $main_pid)\" = grabberd"
check "systemctl restart grabberd works directly" systemctl restart grabberd.service
check "is-active after restart" systemctl is-active grabberd.service

# --- frames from grab.ko and from vivid ------------------------------------------
# Under emulation on a loaded host the reader may fall behind: every frame it
# got must verify, and the sequence gaps must equal the missed count it
# reported (its summary line), not zero.
check "grab-capture: 30 frames from grab:/dev/grab0" \
	sh -c "grab-capture -v -S kernel -n 30 -f raw -T 20 -o $out/kernel.raw 2>$out/kernel.log"
missed=$(sed -n 's/^grab-capture: [0-9]* frames, \([0-9]*\) missed.*/\1/p' $out/kernel.log)
echo "# grab-capture reported ${missed:-no} missed frames"
check "the kernel stream's frames verify byte for byte; their gaps add up to the ${missed:-?} reported missed" \
	$bin/verify-frames --missed "${missed:-none}" $W $H YUYV $out/kernel.raw
check "grab-capture: 30 frames from the vivid camera (v4l2:$camera)" \
	grab-capture -q -S camera -n 30 -f y4m -T 30 -o $out/vivid.y4m
status_text=$(systemctl show -p StatusText --value grabberd.service)
echo "# StatusText: $status_text"
check "systemctl show -p StatusText shows the fps" \
	sh -c "echo '$status_text' | grep -q fps"
# The camera's every format (and, below, the MJPEG camera) take minutes
# under emulation: on the first kernel only, unless SYSTEM_FULL=all (the
# host marks the payload).
if [ -e /payload/full ]; then
	# shellcheck source=tests/system/guest-v4l2-formats.sh
	. /payload/guest-v4l2-formats.sh
else
	echo "# v4l2 formats and the MJPEG camera: on the first kernel only (SYSTEM_FULL=all runs them here too)"
fi

# --- who may connect ---------------------------------------------------------------
useradd -M -G video viewer 2>/dev/null
useradd -M stranger 2>/dev/null
echo "# $(id viewer); $(ls -l /run/grabberd/grabberd.sock)"
check "a user in group video captures" \
	runuser -u viewer -- grab-capture -q -S pattern -n 3 -f raw -o /tmp/viewer.raw
refused=$(runuser -u stranger -- grab-capture -q -S pattern -n 3 -f raw -o /tmp/stranger.raw 2>&1)
code=$?
echo "# stranger: exit $code: $refused"
check "a user not in group video is refused with a clear message" \
	sh -c "test $code -ne 0 && echo '$refused' | grep -qi 'permission denied\|not allowed'"

# --- reload --------------------------------------------------------------------------
sed -i 's/^fps = 10$/fps = 20/' $conf
check "systemctl reload grabberd" systemctl reload grabberd.service
check "the reload applied the new fps (pattern stream at 20)" \
	sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do grab-capture -S pattern --info --json -T 10 | grep -q "\"fps_num\": *20" && exit 0; sleep 1; done; exit 1'

# --- camera controls (control.NAME, --set, EPERM, re-applied after a rebind) ---
# shellcheck source=tests/system/guest-controls.sh
. /payload/guest-controls.sh

# --- watchdog --------------------------------------------------------------------------
old_pid=$(systemctl show -p MainPID --value grabberd.service)
grab-capture -v -S pattern -t 25 -T 40 -f raw -o /tmp/watchdog.raw 2>/tmp/watchdog.log &
client=$!
sleep 2
kill -STOP "$old_pid"
echo "# SIGSTOPped grabberd ($old_pid); WatchdogSec=$(systemctl show -p WatchdogUSec --value grabberd.service)"
check "systemd's watchdog kills and restarts the stopped daemon" \
	sh -c "for i in \$(seq 60); do p=\$(systemctl show -p MainPID --value grabberd.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $old_pid ] && systemctl is-active --quiet grabberd.service && exit 0; sleep 1; done; exit 1"
wait $client
check "the waiting client resumed on its own after the restart (exit 0)" test $? -eq 0
check "the client's frames verify byte for byte" \
	$bin/verify-frames $W $H YUYV /tmp/watchdog.raw
# The restarted daemon numbers its frames from 0 again: the frames after
# the client's sequence went back are the new daemon's (a count, not a
# rate: the machine may be loaded).
frames=$($bin/verify-frames $W $H YUYV /tmp/watchdog.raw 2>/dev/null | awk '{print $2}')
after=$(awk '$2 == "frame" && $4 == "seq" { s = $5 + 0; if (seen && s < prev) r = 1; if (r) n++; prev = s; seen = 1 } END { print n + 0 }' /tmp/watchdog.log)
echo "# watchdog client: $frames frames in all, $after from the restarted daemon"
check "the client got frames from the restarted daemon ($after)" test "${after:-0}" -ge 5

# --- hot-unplug --------------------------------------------------------------------------
# Unbinding the driver is what a USB unplug does: the device goes away under
# the open file.  Then the module can go too.
grab-capture -q -S camera -t 20 -T 20 -f raw -o /tmp/unplug.raw >/dev/null 2>&1 &
sleep 3
check "unplug the vivid camera while streaming (driver unbind)" \
	sh -c 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind'
check "rmmod vivid once the daemon let go of it" \
	sh -c 'for i in $(seq 20); do modprobe -r vivid 2>/dev/null && exit 0; sleep 1; done; modprobe -r vivid'
check "the daemon is still active after the camera vanished (restarts so far: $(systemctl show -p NRestarts --value grabberd.service))" \
	sh -c 'for i in $(seq 30); do systemctl is-active --quiet grabberd.service && exit 0; sleep 1; done; systemctl is-active grabberd.service' ||
	journalctl -u grabberd.service --no-pager | tail -20 | sed 's/^/# journal: /'
check "the kernel stream keeps serving" \
	grab-capture -q -S kernel -n 10 -f raw -T 10 -o /tmp/after-unplug.raw
check "the daemon logged the vanished camera" \
	sh -c "journalctl -u grabberd.service --no-pager | grep 'stream camera' | grep -iE 'fail|gone|vanish|error|No such|retry'"
check "modprobe vivid again" modprobe vivid n_devs=1 node_types=0x1
udevadm settle
check "the camera stream recovers after the camera is back" \
	sh -c 'for i in $(seq 15); do grab-capture -q -S camera -n 5 -f raw -T 5 -o /tmp/back.raw && exit 0; sleep 2; done; exit 1'
wait

# --- MJPEG from a real V4L2 device (v4l2loopback) ------------------------------------
if [ -e /payload/full ]; then
	# shellcheck source=tests/system/guest-mjpeg.sh
	. /payload/guest-mjpeg.sh
fi

# --- hardening ---------------------------------------------------------------------------
systemd-analyze security grabberd.service 2>&1 | grep '✗' | sed 's/^/# security: /'
security=$(systemd-analyze security grabberd.service 2>&1 | tail -1)
echo "# $security"
check "systemd-analyze security: exposure level OK or better" \
	sh -c "echo '$security' | grep -qE 'Overall exposure level.* (OK|SAFE)'"

journalctl -u grabberd.service --no-pager | tail -30 | sed 's/^/# journal: /'

# --- removal ---------------------------------------------------------------------------------
check "apt purge grabberd grab-tools libgrab1" \
	env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q grabberd grab-tools libgrab1
check "no grabberd process after the purge" sh -c '! pgrep -x grabberd'
check "no grabberd unit after the purge" \
	sh -c '! systemctl list-unit-files "grabberd*" --no-legend | grep -q grabberd && ! ls /etc/systemd/system/*/grabberd* 2>/dev/null'
check "no file owned by the grabberd user after the purge" sh -c '! find / -xdev -user grabberd | grep .'
check "no /etc/grabberd after the purge" test ! -e /etc/grabberd
