/* SPDX-License-Identifier: MIT */
/*
 * The HTTP live view, inside grabberd's event_base (libevent's evhttp):
 *
 *   http.c         the server: listening, routing, queries, errors, the page
 *   http-live.c    per stream: the ring read, JPEG encoded once per frame
 *                  (only while someone watches), MJPEG viewers, snapshots
 *   http-nosignal.c  the "no signal" picture a viewer sees while the
 *                  stream's source fails
 *   state-json.c   GET /state
 *   metrics.c      GET /metrics (Prometheus text format)
 *   http-page.h    GET / (one self-contained page)
 *
 * Objects:
 *   struct http    one per daemon (d->http), NULL when HTTP is off
 *   struct live    one per stream name somebody asked for over HTTP: the
 *                  JPEG shared by its viewers, counters since the start
 *   struct viewer  one per MJPEG reply in progress or snapshot waiting: a
 *                  consumer of the stream (struct consumer), like a socket
 *                  client
 *   struct jpeg_frame  one encoded frame, shared (refcounted) by every
 *                  viewer it is being sent to: never copied per viewer
 */
#ifndef GRABBERD_HTTP_H
#define GRABBERD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "grab-ring.h"
#include "daemon.h"

struct grab_jpeg_encoder;

struct jpeg_frame {
	unsigned int refs;
	uint64_t sequence;
	uint64_t timestamp_ns;
	size_t len;
	size_t cap;
	uint8_t data[];
};

enum viewer_kind {
	VIEWER_MJPEG, /* GET /stream, /?action=stream */
	VIEWER_SNAPSHOT, /* GET /snapshot waiting for a frame */
};

/**
 * struct viewer - one HTTP consumer of a stream's JPEGs
 * @consumer:   what the stream knows of it; attached while it exists
 * @req:        the request being answered (NULL once the connection went)
 * @in_flight:  a frame was handed to the connection and is not written out
 *              yet; while set, new frames are skipped (counted in @missed)
 * @last_seq:   sequence of the last frame sent (valid if @sent_any)
 * @timer:      snapshot: give up if no frame comes
 */
struct viewer {
	struct consumer consumer;
	TAILQ_ENTRY(viewer) link;
	struct live *live;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct event *timer;
	enum viewer_kind kind;
	unsigned int id;
	char peer[64];
	bool in_flight;
	bool nosignal_due; /* the no-signal picture waits for in_flight */
	bool sent_any;
	uint64_t last_seq;
	uint64_t frames;
	uint64_t missed;
	uint64_t bytes;
	uint64_t connected_ns;
};

TAILQ_HEAD(viewer_list, viewer);

/**
 * struct live - the HTTP side of one stream
 * @map, @map_size, @reader: the stream's ring, mapped read-only
 * @ring_dev, @ring_ino: which ring is mapped (a new source means a new ring)
 * @current:    the newest JPEG encoded (one reference held here)
 * @spare:      a buffer kept for the next encode, so a steady stream does
 *              not allocate
 * @newest_seq: sequence of the newest frame the stream published (while
 *              someone watches)
 * @wanted:     a viewer was ready for the newest frame
 * @tried:      the newest frame was encoded (or failed to: @encode_err)
 *
 * It never points at its stream: the viewers do, and the stream tells them
 * when it goes.  Without viewers it keeps only its encoder and counters.
 */
struct live {
	struct http *h;
	char name[GRAB_NAME_MAX];
	TAILQ_ENTRY(live) link;
	void *map;
	size_t map_size;
	dev_t ring_dev;
	ino_t ring_ino;
	struct grab_ring_reader reader;
	struct grab_jpeg_encoder *enc;
	struct grab_format enc_fmt;
	int enc_quality;
	struct jpeg_frame *current, *spare;
	struct jpeg_frame *nosignal; /* the picture of why the source fails */
	char nosignal_why[GRAB_TEXT_MAX]; /* ... for this reason */
	uint64_t newest_seq;
	bool any_published;
	bool wanted;
	bool tried;
	int encode_err;
	struct viewer_list viewers;
	unsigned int nviewers; /* MJPEG + snapshots waiting */
	/* counters, since the daemon started */
	uint64_t encoded; /* JPEGs made */
	uint64_t passed; /* JPEGs of an MJPEG source served as they are */
	uint64_t encoded_bytes;
	uint64_t encode_ns; /* time spent encoding */
	uint64_t idle_skips; /* frames nobody was ready for */
	uint64_t torn; /* overwritten while being encoded */
	uint64_t viewer_missed; /* missed by viewers that left */
	uint64_t viewer_frames; /* sent to viewers that left */
	uint64_t bytes_sent; /* to every viewer */
	uint64_t snapshots; /* answered */
	uint64_t viewers_total; /* MJPEG viewers that came */
	char error[GRAB_TEXT_MAX]; /* last encoding problem */
};

TAILQ_HEAD(live_list, live);

struct http_conn;
TAILQ_HEAD(http_conn_list, http_conn);

struct http {
	struct daemon *d;
	struct evhttp *evh;
	struct evhttp_bound_socket *sock;
	char host[CONFIG_LISTEN_MAX];
	uint16_t port; /* bound (port 0 in the config: chosen) */
	char url[CONFIG_LISTEN_MAX + 16];
	struct live_list lives;
	unsigned int nviewers; /* all streams */
	unsigned int next_viewer_id;
	uint64_t start_ns;
	uint64_t requests;
	uint64_t responses_4xx;
	uint64_t responses_5xx;
	/* http-conn.c: connections as a resource */
	struct http_conn_list conns;
	unsigned int nconns; /* open now */
	unsigned int peak_conns;
	unsigned int max_conns; /* http_max_connections, or less */
	bool at_cap; /* logged at the cap, this episode */
	bool accept_failing; /* accept() failed (EMFILE...) */
	bool accept_paused; /* ... and waits a second */
	struct event *resume_ev, *sweep_ev, *adopt_ev;
	uint64_t head_timeouts; /* cut off: no request head in time */
	uint64_t accept_errors;
};

#define HTTP_MAX_VIEWERS 256
#define HTTP_SNAPSHOT_TIMEOUT_S 5
/* A request head must be complete this long after the connection (or the
 * previous request) came, however slowly it trickles in. */
#define HTTP_HEAD_TIMEOUT_S 10

/* http-conn.c: the cap, the request-head deadline, accept() backoff */
int http_conn_start(struct http *h, unsigned int max_conns);
void http_conn_stop(struct http *h);
/* A request head arrived; @streaming: an MJPEG reply that lasts as long
 * as the viewer watches (no deadline any more). */
void http_conn_request(struct http *h, struct evhttp_request *req,
		       bool streaming);

/* http-nosignal.c: a JPEG of @width x @height saying NO SIGNAL and @why,
 * at @quality, one reference in *@ret.  0 or -errno. */
int http_nosignal_jpeg(uint32_t width, uint32_t height, const char *why,
		       int quality, struct jpeg_frame **ret);

/* http.c */
void http_reply_error(struct evhttp_request *req, int code, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));
void http_count_status(struct http *h, int code);

/* http-route.c: which reply a request gets, from its path, whether its
 * method is GET or HEAD, and its raw query (NULL: none).  Returns an
 * HTTP_ROUTE_*, or minus an HTTP status (400, 404, 405) with a message in
 * @why.  @q points into @kv, which the caller clears with
 * evhttp_clear_headers() whatever the result. */
enum http_route {
	HTTP_ROUTE_PAGE,
	HTTP_ROUTE_STREAM,
	HTTP_ROUTE_SNAPSHOT,
	HTTP_ROUTE_STATE,
	HTTP_ROUTE_METRICS,
};
struct http_query {
	const char *stream; /* NULL: not given */
	const char *action;
};
int http_route(const char *path, const char *query, bool get_or_head,
	       struct evkeyvalq *kv, struct http_query *q, char *why,
	       size_t whylen);

/* http-live.c */
/* The live view of stream @name, NULL if nobody watched it over HTTP. */
struct live *live_find(struct http *h, const char *name);
/* The live view of stream @name, made on first use; NULL when out of
 * memory. */
struct live *live_get(struct http *h, const char *name);
/* A viewer of @s (whose live view is @l) for @req. */
void live_add_mjpeg(struct live *l, struct stream *s,
		    struct evhttp_request *req);
void live_snapshot(struct live *l, struct stream *s,
		   struct evhttp_request *req);
/* Ends its viewers' replies with @why, then frees it. */
void live_free(struct live *l, const char *why);
bool live_encoding(const struct live *l);

/* state-json.c, metrics.c: append the reply body to @out. */
void state_json(struct http *h, struct evbuffer *out);
void metrics_text(struct http *h, struct evbuffer *out);
/* A JSON string literal of @s (quotes included). */
void json_string(struct evbuffer *out, const char *s);

#endif
