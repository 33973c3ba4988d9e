// SPDX-License-Identifier: MIT
/*
 * The test source: the grab test pattern written into a memfd ring at the
 * configured rate.  Frame n is due at start + n / fps on CLOCK_MONOTONIC;
 * when the daemon is late, the frames it could not make in time are
 * counted as dropped (the ring's sequence numbers stay contiguous) and it
 * goes on with the one due now, so the rate never drifts.
 *
 * Tests can stall it (SIGUSR1 to grabberd toggles a stall of every test
 * source): it stays "running" but produces nothing, like a hung camera.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "grab-image.h"
#include "grab-pattern.h"
#include "log.h"
#include "memring.h"

struct test_source {
	struct source *src;
	struct grab_format format;
	uint32_t fps_num, fps_den;
	struct memring ring;
	struct grab_jpeg_encoder *jpeg; /* MJPEG: the pattern's encoder */
	uint8_t *yuyv; /* MJPEG: the frame it encodes */
	struct event *timer;
	uint64_t start_ns;
	uint64_t tick; /* number of the next due time */
	bool stalled;
};

/* When tick @n is due. */
static uint64_t due_ns(const struct test_source *t, uint64_t n)
{
	return t->start_ns + (uint64_t)((unsigned __int128)n * 1000000000u *
					t->fps_den / t->fps_num);
}

static void arm(struct test_source *t, uint64_t now)
{
	uint64_t due = due_ns(t, t->tick);
	uint64_t us = due > now ? (due - now + 999) / 1000 : 0;
	struct timeval tv = { (time_t)(us / 1000000u),
			      (suseconds_t)(us % 1000000u) };

	event_add(t->timer, &tv);
}

static void produce(struct test_source *t)
{
	const struct grab_format *fmt = &t->format;
	uint64_t seq = t->ring.prod.next;
	uint32_t bytes = fmt->sizeimage, flags = 0;
	void *pixels;

	pixels = grab_ring_begin(&t->ring.prod);
	if (t->jpeg) {
		const uint8_t *jpeg;
		size_t len;

		/* A JPEG larger than a slot cannot happen at this quality
		 * (sizeimage is 2 bytes per pixel); flag it if it did. */
		if (grab_pattern_jpeg(t->jpeg, t->yuyv, seq, &jpeg, &len) ||
		    len > fmt->sizeimage) {
			bytes = 0;
			flags = GRAB_SLOT_ERROR;
		} else {
			memcpy(pixels, jpeg, len);
			bytes = (uint32_t)len;
		}
	} else {
		grab_pattern_fill(pixels, fmt, seq);
	}
	/*
	 * Stamped once the pixels are written, like the kernel's engine at
	 * the end of its "DMA": the timestamp is when the frame became
	 * available, so readers measure delivery, not the 4 MB fill.
	 */
	memring_publish(&t->ring, t->src, bytes, mono_ns(), flags);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct test_source *t = arg;
	uint64_t now = mono_ns();
	uint64_t n = t->tick, newest;

	/* The newest tick that is due; everything between was missed. */
	newest = (uint64_t)((unsigned __int128)(now - t->start_ns) *
			    t->fps_num / ((uint64_t)t->fps_den * 1000000000u));
	if (newest > n)
		n = newest;
	if (!t->stalled) {
		if (n > t->tick)
			memring_add_dropped(&t->ring, t->src, n - t->tick);
		produce(t);
	}
	t->tick = n + 1;
	arm(t, mono_ns());
}

static int test_start(struct source *src, struct source_geometry *ret_geo,
		      char *why, size_t whylen)
{
	struct test_source *t = calloc(1, sizeof(*t));
	char name[96];
	int err;

	if (!t) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	t->src = src;
	t->format = src->cfg.format;
	t->fps_num = src->cfg.fps_num;
	t->fps_den = src->cfg.fps_den;
	if (!t->format.nplanes) {
		struct grab_format yuyv;

		if (grab_pattern_jpeg_source(&t->format, &yuyv) ||
		    grab_jpeg_encoder_new(&yuyv, GRAB_PATTERN_JPEG_QUALITY,
					  &t->jpeg) ||
		    !(t->yuyv = malloc(yuyv.sizeimage))) {
			snprintf(why, whylen, "cannot make %ux%u %s frames",
				 t->format.width, t->format.height,
				 grab_format_name(t->format.fourcc));
			grab_jpeg_encoder_free(t->jpeg);
			free(t);
			return -ENOMEM;
		}
	}
	snprintf(name, sizeof(name), "grab-ring-%s", src->cfg.name);
	err = memring_create(&t->ring, name, &t->format, src->cfg.slots,
			     t->fps_num, t->fps_den, why, whylen);
	if (err) {
		grab_jpeg_encoder_free(t->jpeg);
		free(t->yuyv);
		free(t);
		return err;
	}
	t->timer = evtimer_new(src->base, tick_cb, t);
	if (!t->timer) {
		memring_destroy(&t->ring);
		grab_jpeg_encoder_free(t->jpeg);
		free(t->yuyv);
		free(t);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	ret_geo->format = t->format;
	ret_geo->nslots = src->cfg.slots;
	ret_geo->fps_num = t->fps_num;
	ret_geo->fps_den = t->fps_den;
	ret_geo->ring_fd = t->ring.ro_fd;
	ret_geo->ring_size = t->ring.size;
	src->priv = t;
	grab_ring_set_streaming(&t->ring.prod, true);
	t->start_ns = mono_ns();
	t->tick = 0;
	arm(t, t->start_ns);
	return 0;
}

static void test_stop(struct source *src)
{
	struct test_source *t = src->priv;

	grab_ring_set_streaming(&t->ring.prod, false);
	event_free(t->timer);
	memring_destroy(&t->ring);
	grab_jpeg_encoder_free(t->jpeg);
	free(t->yuyv);
	free(t);
}

static void test_stall(struct source *src, bool on)
{
	struct test_source *t = src->priv;

	t->stalled = on;
	log_info("stream %s: test source %s", src->cfg.name,
		 on ? "stalled (SIGUSR1)" : "resumed (SIGUSR1)");
}

const struct source_ops source_test_ops = {
	.prefix = "test:",
	.start = test_start,
	.stop = test_stop,
	.stall = test_stall,
};
