// SPDX-License-Identifier: MIT
/*
 * HTTP connections as a resource: each is an fd, and a peer must not be able
 * to hold them without end or take the daemon to its open-file limit.
 *
 * - A cap (http_max_connections): at the cap the listener stops accepting;
 *   further connections wait in the kernel's backlog until one closes.
 * - A deadline for each request head, counted from the connection (or the
 *   previous request): a peer that trickles a byte every few seconds is
 *   cut off when it passes, whatever it sends.  (evhttp's own timeout
 *   restarts with every byte.)  An MJPEG stream, once asked for, has none.
 * - accept() failing with EMFILE or ENFILE (or ENOBUFS...): stop accepting
 *   for a second at a time instead of retrying, and logging, in a tight
 *   loop; logged once per episode, like the unix socket's side.
 *
 * evhttp tells us of a new connection only through the hook that makes its
 * bufferevent (evhttp_set_bevcb), before the socket is attached, and never
 * of a connection going away.  So a new connection is adopted on the next
 * loop turn (its fd and the socket's inode noted), and a sweep twice a
 * second finds the ones whose fd is closed or now names another file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "http.h"
#include "log.h"

#define SWEEP_MS 500

struct http_conn {
	TAILQ_ENTRY(http_conn) link;
	struct bufferevent *bev; /* until adopted: held with a reference */
	evutil_socket_t fd; /* -1 until adopted */
	ino_t ino; /* the socket's, to tell fd reuse */
	uint64_t deadline_ns; /* next request head due; 0: none */
};

/* The listener's callbacks get evhttp's argument, not ours: there is one
 * HTTP server per daemon. */
static struct http *the_http;

static void set_accepting(struct http *h)
{
	struct evconnlistener *l = evhttp_bound_socket_get_listener(h->sock);
	bool on = h->nconns < h->max_conns && !h->accept_paused;

	if (on)
		evconnlistener_enable(l);
	else
		evconnlistener_disable(l);
}

static void conn_free(struct http *h, struct http_conn *c)
{
	TAILQ_REMOVE(&h->conns, c, link);
	if (c->bev)
		bufferevent_decref(c->bev);
	free(c);
	h->nconns--;
}

/* Note the fd and inode of a connection evhttp has set up. */
static void adopt(struct http *h, struct http_conn *c)
{
	void *arg = NULL;
	struct stat st;

	c->fd = bufferevent_getfd(c->bev);
	/* bufferevent_free() clears the callbacks: NULL means evhttp gave
	 * the connection up already. */
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &arg);
	bufferevent_decref(c->bev);
	c->bev = NULL;
	if (c->fd < 0 || !arg || fstat(c->fd, &st) < 0) {
		conn_free(h, c);
		return;
	}
	c->ino = st.st_ino;
}

static bool still_open(const struct http_conn *c)
{
	struct stat st;

	return fstat(c->fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       st.st_ino == c->ino;
}

static void sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	struct http_conn *c, *next;
	uint64_t now = mono_ns();

	for (c = TAILQ_FIRST(&h->conns); c; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->bev) {
			adopt(h, c);
			continue;
		}
		if (!still_open(c)) {
			conn_free(h, c);
			continue;
		}
		if (c->deadline_ns && now >= c->deadline_ns) {
			/* evhttp reads EOF and closes it; the next sweep
			 * sees it gone. */
			h->head_timeouts++;
			log_debug(
				"http: no complete request within %d s: connection closed",
				HTTP_HEAD_TIMEOUT_S);
			shutdown(c->fd, SHUT_RDWR);
			c->deadline_ns = 0;
		}
	}
	if (h->at_cap && h->nconns <= h->max_conns / 2)
		h->at_cap = false; /* the episode is over: log the next */
	set_accepting(h);
	if (TAILQ_EMPTY(&h->conns))
		evtimer_del(h->sweep_ev);
}

/* evhttp_set_bevcb(): a connection was accepted, its socket not yet set. */
static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
	struct timeval tv = { 0, SWEEP_MS * 1000 };
	struct http *h = arg;
	struct http_conn *c;
	struct bufferevent *bev;

	if (h->accept_failing) {
		h->accept_failing = false;
		log_info(
			"http: accepting connections again (%llu accept failures)",
			(unsigned long long)h->accept_errors);
	}
	/* What evhttp would make itself. */
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c = calloc(1, sizeof(*c));
	if (!bev || !c) {
		free(c);
		return bev; /* served, just not counted */
	}
	bufferevent_incref(bev); /* until adopted: see adopt() */
	c->bev = bev;
	c->fd = -1;
	c->deadline_ns = mono_ns() + HTTP_HEAD_TIMEOUT_S * 1000000000ull;
	TAILQ_INSERT_TAIL(&h->conns, c, link);
	h->nconns++;
	if (h->nconns > h->peak_conns)
		h->peak_conns = h->nconns;
	if (TAILQ_FIRST(&h->conns) == c || !evtimer_pending(h->sweep_ev, NULL))
		evtimer_add(h->sweep_ev, &tv);
	event_active(h->adopt_ev, EV_TIMEOUT, 0);
	if (h->nconns >= h->max_conns) {
		if (!h->at_cap)
			log_warn(
				"http: %u connections open (http_max_connections): new ones wait until some close",
				h->nconns);
		h->at_cap = true;
		set_accepting(h);
	}
	return bev;
}

static void adopt_new(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	struct http_conn *c, *next;

	for (c = TAILQ_FIRST(&h->conns); c; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->bev)
			adopt(h, c);
	}
	set_accepting(h);
}

void http_conn_request(struct http *h, struct evhttp_request *req,
		       bool streaming)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev =
		evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	struct http_conn *c;

	TAILQ_FOREACH(c, &h->conns, link) {
		if (c->bev == bev && bev)
			adopt(h, c); /* it may be gone then: look again */
	}
	TAILQ_FOREACH(c, &h->conns, link) {
		/* The fd number alone may still name a connection that
		 * closed (not swept yet): the inode tells them apart. */
		if (c->fd != fd || fd < 0 || !still_open(c))
			continue;
		/* A stream lasts as long as its viewer watches; anything
		 * else gets its reply, and the next request head is due
		 * within the deadline again. */
		c->deadline_ns = streaming ?
					 0 :
					 mono_ns() + (HTTP_HEAD_TIMEOUT_S +
						      HTTP_SNAPSHOT_TIMEOUT_S) *
							     1000000000ull;
		return;
	}
}

static void resume(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;

	h->accept_paused = false;
	set_accepting(h);
}

/* accept() failed with something other than "try again". */
static void accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval tv = { 1, 0 };
	struct http *h = the_http;
	int err = EVUTIL_SOCKET_ERROR();

	if (!h)
		return;
	if (!h->accept_failing)
		log_warn(
			"http: accept: %s: not accepting HTTP connections for a second at a time until it passes (%u open)",
			strerror(err), h->nconns);
	h->accept_failing = true;
	h->accept_errors++;
	h->accept_paused = true;
	set_accepting(h);
	evtimer_add(h->resume_ev, &tv);
}

/*
 * http_max_connections, but never so many that HTTP alone could take the
 * daemon to its open-file limit: half of what the limit leaves after a
 * margin stays for socket clients, rings and the daemon itself.
 */
static unsigned int max_conns(unsigned int want)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	room = rl.rlim_cur > 66 ? (rl.rlim_cur - 64) / 2 : 1;
	if (want <= room)
		return want;
	log_warn(
		"HTTP: http_max_connections = %u: the open-file limit (%llu) leaves room for %llu",
		want, (unsigned long long)rl.rlim_cur,
		(unsigned long long)room);
	return (unsigned int)room;
}

int http_conn_start(struct http *h, unsigned int want)
{
	TAILQ_INIT(&h->conns);
	h->max_conns = max_conns(want);
	h->resume_ev = evtimer_new(h->d->base, resume, h);
	h->sweep_ev = event_new(h->d->base, -1, EV_PERSIST, sweep, h);
	h->adopt_ev = evtimer_new(h->d->base, adopt_new, h);
	if (!h->resume_ev || !h->sweep_ev || !h->adopt_ev)
		return -ENOMEM;
	the_http = h;
	evhttp_set_bevcb(h->evh, new_conn, h);
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(h->sock),
				    accept_error);
	return 0;
}

/* After evhttp_free(): the connections are closed. */
void http_conn_stop(struct http *h)
{
	struct http_conn *c;

	the_http = NULL;
	while ((c = TAILQ_FIRST(&h->conns)))
		conn_free(h, c);
	if (h->resume_ev)
		event_free(h->resume_ev);
	if (h->sweep_ev)
		event_free(h->sweep_ev);
	if (h->adopt_ev)
		event_free(h->adopt_ev);
	h->resume_ev = h->sweep_ev = h->adopt_ev = NULL;
}
