// SPDX-License-Identifier: MIT
/*
 * verify-frames: check a file of raw frames (as grab-capture -f raw writes
 * them) against the test pattern, byte for byte.  Each frame's sequence is
 * read back from its barcode, so no side channel is needed.  FOURCC is any
 * name of the format table; for MJPG the file is JPEGs back to back (an
 * MJPEG stream), each checked by re-encoding the frame its barcode names.
 *
 *   verify-frames [--consecutive | --missed N] WIDTH HEIGHT FOURCC FILE
 *
 * Prints one summary line; exits 0 if every frame verified, 1 if not, 2 on
 * bad usage.  The sequence gaps are counted in frames: --missed N also
 * requires that they add up to N, the missed count the reader reported (a
 * check that holds on a loaded machine); --consecutive is --missed 0, for
 * tests that control the pace.
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

/* What the frames of a file showed: counts and the sequence numbers seen. */
struct tally {
	unsigned long long frames, good, gaps, missed;
	uint32_t first, prev;
};

/*
 * Count one frame whose barcode says @low (its @bits low bits): a step of
 * more than one is a gap of (step - 1) missed frames, modulo the barcode's
 * width, so a wrap of the low bits is not a gap.
 */
static void tally_frame(struct tally *t, uint32_t low, int bits, int good)
{
	uint32_t mask = bits >= 32 ? UINT32_MAX : (UINT32_C(1) << bits) - 1;
	uint32_t step = (low - t->prev) & mask;

	if (t->frames == 0) {
		t->first = low;
	} else if (step != 1) {
		t->gaps++;
		t->missed += (step - 1) & mask;
	}
	t->prev = low;
	t->frames++;
	t->good += good != 0;
}

/* The summary line, and the exit status: @want_missed < 0 means any. */
static int tally_report(const struct tally *t, long long want_missed)
{
	printf("frames %llu verified %llu first %u last %u gaps %llu missed %llu\n",
	       t->frames, t->good, t->first, t->prev, t->gaps, t->missed);
	if (want_missed >= 0 && t->missed != (unsigned long long)want_missed)
		fprintf(stderr,
			"verify-frames: the sequence gaps add up to %llu frames, the reader reported %lld missed\n",
			t->missed, want_missed);
	return t->frames > 0 && t->good == t->frames &&
			       (want_missed < 0 ||
				t->missed == (unsigned long long)want_missed) ?
		       0 :
		       1;
}

/* MJPEG: each frame's sequence from its barcode, its bytes by re-encoding. */
static int verify_mjpeg(const struct grab_format *fmt, FILE *f,
			long long want_missed)
{
	struct tally t = { 0 };
	uint8_t *buf = malloc(fmt->sizeimage);
	uint32_t low = 0;
	long len;
	int bits, good;

	while (buf && (len = next_jpeg(f, buf, fmt->sizeimage)) > 0) {
		bits = grab_pattern_jpeg_sequence(buf, (size_t)len, fmt, &low);
		good = bits > 0 && grab_pattern_jpeg_verify(buf, (size_t)len,
							    fmt, low) == -1;
		if (!good)
			fprintf(stderr,
				"verify-frames: JPEG frame %llu (%ld bytes, sequence %u by its barcode) is not the source's\n",
				t.frames, len, low);
		tally_frame(&t, low, bits > 0 ? bits : 32, good);
	}
	free(buf);
	return tally_report(&t, want_missed);
}

int main(int argc, char **argv)
{
	struct grab_format fmt = { 0 };
	struct tally t = { 0 };
	long long want_missed = -1;
	__u32 low = 0;
	int bits;
	uint8_t *frame, *scratch;
	char *end;
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "--consecutive")) {
		want_missed = 0;
		argv++;
		argc--;
	} else if (argc > 2 && !strcmp(argv[1], "--missed")) {
		want_missed = strtoll(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end || want_missed < 0) {
			fprintf(stderr,
				"verify-frames: --missed wants a count, not '%s'\n",
				argv[2]);
			return 2;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 5) {
		fprintf(stderr,
			"usage: verify-frames [--consecutive | --missed N] WIDTH HEIGHT FOURCC FILE\n");
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
		return verify_mjpeg(&fmt, f, want_missed);
	frame = malloc(fmt.sizeimage);
	scratch = malloc(fmt.bytesperline);
	while (fread(frame, 1, fmt.sizeimage, f) == fmt.sizeimage) {
		int64_t diff;

		bits = grab_pattern_sequence(frame, &fmt, &low);
		/* The barcode holds the low bits; frames here are young. */
		diff = grab_pattern_verify(frame, &fmt, low, scratch);
		if (diff != -1)
			fprintf(stderr,
				"verify-frames: frame %llu (sequence %u by its barcode, %d bits): first bad byte at %lld\n",
				t.frames, low, bits, (long long)diff);
		tally_frame(&t, low, bits > 0 ? bits : 32, diff == -1);
	}
	free(frame);
	free(scratch);
	if (f != stdin)
		fclose(f);
	return tally_report(&t, want_missed);
}
