// SPDX-License-Identifier: MIT
/* Peer-credential access rules; see access.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access.h"

/* A number, or a name the system knows. */
static int resolve(const char *word, bool group, unsigned int *ret_id)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(word, &end, 10);
	if (!errno && *word && !*end && n <= 0xfffffffful) {
		*ret_id = (unsigned int)n;
		return 0;
	}
	if (group) {
		struct group *g = getgrnam(word);

		if (!g)
			return -1;
		*ret_id = g->gr_gid;
	} else {
		struct passwd *p = getpwnam(word);

		if (!p)
			return -1;
		*ret_id = p->pw_uid;
	}
	return 0;
}

int access_parse(struct access_rules *rules, bool groups, const char *list,
		 char *bad, size_t badlen)
{
	char copy[1024], *word, *save = NULL;
	size_t *n = groups ? &rules->ngids : &rules->nuids;

	*n = 0;
	if (strlen(list) >= sizeof(copy)) {
		snprintf(bad, badlen, "list longer than %zu bytes",
			 sizeof(copy) - 1);
		return -1;
	}
	strcpy(copy, list);
	for (word = strtok_r(copy, " ,\t", &save); word;
	     word = strtok_r(NULL, " ,\t", &save)) {
		unsigned int id;

		if (*n == ACCESS_MAX_IDS) {
			snprintf(bad, badlen, "more than %d entries",
				 ACCESS_MAX_IDS);
			return -1;
		}
		if (resolve(word, groups, &id)) {
			snprintf(bad, badlen, "no such %s '%s'",
				 groups ? "group" : "user", word);
			return -1;
		}
		if (groups)
			rules->gids[(*n)++] = id;
		else
			rules->uids[(*n)++] = id;
	}
	return 0;
}

static bool gid_listed(const struct access_rules *rules, gid_t gid)
{
	size_t i;

	for (i = 0; i < rules->ngids; i++)
		if (rules->gids[i] == gid)
			return true;
	return false;
}

bool access_allowed(const struct access_rules *rules, int fd, uid_t *ret_uid)
{
	gid_t groups[256];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	size_t i, n;

	*ret_uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false; /* no credentials: nothing to trust */
	*ret_uid = cred.uid;
	if (!rules->nuids && !rules->ngids)
		return true;
	if (cred.uid == 0)
		return true;
	for (i = 0; i < rules->nuids; i++)
		if (rules->uids[i] == cred.uid)
			return true;
	if (gid_listed(rules, cred.gid))
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	n = len / sizeof(groups[0]);
	for (i = 0; i < n; i++)
		if (gid_listed(rules, groups[i]))
			return true;
	return false;
}

bool access_control_allowed(const struct access_rules *rules, int fd,
			    uid_t *ret_uid)
{
	bool allowed = access_allowed(rules, fd, ret_uid);

	if (!rules->nuids && !rules->ngids)
		return allowed && *ret_uid == 0;
	return allowed;
}
