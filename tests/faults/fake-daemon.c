// SPDX-License-Identifier: MIT
/*
 * fake-daemon: a hostile "grabberd" for the faults tier.  It listens on a
 * unix SOCK_SEQPACKET socket, answers each client's HELLO the way the mode
 * says, and keeps going until killed.  Nothing here is the product: it is
 * what another local user (or a broken daemon) could put on the socket.
 *
 *   fake-daemon SOCKET MODE [DIR]
 *
 * Ring modes (a STREAM message announcing a 64x48 YUYV ring of 4 slots,
 * then one frame event a second, with this fd):
 *   good       a sealed memfd holding a valid ring (the control case)
 *   quiet      the same, one frame event and then nothing (for waits)
 *   pipe       the read end of a pipe
 *   file       a regular file in DIR holding a valid ring
 *   shrink     the same file, cut to one page a second after it is passed
 *   unsealed   a memfd holding a valid ring, not sealed against shrinking
 *   small      a sealed memfd one page long
 *   blockdev   an unbound loop device (/dev/loopN of size 0)
 *   chardev    /dev/zero: a character device that is not a grab device
 *   lie-slots  a sealed memfd whose header says 8 slots (the message: 4)
 *   lie-size   a sealed memfd whose header claims a ring larger than itself
 *   lie-format a sealed memfd whose header says GREY (the message: YUYV)
 *   huge       the message announces a 1 TiB ring
 * Flood modes (the peer never stops sending):
 *   flood-wait    WAIT, then WAIT after WAIT
 *   flood-early   frame events before any STREAM
 *   flood-frames  a good ring, then frame events naming frames that are
 *                 not in it
 *   flood-reset   a good ring, then RESET after RESET
 *   trickle       a good ring, then every 300 ms a frame event naming a
 *                 frame that is not in it: no flood, but never a frame, so
 *                 only the deadline can end a call that waits
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grab-format.h"
#include "grab-proto.h"
#include "grab-ring.h"

static const char *mode, *dir;
static struct grab_format fmt;
static struct grab_layout layout;

static void die(const char *what)
{
	fprintf(stderr, "fake-daemon: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A valid ring of the announced shape written into @fd (sized to @size). */
static void write_ring(int fd, size_t size)
{
	struct grab_ring_producer p;
	void *mem;

	if (ftruncate(fd, (off_t)size) < 0)
		die("ftruncate");
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	if (grab_ring_producer_init(&p, mem, size, &fmt, 4, 30, 1))
		die("ring init");
	grab_ring_begin(&p);
	grab_ring_commit(&p, fmt.sizeimage, 1, 0);
	if (!strcmp(mode, "lie-slots"))
		p.hdr->nslots = 8;
	else if (!strcmp(mode, "lie-size"))
		p.hdr->ring_size = layout.ring_size * 4;
	else if (!strcmp(mode, "lie-format"))
		p.hdr->format.fourcc = GRAB_FMT_GREY;
	munmap(mem, size);
}

static int memfd(bool seal)
{
	int fd = memfd_create("fake-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		die("memfd_create");
	write_ring(fd, layout.ring_size);
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		die("seal");
	return fd;
}

static int unbound_loop(void)
{
	char path[32];
	uint64_t size;
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/dev/loop%d", i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, BLKGETSIZE64, &size) == 0 && size == 0)
			return fd;
		close(fd);
	}
	errno = ENODEV;
	die("no unbound loop device");
	return -1;
}

/* The fd the mode passes with STREAM. */
static int ring_fd(char *file)
{
	int fd, p[2];

	if (!strcmp(mode, "pipe")) {
		if (pipe(p) < 0)
			die("pipe");
		return p[0];
	}
	if (!strcmp(mode, "file") || !strcmp(mode, "shrink")) {
		snprintf(file, 4096, "%s/fake-ring.%d", dir, (int)getpid());
		fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			die(file);
		write_ring(fd, layout.ring_size);
		return fd;
	}
	if (!strcmp(mode, "unsealed"))
		return memfd(false);
	if (!strcmp(mode, "small")) {
		fd = memfd(false);
		if (ftruncate(fd, 4096) < 0 ||
		    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
			die("small");
		return fd;
	}
	if (!strcmp(mode, "blockdev"))
		return unbound_loop();
	if (!strcmp(mode, "chardev")) {
		fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("/dev/zero");
		return fd;
	}
	return memfd(true);
}

static int send_fd(int sock, const struct grab_msg *m, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void frame_msg(struct grab_msg *m, uint64_t seq)
{
	grab_msg_init(m, GRAB_MSG_FRAME);
	m->u.frame.sequence = seq;
	m->u.frame.bytesused = fmt.sizeimage;
}

/*
 * A flood must keep the client's queue from ever running dry, or a client
 * that only checks its deadline when nothing is queued would still return:
 * FLOOD_SENDERS processes send at once.
 */
#define FLOOD_SENDERS 4

static void flood_senders(void)
{
	int i;

	for (i = 1; i < FLOOD_SENDERS; i++)
		if (fork() == 0)
			return;
}

static void serve(int sock)
{
	char file[4096] = "";
	struct grab_msg m;
	uint64_t n = 0;
	int fd;

	if (recv(sock, &m, sizeof(m), 0) <= 0)
		return; /* no HELLO */
	if (!strcmp(mode, "flood-wait") || !strcmp(mode, "flood-early"))
		flood_senders();
	if (!strcmp(mode, "flood-wait")) {
		grab_msg_init(&m, GRAB_MSG_WAIT);
		grab_msg_set_text(m.u.error.reason, sizeof(m.u.error.reason),
				  "flood");
		while (send_fd(sock, &m, -1) == 0)
			n++;
		return;
	}
	if (!strcmp(mode, "flood-early")) {
		for (;; n++) {
			frame_msg(&m, n);
			if (send_fd(sock, &m, -1))
				return;
		}
	}
	fd = ring_fd(file);
	grab_msg_init(&m, GRAB_MSG_STREAM);
	grab_msg_set_text(m.u.stream.stream, sizeof(m.u.stream.stream),
			  "default");
	grab_msg_set_text(m.u.stream.source, sizeof(m.u.stream.source),
			  "fake:");
	m.u.stream.format = fmt;
	m.u.stream.nslots = 4;
	m.u.stream.fps_num = 30;
	m.u.stream.fps_den = 1;
	m.u.stream.ring_size = !strcmp(mode, "huge") ? 1ull << 40 :
						       layout.ring_size;
	if (send_fd(sock, &m, fd))
		return;
	close(fd);
	if (!strcmp(mode, "flood-frames") || !strcmp(mode, "flood-reset"))
		flood_senders();
	if (!strcmp(mode, "flood-frames")) {
		for (n = 1000;; n++) {
			frame_msg(&m, n);
			if (send_fd(sock, &m, -1))
				return;
		}
	}
	if (!strcmp(mode, "trickle")) {
		for (n = 1000;; n++) {
			usleep(300 * 1000);
			frame_msg(&m, n);
			if (send_fd(sock, &m, -1))
				return;
		}
	}
	if (!strcmp(mode, "flood-reset")) {
		grab_msg_init(&m, GRAB_MSG_RESET);
		while (send_fd(sock, &m, -1) == 0)
			;
		return;
	}
	/* One frame event a second (frame 0 is in the ring) until the
	 * client leaves; quiet: one, then silence until the client leaves. */
	if (!strcmp(mode, "quiet")) {
		frame_msg(&m, 0);
		m.u.frame.missed = 0;
		if (send_fd(sock, &m, -1) == 0)
			while (recv(sock, &m, sizeof(m), 0) > 0)
				;
		return;
	}
	for (;; n++) {
		frame_msg(&m, 0);
		m.u.frame.missed = 0;
		if (send_fd(sock, &m, -1))
			break;
		if (n == 0 && file[0] && !strcmp(mode, "shrink")) {
			sleep(1);
			if (truncate(file, 4096) < 0)
				die("truncate");
		}
		sleep(1);
	}
	if (file[0])
		unlink(file);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, c;

	if (argc < 3) {
		fprintf(stderr, "usage: fake-daemon SOCKET MODE [DIR]\n");
		return 2;
	}
	mode = argv[2];
	dir = argc > 3 ? argv[3] : "/tmp";
	fmt = (struct grab_format){ .width = 64,
				    .height = 48,
				    .fourcc = GRAB_FMT_YUYV };
	if (grab_format_complete(&fmt) || grab_ring_plan(&fmt, 4, &layout))
		die("format");
	signal(SIGCHLD, SIG_IGN); /* no zombies from the children */
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || strlen(argv[1]) >= sizeof(sa.sun_path))
		die("socket");
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0)
		die(argv[1]);
	printf("READY %s\n", mode);
	fflush(stdout);
	for (;;) {
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		if (fork() == 0) {
			close(lfd);
			serve(c);
			_exit(0);
		}
		close(c);
	}
}
