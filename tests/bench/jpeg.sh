#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# JPEG encode rate at 1080p: grab-capture's encoder on the test pattern,
# and libjpeg-turbo's own tjbench on the same picture, side by side in one
# run.  The comparable tjbench figure is "Comp Perf": for YUYV it is tjbench
# -yuv (planar YUV to JPEG, which is what grab-capture does after taking
# the YUYV planes apart), for RGB it is plain RGB to JPEG.  A benchmark, not
# a test: it prints figures and fails only if something cannot run.
#   tests/bench/jpeg.sh [SECONDS]   (default 2 per measurement)
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
secs=${1:-2}
bench=$build/tests/bench/jpeg-bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
W=1920 H=1080 Q=90

[ -x "$bench" ] || { echo "jpeg.sh: $bench not built (make)" >&2; exit 1; }
command -v tjbench >/dev/null || { echo "jpeg.sh: tjbench missing (libjpeg-turbo-progs)" >&2; exit 1; }

# tjbench's "Comp Perf" column (Mpixels/s) from its -quiet table.
tj() {	# tj SUBSAMP [extra options]
	local sub=$1
	shift
	tjbench "$tmp/pattern.ppm" $Q -subsamp "$sub" -componly -benchtime "$secs" \
		-warmup 0.5 -quiet "$@" 2>/dev/null |
	awk -v yuv="$*" '/^(RGB|BGR)/ { print (yuv ~ /-yuv/) ? $8 : $7 }' | tail -1
}

"$bench" $W $H RGB3 $Q 0.01 "$tmp/pattern.ppm" >/dev/null
printf 'JPEG encode, %dx%d test pattern, quality %d, %s s per figure\n' $W $H $Q "$secs"
printf '%-34s %10s %10s %12s\n' "" "frames/s" "Mpixel/s" "tjbench Mp/s"
for case in "YUYV 422 -yuv" "RGB3 444" "GREY GRAY -yuv"; do
	set -- $case
	fourcc=$1 sub=$2
	shift 2
	read -r _ fps mps bytes < <("$bench" $W $H "$fourcc" $Q "$secs")
	tjmps=$(tj "$sub" "$@")
	ratio=$(awk -v a="$mps" -v b="$tjmps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
	printf '%-34s %10s %10s %12s   ratio %s  (%d bytes/frame)\n' \
		"grab-capture $fourcc -> JPEG $sub" "$fps" "$mps" "${tjmps:-?}" "$ratio" "$bytes"
done
