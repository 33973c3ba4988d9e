#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Inside the system-test VM (run by grab-systest.service at boot, as root,
# with the host's payload on /payload): install the project's .debs with
# apt, then source /payload/checks.sh: the system tier's checks
# (tests/system/guest-checks.sh), which drive it the way an operator does,
# through systemctl, or a benchmark's.  TAP lines go to the serial console; frames go to /payload/out
# for the host to check.  Exits through isa-debug-exit: 0 all passed.
set -u
out=/payload/out
failed=0
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# Each result carries the guest's uptime, to see where the time goes.
uptime_s() { cut -d' ' -f1 /proc/uptime; }
ok() { echo "ok - $* # at $(uptime_s) s"; }
not_ok() { echo "not ok - $* # at $(uptime_s) s"; failed=1; }
# check NAME COMMAND...: one test line; the command's output on failure.
check() {
	name=$1
	shift
	if result=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$result" | tail -15 | sed 's/^/# /'
		return 1
	fi
}
finish() {
	sync
	code='\000'
	[ "$failed" -eq 0 ] || code='\001'
	printf "$code" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}
trap finish EXIT
# Wait up to $1 seconds for a command to succeed.
wait_for() {
	t=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || return 1
		sleep 1
	done
}

echo "# guest: $(uname -r), systemd $(systemctl --version | head -1), up $(uptime_s) s"

# The project as its Debian packages, through apt (the image has their
# dependencies: no network needed); grab.ko and its module index as the
# host built them (grab-dkms needs a compiler in the guest).
cp -a /payload/root/. /
check "apt install ./grabberd ./libgrab1 ./grab-tools .debs" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	/payload/debs/*.deb
check "installing grabberd created the grabberd user (sysusers)" getent passwd grabberd
check "installing grabberd enabled grabberd.socket" \
	sh -c 'test "$(systemctl is-enabled grabberd.socket)" = enabled'
check "installing grabberd started nothing (socket and service inactive)" \
	sh -c '! systemctl is-active --quiet grabberd.socket && ! systemctl is-active --quiet grabberd.service'
check "the packaged config is a conffile" \
	sh -c 'dpkg-query -W -f="\${Conffiles}" grabberd | grep -q /etc/grabberd/grabberd.conf'
systemctl daemon-reload
udevadm control --reload-rules
echo "# installed at $(uptime_s) s (grab.ko and its module index came from the host)"

# shellcheck source=tests/system/guest-checks.sh
. /payload/checks.sh
