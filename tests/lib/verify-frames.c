// SPDX-License-Identifier: MIT
/*
 * verify-frames: check a file of raw frames (as grab-capture -f raw writes
 * them) against the test pattern, byte for byte.  Each frame's sequence is
 * read back from its barcode, so no side channel is needed.  FOURCC is any
 * name of the format table; for MJPG the file is JPEGs back to back (an
 * MJPEG stream), each checked by re-encoding the frame its barcode names.
 *
 *   verify-frames WIDTH HEIGHT FOURCC FILE
 *
 * Prints one summary line; exits 0 if every frame verified (and, with
 * --consecutive, if the sequences follow each other without a gap), 1 if
 * not, 2 on bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grab-format.h"
#include "grab-image.h"
#include "grab-pattern.h"

/* Any name of the format table. */
static uint32_t parse_fourcc(const char *s)
{
	return grab_format_from_name(s);
}

/*
 * Read the next JPEG (FF D8 .. FF D9) of an MJPEG stream into @buf (@cap
 * bytes): its length, 0 at the end, -1 if the stream is not JPEGs.
 */
static long next_jpeg(FILE *f, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int c, prev = -1;

	while ((c = getc(f)) != EOF) {
		if (n == cap)
			return -1;
		buf[n++] = (uint8_t)c;
		if (n == 2 && (buf[0] != 0xff || buf[1] != 0xd8))
			return -1;
		/* Entropy-coded data stuffs every FF: the first FF D9 ends it. */
		if (n > 2 && prev == 0xff && c == 0xd9)
			return (long)n;
		prev = c;
	}
	return n ? -1 : 0;
}

/* MJPEG: each frame's sequence from its barcode, its bytes by re-encoding. */
static int verify_mjpeg(const struct grab_format *fmt, FILE *f, int consecutive)
{
	unsigned long long frames = 0, good = 0, gaps = 0;
	uint8_t *buf = malloc(fmt->sizeimage);
	uint32_t first = 0, prev = 0, low = 0;
	long len;

	while (buf && (len = next_jpeg(f, buf, fmt->sizeimage)) > 0) {
		if (grab_pattern_jpeg_sequence(buf, (size_t)len, fmt, &low) >
			    0 &&
		    grab_pattern_jpeg_verify(buf, (size_t)len, fmt, low) == -1)
			good++;
		else
			fprintf(stderr,
				"verify-frames: JPEG frame %llu (%ld bytes, sequence %u by its barcode) is not the source's\n",
				frames, len, low);
		if (frames == 0)
			first = low;
		else if (low != prev + 1)
			gaps++;
		prev = low;
		frames++;
	}
	printf("frames %llu verified %llu first %u last %u gaps %llu\n", frames,
	       good, first, prev, gaps);
	return frames > 0 && good == frames && (!consecutive || !gaps) ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct grab_format fmt = { 0 };
	unsigned long long frames = 0, good = 0, gaps = 0;
	uint32_t first = 0, prev = 0;
	__u32 low = 0;
	int consecutive = 0, bits;
	uint8_t *frame, *scratch;
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "--consecutive")) {
		consecutive = 1;
		argv++;
		argc--;
	}
	if (argc != 5) {
		fprintf(stderr,
			"usage: verify-frames [--consecutive] WIDTH HEIGHT FOURCC FILE\n");
		return 2;
	}
	fmt.width = (uint32_t)strtoul(argv[1], NULL, 10);
	fmt.height = (uint32_t)strtoul(argv[2], NULL, 10);
	fmt.fourcc = parse_fourcc(argv[3]);
	if (grab_format_complete(&fmt)) {
		fprintf(stderr, "verify-frames: bad format %sx%s %s\n", argv[1],
			argv[2], argv[3]);
		return 2;
	}
	f = strcmp(argv[4], "-") ? fopen(argv[4], "rb") : stdin;
	if (!f) {
		fprintf(stderr, "verify-frames: %s: %s\n", argv[4],
			strerror(errno));
		return 2;
	}
	if (!fmt.nplanes)
		return verify_mjpeg(&fmt, f, consecutive);
	frame = malloc(fmt.sizeimage);
	scratch = malloc(fmt.bytesperline);
	while (fread(frame, 1, fmt.sizeimage, f) == fmt.sizeimage) {
		int64_t diff;

		bits = grab_pattern_sequence(frame, &fmt, &low);
		/* The barcode holds the low bits; frames here are young. */
		diff = grab_pattern_verify(frame, &fmt, low, scratch);
		if (diff == -1)
			good++;
		else
			fprintf(stderr,
				"verify-frames: frame %llu (sequence %u by its barcode, %d bits): first bad byte at %lld\n",
				frames, low, bits, (long long)diff);
		if (frames == 0)
			first = low;
		else if (low != prev + 1)
			gaps++;
		prev = low;
		frames++;
	}
	printf("frames %llu verified %llu first %u last %u gaps %llu\n", frames,
	       good, first, prev, gaps);
	if (f != stdin)
		fclose(f);
	return frames > 0 && good == frames && (!consecutive || !gaps) ? 0 : 1;
}
