#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Style tier: the tree as the repository's own tools want it.
#   clang-format --dry-run --Werror with .clang-format, on every C file;
#   every shell script through shellcheck -S warning;
#   checkpatch.pl --strict on kernel/ (from Debian's linux-source-6.12).
# Zero complaints, except what tests/style/exceptions lists, each with its
# reason.  A file that fails shows its first complaints in the log.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
. tests/lib/harness.sh
require git clang-format shellcheck perl xz tar awk

exceptions=tests/style/exceptions
[ -f "$exceptions" ] || { echo "not ok - $exceptions is missing"; exit 1; }
# The exceptions that apply to TOOL and PATH ("TOOL PATH CODES reason").
# whole_file TOOL PATH: is PATH exempt from TOOL altogether (CODES "-")?
whole_file() {
	awk -v tool="$1" -v path="$2" '
		$1 == tool && $2 == path && $3 == "-" { found = 1 }
		END { exit !found }' "$exceptions"
}
# excused TOOL PATH: the codes excused for TOOL in PATH, comma-separated.
excused() {
	awk -v tool="$1" -v path="$2" '
		$1 == tool && $2 == path && $3 != "-" { print $3 }' "$exceptions" |
		paste -sd, -
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- clang-format -----------------------------------------------------------
mapfile -t c_files < <(git ls-files '*.c' '*.h')
bad=0 complaints=0 skipped=0
for f in "${c_files[@]}"; do
	if whole_file clang-format "$f"; then
		skipped=$((skipped + 1))
		continue
	fi
	if ! clang-format --dry-run --Werror "$f" >"$tmp/cf" 2>&1; then
		n=$(grep -cE '(error|warning):' "$tmp/cf")
		note "clang-format: $f: $n places differ; first:"
		grep -m 3 -A 2 -E '(error|warning):' "$tmp/cf" | sed 's/^/#   /'
		bad=$((bad + 1)) complaints=$((complaints + n))
	fi
done
note "clang-format: $bad files with $complaints complaints; $skipped files excepted"
result "clang-format: ${#c_files[@]} C files match .clang-format" $bad

# ---- shellcheck -------------------------------------------------------------
# Every *.sh, and every other tracked file whose first line is a shell's #!.
mapfile -t sh_files < <(
	git ls-files | while read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) [ -f "$f" ] && head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*[/ ](ba|da)?sh( |$)' && echo "$f" ;;
		esac
	done)
bad=0 complaints=0
for f in "${sh_files[@]}"; do
	[ -f "$f" ] || continue
	codes=$(excused shellcheck "$f")
	if ! shellcheck -S warning -x ${codes:+-e "$codes"} -f gcc "$f" >"$tmp/sc" 2>&1; then
		n=$(wc -l <"$tmp/sc")
		note "shellcheck: $f: $n complaints; first:"
		head -5 "$tmp/sc" | sed 's/^/#   /'
		bad=$((bad + 1)) complaints=$((complaints + n))
	fi
done
note "shellcheck: $bad files with $complaints complaints"
result "shellcheck -S warning: ${#sh_files[@]} scripts clean" $bad

# ---- checkpatch.pl --strict on kernel/ ---------------------------------------
# Debian ships checkpatch inside the kernel source tarball: unpack the three
# files it needs once (one pass over the tarball, a minute or two), into a
# cache: built in a temp dir on the cache's file system, then renamed, so two
# runs at once cannot see half a cache.
src=/usr/src/linux-source-6.12.tar.xz
cache=${GRAB_CACHE:-/var/cache/grab-test}/checkpatch-$(stat -c %Y "$src" 2>/dev/null)
if [ ! -f "$src" ]; then
	echo "not ok - checkpatch: $src is missing (Debian package linux-source-6.12; tests/lib/install-deps.sh)"
	failed=1
else
	if [ ! -f "$cache/scripts/checkpatch.pl" ]; then
		mkdir -p "$(dirname "$cache")"
		part=$(mktemp -d "$cache.XXXXXX")
		if tar -xJf "$src" -C "$part" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' >"$tmp/tar.err" 2>&1 &&
			[ -f "$part/scripts/checkpatch.pl" ]; then
			chmod 755 "$part"
			# Another run may have got there first: then keep its copy.
			mv -T "$part" "$cache" 2>/dev/null || rm -rf "$part"
		else
			rm -rf "$part"
			note "tar: $(head -3 "$tmp/tar.err")"
		fi
	fi
	if [ ! -f "$cache/scripts/checkpatch.pl" ]; then
		echo "not ok - checkpatch: scripts/checkpatch.pl could not be unpacked from $src"
		failed=1
	else
		mapfile -t k_files < <(git ls-files 'kernel/*.c' 'kernel/*.h')
		bad=0 complaints=0
		for f in "${k_files[@]}"; do
			ignore=$(excused checkpatch "$f")
			# From $tmp: in a git checkout, checkpatch leaves a
			# .checkpatch-camelcase.git.* cache file behind.
			if ! (cd "$tmp" && perl "$cache/scripts/checkpatch.pl" --strict \
				--no-tree --terse --show-types ${ignore:+--ignore "$ignore"} \
				-f "$top/$f") >"$tmp/cp.out" 2>&1; then
				n=$(grep -cE '(ERROR|WARNING|CHECK):' "$tmp/cp.out")
				note "checkpatch: $f: $n complaints; first:"
				grep -E '(ERROR|WARNING|CHECK):' "$tmp/cp.out" | head -5 | sed 's/^/#   /'
				bad=$((bad + 1)) complaints=$((complaints + n))
			fi
		done
		note "checkpatch: $bad files with $complaints complaints"
		result "checkpatch.pl --strict: ${#k_files[@]} kernel files clean" $bad
	fi
fi

exit $failed
