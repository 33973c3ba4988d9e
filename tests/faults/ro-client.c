// SPDX-License-Identifier: MIT
/*
 * ro-client SOCKET STREAM: gets a ring fd from grabberd the way libgrab does
 * (HELLO, then STREAM with the fd in SCM_RIGHTS) and proves a client can
 * only read it: PROT_WRITE mappings, mprotect(PROT_WRITE), write(),
 * ftruncate() and a writable reopen through /proc all fail, and nothing it
 * tries changes the ring.  TAP lines; exit status 1 if one failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "grab-proto.h"
#include "grab-ring.h"
#include "../lib/tap.h"

/* @call must fail (with @want unless 0); the name says what was tried. */
#define MUST_FAIL(call, want, name)                         \
	do {                                                \
		long r_;                                    \
		int e_;                                     \
		errno = 0;                                  \
		r_ = (long)(call);                          \
		e_ = errno;                                 \
		ok(r_ < 0 && ((want) == 0 || e_ == (want)), \
		   "ro: %s fails: %s", name,                \
		   r_ < 0 ? strerror(e_) : "it succeeded"); \
	} while (0)

static int get_ring(const char *path, const char *stream, struct grab_msg *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	uint8_t buf[GRAB_MSG_SIZE + 64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	struct grab_msg m;
	int s, fd = -1;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	grab_msg_init(&m, GRAB_MSG_HELLO);
	grab_msg_set_text(m.u.hello.stream, sizeof(m.u.hello.stream), stream);
	if (send(s, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		return -1;
	for (;;) {
		struct pollfd p = { s, POLLIN, 0 };

		if (poll(&p, 1, 5000) <= 0)
			return -1;
		mh.msg_controllen = sizeof(u.buf);
		n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0 || grab_msg_decode(buf, (size_t)n, ret, NULL))
			return -1;
		if (ret->hdr.type != GRAB_MSG_STREAM)
			continue; /* WAIT while the source starts */
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		return fd; /* the socket stays open: frames keep coming */
	}
}

int main(int argc, char **argv)
{
	struct grab_ring_reader r;
	struct grab_msg m;
	size_t len;
	char path[64], c = 0;
	uint8_t before[64];
	void *p, *priv;
	int fd, rw;

	if (argc < 3)
		return 2;
	fd = get_ring(argv[1], argv[2], &m);
	if (!ok(fd >= 0, "ro: got the ring fd of stream %s over SCM_RIGHTS",
		argv[2]))
		return done_testing();
	len = m.u.stream.ring_size;
	ok((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY,
	   "ro: the passed fd is O_RDONLY");

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p == MAP_FAILED && errno == EACCES,
	   "ro: mmap(PROT_READ|PROT_WRITE, MAP_SHARED) fails: %s",
	   p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, len, PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p == MAP_FAILED && errno == EACCES,
	   "ro: mmap(PROT_WRITE, MAP_SHARED) fails: %s",
	   p == MAP_FAILED ? strerror(errno) : "mapped");

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (!ok(p != MAP_FAILED &&
			grab_ring_reader_attach(&r, p, len, NULL) == 0,
		"ro: read-only shared mapping of the ring works and validates"))
		return done_testing();
	memcpy(before, p, sizeof(before));
	MUST_FAIL(mprotect(p, len, PROT_READ | PROT_WRITE), EACCES,
		  "mprotect(PROT_WRITE) of that mapping");
	MUST_FAIL(write(fd, &c, 1), EBADF, "write() on the fd");
	MUST_FAIL(pwrite(fd, &c, 1, 0), EBADF, "pwrite() on the fd");
	MUST_FAIL(ftruncate(fd, 0), 0, "ftruncate() on the fd");
	MUST_FAIL(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			    4096),
		  0, "fallocate(PUNCH_HOLE) on the fd");

	/* A new open of the same memory through /proc: the seals refuse
	 * writing through it (F_SEAL_FUTURE_WRITE). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw >= 0) {
		void *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       rw, 0);

		ok(q == MAP_FAILED,
		   "ro: reopened O_RDWR through /proc: PROT_WRITE mapping fails: %s",
		   q == MAP_FAILED ? strerror(errno) : "mapped");
		MUST_FAIL(write(rw, &c, 1), 0,
			  "reopened O_RDWR through /proc: write()");
		MUST_FAIL(ftruncate(rw, 0), 0,
			  "reopened O_RDWR through /proc: ftruncate()");
		close(rw);
	} else {
		ok(1, "ro: reopening O_RDWR through /proc is refused: %s",
		   strerror(errno));
	}

	/* A private copy-on-write mapping may be written, but only the copy. */
	priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (priv != MAP_FAILED) {
		memset(priv, 0x5a, 64);
		ok(memcmp(p, before, 32) == 0 && r.hdr->magic == GRAB_MAGIC,
		   "ro: writing a MAP_PRIVATE copy leaves the shared ring intact");
		munmap(priv, len);
	} else {
		ok(1, "ro: MAP_PRIVATE|PROT_WRITE refused: %s",
		   strerror(errno));
	}
	for (int i = 0; i < 200 && grab_ring_head(&r) == 0; i++)
		usleep(10000); /* the source may have just started */
	ok(r.hdr->magic == GRAB_MAGIC && grab_ring_head(&r) > 0,
	   "ro: the ring is intact and still advancing (head %llu)",
	   (unsigned long long)grab_ring_head(&r));
	munmap(p, len);
	return done_testing();
}
