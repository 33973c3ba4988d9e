/* SPDX-License-Identifier: MIT */
/*
 * grabberd's objects and how they hold each other:
 *
 *   struct daemon   one per process: the event_base, the listening socket,
 *                   the configuration, the streams, every client
 *   struct stream   one per [stream NAME]: its source (while someone
 *                   watches), its clients, its counters, its frame hooks
 *   struct source   a running producer (test, grab, v4l2) and its ring fd
 *   struct client   one per accepted connection
 */
#ifndef GRABBERD_DAEMON_H
#define GRABBERD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "config.h"
#include "grab-proto.h"

struct stream;
struct client;
struct http;

TAILQ_HEAD(client_list, client);

struct daemon {
	struct event_base *base;
	struct config cfg;
	struct config_overrides ov;
	const char *config_path;	/* --config, or NULL */
	int listen_fd;
	int spare_fd;			/* held so an fd is free to refuse with */
	bool fd_limit;			/* at the open-file limit: refusing */
	bool socket_activated;
	bool unlink_socket;		/* we created the socket file */
	struct event *accept_ev;
	struct event *sig_ev[5];
	struct event *tick_ev;		/* once a second: fps, STATUS= */
	struct stream *streams[CONFIG_MAX_STREAMS];
	size_t nstreams;
	struct client_list clients;	/* every connection */
	unsigned int nclients;
	unsigned int next_client_id;
	bool test_stall;		/* SIGUSR1: test sources stop producing */
	struct http *http;		/* the HTTP live view, NULL when off */
	int exit_status;
};

/* --- source.c, source-*.c: producers ------------------------------------ */

struct source;

struct source_ops {
	const char *prefix;	/* "test:", "grab:", "v4l2:" */
	/* Open the device (or memfd), fill src->info and src->ring_fd, start
	 * producing.  Returns 0, or -errno with a reason in @why. */
	int (*start)(struct source *src, char *why, size_t whylen);
	void (*stop)(struct source *src);
	/* Test hook: stop or resume producing while staying "running". */
	void (*stall)(struct source *src, bool on);
};

/**
 * struct source - a running producer
 * @ops:       its kind
 * @stream:    the stream it publishes to
 * @base:      the event loop
 * @cfg:       what was asked for
 * @ring_fd:   read-only fd of the ring, passed to clients
 * @ring_size: bytes a client maps
 * @format:    geometry actually produced
 * @nslots:    slots in the ring
 * @fps_num:   rate actually produced
 * @fps_den:   see @fps_num
 * @dropped:   frames the source could not produce in time
 * @priv:      the source's own state
 */
struct source {
	const struct source_ops *ops;
	struct stream *stream;
	struct event_base *base;
	struct stream_config cfg;
	int ring_fd;
	uint64_t ring_size;
	struct grab_format format;
	uint32_t nslots;
	uint32_t fps_num;
	uint32_t fps_den;
	uint64_t dropped;
	void *priv;
};

/* Create and start the source @cfg->source names.  NULL and a reason in @why
 * (and *@ret_err) if it cannot. */
struct source *source_start(struct event_base *base, struct stream *stream,
			    const struct stream_config *cfg, bool stall,
			    int *ret_err, char *why, size_t whylen);
void source_stop(struct source *src);

extern const struct source_ops source_test_ops;
extern const struct source_ops source_grab_ops;
extern const struct source_ops source_v4l2_ops;

/* --- stream.c: capture on demand, fan-out -------------------------------- */

/* A per-stream "frame published" hook, for other consumers (HTTP). */
typedef void (*stream_frame_hook)(struct stream *stream,
				  const struct grab_msg_frame *frame, void *arg);

enum stream_state {
	STREAM_STOPPED = 0,	/* nobody watching */
	STREAM_RUNNING = 1,
	STREAM_FAILED = 2,	/* source failed; retrying with backoff */
};

/**
 * struct stream_stats - what /state, STATUS= and STATS report
 */
struct stream_stats {
	enum stream_state state;
	unsigned int clients;
	double fps;			/* measured */
	uint64_t frames;		/* published since the source started */
	uint64_t dropped;
	uint64_t missed;		/* frame events clients missed, all clients */
	uint64_t last_frame_ns;		/* CLOCK_MONOTONIC of the newest frame */
	char error[GRAB_TEXT_MAX];	/* why the source failed */
};

struct stream *stream_create(struct daemon *d, const struct stream_config *cfg);
void stream_destroy(struct stream *s, const char *why);
const char *stream_name(const struct stream *s);
const struct stream_config *stream_config(const struct stream *s);
void stream_get_stats(const struct stream *s, struct stream_stats *ret);
/* The running source, or NULL. */
const struct source *stream_source(const struct stream *s);
/* Replace the configuration; clients re-handshake if the source changes. */
void stream_reconfigure(struct stream *s, const struct stream_config *cfg);
struct stream *daemon_find_stream(struct daemon *d, const char *name);

/*
 * The seam for other consumers (the HTTP module): hold a stream to keep its
 * source running, add a hook to hear of each published frame, and read the
 * pixels by mapping stream_source(s)->ring_fd (ring_size bytes, read only)
 * with grab_ring_reader_attach(): the same code for every kind of source.
 */

/* What /state and friends report per client. */
struct client_info {
	unsigned int id;
	int pid;
	const char *kind;		/* "socket" */
	uint64_t frames_sent;
	uint64_t missed;
	uint64_t lag;			/* frames published but not sent yet */
};
typedef void (*stream_client_fn)(const struct client_info *info, void *arg);
void stream_foreach_client(const struct stream *s, stream_client_fn fn, void *arg);

/* Someone else (HTTP) wants the source running while held. */
void stream_hold(struct stream *s);
void stream_unhold(struct stream *s);
int stream_add_hook(struct stream *s, stream_frame_hook fn, void *arg);
void stream_remove_hook(struct stream *s, stream_frame_hook fn, void *arg);

/* Called by sources. */
void stream_publish(struct stream *s, const struct grab_msg_frame *frame);
void stream_source_failed(struct stream *s, int err, const char *why);

/* Called by clients. */
void stream_attach(struct stream *s, struct client *c);
void stream_detach(struct stream *s, struct client *c);
/* Once a second. */
void stream_tick(struct stream *s, uint64_t now_ns);
void stream_set_stall(struct stream *s, bool on);

/* --- client.c: the protocol --------------------------------------------- */

int server_listen(struct daemon *d);
void server_close(struct daemon *d);
void client_drop_all(struct daemon *d);

/* Stream side of a client. */
void client_send_stream(struct client *c, const struct source *src);
void client_send_wait(struct client *c, int err, const char *why);
void client_send_frame(struct client *c, const struct grab_msg_frame *frame);
/* Stream changed: tell the client to say HELLO again. */
void client_reset(struct client *c, const char *why);
/* Stream gone: error, then close. */
void client_kick(struct client *c, int err, const char *why);

enum client_state {
	CLIENT_HELLO,		/* waiting for HELLO (or STATS_REQ) */
	CLIENT_WAITING,		/* attached, source not available yet */
	CLIENT_STREAMING,	/* attached, gets frame events */
	CLIENT_RESET,		/* told to say HELLO again */
};

/**
 * struct client - one connection
 * @id:         number for the log
 * @pid:        peer's pid (SO_PEERCRED), for the log
 * @state:      where in the protocol it is
 * @stream:     the stream it is attached to (WAITING, STREAMING)
 * @want_*:     messages to send when the socket drains; only the newest
 *              frame is kept, never a queue
 * @newest:     the newest frame not sent yet
 * @last_sent:  sequence of the last frame event sent (valid if @sent_any)
 * @missed:     frame events this client missed because its socket was full
 */
struct client {
	struct daemon *d;
	unsigned int id;
	int pid;
	int fd;
	struct event *rev, *wev, *timer;
	enum client_state state;
	struct stream *stream;
	TAILQ_ENTRY(client) all_link;
	TAILQ_ENTRY(client) stream_link;
	bool dead;		/* broken: freed from its timer */
	bool want_reset, want_stream, want_frame, want_wait;
	char why[GRAB_TEXT_MAX];
	int why_err;
	struct grab_msg_frame newest;
	bool sent_any;
	uint64_t last_sent;
	uint64_t frames_sent;
	uint64_t missed;
	uint64_t connected_ns;
	bool denied;		/* not in allowed_uids/allowed_groups */
	int uid;		/* the peer's, for the refusal */
};

#define LIST_FOREACH_SAFE_T(var, head, field, tmp)			\
	for ((var) = TAILQ_FIRST(head);					\
	     (var) && ((tmp) = TAILQ_NEXT(var, field), 1); (var) = (tmp))

/* --- http.c: the HTTP live view ----------------------------------------- */

/* Listen on cfg.listen_http (nothing if ""). 0, or -errno (logged). */
int http_start(struct daemon *d);
void http_stop(struct daemon *d);
/* @s is being destroyed: its HTTP viewers are told and let go. */
void http_stream_gone(struct daemon *d, struct stream *s);

/* --- notify.c: systemd ---------------------------------------------------- */

int notify_init(struct daemon *d);
void notify_ready(struct daemon *d);
void notify_status(struct daemon *d);
void notify_reloading(struct daemon *d);
void notify_stopping(struct daemon *d);
void notify_close(void);

/* --- util ---------------------------------------------------------------- */

uint64_t mono_ns(void);

#endif
