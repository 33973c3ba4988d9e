#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Capture tier: grab-capture against real grabberd processes on private
# sockets (the test source), read back by ffprobe and by check-frames
# (which re-derives every expected pixel from the pattern); every error path
# for real (a full tmpfs, a read-only mount, a stopped daemon, a signal);
# libgrab's exported symbols; the example built against the installed
# library; the man pages.  Needs root for the mounts.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
GC=$build/grab-capture
GD=$build/grabberd
CHK=$build/tests/capture/check-frames
tmp=$(mktemp -d /tmp/grab-capture-tier.XXXXXX)
daemons=()
mounts=()

cleanup() {
	local p m
	for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${daemons[@]}"; do wait "$p" 2>/dev/null; done
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

. tests/lib/harness.sh
require "$GC" "$GD" "$CHK" ffprobe ffmpeg groff nm pkg-config cc mount

# start_daemon NAME ARGS...: a grabberd on $tmp/NAME.sock; sets $pid.
start_daemon() {
	local name=$1 i
	shift
	rm -f "$tmp/$name.sock"
	"$GD" --socket "$tmp/$name.sock" "$@" >"$tmp/$name.log" 2>&1 &
	pid=$!
	daemons+=("$pid")
	for i in $(seq 100); do
		[ -S "$tmp/$name.sock" ] && return 0
		sleep 0.05
	done
	echo "# grabberd $name did not come up:"; sed 's/^/#   /' "$tmp/$name.log"
	return 1
}

# Sequence numbers of the frames a -v run wrote (its stderr in $1).
seqs() { awk '/^grab-capture: frame .* seq /{print $5}' "$1"; }

# probe FILE [ffprobe input options]: "width,height,pix_fmt,nb_read_frames"
probe() {
	local f=$1
	shift
	ffprobe -v error "$@" -i "$f" -count_frames -select_streams v:0 \
		-show_entries stream=width,height,pix_fmt,nb_read_frames -of csv=p=0
}

W=320 H=240
start_daemon yuyv --width $W --height $H --format YUYV --fps 60 --slots 8 || exit 1
start_daemon grey --width $W --height $H --format GREY --fps 60 || exit 1
start_daemon rgb --width $W --height $H --format RGB24 --fps 60 || exit 1
start_daemon big --width 640 --height 480 --format YUYV --fps 60 || exit 1
declare -A fourcc=([yuyv]=YUYV [grey]=GREY [rgb]=RGB3 [big]=YUYV)
declare -A y4mfmt=([yuyv]=yuv422p [grey]=gray [rgb]=yuv444p)
declare -A jpgfmt=([yuyv]=yuvj422p [grey]=gray [rgb]=yuvj444p)

# ---- Y4M: ffprobe reads it (file and pipe), content checked -----------
for s in yuyv grey rgb; do
	d=$tmp/y4m-$s.diag
	{
		"$GC" -s "$tmp/$s.sock" -n 10 -v -o "$tmp/$s.y4m" 2>"$tmp/$s.y4m.v" &&
		got=$(probe "$tmp/$s.y4m") &&
		echo "ffprobe: $got" &&
		[ "$got" = "$W,$H,${y4mfmt[$s]},10" ] &&
		"$CHK" y4m "$tmp/$s.y4m" "${fourcc[$s]}" $(seqs "$tmp/$s.y4m.v")
	} >"$d" 2>&1
	result "Y4M file from a ${fourcc[$s]} stream: ffprobe sees ${W}x$H ${y4mfmt[$s]}, 10 frames; content matches the pattern" $? "$d"
done

d=$tmp/pipe.diag
{
	"$GC" -s "$tmp/yuyv.sock" -n 12 -v -o - 2>"$tmp/pipe.v" | tee "$tmp/pipe.y4m" |
		ffprobe -v error -i pipe:0 -count_frames -select_streams v:0 \
			-show_entries stream=width,height,pix_fmt,nb_read_frames -of csv=p=0 >"$tmp/pipe.probe"
	st=("${PIPESTATUS[@]}")
	echo "exit statuses: ${st[*]}; ffprobe: $(cat "$tmp/pipe.probe")"
	[ "${st[*]}" = "0 0 0" ] && [ "$(cat "$tmp/pipe.probe")" = "$W,$H,yuv422p,12" ] &&
	"$CHK" y4m "$tmp/pipe.y4m" YUYV $(seqs "$tmp/pipe.v")
} >"$d" 2>&1
result "Y4M on stdout piped into ffprobe: ${W}x$H yuv422p, 12 frames; content matches" $? "$d"

# ---- JPEG: ffprobe, and PSNR against the pattern ----------------------
for s in yuyv grey rgb; do
	d=$tmp/jpg-$s.diag
	{
		"$GC" -s "$tmp/$s.sock" -n 5 -o "$tmp/jpg-$s/" 2>&1 &&
		ls "$tmp/jpg-$s" &&
		[ "$(ls "$tmp/jpg-$s" | tr '\n' ' ')" = "frame-000000.jpg frame-000001.jpg frame-000002.jpg frame-000003.jpg frame-000004.jpg " ] &&
		got=$(probe "$tmp/jpg-$s/frame-%06d.jpg" -f image2) &&
		echo "ffprobe: $got" &&
		[ "$got" = "$W,$H,${jpgfmt[$s]},5" ]
	} >"$d" 2>&1
	result "JPEG directory from a ${fourcc[$s]} stream: 5 files, ffprobe sees ${W}x$H ${jpgfmt[$s]}, 5 frames" $? "$d"
done

for s in big grey rgb; do
	d=$tmp/psnr-$s.diag
	{
		"$GC" -s "$tmp/$s.sock" -n 3 --quality 90 -v -o "$tmp/q-$s-%d.jpg" 2>"$tmp/q-$s.v" &&
		i=0 && for q in $(seqs "$tmp/q-$s.v"); do
			"$CHK" jpeg "$tmp/q-$s-$i.jpg" "$q" "${fourcc[$s]}" 30 || exit 1
			i=$((i + 1))
		done && [ $i -eq 3 ] &&
		# The check can fail: the same file against the next frame must.
		! "$CHK" jpeg "$tmp/q-$s-0.jpg" $(($(seqs "$tmp/q-$s.v" | head -1) + 1)) "${fourcc[$s]}" 30
	} >"$d" 2>&1
	result "JPEG at quality 90 from a ${fourcc[$s]} stream decodes to PSNR >= 30 dB against the pattern (and < 30 against the next frame)" $? "$d"
	grep -m1 'PSNR' "$d" | sed 's/^# */# /'
done

# ---- PPM and raw: exact or within the justified BT.601 tolerance -------
for s in yuyv grey rgb; do
	d=$tmp/ppm-$s.diag
	{
		"$GC" -s "$tmp/$s.sock" -n 3 -v -o "$tmp/ppm-$s/%03d.ppm" 2>"$tmp/ppm-$s.v" &&
		i=0 && for q in $(seqs "$tmp/ppm-$s.v"); do
			"$CHK" ppm "$tmp/ppm-$s/$(printf %03d $i).ppm" "$q" "${fourcc[$s]}" || exit 1
			i=$((i + 1))
		done && [ $i -eq 3 ] &&
		! "$CHK" ppm "$tmp/ppm-$s/000.ppm" $(($(seqs "$tmp/ppm-$s.v" | head -1) + 1)) "${fourcc[$s]}" >/dev/null
	} >"$d" 2>&1
	result "PPM pattern output from a ${fourcc[$s]} stream: 000.ppm..002.ppm match the pattern in RGB (and not the next frame)" $? "$d"
	grep -m1 'samples off' "$d"
done

d=$tmp/raw.diag
{
	"$GC" -s "$tmp/rgb.sock" -n 4 -v -f raw -o "$tmp/r.rgb" 2>"$tmp/r.v" &&
	"$CHK" raw "$tmp/r.rgb" $W $H RGB3 $(seqs "$tmp/r.v")
} >"$d" 2>&1
result "raw output: 4 frames byte for byte the pattern" $? "$d"

# ---- every format of the table: the test source through grabberd ------
# One daemon, a stream per format at 640x480 (a size where the pattern's
# edges fall on 2x2 cells, so the Bayer demosaic is exact).  Raw is checked
# byte for byte; PPM, JPEG and Y4M are read back by ffmpeg (to rgb24) and
# compared with the RGB each frame stands for (check-frames rgb): PSNR >= 40.
FW=640 FH=480
RAW_FORMATS="YUYV UYVY NV12 YU12 RGB3 BGR3 GREY Y16 RGGB BA81 GRBG GBRG"
{
	echo "[grabberd]"
	echo "linger_ms = 200"
	for f in $RAW_FORMATS MJPG; do
		printf '[stream %s]\nwidth = %d\nheight = %d\nformat = %s\nfps = 30\nslots = 8\n' \
			"$f" $FW $FH "$f"
	done
} >"$tmp/all.conf"
start_daemon all -c "$tmp/all.conf" || exit 1
declare -A y4mpix=([YUYV]=yuv422p [UYVY]=yuv422p [NV12]=yuv420p [YU12]=yuv420p
	[GREY]=gray [Y16]=gray16le)

# psnr_of KIND F FILE SEQS...: ffmpeg decodes FILE to rgb24, check-frames
# compares each frame with its SEQ's reference.
psnr_of() {
	local kind=$1 f=$2 file=$3 range=()
	shift 3
	# A mono Y4M says XCOLORRANGE=LIMITED and ffprobe reports it (tv),
	# but swscale's 8-bit gray to RGB path ignores the range: going
	# through yuv444p (limited, like the file) honours it.
	[ "$kind" = y4m ] && [ "$f" = GREY ] && range=(-vf format=yuv444p)
	ffmpeg -v error -y -i "$file" "${range[@]}" -f rawvideo -pix_fmt rgb24 "$file.rgb" &&
	"$CHK" rgb "$file.rgb" $FW $FH "$f" 40 "$@"
}

for f in $RAW_FORMATS; do
	d=$tmp/fmt-raw-$f.diag
	{
		"$GC" -s "$tmp/all.sock" -S "$f" -n 3 -v -f raw -o "$tmp/fmt-$f.raw" 2>"$tmp/fmt-$f.raw.v" &&
		"$CHK" raw "$tmp/fmt-$f.raw" $FW $FH "$f" $(seqs "$tmp/fmt-$f.raw.v")
	} >"$d" 2>&1
	result "$f: raw frames from the test source through grabberd are the pattern byte for byte" $? "$d"

	d=$tmp/fmt-ppm-$f.diag
	kind="PPM" magic=P6
	[ "$f" = Y16 ] && kind="PPM (16-bit PGM)" magic=P5
	{
		"$GC" -s "$tmp/all.sock" -S "$f" -n 1 -v -o "$tmp/fmt-$f.ppm" 2>"$tmp/fmt-$f.ppm.v" &&
		[ "$(head -c 2 "$tmp/fmt-$f.ppm")" = "$magic" ] &&
		psnr_of ppm "$f" "$tmp/fmt-$f.ppm" $(seqs "$tmp/fmt-$f.ppm.v")
	} >"$d" 2>&1
	result "$f: $kind read back by ffmpeg: PSNR >= 40 dB against the pattern" $? "$d"
	grep -m1 PSNR "$d"

	d=$tmp/fmt-jpg-$f.diag
	{
		"$GC" -s "$tmp/all.sock" -S "$f" -n 1 -v --quality 95 -o "$tmp/fmt-$f.jpg" 2>"$tmp/fmt-$f.jpg.v" &&
		psnr_of jpeg "$f" "$tmp/fmt-$f.jpg" $(seqs "$tmp/fmt-$f.jpg.v")
	} >"$d" 2>&1
	result "$f: JPEG (quality 95) read back by ffmpeg: PSNR >= 40 dB against the pattern" $? "$d"
	grep -m1 PSNR "$d"

	d=$tmp/fmt-y4m-$f.diag
	want=${y4mpix[$f]:-yuv444p}
	{
		"$GC" -s "$tmp/all.sock" -S "$f" -n 2 -v -o "$tmp/fmt-$f.y4m" 2>"$tmp/fmt-$f.y4m.v" &&
		got=$(probe "$tmp/fmt-$f.y4m") && echo "ffprobe: $got" &&
		[ "$got" = "$FW,$FH,$want,2" ] &&
		psnr_of y4m "$f" "$tmp/fmt-$f.y4m" $(seqs "$tmp/fmt-$f.y4m.v")
	} >"$d" 2>&1
	result "$f: Y4M is $want to ffprobe, read back by ffmpeg: PSNR >= 40 dB against the pattern" $? "$d"
	grep -m1 PSNR "$d"
done

# ---- MJPEG: the frames as they came ------------------------------------
d=$tmp/mjpg-raw.diag
{
	"$GC" -s "$tmp/all.sock" -S MJPG -n 5 -f raw -o "$tmp/mj.mjpeg" &&
	got=$(probe "$tmp/mj.mjpeg" -f mjpeg) && echo "ffprobe -f mjpeg: $got" &&
	[ "${got%,*}" = "$FW,$FH,yuvj422p" ] && [ "${got##*,}" -eq 5 ] &&
	"$CHK" mjpeg "$tmp/mj.mjpeg" $FW $FH
} >"$d" 2>&1
result "MJPG: -f raw writes an MJPEG stream ffmpeg reads (-f mjpeg, 5 frames), each frame the source's JPEG byte for byte" $? "$d"
grep -m1 'JPEG frames' "$d"

d=$tmp/mjpg-pipe.diag
{
	"$GC" -s "$tmp/all.sock" -S MJPG -n 4 -f jpeg -o - | tee "$tmp/mj-pipe.mjpeg" |
		ffmpeg -v error -f mjpeg -i pipe:0 -f framecrc - >"$tmp/mj-pipe.crc"
	st=("${PIPESTATUS[@]}")
	echo "exit statuses: ${st[*]}; ffmpeg frames: $(grep -vc '^#' "$tmp/mj-pipe.crc")"
	[ "${st[*]}" = "0 0 0" ] && [ "$(grep -vc '^#' "$tmp/mj-pipe.crc")" -eq 4 ] &&
	"$CHK" mjpeg "$tmp/mj-pipe.mjpeg" $FW $FH
} >"$d" 2>&1
result "MJPG: jpeg on stdout piped into ffmpeg -f mjpeg: 4 frames decoded, each the source's JPEG" $? "$d"

d=$tmp/mjpg-dir.diag
{
	"$GC" -s "$tmp/all.sock" -S MJPG -n 3 -o "$tmp/mj-dir/" &&
	n=0 && for j in "$tmp"/mj-dir/*.jpg; do
		"$CHK" mjpeg "$j" $FW $FH || exit 1
		n=$((n + 1))
	done && [ $n -eq 3 ]
} >"$d" 2>&1
result "MJPG: a directory of .jpg files, each exactly a frame as the source made it" $? "$d"

d=$tmp/mjpg-ppm.diag
{
	"$GC" -s "$tmp/all.sock" -S MJPG -n 1 -o "$tmp/mj.ppm"
	r=$?
	echo "exit $r"
	[ $r -eq 1 ] && [ ! -s "$tmp/mj.ppm" ]
} >"$d" 2>&1
grep -q "compressed): write it as jpeg" "$d"
result "MJPG to PPM is refused with a message naming jpeg and raw" $? "$d"

# ---- --history --------------------------------------------------------
d=$tmp/history.diag
{
	# Someone watching keeps the source running and the ring full.
	"$GC" -s "$tmp/yuyv.sock" -q -f raw -o /dev/null -t 20 &
	watcher=$!
	sleep 0.5
	"$GC" -s "$tmp/yuyv.sock" --history -n 4 -v -f raw -o "$tmp/h.raw" 2>"$tmp/h.v"
	hst=$?
	kill $watcher; wait $watcher
	cat "$tmp/h.v"
	hist=$(grep -c ' history -> ' "$tmp/h.v")
	live=$(grep -c 'missed [0-9]* -> ' "$tmp/h.v")
	echo "exit $hst; $hist history frames, $live live frames"
	# Oldest first, and every gap is one grab-capture reported as missed
	# (a busy machine may make it miss live frames).
	[ $hst -eq 0 ] && [ "$hist" -ge 7 ] && [ "$live" -eq 4 ] &&
	sed -n 's/.* seq \([0-9]*\) .* missed \([0-9]*\).*/\1 \2/p' "$tmp/h.v" |
		awk 'NR > 1 && ($1 <= prev || $1 - prev - 1 != $2 - pm) { bad = 1 } { prev = $1; pm = $2 } END { exit bad }' &&
	"$CHK" raw "$tmp/h.raw" $W $H YUYV $(seqs "$tmp/h.v")
} >"$d" 2>&1
result "--history writes the ring's frames (>= 7 of 8 slots) oldest first, then 4 live ones, every gap reported as missed, content exact" $? "$d"
grep -m1 'history frames' "$d" | sed 's/^/# /'

# ---- --info -----------------------------------------------------------
d=$tmp/info.diag
{
	"$GC" -s "$tmp/rgb.sock" --info && "$GC" -s "$tmp/rgb.sock" --info --json >"$tmp/info.json" &&
	cat "$tmp/info.json" &&
	grep -q '"width":320,"height":240,"format":"RGB3"' "$tmp/info.json" &&
	grep -q '"fps_num":60,"fps_den":1' "$tmp/info.json" &&
	grep -q '"state":"running","clients":1' "$tmp/info.json" &&
	"$GC" -s "$tmp/rgb.sock" --info | grep -q '^format:   320x240 RGB3, 960 bytes per line'
} >"$d" 2>&1
result "--info and --info --json report the stream's geometry, rate, state and clients" $? "$d"

# ---- error paths, for real --------------------------------------------
# expect NAME WANT_STATUS MESSAGE_REGEX command...: status and message.
expect() {
	local name=$1 want=$2 re=$3 st
	shift 3
	"$@" >"$tmp/e.out" 2>"$tmp/e.err"
	st=$?
	{ echo "exit $st (want $want)"; cat "$tmp/e.err"; } >"$tmp/e.diag"
	# One line, plus the pointer to --help after a usage error.
	[ $st -eq "$want" ] && grep -Eq "$re" "$tmp/e.err" &&
	[ "$(grep -vc "^Try 'grab-capture --help'.\$" "$tmp/e.err")" -eq 1 ]
	result "$name" $? "$tmp/e.diag"
}

expect "no daemon (no socket): exit 3, 'grabberd is not running (no socket at ...)'" 3 \
	'^grab-capture: grabberd is not running \(no socket at .*/none.sock\)$' \
	"$GC" -s "$tmp/none.sock" -n 1 -o "$tmp/x.y4m"

start_daemon dead || exit 1
kill -9 $pid; wait $pid 2>/dev/null
expect "daemon killed, socket left behind: exit 3, 'nothing listens on'" 3 \
	'^grab-capture: grabberd is not running \(nothing listens on .*/dead.sock\)$' \
	"$GC" -s "$tmp/dead.sock" -n 1 -o "$tmp/x.y4m"
[ ! -e "$tmp/x.y4m" ]
result "no output file is created when the daemon is not running" $?

expect "unknown stream: exit 4, names the stream" 4 \
	"^grab-capture: grabberd at .*/yuyv.sock has no stream named 'nope'$" \
	"$GC" -s "$tmp/yuyv.sock" -S nope -n 1 -o "$tmp/x.y4m"

expect "bad --format: exit 2, names the option" 2 "^grab-capture: --format: unknown format 'gif'" \
	"$GC" -s "$tmp/yuyv.sock" -f gif -o "$tmp/x"
expect "pattern with two conversions: exit 2" 2 "^grab-capture: --output: '.*%d-%d.jpg' is not a usable name" \
	"$GC" -s "$tmp/yuyv.sock" -o "$tmp/%d-%d.jpg"

# A full filesystem: a 1 MiB tmpfs holds 6 frames of 320x240 YUYV in Y4M.
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=1m tmpfs "$tmp/full"; then
	mounts+=("$tmp/full")
	expect "disk full on a Y4M file: exit 6, 'disk full after N frames'" 6 \
		'^grab-capture: .*/full/a.y4m: disk full after [0-9]+ frames \(No space left on device\); it holds the whole frames before$' \
		"$GC" -s "$tmp/yuyv.sock" -n 100 -o "$tmp/full/a.y4m"
	d=$tmp/full.diag
	{
		n=$(sed -E 's/.*after ([0-9]+) frames.*/\1/' "$tmp/e.err")
		hdr=$(head -1 "$tmp/full/a.y4m" | wc -c)
		size=$(stat -c %s "$tmp/full/a.y4m")
		echo "$n frames written; file $size bytes, header $hdr"
		[ "$n" -ge 1 ] && [ "$size" -eq $((hdr + n * (6 + W * H * 2))) ] &&
		[ "$(probe "$tmp/full/a.y4m")" = "$W,$H,yuv422p,$n" ]
	} >"$d" 2>&1
	result "the Y4M file on the full disk holds exactly the whole frames and ffprobe reads them all" $? "$d"
	rm -f "$tmp/full/a.y4m"

	# A file that cannot hold even one frame is removed.
	head -c $((1024 * 1024 - 100 * 1024)) /dev/zero >"$tmp/full/filler" 2>/dev/null
	expect "disk full before the first frame: exit 6, file removed" 6 \
		'disk full after 0 frames .*removed it: it held no whole frame$' \
		"$GC" -s "$tmp/yuyv.sock" -n 5 -o "$tmp/full/b.y4m"
	[ ! -e "$tmp/full/b.y4m" ]
	result "no partial Y4M left behind" $?
	rm -f "$tmp/full/filler"

	expect "disk full with a file per frame: exit 6" 6 \
		'^grab-capture: .*/full/p/[0-9]+.ppm: disk full after [0-9]+ frames .*the files before are whole$' \
		"$GC" -s "$tmp/rgb.sock" -n 100 -o "$tmp/full/p/%02d.ppm"
	d=$tmp/fullppm.diag
	{
		n=$(sed -E 's/.*after ([0-9]+) frames.*/\1/' "$tmp/e.err")
		ls -a "$tmp/full/p"
		[ "$(ls -A "$tmp/full/p" | wc -l)" -eq "$n" ] && [ "$n" -ge 1 ] &&
		for f in "$tmp"/full/p/*.ppm; do
			[ "$(stat -c %s "$f")" -eq $((15 + W * H * 3)) ] || exit 1
		done
	} >"$d" 2>&1
	result "after disk full, every PPM present is whole and no temporary file is left" $? "$d"
else
	echo "not ok - mount a 1 MiB tmpfs for the disk-full tests (needs root)"
fi

# A read-only file system (root ignores permissions; a ro mount does not).
mkdir -p "$tmp/ro"
if mount -t tmpfs -o size=1m,ro tmpfs "$tmp/ro"; then
	mounts+=("$tmp/ro")
	expect "read-only directory: exit 5, 'Read-only file system'" 5 \
		'^grab-capture: cannot write .*/ro/x.y4m: Read-only file system$' \
		"$GC" -s "$tmp/yuyv.sock" -n 1 -o "$tmp/ro/x.y4m"
	expect "read-only directory, per-frame JPEGs into a new subdirectory: exit 5" 5 \
		'^grab-capture: cannot write .*/ro/sub: Read-only file system$' \
		"$GC" -s "$tmp/yuyv.sock" -n 1 -o "$tmp/ro/sub/"
else
	echo "not ok - mount a read-only tmpfs (needs root)"
fi

# The daemon stops in the middle of a capture.
start_daemon stop --width $W --height $H --fps 60 || exit 1
d=$tmp/stop.diag
{
	"$GC" -s "$tmp/stop.sock" -T 1 -v -o "$tmp/stop.y4m" 2>"$tmp/stop.err" &
	cap=$!
	sleep 0.6
	kill $pid
	wait $cap
	st=$?
	n=$(seqs "$tmp/stop.err" | wc -l)
	grep -v ' seq ' "$tmp/stop.err"
	echo "exit $st; $n frames"
	[ $st -eq 3 ] &&
	grep -q '^grab-capture: grabberd went away and did not come back within 1 s$' "$tmp/stop.err" &&
	[ "$n" -ge 5 ] && [ "$(probe "$tmp/stop.y4m")" = "$W,$H,yuv422p,$n" ]
} >"$d" 2>&1
result "daemon stopped during a capture: exit 3 'went away' after the timeout; the Y4M holds every frame written" $? "$d"

# Interrupted: with -n, SIGINT exits 130 with a whole file; without, 0.
d=$tmp/int.diag
{
	"$GC" -s "$tmp/yuyv.sock" -n 100000 -v -o "$tmp/int.y4m" 2>"$tmp/int.err" &
	cap=$!
	# Interrupt once 5 frames are written, however long a busy machine
	# takes (up to 20 s), not after a fixed time.
	for i in $(seq 200); do
		[ "$(seqs "$tmp/int.err" | wc -l)" -ge 5 ] && break
		sleep 0.1
	done
	kill -INT $cap
	wait $cap
	st=$?
	n=$(seqs "$tmp/int.err" | wc -l)
	grep -v ' seq ' "$tmp/int.err"
	echo "exit $st; $n frames"
	[ $st -eq 130 ] && grep -q "^grab-capture: interrupted after $n frames" "$tmp/int.err" &&
	[ "$n" -ge 5 ] && [ "$(probe "$tmp/int.y4m")" = "$W,$H,yuv422p,$n" ]
} >"$d" 2>&1
result "SIGINT before -n is reached: exit 130 'interrupted after N frames', the Y4M holds all N" $? "$d"

d=$tmp/int0.diag
{
	"$GC" -s "$tmp/yuyv.sock" -q -o "$tmp/int0.y4m" 2>"$tmp/int0.err" &
	cap=$!
	# Once at least two frames are in the file (up to 20 s).
	for i in $(seq 200); do
		[ "$(stat -c %s "$tmp/int0.y4m" 2>/dev/null || echo 0)" -gt $((2 * W * H * 2)) ] && break
		sleep 0.1
	done
	kill -INT $cap
	wait $cap
	st=$?
	cat "$tmp/int0.err"
	echo "exit $st; $(probe "$tmp/int0.y4m")"
	[ $st -eq 0 ] && [ ! -s "$tmp/int0.err" ] && probe "$tmp/int0.y4m" | grep -q "^$W,$H,yuv422p,[1-9]"
} >"$d" 2>&1
result "Ctrl-C ends a capture without -n/-t: exit 0, silent, the Y4M is whole" $? "$d"

d=$tmp/epipe.diag
{
	"$GC" -s "$tmp/yuyv.sock" -n 1000 -o - 2>"$tmp/epipe.err" | head -c 1000 >/dev/null
	st=${PIPESTATUS[0]}
	cat "$tmp/epipe.err"; echo "exit $st"
	[ "$st" -eq 5 ] && grep -q '^grab-capture: stdout: the reader went away after' "$tmp/epipe.err"
} >"$d" 2>&1
result "the reader of stdout goes away: exit 5 'the reader went away'" $? "$d"

# ---- libgrab: exported symbols are the version script -----------------
d=$tmp/nm.diag
{
	nm -D --defined-only "$build/libgrab.so.1" | awk '{print $3}' | sed 's/@.*//' |
		grep -v '^GRAB_[0-9]*$' | sort >"$tmp/nm.txt"
	sed -n 's/^[[:space:]]*\(grab_[a-z_]*\);.*/\1/p' client-lib/libgrab.map | sort >"$tmp/map.txt"
	# ...and every function of the public header is in the script.
	sed -n 's/^[a-z].*[ *]\(grab_[a-z_]*\)(.*/\1/p' client-lib/include/grab/grab.h | sort >"$tmp/h.txt"
	echo "exported $(wc -l <"$tmp/nm.txt"), script $(wc -l <"$tmp/map.txt"), header $(wc -l <"$tmp/h.txt")"
	diff "$tmp/nm.txt" "$tmp/map.txt" && diff "$tmp/h.txt" "$tmp/map.txt" &&
	nm -D --defined-only "$build/libgrab.so.1" | grep -q ' grab_connect@@GRAB_1$' &&
	nm -D --defined-only "$build/libgrab.so.1" | grep -q ' grab_frame_layout@@GRAB_2$' &&
	nm -D --defined-only "$build/libgrab.so.1" | grep -q ' grab_set_control@@GRAB_3$' &&
	[ "$(wc -l <"$tmp/nm.txt")" -ge 19 ]
} >"$d" 2>&1
result "nm -D --defined-only libgrab.so.1 equals the version script and the header's functions (GRAB_1, GRAB_2 for 1.1's, GRAB_3 for 1.2's)" $? "$d"
head -1 "$d" | sed 's/^/# /'

# ---- make install, then the example against the installed copy --------
dest=$tmp/dest
d=$tmp/install.diag
# -k: a failing part does not keep the others (and their tests) from running.
make --no-print-directory -s -k install DESTDIR="$dest" PREFIX=/usr >"$d" 2>&1
result "make install DESTDIR=... PREFIX=/usr" $? "$d"
d=$tmp/example.diag
{
	lib=$dest/usr/lib
	export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$lib/pkgconfig
	[ "$(wc -l <"$dest/usr/share/doc/grab/examples/grab-frames.c")" -lt 60 ] &&
	flags=$(pkg-config --cflags --libs libgrab) && echo "pkg-config: $flags" &&
	cc -Wall -Wextra -Werror -o "$tmp/grab-frames" "$dest/usr/share/doc/grab/examples/grab-frames.c" $flags &&
	ldd "$tmp/grab-frames" | grep libgrab &&
	GRAB_SOCKET=$tmp/yuyv.sock LD_LIBRARY_PATH=$lib "$tmp/grab-frames" default 5 >"$tmp/ex.out" &&
	LD_LIBRARY_PATH=$lib ldd "$tmp/grab-frames" | grep -q "=> $lib/libgrab.so.1" &&
	cat "$tmp/ex.out" &&
	[ "$(grep -cE '^seq [0-9]+ ts [0-9]+\.[0-9]{9} bytes 153600$' "$tmp/ex.out")" -eq 5 ] &&
	awk 'NR > 1 && $2 <= prev { bad = 1 } { prev = $2 } END { exit bad }' "$tmp/ex.out"
} >"$d" 2>&1
result "examples/grab-frames.c (< 60 lines) built through pkg-config against the installed libgrab prints 5 frames, sequences rising" $? "$d"
for p in grab_connect.3 grab_rewind.3 libgrab.7; do
	[ -f "$dest/usr/share/man/man${p##*.}/$p" ] || { echo "# $p not installed"; false; }
done
result "man pages installed under share/man" $?

# ---- man pages: one per function, every section, no groff warning ------
d=$tmp/man.diag
{
	bad=0
	for f in $(cat "$tmp/h.txt"); do
		p=client-lib/man/$f.3
		[ -f "$p" ] || { echo "$f: no man page"; bad=1; continue; }
		for s in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS EXAMPLE; do
			grep -q "^\.SH \"\?$s\"\?$" "$p" || { echo "$p: no $s section"; bad=1; }
		done
		grep -q "$f(" "$p" || { echo "$p: synopsis lacks $f("; bad=1; }
	done
	for p in client-lib/man/*.[1-8]; do
		out=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
		[ -z "$out" ] || { echo "$p: $out"; bad=1; }
		LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p" 2>&1 >/dev/null | grep . && bad=1
	done
	for p in grab-capture.1 libgrab.7 grabberd.8 grabberd.conf.5; do
		[ -f "client-lib/man/$p" ] || { echo "$p missing"; bad=1; }
	done
	exit $bad
} >"$d" 2>&1
result "a man page per grab.h function with NAME..EXAMPLE, and every page renders without warnings" $? "$d"

# grab-capture.1 documents every exit status the tool uses.
d=$tmp/exitdoc.diag
{
	for code in $(sed -n 's/^\tEXIT_[A-Z]* = \([0-9]*\),.*/\1/p' client-lib/cli/grab-capture.c); do
		grep -q "^\.B $code\$" client-lib/man/grab-capture.1 || { echo "exit $code undocumented"; exit 1; }
	done
} >"$d" 2>&1
result "grab-capture(1) documents every exit code of the tool" $? "$d"

exit $failed
