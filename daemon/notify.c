// SPDX-License-Identifier: MIT
/*
 * systemd glue: READY=1 once serving, STATUS= with each stream's rate and
 * clients (every second), and WATCHDOG=1 only while frames flow on every
 * running stream, so a hung capture engine gets the daemon restarted.
 * Without NOTIFY_SOCKET all of this costs one timer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "log.h"

static struct event *watchdog_ev;
static uint64_t watchdog_usec;
static bool watchdog_held; /* last check found a stalled stream */

/* True if every running stream published a frame recently. */
static bool frames_flow(struct daemon *d, uint64_t now)
{
	size_t i;

	for (i = 0; i < d->nstreams; i++) {
		const struct stream_config *cfg = stream_config(d->streams[i]);
		struct stream_stats st;
		uint64_t interval, limit;

		stream_get_stats(d->streams[i], &st);
		if (st.state != STREAM_RUNNING)
			continue;
		interval = (uint64_t)1000000000u * cfg->fps_den / cfg->fps_num;
		limit = 3 * interval;
		if (limit < 200000000u)
			limit = 200000000u;
		if (now - st.last_frame_ns > limit) {
			if (!watchdog_held)
				log_warn("stream %s: no frame for %" PRIu64
					 " ms: holding the watchdog",
					 cfg->name,
					 (now - st.last_frame_ns) / 1000000);
			return false;
		}
	}
	return true;
}

static void watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	bool ok = frames_flow(d, mono_ns());

	if (ok) {
		if (watchdog_held)
			log_info("frames flow again: watchdog resumed");
		sd_notify(0, "WATCHDOG=1");
	}
	watchdog_held = !ok;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	uint64_t now = mono_ns();
	size_t i;

	for (i = 0; i < d->nstreams; i++)
		stream_tick(d->streams[i], now);
	notify_status(d);
}

int notify_init(struct daemon *d)
{
	struct timeval one = { 1, 0 };
	int r;

	d->tick_ev = event_new(d->base, -1, EV_PERSIST, tick_cb, d);
	if (!d->tick_ev)
		return -1;
	event_add(d->tick_ev, &one);
	r = sd_watchdog_enabled(0, &watchdog_usec);
	if (r > 0) {
		struct timeval tv = { (time_t)(watchdog_usec / 2 / 1000000),
				      (suseconds_t)(watchdog_usec / 2 %
						    1000000) };

		watchdog_ev =
			event_new(d->base, -1, EV_PERSIST, watchdog_cb, d);
		if (!watchdog_ev)
			return -1;
		event_add(watchdog_ev, &tv);
		log_info("systemd watchdog every %" PRIu64
			 " ms, fed while frames flow",
			 watchdog_usec / 1000);
	}
	return 0;
}

void notify_status(struct daemon *d)
{
	char status[1024];
	size_t i, n;

	n = (size_t)snprintf(status, sizeof(status), "STATUS=");
	for (i = 0; i < d->nstreams && n < sizeof(status); i++) {
		struct stream_stats st;

		stream_get_stats(d->streams[i], &st);
		n += (size_t)snprintf(status + n, sizeof(status) - n,
				      "%s%s: %s%.1f fps, %u clients",
				      i ? "; " : "", stream_name(d->streams[i]),
				      st.state == STREAM_FAILED	 ? "FAILED, " :
				      st.state == STREAM_STOPPED ? "idle, " :
								   "",
				      st.fps, st.clients);
	}
	sd_notify(0, status);
}

void notify_ready(struct daemon *d)
{
	sd_notify(0, "READY=1");
	notify_status(d);
}

void notify_reloading(struct daemon *d)
{
	sd_notify(0, "RELOADING=1");
}

void notify_stopping(struct daemon *d)
{
	sd_notify(0, "STOPPING=1");
}

void notify_close(void)
{
	if (watchdog_ev)
		event_free(watchdog_ev);
	watchdog_ev = NULL;
}
