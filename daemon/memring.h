/* SPDX-License-Identifier: MIT */
/* A ring in a sealed memfd, for the sources that produce in user space. */
#ifndef GRABBERD_MEMRING_H
#define GRABBERD_MEMRING_H

#include "grab-ring.h"

/**
 * struct memring - a memfd ring
 * @fd:    the writable memfd (kept by the daemon)
 * @ro_fd: a read-only open of the same memory, the one passed to clients
 * @mem:   the daemon's writable mapping
 * @size:  bytes of the ring
 * @prod:  the producer side
 */
struct memring {
	int fd;
	int ro_fd;
	void *mem;
	size_t size;
	struct grab_ring_producer prod;
};

/* Returns 0 or -errno, with a reason in @why. */
int memring_create(struct memring *m, const char *name,
		   const struct grab_format *fmt, uint32_t nslots,
		   uint32_t fps_num, uint32_t fps_den, char *why,
		   size_t whylen);
void memring_destroy(struct memring *m);

struct source;

/* The frame begun with grab_ring_begin(&m->prod) is written: commit it and
 * publish it to @src's stream.  @flags: GRAB_SLOT_ERROR for a bad frame. */
void memring_publish(struct memring *m, struct source *src, uint32_t bytesused,
		     uint64_t timestamp_ns, uint32_t flags);
/* @n frames could not be produced: count them in the ring and the source. */
void memring_add_dropped(struct memring *m, struct source *src, uint64_t n);

#endif
