// SPDX-License-Identifier: MIT
/*
 * libgrab as a hostile daemon sees it: the real library connects over a
 * real SOCK_SEQPACKET socket to a fake daemon (a thread here) that answers
 * its HELLO with the messages the input describes, some with a ring fd
 * attached, then hangs up.  The library decodes them (grab_msg_decode in
 * read_one), attaches to the rings (check_ring_fd, grab_map_new, the ring
 * reader) and hands out frames; the test reads every byte of every frame.
 * Inputs of a length with bit 1 set also ask for grab_stream_stats(), which
 * gets the last record alone on a second connection.
 *
 * Input: records of
 *   u8 flags   bit 0: attach a ring fd built from the message (a STREAM's
 *                     format, slots and ring_size), bit 1: leave it
 *                     unsealed, bit 2: make it half the announced size,
 *                     bit 3: attach a second fd too, bits 4-7: frames the
 *                     ring holds
 *   u8 len     < 0xf0: a message of GRAB_MSG_SIZE bytes; else (len - 0xf0)
 *              * 20 bytes (short and oversized messages)
 *   len bytes  the message (zero padded when the input ends)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "grab-proto.h"
#include "grab-ring.h"
#include "grab/grab.h"

#define MAX_RECORDS 64
#define MAX_RING (16u << 20)

static char dir[64], sock_path[108];
static int lfd = -1;
static const uint8_t *cur;
static size_t cur_size;
static int last_only; /* serve the last record only (the stats connection) */
static sem_t go, done;

/* A ring fd for the message at @m (whatever it says), or -1. */
static int make_ring(const struct grab_msg *m, unsigned int flags)
{
	const struct grab_msg_stream *s = &m->u.stream;
	struct grab_ring_producer p;
	uint64_t size = s->ring_size;
	unsigned int i, frames = flags >> 4;
	void *mem;
	int fd;

	fd = memfd_create("grab-fuzz-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (size > MAX_RING || size == 0)
		size = 4096;
	if (flags & 4)
		size /= 2;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return -1;
	}
	mem = size ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  0) :
		     MAP_FAILED;
	if (mem != MAP_FAILED) {
		if (!grab_ring_producer_init(&p, mem, size, &s->format,
					     s->nslots, s->fps_num,
					     s->fps_den)) {
			for (i = 0; i < frames; i++) {
				uint8_t *px = grab_ring_begin(&p);

				memset(px, (int)i, s->format.sizeimage);
				grab_ring_commit(&p, s->format.sizeimage, i, 0);
			}
		}
		munmap(mem, size);
	}
	if (!(flags & 2))
		fcntl(fd, F_ADD_SEALS,
		      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	return fd;
}

static void send_with_fds(int sock, const void *msg, size_t len, const int *fds,
			  unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (nfds) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	(void)sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/* Answer one client with the records of the current input. */
static void serve(int sock)
{
	const uint8_t *p = cur, *end = cur + cur_size;
	uint8_t hello[GRAB_MSG_SIZE + 64];
	unsigned int n;

	(void)recv(sock, hello, sizeof(hello), 0);
	if (last_only) {
		/* Find the start of the last complete-enough record. */
		const uint8_t *q = p, *last = NULL;

		while (end - q >= 2) {
			size_t len = q[1] < 0xf0 ? GRAB_MSG_SIZE :
						   (q[1] - 0xf0) * 20u;

			last = q;
			q += 2 + ((size_t)(end - q - 2) < len ?
					  (size_t)(end - q - 2) :
					  len);
		}
		if (!last)
			return;
		p = last;
	}
	for (n = 0; n < MAX_RECORDS && end - p >= 2; n++) {
		struct grab_msg m;
		unsigned int flags = p[0], code = p[1];
		size_t len = code < 0xf0 ? GRAB_MSG_SIZE : (code - 0xf0) * 20u;
		size_t have = (size_t)(end - p - 2) < len ?
				      (size_t)(end - p - 2) :
				      len;
		uint8_t msg[GRAB_MSG_SIZE + 64] = { 0 };
		int fds[2] = { -1, -1 };
		unsigned int nfds = 0;

		memcpy(msg, p + 2, have);
		p += 2 + have;
		memcpy(&m, msg, sizeof(m));
		if (flags & 1) {
			fds[0] = make_ring(&m, flags);
			if (fds[0] >= 0)
				nfds++;
		}
		if (flags & 8) {
			fds[nfds] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fds[nfds] >= 0)
				nfds++;
		}
		send_with_fds(sock, msg, len, fds, nfds);
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
	}
}

static void *daemon_thread(void *arg)
{
	for (;;) {
		int sock;

		sem_wait(&go);
		sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (sock >= 0) {
			serve(sock);
			close(sock);
		}
		sem_post(&done);
	}
	return NULL;
}

static void cleanup(void)
{
	unlink(sock_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;

	snprintf(dir, sizeof(dir), "/tmp/grab-fuzz-client.XXXXXX");
	FUZZ_CHECK(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	strcpy(sa.sun_path, sock_path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(lfd >= 0);
	FUZZ_CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	FUZZ_CHECK(listen(lfd, 4) == 0);
	atexit(cleanup);
	sem_init(&go, 0, 0);
	sem_init(&done, 0, 0);
	FUZZ_CHECK(pthread_create(&t, NULL, daemon_thread, NULL) == 0);
	pthread_detach(t);
	return 0;
}

static void take_frames(struct grab *g, int latest)
{
	struct grab_frame *f;
	unsigned int i;

	for (i = 0; i < 40; i++) {
		struct grab_image_format fmt;
		int ret = latest ? grab_latest_frame(g, 0, &f) :
				   grab_next_frame(g, 0, &f);

		if (ret < 0)
			break;
		fuzz_touch(grab_frame_data(f), grab_frame_bytes(f));
		(void)grab_frame_sequence(f);
		(void)grab_frame_missed(f);
		(void)grab_frame_format(f, &fmt);
		(void)grab_frame_intact(f);
		grab_frame_release(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grab_stream_info info;
	struct timespec ts;
	struct grab *g = NULL;
	int ret;

	cur = data;
	cur_size = size;
	sem_post(&go);
	ret = grab_connect(sock_path, "default", GRAB_CONNECT_NO_RECONNECT, &g);
	/* The fake daemon has said everything and hung up. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 30;
	FUZZ_CHECK(sem_timedwait(&done, &ts) == 0);
	if (ret) {
		FUZZ_CHECK(ret < 0 && !g);
		return 0;
	}
	(void)grab_stream_info(g, &info);
	take_frames(g, size & 1);
	if (grab_rewind(g, 8) >= 0)
		take_frames(g, 0);
	(void)grab_missed(g);
	(void)grab_generation(g);
	if (size & 2) {
		/* grab_stream_stats(): a second connection, STATS_REQ; the
		 * fake daemon answers with the input's last record. */
		struct grab_stream_stats st;

		last_only = 1;
		sem_post(&go);
		(void)grab_stream_stats(g, &st);
		FUZZ_CHECK(sem_timedwait(&done, &ts) == 0);
		last_only = 0;
	}
	grab_close(g);
	return 0;
}
