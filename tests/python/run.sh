#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Python tier: the module `grab` (build/python) under pytest (Debian's
# python3-pytest) against real grabberd processes on private sockets, and
# the examples; then the module under valgrind.  Prints TAP: conftest.py
# turns each pytest result into an "ok"/"not ok" line (a skipped test is a
# "# skip" note, never an "ok").
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
export BUILD=$build
export PYTHONDONTWRITEBYTECODE=1	# no __pycache__ in the tree
py=/usr/bin/python3

. tests/lib/harness.sh
require "$py" "$build/grabberd" "$build/grab-capture" valgrind
so=$(ls "$build"/python/grab.cpython-*.so 2>/dev/null | head -1)
require "${so:-$build/python/grab.so}"
if ! "$py" -c 'import pytest, numpy, cv2' 2>/dev/null; then
	echo "not ok - python3-pytest, python3-numpy and python3-opencv are installed (tests/lib/install-deps.sh)"
	exit 1
fi

tmp=$(mktemp -d /tmp/grab-pytier.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- make install ---------------------------------------------------------------
# Into a DESTDIR, for PREFIX=/usr/local and /usr: the module lands in a
# directory Debian's python3 searches, and imports for an unprivileged user.
install_check() { # install_check PREFIX
	local d=$tmp/inst${1//\//-} dir
	make -s --no-print-directory install-python DESTDIR="$d" PREFIX="$1" >"$d.log" 2>&1 || return 1
	dir=$(dirname "$(find "$d" -name 'grab.cpython-*.so' | head -1)")
	[ -f "$dir/grab.pyi" ] || return 1
	"$py" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "${dir#"$d"}" || return 1
	chmod -R a+rX "$d" && chmod a+x "$tmp"
	(cd / && runuser -u nobody -- env -i PYTHONPATH="$dir" "$py" -c \
		'import grab; assert grab.formats()["YUYV"] == 0x56595559') 2>>"$d.log"
}
t "python: make install PREFIX=/usr/local puts grab where Debian's python3 imports it (as nobody)" \
	install_check /usr/local
t "python: make install PREFIX=/usr puts grab in /usr/lib/python3/dist-packages (as nobody)" \
	install_check /usr

# --- pytest ------------------------------------------------------------------
export GRAB_TAP=$tmp/tap
: >"$GRAB_TAP"
# -p no:cacheprovider: no .pytest_cache in the tree.
"$py" -m pytest -p no:cacheprovider --basetemp="$tmp/pytest" -q -rA tests/python ${PYTEST_ARGS:-} \
	>"$tmp/pytest.log" 2>&1
status=$?
cat "$GRAB_TAP"
case $status in
0) ;;
1) grep -q '^not ok' "$GRAB_TAP" || result "pytest: failures reported" 1 "$tmp/pytest.log" ;;
5) result "pytest collected tests (exit 5: none)" 1 "$tmp/pytest.log" ;;
*) result "pytest ran (exit $status)" 1 "$tmp/pytest.log" ;;
esac
grep -q '^not ok' "$GRAB_TAP" && failed=1
tail -1 "$tmp/pytest.log" | sed 's/^/# pytest: /'

# --- valgrind ------------------------------------------------------------------
# The module's C (and libgrab under it) under memcheck: no invalid access,
# no uninitialised use, no definite leak allocated through the module.
# PYTHONMALLOC=malloc lets memcheck see Python's own allocations; Debian's
# python3.supp quiets the interpreter.  The interpreter and NumPy leak a few
# blocks at exit by design: only leak records whose stack passes through
# grab's module count.
mkdir -p "$tmp/vg"
cat >"$tmp/vg/grabberd.conf" <<CONF
[grabberd]
socket = $tmp/vg/grabberd.sock
[stream default]
source = test:
width = 160
height = 120
format = YUYV
fps = 10
slots = 16
CONF
"$build/grabberd" -c "$tmp/vg/grabberd.conf" 2>"$tmp/vg/grabberd.log" &
dpid=$!
for _ in $(seq 100); do
	[ -S "$tmp/vg/grabberd.sock" ] && grep -q "serving on" "$tmp/vg/grabberd.log" && break
	sleep 0.05
done
PYTHONPATH=$build/python PYTHONMALLOC=malloc timeout 300 valgrind -q --error-exitcode=99 \
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none \
	--suppressions=/usr/lib/valgrind/python3.supp \
	"$py" tests/python/valgrind-workout.py "$tmp/vg/grabberd.sock" >"$tmp/vg/out" 2>&1
vstatus=$?
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
grep -q "workout done" "$tmp/vg/out" || vstatus=1
# Leak records (blank-line separated) that name the module or libgrab.
ours=$(awk -v RS= '/definitely lost/ && /grab\.cpython|grabpy_|grab_(connect|next|frame|open)/' "$tmp/vg/out")
if [ -n "$ours" ]; then
	printf '%s\n' "$ours" >"$tmp/vg/leaks"
	result "python: no definite leak through the module under valgrind" 1 "$tmp/vg/leaks"
else
	note "valgrind: $(grep -c 'definitely lost in' "$tmp/vg/out") definite leak records (interpreter, NumPy), none through the module"
fi
result "python: the module under valgrind memcheck: no error, no definite leak (status $vstatus)" \
	"$vstatus" "$tmp/vg/out"

exit $failed
