// SPDX-License-Identifier: MIT
/*
 * grabberd's HTTP server (libevent's evhttp, in the daemon's event_base):
 *
 *   GET /                        the live page (http-page.h)
 *   GET /stream?stream=NAME      MJPEG, multipart/x-mixed-replace
 *   GET /snapshot?stream=NAME    one JPEG
 *   GET /state                   JSON
 *   GET /metrics                 Prometheus text format
 *   GET /?action=stream|snapshot the mjpg-streamer URLs
 *
 * stream= may be left out: the first configured stream.  HEAD works for
 * everything; any other method gets 405, an unknown path 404, an unknown
 * stream 404 with a message, a malformed query 400.  Headers are capped
 * (evhttp answers a larger request with 4xx and closes).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "http-page.h"
#include "log.h"

#define MAX_HEADERS_SIZE 8192
#define MAX_BODY_SIZE 4096
#define HTTP_TIMEOUT_S 30

void http_count_status(struct http *h, int code)
{
	if (code >= 500)
		h->responses_5xx++;
	else if (code >= 400)
		h->responses_4xx++;
}

static const char *reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

/* An error with a one-line text/plain message saying what was wrong. */
void http_reply_error(struct evhttp_request *req, int code, const char *fmt,
		      ...)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evhttp_request_get_output_buffer(req);
	va_list ap;

	evbuffer_drain(buf, evbuffer_get_length(buf));
	evhttp_remove_header(hdr, "Content-Type");
	evhttp_add_header(hdr, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evbuffer_add_printf(buf, "%d %s: ", code, reason(code));
	va_start(ap, fmt);
	evbuffer_add_vprintf(buf, fmt, ap);
	va_end(ap);
	evbuffer_add(buf, "\n", 1);
	evhttp_send_reply(req, code, reason(code), NULL);
}

static void reply_error(struct http *h, struct evhttp_request *req, int code,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply_error(struct http *h, struct evhttp_request *req, int code,
			const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("http: %s %s: %d %s",
		  evhttp_request_get_command(req) == EVHTTP_REQ_HEAD ? "HEAD" :
								       "GET",
		  evhttp_request_get_uri(req), code, msg);
	http_count_status(h, code);
	http_reply_error(req, code, "%s", msg);
}

static void reply_ok(struct http *h, struct evhttp_request *req,
		     const char *type)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);

	evhttp_add_header(hdr, "Content-Type", type);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

/* The stream a query names (or the first one), or NULL after a 4xx reply. */
static struct stream *query_stream(struct http *h, struct evhttp_request *req,
				   const struct http_query *q)
{
	struct daemon *d = h->d;
	struct stream *s;

	if (!q->stream) {
		if (d->nstreams)
			return d->streams[0];
		reply_error(h, req, HTTP_NOTFOUND, "no stream is configured");
		return NULL;
	}
	if (!grab_stream_name_valid(q->stream)) {
		reply_error(h, req, HTTP_BADREQUEST,
			    "stream name must be 1-63 of A-Z a-z 0-9 _ . -");
		return NULL;
	}
	s = daemon_find_stream(d, q->stream);
	if (!s)
		reply_error(h, req, HTTP_NOTFOUND, "no stream named \"%s\"",
			    q->stream);
	return s;
}

/* --- routes ------------------------------------------------------------------ */

static void do_stream(struct http *h, struct evhttp_request *req,
		      const struct http_query *q, bool snapshot)
{
	struct stream *s = query_stream(h, req, q);
	struct live *l;

	if (!s)
		return;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		reply_ok(
			h, req,
			snapshot ?
				"image/jpeg" :
				"multipart/x-mixed-replace;boundary=grabframe");
		return;
	}
	l = live_get(h, stream_name(s));
	if (!l) {
		reply_error(h, req, HTTP_INTERNAL, "out of memory");
		return;
	}
	if (snapshot)
		live_snapshot(l, s, req);
	else
		live_add_mjpeg(l, s, req);
}

static void do_page(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evbuffer_add_reference(out, http_page_top, sizeof(http_page_top) - 1,
			       NULL, NULL);
	evbuffer_add_printf(out, "<script>window.GRAB_STATE = ");
	state_json(h, out);
	evbuffer_add_printf(out, ";</script>\n");
	evbuffer_add_reference(out, http_page_script,
			       sizeof(http_page_script) - 1, NULL, NULL);
	reply_ok(h, req, "text/html; charset=utf-8");
}

static void do_state(struct http *h, struct evhttp_request *req)
{
	state_json(h, evhttp_request_get_output_buffer(req));
	reply_ok(h, req, "application/json");
}

static void do_metrics(struct http *h, struct evhttp_request *req)
{
	metrics_text(h, evhttp_request_get_output_buffer(req));
	reply_ok(h, req, "text/plain; version=0.0.4; charset=utf-8");
}

/* --- HTTP Basic authentication (http_auth = user:password) ----------------- */

static void base64(const char *in, char *out, size_t outlen)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), i, o = 0;

	for (i = 0; i < n && o + 5 <= outlen; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = 0;
}

/*
 * Compare in time that depends only on the length of what was sent, never
 * on where the first difference is: no byte of the password leaks through
 * timing.
 */
static bool equal_ct(const char *sent, const char *expected)
{
	size_t ls = strlen(sent), le = strlen(expected), i;
	unsigned int diff = ls != le;

	for (i = 0; i < ls; i++)
		diff |= (unsigned char)sent[i] ^
			(unsigned char)(i < le ? expected[i] : 0);
	return diff == 0;
}

/* True if the request may go on; otherwise it got its 401. */
static bool authorized(struct http *h, struct evhttp_request *req)
{
	const char *auth = h->d->cfg.http_auth;
	const char *sent;
	char expected[sizeof(h->d->cfg.http_auth) * 4 / 3 + 16];

	if (!auth[0])
		return true;
	base64(auth, expected, sizeof(expected));
	sent = evhttp_find_header(evhttp_request_get_input_headers(req),
				  "Authorization");
	/* The scheme is case-insensitive (RFC 9110, 11.1); the credentials
	 * follow after one or more spaces. */
	if (sent && !strncasecmp(sent, "Basic ", 6)) {
		const char *cred = sent + 6;

		while (*cred == ' ')
			cred++;
		if (equal_ct(cred, expected))
			return true;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "WWW-Authenticate",
			  "Basic realm=\"grabberd\", charset=\"UTF-8\"");
	/* A peer without the password keeps no connection open. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
			  "close");
	reply_error(h, req, 401, "%s",
		    sent ? "wrong user or password" :
			   "authentication required");
	return false;
}

/* Loopback: 127.0.0.0/8, ::1, localhost. */
static bool is_loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strcmp(host, "::1") ||
	       !strcmp(host, "localhost");
}

static void request_cb(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *raw = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq kv;
	struct http_query q;
	char why[256];
	int route;

	h->requests++;
	/* Authentication first: before the path, the query or any work. */
	/* Authentication first: before the path, the query or any work. */
	if (!authorized(h, req)) {
		http_conn_request(h, req, false);
		return;
	}
	/* evhttp hands over requests it could not parse with no URI. */
	if (!uri || !path) {
		reply_error(h, req, HTTP_BADREQUEST, "malformed request");
		return;
	}
	route = http_route(path, raw,
			   cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD, &kv,
			   &q, why, sizeof(why));
	http_conn_request(h, req,
			  route == HTTP_ROUTE_STREAM && cmd == EVHTTP_REQ_GET);
	switch (route) {
	case HTTP_ROUTE_PAGE:
		do_page(h, req);
		break;
	case HTTP_ROUTE_STREAM:
	case HTTP_ROUTE_SNAPSHOT:
		do_stream(h, req, &q, route == HTTP_ROUTE_SNAPSHOT);
		break;
	case HTTP_ROUTE_STATE:
		do_state(h, req);
		break;
	case HTTP_ROUTE_METRICS:
		do_metrics(h, req);
		break;
	default:
		if (route == -HTTP_BADMETHOD)
			evhttp_add_header(
				evhttp_request_get_output_headers(req), "Allow",
				"GET, HEAD");
		if (!strcmp(path, "/favicon.ico") && route == -HTTP_NOTFOUND) {
			/* Browsers ask on their own: not worth a log line. */
			http_count_status(h, HTTP_NOTFOUND);
			http_reply_error(req, HTTP_NOTFOUND, "%s", why);
		} else {
			reply_error(h, req, -route, "%s", why);
		}
		break;
	}
	evhttp_clear_headers(&kv);
}

/* --- the server ---------------------------------------------------------------- */

int http_start(struct daemon *d)
{
	struct http *h;
	const char *addr = d->cfg.listen_http;

	if (!addr[0]) {
		log_info("HTTP live view: off");
		return 0;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_err("HTTP: out of memory");
		return -ENOMEM;
	}
	h->d = d;
	h->start_ns = mono_ns();
	TAILQ_INIT(&h->lives);
	if (config_parse_listen(addr, h->host, sizeof(h->host), &h->port)) {
		log_err("HTTP: bad listen address %s", addr);
		free(h);
		return -EINVAL;
	}
	h->evh = evhttp_new(d->base);
	if (!h->evh) {
		log_err("HTTP: cannot create the server");
		free(h);
		return -ENOMEM;
	}
	/* Every method reaches us, even those evhttp has no name for (it
	 * would answer them 501 itself), so that the wrong ones get 405. */
	evhttp_set_allowed_methods(h->evh, 0xffff);
	evhttp_set_max_headers_size(h->evh, MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(h->evh, MAX_BODY_SIZE);
	evhttp_set_timeout(h->evh, HTTP_TIMEOUT_S);
	evhttp_set_gencb(h->evh, request_cb, h);
	errno = 0;
	h->sock = evhttp_bind_socket_with_handle(h->evh, h->host, h->port);
	if (!h->sock) {
		int err = errno ? errno : EADDRNOTAVAIL;

		if (err == EADDRINUSE && !d->cfg.listen_http_set) {
			/* Only the default address: the daemon is still useful. */
			log_warn(
				"HTTP: 127.0.0.1:8080 (the default) is already in use: no live view; choose a port with --http ADDR:PORT or listen_http");
			evhttp_free(h->evh);
			free(h);
			return 0;
		}
		if (err == EADDRINUSE)
			log_err("HTTP: cannot listen on %s: the port is already in use (another grabberd?); choose another with --http ADDR:PORT or listen_http, or turn HTTP off with --no-http",
				addr);
		else
			log_err("HTTP: cannot listen on %s: %s", addr,
				strerror(err));
		evhttp_free(h->evh);
		free(h);
		return -err;
	}
	if (h->port == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = evhttp_bound_socket_get_fd(h->sock);

		if (!getsockname(fd, (struct sockaddr *)&ss, &len)) {
			if (ss.ss_family == AF_INET)
				h->port = ntohs(
					((struct sockaddr_in *)&ss)->sin_port);
			else if (ss.ss_family == AF_INET6)
				h->port = ntohs(
					((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	if (http_conn_start(h, d->cfg.http_max_connections)) {
		log_err("HTTP: out of memory");
		evhttp_free(h->evh);
		free(h);
		return -ENOMEM;
	}
	snprintf(h->url, sizeof(h->url), "http://%s%s%s:%u/",
		 strchr(h->host, ':') ? "[" : "", h->host,
		 strchr(h->host, ':') ? "]" : "", (unsigned int)h->port);
	d->http = h;
	log_info("HTTP live view on %s (MJPEG: %sstream?stream=NAME)%s", h->url,
		 h->url,
		 d->cfg.http_auth[0] ? ", HTTP Basic authentication" : "");
	if (!is_loopback(h->host) && !d->cfg.http_auth[0])
		log_warn(
			"HTTP: listening on %s, not loopback, without http_auth: anyone who can reach this address sees every stream; set http_auth = USER:PASSWORD in [grabberd], or bind 127.0.0.1 behind a proxy",
			addr);
	return 0;
}

void http_stop(struct daemon *d)
{
	struct http *h = d->http;
	struct live *l;

	if (!h)
		return;
	while ((l = TAILQ_FIRST(&h->lives)))
		live_free(l, "grabberd is stopping");
	evhttp_free(h->evh);
	http_conn_stop(h);
	free(h);
	d->http = NULL;
}
