// SPDX-License-Identifier: MIT
/*
 * A stream: capture on demand (the source runs while someone watches, plus
 * a linger), retry with backoff when the source fails, and fan-out of frame
 * events to clients and hooks.
 *
 * A source is never stopped from inside its own callbacks: failures and the
 * last client leaving only arm timers, whose callbacks stop it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "grab-format.h"
#include "log.h"

#define MAX_HOOKS	8
#define RETRY_MIN_MS	250
#define RETRY_MAX_MS	10000

struct hook {
	stream_frame_hook fn;
	void *arg;
};

struct stream {
	struct daemon *d;
	struct stream_config cfg;
	struct source *src;
	enum stream_state state;
	int err;
	char error[GRAB_TEXT_MAX];
	struct client_list clients;
	unsigned int nclients;
	unsigned int holds;
	struct event *linger_ev;	/* stop the source when nobody is left */
	struct event *fail_ev;		/* the source failed: stop it */
	struct event *retry_ev;		/* try the source again */
	uint32_t retry_ms;
	uint64_t started_ns;		/* when the running source started */
	char logged_fail[GRAB_TEXT_MAX];	/* the last failure logged */
	bool stall;
	uint64_t frames, missed, last_frame_ns;
	uint64_t mark_frames, mark_ns;
	double fps;
	struct hook hooks[MAX_HOOKS];
	size_t nhooks;
};

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void arm_ms(struct event *ev, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_add(ev, &tv);
}

static bool wanted(const struct stream *s)
{
	return s->nclients + s->holds > 0;
}

static void stop_source(struct stream *s)
{
	if (!s->src)
		return;
	log_info("stream %s: source %s stopped after %llu frames",
		 s->cfg.name, s->cfg.source, (unsigned long long)s->frames);
	source_stop(s->src);
	s->src = NULL;
}

static void try_start(struct stream *s)
{
	struct client *c, *tmp;
	char why[GRAB_TEXT_MAX];
	int err = 0;

	if (s->src)
		return;
	why[0] = 0;
	s->src = source_start(s->d->base, s, &s->cfg, s->stall, &err, why,
			      sizeof(why));
	if (!s->src) {
		/* Log a failure once, not at every retry. */
		if (s->state != STREAM_FAILED || strcmp(s->error, why))
			log_warn("stream %s: source %s: %s (retrying)", s->cfg.name,
				 s->cfg.source, why);
		else
			log_debug("stream %s: source %s still failing: %s",
				  s->cfg.name, s->cfg.source, why);
		s->state = STREAM_FAILED;
		s->err = err;
		snprintf(s->error, sizeof(s->error), "%s", why);
		LIST_FOREACH_SAFE_T(c, &s->clients, stream_link, tmp)
			if (c->state != CLIENT_WAITING)
				client_send_wait(c, err, why);
		arm_ms(s->retry_ev, s->retry_ms);
		s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
							     : s->retry_ms * 2;
		return;
	}
	if (s->state == STREAM_FAILED)
		log_info("stream %s: source %s is back", s->cfg.name, s->cfg.source);
	log_info("stream %s: source %s started: %ux%u %s, %u/%u fps, %u slots",
		 s->cfg.name, s->cfg.source, s->src->format.width,
		 s->src->format.height, grab_format_name(s->src->format.fourcc),
		 s->src->fps_num, s->src->fps_den, s->src->nslots);
	s->state = STREAM_RUNNING;
	s->error[0] = 0;
	s->err = 0;
	/* The backoff is reset in stream_tick once the source has stayed up
	 * a while: one that fails right after each start backs off too. */
	s->started_ns = mono_ns();
	s->frames = 0;
	s->mark_frames = 0;
	s->mark_ns = mono_ns();
	s->last_frame_ns = s->mark_ns;
	s->fps = 0;
	LIST_FOREACH_SAFE_T(c, &s->clients, stream_link, tmp)
		client_send_stream(c, s->src);
}

static void linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;

	if (wanted(s))
		return;
	stop_source(s);
	s->state = STREAM_STOPPED;
	s->fps = 0;
}

static void fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;

	stop_source(s);
	if (!wanted(s)) {
		s->state = STREAM_STOPPED;
		return;
	}
	arm_ms(s->retry_ev, s->retry_ms);
	s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;

	if (!wanted(s)) {
		s->state = STREAM_STOPPED;
		return;
	}
	try_start(s);
}

struct stream *stream_create(struct daemon *d, const struct stream_config *cfg)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->d = d;
	s->cfg = *cfg;
	s->stall = d->test_stall;
	s->retry_ms = RETRY_MIN_MS;
	TAILQ_INIT(&s->clients);
	s->linger_ev = evtimer_new(d->base, linger_cb, s);
	s->fail_ev = evtimer_new(d->base, fail_cb, s);
	s->retry_ev = evtimer_new(d->base, retry_cb, s);
	if (!s->linger_ev || !s->fail_ev || !s->retry_ev) {
		stream_destroy(s, NULL);
		return NULL;
	}
	log_debug("stream %s: %s, %ux%u %s, %u/%u fps, %u slots, linger %u ms",
		  cfg->name, cfg->source, cfg->format.width, cfg->format.height,
		  grab_format_name(cfg->format.fourcc), cfg->fps_num, cfg->fps_den,
		  cfg->slots, cfg->linger_ms);
	return s;
}

void stream_destroy(struct stream *s, const char *why)
{
	struct client *c, *tmp;

	if (!s)
		return;
	http_stream_gone(s->d, s);
	LIST_FOREACH_SAFE_T(c, &s->clients, stream_link, tmp)
		client_kick(c, ENOENT, why ? why : "stream removed");
	stop_source(s);
	if (s->linger_ev)
		event_free(s->linger_ev);
	if (s->fail_ev)
		event_free(s->fail_ev);
	if (s->retry_ev)
		event_free(s->retry_ev);
	free(s);
}

const char *stream_name(const struct stream *s)
{
	return s->cfg.name;
}

const struct stream_config *stream_config(const struct stream *s)
{
	return &s->cfg;
}

const struct source *stream_source(const struct stream *s)
{
	return s->src;
}

void stream_get_stats(const struct stream *s, struct stream_stats *ret)
{
	const struct client *c;

	memset(ret, 0, sizeof(*ret));
	ret->state = s->state;
	ret->clients = s->nclients;
	ret->fps = s->fps;
	ret->frames = s->frames;
	ret->dropped = s->src ? s->src->dropped : 0;
	ret->missed = s->missed;
	TAILQ_FOREACH(c, &s->clients, stream_link)
		ret->missed += c->missed;
	ret->last_frame_ns = s->last_frame_ns;
	snprintf(ret->error, sizeof(ret->error), "%s", s->error);
}

void stream_reconfigure(struct stream *s, const struct stream_config *cfg)
{
	struct client *c, *tmp;
	bool same = stream_config_equal(&s->cfg, cfg);

	s->cfg = *cfg;
	if (same)
		return;
	log_info("stream %s: configuration changed: restarting its source",
		 cfg->name);
	stop_source(s);
	event_del(s->retry_ev);
	s->state = STREAM_STOPPED;
	s->error[0] = 0;
	s->logged_fail[0] = 0;
	s->retry_ms = RETRY_MIN_MS;
	LIST_FOREACH_SAFE_T(c, &s->clients, stream_link, tmp)
		client_reset(c, "stream configuration changed");
	/* Someone else (a hook holder) may still want it. */
	if (wanted(s))
		try_start(s);
}

struct stream *daemon_find_stream(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nstreams; i++)
		if (!strcmp(d->streams[i]->cfg.name, name))
			return d->streams[i];
	return NULL;
}

static void someone_came(struct stream *s)
{
	event_del(s->linger_ev);
	if (s->src || s->state == STREAM_FAILED)
		return;
	try_start(s);
}

static void someone_left(struct stream *s)
{
	if (wanted(s))
		return;
	/* Always through the timer: we may be inside a source callback. */
	arm_ms(s->linger_ev, s->cfg.linger_ms);
}

void stream_hold(struct stream *s)
{
	s->holds++;
	someone_came(s);
}

void stream_unhold(struct stream *s)
{
	if (s->holds)
		s->holds--;
	someone_left(s);
}

int stream_add_hook(struct stream *s, stream_frame_hook fn, void *arg)
{
	if (s->nhooks == MAX_HOOKS)
		return -ENOSPC;
	s->hooks[s->nhooks].fn = fn;
	s->hooks[s->nhooks].arg = arg;
	s->nhooks++;
	return 0;
}

void stream_remove_hook(struct stream *s, stream_frame_hook fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->nhooks; i++) {
		if (s->hooks[i].fn == fn && s->hooks[i].arg == arg) {
			memmove(&s->hooks[i], &s->hooks[i + 1],
				(s->nhooks - i - 1) * sizeof(s->hooks[0]));
			s->nhooks--;
			return;
		}
	}
}

void stream_attach(struct stream *s, struct client *c)
{
	if (c->stream == s)
		return;
	c->stream = s;
	TAILQ_INSERT_TAIL(&s->clients, c, stream_link);
	s->nclients++;
	if (s->src)
		client_send_stream(c, s->src);
	else if (s->state == STREAM_FAILED)
		client_send_wait(c, s->err, s->error);
	else
		someone_came(s);
	event_del(s->linger_ev);
}

void stream_detach(struct stream *s, struct client *c)
{
	if (c->stream != s)
		return;
	TAILQ_REMOVE(&s->clients, c, stream_link);
	c->stream = NULL;
	s->nclients--;
	s->missed += c->missed;
	someone_left(s);
}

void stream_publish(struct stream *s, const struct grab_msg_frame *frame)
{
	struct client *c, *tmp;
	size_t i;

	s->frames++;
	s->last_frame_ns = mono_ns();
	LIST_FOREACH_SAFE_T(c, &s->clients, stream_link, tmp)
		if (c->state == CLIENT_STREAMING)
			client_send_frame(c, frame);
	for (i = 0; i < s->nhooks; i++)
		s->hooks[i].fn(s, frame, s->hooks[i].arg);
}

void stream_source_failed(struct stream *s, int err, const char *why)
{
	struct client *c, *tmp;

	/* Log a failure once: a source that keeps failing the same way after
	 * each restart is not logged again until it has stayed up a while. */
	if (strcmp(s->logged_fail, why)) {
		log_err("stream %s: source %s failed: %s (retrying)", s->cfg.name,
			s->cfg.source, why);
		snprintf(s->logged_fail, sizeof(s->logged_fail), "%s", why);
	} else {
		log_debug("stream %s: source %s failed again: %s", s->cfg.name,
			  s->cfg.source, why);
	}
	s->state = STREAM_FAILED;
	s->err = err;
	snprintf(s->error, sizeof(s->error), "%s", why);
	LIST_FOREACH_SAFE_T(c, &s->clients, stream_link, tmp)
		client_send_wait(c, err, why);
	arm_ms(s->fail_ev, 0);
}

void stream_tick(struct stream *s, uint64_t now_ns)
{
	if (s->state == STREAM_RUNNING &&
	    now_ns - s->started_ns > RETRY_MAX_MS * 1000000ull) {
		s->retry_ms = RETRY_MIN_MS;
		s->logged_fail[0] = 0;
	}
	if (s->state == STREAM_RUNNING && now_ns > s->mark_ns) {
		s->fps = (double)(s->frames - s->mark_frames) * 1e9 /
			 (double)(now_ns - s->mark_ns);
		s->mark_frames = s->frames;
		s->mark_ns = now_ns;
	} else if (s->state != STREAM_RUNNING) {
		s->fps = 0;
	}
}

void stream_set_stall(struct stream *s, bool on)
{
	s->stall = on;
	if (s->src && s->src->ops->stall)
		s->src->ops->stall(s->src, on);
}

void stream_foreach_client(const struct stream *s, stream_client_fn fn, void *arg)
{
	const struct client *c;

	TAILQ_FOREACH(c, &s->clients, stream_link) {
		struct client_info info = {
			.id = c->id,
			.pid = c->pid,
			.kind = "socket",
			.frames_sent = c->frames_sent,
			.missed = c->missed,
		};

		if (c->sent_any && c->want_frame)
			info.lag = c->newest.sequence - c->last_sent;
		fn(&info, arg);
	}
}
