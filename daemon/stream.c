// SPDX-License-Identifier: MIT
/*
 * A stream: capture on demand (the source runs while a consumer is
 * attached, plus a linger), retry with backoff when the source fails, and
 * fan-out of frame events to its consumers.
 *
 * The stream knows its consumers only through their ops (struct
 * consumer_ops): socket clients and HTTP viewers look the same here, and
 * this file links without either.
 *
 * A source is never stopped from inside its own callbacks: failures and the
 * last consumer leaving only arm timers, whose callbacks stop it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "grab-format.h"
#include "log.h"

#define RETRY_MIN_MS 250
#define RETRY_MAX_MS 10000

TAILQ_HEAD(consumer_list, consumer);

struct stream {
	struct daemon *d;
	struct stream_config cfg;
	struct source *src;
	enum stream_state state;
	int err;
	char error[GRAB_TEXT_MAX];
	struct consumer_list consumers;
	unsigned int nconsumers;
	struct event *linger_ev; /* stop the source when nobody is left */
	struct event *fail_ev; /* the source failed: stop it */
	struct event *retry_ev; /* try the source again */
	uint32_t retry_ms; /* the delay of the retry after the next */
	uint32_t retry_armed_ms; /* the delay of the next retry */
	uint32_t retry_min_ms, retry_max_ms;
	uint64_t started_ns; /* when the running source started */
	char logged_fail[GRAB_TEXT_MAX]; /* the last failure logged */
	bool stall;
	uint64_t frames, missed, last_frame_ns;
	uint64_t mark_frames, mark_ns;
	double fps;
	/* Controls set by clients, applied after the config's at each start
	 * until the configuration is reloaded. */
	struct control_settings runtime_controls;
};

static void arm_ms(struct event *ev, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_add(ev, &tv);
}

static bool wanted(const struct stream *s)
{
	return s->nconsumers > 0;
}

/* Try again after the current delay, and wait twice as long next time. */
static void arm_retry(struct stream *s)
{
	s->retry_armed_ms = s->retry_ms;
	arm_ms(s->retry_ev, s->retry_ms);
	s->retry_ms = s->retry_ms * 2 > s->retry_max_ms ? s->retry_max_ms :
							  s->retry_ms * 2;
}

/*
 * Tell every consumer.  An op may detach its own consumer (the next one is
 * taken before the call), never another: see struct consumer_ops.
 */
#define FOREACH_CONSUMER(s, c, tmp) \
	LIST_FOREACH_SAFE_T(c, &(s)->consumers, link, tmp)

static void stop_source(struct stream *s)
{
	if (!s->src)
		return;
	log_info("stream %s: source %s stopped after %llu frames", s->cfg.name,
		 s->cfg.source, (unsigned long long)s->frames);
	source_stop(s->src);
	s->src = NULL;
}

/* The source, with the controls clients set over the config's. */
static struct source *start_with_controls(struct stream *s, int *ret_err,
					  char *why, size_t whylen)
{
	static struct stream_config cfg; /* large: not on the stack */
	char junk[8];
	uint32_t i;

	cfg = s->cfg;
	for (i = 0; i < s->runtime_controls.n; i++)
		control_settings_put(&cfg.controls,
				     s->runtime_controls.v[i].name,
				     s->runtime_controls.v[i].value, junk,
				     sizeof(junk));
	return source_start(s->d->base, s, &cfg, s->stall, ret_err, why,
			    whylen);
}

static void try_start(struct stream *s)
{
	const struct source_geometry *geo;
	struct consumer *c, *tmp;
	char why[GRAB_TEXT_MAX];
	bool was_failed = s->state == STREAM_FAILED;
	int err = 0;

	if (s->src)
		return;
	why[0] = 0;
	s->src = start_with_controls(s, &err, why, sizeof(why));
	if (!s->src) {
		/* Log a failure once, not at every retry. */
		if (!was_failed || strcmp(s->error, why))
			log_warn("stream %s: source %s: %s (retrying)",
				 s->cfg.name, s->cfg.source, why);
		else
			log_debug("stream %s: source %s still failing: %s",
				  s->cfg.name, s->cfg.source, why);
		s->state = STREAM_FAILED;
		s->err = err;
		snprintf(s->error, sizeof(s->error), "%s", why);
		/* Consumers hear once that they wait, not at every retry. */
		if (!was_failed)
			FOREACH_CONSUMER(s, c, tmp)
				c->ops->waiting(c, err, why);
		arm_retry(s);
		return;
	}
	geo = &s->src->geo;
	if (was_failed)
		log_info("stream %s: source %s is back", s->cfg.name,
			 s->cfg.source);
	log_info("stream %s: source %s started: %ux%u %s, %u/%u fps, %u slots",
		 s->cfg.name, s->cfg.source, geo->format.width,
		 geo->format.height, grab_format_name(geo->format.fourcc),
		 geo->fps_num, geo->fps_den, geo->nslots);
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
	FOREACH_CONSUMER(s, c, tmp)
		c->ops->started(c, geo);
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
	arm_retry(s);
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
	s->retry_min_ms = d->retry_min_ms ? d->retry_min_ms : RETRY_MIN_MS;
	s->retry_max_ms = d->retry_max_ms ? d->retry_max_ms : RETRY_MAX_MS;
	s->retry_ms = s->retry_min_ms;
	TAILQ_INIT(&s->consumers);
	s->linger_ev = evtimer_new(d->base, linger_cb, s);
	s->fail_ev = evtimer_new(d->base, fail_cb, s);
	s->retry_ev = evtimer_new(d->base, retry_cb, s);
	if (!s->linger_ev || !s->fail_ev || !s->retry_ev) {
		stream_destroy(s, NULL);
		return NULL;
	}
	log_debug("stream %s: %s, %ux%u %s, %u/%u fps, %u slots, linger %u ms",
		  cfg->name, cfg->source, cfg->format.width, cfg->format.height,
		  grab_format_name(cfg->format.fourcc), cfg->fps_num,
		  cfg->fps_den, cfg->slots, cfg->linger_ms);
	return s;
}

void stream_destroy(struct stream *s, const char *why)
{
	struct consumer *c, *tmp;

	if (!s)
		return;
	/* Each consumer detaches itself and frees its own state. */
	FOREACH_CONSUMER(s, c, tmp)
		c->ops->gone(c, ENOENT, why ? why : "stream removed");
	/* One that did not detach must not point at freed memory. */
	while ((c = TAILQ_FIRST(&s->consumers))) {
		log_err("stream %s: a consumer stayed attached after gone",
			s->cfg.name);
		stream_detach(s, c);
	}
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

const struct source_geometry *stream_geometry(const struct stream *s)
{
	return s->src ? &s->src->geo : NULL;
}

bool stream_source_info(const struct stream *s, struct source_info *ret)
{
	if (!s->src || !s->src->ops->describe)
		return false;
	memset(ret, 0, sizeof(*ret));
	s->src->ops->describe(s->src, ret);
	return true;
}

void stream_get_stats(const struct stream *s, struct stream_stats *ret)
{
	const struct consumer *c;

	memset(ret, 0, sizeof(*ret));
	ret->state = s->state;
	ret->clients = s->nconsumers;
	ret->fps = s->fps;
	ret->frames = s->frames;
	ret->dropped = s->src ? s->src->dropped : 0;
	ret->missed = s->missed;
	TAILQ_FOREACH(c, &s->consumers, link) {
		struct consumer_info info = { .pid = -1 };

		c->ops->describe(c, &info);
		ret->missed += info.missed;
	}
	ret->last_frame_ns = s->last_frame_ns;
	ret->retry_ms = s->state == STREAM_FAILED ? s->retry_armed_ms : 0;
	snprintf(ret->error, sizeof(ret->error), "%s", s->error);
}

void stream_reconfigure(struct stream *s, const struct stream_config *cfg)
{
	struct consumer *c, *tmp;
	bool same = stream_config_equal(&s->cfg, cfg);

	s->cfg = *cfg;
	/* A reload starts over from the file's controls (the camera keeps
	 * what it was set to until the source restarts). */
	s->runtime_controls.n = 0;
	if (same)
		return;
	log_info("stream %s: configuration changed: restarting its source",
		 cfg->name);
	stop_source(s);
	event_del(s->retry_ev);
	event_del(s->fail_ev); /* it would stop the new source */
	s->state = STREAM_STOPPED;
	s->error[0] = 0;
	s->logged_fail[0] = 0;
	s->retry_ms = s->retry_min_ms;
	FOREACH_CONSUMER(s, c, tmp)
		c->ops->reset(c, "stream configuration changed");
	/* Consumers that stayed (HTTP viewers) still want it. */
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

/* 0 if @s's source has controls and runs, else -errno with why: the
 * controls are @what ("there", "set") while a client watches. */
static int controls_at_hand(const struct stream *s, const char *what, char *why,
			    size_t whylen)
{
	if (!source_has_controls(s->cfg.source)) {
		snprintf(why, whylen, "stream %s: source %s has no controls",
			 s->cfg.name, s->cfg.source);
		return -EOPNOTSUPP;
	}
	if (!s->src) {
		snprintf(
			why, whylen,
			"stream %s: source %s is not running (controls are %s while a client watches)",
			s->cfg.name, s->cfg.source, what);
		return -ENODATA;
	}
	return 0;
}

int stream_list_controls(struct stream *s, struct grab_msg_control *ret,
			 size_t max, char *why, size_t whylen)
{
	int r = controls_at_hand(s, "there", why, whylen);

	return r ? r :
		   s->src->ops->list_controls(s->src, ret, max, why, whylen);
}

int stream_set_control(struct stream *s, const char *name, const char *value,
		       struct grab_msg_control *ret, char *why, size_t whylen)
{
	char junk[8], reason[GRAB_TEXT_MAX];
	int r;

	r = controls_at_hand(s, "set", why, whylen);
	if (r)
		return r;
	r = s->src->ops->set_control(s->src, name, value, ret, reason,
				     sizeof(reason));
	if (r) {
		snprintf(why, whylen, "stream %s: %s", s->cfg.name, reason);
		return r;
	}
	/* Full: the camera has it, it is just not re-applied. */
	if (control_settings_put(&s->runtime_controls, name, value, junk,
				 sizeof(junk)))
		log_warn(
			"stream %s: control %s set, but more than %d were set at run time: not re-applied after a restart",
			s->cfg.name, name, CONTROL_MAX);
	return 0;
}

void stream_attach(struct stream *s, struct consumer *c)
{
	if (c->stream == s)
		return;
	c->stream = s;
	TAILQ_INSERT_TAIL(&s->consumers, c, link);
	s->nconsumers++;
	/* Before the calls below: the consumer may leave again inside them,
	 * and then the linger it arms must stay armed. */
	event_del(s->linger_ev);
	if (s->src)
		c->ops->started(c, &s->src->geo);
	else if (s->state == STREAM_FAILED)
		c->ops->waiting(c, s->err, s->error);
	else
		try_start(s);
}

void stream_detach(struct stream *s, struct consumer *c)
{
	struct consumer_info info = { .pid = -1 };

	if (c->stream != s)
		return;
	TAILQ_REMOVE(&s->consumers, c, link);
	c->stream = NULL;
	s->nconsumers--;
	c->ops->describe(c, &info);
	s->missed += info.missed;
	if (wanted(s))
		return;
	/* Always through the timer: we may be inside a source callback. */
	arm_ms(s->linger_ev, s->cfg.linger_ms);
}

void stream_foreach_consumer(const struct stream *s, stream_consumer_fn fn,
			     void *arg)
{
	const struct consumer *c;

	TAILQ_FOREACH(c, &s->consumers, link) {
		struct consumer_info info = { .pid = -1 };

		c->ops->describe(c, &info);
		fn(&info, arg);
	}
}

void stream_publish(struct stream *s, const struct grab_msg_frame *frame)
{
	struct consumer *c, *tmp;

	s->frames++;
	s->last_frame_ns = mono_ns();
	FOREACH_CONSUMER(s, c, tmp)
		c->ops->frame(c, frame);
}

void stream_source_failed(struct stream *s, int err, const char *why)
{
	struct consumer *c, *tmp;

	/* Log a failure once: a source that keeps failing the same way after
	 * each restart is not logged again until it has stayed up a while. */
	if (strcmp(s->logged_fail, why)) {
		log_err("stream %s: source %s failed: %s (retrying)",
			s->cfg.name, s->cfg.source, why);
		snprintf(s->logged_fail, sizeof(s->logged_fail), "%s", why);
	} else {
		log_debug("stream %s: source %s failed again: %s", s->cfg.name,
			  s->cfg.source, why);
	}
	s->state = STREAM_FAILED;
	s->err = err;
	snprintf(s->error, sizeof(s->error), "%s", why);
	FOREACH_CONSUMER(s, c, tmp)
		c->ops->waiting(c, err, why);
	arm_ms(s->fail_ev, 0);
}

void stream_tick(struct stream *s, uint64_t now_ns)
{
	if (s->state == STREAM_RUNNING &&
	    now_ns - s->started_ns > s->retry_max_ms * 1000000ull) {
		s->retry_ms = s->retry_min_ms;
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
