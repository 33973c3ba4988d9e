// SPDX-License-Identifier: MIT
/*
 * Which reply an HTTP request gets, from its path, method and query alone:
 * no I/O and no daemon state, so that the fuzzer (tests/fuzz/fuzz-http.c)
 * drives exactly what request_cb() in http.c runs on every request.
 */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/*
 * Parse @raw into @q (pointing into @kv).  Only the keys in @allowed
 * (space-separated) are accepted; keys starting with "_" are ignored (cache
 * busters).  0, or -1 with a message in @why.
 */
static int parse_query(const char *raw, const char *allowed,
		       struct evkeyvalq *kv, struct http_query *q, char *why,
		       size_t whylen)
{
	struct evkeyval *e;
	const char *p;

	if (!raw)
		return 0;
	for (p = raw; *p; p++) {
		if (*p == '%' && !(is_hex(p[1]) && is_hex(p[2]))) {
			snprintf(why, whylen, "bad %%-escape in the query");
			return -1;
		}
		/* Decoded, a NUL would cut the value short: "default%00evil"
		 * must not be served as "default". */
		if (*p == '%' && p[1] == '0' && p[2] == '0') {
			snprintf(why, whylen, "a NUL (%%00) in the query");
			return -1;
		}
	}
	if (evhttp_parse_query_str(raw, kv) < 0) {
		snprintf(why, whylen,
			 "malformed query (expected key=value&key=value)");
		return -1;
	}
	TAILQ_FOREACH(e, kv, next) {
		const char **slot = NULL;
		size_t n = strlen(e->key);
		const char *a;

		if (e->key[0] == '_')
			continue;
		/* Only a key we know can be allowed: a key with a space in it
		 * ("action stream") would match two words of @allowed. */
		if (!strcmp(e->key, "stream"))
			slot = &q->stream;
		else if (!strcmp(e->key, "action"))
			slot = &q->action;
		for (a = allowed; slot && (a = strstr(a, e->key)); a += n)
			if ((a == allowed || a[-1] == ' ') &&
			    (a[n] == ' ' || a[n] == 0))
				break;
		if (!slot || !a) {
			snprintf(why, whylen,
				 "unknown query parameter \"%.64s\"%s%s",
				 e->key,
				 allowed[0] ? " (this path takes: " : "",
				 allowed[0] ? allowed : "");
			if (allowed[0])
				strncat(why, ")", whylen - strlen(why) - 1);
			return -1;
		}
		if (*slot) {
			snprintf(why, whylen, "\"%s\" given twice", e->key);
			return -1;
		}
		*slot = e->value;
	}
	return 0;
}

int http_route(const char *path, const char *query, bool get_or_head,
	       struct evkeyvalq *kv, struct http_query *q, char *why,
	       size_t whylen)
{
	memset(q, 0, sizeof(*q));
	TAILQ_INIT(kv);
	why[0] = 0;
	if (!*path)
		path = "/";
	if (strcmp(path, "/") && strcmp(path, "/stream") &&
	    strcmp(path, "/snapshot") && strcmp(path, "/state") &&
	    strcmp(path, "/metrics") && strcmp(path, "/favicon.ico") &&
	    strcmp(path, "/index.html")) {
		snprintf(
			why, whylen,
			"no such page (try /, /stream, /snapshot, /state or /metrics)");
		return -HTTP_NOTFOUND;
	}
	if (!get_or_head) {
		snprintf(why, whylen, "only GET and HEAD are served here");
		return -HTTP_BADMETHOD;
	}
	if (!strcmp(path, "/favicon.ico")) {
		snprintf(why, whylen, "no icon");
		return -HTTP_NOTFOUND;
	}
	if (!strcmp(path, "/stream") || !strcmp(path, "/snapshot")) {
		if (parse_query(query, "stream", kv, q, why, whylen))
			return -HTTP_BADREQUEST;
		return path[2] == 'n' ? HTTP_ROUTE_SNAPSHOT : HTTP_ROUTE_STREAM;
	}
	if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
		if (parse_query(query, "action stream", kv, q, why, whylen))
			return -HTTP_BADREQUEST;
		if (!q->action)
			return HTTP_ROUTE_PAGE;
		if (!strcmp(q->action, "stream"))
			return HTTP_ROUTE_STREAM;
		if (!strcmp(q->action, "snapshot"))
			return HTTP_ROUTE_SNAPSHOT;
		snprintf(why, whylen, "action must be stream or snapshot");
		return -HTTP_BADREQUEST;
	}
	if (parse_query(query, "", kv, q, why, whylen))
		return -HTTP_BADREQUEST;
	return !strcmp(path, "/state") ? HTTP_ROUTE_STATE : HTTP_ROUTE_METRICS;
}
