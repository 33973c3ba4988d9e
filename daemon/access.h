/* SPDX-License-Identifier: MIT */
/*
 * Who may connect: allowed_uids / allowed_groups from [grabberd], checked
 * against the peer's credentials (SO_PEERCRED, SO_PEERGROUPS) on accept.
 * Empty lists allow everyone the socket's permissions let in.
 */
#ifndef GRABBERD_ACCESS_H
#define GRABBERD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ACCESS_MAX_IDS 32

/**
 * struct access_rules - the parsed allow lists
 * @uids:  users allowed, by uid
 * @nuids: entries in @uids
 * @gids:  groups whose members (primary or supplementary) are allowed
 * @ngids: entries in @gids
 */
struct access_rules {
	uid_t uids[ACCESS_MAX_IDS];
	size_t nuids;
	gid_t gids[ACCESS_MAX_IDS];
	size_t ngids;
};

/*
 * Parse a list of user (or, with @groups, group) names or numbers separated
 * by spaces or commas into @rules.  Returns 0, or -1 with the offending word
 * in @bad (@badlen bytes).
 */
int access_parse(struct access_rules *rules, bool groups, const char *list,
		 char *bad, size_t badlen);

/*
 * May the peer of the connected socket @fd connect?  Root always may (it can
 * read any ring anyway).  Returns true or false; *@ret_uid gets the peer's
 * uid for the log.
 */
bool access_allowed(const struct access_rules *rules, int fd, uid_t *ret_uid);

/*
 * May the peer of @fd change a camera's controls (control_uids /
 * control_groups)?  Like access_allowed(), except that empty lists allow
 * root only: a control changes the picture for every client.
 */
bool access_control_allowed(const struct access_rules *rules, int fd,
			    uid_t *ret_uid);

#endif /* GRABBERD_ACCESS_H */
