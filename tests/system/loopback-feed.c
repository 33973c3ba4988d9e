// SPDX-License-Identifier: MIT
/*
 * loopback-feed: play frames into a v4l2loopback device, the way a camera
 * would deliver them, for the system tier's MJPEG check and the MJPEG
 * benchmark (both in the system-test VM, which has no compiler: this is
 * built on the host).
 *
 *   loopback-feed DEVICE FORMAT WIDTH HEIGHT FPS SECONDS FILE...
 *
 * FORMAT is MJPEG or YUYV.  Each FILE is one frame as it goes to the
 * device: a whole JPEG for MJPEG (any size up to the device's buffer),
 * exactly WIDTH*HEIGHT*2 bytes for YUYV.  The files are written in turn,
 * over and over, one write() each (v4l2loopback makes one write one frame
 * and its bytesused the write's length), FPS times a second on an absolute
 * schedule, for SECONDS seconds (0: until killed).  Prints "feeding" once
 * the device has its format (a reader may open it from then on) and, at
 * the end, how many frames it wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/videodev2.h>

struct frame {
	const char *path;
	uint8_t *data;
	size_t len;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static int load(struct frame *f, const char *path)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "loopback-feed: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	f->path = path;
	f->len = (size_t)st.st_size;
	f->data = malloc(f->len ? f->len : 1);
	if (!f->data)
		return -1;
	n = read(fd, f->data, f->len);
	close(fd);
	if (n != (ssize_t)f->len) {
		fprintf(stderr, "loopback-feed: %s: short read\n", path);
		return -1;
	}
	return 0;
}

static int parse_uint(const char *s, const char *what, unsigned long max,
		      unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	if (errno || end == s || *end || *ret > max) {
		fprintf(stderr,
			"loopback-feed: %s '%s': not a number up to %lu\n",
			what, s, max);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };
	unsigned long width, height, fps, secs, written = 0, i;
	struct frame *frames;
	struct timespec next, end, now;
	uint32_t fourcc;
	size_t nframes;
	int fd;

	if (argc < 8) {
		fprintf(stderr,
			"usage: loopback-feed DEVICE MJPEG|YUYV WIDTH HEIGHT FPS SECONDS FILE...\n");
		return 2;
	}
	if (!strcmp(argv[2], "MJPEG")) {
		fourcc = V4L2_PIX_FMT_MJPEG;
	} else if (!strcmp(argv[2], "YUYV")) {
		fourcc = V4L2_PIX_FMT_YUYV;
	} else {
		fprintf(stderr, "loopback-feed: format '%s': MJPEG or YUYV\n",
			argv[2]);
		return 2;
	}
	if (parse_uint(argv[3], "width", 8192, &width) ||
	    parse_uint(argv[4], "height", 8192, &height) ||
	    parse_uint(argv[5], "fps", 1000, &fps) ||
	    parse_uint(argv[6], "seconds", 86400, &secs) || !width || !height ||
	    !fps)
		return 2;
	nframes = (size_t)(argc - 7);
	frames = calloc(nframes, sizeof(*frames));
	if (!frames)
		return 1;
	for (i = 0; i < nframes; i++) {
		if (load(&frames[i], argv[7 + i]))
			return 1;
		if (fourcc == V4L2_PIX_FMT_YUYV &&
		    frames[i].len != width * height * 2) {
			fprintf(stderr,
				"loopback-feed: %s: %zu bytes, a %lux%lu YUYV frame is %lu\n",
				frames[i].path, frames[i].len, width, height,
				width * height * 2);
			return 1;
		}
	}

	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "loopback-feed: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = fourcc;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	fmt.fmt.pix.bytesperline = fourcc == V4L2_PIX_FMT_YUYV ? width * 2 : 0;
	fmt.fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
	if (ioctl(fd, VIDIOC_S_FMT, &fmt) < 0) {
		fprintf(stderr,
			"loopback-feed: %s: VIDIOC_S_FMT %s %lux%lu: %s\n",
			argv[1], argv[2], width, height, strerror(errno));
		return 1;
	}
	if (fmt.fmt.pix.pixelformat != fourcc || fmt.fmt.pix.width != width ||
	    fmt.fmt.pix.height != height) {
		fprintf(stderr,
			"loopback-feed: %s: the device took %ux%u, not %lux%lu %s\n",
			argv[1], fmt.fmt.pix.width, fmt.fmt.pix.height, width,
			height, argv[2]);
		return 1;
	}
	for (i = 0; i < nframes; i++) {
		if (frames[i].len > fmt.fmt.pix.sizeimage) {
			fprintf(stderr,
				"loopback-feed: %s: %zu bytes, more than the device's %u\n",
				frames[i].path, frames[i].len,
				fmt.fmt.pix.sizeimage);
			return 1;
		}
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("feeding %s: %s %lux%lu at %lu fps, %zu frames in turn (buffer %u bytes)\n",
	       argv[1], argv[2], width, height, fps, nframes,
	       fmt.fmt.pix.sizeimage);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &next);
	end = next;
	end.tv_sec += (time_t)secs;
	while (!stopping) {
		const struct frame *f = &frames[written % nframes];

		if (write(fd, f->data, f->len) != (ssize_t)f->len) {
			fprintf(stderr, "loopback-feed: %s: write: %s\n",
				argv[1], strerror(errno));
			return 1;
		}
		written++;
		/* The next frame's time; behind it (a busy guest), the
		 * schedule starts again from now rather than bursting. */
		next.tv_nsec += (long)(1000000000ul / fps);
		if (next.tv_nsec >= 1000000000l) {
			next.tv_nsec -= 1000000000l;
			next.tv_sec++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now;
		if (secs &&
		    (next.tv_sec > end.tv_sec || (next.tv_sec == end.tv_sec &&
						  next.tv_nsec >= end.tv_nsec)))
			break;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("wrote %lu frames\n", written);
	return 0;
}
