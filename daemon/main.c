// SPDX-License-Identifier: MIT
/*
 * grabberd: options parsed into one struct, objects created in order and
 * destroyed in reverse (like µStreamer's main), one libevent event_base.
 *
 *   options -> config -> log -> event_base -> signals -> listener -> streams
 *           -> HTTP -> systemd notify -> loop
 *
 * Signals: SIGHUP reloads the configuration (a bad file is rejected and the
 * running one kept), SIGTERM and SIGINT exit with status 0, SIGUSR1 toggles
 * a stall of the test sources (for tests of the watchdog).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "grab-format.h"
#include "log.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: grabberd [OPTIONS]\n"
		"Stream frames from a grab device, a V4L2 camera or a test pattern to local\n"
		"clients (libgrab, grab-capture) with zero copies.\n"
		"\n"
		"  -c, --config FILE    configuration file (default %s;\n"
		"                       without it: one stream \"default\" on the test source)\n"
		"      --check-config   check the configuration and exit (0: good)\n"
		"  -s, --socket PATH    unix socket to listen on (default %s,\n"
		"                       or $XDG_RUNTIME_DIR/grabberd.sock when not root)\n"
		"      --stream NAME    the stream the options below change (default: the only\n"
		"                       stream, else \"default\"; created if missing)\n"
		"      --source SRC     test:, grab:/dev/grabN or v4l2:/dev/videoN\n"
		"      --width N, --height N, --format FMT (a name of the format table,\n"
		"                       or auto for a v4l2: source's best mode)\n"
		"      --fps RATE       frames per second: N, N.NNN or N/D\n"
		"      --slots N        frames in the ring (2-256)\n"
		"      --linger MS      keep a source running MS ms after its last client\n"
		"      --quality N      JPEG quality (1-100) of the stream's HTTP live view\n"
		"      --http ADDR:PORT serve the HTTP live view there (default %s)\n"
		"      --no-http        no HTTP live view\n"
		"  -v, --verbose        log more (twice: debug)\n"
		"  -q, --quiet          log less\n"
		"  -h, --help           this help\n"
		"  -V, --version        version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration, SIGTERM/SIGINT exit,\n"
		"SIGUSR1 stalls/resumes the test sources (to test the watchdog).\n",
		CONFIG_DEFAULT_PATH, "/run/grabberd/grabberd.sock",
		CONFIG_DEFAULT_HTTP);
}

enum {
	OPT_CHECK = 256,
	OPT_STREAM,
	OPT_SOURCE,
	OPT_WIDTH,
	OPT_HEIGHT,
	OPT_FORMAT,
	OPT_FPS,
	OPT_SLOTS,
	OPT_LINGER,
	OPT_QUALITY,
	OPT_HTTP,
	OPT_NO_HTTP,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "socket", required_argument, NULL, 's' },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "fps", required_argument, NULL, OPT_FPS },
	{ "slots", required_argument, NULL, OPT_SLOTS },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "quality", required_argument, NULL, OPT_QUALITY },
	{ "http", required_argument, NULL, OPT_HTTP },
	{ "no-http", no_argument, NULL, OPT_NO_HTTP },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct daemon *d, bool *check)
{
	struct config_overrides *ov = &d->ov;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:vqhV", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			d->config_path = optarg;
			break;
		case OPT_CHECK:
			*check = true;
			break;
		case 's':
			ov->socket_path = optarg;
			break;
		case OPT_STREAM:
			ov->stream = optarg;
			break;
		case OPT_SOURCE:
			ov->source = optarg;
			break;
		case OPT_WIDTH:
			ov->width = optarg;
			break;
		case OPT_HEIGHT:
			ov->height = optarg;
			break;
		case OPT_FORMAT:
			ov->format = optarg;
			break;
		case OPT_FPS:
			ov->fps = optarg;
			break;
		case OPT_SLOTS:
			ov->slots = optarg;
			break;
		case OPT_LINGER:
			ov->linger = optarg;
			break;
		case OPT_QUALITY:
			ov->quality = optarg;
			break;
		case OPT_HTTP:
			ov->http = optarg;
			ov->no_http = false;
			break;
		case OPT_NO_HTTP:
			ov->no_http = true;
			break;
		case 'v':
			ov->verbosity++;
			break;
		case 'q':
			ov->verbosity--;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("grabberd %s\n", GRABBERD_VERSION);
			return 0;
		case ':':
			fprintf(stderr,
				"grabberd: option '%s' needs a value\n"
				"Try 'grabberd --help'.\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr,
					"grabberd: unknown option '-%c'\n",
					optopt);
			else
				fprintf(stderr,
					"grabberd: unknown option '%s'\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'grabberd --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"grabberd: unexpected argument '%s'\n"
			"Try 'grabberd --help'.\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

static int start_streams(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->cfg.nstreams; i++) {
		d->streams[i] = stream_create(d, &d->cfg.streams[i]);
		if (!d->streams[i]) {
			log_err("stream %s: out of memory",
				d->cfg.streams[i].name);
			return -1;
		}
		d->nstreams++;
	}
	return 0;
}

static void reload(struct daemon *d)
{
	static struct config next; /* large: not on the stack */
	struct stream *kept[CONFIG_MAX_STREAMS];
	char err[512];
	size_t i, j, n = 0;

	notify_reloading(d);
	if (config_load(&next, d->config_path, &d->ov, err, sizeof(err))) {
		log_err("reload rejected, keeping the running configuration: %s",
			err);
		notify_ready(d);
		return;
	}
	if (strcmp(next.socket_path, d->cfg.socket_path)) {
		log_warn(
			"reload: socket path changed to %s: takes effect at restart",
			next.socket_path);
		strcpy(next.socket_path, d->cfg.socket_path);
	}
	if (strcmp(next.listen_http, d->cfg.listen_http)) {
		log_warn(
			"reload: listen_http changed to %s: takes effect at restart",
			next.listen_http[0] ? next.listen_http : "off");
		strcpy(next.listen_http, d->cfg.listen_http);
	}
	log_set_level(next.log_level);
	/* Streams gone from the file go away, with a message to their clients. */
	for (i = 0; i < d->nstreams; i++) {
		if (!config_find_stream(&next, stream_name(d->streams[i]))) {
			log_info("stream %s: removed",
				 stream_name(d->streams[i]));
			stream_destroy(d->streams[i],
				       "stream removed from the configuration");
			d->streams[i] = NULL;
		}
	}
	for (i = 0; i < next.nstreams; i++) {
		struct stream *s = NULL;

		for (j = 0; j < d->nstreams; j++)
			if (d->streams[j] && !strcmp(stream_name(d->streams[j]),
						     next.streams[i].name))
				s = d->streams[j];
		if (s) {
			stream_reconfigure(s, &next.streams[i]);
		} else {
			s = stream_create(d, &next.streams[i]);
			if (!s) {
				log_err("stream %s: out of memory",
					next.streams[i].name);
				continue;
			}
			log_info("stream %s: added", next.streams[i].name);
		}
		kept[n++] = s;
	}
	memcpy(d->streams, kept, n * sizeof(kept[0]));
	d->nstreams = n;
	d->cfg = next;
	log_info("configuration reloaded from %s: %zu streams",
		 d->cfg.file[0] ? d->cfg.file : "the embedded default", n);
	notify_ready(d);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	size_t i;

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading the configuration");
		reload(d);
		break;
	case SIGUSR1:
		d->test_stall = !d->test_stall;
		for (i = 0; i < d->nstreams; i++)
			stream_set_stall(d->streams[i], d->test_stall);
		break;
	default:
		log_info("%s: exiting", strsignal((int)sig));
		event_base_loopbreak(d->base);
		break;
	}
}

static void print_banner(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->cfg.nstreams; i++) {
		const struct stream_config *s = &d->cfg.streams[i];

		log_info(
			"stream %s: %s, %ux%u %s, %u/%u fps (starts with its first client)",
			s->name, s->source, s->format.width, s->format.height,
			s->format_auto ? "auto" :
					 grab_format_name(s->format.fourcc),
			s->fps_num, s->fps_den);
	}
	if (d->socket_activated)
		return;
	log_info("serving on %s", d->cfg.socket_path);
	log_info(
		"capture from it: grab-capture --socket %s --stream %s -n 100 -o frames/%%04d.ppm",
		d->cfg.socket_path, d->cfg.streams[0].name);
	log_info("or, from any libgrab program: GRAB_SOCKET=%s",
		 d->cfg.socket_path);
	if (d->http)
		log_info("live view: open %s in a browser", d->http->url);
}

/*
 * Every client and HTTP connection is an fd: take the whole hard limit the
 * system gives (the unit sets it with LimitNOFILE=; under the unit's
 * seccomp filter setrlimit() may be refused, which is fine).
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_debug("open-file limit stays where it is: %s",
			  strerror(errno));
}

/*
 * Timers to the microsecond: libevent's default clock is
 * CLOCK_MONOTONIC_COARSE, one jiffy (4 ms at HZ=250), so a 1,000 fps source
 * made only one frame in four (make bench: frames made against the floor's
 * went from 0.28 to 1.0, the daemon's CPU per frame from 2.8x the floor's
 * to 0.7x).  The price is a timerfd: one more system call per wake-up.
 */
static struct event_base *new_event_base(void)
{
	struct event_config *ec = event_config_new();
	struct event_base *base;

	if (!ec)
		return NULL;
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return base;
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	static struct daemon daemon;
	struct daemon *d = &daemon;
	bool check = false;
	char err[512];
	size_t i;
	int ret;

	d->listen_fd = -1;
	d->spare_fd = -1;
	TAILQ_INIT(&d->clients);
	ret = parse_options(argc, argv, d, &check);
	if (ret >= 0)
		return ret;
	log_init(LOG_INFO);
	if (config_load(&d->cfg, d->config_path, &d->ov, err, sizeof(err))) {
		if (check)
			fprintf(stderr, "grabberd: %s\n", err);
		else
			log_err("%s", err);
		return EXIT_FAILURE;
	}
	if (check) {
		printf("%s: OK, %zu stream%s:",
		       d->cfg.file[0] ? d->cfg.file : "embedded default",
		       d->cfg.nstreams, d->cfg.nstreams == 1 ? "" : "s");
		for (i = 0; i < d->cfg.nstreams; i++)
			printf(" %s (%s)", d->cfg.streams[i].name,
			       d->cfg.streams[i].source);
		printf("\n");
		return 0;
	}
	log_set_level(d->cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	d->base = new_event_base();
	if (!d->base) {
		log_err("cannot create the event loop");
		return EXIT_FAILURE;
	}
	ret = EXIT_FAILURE;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], signal_cb, d);
		if (!d->sig_ev[i] || event_add(d->sig_ev[i], NULL)) {
			log_err("cannot handle signal %d", sigs[i]);
			goto out_signals;
		}
	}
	if (listener_open(d))
		goto out_server;
	if (start_streams(d))
		goto out_streams;
	if (http_start(d))
		goto out_streams;
	if (notify_init(d)) {
		log_err("cannot set up the systemd notifications");
		goto out_streams;
	}
	print_banner(d);
	notify_ready(d);

	event_base_dispatch(d->base);
	ret = EXIT_SUCCESS;

	notify_stopping(d);
	notify_close();
out_streams:
	http_stop(d);
	client_drop_all(d);
	for (i = d->nstreams; i-- > 0;)
		stream_destroy(d->streams[i], "grabberd is stopping");
	if (d->tick_ev)
		event_free(d->tick_ev);
out_server:
	listener_close(d);
out_signals:
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	event_base_free(d->base);
	return ret;
}
