#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Is every tool a tier calls on the list of the target that runs it?  Prints
# "TOOL PACKAGE LIST" for each tool found in tests/<tier>/*.sh (words after
# `require`, `command -v WORD`, `for tool in ...; do`), and a line "MISSING
# ..." for each whose package is neither on the list (tests/lib/deps via
# install-deps.sh --list), nor a direct dependency of a listed package (cc
# is gcc-12's, through gcc), nor Essential (in every Debian root).  Exits 1
# if any is missing.  Built programs ($vars, paths) are make's business.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

tools_of() {
	cat "$@" 2>/dev/null | sed -nE \
		-e 's/^[[:space:]]*require[[:space:]]+(.*)$/\1/p' \
		-e 's/.*command -v ([A-Za-z0-9_.+-]+).*/\1/p' \
		-e 's/^[[:space:]]*for (tool|t) in ([^;]*);.*/\2/p' |
		tr ' \t' '\n\n' | grep -E '^[A-Za-z0-9_.+-]+$' | grep -v '^[A-Z]*$' | sort -u
}

# allowed LIST: the list's packages, their direct dependencies, Essential ones.
allowed() {
	local pkgs
	pkgs=$(bash tests/lib/install-deps.sh --list "$1") || return 1
	printf '%s\n' $pkgs
	dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' $pkgs 2>/dev/null |
		tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/:any//; s/[[:space:]]//g' | grep -v '^$'
	dpkg-query -W -f='${Package} ${Essential}\n' | awk '$2 == "yes" { print $1 }'
}

# Every tool of every tier, with the tier: "TIER LIST TOOL".
for dir in tests/*/; do
	tier=$(basename "$dir")
	case "$tier" in lib) continue ;; bench) list=bench ;; *) list=check ;; esac
	# (Not this script: its patterns are not tools.)
	scripts=()
	for f in "$dir"*.sh; do
		[ "$f" = tests/packaging/tier-tools.sh ] || scripts+=("$f")
	done
	for tool in $(tools_of "${scripts[@]}"); do
		case "$tool" in tool|t|in|do) continue ;; esac
		echo "$tier $list $tool"
	done
done >"${TMPDIR:-/tmp}/tier-tools.$$"
trap 'rm -f "${TMPDIR:-/tmp}/tier-tools.$$"' EXIT

# One dpkg -S for every candidate path (usrmerge: /bin and /usr/bin both;
# alternatives: the link's target): "PATH PACKAGE".
owners=$(
	for tool in $(awk '{ print $3 }' "${TMPDIR:-/tmp}/tier-tools.$$" | sort -u); do
		path=$(command -v "$tool") || continue
		for p in "$path" "/bin/$tool" "/usr/bin/$tool" "/sbin/$tool" "/usr/sbin/$tool" "$(readlink -f "$path")"; do
			echo "$p"
		done
	done | sort -u | xargs dpkg -S 2>/dev/null |
		awk '{ i = index($0, ": "); pkg = substr($0, 1, i - 1); sub(/[:,].*/, "", pkg)
			print substr($0, i + 2), pkg }'
)
owner() {
	local path p
	path=$(command -v "$1") || return 1
	for p in "$path" "/bin/$1" "/usr/bin/$1" "/sbin/$1" "/usr/sbin/$1" "$(readlink -f "$path")"; do
		awk -v p="$p" '$1 == p { print $2; found = 1; exit } END { exit !found }' <<<"$owners" && return 0
	done
	return 1
}

ok_check=$(allowed check | sort -u)
ok_bench=$(allowed bench | sort -u)
status=0
while read -r tier list tool; do
	if [ "$list" = bench ]; then ok=$ok_bench; else ok=$ok_check; fi
	if ! pkg=$(owner "$tool"); then
		echo "MISSING $tier: $tool is not installed here, so its package is unknown"
		status=1
	elif grep -qxF "$pkg" <<<"$ok"; then
		echo "$tier $tool $pkg $list"
	else
		echo "MISSING $tier: $tool (package $pkg) is not on the $list list (tests/lib/install-deps.sh)"
		status=1
	fi
done <"${TMPDIR:-/tmp}/tier-tools.$$"
exit $status
