/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the kernel tier's guest-side tests: open a /dev/grabN, read
 * its info, map its ring, produce frames (debugfs), verify them byte for
 * byte.
 */
#ifndef GRAB_KTEST_UTIL_H
#define GRAB_KTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/grab.h>

#include "grab-pattern.h"
#include "grab-ring.h"
#include "../lib/tap.h"

static inline int dev_open(int index, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/grab%d", index);
	return open(path, flags | O_CLOEXEC);
}

static inline int dev_info(int fd, struct grab_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, GRAB_IOC_INFO, info);
}

/*
 * The simulator's test hook: capture @n frames of /dev/grab@index now,
 * through debugfs (mounted by guest-init.sh).  0, or -1 with errno.
 */
static inline int dev_produce(int index, uint32_t n)
{
	char path[64], num[16];
	int fd, len, ret = 0, e = 0;

	snprintf(path, sizeof(path), "/sys/kernel/debug/grab/grab%d/produce",
		 index);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = snprintf(num, sizeof(num), "%u", n);
	if (write(fd, num, len) != len) {
		ret = -1;
		e = errno;
	}
	close(fd);
	errno = e;
	return ret;
}

static inline int dev_stats(int fd, struct grab_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, GRAB_IOC_STATS, st);
}

static inline int dev_set_format(int fd, uint32_t w, uint32_t h,
				 uint32_t fourcc)
{
	struct grab_format f = { .width = w, .height = h, .fourcc = fourcc };

	return ioctl(fd, GRAB_IOC_S_FMT, &f);
}

/* Map the whole ring read-only and attach a reader; NULL on failure. */
static inline void *ring_map(int fd, struct grab_ring_reader *r,
			     size_t *ret_len)
{
	struct grab_info info;
	const char *why = "";
	void *p;

	if (dev_info(fd, &info))
		return NULL;
	p = mmap(NULL, info.ring_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (grab_ring_reader_attach(r, p, info.ring_size, &why)) {
		diag("attach: %s", why);
		munmap(p, info.ring_size);
		return NULL;
	}
	*ret_len = info.ring_size;
	return p;
}

/* Byte-for-byte check of a frame as read, -1 when it matches. */
static inline int64_t frame_check(const struct grab_ring_reader *r,
				  const struct grab_ring_frame *f)
{
	static __thread uint8_t *scratch;
	static __thread size_t scratch_len;

	if (scratch_len < r->format.bytesperline) {
		free(scratch);
		scratch_len = r->format.bytesperline;
		scratch = malloc(scratch_len);
	}
	if (f->bytesused != r->format.sizeimage)
		return -3;
	return grab_pattern_verify(f->data, &r->format, f->sequence, scratch);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int read_sysfs(int index, const char *attr, char *buf, size_t len)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/grab/grab%d/%s", index, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

static inline long long sysfs_num(int index, const char *attr)
{
	char buf[64];

	if (read_sysfs(index, attr, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

#endif /* GRAB_KTEST_UTIL_H */
