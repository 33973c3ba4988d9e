// SPDX-License-Identifier: MIT
/* The default socket path, for grabberd and libgrab: see grab-socket-path.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grab-socket-path.h"

/* Why a check failed, when the caller wants to know. */
#define SAY(why, whylen, ...)                                   \
	do {                                                    \
		if ((why) && (whylen))                          \
			snprintf((why), (whylen), __VA_ARGS__); \
	} while (0)

int grab_socket_dir_check(const char *dir, uid_t uid, char *why, size_t whylen)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		int ret = -errno;

		SAY(why, whylen, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		SAY(why, whylen, "%s is not a directory (a symlink or a file)",
		    dir);
		return -ENOTDIR;
	}
	if (st.st_uid != uid && st.st_uid != 0) {
		SAY(why, whylen,
		    "%s belongs to uid %u, not to uid %u (or root): another user made it",
		    dir, (unsigned int)st.st_uid, (unsigned int)uid);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		SAY(why, whylen,
		    "%s is writable by others (mode %04o): anyone could replace the socket in it",
		    dir, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int grab_socket_check(const char *path, uid_t uid, char *why, size_t whylen)
{
	char dir[4096];
	struct stat st;
	char *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		ret = grab_socket_dir_check(dir, uid, why, whylen);
		if (ret)
			return ret;
	}
	if (lstat(path, &st) < 0) {
		ret = -errno;
		SAY(why, whylen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		SAY(why, whylen, "%s is not a socket", path);
		return -ENOTSOCK;
	}
	if (st.st_uid != uid && st.st_uid != 0) {
		SAY(why, whylen,
		    "%s belongs to uid %u, not to uid %u (or root): another user put it there",
		    path, (unsigned int)st.st_uid, (unsigned int)uid);
		return -EPERM;
	}
	return 0;
}

/* The user's places, in order: false when @i is past the last. */
static bool user_path(unsigned int i, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (xdg && xdg[0] == '/') {
		if (i == 0) {
			snprintf(buf, len, "%s/" GRAB_SOCKET_NAME, xdg);
			return true;
		}
		i--;
	}
	if (i > 0)
		return false;
	snprintf(buf, len, "/tmp/grabberd-%u/" GRAB_SOCKET_NAME,
		 (unsigned int)geteuid());
	return true;
}

void grab_socket_listen_path(char *buf, size_t len)
{
	/* /run/grabberd is root's (systemd's RuntimeDirectory); anyone else
	 * gets their own place. */
	if (geteuid() == 0 || access(GRAB_SYSTEM_SOCKET_DIR, W_OK) == 0)
		snprintf(buf, len, "%s", GRAB_SYSTEM_SOCKET);
	else
		user_path(0, buf, len);
}

int grab_socket_connect_path(char *buf, size_t len, char *why, size_t whylen)
{
	const char *env = getenv("GRAB_SOCKET");
	char path[4096];
	unsigned int i;
	int ret;

	if (why && whylen)
		why[0] = 0;
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	/* Connecting to a unix socket needs write permission on it: a user
	 * not allowed on the system daemon goes on to its own. */
	if (access(GRAB_SYSTEM_SOCKET, W_OK) == 0) {
		snprintf(buf, len, "%s", GRAB_SYSTEM_SOCKET);
		return 0;
	}
	for (i = 0; user_path(i, path, sizeof(path)); i++) {
		struct stat st;

		if (lstat(path, &st) < 0 && errno == ENOENT) {
			/* Nothing here; a directory another user made
			 * is still worth refusing loudly below. */
			char dir[4096];
			char *slash;

			snprintf(dir, sizeof(dir), "%s", path);
			slash = strrchr(dir, '/');
			*slash = 0;
			if (lstat(dir, &st) < 0)
				continue;
		}
		ret = grab_socket_check(path, geteuid(), why, whylen);
		if (ret == -ENOENT)
			continue;
		snprintf(buf, len, "%s", path);
		return ret;
	}
	snprintf(buf, len, "%s", GRAB_SYSTEM_SOCKET);
	return 0;
}
