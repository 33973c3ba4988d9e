// SPDX-License-Identifier: MIT
/*
 * daemon/stream.c on its own: capture on demand, linger, backoff after
 * failures, reset on reconfigure, consumers that leave, destroy.  A fake
 * source (this file's table of source kinds) and fake consumers (their own
 * consumer_ops) on a real libevent event_base and real timers.
 *
 * This program links stream.c and source.c without client.c or any http
 * file (see tests/unit/build.mk): that it builds at all is the proof that
 * the stream reaches its consumers only through the ops table.
 *
 * Timing: a timer never fires early, so intervals are checked from below
 * only; what the stream armed is read from its stats, exactly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "../lib/tap.h"

/* --- the fake source -------------------------------------------------------- */

#define MAX_STARTS 64

static struct {
	int starts, stops;
	uint64_t stop_ns; /* when it last stopped */
	int fail_err; /* start() fails with this, 0: works */
	struct source *src; /* the running one */
	char arg[64]; /* what start() was given */
	uint64_t start_ns[MAX_STARTS];
	uint32_t armed_ms[MAX_STARTS]; /* retry delay that led to a start */
	struct stream *stream; /* to read its stats from start() */
} fake;

static int fake_start(struct source *src, struct source_geometry *ret_geo,
		      char *why, size_t whylen)
{
	if (fake.starts < MAX_STARTS) {
		struct stream_stats st;

		fake.start_ns[fake.starts] = mono_ns();
		stream_get_stats(fake.stream, &st);
		fake.armed_ms[fake.starts] = st.retry_ms;
	}
	fake.starts++;
	snprintf(fake.arg, sizeof(fake.arg), "%s", src->arg);
	if (fake.fail_err) {
		snprintf(why, whylen, "fake: no device");
		return -fake.fail_err;
	}
	ret_geo->format = src->cfg.format;
	ret_geo->nslots = src->cfg.slots;
	ret_geo->fps_num = 25;
	ret_geo->fps_den = 1;
	ret_geo->ring_fd = 42;
	ret_geo->ring_size = 123456;
	fake.src = src;
	return 0;
}

static void fake_stop(struct source *src)
{
	fake.stops++;
	fake.stop_ns = mono_ns();
	fake.src = NULL;
}

static const struct source_ops fake_ops = {
	.prefix = "fake:",
	.start = fake_start,
	.stop = fake_stop,
};

/* A fake camera: the fake source with controls.  It records the controls
 * each start was given and answers set_control itself. */
static struct {
	struct control_settings started_with;
	int sets;
	int set_err; /* set_control fails with this, 0: works */
} cam;

static int cam_start(struct source *src, struct source_geometry *ret_geo,
		     char *why, size_t whylen)
{
	cam.started_with = src->cfg.controls;
	return fake_start(src, ret_geo, why, whylen);
}

static int cam_list(struct source *src, struct grab_msg_control *ret,
		    size_t max, char *why, size_t whylen)
{
	return 0;
}

static int cam_set(struct source *src, const char *name, const char *value,
		   struct grab_msg_control *ret, char *why, size_t whylen)
{
	cam.sets++;
	if (cam.set_err) {
		snprintf(why, whylen, "control.%s = %s: out of range 0..255",
			 name, value);
		return -cam.set_err;
	}
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	ret->value = atoi(value);
	return 0;
}

static const struct source_ops cam_ops = {
	.prefix = "fakecam:",
	.start = cam_start,
	.stop = fake_stop,
	.list_controls = cam_list,
	.set_control = cam_set,
};

/* This program's kinds of source, instead of daemon/source-kinds.c. */
const struct source_ops *const source_kinds[] = { &fake_ops, &cam_ops };
const size_t source_nkinds = 2;

/* --- fake consumers ----------------------------------------------------------- */

struct fake_consumer {
	struct consumer consumer;
	const char *name;
	int started, waiting, frames, resets;
	int last_err;
	char last_why[GRAB_TEXT_MAX];
	struct source_geometry geo;
	struct grab_msg_frame last;
	uint64_t missed; /* what it describes */
	bool leave_on_frame; /* detaches itself in frame() */
	bool leave_on_reset; /* like a socket client */
};

/* What gone() saw: consumers free themselves there. */
static struct {
	int n;
	char names[8][16];
	int err[8];
	char why[8][GRAB_TEXT_MAX];
} gone_log;

static struct fake_consumer *fc(struct consumer *c)
{
	return container_of(c, struct fake_consumer, consumer);
}

static void fc_started(struct consumer *c, const struct source_geometry *geo)
{
	fc(c)->started++;
	fc(c)->geo = *geo;
}

static void fc_waiting(struct consumer *c, int err, const char *why)
{
	fc(c)->waiting++;
	fc(c)->last_err = err;
	snprintf(fc(c)->last_why, sizeof(fc(c)->last_why), "%s", why);
}

static void fc_frame(struct consumer *c, const struct grab_msg_frame *frame)
{
	fc(c)->frames++;
	fc(c)->last = *frame;
	if (fc(c)->leave_on_frame)
		stream_detach(c->stream, c);
}

static void fc_reset(struct consumer *c, const char *why)
{
	fc(c)->resets++;
	snprintf(fc(c)->last_why, sizeof(fc(c)->last_why), "%s", why);
	if (fc(c)->leave_on_reset)
		stream_detach(c->stream, c);
}

static void fc_gone(struct consumer *c, int err, const char *why)
{
	int i = gone_log.n++;

	if (i < 8) {
		snprintf(gone_log.names[i], sizeof(gone_log.names[i]), "%s",
			 fc(c)->name);
		gone_log.err[i] = err;
		snprintf(gone_log.why[i], sizeof(gone_log.why[i]), "%s", why);
	}
	stream_detach(c->stream, c);
	free(fc(c));
}

static void fc_describe(const struct consumer *c, struct consumer_info *ret)
{
	const struct fake_consumer *f =
		container_of(c, struct fake_consumer, consumer);

	ret->kind = "fake";
	ret->id = (unsigned int)f->name[0];
	ret->frames = (uint64_t)f->frames;
	ret->missed = f->missed;
}

static const struct consumer_ops fc_ops = {
	.started = fc_started,
	.waiting = fc_waiting,
	.frame = fc_frame,
	.reset = fc_reset,
	.gone = fc_gone,
	.describe = fc_describe,
};

static struct fake_consumer *fc_new(const char *name)
{
	struct fake_consumer *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->consumer.ops = &fc_ops;
	f->name = name;
	return f;
}

/* --- the event loop ------------------------------------------------------------ */

static struct daemon d;

static void run_for(unsigned int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(d.base, &tv);
	event_base_dispatch(d.base);
}

/* Run the loop until @cond holds, at most @ms; true if it held. */
#define RUN_UNTIL(cond, ms)                                          \
	({                                                           \
		uint64_t end_ = mono_ns() + (uint64_t)(ms)*1000000u; \
		while (!(cond) && mono_ns() < end_)                  \
			run_for(1);                                  \
		(bool)(cond);                                        \
	})

static struct stream_config config(const char *name, const char *source)
{
	struct stream_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	snprintf(cfg.source, sizeof(cfg.source), "%s", source);
	cfg.format.width = 64;
	cfg.format.height = 48;
	cfg.format.fourcc = GRAB_FMT_GREY;
	cfg.format.bytesperline = 64;
	cfg.format.sizeimage = 64 * 48;
	cfg.fps_num = 30;
	cfg.fps_den = 1;
	cfg.slots = 4;
	cfg.linger_ms = 50;
	cfg.quality = 80;
	return cfg;
}

static struct stream *new_stream(const char *name, const char *source)
{
	struct stream_config cfg = config(name, source);
	struct stream *s = stream_create(&d, &cfg);

	if (!s)
		abort();
	fake.stream = s;
	return s;
}

static enum stream_state state(const struct stream *s)
{
	struct stream_stats st;

	stream_get_stats(s, &st);
	return st.state;
}

static void publish(uint64_t seq)
{
	source_publish(fake.src, seq, (uint32_t)(seq % 4), 1000 + seq, 3072,
		       seq == 2 ? GRAB_SLOT_ERROR : 0);
}

/* --- the tests -------------------------------------------------------------- */

static void test_on_demand(void)
{
	struct stream *s = new_stream("demand", "fake:/dev/fake7");
	struct fake_consumer *a = fc_new("a"), *b = fc_new("b");
	const struct source_geometry *geo;
	struct stream_config cfg;
	struct stream_stats st;
	bool stopped;
	double waited;
	uint64_t t0;

	run_for(20);
	ok(fake.starts == 0 && state(s) == STREAM_STOPPED &&
		   !stream_geometry(s),
	   "on demand: nothing starts while nobody watches");
	stream_attach(s, &a->consumer);
	geo = stream_geometry(s);
	ok(fake.starts == 1 && state(s) == STREAM_RUNNING && geo,
	   "on demand: the first consumer starts the source at once");
	ok(!strcmp(fake.arg, "/dev/fake7"),
	   "the source gets its argument without the prefix (got \"%s\")",
	   fake.arg);
	ok(a->started == 1 && a->geo.nslots == 4 && a->geo.fps_num == 25 &&
		   a->geo.ring_fd == 42 && a->geo.ring_size == 123456 && geo &&
		   geo->ring_size == 123456,
	   "started() gives the geometry the source returned from start()");
	stream_attach(s, &b->consumer);
	ok(fake.starts == 1 && b->started == 1,
	   "a second consumer is told at once and starts nothing");

	publish(0);
	publish(1);
	publish(2);
	stream_get_stats(s, &st);
	ok(a->frames == 3 && b->frames == 3 && st.frames == 3,
	   "every frame reaches every consumer (a %d, b %d, stats %llu)",
	   a->frames, b->frames, (unsigned long long)st.frames);
	ok(a->last.sequence == 2 && a->last.slot == 2 &&
		   a->last.timestamp_ns == 1002 && a->last.bytesused == 3072 &&
		   a->last.flags == GRAB_SLOT_ERROR && a->last.missed == 0,
	   "source_publish() makes the frame event from what the source said");

	/* b leaves from inside its own frame(), a still gets every frame. */
	b->leave_on_frame = true;
	b->missed = 5;
	a->missed = 2;
	publish(3);
	publish(4);
	stream_get_stats(s, &st);
	ok(b->frames == 4 && !b->consumer.stream && a->frames == 5 &&
		   st.clients == 1,
	   "a consumer that leaves inside frame() is gone, the others go on");
	ok(st.missed == 7,
	   "missed frames of a consumer that left are kept (%llu, want 7)",
	   (unsigned long long)st.missed);

	/* Linger: a leaves; the source runs on for linger_ms, then stops. */
	t0 = mono_ns();
	stream_detach(s, &a->consumer);
	ok(fake.stops == 0 && state(s) == STREAM_RUNNING,
	   "linger: the source still runs when the last consumer leaves");
	stopped = RUN_UNTIL(fake.stops == 1, 2000);
	waited = (double)(fake.stop_ns - t0) / 1e6;
	ok(stopped && waited >= 49,
	   "linger: it stops linger_ms later, not before (%.1f ms, linger 50)",
	   waited);
	ok(state(s) == STREAM_STOPPED && !stream_geometry(s),
	   "linger: stopped, no geometry");

	/* Coming back within the linger keeps the same source (a linger of
	 * 2 s, so that a slow machine cannot make this test lie; a change of
	 * linger alone restarts nothing). */
	cfg = *stream_config(s);
	cfg.linger_ms = 2000;
	stream_reconfigure(s, &cfg);
	stream_attach(s, &a->consumer);
	stream_detach(s, &a->consumer);
	run_for(20);
	stream_attach(s, &a->consumer);
	run_for(20);
	ok(fake.starts == 2 && fake.stops == 1 && state(s) == STREAM_RUNNING,
	   "linger: a consumer back within linger_ms keeps the running source");
	cfg.linger_ms = 0;
	stream_reconfigure(s, &cfg);
	stream_detach(s, &a->consumer);
	ok(fake.stops == 1 && RUN_UNTIL(fake.stops == 2, 2000),
	   "linger 0: it stops from the loop, not inside detach");

	stream_destroy(s, NULL);
	free(a);
	free(b);
}

static void test_backoff(void)
{
	static const uint32_t want[] = { 20, 40, 80, 160, 160, 160 };
	struct stream *s = new_stream("backoff", "fake:");
	struct fake_consumer *c = fc_new("c"), *e = fc_new("e");
	struct stream_stats st;
	bool armed_ok = true, spaced_ok = true, retried;
	size_t i;
	int base;

	memset(&fake, 0, sizeof(fake));
	fake.stream = s;
	fake.fail_err = ENODEV;
	stream_attach(s, &c->consumer);
	stream_get_stats(s, &st);
	ok(fake.starts == 1 && c->waiting == 1 && c->last_err == ENODEV &&
		   !strcmp(c->last_why, "fake: no device") &&
		   st.state == STREAM_FAILED &&
		   !strcmp(st.error, "fake: no device") && st.retry_ms == 20,
	   "a source that cannot start: waiting(ENODEV, why), state failed, retry in 20 ms");

	ok(RUN_UNTIL(fake.starts == 7, 5000), "it is retried (7 attempts)");
	for (i = 1; i < 7; i++) {
		double gap =
			(double)(fake.start_ns[i] - fake.start_ns[i - 1]) / 1e6;

		diag("attempt %zu: %u ms armed, %.1f ms after the previous", i,
		     fake.armed_ms[i], gap);
		armed_ok &= fake.armed_ms[i] == want[i - 1];
		spaced_ok &= gap >= want[i - 1] - 1;
	}
	ok(armed_ok, "backoff: 20, 40, 80, 160 ms, then capped at 160 ms");
	ok(spaced_ok, "backoff: no retry came before its delay");
	ok(c->waiting == 1, "waiting() is said once, not at every retry (%d)",
	   c->waiting);

	stream_attach(s, &e->consumer);
	ok(e->waiting == 1 && e->last_err == ENODEV && fake.starts == 7,
	   "a consumer of a failed stream is told waiting at once, nothing restarts");

	/* Back: everyone is told started. */
	fake.fail_err = 0;
	ok(RUN_UNTIL(state(s) == STREAM_RUNNING, 2000) && c->started == 1 &&
		   e->started == 1,
	   "when the source comes back, every consumer gets started()");

	/* Fails right after starting: the backoff goes on, still capped. */
	base = fake.starts;
	source_failed(fake.src, EIO, "fake: unplugged");
	stream_get_stats(s, &st);
	ok(st.state == STREAM_FAILED && c->waiting == 2 && c->last_err == EIO &&
		   e->waiting == 2 && !strcmp(st.error, "fake: unplugged"),
	   "a running source that fails: every consumer gets waiting(EIO, why)");
	retried = RUN_UNTIL(fake.starts == base + 1, 2000);
	ok(retried && fake.stops == 1 && fake.armed_ms[base] == 160,
	   "it is stopped and retried, still backed off (%u ms)",
	   fake.armed_ms[base]);

	/* Up for longer than the cap: the backoff starts over. */
	run_for(200);
	stream_tick(s, mono_ns());
	base = fake.starts;
	source_failed(fake.src, EIO, "fake: unplugged");
	retried = RUN_UNTIL(fake.starts == base + 1, 2000);
	ok(retried && fake.armed_ms[base] == 20,
	   "after staying up longer than the cap, the next retry is 20 ms again (%u)",
	   fake.armed_ms[base]);

	/* Nobody left while failing: it stops retrying. */
	fake.fail_err = EBUSY;
	source_failed(fake.src, EBUSY, "fake: busy");
	stream_detach(s, &c->consumer);
	stream_detach(s, &e->consumer);
	run_for(300);
	base = fake.starts;
	run_for(300);
	ok(fake.starts == base && state(s) == STREAM_STOPPED && !fake.src,
	   "with nobody left, a failed source is no longer retried");
	stream_destroy(s, NULL);
	free(c);
	free(e);

	memset(&fake, 0, sizeof(fake));
	s = new_stream("unknown", "nope:");
	c = fc_new("c");
	stream_attach(s, &c->consumer);
	ok(c->waiting == 1 && c->last_err == EINVAL &&
		   !strcmp(c->last_why, "unknown source kind") &&
		   fake.starts == 0,
	   "an unknown kind of source: waiting(EINVAL, \"unknown source kind\")");
	stream_detach(s, &c->consumer);
	stream_destroy(s, NULL);
	free(c);
}

static void test_reconfigure(void)
{
	struct stream *s = new_stream("reconf", "fake:");
	struct fake_consumer *viewer = fc_new("v"), *client = fc_new("k");
	struct stream_config cfg = config("reconf", "fake:");
	struct stream_stats st;

	memset(&fake, 0, sizeof(fake));
	fake.stream = s;
	client->leave_on_reset = true;
	stream_attach(s, &viewer->consumer);
	stream_attach(s, &client->consumer);
	stream_reconfigure(s, &cfg);
	ok(viewer->resets == 0 && client->resets == 0 && fake.stops == 0,
	   "reconfigure with the same settings: nothing happens");

	cfg.slots = 6;
	stream_reconfigure(s, &cfg);
	stream_get_stats(s, &st);
	ok(viewer->resets == 1 && client->resets == 1 &&
		   !strcmp(client->last_why, "stream configuration changed"),
	   "reconfigure: every consumer gets reset(why)");
	ok(fake.stops == 1 && fake.starts == 2 && st.state == STREAM_RUNNING &&
		   stream_geometry(s)->nslots == 6,
	   "the source restarts with the new settings for the consumer that stayed");
	ok(viewer->started == 2 && client->started == 1 &&
		   !client->consumer.stream && st.clients == 1,
	   "the one that stayed is told started again; the one that left is not");

	cfg.slots = 8;
	stream_detach(s, &viewer->consumer);
	stream_attach(s, &client->consumer);
	client->resets = 0;
	stream_reconfigure(s, &cfg);
	ok(client->resets == 1 && fake.starts == 2 && fake.stops == 2 &&
		   !fake.src,
	   "reconfigure when every consumer leaves on reset: stopped, not restarted");
	stream_destroy(s, NULL);
	free(viewer);
	free(client);
}

static void one_info(const struct consumer_info *info, void *arg)
{
	char *names = arg;
	size_t n = strlen(names);

	names[n] = (char)info->id;
	names[n + 1] = 0;
}

static void test_destroy(void)
{
	struct stream *s = new_stream("gone", "fake:");
	struct fake_consumer *g = fc_new("g"), *h = fc_new("h");
	char names[8] = "";

	memset(&fake, 0, sizeof(fake));
	memset(&gone_log, 0, sizeof(gone_log));
	fake.stream = s;
	stream_attach(s, &g->consumer);
	stream_attach(s, &h->consumer);
	stream_foreach_consumer(s, one_info, names);
	ok(!strcmp(names, "gh"),
	   "foreach_consumer walks the one list, in order (%s)", names);
	stream_destroy(s, "stream removed from the configuration");
	ok(gone_log.n == 2 && !strcmp(gone_log.names[0], "g") &&
		   !strcmp(gone_log.names[1], "h") &&
		   gone_log.err[0] == ENOENT &&
		   !strcmp(gone_log.why[1],
			   "stream removed from the configuration"),
	   "destroy: every consumer is told gone(ENOENT, why) once, and frees itself");
	ok(fake.stops == 1 && !fake.src, "destroy: the source is stopped");

	s = new_stream("gone2", "fake:");
	g = fc_new("g");
	memset(&gone_log, 0, sizeof(gone_log));
	stream_attach(s, &g->consumer);
	stream_destroy(s, NULL);
	ok(gone_log.n == 1 && !strcmp(gone_log.why[0], "stream removed"),
	   "destroy without a reason says \"stream removed\"");
}

/* The controls seam: no ops, not running, set, remembered, re-applied. */
static void test_controls(void)
{
	struct stream_config cfg = config("cam", "fakecam:/dev/video9");
	struct fake_consumer *a = fc_new("a");
	struct grab_msg_control c;
	struct stream *s, *t;
	char why[GRAB_TEXT_MAX], junk[8];
	int r;

	t = new_stream("plain", "fake:");
	r = stream_set_control(t, "brightness", "1", &c, why, sizeof(why));
	ok(r == -EOPNOTSUPP &&
		   strstr(why, "stream plain: source fake: has no controls"),
	   "a source without control ops: EOPNOTSUPP (%s)", why);
	r = stream_list_controls(t, &c, 1, why, sizeof(why));
	ok(r == -EOPNOTSUPP, "... and nothing to list (%d)", r);
	stream_destroy(t, NULL);

	control_settings_put(&cfg.controls, "brightness", "10", junk,
			     sizeof(junk));
	s = stream_create(&d, &cfg);
	fake.stream = s;
	r = stream_set_control(s, "contrast", "77", &c, why, sizeof(why));
	ok(r == -ENODATA && strstr(why, "is not running"),
	   "a camera nobody watches: ENODATA (%s)", why);
	fake.starts = 0;
	stream_attach(s, &a->consumer);
	ok(fake.starts == 1 && cam.started_with.n == 1 &&
		   !strcmp(cam.started_with.v[0].name, "brightness"),
	   "the camera starts with the config's controls");
	r = stream_set_control(s, "contrast", "77", &c, why, sizeof(why));
	ok(r == 0 && cam.sets == 1 && c.value == 77,
	   "a control set through the stream reaches the source (%d)", r);
	cam.set_err = EINVAL;
	r = stream_set_control(s, "brightness", "300", &c, why, sizeof(why));
	ok(r == -EINVAL &&
		   !strcmp(why,
			   "stream cam: control.brightness = 300: out of range 0..255"),
	   "a refusal names the stream: %s", why);
	cam.set_err = 0;

	/* The camera goes away and comes back. */
	stream_source_failed(s, ENODEV, "fake: gone");
	RUN_UNTIL(fake.starts == 2, 1000);
	ok(fake.starts == 2 && cam.started_with.n == 2 &&
		   !strcmp(cam.started_with.v[0].name, "brightness") &&
		   !strcmp(cam.started_with.v[0].value, "10") &&
		   !strcmp(cam.started_with.v[1].name, "contrast") &&
		   !strcmp(cam.started_with.v[1].value, "77"),
	   "when it comes back: the config's controls, then the one set at run time (not the refused one) (%u)",
	   cam.started_with.n);

	/* A reload starts over from the file. */
	stream_reconfigure(s, &cfg);
	stream_source_failed(s, ENODEV, "fake: gone again");
	RUN_UNTIL(fake.starts == 3, 1000);
	ok(fake.starts == 3 && cam.started_with.n == 1,
	   "after a reload, only the config's controls are applied (%u)",
	   cam.started_with.n);
	stream_detach(s, &a->consumer);
	free(a);
	stream_destroy(s, NULL);
}

int main(void)
{
	struct event_config *ec = event_config_new();

	/* Timers on CLOCK_MONOTONIC itself, not the coarse clock (which lags
	 * by up to a tick): then a timer never fires before its time by our
	 * clock, which the checks below rely on. */
	log_init(LOG_ERR);
	if (!ec || event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER))
		return 1;
	d.base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (!d.base)
		return 1;
	d.retry_min_ms = 20;
	d.retry_max_ms = 160;
	test_on_demand();
	test_backoff();
	test_reconfigure();
	test_destroy();
	test_controls();
	event_base_free(d.base);
	return done_testing();
}
