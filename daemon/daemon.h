/* SPDX-License-Identifier: MIT */
/*
 * grabberd's objects and how they hold each other:
 *
 *   struct daemon   one per process: the event_base, the listening socket,
 *                   the configuration, the streams, every client
 *   struct stream   one per [stream NAME]: its source (while someone
 *                   watches), its consumers, its counters
 *   struct source   a running producer (test, grab, v4l2) and its ring fd
 *   struct consumer what a stream knows of whoever watches it: an ops
 *                   table, embedded in each client (client.c) and HTTP
 *                   viewer (http-live.c)
 */
#ifndef GRABBERD_DAEMON_H
#define GRABBERD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "config.h"
#include "grab-proto.h"

struct stream;
struct client;
struct http;
struct daemon;

TAILQ_HEAD(client_list, client);

struct daemon {
	struct event_base *base;
	struct config cfg;
	struct config_overrides ov;
	const char *config_path; /* --config, or NULL */
	int listen_fd;
	int spare_fd; /* held so an fd is free to refuse with */
	bool fd_limit; /* at the open-file limit: refusing */
	bool socket_activated;
	bool unlink_socket; /* we created the socket file */
	struct event *accept_ev;
	struct event *sig_ev[5];
	struct event *tick_ev; /* once a second: fps, STATUS= */
	struct stream *streams[CONFIG_MAX_STREAMS];
	size_t nstreams;
	struct client_list clients; /* every connection (client.c) */
	unsigned int nclients;
	unsigned int next_client_id;
	uint32_t retry_min_ms; /* a failing source's backoff (0: */
	uint32_t retry_max_ms; /* the defaults; tests shorten it) */
	bool test_stall; /* SIGUSR1: test sources stop producing */
	struct http *http; /* the HTTP live view, NULL when off */
	int exit_status;
};

/* --- source.c, source-*.c: producers ------------------------------------ */

struct source;

/**
 * struct source_geometry - what a started source gives its clients
 * @format:    geometry actually produced
 * @nslots:    slots in the ring
 * @fps_num:   rate actually produced is @fps_num / @fps_den
 * @fps_den:   see @fps_num
 * @ring_fd:   read-only fd of the ring, passed to clients
 * @ring_size: bytes a client maps
 */
struct source_geometry {
	struct grab_format format;
	uint32_t nslots;
	uint32_t fps_num;
	uint32_t fps_den;
	int ring_fd;
	uint64_t ring_size;
};

/**
 * struct source_info - what a source says of the device it captures from,
 * for /state and the log (sources without a device have no describe op)
 * @driver, @card:     the device's, as VIDIOC_QUERYCAP says
 * @native_fourcc:     the format the device delivers
 * @converted:         libv4l2 converts @native_fourcc to the ring's format
 * @format_auto:       format = auto chose the mode; @auto_why says why
 * @rate_set:          the device took the rate asked (VIDIOC_S_PARM); the
 *                     rate it set is the geometry's
 * @device_timestamps: frames carry the device's timestamps (monotonic),
 *                     not the daemon's
 * @any_frame:         @seq_first and @seq_last are valid
 * @seq_first:         the device's sequence number of its first frame
 * @seq_last:          of its newest frame
 * @seq_gaps:          frames the device numbered but never delivered
 * @errors:            buffers delivered but not usable (error flag, short)
 */
struct source_info {
	char driver[32];
	char card[48];
	uint32_t native_fourcc;
	bool converted;
	bool format_auto;
	char auto_why[128];
	bool rate_set;
	bool device_timestamps;
	bool any_frame;
	uint32_t seq_first;
	uint32_t seq_last;
	uint64_t seq_gaps;
	uint64_t errors;
};

struct source_ops {
	const char *prefix; /* "test:", "grab:", "v4l2:" */
	/* Open the device (or memfd) named by src->arg, start producing, and
	 * say what is produced in @ret_geo.  Returns 0, or -errno with a
	 * reason in @why. */
	int (*start)(struct source *src, struct source_geometry *ret_geo,
		     char *why, size_t whylen);
	void (*stop)(struct source *src);
	/* Test hook: stop or resume producing while staying "running". */
	void (*stall)(struct source *src, bool on);
	/* What it says of its device (NULL: nothing to say). */
	void (*describe)(const struct source *src, struct source_info *ret);
};

/**
 * struct source - a running producer
 * @ops:       its kind
 * @stream:    the stream it publishes to (through source_publish())
 * @base:      the event loop
 * @cfg:       what was asked for
 * @arg:       cfg.source after its prefix: "/dev/grab0", "" for test:
 * @geo:       what start() returned
 * @dropped:   frames the source could not produce in time
 * @priv:      the source's own state
 */
struct source {
	const struct source_ops *ops;
	struct stream *stream;
	struct event_base *base;
	struct stream_config cfg;
	const char *arg;
	struct source_geometry geo;
	uint64_t dropped;
	void *priv;
};

/* Every kind of source, in source-kinds.c: a new kind is one file plus one
 * entry there. */
extern const struct source_ops *const source_kinds[];
extern const size_t source_nkinds;

/* Create and start the source @cfg->source names.  NULL and a reason in @why
 * (and *@ret_err) if it cannot. */
struct source *source_start(struct event_base *base, struct stream *stream,
			    const struct stream_config *cfg, bool stall,
			    int *ret_err, char *why, size_t whylen);
void source_stop(struct source *src);
/* Called by sources: frame @sequence is in ring slot @slot (the only place
 * that makes a frame event). */
void source_publish(struct source *src, uint64_t sequence, uint32_t slot,
		    uint64_t timestamp_ns, uint32_t bytesused, uint32_t flags);
/* Called by sources: it broke (the stream stops it later and retries). */
void source_failed(struct source *src, int err, const char *why);

extern const struct source_ops source_test_ops;
extern const struct source_ops source_grab_ops;
extern const struct source_ops source_v4l2_ops;

/* --- consumers: anything that watches a stream ---------------------------- */

struct consumer;

/**
 * struct consumer_info - what a consumer says about itself, for /state,
 * /metrics and the stream's counters
 * @kind:         "socket" (a libgrab client), "mjpeg", "snapshot" (HTTP)
 * @id:           number for the log and /state
 * @pid:          the peer's pid, -1 if it has none
 * @peer:         the peer's address, NULL if it has none
 * @frames:       frames sent to it
 * @missed:       frames it missed because it was slow
 * @lag:          frames published but not sent to it yet
 * @bytes:        bytes sent (HTTP viewers), 0 otherwise
 * @in_flight:    a frame is being written to it (HTTP viewers)
 * @connected_ns: CLOCK_MONOTONIC when it came
 */
struct consumer_info {
	const char *kind;
	unsigned int id;
	int pid;
	const char *peer;
	uint64_t frames;
	uint64_t missed;
	uint64_t lag;
	uint64_t bytes;
	bool in_flight;
	uint64_t connected_ns;
};

/*
 * What a stream tells its consumers.  Every op is called from inside the
 * stream (and maybe from inside a source callback): an op may detach its
 * own consumer (stream_detach()), never another one, and must not free
 * anything else of the stream's.
 */
struct consumer_ops {
	/* The source is up: its geometry and ring (valid until the next
	 * started, waiting, reset or gone). */
	void (*started)(struct consumer *c, const struct source_geometry *geo);
	/* The source failed or cannot start; the stream retries. */
	void (*waiting)(struct consumer *c, int err, const char *why);
	/* A frame was published. */
	void (*frame)(struct consumer *c, const struct grab_msg_frame *frame);
	/* The stream's configuration changed and its source restarts.  A
	 * consumer that must ask again detaches itself here. */
	void (*reset)(struct consumer *c, const char *why);
	/* The stream is being destroyed: detach and free your own state. */
	void (*gone)(struct consumer *c, int err, const char *why);
	void (*describe)(const struct consumer *c, struct consumer_info *ret);
};

/**
 * struct consumer - embedded in each client and HTTP viewer
 * @ops:    how the stream talks to it
 * @stream: the stream it is attached to, NULL when it is not
 * @link:   in the stream's list of consumers
 */
struct consumer {
	const struct consumer_ops *ops;
	struct stream *stream;
	TAILQ_ENTRY(consumer) link;
};

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* --- stream.c: capture on demand, fan-out -------------------------------- */

enum stream_state {
	STREAM_STOPPED = 0, /* nobody watching */
	STREAM_RUNNING = 1,
	STREAM_FAILED = 2, /* source failed; retrying with backoff */
};

/**
 * struct stream_stats - what /state, STATUS= and STATS report
 * @clients:  consumers attached (libgrab clients and HTTP viewers)
 * @missed:   frame events consumers missed, those gone included
 * @retry_ms: delay of the next retry while the source fails
 */
struct stream_stats {
	enum stream_state state;
	unsigned int clients;
	double fps; /* measured */
	uint64_t frames; /* published since the source started */
	uint64_t dropped;
	uint64_t missed;
	uint64_t last_frame_ns; /* CLOCK_MONOTONIC of the newest frame */
	uint32_t retry_ms;
	char error[GRAB_TEXT_MAX]; /* why the source failed */
};

struct stream *stream_create(struct daemon *d, const struct stream_config *cfg);
/* Tells every consumer (gone) and stops the source. */
void stream_destroy(struct stream *s, const char *why);
const char *stream_name(const struct stream *s);
const struct stream_config *stream_config(const struct stream *s);
void stream_get_stats(const struct stream *s, struct stream_stats *ret);
/* The running source's geometry and ring, or NULL. */
const struct source_geometry *stream_geometry(const struct stream *s);
/* What the running source says of its device: false if nothing. */
bool stream_source_info(const struct stream *s, struct source_info *ret);
/* Replace the configuration; consumers are reset if the source changes. */
void stream_reconfigure(struct stream *s, const struct stream_config *cfg);
struct stream *daemon_find_stream(struct daemon *d, const char *name);

/* Attached consumers keep the source running (plus a linger after the last
 * one leaves) and hear of everything through their ops.  Attaching tells
 * the consumer at once (started or waiting) if the source is up or failed. */
void stream_attach(struct stream *s, struct consumer *c);
void stream_detach(struct stream *s, struct consumer *c);
typedef void (*stream_consumer_fn)(const struct consumer_info *info, void *arg);
void stream_foreach_consumer(const struct stream *s, stream_consumer_fn fn,
			     void *arg);

/* Called by source.c. */
void stream_publish(struct stream *s, const struct grab_msg_frame *frame);
void stream_source_failed(struct stream *s, int err, const char *why);

/* Once a second. */
void stream_tick(struct stream *s, uint64_t now_ns);
void stream_set_stall(struct stream *s, bool on);

/* --- listener.c: the unix socket, accepting, socket activation ---------- */

int listener_open(struct daemon *d);
void listener_close(struct daemon *d);
/* A client went away: accepting resumes if a limit had paused it. */
void listener_client_gone(struct daemon *d);

/* --- client.c: the protocol --------------------------------------------- */

/* A connection accepted on @fd (ours to close).  0, or -errno. */
int client_new(struct daemon *d, int fd);
void client_drop_all(struct daemon *d);

#define LIST_FOREACH_SAFE_T(var, head, field, tmp) \
	for ((var) = TAILQ_FIRST(head);            \
	     (var) && ((tmp) = TAILQ_NEXT(var, field), 1); (var) = (tmp))

/* --- http.c: the HTTP live view ----------------------------------------- */

/* Listen on cfg.listen_http (nothing if ""). 0, or -errno (logged). */
int http_start(struct daemon *d);
void http_stop(struct daemon *d);

/* --- notify.c: systemd ---------------------------------------------------- */

int notify_init(struct daemon *d);
void notify_ready(struct daemon *d);
void notify_status(struct daemon *d);
void notify_reloading(struct daemon *d);
void notify_stopping(struct daemon *d);
void notify_close(void);

/* --- clock.c ------------------------------------------------------------- */

/* CLOCK_MONOTONIC in ns: every timestamp and duration of the daemon. */
uint64_t mono_ns(void);

#endif
