# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced by guest-checks.sh (after its reload checks, before its unplug):
# V4L2 controls on the vivid camera, read back with v4l2-ctl.  A value in
# the config, one set at run time by an allowed user, a user not allowed
# (EPERM), bad names and values (refused, with the range), menus and
# booleans by name, /state, and the config's value re-applied after vivid
# is unbound and bound again.  Uses $camera, $conf, check, wait_for.
: "${camera:?}" "${conf:?}"

# ctrl_is NAME VALUE: v4l2-ctl reads VALUE for NAME (a menu's item name
# after it, "menu: 4 (Menu Item 4)", is left out).
ctrl_is() {
	got=$(v4l2-ctl -d "$camera" --get-ctrl "$1" 2>&1)
	[ "${got%% (*}" = "$1: $2" ] || { echo "v4l2-ctl says '$got', expected '$1: $2'"; return 1; }
}
# applied: how many times the daemon has logged applying the config's
# brightness to the camera.
applied() {
	journalctl -u grabberd.service --no-pager | grep -c 'stream camera: control brightness = 200 (reads back 200)'
}
# state: GET /state from the live view (bash's /dev/tcp: the image has no curl).
state() {
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /state HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && cat <&3'
}
useradd -M -G video camop 2>/dev/null
v4l2-ctl -d "$camera" --list-ctrls-menus 2>&1 | sed 's/^/# vivid: /' | head -60

sed -i "/^source = v4l2:/a control.brightness = 200\ncontrol.Boolean = false\ncontrol_uids = camop" "$conf"
check "grabberd --check-config accepts control.NAME and control_uids" grabberd --check-config -c "$conf"
check "systemctl reload grabberd (the camera stream's controls changed)" systemctl reload grabberd.service
check "a client starts the camera stream (the config's controls applied)" \
	grab-capture -q -S camera -n 3 -f raw -T 30 -o /tmp/controls.raw
check "v4l2-ctl reads brightness 200: the config's value" ctrl_is brightness 200
check "v4l2-ctl reads boolean 0: the config's 'false'" ctrl_is boolean 0

# The camera stays open while controls change at run time.
grab-capture -q -S camera -t 120 -T 120 -f raw -o /dev/null >/dev/null 2>&1 &
holder=$!
sleep 2
check "an allowed user (control_uids) sets contrast=77: grab-capture --set" \
	runuser -u camop -- grab-capture -S camera -T 20 --set contrast=77
check "v4l2-ctl reads contrast 77: the run-time value" ctrl_is contrast 77
check "a menu by item name: --set menu=menu_item_4" \
	runuser -u camop -- grab-capture -S camera -T 20 --set menu=menu_item_4
check "v4l2-ctl reads menu 4" ctrl_is menu 4
runuser -u camop -- grab-capture -S camera -T 20 --set menu=2 >/tmp/menu2.out 2>&1
code=$?
sed 's/^/# menu=2: /' /tmp/menu2.out
check "a menu index that is not an item (vivid skips 2) is refused, naming the items" \
	sh -c "test $code -ne 0 && grep -q 'control.menu = 2: not an item of the menu (menu_item_1, menu_item_3, menu_item_4)' /tmp/menu2.out"
runuser -u viewer -- grab-capture -S camera -T 20 --info >/tmp/info-viewer.out 2>&1
sed -n '/^controls/,$p' /tmp/info-viewer.out | head -30 | sed 's/^/# --info: /'
check "another user's --info lists brightness with its value and range" \
	grep -qF '  brightness = 200  (integer 0..255 step 1, default 128)' /tmp/info-viewer.out
check "another user's --info sees the new contrast" grep -qF '  contrast = 77  (integer' /tmp/info-viewer.out
check "--info lists the menu's items" grep -qF '  menu = 4  (menu 1=menu_item_1,3=menu_item_3,4=menu_item_4, default 3)' /tmp/info-viewer.out
state >/tmp/state.json 2>&1
check "/state lists contrast with the value 77" \
	sh -c "tr ',' '\n' </tmp/state.json | grep -A1 '\"name\":\"contrast\"' | grep -q . && grep -qE '\"name\":\"contrast\",\"label\":\"Contrast\",\"type\":\"integer\",\"minimum\":0,\"maximum\":255,\"step\":1,\"default\":128,\"value\":77' /tmp/state.json"

runuser -u viewer -- grab-capture -S camera -T 20 --set brightness=10 >/tmp/eperm.out 2>&1
code=$?
sed 's/^/# not allowed: /' /tmp/eperm.out
check "a user not in control_uids is refused: EPERM, with a clear message" \
	sh -c "test $code -ne 0 && grep -q 'permission denied: uid [0-9]* may not change the controls of stream camera' /tmp/eperm.out && grep -q 'Operation not permitted' /tmp/eperm.out"
check "... and brightness is still 200" ctrl_is brightness 200
runuser -u camop -- grab-capture -S camera -T 20 --set brightness=300 >/tmp/range.out 2>&1
code=$?
sed 's/^/# out of range: /' /tmp/range.out
check "an out-of-range value is refused, naming the stream, the control and the range" \
	sh -c "test $code -ne 0 && grep -qF 'stream camera: control.brightness = 300: out of range 0..255' /tmp/range.out"
runuser -u camop -- grab-capture -S camera -T 20 --set brightnes=1 >/tmp/name.out 2>&1
code=$?
sed 's/^/# unknown name: /' /tmp/name.out
check "an unknown control name is refused, naming it" \
	sh -c "test $code -ne 0 && grep -qF 'stream camera: control.brightnes: no such control' /tmp/name.out"
check "the refused values left brightness at 200" ctrl_is brightness 200

# Unplug and plug back (driver unbind, bind): vivid starts over from its
# defaults, and the stream's retry puts the config's value back, and the
# run-time one.
check "saturation set behind grab's back (v4l2-ctl): 50" \
	sh -c "v4l2-ctl -d $camera --set-ctrl saturation=50 && test \"\$(v4l2-ctl -d $camera --get-ctrl saturation)\" = 'saturation: 50'"
before=$(applied)
check "unbind vivid while the camera stream runs" \
	sh -c 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind'
sleep 2
check "bind vivid again" sh -c 'echo vivid.0 > /sys/bus/platform/drivers/vivid/bind'
udevadm settle
echo "# after the rebind: $(v4l2-ctl -d "$camera" --get-ctrl brightness 2>&1), applied $before times before"
check "after the camera came back, the config's brightness 200 is applied again (logged once more)" \
	wait_for 40 sh -c "test \$(journalctl -u grabberd.service --no-pager | grep -c 'stream camera: control brightness = 200 (reads back 200)') -gt $before"
check "... v4l2-ctl reads brightness 200" ctrl_is brightness 200
check "... while vivid itself started over (saturation back to its default 128)" ctrl_is saturation 128
check "... and the run-time contrast 77 too" ctrl_is contrast 77
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# A bad value in the config fails the start loudly: log, --info.
sed -i 's/^control.brightness = 200$/control.brightness = 300/' "$conf"
check "systemctl reload with control.brightness = 300" systemctl reload grabberd.service
grab-capture -S camera -T 5 --info >/tmp/badconf.out 2>&1
code=$?
sed 's/^/# bad config: /' /tmp/badconf.out
check "a config value out of range: --info fails, naming stream, control and range" \
	sh -c "test $code -ne 0 && grep -qF 'stream camera: control.brightness = 300: out of range 0..255' /tmp/badconf.out"
check "... and the log says so" \
	sh -c "journalctl -u grabberd.service --no-pager | grep -qF 'stream camera: control.brightness = 300: out of range 0..255'"
sed -i 's/^control.brightness = 300$/control.brightness = 200/' "$conf"
check "systemctl reload with the good value again" systemctl reload grabberd.service
