// SPDX-License-Identifier: MIT
/*
 * The unix socket clients connect to: made here (or passed by systemd,
 * socket activation), accepted here, and each connection handed to
 * client.c.  Accepting pauses at the open-file limit and at MAX_CLIENTS,
 * and resumes when a client goes (listener_client_gone()).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "grab-socket-path.h"
#include "log.h"

#define MAX_CLIENTS 4096

/*
 * accept() failed with EMFILE or ENFILE: the connection stays in the
 * backlog and the listening socket stays readable, so without this the
 * event loop would spin and the client would hang.  Give up the spare fd,
 * accept the client, tell it why it is refused, close it, and take the
 * spare back.  Logged once per episode, not per client.  True if a
 * client was refused (there may be more).
 */
static bool refuse_at_fd_limit(struct daemon *d, int lfd, int err)
{
	struct grab_msg m;
	char why[GRAB_TEXT_MAX];
	int fd;

	if (!d->fd_limit)
		log_warn(
			"accept: %s: refusing new clients until some leave (%u connected)",
			strerror(err), d->nclients);
	d->fd_limit = true;
	if (d->spare_fd < 0) {
		/* Nothing to refuse with: stop listening until a client leaves. */
		event_del(d->accept_ev);
		return false;
	}
	close(d->spare_fd);
	d->spare_fd = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		snprintf(
			why, sizeof(why),
			"grabberd is at its open-file limit (%s): try again later",
			strerror(err));
		grab_msg_init(&m, GRAB_MSG_ERROR);
		m.u.error.error = err;
		grab_msg_set_text(m.u.error.reason, sizeof(m.u.error.reason),
				  why);
		send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
		/* Read what the client sent (its HELLO): closing a unix socket
		 * with unread data makes the peer's next recv() fail with
		 * ECONNRESET before it could read our ERROR. */
		while (recv(fd, &m, sizeof(m), MSG_DONTWAIT) > 0)
			;
		close(fd);
	}
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d->spare_fd < 0)
		event_del(d->accept_ev);
	return fd >= 0;
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct daemon *d = arg;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				if (refuse_at_fd_limit(d, lfd, errno))
					continue;
				return;
			}
			/* ENOBUFS and friends: log, try again on the next event. */
			log_warn("accept: %s", strerror(errno));
			return;
		}
		if (d->fd_limit) {
			d->fd_limit = false;
			log_info(
				"accept: below the open-file limit again: accepting clients");
		}
		if (client_new(d, fd))
			return;
		if (d->nclients >= MAX_CLIENTS) {
			log_warn(
				"%u clients: not accepting more until one leaves",
				d->nclients);
			event_del(d->accept_ev);
			return;
		}
	}
}

void listener_client_gone(struct daemon *d)
{
	/* A full accept queue was paused: there is room again. */
	if (d->nclients == MAX_CLIENTS - 1 && d->accept_ev)
		event_add(d->accept_ev, NULL);
	/* At the open-file limit without a spare fd, accepting was paused. */
	if (d->spare_fd < 0 && d->listen_fd >= 0) {
		d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (d->spare_fd >= 0 && d->accept_ev)
			event_add(d->accept_ev, NULL);
	}
}

/* A socket file left by a daemon that died: nobody answers on it. */
static int stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	strcpy(sa.sun_path, path);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ret < 0 && errno == ECONNREFUSED;
}

static int mkdir_parent(const char *path, char *why, size_t whylen)
{
	char dir[SOCKET_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* In /tmp someone else could have made it first: it must be ours
	 * (or root's), a real directory, and nobody else's to write in.
	 * libgrab checks the same before it trusts the socket in it. */
	return grab_socket_dir_check(dir, geteuid(), why, whylen);
}

int listener_open(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = d->cfg.socket_path;
	char why[256] = "";
	int n, fd, ret;

	n = sd_listen_fds(1);
	if (n > 1) {
		log_err("socket activation: %d sockets passed, expected one",
			n);
		return -EINVAL;
	}
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0) {
			log_err("socket activation: fd %d is not a listening unix SOCK_SEQPACKET socket",
				fd);
			return -EINVAL;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		d->socket_activated = true;
		log_info("listening on the socket systemd passed");
	} else {
		if (strlen(path) >= sizeof(sa.sun_path)) {
			log_err("socket %s: path too long", path);
			return -ENAMETOOLONG;
		}
		strcpy(sa.sun_path, path);
		ret = mkdir_parent(path, why, sizeof(why));
		if (ret) {
			log_err("socket %s: cannot use its directory: %s", path,
				why[0] ? why : strerror(-ret));
			return ret;
		}
		fd = socket(AF_UNIX,
			    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ret = -errno;
			log_err("socket: %s", strerror(errno));
			return ret;
		}
		if (access(path, F_OK) == 0) {
			if (!stale_socket(path)) {
				log_err("socket %s: exists and is in use (another grabberd?)",
					path);
				close(fd);
				return -EADDRINUSE;
			}
			unlink(path);
		}
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    chmod(path, d->cfg.socket_mode) < 0 ||
		    listen(fd, 128) < 0) {
			ret = -errno;
			log_err("socket %s: %s", path, strerror(errno));
			close(fd);
			return ret;
		}
		d->unlink_socket = true;
		if (d->cfg.socket_group[0]) {
			struct group *g = getgrnam(d->cfg.socket_group);

			if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0)
				log_warn(
					"socket %s: cannot give it to group %s",
					path, d->cfg.socket_group);
		}
	}
	d->listen_fd = fd;
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	d->accept_ev =
		event_new(d->base, fd, EV_READ | EV_PERSIST, accept_cb, d);
	if (!d->accept_ev)
		return -ENOMEM;
	event_add(d->accept_ev, NULL);
	return 0;
}

void listener_close(struct daemon *d)
{
	if (d->accept_ev)
		event_free(d->accept_ev);
	d->accept_ev = NULL;
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		if (d->unlink_socket)
			unlink(d->cfg.socket_path);
	}
	d->listen_fd = -1;
	if (d->spare_fd >= 0)
		close(d->spare_fd);
	d->spare_fd = -1;
}
