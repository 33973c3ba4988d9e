/* SPDX-License-Identifier: MIT */
/*
 * Where grabberd listens when nobody says, for the daemon and for libgrab
 * (and grab-capture through it): one resolver, so both always agree.
 *
 * Candidates, in order:
 *   1. /run/grabberd/grabberd.sock  the system daemon (root's /run: nobody
 *                                   else can plant anything there)
 *   2. $XDG_RUNTIME_DIR/grabberd.sock  a daemon the user runs
 *   3. /tmp/grabberd-UID/grabberd.sock the same without a runtime directory
 *
 * 2 and 3 live where another local user could have been first (/tmp is
 * anyone's, $XDG_RUNTIME_DIR is only an environment variable): their
 * directory must be the user's (or root's) and writable by nobody else,
 * exactly what the daemon checks when it creates it, and the socket itself
 * the user's or root's.  A path that fails is refused, never used.
 */
#ifndef GRAB_SOCKET_PATH_H
#define GRAB_SOCKET_PATH_H

#include <stddef.h>
#include <sys/types.h>

#define GRAB_SYSTEM_SOCKET_DIR "/run/grabberd"
#define GRAB_SYSTEM_SOCKET GRAB_SYSTEM_SOCKET_DIR "/grabberd.sock"
#define GRAB_SOCKET_NAME "grabberd.sock"

/*
 * Is @dir a directory @uid may trust for its socket?  A real directory (not
 * a symlink), owned by @uid or root, and writable by no group or other
 * unless sticky (like /tmp: others cannot replace what is in it).
 * 0, or -errno with what is wrong in @why.
 */
int grab_socket_dir_check(const char *dir, uid_t uid, char *why, size_t whylen);

/*
 * Is @path, found in one of the per-user places, @uid's daemon's socket?
 * Its directory passes grab_socket_dir_check(), and it is a socket owned by
 * @uid or root.  0, -ENOENT if there is nothing there, or -EPERM (or
 * another -errno) with what is wrong in @why.
 */
int grab_socket_check(const char *path, uid_t uid, char *why, size_t whylen);

/* Where the daemon listens by default: the system path for root (or
 * whoever may write /run/grabberd), else the user's runtime directory,
 * else /tmp/grabberd-UID/. */
void grab_socket_listen_path(char *buf, size_t len);

/*
 * Where a client connects when not told: $GRAB_SOCKET as given; else the
 * system socket if it exists and we may connect to it; else the first of
 * the user's places that holds a socket; else the system path (so that
 * "not running" names the usual place).  A per-user socket that fails
 * grab_socket_check() is refused: -EPERM with the path in @buf and why in
 * @why.  0 otherwise.
 */
int grab_socket_connect_path(char *buf, size_t len, char *why, size_t whylen);

#endif
