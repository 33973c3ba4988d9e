// SPDX-License-Identifier: MIT
/*
 * Check grab-capture's output against the test pattern, independently of
 * grab-capture's own conversion code (this file re-derives every expected
 * pixel from grab_pattern_fill()).
 *
 *   check-frames ppm FILE SEQ FOURCC     one PPM against frame SEQ
 *   check-frames jpeg FILE SEQ FOURCC MIN_DB   PSNR of a JPEG against frame SEQ
 *   check-frames raw FILE W H FOURCC SEQ...   frames back to back, exact
 *   check-frames y4m FILE FOURCC SEQ...  every Y4M frame against its SEQ
 *   check-frames rgb FILE W H FOURCC MIN_DB SEQ...   packed RGB frames (as
 *        ffmpeg decoded grab-capture's PPM, JPEG or Y4M) against the RGB
 *        each SEQ of FOURCC stands for: PSNR of each >= MIN_DB
 *   check-frames mjpeg FILE W H     an MJPEG stream (JPEGs back to back):
 *        each frame's sequence read from its barcode, its bytes exactly the
 *        test source's JPEG of that frame (re-encoded)
 *
 * FOURCC is the stream's format, any name of the format table.  Prints what it
 * measured as "# " lines; exits 0 when the output is right, 1 if not.
 *
 * Expected RGB: an RGB3 stream must come back exactly (no conversion).  A
 * YUYV or GREY stream is compared with the BT.601 limited-range matrix in
 * double precision applied to the pattern's own Y'CbCr samples; grab-capture
 * uses 8-bit fixed point, which is within +-1 of that after rounding, so the
 * tolerance is 1.  As a second, coarser check the YUYV result is also
 * compared with the pattern's RGB colours, within 2 (the pattern's Y'CbCr
 * table is the RGB bars rounded to integers: up to 0.5 in Y' and in each
 * chroma, times the 1.164/1.596/2.017 gains, gives up to ~1.6), on every
 * pixel whose chroma is its own (the first of each pair, and the second
 * where both have the same colour: YUYV shares chroma per pair).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "grab-format.h"
#include "grab-image.h"
#include "grab-pattern.h"

/* Any name of the format table. */
static uint32_t parse_fourcc(const char *s)
{
	uint32_t fourcc = grab_format_from_name(s);

	if (fourcc)
		return fourcc;
	fprintf(stderr, "check-frames: unknown format %s\n", s);
	exit(2);
}

static uint8_t *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "check-frames: %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	*ret_len = len;
	return buf;
}

/* The pattern frame @seq in @fourcc, tightly packed.  Caller frees. */
static uint8_t *pattern(uint32_t w, uint32_t h, uint32_t fourcc, uint64_t seq,
			struct grab_format *ret_fmt)
{
	struct grab_format fmt = { .width = w, .height = h, .fourcc = fourcc };
	uint8_t *p;

	if (grab_format_complete(&fmt)) {
		fprintf(stderr, "check-frames: bad geometry %ux%u\n", w, h);
		exit(2);
	}
	p = malloc(fmt.sizeimage);
	if (!p || grab_pattern_fill(p, &fmt, seq))
		exit(1);
	if (ret_fmt)
		*ret_fmt = fmt;
	return p;
}

static double clampd(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* BT.601 limited range, double precision. */
static void ycc_rgb(int y, int cb, int cr, double rgb[3])
{
	double Y = 1.164383562 * (y - 16), U = cb - 128, V = cr - 128;

	rgb[0] = clampd(Y + 1.596026786 * V);
	rgb[1] = clampd(Y - 0.391762290 * U - 0.812967647 * V);
	rgb[2] = clampd(Y + 2.017232143 * U);
}

static int check_ppm(const char *path, uint64_t seq, uint32_t fourcc)
{
	size_t len, hdr;
	uint8_t *buf = read_file(path, &len), *src, *rgb;
	unsigned int w, h, maxval;
	int n = 0, bad = 0, bad_rgb = 0;
	double maxdiff = 0, maxdiff_rgb = 0;
	uint32_t x, y;

	if (sscanf((char *)buf, "P6 %u %u %u%n", &w, &h, &maxval, &n) != 3 ||
	    maxval != 255) {
		printf("# %s: not a binary 8-bit PPM\n", path);
		return 1;
	}
	hdr = (size_t)n + 1;
	if (len != hdr + (size_t)w * h * 3) {
		printf("# %s: %zu bytes, expected %zu for %ux%u\n", path, len,
		       hdr + (size_t)w * h * 3, w, h);
		return 1;
	}
	src = pattern(w, h, fourcc, seq, NULL);
	rgb = pattern(w, h, GRAB_FMT_RGB24, seq, NULL);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			const uint8_t *got =
				buf + hdr + ((size_t)y * w + x) * 3;
			const uint8_t *want_rgb = rgb + ((size_t)y * w + x) * 3;
			double want[3];
			int c;

			if (fourcc == GRAB_FMT_RGB24) {
				if (memcmp(got, want_rgb, 3))
					bad++;
				continue;
			}
			if (fourcc == GRAB_FMT_GREY) {
				int yy = src[(size_t)y * w + x];

				ycc_rgb(yy, 128, 128, want);
			} else {
				const uint8_t *pair =
					src + ((size_t)y * w + (x & ~1u)) * 2;

				ycc_rgb(pair[(x & 1) * 2], pair[1], pair[3],
					want);
			}
			for (c = 0; c < 3; c++) {
				double d = fabs((double)got[c] - want[c]);

				maxdiff = fmax(maxdiff, d);
				if (d > 1.0)
					bad++;
			}
			if (fourcc == GRAB_FMT_YUYV &&
			    (!(x & 1) || !memcmp(want_rgb, want_rgb - 3, 3))) {
				for (c = 0; c < 3; c++) {
					double d = fabs((double)got[c] -
							want_rgb[c]);

					maxdiff_rgb = fmax(maxdiff_rgb, d);
					if (d > 2.0)
						bad_rgb++;
				}
			}
		}
	}
	printf("# %s: %ux%u seq %llu from %s: %d samples off (max %.2f vs BT.601)",
	       path, w, h, (unsigned long long)seq, grab_format_name(fourcc),
	       bad, maxdiff);
	if (fourcc == GRAB_FMT_YUYV)
		printf(", %d off the RGB bars by more than 2 (max %.0f)",
		       bad_rgb, maxdiff_rgb);
	printf("\n");
	return bad || bad_rgb;
}

/*
 * The RGB a frame of @fourcc stands for: the RGB bars themselves for RGB3,
 * the BT.601 matrix (double precision, rounded) applied to the pattern's
 * Y'CbCr samples otherwise.  Caller frees.
 */
static uint8_t *reference_rgb(uint32_t w, uint32_t h, uint32_t fourcc,
			      uint64_t seq)
{
	uint8_t *src, *rgb;
	size_t i, n = (size_t)w * h;

	if (fourcc == GRAB_FMT_RGB24)
		return pattern(w, h, fourcc, seq, NULL);
	src = pattern(w, h, fourcc, seq, NULL);
	rgb = malloc(n * 3);
	if (!rgb)
		exit(1);
	for (i = 0; i < n; i++) {
		double v[3];
		int c;

		if (fourcc == GRAB_FMT_GREY) {
			ycc_rgb(src[i], 128, 128, v);
		} else {
			const uint8_t *pair = src + (i & ~(size_t)1) * 2;

			ycc_rgb(pair[(i & 1) * 2], pair[1], pair[3], v);
		}
		for (c = 0; c < 3; c++)
			rgb[i * 3 + c] = (uint8_t)lround(v[c]);
	}
	free(src);
	return rgb;
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
	double se = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double d = (double)a[i] - b[i];

		se += d * d;
	}
	return se > 0 ? 10 * log10(255.0 * 255.0 * (double)n / se) : INFINITY;
}

/*
 * A JPEG against the frame it should show: the stream's pattern frame in RGB
 * (see reference_rgb).  Also prints the PSNR against the RGB bars, which
 * for YUYV includes the source's own chroma sharing.
 */
static int check_jpeg(const char *path, uint64_t seq, uint32_t fourcc,
		      double min_db)
{
	size_t len;
	uint8_t *buf = read_file(path, &len), *out, *ref, *bars;
	int w, h, sub, cs;
	tjhandle tj = tjInitDecompress();
	double db, db_bars;
	size_t n;

	if (!tj || tjDecompressHeader3(tj, buf, len, &w, &h, &sub, &cs) < 0) {
		printf("# %s: not a JPEG: %s\n", path, tjGetErrorStr2(tj));
		return 1;
	}
	n = (size_t)w * h * 3;
	out = malloc(n);
	if (!out || tjDecompress2(tj, buf, len, out, w, 0, h, TJPF_RGB,
				  TJFLAG_FASTUPSAMPLE) < 0) {
		printf("# %s: cannot decode: %s\n", path, tjGetErrorStr2(tj));
		return 1;
	}
	ref = reference_rgb((uint32_t)w, (uint32_t)h, fourcc, seq);
	bars = pattern((uint32_t)w, (uint32_t)h, GRAB_FMT_RGB24, seq, NULL);
	db = psnr(out, ref, n);
	db_bars = psnr(out, bars, n);
	printf("# %s: %dx%d seq %llu from %s: PSNR %.2f dB (need %.1f), %.2f dB against the RGB bars\n",
	       path, w, h, (unsigned long long)seq, grab_format_name(fourcc),
	       db, min_db, db_bars);
	tjDestroy(tj);
	return db >= min_db ? 0 : 1;
}

static int check_raw(const char *path, uint32_t w, uint32_t h, uint32_t fourcc,
		     char **seqs, int nseqs)
{
	struct grab_format fmt;
	size_t len;
	uint8_t *buf = read_file(path, &len), *scratch;
	int i, bad = 0;

	free(pattern(w, h, fourcc, 0, &fmt));
	if (len != (size_t)fmt.sizeimage * (size_t)nseqs) {
		printf("# %s: %zu bytes, expected %d frames of %u\n", path, len,
		       nseqs, fmt.sizeimage);
		return 1;
	}
	scratch = malloc(fmt.bytesperline);
	for (i = 0; i < nseqs; i++) {
		uint64_t seq = strtoull(seqs[i], NULL, 10);
		__s64 off = grab_pattern_verify(buf + (size_t)i * fmt.sizeimage,
						&fmt, seq, scratch);

		if (off != -1) {
			printf("# %s: frame %d is not pattern frame %llu (differs at byte %lld)\n",
			       path, i, (unsigned long long)seq,
			       (long long)off);
			bad++;
		}
	}
	printf("# %s: %d frames, %d wrong\n", path, nseqs, bad);
	return bad != 0;
}

/* The Y4M planes grab-capture should write for pattern frame @seq. */
static void expected_y4m(uint32_t w, uint32_t h, uint32_t fourcc, uint64_t seq,
			 double *out)
{
	uint8_t *p = pattern(w, h, fourcc, seq, NULL);
	size_t luma = (size_t)w * h, i;

	if (fourcc == GRAB_FMT_GREY) {
		for (i = 0; i < luma; i++)
			out[i] = p[i];
	} else if (fourcc == GRAB_FMT_YUYV) {
		for (i = 0; i < luma / 2; i++) {
			out[2 * i] = p[4 * i];
			out[2 * i + 1] = p[4 * i + 2];
			out[luma + i] = p[4 * i + 1];
			out[luma + luma / 2 + i] = p[4 * i + 3];
		}
	} else {
		for (i = 0; i < luma; i++) {
			double r = p[3 * i], g = p[3 * i + 1], b = p[3 * i + 2];

			out[i] = 16 +
				 (65.481 * r + 128.553 * g + 24.966 * b) / 255;
			out[luma + i] =
				128 +
				(-37.797 * r - 74.203 * g + 112.0 * b) / 255;
			out[2 * luma + i] =
				128 +
				(112.0 * r - 93.786 * g - 18.214 * b) / 255;
		}
	}
	free(p);
}

static int check_y4m(const char *path, uint32_t fourcc, char **seqs, int nseqs)
{
	static const char *cs[] = { "C422", "Cmono", "C444" };
	size_t len, pos, fsize;
	uint8_t *buf = read_file(path, &len);
	unsigned int w, h;
	const char *want_cs = fourcc == GRAB_FMT_YUYV ? cs[0] :
			      fourcc == GRAB_FMT_GREY ? cs[1] :
							cs[2];
	char *nl = memchr(buf, '\n', len), *p;
	double *want, tol = fourcc == GRAB_FMT_RGB24 ? 1.0 : 0.0, maxdiff = 0;
	int i, bad = 0;

	if (!nl || memcmp(buf, "YUV4MPEG2 ", 10)) {
		printf("# %s: not a Y4M stream\n", path);
		return 1;
	}
	*nl = '\0';
	p = strstr((char *)buf, " W");
	if (!p || sscanf(p, " W%u H%u", &w, &h) != 2 ||
	    !strstr((char *)buf, want_cs)) {
		printf("# %s: header '%s' lacks W, H or %s\n", path, buf,
		       want_cs);
		return 1;
	}
	pos = (size_t)(nl - (char *)buf) + 1;
	fsize = (size_t)w * h *
		(fourcc == GRAB_FMT_GREY ? 1 :
		 fourcc == GRAB_FMT_YUYV ? 2 :
					   3);
	want = malloc(fsize * sizeof(*want));
	for (i = 0; i < nseqs; i++) {
		size_t k;

		if (len - pos < 6 + fsize || memcmp(buf + pos, "FRAME\n", 6)) {
			printf("# %s: frame %d missing or without FRAME\n",
			       path, i);
			return 1;
		}
		pos += 6;
		expected_y4m(w, h, fourcc, strtoull(seqs[i], NULL, 10), want);
		for (k = 0; k < fsize; k++) {
			double d = fabs((double)buf[pos + k] - want[k]);

			maxdiff = fmax(maxdiff, d);
			if (d > tol + 0.5 * (tol > 0)) {
				bad++;
				break;
			}
		}
		pos += fsize;
	}
	if (pos != len) {
		printf("# %s: %zu bytes after %d frames\n", path, len - pos,
		       nseqs);
		return 1;
	}
	printf("# %s: %d %ux%u %s frames, %d wrong (max difference %.2f)\n",
	       path, nseqs, w, h, want_cs, bad, maxdiff);
	return bad != 0;
}

/*
 * Y', Cb, Cr of pixel (x, y) of a YUV or grey pattern frame, read from the
 * format's planes here (not through the image library): the chroma of the
 * pixel's subsampling block.
 */
static void sample_ycc(const struct grab_format *f, const uint8_t *p,
		       uint32_t x, uint32_t y, int v[3])
{
	const uint8_t *l = p + (size_t)y * f->planes[0].stride;
	const uint8_t *c1 =
		f->nplanes > 1 ? p + f->planes[1].offset +
					 (size_t)(y / 2) * f->planes[1].stride :
				 NULL;
	const uint8_t *c2 =
		f->nplanes > 2 ? p + f->planes[2].offset +
					 (size_t)(y / 2) * f->planes[2].stride :
				 NULL;
	uint32_t e = x & ~1u;

	switch (f->fourcc) {
	case GRAB_FMT_YUYV:
		v[0] = l[2 * x], v[1] = l[2 * e + 1], v[2] = l[2 * e + 3];
		break;
	case GRAB_FMT_UYVY:
		v[0] = l[2 * x + 1], v[1] = l[2 * e], v[2] = l[2 * e + 2];
		break;
	case GRAB_FMT_NV12:
		v[0] = l[x], v[1] = c1[e], v[2] = c1[e + 1];
		break;
	case GRAB_FMT_YU12:
		v[0] = l[x], v[1] = c1[x / 2], v[2] = c2[x / 2];
		break;
	case GRAB_FMT_Y16:
		v[0] = l[2 * x + 1], v[1] = 128, v[2] = 128;
		break;
	default:
		v[0] = l[x], v[1] = 128, v[2] = 128;
		break;
	}
}

/*
 * The RGB a pattern frame of any raw format stands for: the RGB bars for
 * RGB, BGR and Bayer (the mosaic samples the bars; a demosaic should give
 * them back), BT.601 in double precision on the frame's own Y'CbCr
 * samples for YUV and grey formats.
 */
static uint8_t *reference_any(uint32_t w, uint32_t h, uint32_t fourcc,
			      uint64_t seq)
{
	const struct grab_format_info *fi = grab_format_info(fourcc);
	struct grab_format f;
	uint8_t *src, *rgb;
	uint32_t x, y;

	if (!fi || !fi->nplanes) {
		fprintf(stderr, "check-frames: %s is not a raw format\n",
			grab_format_name(fourcc));
		exit(2);
	}
	if (fourcc == GRAB_FMT_RGB24 || fourcc == GRAB_FMT_BGR24 ||
	    (fi->align_h == 2 && fi->nplanes == 1))
		return pattern(w, h, GRAB_FMT_RGB24, seq, NULL);
	src = pattern(w, h, fourcc, seq, &f);
	rgb = malloc((size_t)w * h * 3);
	if (!rgb)
		exit(1);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			double d[3];
			int v[3], c;

			sample_ycc(&f, src, x, y, v);
			ycc_rgb(v[0], v[1], v[2], d);
			for (c = 0; c < 3; c++)
				rgb[((size_t)y * w + x) * 3 + c] =
					(uint8_t)lround(d[c]);
		}
	}
	free(src);
	return rgb;
}

static int check_rgb(const char *path, uint32_t w, uint32_t h, uint32_t fourcc,
		     double min_db, char **seqs, int nseqs)
{
	size_t len, n = (size_t)w * h * 3;
	uint8_t *buf = read_file(path, &len);
	double worst = INFINITY;
	int i, bad = 0;

	if (len != n * (size_t)nseqs) {
		printf("# %s: %zu bytes, expected %d RGB frames of %zu\n", path,
		       len, nseqs, n);
		return 1;
	}
	for (i = 0; i < nseqs; i++) {
		uint64_t seq = strtoull(seqs[i], NULL, 10);
		uint8_t *ref = reference_any(w, h, fourcc, seq);
		double db = psnr(buf + (size_t)i * n, ref, n);

		worst = fmin(worst, db);
		if (db < min_db)
			bad++;
		free(ref);
	}
	printf("# %s: %d %ux%u frames from %s: PSNR %.2f dB at worst (need %.1f), %d below\n",
	       path, nseqs, w, h, grab_format_name(fourcc), worst, min_db, bad);
	return bad != 0;
}

static int check_mjpeg(const char *path, uint32_t w, uint32_t h)
{
	struct grab_format fmt = { .width = w,
				   .height = h,
				   .fourcc = GRAB_FMT_MJPEG };
	size_t len, pos = 0;
	uint8_t *buf = read_file(path, &len);
	int frames = 0, bad = 0;
	uint32_t first = 0, last = 0;

	if (grab_format_complete(&fmt))
		return 2;
	while (pos + 4 <= len) {
		size_t end = pos + 2;
		uint32_t low = 0;
		int64_t diff;

		/* A JPEG runs from FF D8 to FF D9; the entropy-coded data
		 * stuffs every FF it holds, so the first FF D9 ends it. */
		if (buf[pos] != 0xff || buf[pos + 1] != 0xd8) {
			printf("# %s: no JPEG start at byte %zu\n", path, pos);
			return 1;
		}
		while (end + 1 < len &&
		       !(buf[end] == 0xff && buf[end + 1] == 0xd9))
			end++;
		end += 2;
		if (end > len) {
			printf("# %s: a truncated JPEG at byte %zu\n", path,
			       pos);
			return 1;
		}
		if (grab_pattern_jpeg_sequence(buf + pos, end - pos, &fmt,
					       &low) <= 0 ||
		    (diff = grab_pattern_jpeg_verify(buf + pos, end - pos, &fmt,
						     low)) != -1) {
			printf("# %s: frame %d (%zu bytes, sequence %u by its barcode) is not the source's JPEG\n",
			       path, frames, end - pos, low);
			bad++;
		}
		if (!frames)
			first = low;
		last = low;
		frames++;
		pos = end;
	}
	printf("# %s: %d JPEG frames (sequences %u..%u), %d not byte for byte the source's\n",
	       path, frames, first, last, bad);
	return frames == 0 || bad || pos != len;
}

int main(int argc, char **argv)
{
	if (argc >= 8 && !strcmp(argv[1], "rgb"))
		return check_rgb(argv[2], (uint32_t)atoi(argv[3]),
				 (uint32_t)atoi(argv[4]), parse_fourcc(argv[5]),
				 atof(argv[6]), argv + 7, argc - 7);
	if (argc == 5 && !strcmp(argv[1], "mjpeg"))
		return check_mjpeg(argv[2], (uint32_t)atoi(argv[3]),
				   (uint32_t)atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "ppm"))
		return check_ppm(argv[2], strtoull(argv[3], NULL, 10),
				 parse_fourcc(argv[4]));
	if (argc >= 6 && !strcmp(argv[1], "jpeg"))
		return check_jpeg(argv[2], strtoull(argv[3], NULL, 10),
				  parse_fourcc(argv[4]), atof(argv[5]));
	if (argc >= 7 && !strcmp(argv[1], "raw"))
		return check_raw(argv[2], (uint32_t)atoi(argv[3]),
				 (uint32_t)atoi(argv[4]), parse_fourcc(argv[5]),
				 argv + 6, argc - 6);
	if (argc >= 5 && !strcmp(argv[1], "y4m"))
		return check_y4m(argv[2], parse_fourcc(argv[3]), argv + 4,
				 argc - 4);
	fprintf(stderr, "usage: check-frames ppm|jpeg|raw|y4m|rgb|mjpeg ...\n");
	return 2;
}
