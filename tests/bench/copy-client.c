// SPDX-License-Identifier: MIT
/*
 * Readers of the copying baselines (see copy-server.c):
 *
 *   copy-client socket PATH	read each header and frame off the socket
 *				into a private buffer
 *   copy-client notify PATH	the floor: receive each 32-byte header off
 *				a SOCK_SEQPACKET socket, nothing else
 *   copy-client memsink NAME	µStreamer memsink reader: take the lock
 *				(flock, retried every 1 ms), copy the frame
 *				out if its id changed, unlock; sleep 1 ms
 *				when there was nothing new
 *
 * The latency of a frame is taken once its last byte is in the private
 * buffer; see bench-client.h for the signals and the RESULT line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "bench-client.h"
#include "copy-proto.h"

/* 1: got it all, 0: stop asked, -1: error or end. */
static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR) {
			if (bench_stop)
				return 0;
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

static int connect_to(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("copy-client: connect");
		return -1;
	}
	return fd;
}

static int run_notify(const char *path, struct bench_rec *rec)
{
	int fd = connect_to(path, SOCK_SEQPACKET);
	struct copy_hdr h;

	if (fd < 0)
		return 1;
	while (!bench_stop) {
		ssize_t n = recv(fd, &h, sizeof(h), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(h) || h.magic != COPY_MAGIC)
			break;
		bench_frame(rec, h.sequence, h.timestamp_ns, -1);
	}
	return bench_stop ? 0 : 1;
}

static int run_socket(const char *path, struct bench_rec *rec)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	struct copy_hdr h;
	int fd, ret;

	fd = connect_to(path, SOCK_STREAM);
	if (fd < 0)
		return 1;
	while (!bench_stop) {
		ret = read_all(fd, &h, sizeof(h));
		if (ret <= 0)
			break;
		if (h.magic != COPY_MAGIC)
			return 1;
		if (h.bytes > cap) {
			free(buf);
			cap = h.bytes;
			buf = malloc(cap);
			if (!buf)
				return 1;
		}
		ret = read_all(fd, buf, h.bytes);
		if (ret <= 0)
			break;
		bench_frame(rec, h.sequence, h.timestamp_ns, -1);
	}
	return bench_stop ? 0 : 1;
}

static int run_memsink(const char *name, struct bench_rec *rec)
{
	uint64_t last = UINT64_MAX;
	struct copy_hdr *mem;
	uint8_t *buf = NULL;
	size_t cap = 0;
	struct stat st;
	int fd;

	fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st)) {
		perror("copy-client: shm_open");
		return 1;
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		perror("copy-client: mmap");
		return 1;
	}
	while (!bench_stop) {
		bool got = false;

		/* µStreamer's us_flock_timedwait_monotonic(): try, sleep 1 ms. */
		while (flock(fd, LOCK_EX | LOCK_NB)) {
			if (bench_stop)
				return 0;
			usleep(1000);
		}
		if (mem->magic == COPY_MAGIC && mem->sequence != last) {
			if (mem->bytes > cap) {
				free(buf);
				cap = mem->bytes;
				buf = malloc(cap);
				if (!buf)
					return 1;
			}
			memcpy(buf, copy_shm_data(mem), mem->bytes);
			last = mem->sequence;
			bench_frame(rec, mem->sequence, mem->timestamp_ns, -1);
			got = true;
		}
		flock(fd, LOCK_UN);
		if (!got)
			usleep(1000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_rec rec;
	int ret;

	if (argc != 3) {
		fprintf(stderr,
			"usage: copy-client socket PATH | notify PATH | memsink NAME\n");
		return 2;
	}
	bench_init(&rec);
	if (!strcmp(argv[1], "socket"))
		ret = run_socket(argv[2], &rec);
	else if (!strcmp(argv[1], "notify"))
		ret = run_notify(argv[2], &rec);
	else if (!strcmp(argv[1], "memsink"))
		ret = run_memsink(argv[2], &rec);
	else
		ret = 2;
	if (ret)
		return ret;
	bench_finish(&rec, argv[1]);
	return 0;
}
