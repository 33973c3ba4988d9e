// SPDX-License-Identifier: MIT
/*
 * verify-frames: check a file of raw frames (as grab-capture -f raw writes
 * them) against the test pattern, byte for byte.  Each frame's sequence is
 * read back from its barcode, so no side channel is needed.
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
#include "grab-pattern.h"

/* Any name of the format table. */
static uint32_t parse_fourcc(const char *s)
{
	return grab_format_from_name(s);
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
		fprintf(stderr, "usage: verify-frames [--consecutive] WIDTH HEIGHT FOURCC FILE\n");
		return 2;
	}
	fmt.width = (uint32_t)strtoul(argv[1], NULL, 10);
	fmt.height = (uint32_t)strtoul(argv[2], NULL, 10);
	fmt.fourcc = parse_fourcc(argv[3]);
	if (grab_format_complete(&fmt)) {
		fprintf(stderr, "verify-frames: bad format %sx%s %s\n", argv[1], argv[2], argv[3]);
		return 2;
	}
	f = strcmp(argv[4], "-") ? fopen(argv[4], "rb") : stdin;
	if (!f) {
		fprintf(stderr, "verify-frames: %s: %s\n", argv[4], strerror(errno));
		return 2;
	}
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
			fprintf(stderr, "verify-frames: frame %llu (sequence %u by its barcode, %d bits): first bad byte at %lld\n",
				frames, low, bits, (long long)diff);
		if (frames == 0)
			first = low;
		else if (low != prev + 1)
			gaps++;
		prev = low;
		frames++;
	}
	printf("frames %llu verified %llu first %u last %u gaps %llu\n",
	       frames, good, first, prev, gaps);
	if (f != stdin)
		fclose(f);
	return frames > 0 && good == frames && (!consecutive || !gaps) ? 0 : 1;
}
