// SPDX-License-Identifier: MIT
/*
 * A reader handed a hostile ring: the input is the whole mapping (copied to
 * a buffer of exactly its size, so ASan sees any read past it).  Attaching
 * must fail with a reason, or every frame the reader then hands out must lie
 * inside the mapping, whatever the header, the descriptors and head say.
 * Then the producer side is hostile after the attach: the shared header is
 * overwritten and the reader must keep to the copy it validated.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "grab-ring.h"

static const uint8_t *lo, *hi;

static void consume(const struct grab_ring_reader *r,
		    const struct grab_ring_frame *f)
{
	FUZZ_CHECK(f->data >= lo + r->data_offset);
	FUZZ_CHECK(f->data + f->bytesused <= hi);
	FUZZ_CHECK(f->slot < r->nslots);
	fuzz_touch(f->data, f->bytesused);
	(void)grab_ring_frame_intact(r, f);
}

static void read_all(struct grab_ring_reader *r)
{
	struct grab_ring_frame f;
	uint64_t head = grab_ring_head(r), want, missed;
	unsigned int i;
	int ret;

	/* Every frame around what head claims, as libgrab asks for them. */
	want = head > r->nslots + 2 ? head - r->nslots - 2 : 0;
	for (; want < head + 2; want++) {
		ret = grab_ring_read(r, want, &f);
		FUZZ_CHECK(ret == 0 || ret == -EAGAIN || ret == -ESTALE ||
			   ret == -EPROTO);
		if (ret == 0)
			consume(r, &f);
	}
	/* Walk it with next() from the start and with latest(). */
	r->next = 0;
	for (i = 0; i < 2 * r->nslots + 4; i++) {
		ret = grab_ring_next(r, &f, &missed);
		FUZZ_CHECK(ret == 0 || ret == -EAGAIN || ret == -EPROTO);
		if (ret)
			break;
		consume(r, &f);
	}
	r->next = 0;
	if (grab_ring_latest(r, &f, &missed) == 0)
		consume(r, &f);
	(void)grab_ring_dropped(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grab_ring_reader r;
	const char *why = NULL;
	uint8_t *mem = malloc(size ? size : 1);
	int ret;

	FUZZ_CHECK(mem);
	memcpy(mem, data, size);
	lo = mem;
	hi = mem + size;
	ret = grab_ring_reader_attach(&r, mem, size, &why);
	if (ret) {
		FUZZ_CHECK(ret == -EPROTO && why && *why);
		free(mem);
		return 0;
	}
	FUZZ_CHECK(r.nslots >= GRAB_MIN_SLOTS && r.nslots <= GRAB_MAX_SLOTS);
	FUZZ_CHECK((uint64_t)r.data_offset +
			   (uint64_t)r.nslots * r.slot_stride <=
		   size);
	FUZZ_CHECK((const uint8_t *)(r.desc + r.nslots) <= lo + r.data_offset);
	/* Applications get these as the frame's geometry. */
	{
		uint32_t i;

		FUZZ_CHECK(r.format.nplanes <= GRAB_MAX_PLANES);
		/* Every plane (or a compressed frame) inside a slot. */
		for (i = 0; i < r.format.nplanes; i++)
			FUZZ_CHECK(r.format.planes[i].stride >=
					   r.format.width / 2 &&
				   (uint64_t)r.format.planes[i].offset +
						   (uint64_t)r.format.planes[i]
								   .stride *
							   (r.format.height /
							    (i ? 2 : 1)) <=
					   r.format.sizeimage);
		FUZZ_CHECK(!r.format.nplanes ||
			   r.format.bytesperline >= r.format.width);
	}
	FUZZ_CHECK(r.format.sizeimage <= r.slot_stride);
	read_all(&r);

	/* The producer rewrites its header after we attached: everything but
	 * head (and the descriptors) must come from the validated copy. */
	{
		struct grab_ring_header *h = (struct grab_ring_header *)mem;
		uint64_t head = h->head;

		memset(h, 0xff, sizeof(*h));
		h->head = head;
		read_all(&r);
		h->head = UINT64_MAX;
		read_all(&r);
	}
	free(mem);
	return 0;
}
