/* SPDX-License-Identifier: MIT */
/*
 * The ring protocol in user space, written once for grabberd (producer and
 * reader) and libgrab (reader).  The layout and the rules are in
 * kernel/uapi/linux/grab.h and DESIGN.md.
 *
 * The producer never waits for readers.  A reader validates the header once,
 * keeps its own copy of every size and offset (a hostile producer cannot
 * move them under it), and reports a frame as lost rather than hand out one
 * that was overwritten while it was being read.
 */
#ifndef GRAB_RING_H
#define GRAB_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kernel/grab-format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page size used for ring layout in user space. */
uint32_t grab_page_size(void);

/* Layout of a ring of @nslots frames of @fmt (completed): 0 or -EINVAL. */
int grab_ring_plan(const struct grab_format *fmt, uint32_t nslots,
		   struct grab_layout *ret_layout);

/**
 * struct grab_ring_producer - the writing side of a ring
 * @hdr:   the shared header
 * @desc:  the shared descriptors
 * @base:  start of the ring
 * @nslots, @slot_stride, @data_offset: private copies of the layout
 * @next:  number of the frame begin() hands out next
 */
struct grab_ring_producer {
	struct grab_ring_header *hdr;
	struct grab_slot_desc *desc;
	uint8_t *base;
	uint32_t nslots;
	uint32_t slot_stride;
	uint32_t data_offset;
	uint64_t next;
};

/*
 * Lay out a new ring in @mem (@size bytes, zeroed or not) for frames of @fmt
 * (completed).  Returns 0, or -EINVAL if the format or slot count is bad,
 * -ENOSPC if @size is too small.
 */
int grab_ring_producer_init(struct grab_ring_producer *p, void *mem,
			    size_t size, const struct grab_format *fmt,
			    uint32_t nslots, uint32_t fps_num,
			    uint32_t fps_den);

/* Start writing the next frame: marks its slot busy, returns its pixels. */
void *grab_ring_begin(struct grab_ring_producer *p);

/* Publish the frame begin() returned, then make it visible through head. */
void grab_ring_commit(struct grab_ring_producer *p, uint32_t bytesused,
		      uint64_t timestamp_ns, uint32_t flags);

/* Count frames the producer lost (could not keep its rate). */
void grab_ring_add_dropped(struct grab_ring_producer *p, uint64_t n);

void grab_ring_set_streaming(struct grab_ring_producer *p, bool on);

/**
 * struct grab_ring_reader - the reading side of a ring
 * @hdr, @desc, @base: the shared memory (read only)
 * @size:        bytes mapped
 * @nslots, @slot_stride, @data_offset, @format: validated private copies
 * @next:        number of the frame next() returns next
 * @missed:      frames this reader lost so far (overwritten before read)
 */
struct grab_ring_reader {
	const struct grab_ring_header *hdr;
	const struct grab_slot_desc *desc;
	const uint8_t *base;
	size_t size;
	uint32_t nslots;
	uint32_t slot_stride;
	uint32_t data_offset;
	struct grab_format format;
	uint64_t next;
	uint64_t missed;
};

/**
 * struct grab_ring_frame - a frame as read, valid until checked intact
 * @data:         first pixel, inside the mapping
 * @sequence:     frame number
 * @timestamp_ns: CLOCK_MONOTONIC publish time
 * @bytesused:    bytes at @data
 * @slot:         slot index
 * @flags:        GRAB_SLOT_* flags
 * @seq:          the slot's seqlock value when the read began
 */
struct grab_ring_frame {
	const uint8_t *data;
	uint64_t sequence;
	uint64_t timestamp_ns;
	uint32_t bytesused;
	uint32_t slot;
	uint32_t flags;
	uint32_t seq;
};

/*
 * Validate the ring at @mem (@size bytes mapped) and attach to it, starting
 * at the newest published frame.  Returns 0 or -EPROTO with *@ret_why (if
 * non-NULL) saying which field is wrong.
 */
int grab_ring_reader_attach(struct grab_ring_reader *r, const void *mem,
			    size_t size, const char **ret_why);

/* Frames published so far (acquire). */
uint64_t grab_ring_head(const struct grab_ring_reader *r);

/* Frames the producer lost so far. */
uint64_t grab_ring_dropped(const struct grab_ring_reader *r);

/* The header's GRAB_RING_* flags as the producer last stored them. */
uint32_t grab_ring_flags(const struct grab_ring_reader *r);

/*
 * Read frame number @want.  Returns 0, -EAGAIN if it is not published yet,
 * -ESTALE if it was (or is being) overwritten, -EPROTO if the producer wrote
 * a descriptor that does not fit the ring.
 */
int grab_ring_read(const struct grab_ring_reader *r, uint64_t want,
		   struct grab_ring_frame *ret_frame);

/*
 * The oldest frame after the last one returned that is still in the ring.
 * Frames skipped because they were overwritten are added to r->missed and
 * to *@ret_missed (if non-NULL).  Returns 0, -EAGAIN when there is no new
 * frame, or -EPROTO.
 */
int grab_ring_next(struct grab_ring_reader *r,
		   struct grab_ring_frame *ret_frame, uint64_t *ret_missed);

/* Like next(), but skips (and counts) everything older than the newest. */
int grab_ring_latest(struct grab_ring_reader *r,
		     struct grab_ring_frame *ret_frame, uint64_t *ret_missed);

/*
 * After the caller has read the frame: true if it was not touched by the
 * producer meanwhile.  A frame that was not intact must be treated as lost.
 */
bool grab_ring_frame_intact(const struct grab_ring_reader *r,
			    const struct grab_ring_frame *frame);

#ifdef __cplusplus
}
#endif

#endif /* GRAB_RING_H */
