// SPDX-License-Identifier: MIT
/*
 * Speaks the grabberd protocol by hand, badly on purpose, and prints what
 * the daemon answers:
 *
 *   grab-rawclient SOCKET MODE [ARG]
 *     garbage | short | big | version | unknown | badname | reserved |
 *     wrongtype | fd | hello | noread SECONDS | nohello |
 *     ctl-list STREAM | ctl-set STREAM NAME VALUE | ctl-badname |
 *     ctl-fromclient
 *
 * Prints "REPLY type=T errno=E reason=R" for each message received, then
 * "EOF" when the daemon closes the connection, or "OPEN" if it is still
 * open after the wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "grab-proto.h"

static int send_with_fd(int s, const void *buf, size_t len, int fd)
{
	struct iovec iov = { (void *)buf, len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(s, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void hello(struct grab_msg *m, const char *name)
{
	grab_msg_init(m, GRAB_MSG_HELLO);
	grab_msg_set_text(m->u.hello.stream, sizeof(m->u.hello.stream), name);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t buf[512];
	struct grab_msg m;
	const char *mode;
	int s, wait_ms = 2000, frames = 0;
	size_t len = sizeof(m);
	int fd = -1;

	if (argc < 3)
		return 2;
	mode = argv[2];
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	hello(&m, "default");
	if (!strcmp(mode, "garbage")) {
		memset(&m, 0xa5, sizeof(m));
	} else if (!strcmp(mode, "short")) {
		len = 10;
	} else if (!strcmp(mode, "big")) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, &m, sizeof(m));
		if (send(s, buf, 300, MSG_NOSIGNAL) < 0)
			perror("send");
		len = 0;
	} else if (!strcmp(mode, "version")) {
		m.hdr.version = 99;
	} else if (!strcmp(mode, "unknown")) {
		hello(&m, "no-such-stream");
	} else if (!strcmp(mode, "badname")) {
		hello(&m, "a/b");
	} else if (!strcmp(mode, "reserved")) {
		m.u.hello.reserved[1] = 7;
	} else if (!strcmp(mode, "wrongtype")) {
		grab_msg_init(&m, GRAB_MSG_FRAME);
	} else if (!strcmp(mode, "fd")) {
		fd = open("/dev/null", O_RDONLY);
		memset(&m, 0x5a, sizeof(m));
	} else if (!strcmp(mode, "hello")) {
		wait_ms = 500;
	} else if (!strcmp(mode, "noread")) {
		if (send(s, &m, sizeof(m), MSG_NOSIGNAL) < 0)
			perror("send");
		sleep(argc > 3 ? atoi(argv[3]) : 5);
		printf("SLEPT\n");
		return 0;
	} else if (!strcmp(mode, "ctl-list") && argc > 3) {
		grab_msg_init(&m, GRAB_MSG_CONTROLS_REQ);
		grab_msg_set_text(m.u.hello.stream, sizeof(m.u.hello.stream),
				  argv[3]);
	} else if (!strcmp(mode, "ctl-set") && argc > 5) {
		grab_msg_init(&m, GRAB_MSG_SET_CONTROL);
		grab_msg_set_text(m.u.set_control.stream,
				  sizeof(m.u.set_control.stream), argv[3]);
		grab_msg_set_text(m.u.set_control.name,
				  sizeof(m.u.set_control.name), argv[4]);
		grab_msg_set_text(m.u.set_control.value,
				  sizeof(m.u.set_control.value), argv[5]);
	} else if (!strcmp(mode, "ctl-badname")) {
		grab_msg_init(&m, GRAB_MSG_SET_CONTROL);
		strcpy(m.u.set_control.stream, "default");
		strcpy(m.u.set_control.name, "Bright ness");
		strcpy(m.u.set_control.value, "1");
	} else if (!strcmp(mode, "ctl-fromclient")) {
		grab_msg_init(&m, GRAB_MSG_CONTROL);
	} else if (!strcmp(mode, "nohello")) {
		len = 0;
		wait_ms = 8000;
	} else {
		return 2;
	}
	if (len && send_with_fd(s, &m, len, fd) < 0)
		perror("send");
	for (;;) {
		struct pollfd p = { s, POLLIN, 0 };
		struct grab_msg r;
		const char *why;
		ssize_t n;

		if (poll(&p, 1, wait_ms) <= 0) {
			printf("OPEN\n");
			break;
		}
		n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0) {
			printf("EOF\n");
			break;
		}
		if (grab_msg_decode(buf, (size_t)n, &r, &why)) {
			printf("UNDECODABLE %s\n", why);
			continue;
		}
		if (r.hdr.type == GRAB_MSG_FRAME) {
			if (frames++ == 0)
				printf("REPLY type=FRAME\n");
			if (!strcmp(mode, "hello")) {
				printf("OPEN\n");
				break;
			}
			continue;
		}
		if (r.hdr.type == GRAB_MSG_CONTROL) {
			printf("REPLY type=CONTROL index=%u count=%u name=%s value=%lld\n",
			       r.u.control.index, r.u.control.count,
			       r.u.control.name, (long long)r.u.control.value);
			continue;
		}
		printf("REPLY type=%s errno=%d reason=%s\n",
		       grab_msg_type_name(r.hdr.type),
		       r.hdr.type == GRAB_MSG_STREAM ? 0 : r.u.error.error,
		       r.hdr.type == GRAB_MSG_STREAM ? r.u.stream.stream :
						       r.u.error.reason);
		fflush(stdout);
	}
	return 0;
}
