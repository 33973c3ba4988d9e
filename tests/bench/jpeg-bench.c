// SPDX-License-Identifier: MIT
/*
 * JPEG encode rate of the image library's encoder (common/grab-jpeg.c) on the
 * test pattern: jpeg-bench WIDTH HEIGHT FOURCC QUALITY SECONDS [PPM_OUT]
 * prints "frames fps mpixels_per_s bytes_per_frame".  PPM_OUT gets the
 * RGB pattern frame, for tjbench to encode the same picture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grab-format.h"
#include "grab-image.h"
#include "grab-pattern.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct grab_format fmt = { 0 };
	struct grab_jpeg_encoder *enc;
	const uint8_t *out;
	uint8_t *frames[8];
	size_t len = 0;
	double t0, t, secs;
	long n = 0;
	int i;

	if (argc < 6) {
		fprintf(stderr,
			"usage: jpeg-bench W H FORMAT QUALITY SECONDS [PPM]\n");
		return 2;
	}
	fmt.width = (uint32_t)atoi(argv[1]);
	fmt.height = (uint32_t)atoi(argv[2]);
	fmt.fourcc = grab_format_from_name(argv[3]);
	secs = atof(argv[5]);
	if (grab_format_complete(&fmt))
		return 2;
	/* Eight different frames, as a stream would give. */
	for (i = 0; i < 8; i++) {
		frames[i] = malloc(fmt.sizeimage);
		if (!frames[i] ||
		    grab_pattern_fill(frames[i], &fmt, (uint64_t)i))
			return 1;
	}
	if (argc > 6 && fmt.fourcc == GRAB_FMT_RGB24) {
		FILE *ppm = fopen(argv[6], "wb");

		if (!ppm)
			return 1;
		fprintf(ppm, "P6\n%u %u\n255\n", fmt.width, fmt.height);
		fwrite(frames[0], 1, fmt.sizeimage, ppm);
		fclose(ppm);
	}
	if (grab_jpeg_encoder_new(&fmt, atoi(argv[4]), &enc))
		return 1;
	/* Warm up, then measure. */
	for (i = 0; i < 3; i++)
		grab_jpeg_encode(enc, frames[i], &out, &len);
	t0 = now();
	do {
		if (grab_jpeg_encode(enc, frames[n % 8], &out, &len)) {
			fprintf(stderr, "%s\n", grab_jpeg_encoder_error(enc));
			return 1;
		}
		n++;
		t = now();
	} while (t - t0 < secs);
	printf("%ld %.1f %.1f %zu\n", n, n / (t - t0),
	       (double)n * fmt.width * fmt.height / (t - t0) / 1e6, len);
	grab_jpeg_encoder_free(enc);
	return 0;
}
