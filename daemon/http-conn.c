// SPDX-License-Identifier: MIT
/*
 * accept() on the HTTP socket failing with EMFILE or ENFILE (or ENOBUFS,
 * ENOMEM): libevent's listener would warn and retry on every loop turn, a
 * tight loop that logged a million lines in seconds.  Instead, stop
 * accepting for a second at a time until an accept succeeds again; logged
 * once per episode, like the unix socket's side (client.c).
 */
#include <errno.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "http.h"
#include "log.h"

/* The listener's callbacks get evhttp's argument, not ours: there is one
 * HTTP server per daemon. */
static struct http *the_http;

static void resume(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;

	evconnlistener_enable(evhttp_bound_socket_get_listener(h->sock));
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
		log_warn("http: accept: %s: not accepting HTTP connections for a second at a time until it passes",
			 strerror(err));
	h->accept_failing = true;
	h->accept_errors++;
	evconnlistener_disable(l);
	evtimer_add(h->resume_ev, &tv);
}

/* A request came: accept() works again (if it ever failed). */
void http_conn_request(struct http *h)
{
	if (h->accept_failing) {
		h->accept_failing = false;
		log_info("http: accepting connections again (%llu accept failures)",
			 (unsigned long long)h->accept_errors);
	}
}

int http_conn_start(struct http *h)
{
	h->resume_ev = evtimer_new(h->d->base, resume, h);
	if (!h->resume_ev)
		return -ENOMEM;
	the_http = h;
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(h->sock),
				    accept_error);
	return 0;
}

void http_conn_stop(struct http *h)
{
	the_http = NULL;
	if (h->resume_ev)
		event_free(h->resume_ev);
	h->resume_ev = NULL;
}
