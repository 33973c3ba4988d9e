#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Packaging tier: grab installed the way people install software.
#
#  - every tool a tier calls is on its target's package list;
#  - make install agrees with grabberd on the config path for any PREFIX;
#  - make deb builds the packages, lintian finds no error, each package
#    holds what it should and nothing from the build tree;
#  - in a fresh Debian root holding only git and make: `make` as root
#    installs the build list only (counted: packages and bytes) and builds,
#    `make run` serves frames, a non-root user builds with test packages
#    missing and is told only what their target lacks;
#  - in another: apt installs the .debs, the tools and pkg-config answer, an
#    example builds against the installed libgrab and reads frames, DKMS
#    built grab.ko, and apt purge leaves nothing behind.
#
# Runs as root (chroots).  Network: Debian's archive only (mmdebstrap, apt).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
build=${BUILD:-build}
cache=${GRAB_CACHE:-/var/cache/grab-test}
. tests/packaging/chroot.sh

require git dpkg-buildpackage dh dh_dkms lintian mmdebstrap unshare chroot dpkg-deb setpriv timeout
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - the packaging tier runs as root (it makes chroots)"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/grab-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- package lists ------------------------------------------------------------
d=$tmp/tools.txt
bash tests/packaging/tier-tools.sh >"$d" 2>&1
s=$?
grep MISSING "$d" >"$d.missing"
result "every tool a tier calls is on its target's list (tests/lib/install-deps.sh)" $s "$d.missing"
note "$(grep -vc MISSING "$d") tier tools checked against their lists"
d=$tmp/build-list.txt
bash tests/lib/install-deps.sh --list build >"$d"
t "make's list holds build tools only (no test, kernel or bench package)" \
	sh -c "! grep -E 'qemu|chromium|prometheus|linux-|valgrind|clang|gstreamer|ustreamer|ffmpeg|mmdebstrap' '$d'"

# --- one config location ----------------------------------------------------------
# Own build directory: the other tiers' build/grabberd keeps its paths.
for sysconf in "" /opt/grab/etc; do
	stage=$tmp/stage$RANDOM d=$tmp/sysconf.log want=${sysconf:-/etc}
	{
		make --no-print-directory -s BUILD="$tmp/b" install-grabberd install-conf \
			DESTDIR="$stage" PREFIX=/opt/grab ${sysconf:+SYSCONFDIR=$sysconf} &&
		test -f "$stage$want/grabberd/grabberd.conf" &&
		"$stage/opt/grab/sbin/grabberd" --help | tee /dev/stderr |
			grep -qF "(default $want/grabberd/grabberd.conf" &&
		grep -qxF "# Reads $want/grabberd/grabberd.conf, the path built into grabberd" \
			"$stage/etc/systemd/system/grabberd.service" &&
		grep -qxF "ExecStart=/opt/grab/sbin/grabberd" "$stage/etc/systemd/system/grabberd.service"
	} >"$d" 2>&1
	result "PREFIX=/opt/grab${sysconf:+ SYSCONFDIR=$sysconf}: make install, the unit and grabberd --help agree on $want/grabberd/grabberd.conf" $? "$d"
done

# --- make deb, lintian, contents -------------------------------------------------------
debs=$build/deb
d=$tmp/deb.log
start=$(date +%s)
nice -n 10 make --no-print-directory deb >"$d" 2>&1
result "make deb builds (dpkg-buildpackage in $build/deb-src)" $? "$d"
note "make deb: $(($(date +%s) - start)) s"
packages=(grabberd libgrab1 libgrab-dev grab-tools grab-dkms python3-grab gstreamer1.0-grab)
for p in "${packages[@]}"; do
	t "make deb made $p" sh -c "ls $debs/${p}_*.deb >/dev/null"
done
t "nothing beside the checkout: no .deb, .changes or .buildinfo outside $build/" \
	sh -c '! ls ../*.deb ../*.changes ../*.buildinfo ./*.deb 2>/dev/null | grep -q .'

d=$tmp/lintian.txt
lintian --fail-on error --display-info "$debs"/*.changes >"$d" 2>&1
s=$?
grep -v 'root privileges' "$d" | sed 's/^/# lintian: /'
result "lintian: no errors" $s "$d"

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
expect() {
	case "$1" in
	grabberd) cat <<EOF ;;
/etc/grabberd/grabberd.conf
/lib/systemd/system/grabberd.service
/lib/systemd/system/grabberd.socket
/lib/udev/rules.d/60-grab.rules
/usr/lib/sysusers.d/grabberd.conf
/usr/sbin/grabberd
/usr/share/doc/grabberd/changelog.gz
/usr/share/doc/grabberd/copyright
/usr/share/doc/grabberd/examples/modprobe.d/grab.conf
/usr/share/doc/grabberd/examples/modules-load.d/grab.conf
/usr/share/man/man5/grabberd.conf.5.gz
/usr/share/man/man8/grabberd.8.gz
EOF
	libgrab1) cat <<EOF ;;
/usr/lib/$ma/libgrab.so.1
/usr/share/doc/libgrab1/changelog.gz
/usr/share/doc/libgrab1/copyright
EOF
	libgrab-dev)
		cat <<EOF
/usr/include/grab/grab.h
/usr/lib/$ma/libgrab.a
/usr/lib/$ma/libgrab.so
/usr/lib/$ma/pkgconfig/libgrab.pc
/usr/share/doc/libgrab-dev/changelog.gz
/usr/share/doc/libgrab-dev/copyright
/usr/share/doc/libgrab-dev/examples/grab-frames.c
/usr/share/man/man7/libgrab.7.gz
EOF
		for m in client-lib/man/*.3; do echo "/usr/share/man/man3/${m##*/}.gz"; done ;;
	grab-tools) cat <<EOF ;;
/usr/bin/grab-capture
/usr/share/doc/grab-tools/changelog.gz
/usr/share/doc/grab-tools/copyright
/usr/share/man/man1/grab-capture.1.gz
EOF
	python3-grab)
		echo "/usr/lib/python3/dist-packages/grab$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
		cat <<EOF ;;
/usr/lib/python3/dist-packages/grab.pyi
/usr/share/doc/python3-grab/changelog.gz
/usr/share/doc/python3-grab/copyright
/usr/share/doc/python3-grab/examples/grab-motion.py
/usr/share/doc/python3-grab/examples/grab-view.py
EOF
	gstreamer1.0-grab) cat <<EOF ;;
/lib/systemd/system/grab-rtsp.service
/usr/bin/grab-rtsp
/usr/lib/$ma/gstreamer-1.0/libgstgrab.so
/usr/share/doc/gstreamer1.0-grab/changelog.gz
/usr/share/doc/gstreamer1.0-grab/copyright
/usr/share/man/man1/grab-rtsp.1.gz
EOF
	grab-dkms)
		echo /usr/share/doc/grab-dkms/changelog.gz
		echo /usr/share/doc/grab-dkms/copyright
		echo /usr/src/grab-0.1.0/dkms.conf
		for f in kernel/Kbuild kernel/Makefile kernel/*.[ch] kernel/uapi/linux/*.h; do
			echo "/usr/src/grab-0.1.0/${f#kernel/}"
		done ;;
	esac
}
for p in "${packages[@]}"; do
	d=$tmp/contents-$p.diff
	{
		deb=$(ls "$debs/${p}"_*.deb) &&
		dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||' | sort >"$tmp/$p.has" &&
		expect "$p" | sort >"$tmp/$p.want" &&
		diff -u "$tmp/$p.want" "$tmp/$p.has" &&
		! grep -E '/build/|deb-src|\.o$|\.d$|/usr/local|\.git' "$tmp/$p.has"
	} >"$d" 2>&1
	result "dpkg -c $p: exactly its files, nothing from the build tree" $? "$d"
done
t "grabberd: the config is a conffile" \
	sh -c "dpkg-deb -I $debs/grabberd_*.deb conffiles | grep -qx /etc/grabberd/grabberd.conf"

# --- a fresh root with git and make: make, make run, any user ------------------------
base_tarball >/dev/null 2>"$tmp/base.log"
result "a minbase bookworm with git and make (mmdebstrap, cached in $cache)" $? "$tmp/base.log"
a=$tmp/root-make
new_root "$a"
mkdir -p "$a/src"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -P -t "$a/src"
packages_of "$a" >"$tmp/a.before"
d=$tmp/a-make.log
start=$(date +%s)
in_root "$a" make -C /src -j2 >"$d" 2>&1
result "make as root in that root: installs the build list and builds" $? "$d"
note "make in a fresh root: $(($(date +%s) - start)) s"
packages_of "$a" >"$tmp/a.after"
join -v2 "$tmp/a.before" "$tmp/a.after" >"$tmp/a.new"
n=$(wc -l <"$tmp/a.new")
kib=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/a.new")
note "make installed $n packages, $((kib / 1024)) MB (dpkg Installed-Size)"
t "make installed fewer than 100 packages and 400 MB" test "$n" -lt 100 -a "$kib" -lt $((400 * 1024))
t "make installed no test package (no qemu, chromium, valgrind, kernel image)" \
	sh -c "! grep -E '^(qemu|chromium|valgrind|linux-image|prometheus|clang)' '$tmp/a.new'"

# make run: the daemon in the foreground, its socket in a temp dir; a client
# asks for the default stream and reads frames.
mkdir -p "$a/tmp/run"
d=$tmp/a-run.log
in_root "$a" timeout 20 make -C /src run RUN_ARGS="-s /tmp/run/grabberd.sock --no-http" >"$d" 2>&1 &
runner=$!
for _ in $(seq 100); do [ -S "$a/tmp/run/grabberd.sock" ] && break; sleep 0.2; done
# The machine may be loaded: every frame verifies, and the gaps add up to
# the missed count grab-capture reported (its summary line).
in_root "$a" /src/build/grab-capture -v -s /tmp/run/grabberd.sock -n 10 -f raw -T 10 -o /tmp/run/f.raw >>"$d" 2>&1 &&
	in_root "$a" /src/build/tests/verify-frames \
		--missed "$(sed -n 's/^grab-capture: [0-9]* frames, \([0-9]*\) missed.*/\1/p' "$d")" \
		640 480 YUYV /tmp/run/f.raw >>"$d" 2>&1
result "make run starts grabberd there; 10 frames from it verify byte for byte, gaps = missed" $? "$d"
wait "$runner"

# Non-root: the build list is there, the test packages are not.
d=$tmp/a-user.log
{
	in_root "$a" setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash /src/tests/lib/install-deps.sh check
	test $? -eq 1
} >"$d" 2>&1
result "non-root, make check's packages missing: install-deps.sh fails with the apt-get line" $? "$d"
t "that line names check's missing packages (qemu-system-x86) and none of the build list" \
	sh -c "grep -q 'apt-get install.* qemu-system-x86' '$d' && ! grep -E 'apt-get install.* (libevent-dev|gcc|pkg-config)( |$)' '$d'"
mkdir -p "$a/home/user"
cp -a "$a/src" "$a/home/user/src" && rm -rf "$a/home/user/src/build" && chown -R 65534:65534 "$a/home/user"
d=$tmp/a-user-make.log
in_root "$a" setpriv --reuid=65534 --regid=65534 --clear-groups \
	env HOME=/home/user make -C /home/user/src -j2 >"$d" 2>&1
result "make as a non-root user with only the build list: builds" $? "$d"

# --- a fresh root: apt install ./*.deb -------------------------------------------------
r=$tmp/root-debs
new_root "$r"
mkdir -p "$r/debs"
for p in "${packages[@]}"; do cp "$debs/${p}"_*.deb "$r/debs/"; done
d=$tmp/r-install.log
start=$(date +%s)
in_root "$r" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends -o DPkg::Lock::Timeout=300 ./debs/*.deb gcc libc6-dev pkg-config \
	linux-headers-amd64 linux-headers-6.12-amd64' \
	>"$d" 2>&1
result "apt install ./*.deb (with gcc, pkg-config and the 6.1 and 6.12 kernel headers) in a fresh root" $? "$d"
note "apt install of the packages: $(($(date +%s) - start)) s"
t "grab-capture --version answers" in_root "$r" grab-capture --version
libs=$(in_root "$r" pkg-config --libs libgrab 2>&1)
note "pkg-config --libs libgrab: $libs"
t "pkg-config --libs libgrab answers -lgrab" grep -qw -- -lgrab <<<"$libs"
d=$tmp/r-example.log
{
	mkdir -p "$r/tmp/run" &&
	in_root "$r" sh -c 'cc -Wall -Wextra -Werror -o /tmp/grab-frames /usr/share/doc/libgrab-dev/examples/grab-frames.c $(pkg-config --cflags --libs libgrab)' &&
	{ in_root "$r" timeout 20 grabberd -s /tmp/run/grabberd.sock --no-http & } &&
	for _ in $(seq 100); do [ -S "$r/tmp/run/grabberd.sock" ] && break; sleep 0.2; done &&
	in_root "$r" env GRAB_SOCKET=/tmp/run/grabberd.sock /tmp/grab-frames default 5 >"$tmp/ex.out" &&
	cat "$tmp/ex.out" &&
	[ "$(grep -cE '^seq [0-9]+ ts [0-9]+\.[0-9]{9} bytes 614400$' "$tmp/ex.out")" -eq 5 ]
} >"$d" 2>&1
result "examples/grab-frames.c builds against the installed libgrab and reads 5 frames from the installed grabberd" $? "$d"
wait
t "installing grabberd created the grabberd user (sysusers)" in_root "$r" getent passwd grabberd
t "installing grabberd enabled grabberd.socket" test -L "$r/etc/systemd/system/sockets.target.wants/grabberd.socket"
t "installing grabberd did not enable grabberd.service (the socket starts it)" \
	sh -c "! ls '$r'/etc/systemd/system/*.wants/grabberd.service 2>/dev/null | grep -q ."
# DKMS on both kernels: whatever the package's install built, every kernel
# with headers must end with grab.ko (dkms install for any it left out, as
# a new kernel's headers would trigger).
d=$tmp/r-dkms.log
(
	ver=$(basename "$(compgen -G "$r/usr/src/grab-*" | head -1)") && ver=${ver#grab-}
	n=0
	for k in $(cd "$r/lib/modules" && ls); do
		[ -e "$r/lib/modules/$k/build" ] || continue
		in_root "$r" dkms status -k "$k" "grab/$ver" | grep -q installed ||
			in_root "$r" dkms install "grab/$ver" -k "$k" || exit 1
		ls "$r/lib/modules/$k/updates/dkms/"grab.ko* || exit 1
		n=$((n + 1))
	done
	in_root "$r" dkms status
	echo "kernels with grab.ko: $n"
	[ "$n" -ge 2 ]
) >"$d" 2>&1
result "DKMS built and installed grab.ko for both kernels' headers (6.1 and 6.12)" $? "$d"
grep -E 'grab|kernels' "$d" | head -4 | sed 's/^/# /'

d=$tmp/r-purge.log
{
	in_root "$r" apt-get purge -y -q grabberd libgrab1 libgrab-dev grab-tools grab-dkms &&
	! in_root "$r" dpkg -l | grep -E '^.i +(grabberd|libgrab|grab-)' &&
	! compgen -G "$r/usr/src/grab-*" && ! [ -e "$r/var/lib/dkms/grab" ] &&
	! [ -e "$r/etc/grabberd" ] && ! compgen -G "$r/lib/modules/*/updates/dkms/grab.ko*" &&
	! find "$r"/etc/systemd "$r"/lib/systemd "$r"/usr/lib/systemd -name 'grabberd*' | grep . &&
	! in_root "$r" find / -xdev -user grabberd | grep .
} >"$d" 2>&1
result "apt purge leaves no file, unit, module or grabberd-owned file behind" $? "$d"

exit $failed
