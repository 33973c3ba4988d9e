#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Python tier: the module `grab` (build/python) under pytest (Debian's
# python3-pytest) against real grabberd processes on private sockets, and
# the examples; then the module under valgrind.  Prints TAP: conftest.py
# turns each pytest result into an "ok"/"not ok" line (a skipped test is a
# "# skip" note, never an "ok").
set -u
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
export BUILD=$build
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

exit $failed
