// SPDX-License-Identifier: MIT
/*
 * The ring protocol in user space; see grab-ring.h and DESIGN.md.
 *
 * Memory ordering, mirrored by the kernel producer (smp_wmb /
 * smp_store_release) so a reader cannot tell them apart:
 *   producer: seq = odd (relaxed); release fence; pixels; descriptor;
 *             seq = even (release); head = n + 1 (release)
 *   reader:   head (acquire); seq (acquire); descriptor; pixels;
 *             acquire fence; seq and sequence again (relaxed)
 *   attach:   head (acquire); every header field (relaxed) into a copy
 * Each fence, acquire and release below names its pair; relaxed accesses
 * that pair with nothing (statistics) say so.
 * x86 would pass the tests without any of this; weaker CPUs would not.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "grab-ring.h"

#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RELAXED(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

uint32_t grab_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (uint32_t)page : 4096;
}

int grab_ring_plan(const struct grab_format *fmt, uint32_t nslots,
		   struct grab_layout *ret_layout)
{
	return grab_ring_layout(fmt, nslots, grab_page_size(), ret_layout);
}

int grab_ring_producer_init(struct grab_ring_producer *p, void *mem,
			    size_t size, const struct grab_format *fmt,
			    uint32_t nslots, uint32_t fps_num, uint32_t fps_den)
{
	struct grab_ring_header *hdr = mem;
	struct grab_layout layout;

	if (grab_ring_plan(fmt, nslots, &layout))
		return -EINVAL;
	if (layout.ring_size > size)
		return -ENOSPC;

	memset(mem, 0, layout.data_offset);
	grab_ring_header_init(hdr, &layout, fmt, nslots, fps_num, fps_den);
	hdr->format_gen = 1;

	p->hdr = hdr;
	p->base = mem;
	p->desc = (struct grab_slot_desc *)(p->base + layout.desc_offset);
	p->nslots = nslots;
	p->slot_stride = layout.slot_stride;
	p->data_offset = layout.data_offset;
	p->next = 0;
	/*
	 * Readers may already be looking: publish the header last.  Pairs
	 * with the acquire load of head in grab_ring_head(), through the
	 * first release store of head in grab_ring_commit(): a reader that
	 * sees head > 0 sees this header whole.
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

void *grab_ring_begin(struct grab_ring_producer *p)
{
	uint32_t slot = (uint32_t)(p->next % p->nslots);
	struct grab_slot_desc *d = &p->desc[slot];

	STORE_RELAXED(&d->seq, LOAD_RELAXED(&d->seq) + 1);
	/*
	 * The odd seq must be visible before any pixel changes.  Pairs with
	 * the acquire fence in grab_ring_frame_intact(): a reader whose
	 * pixel reads saw any of the new frame re-reads an odd or newer seq
	 * and drops the frame.  (Kernel producer: smp_wmb() in
	 * grab_frame_begin().)
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return p->base + p->data_offset + (uint64_t)slot * p->slot_stride;
}

void grab_ring_commit(struct grab_ring_producer *p, uint32_t bytesused,
		      uint64_t timestamp_ns, uint32_t flags)
{
	struct grab_slot_desc *d = &p->desc[p->next % p->nslots];

	STORE_RELAXED(&d->sequence, p->next);
	STORE_RELAXED(&d->timestamp_ns, timestamp_ns);
	STORE_RELAXED(&d->bytesused, bytesused);
	STORE_RELAXED(&d->flags, flags);
	STORE_RELAXED(&d->format_gen, p->hdr->format_gen);
	/*
	 * Pairs with the acquire load of seq in grab_ring_read(): a reader
	 * that sees this even seq sees the pixels and descriptor above.
	 * (Kernel: smp_store_release() in grab_frame_end().)
	 */
	STORE_RELEASE(&d->seq, LOAD_RELAXED(&d->seq) + 1);
	p->next++;
	/*
	 * Pairs with the acquire load of head in grab_ring_head(): a reader
	 * that sees head = n + 1 sees slot n's even seq.  (Kernel:
	 * smp_store_release() of head in grab_frame_publish().)
	 */
	STORE_RELEASE(&p->hdr->head, p->next);
}

void grab_ring_add_dropped(struct grab_ring_producer *p, uint64_t n)
{
	/* Statistics: pairs with nothing (grab_ring_dropped() loads it). */
	STORE_RELAXED(&p->hdr->dropped, p->hdr->dropped + n);
}

void grab_ring_set_streaming(struct grab_ring_producer *p, bool on)
{
	uint32_t flags = p->hdr->flags;

	flags = on ? flags | GRAB_RING_STREAMING : flags & ~GRAB_RING_STREAMING;
	/* State for statistics: pairs with nothing (grab_ring_flags()). */
	STORE_RELAXED(&p->hdr->flags, flags);
}

/* Returns NULL if the header fits the mapping, else what is wrong. */
static const char *check_header(const struct grab_ring_header *h, size_t size)
{
	uint64_t desc_end, data_end;

	if (size < sizeof(*h))
		return "mapping smaller than the ring header";
	if (h->magic != GRAB_MAGIC)
		return "bad magic";
	if (h->abi_version != GRAB_ABI_VERSION)
		return "unsupported ABI version";
	if (h->header_size != sizeof(*h) ||
	    h->desc_size != sizeof(struct grab_slot_desc))
		return "header or descriptor size does not match the ABI";
	if (h->nslots < GRAB_MIN_SLOTS || h->nslots > GRAB_MAX_SLOTS)
		return "slot count out of range";
	if (h->desc_offset < h->header_size || h->desc_offset % 8)
		return "descriptor offset overlaps the header or is misaligned";
	desc_end =
		(uint64_t)h->desc_offset + (uint64_t)h->nslots * h->desc_size;
	if (desc_end > h->data_offset)
		return "descriptors overlap the frame data";
	if (grab_format_valid(&h->format))
		return "invalid format";
	if (h->slot_stride < h->format.sizeimage)
		return "slot stride smaller than a frame";
	data_end =
		(uint64_t)h->data_offset + (uint64_t)h->nslots * h->slot_stride;
	if (data_end != h->ring_size)
		return "ring size does not match its layout";
	if (h->ring_size > size)
		return "ring larger than the mapping";
	return NULL;
}

static void copy_format(struct grab_format *c, const struct grab_format *f)
{
	unsigned int i;

	c->width = LOAD_RELAXED(&f->width);
	c->height = LOAD_RELAXED(&f->height);
	c->fourcc = LOAD_RELAXED(&f->fourcc);
	c->bytesperline = LOAD_RELAXED(&f->bytesperline);
	c->sizeimage = LOAD_RELAXED(&f->sizeimage);
	c->nplanes = LOAD_RELAXED(&f->nplanes);
	for (i = 0; i < GRAB_MAX_PLANES; i++) {
		c->planes[i].offset = LOAD_RELAXED(&f->planes[i].offset);
		c->planes[i].stride = LOAD_RELAXED(&f->planes[i].stride);
	}
	for (i = 0; i < sizeof(c->reserved) / sizeof(c->reserved[0]); i++)
		c->reserved[i] = LOAD_RELAXED(&f->reserved[i]);
}

/*
 * A private copy of the shared header, field by field.  The producer stores
 * head, dropped and flags atomically while readers look (a memcpy() racing
 * those stores is a data race in the C11 model, and may tear a field), and a
 * hostile producer may store anything anywhere: each field is loaded once,
 * relaxed, and only the copy is validated and used.  The loads order
 * nothing: what makes the header's initial stores visible is the caller's
 * acquire load of head (see grab_ring_reader_attach()).
 */
static void copy_header(struct grab_ring_header *c,
			const struct grab_ring_header *h)
{
	unsigned int i;

	c->magic = LOAD_RELAXED(&h->magic);
	c->abi_version = LOAD_RELAXED(&h->abi_version);
	c->header_size = LOAD_RELAXED(&h->header_size);
	c->desc_offset = LOAD_RELAXED(&h->desc_offset);
	c->desc_size = LOAD_RELAXED(&h->desc_size);
	c->nslots = LOAD_RELAXED(&h->nslots);
	c->slot_stride = LOAD_RELAXED(&h->slot_stride);
	c->data_offset = LOAD_RELAXED(&h->data_offset);
	c->ring_size = LOAD_RELAXED(&h->ring_size);
	copy_format(&c->format, &h->format);
	c->format_gen = LOAD_RELAXED(&h->format_gen);
	c->flags = LOAD_RELAXED(&h->flags);
	c->head = LOAD_RELAXED(&h->head);
	c->dropped = LOAD_RELAXED(&h->dropped);
	c->fps_num = LOAD_RELAXED(&h->fps_num);
	c->fps_den = LOAD_RELAXED(&h->fps_den);
	for (i = 0; i < sizeof(c->reserved) / sizeof(c->reserved[0]); i++)
		c->reserved[i] = LOAD_RELAXED(&h->reserved[i]);
}

int grab_ring_reader_attach(struct grab_ring_reader *r, const void *mem,
			    size_t size, const char **ret_why)
{
	const struct grab_ring_header *h = mem;
	struct grab_ring_header copy;
	const char *why;
	uint64_t head = 0;

	memset(&copy, 0, sizeof(copy));
	if (size >= sizeof(copy)) {
		/*
		 * head first, acquire: pairs with the release store of head
		 * in grab_ring_commit() (kernel: smp_store_release() in
		 * grab_frame_publish()), and through it with the release
		 * fence in grab_ring_producer_init(): once a frame is
		 * published, the header read below is the initialised one.
		 * Before the first frame the mapping's hand-over (the fd
		 * passed over the socket, mmap() of /dev/grabN, a thread's
		 * creation) is what orders the header's stores before us.
		 */
		head = LOAD_ACQUIRE(&h->head);
		copy_header(&copy, h);
	}
	/* Validate the private copy: the shared one may change under us. */
	why = check_header(&copy, size);
	if (why) {
		if (ret_why)
			*ret_why = why;
		return -EPROTO;
	}
	memset(r, 0, sizeof(*r));
	r->hdr = h;
	r->base = mem;
	r->size = size;
	r->desc = (const struct grab_slot_desc *)(r->base + copy.desc_offset);
	r->nslots = copy.nslots;
	r->slot_stride = copy.slot_stride;
	r->data_offset = copy.data_offset;
	r->format = copy.format;
	/* The newest frame published when we looked (acquired above). */
	r->next = head;
	return 0;
}

uint64_t grab_ring_head(const struct grab_ring_reader *r)
{
	/*
	 * Pairs with the release store of head in grab_ring_commit() (kernel:
	 * grab_frame_publish()) and, for the header, with the release fence
	 * in grab_ring_producer_init().
	 */
	return LOAD_ACQUIRE(&r->hdr->head);
}

uint64_t grab_ring_dropped(const struct grab_ring_reader *r)
{
	/* A counter for statistics: orders nothing, pairs with nothing. */
	return LOAD_RELAXED(&r->hdr->dropped);
}

uint32_t grab_ring_flags(const struct grab_ring_reader *r)
{
	/*
	 * State for statistics (GRAB_RING_STREAMING): orders nothing, pairs
	 * with nothing; the producer stores it relaxed (kernel: WRITE_ONCE()).
	 */
	return LOAD_RELAXED(&r->hdr->flags);
}

int grab_ring_read(const struct grab_ring_reader *r, uint64_t want,
		   struct grab_ring_frame *ret_frame)
{
	uint64_t head = grab_ring_head(r);
	uint32_t slot = (uint32_t)(want % r->nslots);
	const struct grab_slot_desc *d = &r->desc[slot];
	uint32_t seq, bytesused;

	if (want >= head)
		return -EAGAIN;
	if (head - want > r->nslots)
		return -ESTALE;
	/*
	 * Pairs with the release store of the even seq in grab_ring_commit()
	 * (kernel: grab_frame_end()): the descriptor and pixels read after
	 * this are at least that frame's.
	 */
	seq = LOAD_ACQUIRE(&d->seq);
	if ((seq & 1) || LOAD_RELAXED(&d->sequence) != want)
		return -ESTALE;
	bytesused = LOAD_RELAXED(&d->bytesused);
	/* A compressed frame varies in size, but never past the slot's maximum. */
	if (bytesused > r->format.sizeimage)
		return -EPROTO;

	ret_frame->data =
		r->base + r->data_offset + (uint64_t)slot * r->slot_stride;
	ret_frame->sequence = want;
	ret_frame->timestamp_ns = LOAD_RELAXED(&d->timestamp_ns);
	ret_frame->bytesused = bytesused;
	ret_frame->slot = slot;
	ret_frame->flags = LOAD_RELAXED(&d->flags);
	ret_frame->seq = seq;
	return 0;
}

bool grab_ring_frame_intact(const struct grab_ring_reader *r,
			    const struct grab_ring_frame *frame)
{
	const struct grab_slot_desc *d = &r->desc[frame->slot];

	/*
	 * Everything read from the frame happens before the re-check.  Pairs
	 * with the release fence after the odd seq in grab_ring_begin()
	 * (kernel: smp_wmb() in grab_frame_begin()): if any pixel read saw
	 * the next frame's writes, the seq read below is odd or newer.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return LOAD_RELAXED(&d->seq) == frame->seq &&
	       LOAD_RELAXED(&d->sequence) == frame->sequence;
}

int grab_ring_next(struct grab_ring_reader *r,
		   struct grab_ring_frame *ret_frame, uint64_t *ret_missed)
{
	uint64_t missed = 0;
	int ret;

	for (;;) {
		uint64_t head = grab_ring_head(r);

		if (r->next >= head) {
			ret = -EAGAIN;
			break;
		}
		/* Everything older than the last nslots frames is gone. */
		if (head - r->next > r->nslots) {
			missed += head - r->nslots - r->next;
			r->next = head - r->nslots;
		}
		ret = grab_ring_read(r, r->next, ret_frame);
		if (ret == -ESTALE) {
			/* Overwritten between the head check and the read. */
			missed++;
			r->next++;
			continue;
		}
		if (ret == 0)
			r->next++;
		break;
	}
	r->missed += missed;
	if (ret_missed)
		*ret_missed = missed;
	return ret;
}

int grab_ring_latest(struct grab_ring_reader *r,
		     struct grab_ring_frame *ret_frame, uint64_t *ret_missed)
{
	uint64_t head = grab_ring_head(r);
	uint64_t skipped = 0, missed = 0;
	int ret;

	if (head > r->next + 1) {
		skipped = head - 1 - r->next;
		r->next = head - 1;
		r->missed += skipped;
	}
	ret = grab_ring_next(r, ret_frame, &missed);
	if (ret_missed)
		*ret_missed = skipped + missed;
	return ret;
}
