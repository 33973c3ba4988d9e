// SPDX-License-Identifier: MIT
/*
 * The copying peers grabberd is measured against (benchmark baselines,
 * never part of the product).  Both produce the same frames as grabberd's
 * test source (the grab test pattern, at the same rate and geometry), then
 * deliver them by copying:
 *
 *   copy-server socket PATH W H FPS
 *	mjpg-streamer style: the producer writes each frame into one global
 *	buffer under a mutex and broadcasts; a thread per client waits for the
 *	broadcast, copies the frame into its own buffer under the mutex, and
 *	writes a header and the frame's bytes to its client's unix stream
 *	socket (mjpg-streamer's output_http does exactly this over TCP).
 *
 *   copy-server memsink NAME W H FPS
 *	µStreamer memsink style: a POSIX shared memory object with a header
 *	and one frame; the producer takes flock(LOCK_EX), copies the frame in,
 *	bumps the id, unlocks.  Readers (copy-client memsink) poll it every
 *	1 ms and copy the frame out under the lock.
 *
 *   copy-server notify PATH W H FPS
 *	the floor: no frame at all, only what any fan-out pays on this
 *	machine; a unix SOCK_SEQPACKET server that sends each client a
 *	32-byte header per frame from one thread (grabberd's notification
 *	without the daemon, the ring or libgrab).
 *
 * A sixth argument "dma" replaces the pattern fill by a DMA stand-in that
 * writes 8 bytes (see dma-standin.c), so that only delivery is measured.
 * The timestamp of a frame is taken when its pixels are written, as
 * grabberd's test source does, so latencies compare like with like.
 * Runs until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "copy-proto.h"
#include "grab-format.h"
#include "grab-pattern.h"

static struct grab_format fmt;
static uint32_t fps;
static bool dma;
static volatile sig_atomic_t quit;

/* socket mode: the global frame (mjpg-streamer's pglobal->in[0].buf) */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t update = PTHREAD_COND_INITIALIZER;
static uint8_t *global_buf;
static struct copy_hdr global_hdr;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_signal(int sig)
{
	quit = 1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One client: wait for a newer frame, copy it out, send it. */
static void *client_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *buf = malloc(fmt.sizeimage);
	struct copy_hdr h;
	uint64_t last = UINT64_MAX;

	if (!buf)
		goto out;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (global_hdr.magic != COPY_MAGIC ||
		       global_hdr.sequence == last)
			pthread_cond_wait(&update, &lock);
		h = global_hdr;
		memcpy(buf, global_buf, h.bytes);
		pthread_mutex_unlock(&lock);
		last = h.sequence;
		if (write_all(fd, &h, sizeof(h)) || write_all(fd, buf, h.bytes))
			break;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

static void *accept_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_attr_t attr;
		pthread_t th;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, client_thread,
				   (void *)(intptr_t)fd))
			close(fd);
		pthread_attr_destroy(&attr);
	}
}

/* The frame's pixels, or the DMA stand-in's 8 bytes. */
static void fill(void *buf, uint64_t n)
{
	if (dma)
		memcpy(buf, &n, sizeof(n));
	else
		grab_pattern_fill(buf, &fmt, n);
}

static int listen_on(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128))
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct copy_hdr *shm = NULL;
	uint8_t *scratch = NULL;
	int notify_fds[1024], nnotify = 0, lfd = -1;
	bool memsink, notify;
	int shm_fd = -1;
	uint64_t start, n, seq = 0;
	pthread_t th;

	if ((argc != 6 && argc != 7) ||
	    (strcmp(argv[1], "socket") && strcmp(argv[1], "memsink") &&
	     strcmp(argv[1], "notify"))) {
		fprintf(stderr,
			"usage: copy-server socket|memsink|notify PATH|NAME W H FPS [dma]\n");
		return 2;
	}
	memsink = !strcmp(argv[1], "memsink");
	notify = !strcmp(argv[1], "notify");
	dma = argc == 7 && !strcmp(argv[6], "dma");
	fmt.width = (uint32_t)atoi(argv[3]);
	fmt.height = (uint32_t)atoi(argv[4]);
	fmt.fourcc = GRAB_FMT_YUYV;
	fps = (uint32_t)atoi(argv[5]);
	if (grab_format_complete(&fmt) || !fps) {
		fprintf(stderr, "copy-server: bad geometry\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (memsink) {
		size_t size = COPY_SHM_DATA + fmt.sizeimage;

		shm_unlink(argv[2]);
		shm_fd = shm_open(argv[2],
				  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (shm_fd < 0 || ftruncate(shm_fd, (off_t)size)) {
			perror("copy-server: shm");
			return 1;
		}
		shm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   shm_fd, 0);
		scratch = malloc(fmt.sizeimage);
		if (shm == MAP_FAILED || !scratch) {
			perror("copy-server: mmap");
			return 1;
		}
	} else if (notify) {
		lfd = listen_on(argv[2], SOCK_SEQPACKET | SOCK_NONBLOCK);
		if (lfd < 0) {
			perror("copy-server: listen");
			return 1;
		}
	} else {
		lfd = listen_on(argv[2], SOCK_STREAM);
		global_buf = malloc(fmt.sizeimage);
		if (lfd < 0 || !global_buf ||
		    pthread_create(&th, NULL, accept_thread,
				   (void *)(intptr_t)lfd)) {
			perror("copy-server: listen");
			return 1;
		}
	}
	printf("READY\n");
	fflush(stdout);

	start = now_ns();
	for (n = 0; !quit; n++) {
		uint64_t due = start + n * 1000000000u / fps, now = now_ns();
		struct timespec ts = { (time_t)(due / 1000000000u),
				       (long)(due % 1000000000u) };

		if (due + 1000000000u / fps < now) {
			/* Late: skip to the frame due now, as grabberd does. */
			n = (now - start) * fps / 1000000000u;
			continue;
		}
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				    NULL) == EINTR)
			continue;
		/* Sequences count frames made, contiguous as grabberd's ring's:
		 * a gap a client sees is a frame it lost, not one never made. */
		seq++;
		if (notify) {
			struct copy_hdr h = { COPY_MAGIC, 0, seq, now_ns() };
			int fd, i;

			while (nnotify < 1024 &&
			       (fd = accept4(lfd, NULL, NULL,
					     SOCK_CLOEXEC | SOCK_NONBLOCK)) >=
				       0)
				notify_fds[nnotify++] = fd;
			for (i = 0; i < nnotify; i++)
				send(notify_fds[i], &h, sizeof(h),
				     MSG_DONTWAIT | MSG_NOSIGNAL);
		} else if (memsink) {
			/* The capture (or encoder) output, then the copy into the sink. */
			fill(scratch, seq);
			if (flock(shm_fd, LOCK_EX))
				continue;
			memcpy(copy_shm_data(shm), scratch, fmt.sizeimage);
			shm->sequence = seq;
			shm->timestamp_ns = now_ns();
			shm->bytes = fmt.sizeimage;
			shm->magic = COPY_MAGIC;
			flock(shm_fd, LOCK_UN);
		} else {
			pthread_mutex_lock(&lock);
			fill(global_buf, seq);
			global_hdr.sequence = seq;
			global_hdr.timestamp_ns = now_ns();
			global_hdr.bytes = fmt.sizeimage;
			global_hdr.magic = COPY_MAGIC;
			pthread_cond_broadcast(&update);
			pthread_mutex_unlock(&lock);
		}
	}
	if (memsink)
		shm_unlink(argv[2]);
	else
		unlink(argv[2]);
	return 0;
}
