#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon's file-level call graph, from its objects: which daemon file
# uses functions (and ops tables) of which other file.  Read from nm, so it
# is what the linker sees, not what the comments say.
#   tests/lib/daemon-callgraph.sh [BUILD]    (after make)
# One line per pair of files: "caller -> callee: functions"; &name is a
# table (data) rather than a function.
set -eu
build=${1:-build}
objs=()
for o in "$build"/daemon/*.o "$build"/common/*.o "$build"/kernel/grab-pattern.o \
	"$build"/client-lib/cli/*.o; do
	# grab-capture's main is not a library the daemon could call.
	[ -f "$o" ] && [ "${o##*/}" != grab-capture.o ] && objs+=("$o")
done
[ ${#objs[@]} -gt 0 ] || { echo "daemon-callgraph: no objects under $build (run make)" >&2; exit 1; }
for o in "${objs[@]}"; do
	f=${o#"$build"/}; f=${f%.o}.c
	nm --defined-only -g "$o" | awk -v f="$f" 'NF == 3 { print "D", $3, f, $2 }'
	nm -u "$o" | awk -v f="$f" '{ print "U", $2, f }'
done | awk '
	$1 == "D" { def[$2] = $3; kind[$2] = ($4 == "T") ? "" : "&" ; next }
	{ use[NR] = $2; user[NR] = $3 }
	END {
		for (i in use) {
			s = use[i]; u = user[i]
			if (!(s in def) || def[s] == u || u !~ /^daemon\//) continue
			e = u " -> " def[s]
			if (!(e in seen)) { seen[e] = ""; edges[e] = 0 }
			syms[e] = syms[e] " " kind[s] s
		}
		for (e in seen) print e ":" syms[e]
	}' | sort | while IFS=: read -r edge syms; do
		# shellcheck disable=SC2086 # split the symbol list on purpose
		echo "$edge: $(printf '%s\n' $syms | sort -u | tr '\n' ' ')"
	done
