#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unit tier: the ABI header compiles everywhere, then every unit test binary.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compile() {
	local what=$1; shift
	if "$@" -c tests/unit/abi-check.c -o "$tmp/abi.o" 2>"$tmp/err"; then
		echo "ok - ABI header compiles as $what"
	else
		echo "not ok - ABI header compiles as $what"
		sed 's/^/# /' "$tmp/err"
	fi
}
compile "C99 -pedantic" cc -std=c99 -Wall -Wextra -Werror -pedantic -Ikernel/uapi
compile "C99 (clang)" clang -std=c99 -Wall -Wextra -Werror -Ikernel/uapi
compile "C11 -pedantic" cc -std=c11 -Wall -Wextra -Werror -pedantic -Ikernel/uapi
compile "C++11" c++ -x c++ -std=c++11 -Wall -Wextra -Werror -Ikernel/uapi
compile "C++17" c++ -x c++ -std=c++17 -Wall -Wextra -Werror -Ikernel/uapi

status=0
for t in "$build"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	echo "# $(basename "$t")"
	"$t" || status=1
done
exit $status
