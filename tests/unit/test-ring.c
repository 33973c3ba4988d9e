// SPDX-License-Identifier: MIT
/*
 * The ring protocol, single-threaded: publish, read, wrap-around, missed
 * counts, a frame being written, a frame overwritten while read, and
 * headers a hostile producer could hand a reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grab-ring.h"
#include "grab-pattern.h"
#include "../lib/tap.h"

#define NSLOTS 4

static struct grab_format fmt = { .width = 64,
				  .height = 48,
				  .fourcc = GRAB_FMT_YUYV };
static struct grab_ring_producer prod;
static struct grab_layout layout;
static uint8_t *mem, *scratch;

static void publish(unsigned n)
{
	while (n--) {
		uint64_t seq = prod.next;
		void *px = grab_ring_begin(&prod);

		grab_pattern_fill(px, &fmt, seq);
		grab_ring_commit(&prod, fmt.sizeimage, 1000 + seq, 0);
	}
}

static int frame_good(const struct grab_ring_reader *r,
		      const struct grab_ring_frame *f)
{
	return grab_pattern_verify(f->data, &fmt, f->sequence, scratch) == -1 &&
	       f->bytesused == fmt.sizeimage &&
	       f->timestamp_ns == 1000 + f->sequence &&
	       grab_ring_frame_intact(r, f);
}

static void test_basic(void)
{
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	uint64_t missed = 99;
	const char *why = NULL;
	int i, good = 1;

	ok(grab_ring_reader_attach(&r, mem, layout.ring_size, &why) == 0,
	   "reader attaches to a fresh ring (%s)", why ? why : "no complaint");
	ok(r.nslots == NSLOTS && r.next == 0,
	   "reader sees %u slots, starts at 0", r.nslots);
	ok(grab_ring_next(&r, &f, &missed) == -EAGAIN && missed == 0,
	   "empty ring: next() says EAGAIN");

	publish(1);
	ok(grab_ring_next(&r, &f, &missed) == 0 && f.sequence == 0 &&
		   missed == 0 && frame_good(&r, &f),
	   "first frame read and verified");
	ok(grab_ring_next(&r, &f, NULL) == -EAGAIN, "nothing new after it");

	/* Wrap around several times, reading every frame. */
	for (i = 0; i < 3 * NSLOTS + 1; i++) {
		publish(1);
		if (grab_ring_next(&r, &f, &missed) ||
		    f.sequence != (uint64_t)i + 1 || missed ||
		    !frame_good(&r, &f))
			good = 0;
	}
	ok(good, "three wraps read in order, none missed, all verified");
	ok(f.slot == (3 * NSLOTS + 1) % NSLOTS,
	   "slot is sequence modulo slots");

	/* Fall behind by 10 frames in a 4-slot ring: 6 lost exactly. */
	publish(10);
	ok(grab_ring_next(&r, &f, &missed) == 0 && missed == 6 &&
		   f.sequence == prod.next - NSLOTS && frame_good(&r, &f),
	   "behind by 10 of 4 slots: missed %llu (want 6), resumes at oldest",
	   (unsigned long long)missed);
	ok(r.missed == 6, "reader total missed is 6");

	/* latest() skips to the newest and counts the rest. */
	publish(3);
	ok(grab_ring_latest(&r, &f, &missed) == 0 &&
		   f.sequence == prod.next - 1 && missed == 5 &&
		   frame_good(&r, &f),
	   "latest() returns the newest, counting the 5 skipped (got %llu)",
	   (unsigned long long)missed);
}

static void test_races_by_hand(void)
{
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	uint64_t missed;
	void *px;

	grab_ring_reader_attach(&r, mem, layout.ring_size, NULL);
	publish(1);

	/* Frame being written: begin() on the slot a reader wants. */
	r.next = prod.next - 1;
	publish(NSLOTS - 1);
	px = grab_ring_begin(&prod); /* overwrites the slot of r.next */
	ok(grab_ring_read(&r, r.next, &f) == -ESTALE,
	   "a slot being written reads as stale");
	ok(grab_ring_next(&r, &f, &missed) == 0 && missed == 1 &&
		   f.sequence == prod.next - NSLOTS + 1,
	   "next() skips the slot being written, counting it");
	grab_pattern_fill(px, &fmt, prod.next);
	grab_ring_commit(&prod, fmt.sizeimage, 1000 + prod.next, 0);

	/* Frame overwritten while a reader holds it. */
	ok(grab_ring_latest(&r, &f, NULL) == 0 &&
		   grab_ring_frame_intact(&r, &f),
	   "newest frame intact before the producer comes back");
	publish(NSLOTS);
	ok(!grab_ring_frame_intact(&r, &f),
	   "the same frame is not intact after a wrap");

	/* Only begun, not yet committed: the seqlock alone must catch it.
	 * Walk the producer round to the held frame's slot. */
	ok(grab_ring_latest(&r, &f, NULL) == 0, "took the newest frame again");
	publish(NSLOTS - 1);
	ok(grab_ring_frame_intact(&r, &f),
	   "frames into other slots leave it intact");
	px = grab_ring_begin(&prod);
	ok(!grab_ring_frame_intact(&r, &f),
	   "begin() on its slot (no commit yet) makes it not intact");
	grab_pattern_fill(px, &fmt, prod.next);
	grab_ring_commit(&prod, fmt.sizeimage, 1000 + prod.next, 0);
}

/* Each case corrupts one header field; the reader must refuse the ring. */
#define HOSTILE(field_expr, what)                                              \
	do {                                                                   \
		struct grab_ring_header saved = *h;                            \
		const char *why = NULL;                                        \
		field_expr;                                                    \
		ok(grab_ring_reader_attach(&r, mem, layout.ring_size, &why) == \
			   -EPROTO,                                            \
		   "hostile header refused: %s (%s)", what,                    \
		   why ? why : "accepted!");                                   \
		*h = saved;                                                    \
	} while (0)

static void test_hostile_headers(void)
{
	struct grab_ring_header *h = (struct grab_ring_header *)mem;
	struct grab_ring_reader r;
	struct grab_ring_frame f;

	HOSTILE(h->magic ^= 1, "magic");
	HOSTILE(h->abi_version = 99, "ABI version");
	HOSTILE(h->desc_size = 32, "descriptor size");
	HOSTILE(h->nslots = 0, "zero slots");
	HOSTILE(h->nslots = 100000, "huge slot count");
	HOSTILE(h->desc_offset = 8, "descriptors inside the header");
	HOSTILE(h->data_offset = 256, "data overlapping descriptors");
	HOSTILE(h->slot_stride = 16, "stride smaller than a frame");
	HOSTILE(h->slot_stride = 0x80000000u, "stride past the mapping");
	HOSTILE(h->ring_size = 1ull << 62, "ring size past the mapping");
	HOSTILE(h->format.width = 0xffffffffu, "absurd width");
	HOSTILE(h->format.sizeimage = 1, "sizeimage not matching geometry");
	ok(grab_ring_reader_attach(&r, mem, 64, NULL) == -EPROTO,
	   "mapping smaller than the header refused");
	ok(grab_ring_reader_attach(&r, mem, layout.ring_size - 1, NULL) ==
		   -EPROTO,
	   "mapping one byte short refused");

	/* A descriptor claiming more bytes than a slot holds. */
	ok(grab_ring_reader_attach(&r, mem, layout.ring_size, NULL) == 0,
	   "good header still accepted");
	publish(1);
	((struct grab_slot_desc *)r.desc)[(prod.next - 1) % NSLOTS].bytesused =
		0xfffffff0u;
	ok(grab_ring_read(&r, prod.next - 1, &f) == -EPROTO,
	   "descriptor with bytesused past its slot refused");
	publish(NSLOTS);
}

int main(void)
{
	mem = NULL;
	ok(grab_format_complete(&fmt) == 0, "format 64x48 YUYV");
	ok(grab_ring_plan(&fmt, NSLOTS, &layout) == 0 &&
		   layout.data_offset % grab_page_size() == 0 &&
		   layout.slot_stride % grab_page_size() == 0 &&
		   layout.ring_size ==
			   layout.data_offset +
				   (uint64_t)NSLOTS * layout.slot_stride,
	   "layout: page-aligned data and slots, size adds up");
	ok(grab_ring_plan(&fmt, 1, &layout) == -EINVAL, "one slot refused");
	grab_ring_plan(&fmt, NSLOTS, &layout);
	mem = calloc(1, layout.ring_size);
	scratch = malloc(fmt.bytesperline);
	ok(grab_ring_producer_init(&prod, mem, layout.ring_size - 1, &fmt,
				   NSLOTS, 30, 1) == -ENOSPC,
	   "producer refuses a buffer one byte short");
	ok(grab_ring_producer_init(&prod, mem, layout.ring_size, &fmt, NSLOTS,
				   30, 1) == 0,
	   "producer lays out the ring");
	test_basic();
	test_races_by_hand();
	test_hostile_headers();
	free(mem);
	free(scratch);
	return done_testing();
}
