#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# System tier, on the host: check what the guest left in the share with
# ffprobe.  usage: host-checks.sh OUTDIR KERNEL_VERSION
out=$1 kver=$2
f=$out/vivid.y4m
if [ -s "$f" ]; then
	probe=$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=width,height,pix_fmt,nb_read_frames -of csv=p=0 "$f" 2>&1)
	echo "# [$kver] ffprobe vivid.y4m: $probe"
	if [ "$probe" = "640,360,yuv422p,30" ]; then
		echo "ok - [$kver] ffprobe reads the vivid capture: 640x360 yuv422p, 30 frames"
	else
		echo "not ok - [$kver] ffprobe reads the vivid capture: 640x360 yuv422p, 30 frames"
		exit 1
	fi
else
	echo "not ok - [$kver] the guest left a vivid capture to check"
	exit 1
fi
