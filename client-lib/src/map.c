// SPDX-License-Identifier: MIT
/* Ring mappings, shared by the frames read from them. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"

uint64_t grab_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Map @size bytes of @fd read only and validate the ring in it.  NULL with
 * errno set (and *@ret_why for -EPROTO) on failure.
 */
struct grab_map *grab_map_new(int fd, size_t size, const char **ret_why)
{
	struct grab_map *m = calloc(1, sizeof(*m));
	int ret;

	*ret_why = NULL;
	if (!m)
		return NULL;
	m->size = size;
	m->mem = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (m->mem == MAP_FAILED) {
		ret = errno;
		*ret_why = "cannot map the ring";
		free(m);
		errno = ret;
		return NULL;
	}
	ret = grab_ring_reader_attach(&m->reader, m->mem, size, ret_why);
	if (ret) {
		munmap(m->mem, size);
		free(m);
		errno = -ret;
		return NULL;
	}
	m->refs = 1;
	return m;
}

void grab_map_unref(struct grab_map *m)
{
	if (!m || --m->refs)
		return;
	munmap(m->mem, m->size);
	free(m);
}
