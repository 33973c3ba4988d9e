// SPDX-License-Identifier: MIT
/*
 * grab.ko tests, run inside the QEMU guest by tests/kernel/guest-init.sh.
 *
 *   grab-ktest <test> [args]
 *
 * Each test prints TAP lines and exits non-zero when one failed.  Every
 * check looks at content: frames are compared byte for byte with the
 * pattern, events and counters against exact expected values.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ktest-util.h"

/* ---- info: the device describes what the module parameters asked for */

/* Any name of the format table. */
static uint32_t parse_fourcc(const char *s)
{
	return grab_format_from_name(s);
}

static int test_info(int argc, char **argv)
{
	int ndev, i;
	uint32_t slots, w, h, fourcc, fps;

	if (argc < 7) {
		fprintf(stderr, "usage: info NDEV SLOTS W H FMT FPS\n");
		return 2;
	}
	ndev = atoi(argv[1]);
	slots = atoi(argv[2]);
	w = atoi(argv[3]);
	h = atoi(argv[4]);
	fourcc = parse_fourcc(argv[5]);
	fps = atoi(argv[6]);

	for (i = 0; i < ndev; i++) {
		struct grab_format fmt = { .width = w,
					   .height = h,
					   .fourcc = fourcc };
		struct grab_ring_reader r;
		struct grab_layout lay = { 0 };
		struct grab_info info;
		struct grab_stats st;
		char buf[64], want[64];
		size_t len = 0;
		void *map;
		int fd = dev_open(i, O_RDWR);

		if (!ok(fd >= 0, "info: /dev/grab%d opens", i))
			continue;
		grab_format_complete(&fmt);
		grab_ring_layout(&fmt, slots, getpagesize(), &lay);
		ok(dev_info(fd, &info) == 0, "info: GRAB_IOC_INFO on grab%d",
		   i);
		ok(info.abi_version == GRAB_ABI_VERSION &&
			   info.index == (uint32_t)i,
		   "info: grab%d abi %u index %u", i, info.abi_version,
		   info.index);
		ok(info.nslots == slots && info.format.width == w &&
			   info.format.height == h &&
			   info.format.fourcc == fourcc &&
			   info.fps_num == fps && info.fps_den == 1,
		   "info: grab%d %ux%u %s %u slots %u/%u fps matches the parameters",
		   i, info.format.width, info.format.height,
		   grab_format_name(info.format.fourcc), info.nslots,
		   info.fps_num, info.fps_den);
		ok(info.format.bytesperline == fmt.bytesperline &&
			   info.format.sizeimage == fmt.sizeimage &&
			   info.format.nplanes == fmt.nplanes &&
			   !memcmp(info.format.planes, fmt.planes,
				   sizeof(fmt.planes)) &&
			   info.ring_size == lay.ring_size &&
			   info.slot_stride == lay.slot_stride &&
			   info.data_offset == lay.data_offset,
		   "info: grab%d layout and %u planes match grab_ring_layout and the table (ring %llu bytes)",
		   i, info.format.nplanes, (unsigned long long)info.ring_size);
		ok(info.flags == 0 && !info.reserved[0] && !info.reserved[1] &&
			   !info.reserved[2] && !info.reserved[3] &&
			   !info.format.reserved[0],
		   "info: grab%d idle, reserved fields zero", i);

		map = ring_map(fd, &r, &len);
		if (ok(map != NULL,
		       "info: grab%d ring maps and its header validates", i)) {
			ok(r.nslots == slots &&
				   r.slot_stride == info.slot_stride &&
				   r.data_offset == info.data_offset &&
				   !memcmp(&r.format, &info.format,
					   sizeof(r.format)) &&
				   r.hdr->fps_num == fps &&
				   r.hdr->format_gen >= 1,
			   "info: grab%d ring header agrees with GRAB_IOC_INFO",
			   i);
			dev_info(fd, &info);
			ok(info.flags == GRAB_INFO_MAPPED,
			   "info: grab%d reports MAPPED while mapped", i);
			ok(sysfs_num(i, "mappings") == 1,
			   "info: grab%d sysfs mappings = 1", i);
			dev_stats(fd, &st);
			ok(st.mappings == 1 && st.open_files == 1 &&
				   st.frames == grab_ring_head(&r),
			   "info: grab%d stats: %u mappings %u files %llu frames",
			   i, st.mappings, st.open_files,
			   (unsigned long long)st.frames);
			munmap(map, len);
		}
		snprintf(want, sizeof(want), "%ux%u %s", w, h,
			 grab_format_name(fourcc));
		ok(read_sysfs(i, "format", buf, sizeof(buf)) == 0 &&
			   !strcmp(buf, want),
		   "info: grab%d sysfs format '%s'", i, buf);
		ok(sysfs_num(i, "open_files") == 1 &&
			   sysfs_num(i, "mappings") == 0,
		   "info: grab%d sysfs open_files 1, mappings 0 after munmap",
		   i);
		close(fd);
	}
	ok(dev_open(ndev, O_RDONLY) < 0 && errno == ENOENT,
	   "info: no /dev/grab%d beyond devices=%d", ndev, ndev);
	return done_testing();
}

/* ---- independent: two devices share nothing */

static int test_independent(int argc, char **argv)
{
	int a = dev_open(0, O_RDWR), b = dev_open(1, O_RDWR);
	struct grab_stats sa0, sb0, sa1, sb1;
	struct grab_info ia0, ia1, ib;
	struct grab_ring_reader ra, rb;
	struct grab_ring_frame f;
	struct grab_event ev;
	size_t la = 0, lb = 0;
	void *ma, *mb;
	int i, good;

	if (!ok(a >= 0 && b >= 0, "independent: grab0 and grab1 open"))
		return done_testing();
	fcntl(b, F_SETFL, O_NONBLOCK);
	dev_info(a, &ia0);
	ok(dev_set_format(b, 64, 48, GRAB_FMT_GREY) == 0,
	   "independent: S_FMT 64x48 GREY on grab1");
	dev_info(a, &ia1);
	dev_info(b, &ib);
	ok(!memcmp(&ia0, &ia1, sizeof(ia0)) && ib.format.width == 64 &&
		   ib.format.fourcc == GRAB_FMT_GREY,
	   "independent: grab0 keeps %ux%u while grab1 is %ux%u",
	   ia1.format.width, ia1.format.height, ib.format.width,
	   ib.format.height);

	ma = ring_map(a, &ra, &la);
	mb = ring_map(b, &rb, &lb);
	if (!ok(ma && mb, "independent: both rings map"))
		return done_testing();
	dev_stats(a, &sa0);
	dev_stats(b, &sb0);
	ok(dev_produce(0, 3) == 0, "independent: produce 3 on grab0");
	dev_stats(a, &sa1);
	dev_stats(b, &sb1);
	ok(sa1.frames == sa0.frames + 3 && sb1.frames == sb0.frames &&
		   grab_ring_head(&rb) == sb0.frames,
	   "independent: grab0 counted 3 frames, grab1 none");
	ok(read(b, &ev, sizeof(ev)) < 0 && errno == EAGAIN,
	   "independent: grab1 has no event for grab0's frames");
	ok(ioctl(a, GRAB_IOC_STREAMON) == 0, "independent: STREAMON grab0");
	dev_info(b, &ib);
	ok(!(ib.flags & GRAB_INFO_STREAMING),
	   "independent: grab1 not streaming");
	ioctl(a, GRAB_IOC_STREAMOFF);
	ok(dev_produce(1, 2) == 0, "independent: produce 2 on grab1");
	good = 0;
	for (i = 0; i < 2; i++)
		if (grab_ring_next(&rb, &f, NULL) == 0 &&
		    frame_check(&rb, &f) == -1 &&
		    grab_ring_frame_intact(&rb, &f))
			good++;
	ok(good == 2, "independent: grab1's 64x48 GREY frames verify (%d/2)",
	   good);
	good = 0;
	while (grab_ring_next(&ra, &f, NULL) == 0)
		if (frame_check(&ra, &f) == -1 &&
		    grab_ring_frame_intact(&ra, &f))
			good++;
	ok(good >= 3,
	   "independent: grab0's frames verify in its own format (%d)", good);
	munmap(ma, la);
	munmap(mb, lb);
	close(a);
	close(b);
	return done_testing();
}

/* ---- frames: mapping, read() events, missed counts, bad buffers */

static int test_frames(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int fd = dev_open(dev, O_RDWR | O_NONBLOCK);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	struct grab_event ev[8];
	uint64_t head0, missed, last_ts = 0;
	int i, k, good = 0, in_order = 1, total = 0;
	size_t len = 0;
	ssize_t n;
	void *map, *bad, *volatile nowhere = NULL;

	if (!ok(fd >= 0, "frames: open grab%d", dev))
		return done_testing();
	map = ring_map(fd, &r, &len);
	if (!ok(map != NULL, "frames: map the whole ring read-only"))
		return done_testing();
	head0 = grab_ring_head(&r);
	ok(read(fd, ev, sizeof(ev)) < 0 && errno == EAGAIN,
	   "frames: read() with no new frame: EAGAIN");

	/* 20 rounds of 2 frames: every frame and every event, in order. */
	for (k = 0; k < 20; k++) {
		if (dev_produce(dev, 2))
			break;
		for (i = 0; i < 2; i++) {
			if (grab_ring_next(&r, &f, &missed) || missed)
				continue;
			if (f.sequence == head0 + total &&
			    frame_check(&r, &f) == -1 &&
			    grab_ring_frame_intact(&r, &f) &&
			    f.timestamp_ns >= last_ts &&
			    f.timestamp_ns <= now_ns())
				good++;
			last_ts = f.timestamp_ns;
			total++;
		}
		n = read(fd, ev, sizeof(ev));
		if (n != 2 * (ssize_t)sizeof(ev[0]))
			in_order = 0;
		for (i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++) {
			uint64_t want = head0 + 2 * k + i;

			if (ev[i].sequence != want || ev[i].missed ||
			    ev[i].slot != want % r.nslots ||
			    ev[i].bytesused != r.format.sizeimage ||
			    ev[i].flags || ev[i].reserved[0])
				in_order = 0;
		}
	}
	ok(good == 40,
	   "frames: 40 frames through the mapping verify byte for byte (%d)",
	   good);
	ok(in_order,
	   "frames: 40 read() events in order, missed 0, right slot and size");

	/* Fall behind by nslots + 3: exactly 3 missed, then the rest. */
	dev_produce(dev, r.nslots + 3);
	n = read(fd, ev, sizeof(ev));
	ok(n == (ssize_t)(r.nslots * sizeof(ev[0])) && ev[0].missed == 3 &&
		   ev[0].sequence == head0 + 43 && ev[1].missed == 0 &&
		   ev[r.nslots - 1].sequence == head0 + 42 + r.nslots,
	   "frames: after nslots+3 frames, read() reports missed 3 then %u events",
	   r.nslots);
	missed = 0;
	ok(grab_ring_next(&r, &f, &missed) == 0 && missed == 3 &&
		   f.sequence == head0 + 43 && frame_check(&r, &f) == -1,
	   "frames: the mapping reader also misses exactly 3 (%llu)",
	   (unsigned long long)missed);
	while (grab_ring_next(&r, &f, NULL) == 0)
		;

	/* Short buffers and bad pointers. */
	dev_produce(dev, 1);
	ok(read(fd, ev, sizeof(ev[0]) - 1) < 0 && errno == EINVAL,
	   "frames: read() into a buffer smaller than an event: EINVAL");
	ok(read(fd, nowhere, sizeof(ev[0])) < 0 && errno == EFAULT,
	   "frames: read() into NULL: EFAULT");
	bad = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(read(fd, bad, sizeof(ev[0])) < 0 && errno == EFAULT,
	   "frames: read() into read-only memory: EFAULT");
	ok(read(fd, map, sizeof(ev[0])) < 0 && errno == EFAULT,
	   "frames: read() into the ring mapping itself: EFAULT");
	munmap(bad, 4096);
	n = read(fd, ev, sizeof(ev));
	ok(n == sizeof(ev[0]) && ev[0].sequence == head0 + 43 + r.nslots &&
		   ev[0].missed == 0,
	   "frames: the event survives the failed reads");
	/* Several readers of the same file share one cursor. */
	dev_produce(dev, 1);
	n = read(fd, ev, sizeof(ev));
	ok(n == sizeof(ev[0]) && ev[0].sequence == head0 + 44 + r.nslots,
	   "frames: next event follows");
	munmap(map, len);
	close(fd);
	return done_testing();
}

/* ---- poll: sleeps without frames, wakes on one */

struct poll_arg {
	int fd;
	int ret;
	short revents;
	int polling; /* set just before it polls */
	double waited;
};

static void *poller(void *p)
{
	struct poll_arg *a = p;
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	double t0 = now_s();

	__atomic_store_n(&a->polling, 1, __ATOMIC_RELEASE);
	a->ret = poll(&pfd, 1, 10000);
	a->revents = pfd.revents;
	a->waited = now_s() - t0;
	return NULL;
}

static int test_poll(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int fd = dev_open(dev, O_RDWR), fd2 = dev_open(dev, O_RDWR);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct poll_arg a = { .fd = fd };
	struct grab_event ev;
	pthread_t t;
	double t0;

	if (!ok(fd >= 0 && fd2 >= 0, "poll: open grab%d twice", dev))
		return done_testing();
	ok(poll(&pfd, 1, 100) == 0, "poll: no frame, times out");
	/* The thread may start late on a loaded machine: produce 300 ms
	 * after it is about to poll.  Its poll's own 10 s is the deadline. */
	pthread_create(&t, NULL, poller, &a);
	for (int i = 0;
	     i < 1000 && !__atomic_load_n(&a.polling, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	usleep(300000);
	dev_produce(dev, 1);
	pthread_join(t, NULL);
	ok(a.ret == 1 && (a.revents & POLLIN) && a.waited > 0.2,
	   "poll: a sleeping poll wakes on produce (ret %d after %.2f s)",
	   a.ret, a.waited);
	ok(read(fd, &ev, sizeof(ev)) == sizeof(ev),
	   "poll: the event is readable");
	ok(poll(&pfd, 1, 0) == 0, "poll: not readable once read");

	/* Streaming: a blocking read wakes on the engine's frame. */
	ok(ioctl(fd, GRAB_IOC_STREAMON) == 0, "poll: STREAMON");
	t0 = now_s();
	a.ret = -1;
	pthread_create(&t, NULL, poller, &a);
	pthread_join(t, NULL);
	ok(a.ret == 1 && read(fd, &ev, sizeof(ev)) == sizeof(ev),
	   "poll: the capture engine wakes pollers (%.2f s, within the poll's 10 s)",
	   now_s() - t0);
	ok(ioctl(fd, GRAB_IOC_STREAMOFF) == 0, "poll: STREAMOFF");
	close(fd);
	close(fd2);
	return done_testing();
}

/* ---- readers: several processes each see every frame while streaming */

static int reader_child(int dev, int ready_w, int go_r, int result_w)
{
	int fd = dev_open(dev, O_RDWR);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	struct grab_event ev;
	size_t len = 0;
	uint64_t first, expect, stop = 0;
	long bad = 0, seen = 0, missed = 0, overwritten = 0;
	char c = 0;
	long res[5];

	if (fd < 0 || !ring_map(fd, &r, &len))
		_exit(3);
	first = expect = grab_ring_head(&r);
	if (write(ready_w, &c, 1) != 1)
		_exit(3);
	/* The parent sends the final head once streaming stopped. */
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = go_r, .events = POLLIN },
		};

		if (poll(pfd, 2, 10000) <= 0)
			break;
		if (pfd[0].revents & POLLIN) {
			if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
				break;
			/* A reader descheduled for longer than its event
			 * queue holds is told how many events it missed:
			 * a loss, reported, not a bad sequence. */
			missed += ev.missed;
			if (ev.sequence != expect + ev.missed)
				bad++;
			expect = ev.sequence + 1;
			/*
			 * A reader the machine descheduled for nslots frames
			 * finds its frame overwritten (the seqlock says so):
			 * a loss, counted, not a bad frame.  Only a frame
			 * still intact after its check and not the pattern
			 * is bad.
			 */
			if (grab_ring_read(&r, ev.sequence, &f) != 0)
				overwritten++;
			else if (frame_check(&r, &f) == -1)
				seen++;
			else if (!grab_ring_frame_intact(&r, &f))
				overwritten++;
			else
				bad++;
			continue;
		}
		if (pfd[1].revents) {
			if (read(go_r, &stop, sizeof(stop)) != sizeof(stop))
				break;
			if (expect >= stop)
				break;
		}
	}
	res[0] = seen;
	res[1] = bad;
	res[2] = missed;
	res[3] = (long)(expect - first);
	res[4] = overwritten;
	if (write(result_w, res, sizeof(res)) != sizeof(res))
		_exit(4);
	_exit(0);
}

static int test_readers(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int nproc = argc > 2 ? atoi(argv[2]) : 4;
	double secs = argc > 3 ? atof(argv[3]) : 3;
	int ready[2], go[64][2], result[2], i, fd, all_good = 1;
	pid_t pids[64];
	struct grab_stats st0, st1;
	uint64_t published;
	char c;

	fd = dev_open(dev, O_RDWR);
	if (!ok(fd >= 0 && nproc <= 64, "readers: open grab%d", dev))
		return done_testing();
	if (pipe(ready) || pipe(result))
		return 1;
	for (i = 0; i < nproc; i++) {
		if (pipe(go[i]))
			return 1;
		pids[i] = fork();
		if (pids[i] == 0)
			reader_child(dev, ready[1], go[i][0], result[1]);
	}
	for (i = 0; i < nproc; i++)
		if (read(ready[0], &c, 1) != 1)
			all_good = 0;
	dev_stats(fd, &st0);
	ok(ioctl(fd, GRAB_IOC_STREAMON) == 0,
	   "readers: STREAMON with %d readers", nproc);
	usleep(secs * 1e6);
	ioctl(fd, GRAB_IOC_STREAMOFF);
	dev_stats(fd, &st1);
	published = st1.frames - st0.frames;
	for (i = 0; i < nproc; i++) {
		uint64_t stop = st1.frames;

		if (write(go[i][1], &stop, sizeof(stop)) != sizeof(stop))
			all_good = 0;
	}
	ok(published >= secs * 5,
	   "readers: %llu frames published in %.1f s (%llu dropped by the engine)",
	   (unsigned long long)published, secs,
	   (unsigned long long)(st1.dropped - st0.dropped));
	for (i = 0; i < nproc; i++) {
		long res[5] = { 0 };
		int status = 0;

		if (read(result[0], res, sizeof(res)) != sizeof(res))
			all_good = 0;
		waitpid(pids[i], &status, 0);
		if (!ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
				res[0] + res[4] + res[2] == (long)published &&
				res[1] == 0 && res[3] == (long)published,
			"readers: a reader saw %ld/%llu frames verified, %ld overwritten before it got to them, %ld bad, %ld events missed (reported)",
			res[0], (unsigned long long)published, res[4], res[1],
			res[2]))
			all_good = 0;
	}
	ok(all_good,
	   "readers: every frame verified, seen overwritten or reported missed by every reader");
	close(fd);
	return done_testing();
}

/* ---- behind: produce N > nslots, exact missed counts */

static int test_behind(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int fd = dev_open(dev, O_RDWR | O_NONBLOCK);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	struct grab_event ev[GRAB_MAX_SLOTS];
	uint64_t head0, missed;
	size_t len = 0;
	void *map;
	int round;

	if (!ok(fd >= 0, "behind: open grab%d", dev))
		return done_testing();
	map = ring_map(fd, &r, &len);
	if (!ok(map != NULL, "behind: map"))
		return done_testing();
	for (round = 0; round < 3; round++) {
		uint32_t n = r.nslots * (round + 1) + round * 2 + 1;
		int good = 0, events_ok = 1;
		uint32_t i, nev = 0;
		ssize_t got;

		head0 = grab_ring_head(&r);
		ok(dev_produce(dev, n) == 0, "behind: produce %u with %u slots",
		   n, r.nslots);
		missed = 0;
		if (grab_ring_next(&r, &f, &missed) == 0 &&
		    frame_check(&r, &f) == -1 && grab_ring_frame_intact(&r, &f))
			good++;
		ok(missed == n - r.nslots && f.sequence == head0 + n - r.nslots,
		   "behind: mapping reader misses exactly %llu (want %u), resumes at frame %llu",
		   (unsigned long long)missed, n - r.nslots,
		   (unsigned long long)f.sequence);
		for (i = 1; i < r.nslots; i++) {
			missed = 1;
			if (grab_ring_next(&r, &f, &missed) == 0 && !missed &&
			    frame_check(&r, &f) == -1 &&
			    grab_ring_frame_intact(&r, &f))
				good++;
		}
		ok(good == (int)r.nslots &&
			   grab_ring_next(&r, &f, NULL) == -EAGAIN,
		   "behind: the %u frames still in the ring verify (%d)",
		   r.nslots, good);
		while ((got = read(fd, ev + nev,
				   sizeof(ev) - nev * sizeof(ev[0]))) > 0)
			nev += got / sizeof(ev[0]);
		if (nev != r.nslots)
			events_ok = 0;
		for (i = 0; events_ok && i < nev; i++)
			if (ev[i].sequence != head0 + n - r.nslots + i ||
			    ev[i].missed != (i ? 0 : n - r.nslots))
				events_ok = 0;
		ok(events_ok,
		   "behind: read() gives %u events, the first with missed %llu",
		   nev, nev ? (unsigned long long)ev[0].missed : 0ull);
	}
	munmap(map, len);
	close(fd);
	return done_testing();
}

/* ---- torn: a reader racing the producer never accepts a torn frame */

struct torn_arg {
	int dev;
	int fd;
	volatile int stop;
	long calls;
};

static void *torn_producer(void *p)
{
	struct torn_arg *a = p;

	while (!a->stop) {
		if (dev_produce(a->dev, 1))
			break;
		a->calls++;
	}
	return NULL;
}

static int test_torn(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	double secs = argc > 2 ? atof(argv[2]) : 3;
	struct torn_arg a = { .dev = dev, .fd = dev_open(dev, O_RDWR) };
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	long good = 0, torn = 0, accepted_bad = 0;
	uint64_t head0, head1;
	size_t len = 0;
	pthread_t t;
	double end;
	void *map;

	if (!ok(a.fd >= 0, "torn: open grab%d", dev))
		return done_testing();
	/* Small frames: the producer laps the reader as often as possible. */
	ok(dev_set_format(a.fd, 64, 48, GRAB_FMT_GREY) == 0,
	   "torn: S_FMT 64x48 GREY");
	map = ring_map(a.fd, &r, &len);
	if (!ok(map != NULL, "torn: map"))
		return done_testing();
	head0 = r.next;
	pthread_create(&t, NULL, torn_producer, &a);
	end = now_s() + secs;
	while (now_s() < end) {
		int ret = grab_ring_next(&r, &f, NULL);

		if (ret == -EAGAIN)
			continue;
		if (ret)
			break;
		if (frame_check(&r, &f) == -1) {
			if (grab_ring_frame_intact(&r, &f))
				good++;
			else
				torn++; /* fine either way: not accepted */
		} else if (grab_ring_frame_intact(&r, &f)) {
			accepted_bad++;
		} else {
			torn++;
		}
	}
	a.stop = 1;
	pthread_join(t, NULL);
	while (grab_ring_next(&r, &f, NULL) == 0) {
		if (frame_check(&r, &f) == -1 && grab_ring_frame_intact(&r, &f))
			good++;
		else
			accepted_bad++;
	}
	head1 = grab_ring_head(&r);
	diag("torn: %ld produced, %ld verified, %ld torn and rejected, %llu missed",
	     a.calls, good, torn, (unsigned long long)r.missed);
	ok(accepted_bad == 0,
	   "torn: no torn or wrong frame accepted as intact (%ld)",
	   accepted_bad);
	ok(good > 0 && (uint64_t)(good + torn) + r.missed == head1 - head0,
	   "torn: every frame accounted for: %ld good + %ld torn + %llu missed = %llu",
	   good, torn, (unsigned long long)r.missed,
	   (unsigned long long)(head1 - head0));
	munmap(map, len);
	close(a.fd);
	return done_testing();
}

/* ---- refuse: bad mappings and bad state changes, each with its errno */

static int child_signal(void (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void poke(void *p)
{
	*(volatile uint8_t *)p = 0x5a;
}

static int test_refuse(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int fd = dev_open(dev, O_RDWR), rofd = dev_open(dev, O_RDONLY), mem;
	size_t pg = getpagesize(), len;
	struct grab_ring_reader r;
	struct grab_info info;
	uint32_t magic = 0;
	void *p;

	if (!ok(fd >= 0 && rofd >= 0 && dev_info(fd, &info) == 0,
		"refuse: open grab%d", dev))
		return done_testing();
	len = info.ring_size;
#define MAP_FAILS(prot, flags, off, length, err, what)                       \
	do {                                                                 \
		void *m_ = mmap(NULL, (length), (prot), (flags), fd, (off)); \
		int e_ = errno;                                              \
		ok(m_ == MAP_FAILED && e_ == (err), "refuse: %s: %s (%s)",   \
		   what, strerror(err),                                      \
		   m_ == MAP_FAILED ? strerror(e_) : "mapped");              \
		if (m_ != MAP_FAILED)                                        \
			munmap(m_, (length));                                \
	} while (0)
	MAP_FAILS(PROT_READ | PROT_WRITE, MAP_SHARED, 0, len, EACCES,
		  "PROT_WRITE");
	MAP_FAILS(PROT_WRITE, MAP_SHARED, 0, len, EACCES, "PROT_WRITE alone");
	MAP_FAILS(PROT_READ | PROT_EXEC, MAP_SHARED, 0, len, EPERM,
		  "PROT_EXEC");
	MAP_FAILS(PROT_READ, MAP_PRIVATE, 0, len, EINVAL, "MAP_PRIVATE");
	MAP_FAILS(PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, len, EINVAL,
		  "MAP_PRIVATE|PROT_WRITE");
	MAP_FAILS(PROT_READ, MAP_SHARED, len, pg, EINVAL,
		  "offset at the ring's end");
	MAP_FAILS(PROT_READ, MAP_SHARED, len + 16 * pg, pg, EINVAL,
		  "offset past the ring");
	MAP_FAILS(PROT_READ, MAP_SHARED, 0, len + pg, EINVAL,
		  "length one page past the ring");
	MAP_FAILS(PROT_READ, MAP_SHARED, pg, len, EINVAL,
		  "offset one page + whole length");
	MAP_FAILS(PROT_READ, MAP_SHARED, (off_t)0x7ffffffffffff000ll, pg,
		  EINVAL, "huge offset");
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0);
	ok(p == MAP_FAILED && errno == EACCES,
	   "refuse: PROT_WRITE on an O_RDONLY file: EACCES");
	/* The fd grabberd passes its clients is such an O_RDONLY open. */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, rofd, 0);
	ok(p != MAP_FAILED && mprotect(p, len, PROT_READ | PROT_WRITE) < 0 &&
		   errno == EACCES,
	   "refuse: O_RDONLY file: mprotect(PROT_WRITE) of its mapping: EACCES");
	if (p != MAP_FAILED)
		munmap(p, len);
	{
		char c = 0;

		ok(write(rofd, &c, 1) < 0 && errno == EBADF,
		   "refuse: O_RDONLY file: write(): EBADF");
	}

	/* A partial mapping at an offset works and shows that page. */
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, info.data_offset);
	ok(p != MAP_FAILED, "refuse: a one-page mapping of slot 0 is allowed");
	if (p != MAP_FAILED)
		munmap(p, pg);

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (!ok(p != MAP_FAILED,
		"refuse: read-only shared mapping of the ring"))
		return done_testing();
	ok(mprotect(p, len, PROT_READ | PROT_WRITE) < 0 && errno == EACCES,
	   "refuse: mprotect(PROT_WRITE) later: EACCES");
	ok(mprotect(p, pg, PROT_READ | PROT_EXEC) < 0 && errno == EACCES,
	   "refuse: mprotect(PROT_EXEC) later: EACCES");
	ok(mremap(p, len, len + pg, 0) == MAP_FAILED,
	   "refuse: mremap() cannot grow the mapping (%s)", strerror(errno));
	ok(child_signal(poke, p) == SIGSEGV,
	   "refuse: a store into the mapping kills with SIGSEGV");
	mem = open("/proc/self/mem", O_RDWR);
	ok(mem >= 0 &&
		   pwrite(mem, &magic, sizeof(magic), (off_t)(uintptr_t)p) < 0,
	   "refuse: writing the ring through /proc/self/mem fails (%s)",
	   strerror(errno));
	if (mem >= 0)
		close(mem);
	ok(grab_ring_reader_attach(&r, p, len, NULL) == 0 &&
		   r.hdr->magic == GRAB_MAGIC,
	   "refuse: the ring is intact after all that");

	ok(dev_set_format(fd, 32, 32, GRAB_FMT_GREY) < 0 && errno == EBUSY,
	   "refuse: S_FMT while mapped: EBUSY");
	/* A forked copy of the mapping counts too. */
	munmap(p, len);
	ok(dev_set_format(fd, info.format.width, info.format.height,
			  info.format.fourcc) == 0,
	   "refuse: S_FMT once unmapped succeeds");
	ok(ioctl(fd, GRAB_IOC_STREAMON) == 0, "refuse: STREAMON");
	ok(dev_set_format(fd, 32, 32, GRAB_FMT_GREY) < 0 && errno == EBUSY,
	   "refuse: S_FMT while streaming: EBUSY");
	ok(dev_produce(dev, 1) < 0 && errno == EBUSY,
	   "refuse: produce while streaming: EBUSY");
	ok(ioctl(fd, GRAB_IOC_STREAMOFF) == 0, "refuse: STREAMOFF");

	{
		struct grab_format f = { .width = 33,
					 .height = 32,
					 .fourcc = GRAB_FMT_YUYV };
		struct grab_format g = { .width = 64,
					 .height = 64,
					 .fourcc = GRAB_FMT_GREY,
					 .reserved = { 1 } };
		struct grab_format big = { .width = 8192,
					   .height = 8192,
					   .fourcc = GRAB_FMT_RGB24 };

		ok(ioctl(fd, GRAB_IOC_S_FMT, &f) < 0 && errno == EINVAL,
		   "refuse: S_FMT odd-width YUYV: EINVAL");
		ok(ioctl(fd, GRAB_IOC_S_FMT, &g) < 0 && errno == EINVAL,
		   "refuse: S_FMT with reserved set: EINVAL");
		ok(ioctl(fd, GRAB_IOC_S_FMT, &big) < 0 && errno == ENOMEM,
		   "refuse: S_FMT whose ring exceeds the limit: ENOMEM");
		ok(dev_produce(dev, 1025) < 0 && errno == EINVAL,
		   "refuse: produce 1025: EINVAL");
		big = (struct grab_format){ .width = 64,
					    .height = 64,
					    .fourcc = GRAB_FMT_MJPEG };
		ok(ioctl(fd, GRAB_IOC_S_FMT, &big) < 0 && errno == EINVAL,
		   "refuse: S_FMT MJPG (the simulator draws raw frames only): EINVAL");
	}
	ok(ioctl(fd, _IO('G', 0x42)) < 0 && errno == ENOTTY,
	   "refuse: unknown ioctl: ENOTTY");
	ok(ioctl(fd, _IOR('G', 0x00, uint32_t), &magic) < 0 && errno == ENOTTY,
	   "refuse: INFO number with the wrong size: ENOTTY");
	ok(ioctl(fd, GRAB_IOC_INFO, NULL) < 0 && errno == EFAULT,
	   "refuse: INFO to NULL: EFAULT");
	ok(ioctl(fd, GRAB_IOC_STATS, (void *)1) < 0 && errno == EFAULT,
	   "refuse: STATS to a bad pointer: EFAULT");
	ok(ioctl(fd, GRAB_IOC_S_FMT, (void *)-4096l) < 0 && errno == EFAULT,
	   "refuse: S_FMT from a kernel address: EFAULT");
	ok(ioctl(fd, _IOW('G', 0x05, uint32_t), &magic) < 0 && errno == ENOTTY,
	   "refuse: the old PRODUCE ioctl is gone: ENOTTY");
	ok(lseek(fd, 0, SEEK_SET) < 0 && errno == ESPIPE,
	   "refuse: lseek: ESPIPE");
	{
		char c;

		ok(write(fd, &c, 1) < 0 && errno == EINVAL,
		   "refuse: write(): EINVAL");
	}
	close(fd);
	close(rofd);
	return done_testing();
}

/* ---- fuzz: random ioctls, random sizes, random pointers */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int test_fuzz(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	long calls = argc > 2 ? atol(argv[2]) : 100000, i, wrong = 0, ok0 = 0;
	static const unsigned int valid[] = {
		GRAB_IOC_INFO,	    GRAB_IOC_S_FMT, GRAB_IOC_STREAMON,
		GRAB_IOC_STREAMOFF, GRAB_IOC_STATS,
	};
	size_t pg = getpagesize();
	uint8_t *buf, *edge, *gone;
	int fd = dev_open(dev, O_RDWR);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	struct grab_info info;
	size_t len = 0;
	void *map;

	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) :
			       (uint64_t)now_ns() | 1;
	diag("fuzz: seed 0x%llx", (unsigned long long)rng_state);
	if (!ok(fd >= 0, "fuzz: open grab%d", dev))
		return done_testing();
	dev_set_format(fd, 64, 48, GRAB_FMT_YUYV);
	buf = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(buf + 2 * pg, pg, PROT_NONE);
	edge = buf + 2 * pg; /* a buffer right before this is cut short */
	gone = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, pg);

	for (i = 0; i < calls; i++) {
		uint64_t x = rnd();
		unsigned int cmd, kind = x & 3, pk = (x >> 2) % 8;
		void *arg;
		size_t sz;
		int ret, e, is_valid = 0, bad = 0;
		unsigned int j;

		if (kind == 0)
			cmd = (unsigned int)(x >> 32);
		else if (kind == 1)
			cmd = _IOC((x >> 8) & 3, 'G', (x >> 10) & 15,
				   (x >> 16) & 0x3fff);
		else
			cmd = valid[(x >> 8) % 5];
		for (j = 0; j < 5; j++)
			if (cmd == valid[j])
				is_valid = 1;
		sz = _IOC_SIZE(cmd);
		switch (pk) {
		case 0:
			arg = NULL;
			break;
		case 1:
			arg = (void *)(uintptr_t)rnd();
			break;
		case 2:
			arg = (void *)0xffffffff81000000ul;
			break;
		case 3:
			arg = gone;
			break;
		case 4:
			arg = edge - (sz > 1 ? sz / 2 : 1);
			break;
		default:
			for (j = 0; j < 2 * pg / 8; j++)
				((uint64_t *)buf)[j] = rnd();
			if ((x >> 40) % 4 == 0) {
				/* Interesting small values instead of noise. */
				static const uint32_t vals[] = {
					0, 1, 2, 5, 16, 1024, 1025, 0xffffffff
				};
				((uint32_t *)buf)[0] = vals[(x >> 44) % 8];
				((uint32_t *)buf)[1] = vals[(x >> 48) % 8];
			}
			arg = buf;
			break;
		}
		ret = ioctl(fd, cmd, arg);
		e = errno;
		if (ret == 0)
			ok0++;
		/* Exact expectations where the answer is known. */
		if (is_valid && pk == 0 && cmd != GRAB_IOC_STREAMON &&
		    cmd != GRAB_IOC_STREAMOFF && !(ret < 0 && e == EFAULT))
			bad = 1;
		else if (!is_valid && _IOC_TYPE(cmd) == 'G' &&
			 !(ret < 0 && e == ENOTTY))
			bad = 1;
		else if (is_valid && pk >= 5 &&
			 (cmd == GRAB_IOC_INFO || cmd == GRAB_IOC_STATS) && ret)
			bad = 1;
		if (bad && !wrong++)
			diag("fuzz: cmd 0x%08x arg %p: ret %d errno %d", cmd,
			     arg, ret, e);
	}
	ioctl(fd, GRAB_IOC_STREAMOFF);
	ok(wrong == 0,
	   "fuzz: %ld random ioctls, every known case answered right (%ld succeeded)",
	   calls, ok0);
	/* The device still works and still produces the right frames. */
	dev_set_format(fd, 64, 48, GRAB_FMT_YUYV);
	map = ring_map(fd, &r, &len);
	ok(map && dev_produce(dev, 1) == 0 &&
		   grab_ring_next(&r, &f, NULL) == 0 &&
		   frame_check(&r, &f) == -1 && dev_info(fd, &info) == 0 &&
		   info.format.width == 64,
	   "fuzz: the device still produces verified frames afterwards");
	if (map)
		munmap(map, len);
	close(fd);
	return done_testing();
}

/* ---- rmmod: refused while mapped, fine after munmap */

static int test_rmmod(int argc, char **argv)
{
	int fd = dev_open(0, O_RDWR), sync_pipe[2], status = 0;
	struct grab_ring_reader r;
	size_t len = 0;
	void *map;
	pid_t pid;
	char c;
	int ret, e;

	if (!ok(fd >= 0, "rmmod: open grab0"))
		return done_testing();
	map = ring_map(fd, &r, &len);
	close(fd); /* only the mapping holds the device now */
	if (!ok(map != NULL, "rmmod: map, then close the fd"))
		return done_testing();
	if (pipe(sync_pipe))
		return 1;
	pid = fork();
	if (pid == 0) {
		/* A second process holds a copy of the mapping (fork). */
		if (read(sync_pipe[0], &c, 1) != 1)
			_exit(3);
		_exit(((const struct grab_ring_header *)map)->magic ==
				      GRAB_MAGIC ?
			      0 :
			      2);
	}
	ret = syscall(SYS_delete_module, "grab", O_NONBLOCK);
	e = errno;
	ok(ret < 0 && (e == EBUSY || e == EAGAIN),
	   "rmmod: delete_module while mapped fails cleanly (%s)", strerror(e));
	ok(access("/dev/grab0", F_OK) == 0 &&
		   ((const struct grab_ring_header *)map)->magic == GRAB_MAGIC,
	   "rmmod: the device and the mapping are still there");
	munmap(map, len);
	ret = syscall(SYS_delete_module, "grab", O_NONBLOCK);
	ok(ret < 0, "rmmod: still refused while the forked copy is mapped");
	if (write(sync_pipe[1], "x", 1) != 1)
		return 1;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "rmmod: the forked copy still read the ring");
	ret = syscall(SYS_delete_module, "grab", O_NONBLOCK);
	e = errno;
	ok(ret == 0, "rmmod: delete_module after munmap succeeds (%s)",
	   ret ? strerror(e) : "ok");
	ok(access("/dev/grab0", F_OK) < 0, "rmmod: /dev/grab0 is gone");
	return done_testing();
}

/* ---- touch: map every page, produce and check (load/unload cycles) */

static int test_touch(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0, fd = dev_open(dev, O_RDWR);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	volatile uint8_t sum = 0;
	size_t len = 0, i;
	int good = 0;
	void *map;

	if (fd < 0)
		return 1;
	map = ring_map(fd, &r, &len);
	if (!map)
		return 1;
	dev_produce(dev, r.nslots);
	while (grab_ring_next(&r, &f, NULL) == 0)
		if (frame_check(&r, &f) == -1 && grab_ring_frame_intact(&r, &f))
			good++;
	for (i = 0; i < len; i += getpagesize())
		sum += ((uint8_t *)map)[i];
	munmap(map, len);
	close(fd);
	return good == (int)r.nslots ? 0 : 1;
}

/* ---- stress: 8 threads of everything against a streaming device */

struct stress {
	int dev;
	int fd; /* shared by the read and poll threads */
	volatile int stop;
	volatile int quiet; /* mappers: unmap and wait (S_FMT's turn) */
	long fmt_changes;
	long ops[8];
	long errors[8];
	char what[8][120];
};

static void stress_err(struct stress *s, int id, const char *what)
{
	if (!s->errors[id]++)
		snprintf(s->what[id], sizeof(s->what[id]), "%s (%s)", what,
			 strerror(errno));
}

/* Stay off the ring while the ioctl thread changes its format. */
static void stress_yield(struct stress *s)
{
	while (s->quiet && !s->stop)
		usleep(1000);
}

static void stress_mapper(struct stress *s, int id)
{
	int fd = dev_open(s->dev, O_RDONLY);
	struct grab_info info, after;
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	void *map;

	while (!s->stop) {
		stress_yield(s);
		if (dev_info(fd, &info)) {
			stress_err(s, id, "INFO");
			continue;
		}
		map = mmap(NULL, info.ring_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED ||
		    grab_ring_reader_attach(&r, map, info.ring_size, NULL)) {
			/*
			 * The ioctl thread may change the format between INFO
			 * and mmap: then the length no longer fits the new
			 * ring and mmap or attach rightly refuse it.
			 */
			if (dev_info(fd, &after) ||
			    after.ring_size == info.ring_size)
				stress_err(s, id, "mmap/attach");
			if (map != MAP_FAILED)
				munmap(map, info.ring_size);
			continue;
		}
		r.next = grab_ring_head(&r) > 2 ? grab_ring_head(&r) - 2 : 0;
		while (grab_ring_next(&r, &f, NULL) == 0)
			if (frame_check(&r, &f) != -1 &&
			    grab_ring_frame_intact(&r, &f))
				stress_err(s, id, "accepted a bad frame");
		munmap(map, info.ring_size);
		s->ops[id]++;
	}
	close(fd);
}

static void stress_reader(struct stress *s, int id)
{
	struct grab_event ev[4];
	uint64_t last = 0;
	ssize_t n;
	int i;

	while (!s->stop) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) < 0)
			stress_err(s, id, "poll");
		n = read(s->fd, ev, sizeof(ev));
		if (n < 0 && errno != EAGAIN)
			stress_err(s, id, "read");
		for (i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++) {
			/* Threads share the file: each sees increasing numbers. */
			if (ev[i].sequence < last && last)
				stress_err(s, id, "event out of order");
			last = ev[i].sequence;
			s->ops[id]++;
		}
	}
}

static void stress_poller(struct stress *s, int id)
{
	int fd = dev_open(s->dev, O_RDONLY | O_NONBLOCK);
	struct grab_event ev;

	while (!s->stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0 && read(fd, &ev, sizeof(ev)) < 0 &&
		    errno != EAGAIN)
			stress_err(s, id, "read after poll");
		s->ops[id]++;
	}
	close(fd);
}

static void stress_ioctl(struct stress *s, int id)
{
	int fd = dev_open(s->dev, O_RDWR);
	struct grab_stats st;
	struct grab_info info;
	uint64_t frames = 0;

	while (!s->stop) {
		if (dev_info(fd, &info) || info.abi_version != GRAB_ABI_VERSION)
			stress_err(s, id, "INFO");
		if (dev_stats(fd, &st) || st.frames < frames)
			stress_err(s, id, "STATS");
		frames = st.frames;
		switch (s->ops[id] % 16) {
		case 0:
			/*
			 * Every 256th time, ask the mappers to step back so
			 * that S_FMT goes through (a new ring under everyone
			 * who maps next); otherwise it races them (EBUSY).
			 */
			if (s->ops[id] % 256 == 0) {
				int w;

				s->quiet = 1;
				for (w = 0; w < 1000 && !dev_stats(fd, &st) &&
					    st.mappings;
				     w++)
					usleep(1000);
			}
			ioctl(fd, GRAB_IOC_STREAMOFF);
			/* EBUSY while a mapper holds the ring; fine. */
			if (dev_set_format(fd, (s->ops[id] / 16) % 2 ? 160 : 96,
					   64, GRAB_FMT_YUYV) == 0)
				s->fmt_changes++;
			else if (errno != EBUSY)
				stress_err(s, id, "S_FMT");
			if (dev_produce(s->dev, 3))
				stress_err(s, id, "produce");
			if (ioctl(fd, GRAB_IOC_STREAMON))
				stress_err(s, id, "STREAMON");
			s->quiet = 0;
			break;
		case 5:
			if (dev_produce(s->dev, 1) == 0 || errno != EBUSY)
				stress_err(s, id, "produce while streaming");
			break;
		}
		s->ops[id]++;
		usleep(1000);
	}
	close(fd);
}

static void stress_opener(struct stress *s, int id)
{
	while (!s->stop) {
		int fd;
		size_t pg = getpagesize();

		stress_yield(s);
		fd = dev_open(s->dev, O_RDONLY);
		void *p;

		if (fd < 0) {
			stress_err(s, id, "open");
			continue;
		}
		p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED ||
		    ((const struct grab_ring_header *)p)->magic != GRAB_MAGIC)
			stress_err(s, id, "header page");
		if (p != MAP_FAILED)
			munmap(p, pg);
		s->ops[id]++;
	}
}

/*
 * Fork with the mapping live: the child inherits it, reads and verifies the
 * newest frames and exits; the parent unmaps at once, so the child's copy
 * is the last user of those pages while it reads.
 */
static void stress_forker(struct stress *s, int id)
{
	int fd = dev_open(s->dev, O_RDONLY);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	size_t len = 0;
	int status;
	pid_t pid;
	void *map;

	while (!s->stop) {
		stress_yield(s);
		map = ring_map(fd, &r, &len);
		if (!map) {
			/* Only a format change between INFO and mmap may fail. */
			usleep(1000);
			continue;
		}
		/* Allocate frame_check's scratch before forking. */
		r.next = grab_ring_head(&r) ? grab_ring_head(&r) - 1 : 0;
		if (grab_ring_next(&r, &f, NULL) == 0)
			frame_check(&r, &f);
		pid = fork();
		if (pid == 0) {
			int bad = 0, good = 0;
			double end = now_s() + 0.05;

			do {
				r.next = grab_ring_head(&r) > 2 ?
						 grab_ring_head(&r) - 2 :
						 0;
				while (grab_ring_next(&r, &f, NULL) == 0) {
					if (frame_check(&r, &f) != -1) {
						if (grab_ring_frame_intact(&r,
									   &f))
							bad++;
					} else {
						good++;
					}
				}
			} while (now_s() < end);
			_exit(bad ? 2 : 0);
		}
		munmap(map, len);
		if (pid < 0) {
			stress_err(s, id, "fork");
			continue;
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			errno = 0;
			stress_err(s, id,
				   "forked child accepted a bad frame or died");
		}
		s->ops[id]++;
	}
	close(fd);
}

/*
 * MADV_DONTNEED zaps the ring's pages from this mapping; touching them
 * again must fault the same pages back in (the frames still verify), and
 * the zapped references must be dropped (the free-memory check afterwards).
 */
static void stress_madvise(struct stress *s, int id)
{
	int fd = dev_open(s->dev, O_RDONLY);
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	volatile uint8_t sum = 0;
	size_t len = 0, i, pg = getpagesize();
	int round;
	void *map;

	while (!s->stop) {
		stress_yield(s);
		map = ring_map(fd, &r, &len);
		if (!map) {
			usleep(1000);
			continue;
		}
		/* A few rounds per mapping, then let S_FMT have a chance. */
		for (round = 0; round < 8 && !s->stop && !s->quiet; round++) {
			if (madvise(map, len, MADV_DONTNEED)) {
				stress_err(s, id, "madvise(MADV_DONTNEED)");
				break;
			}
			for (i = 0; i < len; i += pg)
				sum += ((volatile uint8_t *)map)[i];
			if (((const struct grab_ring_header *)map)->magic !=
			    GRAB_MAGIC) {
				errno = 0;
				stress_err(s, id, "header after MADV_DONTNEED");
			}
			r.next = grab_ring_head(&r) > 2 ?
					 grab_ring_head(&r) - 2 :
					 0;
			while (grab_ring_next(&r, &f, NULL) == 0)
				if (frame_check(&r, &f) != -1 &&
				    grab_ring_frame_intact(&r, &f)) {
					errno = 0;
					stress_err(s, id,
						   "accepted a bad frame");
				}
			s->ops[id]++;
		}
		munmap(map, len);
		usleep(2000);
	}
	close(fd);
}

struct stress_thread {
	struct stress *s;
	int id;
};

static void *stress_main(void *p)
{
	struct stress_thread *t = p;

	switch (t->id) {
	case 0:
		stress_mapper(t->s, t->id);
		break;
	case 1:
		stress_forker(t->s, t->id);
		break;
	case 2:
	case 5:
		stress_reader(t->s, t->id);
		break;
	case 3:
		stress_madvise(t->s, t->id);
		break;
	case 4:
		stress_poller(t->s, t->id);
		break;
	case 6:
		stress_ioctl(t->s, t->id);
		break;
	default:
		stress_opener(t->s, t->id);
		break;
	}
	return NULL;
}

static int test_stress(int argc, char **argv)
{
	static const char *const names[8] = {
		"mmap/verify/munmap",
		"fork with the mapping live, child verifies",
		"shared-fd poll+read",
		"madvise(DONTNEED)/touch/verify",
		"own-fd poll+read",
		"shared-fd poll+read",
		"ioctl (INFO STATS S_FMT produce STREAMON/OFF)",
		"open/mmap/close/verify header/munmap",
	};
	struct stress s = { .dev = argc > 1 ? atoi(argv[1]) : 0 };
	double secs = argc > 2 ? atof(argv[2]) : 10;
	struct stress_thread t[8];
	pthread_t tid[8];
	struct grab_stats st;
	int i;

	s.fd = dev_open(s.dev, O_RDWR | O_NONBLOCK);
	if (!ok(s.fd >= 0 && ioctl(s.fd, GRAB_IOC_STREAMON) == 0,
		"stress: grab%d streaming", s.dev))
		return done_testing();
	for (i = 0; i < 8; i++) {
		t[i].s = &s;
		t[i].id = i;
		pthread_create(&tid[i], NULL, stress_main, &t[i]);
	}
	usleep(secs * 1e6);
	s.stop = 1;
	for (i = 0; i < 8; i++)
		pthread_join(tid[i], NULL);
	diag("stress: %.0f s, %ld format changes went through between mappings",
	     secs, s.fmt_changes);
	for (i = 0; i < 8; i++)
		ok(s.errors[i] == 0 && s.ops[i] > 0,
		   "stress: thread %d %s: %ld ops, %ld errors%s%s", i, names[i],
		   s.ops[i], s.errors[i], s.errors[i] ? ", first: " : "",
		   s.what[i]);
	ioctl(s.fd, GRAB_IOC_STREAMOFF);
	dev_stats(s.fd, &st);
	ok(st.open_files == 1 && st.mappings == 0,
	   "stress: afterwards 1 open file, 0 mappings (%u, %u)", st.open_files,
	   st.mappings);
	close(s.fd);
	return done_testing();
}

/* ---- perm: state changes need a file opened for writing (grab.h) */

static int test_perm(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int rw = dev_open(dev, O_RDWR),
	    ro = dev_open(dev, O_RDONLY | O_NONBLOCK);
	int wo = dev_open(dev, O_WRONLY);
	struct grab_format f = { .width = 32,
				 .height = 32,
				 .fourcc = GRAB_FMT_GREY };
	struct grab_info before, after;
	struct grab_stats st;
	struct grab_event ev;
	struct pollfd pfd = { .fd = ro, .events = POLLIN };
	size_t len = 0;
	void *map;
	struct grab_ring_reader r;

	if (!ok(rw >= 0 && ro >= 0 && wo >= 0,
		"perm: grab%d opens O_RDWR, O_RDONLY and O_WRONLY", dev))
		return done_testing();
	dev_info(rw, &before);
	ok(ioctl(ro, GRAB_IOC_STREAMON) < 0 && errno == EPERM,
	   "perm: STREAMON through O_RDONLY: EPERM");
	dev_info(rw, &after);
	ok(!(after.flags & GRAB_INFO_STREAMING),
	   "perm: ... and it did not stream");
	ok(ioctl(ro, GRAB_IOC_S_FMT, &f) < 0 && errno == EPERM,
	   "perm: S_FMT through O_RDONLY: EPERM");
	dev_info(rw, &after);
	ok(!memcmp(&after.format, &before.format, sizeof(after.format)),
	   "perm: ... and the format is still %ux%u", after.format.width,
	   after.format.height);
	ok(ioctl(rw, GRAB_IOC_STREAMON) == 0, "perm: STREAMON through O_RDWR");
	ok(ioctl(ro, GRAB_IOC_STREAMOFF) < 0 && errno == EPERM,
	   "perm: STREAMOFF through O_RDONLY: EPERM");
	dev_info(rw, &after);
	ok(after.flags & GRAB_INFO_STREAMING, "perm: ... and it still streams");
	/* What a read-only open may do: query, poll, read, map. */
	ok(dev_info(ro, &after) == 0 && dev_stats(ro, &st) == 0,
	   "perm: INFO and STATS through O_RDONLY");
	ok(poll(&pfd, 1, 10000) == 1 && read(ro, &ev, sizeof(ev)) == sizeof(ev),
	   "perm: poll and read through O_RDONLY");
	map = ring_map(ro, &r, &len);
	ok(map != NULL, "perm: mmap through O_RDONLY");
	if (map)
		munmap(map, len);
	ok(ioctl(wo, GRAB_IOC_STREAMOFF) == 0,
	   "perm: STREAMOFF through O_WRONLY");
	dev_info(rw, &after);
	ok(!(after.flags & GRAB_INFO_STREAMING), "perm: ... and it stopped");
	close(wo);
	close(ro);
	close(rw);
	return done_testing();
}

/* ---- fmtread: a file's cursor follows a format change */

/* CPU ticks (utime + stime) and state of a process, from /proc. */
static int proc_stat(pid_t pid, long *ticks, char *state)
{
	char path[64], buf[512], *p;
	unsigned long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   state, &ut, &st) != 3)
		return -1;
	*ticks = ut + st;
	return 0;
}

/* Wait up to @secs for @pid to end; its status, or -1 if it did not. */
static int wait_deadline(pid_t pid, double secs)
{
	double end = now_s() + secs;
	int status;

	do {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	} while (now_s() < end);
	return -1;
}

/* Stream until @fd has a frame to read and at least @n were published. */
static int stream_frames(int ctl, int fd, uint64_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct grab_stats st0, st;
	double end = now_s() + 30;
	int ret = -1;

	dev_stats(ctl, &st0);
	if (ioctl(ctl, GRAB_IOC_STREAMON))
		return -1;
	while (now_s() < end) {
		if (poll(&pfd, 1, 100) == 1 && dev_stats(ctl, &st) == 0 &&
		    st.frames >= st0.frames + n) {
			ret = 0;
			break;
		}
	}
	ioctl(ctl, GRAB_IOC_STREAMOFF);
	return ret;
}

static int test_fmtread(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int ctl = dev_open(dev, O_RDWR);
	int rd = dev_open(dev, O_RDONLY | O_NONBLOCK),
	    rb = dev_open(dev, O_RDONLY);
	struct pollfd pfd = { .fd = rd, .events = POLLIN };
	struct grab_info info;
	struct grab_stats st0, st1;
	struct grab_event ev;
	int status, pr, killed;
	long ticks = -1;
	char state = '?';
	ssize_t n;
	pid_t pid;

	if (!ok(ctl >= 0 && rd >= 0 && rb >= 0, "fmtread: open grab%d thrice",
		dev))
		return done_testing();
	dev_info(ctl, &info);
	dev_stats(ctl, &st0);
	if (!ok(stream_frames(ctl, rd, 3) == 0,
		"fmtread: 3 frames nobody read"))
		return done_testing();
	dev_stats(ctl, &st1);
	ok(dev_set_format(ctl, info.format.width == 64 ? 96 : 64, 48,
			  GRAB_FMT_GREY) == 0,
	   "fmtread: S_FMT with frames unread");
	/* Those frames are gone with their ring: nothing is readable. */
	pr = poll(&pfd, 1, 0);
	n = read(rd, &ev, sizeof(ev));
	ok(pr == 0 && n < 0 && errno == EAGAIN,
	   "fmtread: poll() says not readable and read() EAGAIN, in agreement (poll %d)",
	   pr);

	/* A blocking read sleeps, uses no CPU and dies of SIGKILL. */
	pid = fork();
	if (pid == 0)
		_exit(read(rb, &ev, sizeof(ev)) == sizeof(ev) ? 0 : 1);
	usleep(500000);
	proc_stat(pid, &ticks, &state);
	ok(state == 'S' && ticks >= 0 && ticks < 10,
	   "fmtread: a blocking read() sleeps (state %c, %ld CPU ticks in 0.5 s)",
	   state, ticks);
	kill(pid, SIGKILL);
	status = wait_deadline(pid, 5);
	killed = status != -1 && WIFSIGNALED(status) &&
		 WTERMSIG(status) == SIGKILL;
	ok(killed, "fmtread: SIGKILL ends the blocked read() at once");
	if (status == -1) {
		/* Let a spinning reader out: a frame ends its loop. */
		stream_frames(ctl, rd, 1);
		wait_deadline(pid, 30);
	}

	/* The next frame reports exactly the frames this file missed. */
	while (read(rd, &ev, sizeof(ev)) == sizeof(ev))
		;
	dev_stats(ctl, &st1);
	close(rd);
	rd = dev_open(dev, O_RDONLY | O_NONBLOCK);
	pfd.fd = rd;
	ok(stream_frames(ctl, rd, 2) == 0, "fmtread: streaming again");
	dev_set_format(ctl, info.format.width, info.format.height,
		       info.format.fourcc);
	ok(poll(&pfd, 1, 0) == 0,
	   "fmtread: second format change, not readable");
	ok(stream_frames(ctl, rd, 1) == 0 &&
		   read(rd, &ev, sizeof(ev)) == sizeof(ev),
	   "fmtread: a frame of the new ring is read");
	ok(ev.missed >= 2 && ev.sequence == st1.frames + ev.missed,
	   "fmtread: it reports the %llu frames of the old ring as missed (frame %llu)",
	   (unsigned long long)ev.missed, (unsigned long long)ev.sequence);
	close(rd);
	close(rb);
	close(ctl);
	return done_testing();
}

/* ---- sfmt-ro: S_FMT whose result cannot be written back changes nothing */

static int test_sfmt_ro(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0, fd = dev_open(dev, O_RDWR);
	size_t pg = getpagesize();
	struct grab_info before, after;
	struct grab_format *f;
	int ret, e;

	if (!ok(fd >= 0 && dev_info(fd, &before) == 0, "sfmt-ro: open grab%d",
		dev))
		return done_testing();
	f = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	f->width = before.format.width == 48 ? 80 : 48;
	f->height = 32;
	f->fourcc = GRAB_FMT_GREY;
	mprotect(f, pg, PROT_READ);
	ret = ioctl(fd, GRAB_IOC_S_FMT, f);
	e = errno;
	ok(ret < 0 && e == EFAULT,
	   "sfmt-ro: S_FMT with its result in read-only memory: EFAULT (%s)",
	   ret ? strerror(e) : "succeeded");
	dev_info(fd, &after);
	ok(!memcmp(&after.format, &before.format, sizeof(after.format)) &&
		   after.ring_size == before.ring_size,
	   "sfmt-ro: ... and the device keeps %ux%u %s (has %ux%u %s)",
	   before.format.width, before.format.height,
	   grab_format_name(before.format.fourcc), after.format.width,
	   after.format.height, grab_format_name(after.format.fourcc));
	mprotect(f, pg, PROT_READ | PROT_WRITE);
	ok(ioctl(fd, GRAB_IOC_S_FMT, f) == 0 && f->sizeimage == f->width * 32 &&
		   dev_info(fd, &after) == 0 && after.format.width == f->width,
	   "sfmt-ro: the same S_FMT into writable memory applies");
	dev_set_format(fd, before.format.width, before.format.height,
		       before.format.fourcc);
	munmap(f, pg);
	close(fd);
	return done_testing();
}

/* ---- jitter: how evenly the engine paces frames while streaming */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Stream N frames and measure how far each frame interval (from the
 * frames' own timestamps) is from the nominal 1/fps.  The figures are
 * notes: no pace is asserted (the guest is emulated on a shared host);
 * the checks are that every interval was seen and the frames are in order.
 */
static int test_jitter(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int n = argc > 2 ? atoi(argv[2]) : 200, got = 0, in_order = 1;
	int fd = dev_open(dev, O_RDWR);
	uint64_t *dev_ns, nominal, prev_ts = 0, prev_seq = 0, missed = 0;
	struct grab_stats st0, st1;
	struct grab_info info;
	struct grab_event ev;
	double deadline;

	dev_ns = calloc(n, sizeof(*dev_ns));
	if (!ok(fd >= 0 && dev_ns && dev_info(fd, &info) == 0 && info.fps_num,
		"jitter: open grab%d", dev))
		return done_testing();
	nominal = 1000000000ull * info.fps_den / info.fps_num;
	dev_stats(fd, &st0);
	ok(ioctl(fd, GRAB_IOC_STREAMON) == 0, "jitter: STREAMON at %u fps",
	   info.fps_num);
	deadline = now_s() + 60 + 4.0 * n / info.fps_num;
	while (got < n && now_s() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) <= 0 ||
		    read(fd, &ev, sizeof(ev)) != sizeof(ev))
			break;
		/* The first frame has no interval; a missed one breaks it. */
		if (prev_ts && !ev.missed) {
			if (ev.sequence != prev_seq + 1)
				in_order = 0;
			dev_ns[got++] =
				ev.timestamp_ns > prev_ts + nominal ?
					ev.timestamp_ns - prev_ts - nominal :
					prev_ts + nominal - ev.timestamp_ns;
		}
		missed += ev.missed;
		prev_ts = ev.timestamp_ns;
		prev_seq = ev.sequence;
	}
	ioctl(fd, GRAB_IOC_STREAMOFF);
	dev_stats(fd, &st1);
	ok(got == n && in_order,
	   "jitter: %d/%d frame intervals measured in order", got, n);
	if (got) {
		int within = 0, i;

		for (i = 0; i < got; i++)
			within += dev_ns[i] < 1000000;
		qsort(dev_ns, got, sizeof(*dev_ns), cmp_u64);
		diag("jitter: %d intervals at %u fps (nominal %.3f ms): deviation p50 %.3f ms p99 %.3f ms max %.3f ms, %d%% within 1 ms; %llu dropped by the engine, %llu missed by this reader",
		     got, info.fps_num, nominal / 1e6, dev_ns[got / 2] / 1e6,
		     dev_ns[(got * 99) / 100 < got ? (got * 99) / 100 : got - 1] /
			     1e6,
		     dev_ns[got - 1] / 1e6, within * 100 / got,
		     (unsigned long long)(st1.dropped - st0.dropped),
		     (unsigned long long)missed);
	}
	free(dev_ns);
	close(fd);
	return done_testing();
}

/* ---- edu: frames written into the ring by a PCI bus master (grab_edu.ko) */

/*
 * Stream from the edu device until @n frames were read through the mapping
 * (deadline: @secs); every frame read must verify byte for byte, and every
 * frame published must be either read or reported missed.
 */
static void edu_stream(int fd, struct grab_ring_reader *r, int n, double secs,
		       const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t head0 = grab_ring_head(r), missed_total = 0, next = head0;
	struct grab_ring_frame f;
	struct grab_event ev[8];
	struct grab_stats st0, st1;
	int got = 0, good = 0, in_order = 1;
	double t0 = now_s(), t1 = t0, deadline = t0 + secs;
	int64_t first_bad = -1;

	dev_stats(fd, &st0);
	if (!ok(ioctl(fd, GRAB_IOC_STREAMON) == 0, "edu %s: STREAMON", what))
		return;
	while (got < n && now_s() < deadline) {
		uint64_t missed = 0;

		if (poll(&pfd, 1, 1000) < 0)
			break;
		while (read(fd, ev, sizeof(ev)) > 0)
			;
		while (got < n && grab_ring_next(r, &f, &missed) == 0) {
			int64_t bad = frame_check(r, &f);

			if (bad == -1 && grab_ring_frame_intact(r, &f))
				good++;
			else if (first_bad < 0)
				first_bad = bad;
			if (f.sequence != next + missed)
				in_order = 0;
			next = f.sequence + 1;
			missed_total += missed;
			got++;
			t1 = now_s();
		}
	}
	ok(ioctl(fd, GRAB_IOC_STREAMOFF) == 0, "edu %s: STREAMOFF", what);
	dev_stats(fd, &st1);
	ok(got == n, "edu %s: %d/%d frames arrived within %.0f s", what, got, n,
	   secs);
	ok(got && good == got,
	   "edu %s: all %d frames written by the device's DMA verify byte for byte (%d good, first bad offset %lld)",
	   what, got, good, (long long)first_bad);
	ok(in_order && next - head0 == (uint64_t)got + missed_total,
	   "edu %s: frames in order, %llu missed by this reader and reported",
	   what, (unsigned long long)missed_total);
	ok(st1.dropped == st0.dropped,
	   "edu %s: the device dropped nothing (it is not paced)", what);
	if (got > 1)
		diag("edu %s: %d frames of %u bytes in %.2f s, %.0f ms per frame",
		     what, got, r->format.sizeimage, t1 - t0,
		     (t1 - t0) * 1000 / got);
}

static int test_edu(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int n = argc > 2 ? atoi(argv[2]) : 8;
	int fd = dev_open(dev, O_RDWR | O_NONBLOCK);
	struct grab_ring_reader r;
	struct grab_info info;
	uint32_t w, h;
	size_t len = 0;
	void *map;
	int e;

	if (!ok(fd >= 0 && dev_info(fd, &info) == 0, "edu: open grab%d", dev))
		return done_testing();
	ok(info.format.sizeimage > (uint32_t)getpagesize(),
	   "edu: a frame (%ux%u %s, %u bytes) spans pages", info.format.width,
	   info.format.height, grab_format_name(info.format.fourcc),
	   info.format.sizeimage);
	e = dev_produce(dev, 1) ? errno : 0;
	ok(e == EOPNOTSUPP, "edu: real hardware refuses the produce hook (%s)",
	   e ? strerror(e) : "accepted");

	map = ring_map(fd, &r, &len);
	if (!ok(map != NULL, "edu: map the ring"))
		return done_testing();
	edu_stream(fd, &r, n, 30.0 + 5.0 * n, "default format");
	munmap(map, len);

	/* RGB3 80x60: 14400 bytes, four pages, other chunk boundaries. */
	ok(dev_set_format(fd, 80, 60, GRAB_FMT_RGB24) == 0,
	   "edu: S_FMT 80x60 RGB3");
	map = ring_map(fd, &r, &len);
	if (ok(map != NULL, "edu: map the new ring")) {
		edu_stream(fd, &r, 3, 60.0, "80x60 RGB3");
		munmap(map, len);
	}
	/* More than the sensor holds: the driver's try_format says no. */
	w = 256;
	h = 256;
	e = dev_set_format(fd, w, h, GRAB_FMT_YUYV) ? errno : 0;
	ok(e == EINVAL,
	   "edu: S_FMT %ux%u YUYV (128 KiB) refused by the driver: EINVAL (%s)",
	   w, h, e ? strerror(e) : "accepted");
	ok(dev_set_format(fd, info.format.width, info.format.height,
			  info.format.fourcc) == 0,
	   "edu: format restored");
	close(fd);
	return done_testing();
}

/*
 * edu-rmmod: unload grab_edu.ko while it streams and a transfer is in
 * flight; the mapping keeps the frames already published, and the device
 * never streams again.
 */
static int test_edu_rmmod(int argc, char **argv)
{
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	int fd = dev_open(dev, O_RDWR | O_NONBLOCK);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	double deadline;
	int ret, e, good = 0, seen = 0;
	uint64_t head0;
	size_t len = 0;
	void *map;

	if (!ok(fd >= 0, "edu-rmmod: open grab%d", dev))
		return done_testing();
	map = ring_map(fd, &r, &len);
	if (!ok(map != NULL && ioctl(fd, GRAB_IOC_STREAMON) == 0,
		"edu-rmmod: map and STREAMON"))
		return done_testing();
	head0 = grab_ring_head(&r);
	deadline = now_s() + 30;
	while (grab_ring_head(&r) == head0 && now_s() < deadline)
		poll(&pfd, 1, 1000);
	ok(grab_ring_head(&r) > head0, "edu-rmmod: a frame arrived");
	/* Mid-frame: the next one's transfers are under way. */
	usleep(150000);
	ret = syscall(SYS_delete_module, "grab_edu", O_NONBLOCK);
	e = errno;
	ok(ret == 0,
	   "edu-rmmod: grab_edu unloads while streaming and mapped (%s)",
	   ret ? strerror(e) : "ok");
	ok(!(r.hdr->flags & GRAB_RING_STREAMING) &&
		   ioctl(fd, GRAB_IOC_STREAMON) < 0 && errno == ENODEV,
	   "edu-rmmod: the ring says not streaming, STREAMON fails with ENODEV");
	while (grab_ring_next(&r, &f, NULL) == 0) {
		seen++;
		good += frame_check(&r, &f) == -1 &&
			grab_ring_frame_intact(&r, &f);
	}
	ok(seen > 0 && good == seen,
	   "edu-rmmod: the %d frames still in the ring verify (%d good)", seen,
	   good);
	munmap(map, len);
	close(fd);
	return done_testing();
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} tests[] = {
	{ "info", test_info },	     { "independent", test_independent },
	{ "frames", test_frames },   { "poll", test_poll },
	{ "readers", test_readers }, { "behind", test_behind },
	{ "torn", test_torn },	     { "refuse", test_refuse },
	{ "fuzz", test_fuzz },	     { "rmmod", test_rmmod },
	{ "touch", test_touch },     { "stress", test_stress },
	{ "jitter", test_jitter },   { "perm", test_perm },
	{ "fmtread", test_fmtread }, { "sfmt-ro", test_sfmt_ro },
	{ "edu", test_edu },	     { "edu-rmmod", test_edu_rmmod },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; argc > 1 && i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(argv[1], tests[i].name))
			return tests[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: grab-ktest TEST [ARGS]\n");
	return 2;
}
