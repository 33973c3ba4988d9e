// SPDX-License-Identifier: MIT
/*
 * A ring in a memfd.  The daemon maps it writable once, then seals it: no
 * size change (F_SEAL_SHRINK, F_SEAL_GROW) and no new writable mapping or
 * write() by anyone (F_SEAL_FUTURE_WRITE), so a client that reopens the fd
 * through /proc cannot write to it either.  Clients get an O_RDONLY open of
 * the memory, which refuses PROT_WRITE on a shared mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon.h"
#include "memring.h"

int memring_create(struct memring *m, const char *name,
		   const struct grab_format *fmt, uint32_t nslots,
		   uint32_t fps_num, uint32_t fps_den, char *why, size_t whylen)
{
	struct grab_layout layout;
	char path[64];
	int ret;

	memset(m, 0, sizeof(*m));
	m->fd = m->ro_fd = -1;
	m->mem = MAP_FAILED;
	if (grab_ring_plan(fmt, nslots, &layout)) {
		snprintf(why, whylen,
			 "format or slot count does not make a ring");
		return -EINVAL;
	}
	m->size = layout.ring_size;
	m->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m->fd < 0)
		goto fail;
	if (ftruncate(m->fd, (off_t)m->size) < 0)
		goto fail;
	m->mem = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		      0);
	if (m->mem == MAP_FAILED)
		goto fail;
	/* Fault the pages in now rather than on the first frames. */
	memset(m->mem, 0, m->size);
	if (fcntl(m->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		goto fail;
	/* Older kernels lack it; the O_RDONLY fd still protects the ring. */
	fcntl(m->fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE);
	fcntl(m->fd, F_ADD_SEALS, F_SEAL_SEAL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	m->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->ro_fd < 0)
		goto fail;
	/*
	 * No client has the ring yet: the header's stores reach a client
	 * through the hand-over of ro_fd (sendmsg, then its mmap()), system
	 * calls that order them; later frames through grab_ring_commit()'s
	 * release of head (common/grab-ring.c names each pair).
	 */
	ret = grab_ring_producer_init(&m->prod, m->mem, m->size, fmt, nslots,
				      fps_num, fps_den);
	if (ret) {
		snprintf(why, whylen, "cannot lay out the ring");
		memring_destroy(m);
		return ret;
	}
	return 0;
fail:
	ret = -errno;
	snprintf(why, whylen, "memfd ring of %zu bytes: %s", m->size,
		 strerror(errno));
	memring_destroy(m);
	return ret;
}

void memring_destroy(struct memring *m)
{
	if (m->mem != MAP_FAILED && m->mem)
		munmap(m->mem, m->size);
	if (m->ro_fd >= 0)
		close(m->ro_fd);
	if (m->fd >= 0)
		close(m->fd);
	m->mem = MAP_FAILED;
	m->fd = m->ro_fd = -1;
}

void memring_publish(struct memring *m, struct source *src, uint32_t bytesused,
		     uint64_t timestamp_ns, uint32_t flags)
{
	uint64_t seq = m->prod.next;

	grab_ring_commit(&m->prod, bytesused, timestamp_ns, flags);
	source_publish(src, seq, (uint32_t)(seq % m->prod.nslots), timestamp_ns,
		       bytesused, flags);
}

void memring_add_dropped(struct memring *m, struct source *src, uint64_t n)
{
	src->dropped += n;
	grab_ring_add_dropped(&m->prod, n);
}
