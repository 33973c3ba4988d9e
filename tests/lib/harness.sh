# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# Sourced by the tier scripts: TAP output for tests/run-tests.sh and the
# checks every tier makes first.  A tier may define on_failure() to show
# what it knows (log tails) after a failing t.

failed=0

# t NAME CMD...: "ok - NAME" if CMD succeeds, else "not ok - NAME".
t() {
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		failed=1
		if declare -F on_failure >/dev/null; then on_failure; fi
	fi
	return 0
}

# result NAME STATUS [FILE]: the same for a status already known; FILE
# (its first 40 lines) is shown on failure.
result() {
	if [ "$2" -eq 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=1
		if [ -n "${3:-}" ] && [ -f "$3" ]; then sed 's/^/# /' "$3" | head -40; fi
	fi
	return 0
}

note() { echo "# $*"; }

# require TOOL_OR_PATH...: a missing tool or built program fails the tier:
# a test that cannot run is a failure, never a skip.
require() {
	local tool
	for tool; do
		if ! command -v "$tool" >/dev/null 2>&1 && [ ! -e "$tool" ]; then
			echo "not ok - $tool is missing (make builds the project's programs; tests/lib/install-deps.sh installs the rest)"
			exit 1
		fi
	done
}
