// SPDX-License-Identifier: MIT
/*
 * fault-inject.so: an LD_PRELOAD interposer that makes grabberd's system
 * calls fail on purpose, for the faults tier (tests/faults/run.sh).  The
 * product is not changed; only what the C library answers it.
 *
 * Environment (each off when unset):
 *
 *   GRAB_FAULT_MEMFD=NAME[:N]   memfd_create() of a name containing NAME
 *                               fails with ENOMEM (the first N times; all
 *                               times without :N)
 *   GRAB_FAULT_MMAP=NAME[:N]    a writable shared mmap() of a memfd whose
 *                               name contains NAME fails with ENOMEM
 *   GRAB_FAULT_SCM=SKIP:N       sendmsg() passing an fd (SCM_RIGHTS): let
 *                               SKIP through, then fail N with ETOOMANYREFS
 *   GRAB_FAULT_FAKEDEV=PATH     PATH behaves like a grab.ko device
 *                               (/dev/grabN): 320x240 YUYV, 4 slots, 30 fps,
 *                               the test pattern in a memfd ring, one event
 *                               record per frame on a pipe
 *   GRAB_FAULT_READ_EIO=N:M     read() on that fake device fails with EIO
 *                               after N events were read, M times
 *   GRAB_FAULT_SIGNALS=1        install a handler (no SA_RESTART) for
 *                               SIGWINCH, SIGCHLD and SIGURG, so that those
 *                               signals interrupt blocking calls with EINTR
 *                               (their default is to be ignored: no EINTR)
 *   GRAB_FAULT_SLOW_RECV=US     recvmsg() sleeps US microseconds first (a
 *                               client slower than a peer flooding it)
 *   GRAB_FAULT_LOG=FILE         one line per injected fault (to count them)
 *
 * Each injected fault appends "FAULT <what>" to GRAB_FAULT_LOG, so a test
 * can tell that the fault really happened.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/grab.h>

#include "grab-format.h"
#include "grab-pattern.h"
#include "grab-ring.h"

#define MAX_FDS 4096

static volatile sig_atomic_t signals_seen;
static void fault_log_signals(void);

static void count_signal(int sig)
{
	signals_seen++;
}

static void report_signals(void)
{
	if (getenv("GRAB_FAULT_SIGNALS"))
		fault_log_signals();
}

__attribute__((constructor)) static void fault_init(void)
{
	struct sigaction sa;

	if (!getenv("GRAB_FAULT_SIGNALS"))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_signal; /* no SA_RESTART: calls see EINTR */
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGURG, &sa, NULL);
	atexit(report_signals);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char memfd_name[MAX_FDS][64]; /* name of each fd memfd_create made */

static void fault_log(const char *fmt, ...)
{
	const char *path = getenv("GRAB_FAULT_LOG");
	char line[256];
	va_list ap;
	int fd, n;

	if (!path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, n) < 0) {
		/* nothing to do about it */
	}
	close(fd);
}

/* At exit: how many signals the handler caught (a storm really arrived). */
static void fault_log_signals(void)
{
	fault_log("SIGNALS %d pid %d", (int)signals_seen, (int)getpid());
}

/* "NAME[:N]": does @s match NAME, and is there a failure left? */
static int take_fault(const char *env, const char *s, int *used)
{
	const char *v = getenv(env);
	char name[64];
	const char *colon;
	int limit = -1;

	if (!v || !s)
		return 0;
	colon = strchr(v, ':');
	snprintf(name, sizeof(name), "%.*s",
		 colon ? (int)(colon - v) : (int)strlen(v), v);
	if (colon)
		limit = atoi(colon + 1);
	if (!strstr(s, name))
		return 0;
	if (limit >= 0 && *used >= limit)
		return 0;
	(*used)++;
	return 1;
}

int memfd_create(const char *name, unsigned int flags)
{
	static int (*real)(const char *, unsigned int);
	static int used;
	int fd, hit;

	if (!real)
		real = (int (*)(const char *,
				unsigned int))dlsym(RTLD_NEXT, "memfd_create");
	pthread_mutex_lock(&lock);
	hit = take_fault("GRAB_FAULT_MEMFD", name, &used);
	pthread_mutex_unlock(&lock);
	if (hit) {
		fault_log("FAULT memfd_create %s", name);
		errno = ENOMEM;
		return -1;
	}
	fd = real(name, flags);
	if (fd >= 0 && fd < MAX_FDS)
		snprintf(memfd_name[fd], sizeof(memfd_name[fd]), "%s", name);
	return fd;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real)(void *, size_t, int, int, int, off_t);
	static int used;
	int hit = 0;

	if (!real)
		real = (void *(*)(void *, size_t, int, int, int,
				  off_t))dlsym(RTLD_NEXT, "mmap");
	if (fd >= 0 && fd < MAX_FDS && memfd_name[fd][0] &&
	    (prot & PROT_WRITE) && (flags & MAP_SHARED)) {
		pthread_mutex_lock(&lock);
		hit = take_fault("GRAB_FAULT_MMAP", memfd_name[fd], &used);
		pthread_mutex_unlock(&lock);
	}
	if (hit) {
		fault_log("FAULT mmap %s", memfd_name[fd]);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return real(addr, len, prot, flags, fd, off);
}

/* ---- a fake /dev/grabN -------------------------------------------------- */

static struct {
	int memfd;
	void *mem;
	struct grab_ring_producer prod;
	struct grab_format fmt;
	int pipe_r, pipe_w; /* event records; pipe_r is the control fd */
	int streaming;
	uint64_t events_read;
	int eio_done;
	struct grab_layout layout;
	pthread_t thread;
} fake = { .memfd = -1, .pipe_r = -1, .pipe_w = -1 };

static int (*real_close)(int);
static int (*real_open)(const char *, int, ...);

static void *fake_thread(void *arg)
{
	struct timespec ts = { 0, 1000000000 / 30 };

	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&lock);
		if (fake.streaming && fake.pipe_w >= 0) {
			struct grab_event ev = { 0 };
			struct timespec now;
			uint64_t seq = fake.prod.next;
			void *px = grab_ring_begin(&fake.prod);

			grab_pattern_fill(px, &fake.fmt, seq);
			clock_gettime(CLOCK_MONOTONIC, &now);
			ev.sequence = seq;
			ev.timestamp_ns = (uint64_t)now.tv_sec * 1000000000u +
					  now.tv_nsec;
			ev.slot = (uint32_t)(seq % fake.prod.nslots);
			ev.bytesused = fake.fmt.sizeimage;
			grab_ring_commit(&fake.prod, fake.fmt.sizeimage,
					 ev.timestamp_ns, 0);
			/* A full pipe loses the event, like a slow reader. */
			if (write(fake.pipe_w, &ev, sizeof(ev)) < 0) {
				/* dropped */
			}
		}
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

/* Called with the lock held. */
static int fake_setup(void)
{
	static int (*real_memfd)(const char *, unsigned int);
	struct grab_layout layout;

	if (fake.memfd >= 0)
		return 0;
	if (!real_memfd)
		real_memfd = (int (*)(const char *, unsigned int))dlsym(
			RTLD_NEXT, "memfd_create");
	memset(&fake.fmt, 0, sizeof(fake.fmt));
	fake.fmt.width = 320;
	fake.fmt.height = 240;
	fake.fmt.fourcc = GRAB_FMT_YUYV;
	grab_format_complete(&fake.fmt);
	if (grab_ring_plan(&fake.fmt, 4, &layout))
		return -1;
	fake.layout = layout;
	fake.memfd =
		real_memfd("fake-grab-device", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fake.memfd < 0 || ftruncate(fake.memfd, layout.ring_size) < 0 ||
	    fcntl(fake.memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return -1;
	fake.mem = mmap(NULL, layout.ring_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, fake.memfd, 0);
	if (fake.mem == MAP_FAILED)
		return -1;
	if (grab_ring_producer_init(&fake.prod, fake.mem, layout.ring_size,
				    &fake.fmt, 4, 30, 1))
		return -1;
	return pthread_create(&fake.thread, NULL, fake_thread, NULL) ? -1 : 0;
}

static int fake_open(const char *path, int flags)
{
	const char *dev = getenv("GRAB_FAULT_FAKEDEV");
	char proc[64];
	int fds[2], ret = -2;

	if (!dev || strcmp(path, dev))
		return -2;
	pthread_mutex_lock(&lock);
	if (fake_setup()) {
		errno = ENODEV;
		ret = -1;
	} else if ((flags & O_ACCMODE) == O_RDONLY) {
		/* The ring fd for clients: read only, like the device's. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fake.memfd);
		ret = real_open(proc, O_RDONLY | O_CLOEXEC);
	} else if (fake.pipe_r >= 0) {
		errno = EBUSY;
		ret = -1;
	} else if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
		fake.pipe_r = fds[0];
		fake.pipe_w = fds[1];
		ret = fds[0];
	} else {
		ret = -1;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
								   "open");
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fd = fake_open(path, flags);
	if (fd != -2)
		return fd;
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int close(int fd)
{
	if (!real_close)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (fd >= 0 && fd < MAX_FDS)
		memfd_name[fd][0] = 0;
	pthread_mutex_lock(&lock);
	if (fd >= 0 && fd == fake.pipe_r) {
		real_close(fake.pipe_w);
		fake.pipe_r = fake.pipe_w = -1;
		fake.streaming = 0;
	}
	pthread_mutex_unlock(&lock);
	return real_close(fd);
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	void *arg;
	va_list ap;
	int ret = 0;

	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT,
							       "ioctl");
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&lock);
	if (fd < 0 || fd != fake.pipe_r) {
		pthread_mutex_unlock(&lock);
		return real(fd, req, arg);
	}
	switch (req) {
	case GRAB_IOC_INFO: {
		struct grab_info *info = arg;

		memset(info, 0, sizeof(*info));
		info->abi_version = GRAB_ABI_VERSION;
		info->nslots = fake.prod.nslots;
		info->slot_stride = fake.layout.slot_stride;
		info->ring_size = fake.layout.ring_size;
		info->format = fake.fmt;
		info->fps_num = 30;
		info->fps_den = 1;
		info->data_offset = fake.layout.data_offset;
		info->flags = fake.streaming ? GRAB_INFO_STREAMING : 0;
		break;
	}
	case GRAB_IOC_STREAMON:
		fake.streaming = 1;
		grab_ring_set_streaming(&fake.prod, true);
		break;
	case GRAB_IOC_STREAMOFF:
		fake.streaming = 0;
		grab_ring_set_streaming(&fake.prod, false);
		break;
	case GRAB_IOC_STATS:
		memset(arg, 0, sizeof(struct grab_stats));
		((struct grab_stats *)arg)->frames = fake.prod.next;
		break;
	default:
		errno = req == GRAB_IOC_S_FMT ? EBUSY : ENOTTY;
		ret = -1;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

ssize_t read(int fd, void *buf, size_t len)
{
	static ssize_t (*real)(int, void *, size_t);
	const char *v = getenv("GRAB_FAULT_READ_EIO");
	ssize_t n;

	if (!real)
		real = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT,
							      "read");
	if (fd < 0 || fd != fake.pipe_r || !v)
		return real(fd, buf, len);
	pthread_mutex_lock(&lock);
	if (fake.events_read >= strtoull(v, NULL, 10) &&
	    fake.eio_done < atoi(strchr(v, ':') ? strchr(v, ':') + 1 : "1")) {
		fake.eio_done++;
		fake.events_read = 0;
		pthread_mutex_unlock(&lock);
		fault_log("FAULT read EIO");
		errno = EIO;
		return -1;
	}
	pthread_mutex_unlock(&lock);
	n = real(fd, buf, len);
	if (n > 0) {
		pthread_mutex_lock(&lock);
		fake.events_read += (size_t)n / sizeof(struct grab_event);
		pthread_mutex_unlock(&lock);
	}
	return n;
}

ssize_t sendmsg(int fd, const struct msghdr *mh, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);
	static int seen;
	const char *v = getenv("GRAB_FAULT_SCM");
	int hit = 0;

	if (!real)
		real = (ssize_t(*)(int, const struct msghdr *,
				   int))dlsym(RTLD_NEXT, "sendmsg");
	if (v && mh->msg_controllen) {
		struct cmsghdr *cm = CMSG_FIRSTHDR((struct msghdr *)mh);
		int skip = atoi(v),
		    n = strchr(v, ':') ? atoi(strchr(v, ':') + 1) : 1;

		if (cm && cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			pthread_mutex_lock(&lock);
			seen++;
			hit = seen > skip && seen <= skip + n;
			pthread_mutex_unlock(&lock);
		}
	}
	if (hit) {
		fault_log("FAULT sendmsg SCM_RIGHTS");
		errno = ETOOMANYREFS;
		return -1;
	}
	return real(fd, mh, flags);
}

/*
 * GRAB_FAULT_SLOW_RECV=US: every recvmsg() (libgrab reads the daemon's
 * messages with it) first sleeps US microseconds: a client slower than a
 * peer that floods it, as on a loaded machine, so that its queue never runs
 * dry and only a deadline can end a call.
 */
ssize_t recvmsg(int fd, struct msghdr *mh, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);
	const char *v = getenv("GRAB_FAULT_SLOW_RECV");

	if (!real)
		real = (ssize_t(*)(int, struct msghdr *, int))dlsym(RTLD_NEXT,
								    "recvmsg");
	if (v) {
		struct timespec ts = { 0, atol(v) * 1000 };

		nanosleep(&ts, NULL);
	}
	return real(fd, mh, flags);
}
