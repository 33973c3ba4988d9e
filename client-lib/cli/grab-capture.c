// SPDX-License-Identifier: MIT
/*
 * grab-capture: frames from grabberd (or /dev/grabN) to files or stdout, as
 * raw, PPM, Y4M or JPEG.  See grab-capture(1).
 *
 * Every frame is converted (or copied) out of the ring first and only then
 * checked intact: a frame the producer overwrote while we read it is counted
 * as missed and never written.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <grab/grab.h>

#include "grab-format.h"
#include "grab-image.h"
#include "grab-socket-path.h"
#include "output.h"

/* Exit codes, documented in grab-capture(1). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1, /* anything else */
	EXIT_USAGE = 2, /* bad command line */
	EXIT_NODAEMON = 3, /* grabberd not running, or gone for good */
	EXIT_NOSTREAM = 4, /* no such stream or device */
	EXIT_WRITE = 5, /* output cannot be written */
	EXIT_DISKFULL = 6, /* no space left for the output */
	EXIT_NOFRAMES = 7, /* no frame within --timeout */
	EXIT_BADRING = 8, /* the ring passed is unusable or corrupt */
	EXIT_INTERRUPTED = 130, /* a signal came before -n/-t was reached */
};

enum format {
	FMT_RAW,
	FMT_PPM,
	FMT_Y4M,
	FMT_JPEG,
	FMT_NONE
};

static const char *const format_exts[] = { "raw", "ppm", "y4m", "jpg" };

struct options {
	const char *socket;
	const char *stream;
	const char *device;
	const char *output;
	enum format format;
	int quality;
	uint64_t count; /* 0: no limit */
	double duration; /* seconds, 0: no limit */
	double timeout; /* seconds without a frame before giving up */
	bool history;
	bool info;
	bool json;
	const char *sets[32]; /* --set NAME=VALUE, in order */
	unsigned int nsets;
	bool quiet;
	int verbose;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
	va_list ap;

	fputs("grab-capture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fputs("Usage: grab-capture [OPTION]... [-o OUTPUT]\n"
	      "Capture frames from grabberd (or a /dev/grabN device) to files or stdout.\n"
	      "\n"
	      "  -o, --output OUT     a file, a pattern (frames/%05d.jpg), a directory\n"
	      "                       (frames/), or - for stdout (the default)\n"
	      "  -f, --format FMT     raw, ppm, y4m or jpeg (default: from the file\n"
	      "                       name; y4m on stdout, jpeg into a directory)\n"
	      "      --quality N      JPEG quality, 1 to 100 (default 90)\n"
	      "  -n, --count N        stop after N frames\n"
	      "  -t, --duration T     stop after T seconds (or Tms, Tm, Th)\n"
	      "  -H, --history        first write the frames still in the ring, oldest first\n"
	      "  -s, --socket PATH    grabberd's socket (default $GRAB_SOCKET, else\n"
	      "                       " GRAB_DEFAULT_SOCKET
	      " if you may use it,\n"
	      "                       else your own grabberd's: $XDG_RUNTIME_DIR or\n"
	      "                       /tmp/grabberd-UID)\n"
	      "  -S, --stream NAME    stream to capture (default \"" GRAB_DEFAULT_STREAM
	      "\")\n"
	      "  -d, --device PATH    read a grab device (/dev/grab0) without the daemon\n"
	      "  -i, --info           print the stream's geometry, rate and counters, then exit\n"
	      "  -j, --json           with --info: print JSON\n"
	      "      --set NAME=VALUE set a camera control (repeatable, in order), then\n"
	      "                       exit, or print --info; needs control_uids/groups\n"
	      "  -T, --timeout SEC    give up after SEC seconds without a frame (default 5)\n"
	      "  -q, --quiet          no progress line, no summary\n"
	      "  -v, --verbose        a line per frame on stderr\n"
	      "  -h, --help           this help\n"
	      "  -V, --version        print the version\n"
	      "\n"
	      "Without -n or -t, capture runs until Ctrl-C, which finishes the file.\n"
	      "Exit status: 0 done, 1 error, 2 usage, 3 grabberd not running, 4 no such\n"
	      "stream or device, 5 output not writable, 6 disk full, 7 no frames,\n"
	      "8 the ring grabberd passed is unusable or corrupt, 130 interrupted\n"
	      "before -n/-t was reached.  See grab-capture(1).\n",
	      f);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("grab-capture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'grab-capture --help'.\n", stderr);
	return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/* "2.5", "2.5s", "500ms", "1m", "1h" -> seconds. */
static bool parse_seconds(const char *s, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return false;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		;
	else if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (!strcmp(end, "h"))
		v *= 3600;
	else
		return false;
	*ret = v;
	return true;
}

static enum format format_from_name(const char *s)
{
	if (!strcmp(s, "raw"))
		return FMT_RAW;
	if (!strcmp(s, "ppm"))
		return FMT_PPM;
	if (!strcmp(s, "y4m"))
		return FMT_Y4M;
	if (!strcmp(s, "jpeg") || !strcmp(s, "jpg"))
		return FMT_JPEG;
	return FMT_NONE;
}

static enum format format_from_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (!strcmp(path, "-"))
		return FMT_Y4M;
	if (!dot || (slash && slash > dot))
		return FMT_NONE;
	if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
		return FMT_JPEG;
	if (!strcasecmp(dot, ".ppm"))
		return FMT_PPM;
	if (!strcasecmp(dot, ".y4m"))
		return FMT_Y4M;
	if (!strcasecmp(dot, ".raw") || !strcasecmp(dot, ".yuv") ||
	    !strcasecmp(dot, ".rgb") || !strcasecmp(dot, ".grey") ||
	    !strcasecmp(dot, ".bin"))
		return FMT_RAW;
	return FMT_NONE;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "quality", required_argument, NULL, 'Q' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 't' },
		{ "history", no_argument, NULL, 'H' },
		{ "socket", required_argument, NULL, 's' },
		{ "stream", required_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'd' },
		{ "info", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "set", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	uint64_t v;
	int c;

	*o = (struct options){ .format = FMT_NONE,
			       .quality = 90,
			       .timeout = 5 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:f:n:t:Hs:S:d:ijT:qvhV",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			o->format = format_from_name(optarg);
			if (o->format == FMT_NONE)
				return usage_error(
					"--format: unknown format '%s' (raw, ppm, y4m, jpeg)",
					optarg);
			break;
		case 'Q':
			if (!parse_u64(optarg, &v) || v < 1 || v > 100)
				return usage_error(
					"--quality: '%s' is not a number from 1 to 100",
					optarg);
			o->quality = (int)v;
			break;
		case 'n':
			if (!parse_u64(optarg, &v) || v == 0)
				return usage_error(
					"--count: '%s' is not a positive number",
					optarg);
			o->count = v;
			break;
		case 't':
			if (!parse_seconds(optarg, &o->duration))
				return usage_error(
					"--duration: '%s' is not a duration (2, 2.5s, 500ms, 1m)",
					optarg);
			break;
		case 'H':
			o->history = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'S':
			o->stream = optarg;
			break;
		case 'd':
			o->device = optarg;
			break;
		case 'i':
			o->info = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'C':
			if (!strchr(optarg, '=') || optarg[0] == '=' ||
			    !strchr(optarg, '=')[1])
				return usage_error(
					"--set: '%s' is not NAME=VALUE (such as brightness=10)",
					optarg);
			if (o->nsets == sizeof(o->sets) / sizeof(o->sets[0]))
				return usage_error("--set: more than %zu",
						   sizeof(o->sets) /
							   sizeof(o->sets[0]));
			o->sets[o->nsets++] = optarg;
			break;
		case 'T':
			if (!parse_seconds(optarg, &o->timeout))
				return usage_error(
					"--timeout: '%s' is not a duration",
					optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("grab-capture %d.%d\n", GRAB_VERSION_MAJOR,
			       GRAB_VERSION_MINOR);
			exit(EXIT_OK);
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'",
						   optopt);
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(
			"unexpected argument '%s' (the output goes after -o)",
			argv[optind]);
	if (o->device && (o->socket || o->stream))
		return usage_error(
			"--device reads the device without the daemon: it does not go with --socket or --stream");
	if (o->json && !o->info)
		return usage_error("--json goes with --info");
	if (o->info && (o->output || o->count || o->duration || o->history))
		return usage_error(
			"--info prints and exits: it does not capture");
	if (o->nsets && (o->output || o->count || o->duration || o->history))
		return usage_error(
			"--set changes controls and exits: it does not capture");
	if (o->nsets && o->device)
		return usage_error(
			"--set goes through grabberd: a grab device has no controls");
	if (o->quiet && o->verbose)
		return usage_error(
			"--quiet and --verbose contradict each other");
	return -1;
}

/* ---- connecting ---------------------------------------------------- */

/* What libgrab's -EBADFD / -EUCLEAN say about the ring grabberd passed. */
static const char *ring_problem(int r)
{
	return r == -EBADFD ?
		       "a ring that is not safe to map (not a sealed memfd of the size it announced, nor a grab device)" :
		       "a corrupt ring (its header is invalid or does not match the stream announced)";
}

static int open_source(const struct options *o, struct grab **ret_grab)
{
	const char *stream = o->stream ? o->stream : GRAB_DEFAULT_STREAM;
	char path[108], why[512];
	struct stat st;
	double until;
	int r;

	if (o->device) {
		r = grab_open_device(o->device, ret_grab);
		if (r == -ENOENT || r == -ENODEV || r == -ENXIO) {
			err("%s: no such grab device (%s)", o->device,
			    strerror(-r));
			return EXIT_NOSTREAM;
		}
		if (r < 0) {
			err("%s: cannot open the device: %s", o->device,
			    strerror(-r));
			return EXIT_ERROR;
		}
		return EXIT_OK;
	}
	/* libgrab's own lookup (the same code), so that the path named in
	 * a message is the one tried. */
	if (o->socket) {
		snprintf(path, sizeof(path), "%s", o->socket);
	} else {
		r = grab_socket_connect_path(path, sizeof(path), why,
					     sizeof(why));
		if (r) {
			err("refusing to connect to %s: %s; that is not your grabberd (give --socket to choose one)",
			    path, why);
			return EXIT_NODAEMON;
		}
	}
	/* libgrab gives a handshake 5 s; a daemon that its socket unit is
	 * starting on a loaded machine may need longer: ask again until
	 * the timeout. */
	until = now_s() + o->timeout;
	do
		r = grab_connect(path, stream, 0, ret_grab);
	while (r == -ETIMEDOUT && now_s() < until && !stop_signal);
	if (r >= 0)
		return EXIT_OK;
	switch (r) {
	case -EBADFD:
	case -EUCLEAN:
		err("grabberd at %s passed %s: refused", path, ring_problem(r));
		return EXIT_BADRING;
	case -EACCES:
		err("not allowed to connect to grabberd at %s (%s)", path,
		    strerror(-r));
		return EXIT_ERROR;
	case -ENOENT:
		if (stat(path, &st) < 0) {
			err("grabberd is not running (no socket at %s)", path);
			return EXIT_NODAEMON;
		}
		err("grabberd at %s has no stream named '%s'", path, stream);
		return EXIT_NOSTREAM;
	case -ECONNREFUSED:
		err("grabberd is not running (nothing listens on %s)", path);
		return EXIT_NODAEMON;
	case -ENOTSOCK:
		err("grabberd is not running (%s is not a socket)", path);
		return EXIT_NODAEMON;
	case -ETIMEDOUT:
		err("grabberd at %s does not answer", path);
		return EXIT_NODAEMON;
	case -EMFILE:
	case -ENFILE:
		err("grabberd at %s refused the connection: it is at its open-file limit (try again later)",
		    path);
		return EXIT_ERROR;
	case -EPROTONOSUPPORT:
		err("grabberd at %s speaks another protocol version than this libgrab",
		    path);
		return EXIT_ERROR;
	default:
		err("cannot connect to grabberd at %s: %s", path, strerror(-r));
		return EXIT_ERROR;
	}
}

/* grab_stream_info(), waiting while the source is not available yet. */
static int get_info(struct grab *g, const struct options *o,
		    struct grab_stream_info *info)
{
	double until = now_s() + o->timeout;
	int r;

	for (;;) {
		r = grab_stream_info(g, info);
		if (r != -ENODATA || now_s() >= until || stop_signal)
			break;
		poll(&(struct pollfd){ .fd = grab_fd(g), .events = POLLIN }, 1,
		     100);
	}
	if (r == -ENODATA) {
		struct grab_stream_stats st;

		/* Say why, when the daemon knows (the stream's error). */
		if (grab_stream_stats(g, &st) == 0 && st.error[0])
			err("the stream's source is not available (waited %.3g s): %s",
			    o->timeout, st.error);
		else
			err("the stream's source is not available (waited %.3g s)",
			    o->timeout);
		return EXIT_NOFRAMES;
	}
	if (r == -EBADFD || r == -EUCLEAN) {
		err("grabberd passed %s: refused", ring_problem(r));
		return EXIT_BADRING;
	}
	if (r < 0) {
		err("cannot get the stream's format: %s", strerror(-r));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

/* ---- --info ---------------------------------------------------------- */

static const char *state_name(uint32_t state)
{
	switch (state) {
	case GRAB_SOURCE_STOPPED:
		return "stopped";
	case GRAB_SOURCE_RUNNING:
		return "running";
	case GRAB_SOURCE_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ---- controls -------------------------------------------------------- */

static const char *control_type(uint32_t t)
{
	static const char *const names[] = {
		"?",	     "integer",	     "boolean", "menu",	  "button",
		"integer64", "integer_menu", "bitmask", "string", "other",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static const char *const control_flags[] = { "read_only", "inactive",
					     "volatile", "grabbed" };

/*
 * "name = value  (integer 0..255 step 1, default 128)"; a bitmask in hex;
 * a button, a string or another kind has no value to show.
 */
static void print_control(const struct grab_control *c)
{
	bool valued = c->type != GRAB_CONTROL_BUTTON &&
		      c->type != GRAB_CONTROL_STRING &&
		      c->type != GRAB_CONTROL_OTHER;
	unsigned int f;

	if (!valued)
		printf("  %s  (%s", c->name, control_type(c->type));
	else if (c->type == GRAB_CONTROL_BITMASK)
		printf("  %s = 0x%" PRIx64 "  (bitmask 0x%" PRIx64
		       ", default 0x%" PRIx64,
		       c->name, (uint64_t)c->value, (uint64_t)c->maximum,
		       (uint64_t)c->default_value);
	else if (c->type == GRAB_CONTROL_MENU ||
		 c->type == GRAB_CONTROL_INTEGER_MENU)
		printf("  %s = %" PRId64 "  (%s %s, default %" PRId64, c->name,
		       c->value, control_type(c->type), c->menu,
		       c->default_value);
	else
		printf("  %s = %" PRId64 "  (%s %" PRId64 "..%" PRId64
		       " step %" PRId64 ", default %" PRId64,
		       c->name, c->value, control_type(c->type), c->minimum,
		       c->maximum, c->step, c->default_value);
	for (f = 0; f < 4; f++)
		if (c->flags & (1u << f))
			printf(", %s", control_flags[f]);
	printf(")\n");
}

static void print_controls(struct grab *g, bool json)
{
	static struct grab_control list[256];
	const char *why = NULL;
	int i, n, f;

	n = grab_stream_controls(g, list, 256);
	if (n > 256)
		n = 256;
	if (n == -EOPNOTSUPP)
		why = "the source has no controls";
	else if (n == -ENODATA)
		why = "the source is not running";
	else if (n < 0)
		why = strerror(-n);
	if (json) {
		printf(",\"controls\":[");
		for (i = 0; i < n; i++) {
			const struct grab_control *c = &list[i];
			bool first = true;

			printf("%s{\"name\":", i ? "," : "");
			json_string(c->name);
			printf(",\"label\":");
			json_string(c->label);
			printf(",\"type\":\"%s\",\"minimum\":%" PRId64
			       ",\"maximum\":%" PRId64 ",\"step\":%" PRId64
			       ",\"default\":%" PRId64 ",\"value\":%" PRId64
			       ",\"flags\":[",
			       control_type(c->type), c->minimum, c->maximum,
			       c->step, c->default_value, c->value);
			for (f = 0; f < 4; f++) {
				if (!(c->flags & (1u << f)))
					continue;
				printf("%s\"%s\"", first ? "" : ",",
				       control_flags[f]);
				first = false;
			}
			printf("],\"menu\":");
			json_string(c->menu);
			printf("}");
		}
		printf("],\"controls_error\":");
		json_string(why ? why : "");
		return;
	}
	if (why) {
		printf("controls: none (%s)\n", why);
		return;
	}
	printf("controls: %d\n", n);
	for (i = 0; i < n; i++)
		print_control(&list[i]);
}

/* --set NAME=VALUE, in order; the first refusal ends it. */
static int set_controls(struct grab *g, const struct options *o)
{
	unsigned int i;

	for (i = 0; i < o->nsets; i++) {
		char name[64], reason[256];
		const char *eq = strchr(o->sets[i], '=');
		struct grab_control c;
		int r;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - o->sets[i]),
			 o->sets[i]);
		r = grab_set_control(g, name, eq + 1, &c, reason,
				     sizeof(reason));
		if (r == -EINVAL && !reason[0]) {
			err("--set %s: not a control name and value",
			    o->sets[i]);
			return EXIT_USAGE;
		}
		if (r < 0) {
			err("--set %s: %s (%s)", o->sets[i],
			    reason[0] ? reason : strerror(-r), strerror(-r));
			return EXIT_ERROR;
		}
		if (!o->quiet && !o->info)
			printf("%s = %" PRId64 "\n", c.name, c.value);
	}
	return EXIT_OK;
}

static int print_info(struct grab *g, const struct options *o)
{
	struct grab_stream_info info;
	struct grab_stream_stats st;
	const struct grab_image_format *f;
	int r;

	r = get_info(g, o, &info);
	if (r)
		return r;
	r = grab_stream_stats(g, &st);
	if (r < 0) {
		err("cannot get the stream's counters: %s", strerror(-r));
		return EXIT_ERROR;
	}
	f = &info.format;
	if (o->json) {
		printf("{\"name\":");
		json_string(info.name);
		printf(",\"source\":");
		json_string(info.source);
		printf(",\"width\":%" PRIu32 ",\"height\":%" PRIu32
		       ",\"format\":",
		       f->width, f->height);
		json_string(grab_pixfmt_name(f->fourcc));
		printf(",\"bytesperline\":%" PRIu32 ",\"sizeimage\":%" PRIu32
		       ",\"fps_num\":%" PRIu32 ",\"fps_den\":%" PRIu32
		       ",\"fps\":%.2f,\"slots\":%" PRIu32
		       ",\"ring_size\":%" PRIu64 ",\"direct\":%s,\"state\":",
		       f->bytesperline, f->sizeimage, info.fps_num,
		       info.fps_den, st.fps, info.nslots, info.ring_size,
		       info.flags & GRAB_STREAM_DIRECT ? "true" : "false");
		json_string(state_name(st.state));
		printf(",\"clients\":%" PRIu32 ",\"frames\":%" PRIu64
		       ",\"dropped\":%" PRIu64 ",\"missed\":%" PRIu64
		       ",\"error\":",
		       st.clients, st.frames, st.dropped, st.missed);
		json_string(st.error);
		print_controls(g, true);
		printf("}\n");
	} else {
		printf("stream:   %s\n", info.name);
		printf("source:   %s\n", info.source);
		printf("format:   %" PRIu32 "x%" PRIu32 " %s, %" PRIu32
		       " bytes per line, %" PRIu32 " bytes per frame\n",
		       f->width, f->height, grab_pixfmt_name(f->fourcc),
		       f->bytesperline, f->sizeimage);
		printf("rate:     %" PRIu32 "/%" PRIu32
		       " fps configured, %.2f fps measured\n",
		       info.fps_num, info.fps_den, st.fps);
		printf("ring:     %" PRIu32 " slots, %" PRIu64 " bytes%s\n",
		       info.nslots, info.ring_size,
		       info.flags & GRAB_STREAM_DIRECT ? " (direct)" : "");
		printf("state:    %s%s%s\n", state_name(st.state),
		       st.error[0] ? ": " : "", st.error);
		printf("clients:  %" PRIu32 "\n", st.clients);
		printf("frames:   %" PRIu64 "\n", st.frames);
		printf("dropped:  %" PRIu64 "\n", st.dropped);
		printf("missed:   %" PRIu64 "\n", st.missed);
		print_controls(g, false);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err("stdout: %s", strerror(errno));
		return EXIT_WRITE;
	}
	return EXIT_OK;
}

/* ---- the capture ------------------------------------------------------- */

struct capture {
	const struct options *opt;
	struct grab *grab;
	struct grab_stream_info info;
	enum format format;
	struct output out;
	struct grab_image_format fmt; /* of the frames being written */
	struct grab_format gfmt; /* the same, with its planes (the table's) */
	bool have_fmt;
	struct grab_jpeg_encoder *jpeg;
	uint8_t *buf; /* converted (or copied) frame */
	size_t buf_size;
	uint64_t written, missed;
	uint64_t history; /* frames written from before the start */
	uint64_t live_after_ns; /* frames before this are history */
	double start, last_frame, last_progress;
	bool progress; /* a progress line on the terminal */
	int progress_len;
};

static int exit_for_write_error(int r)
{
	return r == -ENOSPC || r == -EDQUOT || r == -EFBIG ? EXIT_DISKFULL :
							     EXIT_WRITE;
}

/* Allocate for and get ready to write frames of @fmt. */
static int setup_format(struct capture *c, const struct grab_image_format *fmt)
{
	struct grab_format g = {
		.width = fmt->width,
		.height = fmt->height,
		.fourcc = fmt->fourcc,
		.bytesperline = fmt->bytesperline,
		.sizeimage = fmt->sizeimage,
	};
	size_t need;
	int r;

	/* The public format has no planes: the one format table gives them. */
	if (grab_format_complete(&g) || g.sizeimage != fmt->sizeimage) {
		err("the stream's pixel format %s (0x%08" PRIx32
		    ") is not supported",
		    grab_pixfmt_name(fmt->fourcc), fmt->fourcc);
		return EXIT_ERROR;
	}
	if (!g.nplanes && (c->format == FMT_PPM || c->format == FMT_Y4M)) {
		err("the stream is %s (compressed): write it as jpeg (each frame as it came) or raw (an MJPEG stream), not %s",
		    grab_pixfmt_name(fmt->fourcc), format_exts[c->format]);
		return EXIT_ERROR;
	}
	switch (c->format) {
	case FMT_RAW:
		need = fmt->sizeimage;
		break;
	case FMT_PPM:
		need = grab_image_ppm_size(&g);
		break;
	case FMT_Y4M:
		need = grab_image_y4m_size(&g);
		break;
	default:
		need = g.nplanes ? 0 : fmt->sizeimage;
		grab_jpeg_encoder_free(c->jpeg);
		c->jpeg = NULL;
		if (!g.nplanes)
			break; /* MJPEG: the frames are JPEGs already */
		r = grab_jpeg_encoder_new(&g, c->opt->quality, &c->jpeg);
		if (r < 0) {
			err("cannot set up the JPEG encoder for %" PRIu32
			    "x%" PRIu32 " %s: %s",
			    fmt->width, fmt->height,
			    grab_pixfmt_name(fmt->fourcc), strerror(-r));
			return EXIT_ERROR;
		}
		break;
	}
	if (need > c->buf_size) {
		free(c->buf);
		c->buf = malloc(need);
		c->buf_size = c->buf ? need : 0;
		if (!c->buf) {
			err("out of memory for a %zu-byte frame", need);
			return EXIT_ERROR;
		}
	}
	c->fmt = *fmt;
	c->gfmt = g;
	c->have_fmt = true;
	return EXIT_OK;
}

static void progress_clear(struct capture *c)
{
	if (c->progress && c->progress_len) {
		fprintf(stderr, "\r%*s\r", c->progress_len, "");
		c->progress_len = 0;
	}
}

static void progress_show(struct capture *c, bool force)
{
	const struct options *o = c->opt;
	double t = now_s(), elapsed = t - c->start, frac = -1;
	char bar[32] = "", line[256];
	int n;

	if (!c->progress || (!force && t - c->last_progress < 0.25))
		return;
	c->last_progress = t;
	if (o->count)
		frac = (double)(c->written - c->history) / (double)o->count;
	else if (o->duration)
		frac = elapsed / o->duration;
	if (frac >= 0) {
		int fill = (int)(fmin(frac, 1) * 20);

		snprintf(bar, sizeof(bar), "[%.*s%*s] %3d%% ", fill,
			 "####################", 20 - fill, "",
			 (int)(fmin(frac, 1) * 100));
	}
	n = snprintf(line, sizeof(line),
		     "%s%" PRIu64 " frames  %.1f fps  %" PRIu64
		     " missed  %.1f MiB  %.1f s",
		     bar, c->written,
		     elapsed > 0 ? (double)c->written / elapsed : 0.0,
		     c->missed, c->out.bytes / 1048576.0, elapsed);
	fprintf(stderr, "\r%s%*s", line,
		c->progress_len > n ? c->progress_len - n : 0, "");
	c->progress_len = n;
}

/* Convert the frame into c->buf (or the JPEG encoder); 0 or an exit code. */
static int convert_frame(struct capture *c, const uint8_t *data, size_t bytes,
			 const uint8_t **ret_data, size_t *ret_len)
{
	const struct grab_format *f = &c->gfmt;
	int r = 0;

	if (!f->nplanes) {
		/* Compressed: the frame's own bytes, copied out of the ring
		 * before the intact check (raw and jpeg alike). */
		if (!bytes || bytes > f->sizeimage)
			return -EBADMSG;
		memcpy(c->buf, data, bytes);
		*ret_data = c->buf;
		*ret_len = bytes;
		return 0;
	}
	if (bytes < f->sizeimage) {
		/* A short frame from the source: nothing sensible to convert. */
		return -EBADMSG;
	}
	switch (c->format) {
	case FMT_RAW:
		memcpy(c->buf, data, f->sizeimage);
		*ret_data = c->buf;
		*ret_len = f->sizeimage;
		break;
	case FMT_PPM:
		r = grab_image_to_ppm(f, data, c->buf);
		*ret_data = c->buf;
		*ret_len = grab_image_ppm_size(f);
		break;
	case FMT_Y4M:
		r = grab_image_to_y4m(f, data, c->buf);
		*ret_data = c->buf;
		*ret_len = grab_image_y4m_size(f);
		break;
	default:
		r = grab_jpeg_encode(c->jpeg, data, ret_data, ret_len);
		break;
	}
	return r;
}

/* Write the converted frame; 0 or an exit code. */
static int write_frame(struct capture *c, const uint8_t *data, size_t len)
{
	char head[128];
	struct iovec iov[3];
	const char *what;
	int n = 0, r;

	if (c->format == FMT_Y4M) {
		if (c->out.frames == 0 || output_per_frame(&c->out)) {
			uint32_t num = c->info.fps_num, den = c->info.fps_den;

			if (!num || !den)
				num = 30, den = 1;
			snprintf(head, sizeof(head),
				 "YUV4MPEG2 W%" PRIu32 " H%" PRIu32 " F%" PRIu32
				 ":%" PRIu32
				 " Ip A1:1 C%s XCOLORRANGE=LIMITED\n",
				 c->fmt.width, c->fmt.height, num, den,
				 grab_image_y4m_colorspace(c->fmt.fourcc));
			iov[n++] = (struct iovec){ head, strlen(head) };
		}
		iov[n++] = (struct iovec){ (void *)"FRAME\n", 6 };
	} else if (c->format == FMT_PPM) {
		size_t hl = grab_image_ppm_header(&c->gfmt, head, sizeof(head));

		iov[n++] = (struct iovec){ head, hl };
	}
	iov[n++] = (struct iovec){ (void *)data, len };
	r = output_frame(&c->out, iov, n, &what);
	if (r < 0) {
		bool removed = false;

		progress_clear(c);
		output_close(&c->out, true, &removed);
		if (r == -EPIPE)
			err("stdout: the reader went away after %" PRIu64
			    " frames",
			    c->written);
		else if (exit_for_write_error(r) == EXIT_DISKFULL)
			err("%s: disk full after %" PRIu64 " frames (%s); %s",
			    what, c->written, strerror(-r),
			    removed ? "removed it: it held no whole frame" :
			    output_per_frame(&c->out) ?
				      "the files before are whole" :
				      "it holds the whole frames before");
		else
			err("cannot write %s: %s", what, strerror(-r));
		return exit_for_write_error(r);
	}
	return EXIT_OK;
}

static bool same_format(const struct grab_image_format *a,
			const struct grab_image_format *b)
{
	return a->width == b->width && a->height == b->height &&
	       a->fourcc == b->fourcc && a->bytesperline == b->bytesperline &&
	       a->sizeimage == b->sizeimage;
}

/* Take one frame: convert, check, write.  0 or an exit code. */
static int take_frame(struct capture *c, struct grab_frame *frame)
{
	struct grab_image_format fmt;
	const uint8_t *data;
	size_t len;
	uint64_t seq = grab_frame_sequence(frame);
	uint64_t ts = grab_frame_timestamp_ns(frame);
	int r;

	c->missed += grab_frame_missed(frame);
	r = grab_frame_format(frame, &fmt);
	if (r < 0) {
		grab_frame_release(frame);
		err("cannot read the frame's format: %s", strerror(-r));
		return EXIT_ERROR;
	}
	if (!c->have_fmt || !same_format(&fmt, &c->fmt)) {
		if (c->have_fmt && !output_per_frame(&c->out)) {
			grab_frame_release(frame);
			progress_clear(c);
			err("the stream's format changed to %" PRIu32
			    "x%" PRIu32 " %s; %s holds the %" PRIu64
			    " frames before",
			    fmt.width, fmt.height, grab_pixfmt_name(fmt.fourcc),
			    c->out.kind == OUTPUT_STDOUT ? "stdout" :
							   c->out.path,
			    c->written);
			return EXIT_ERROR;
		}
		r = setup_format(c, &fmt);
		if (r) {
			grab_frame_release(frame);
			return r;
		}
	}
	r = convert_frame(c, grab_frame_data(frame), grab_frame_bytes(frame),
			  &data, &len);
	if (!grab_frame_intact(frame) || r == -EBADMSG) {
		/* Overwritten while we read it (or short): lost, not written. */
		grab_frame_release(frame);
		c->missed++;
		return EXIT_OK;
	}
	grab_frame_release(frame);
	if (r < 0) {
		progress_clear(c);
		err("cannot encode frame %" PRIu64 ": %s", seq,
		    c->format == FMT_JPEG && c->jpeg ?
			    grab_jpeg_encoder_error(c->jpeg) :
			    strerror(-r));
		return EXIT_ERROR;
	}
	r = write_frame(c, data, len);
	if (r)
		return r;
	c->written++;
	if (ts < c->live_after_ns)
		c->history++;
	c->last_frame = now_s();
	if (c->opt->verbose)
		fprintf(stderr,
			"grab-capture: frame %" PRIu64 " seq %" PRIu64
			" ts %" PRIu64 ".%09" PRIu64 " missed %" PRIu64
			"%s -> %s\n",
			c->written - 1, seq, ts / 1000000000, ts % 1000000000,
			c->missed, ts < c->live_after_ns ? " history" : "",
			output_per_frame(&c->out)    ? c->out.current :
			c->out.kind == OUTPUT_STDOUT ? "stdout" :
						       c->out.path);
	progress_show(c, false);
	return EXIT_OK;
}

static int capture_loop(struct capture *c)
{
	const struct options *o = c->opt;
	int last_error = 0, r;

	c->start = c->last_frame = c->last_progress = now_s();
	for (;;) {
		struct grab_frame *frame;
		double t = now_s(), wait = 0.2;

		if (stop_signal)
			return EXIT_OK;
		if (o->count && c->written - c->history >= o->count)
			return EXIT_OK;
		if (o->duration) {
			if (t - c->start >= o->duration)
				return EXIT_OK;
			wait = fmin(wait, o->duration - (t - c->start));
		}
		if (t - c->last_frame >= o->timeout) {
			progress_clear(c);
			if (last_error == -ENOTCONN) {
				err("grabberd went away and did not come back within %.3g s",
				    o->timeout);
				return EXIT_NODAEMON;
			}
			if (last_error == -ENODEV) {
				struct grab_stream_stats st;

				if (grab_stream_stats(c->grab, &st) == 0 &&
				    st.error[0])
					err("the stream's source failed: %s",
					    st.error);
				else
					err("the stream's source failed");
				return EXIT_NOFRAMES;
			}
			err("no frame for %.3g s", o->timeout);
			return EXIT_NOFRAMES;
		}
		progress_show(c, false);
		r = grab_next_frame(c->grab, (int)ceil(wait * 1000), &frame);
		if (r >= 0) {
			last_error = 0;
			r = take_frame(c, frame);
			if (r)
				return r;
			continue;
		}
		switch (r) {
		case -ETIMEDOUT:
		case -EAGAIN:
		case -EINTR:
			break;
		case -ENOTCONN:
		case -ENODEV:
			/* The library reconnects or the daemon retries: wait. */
			last_error = r;
			poll(&(struct pollfd){ .fd = grab_fd(c->grab),
					       .events = POLLIN },
			     1, 50);
			break;
		case -ENOENT:
			progress_clear(c);
			err("the stream '%s' no longer exists", c->info.name);
			return EXIT_NOSTREAM;
		case -EBADFD:
		case -EUCLEAN:
			progress_clear(c);
			err("after %" PRIu64
			    " frames, grabberd passed %s: refused",
			    c->written, ring_problem(r));
			return EXIT_BADRING;
		default:
			progress_clear(c);
			err("cannot get a frame: %s", strerror(-r));
			return EXIT_ERROR;
		}
	}
}

static int capture(struct grab *g, const struct options *o, struct output *out,
		   enum format format)
{
	struct capture c = { .opt = o, .grab = g, .format = format };
	const char *what;
	bool removed;
	int r;

	c.out = *out;
	r = get_info(g, o, &c.info);
	if (r)
		return r;
	r = output_open(&c.out, &what);
	if (r < 0) {
		err("cannot write %s: %s", what, strerror(-r));
		return exit_for_write_error(r);
	}
	if (o->history) {
		struct timespec ts;

		/* Frames published before now are the history: -n and -t
		 * count what comes after. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		c.live_after_ns = (uint64_t)ts.tv_sec * 1000000000u +
				  (uint64_t)ts.tv_nsec;
		r = grab_rewind(g, UINT_MAX);
		if (r < 0) {
			err("cannot go back in the ring: %s", strerror(-r));
			output_close(&c.out, true, &removed);
			return EXIT_ERROR;
		}
	}
	c.progress = !o->quiet && !o->verbose && isatty(STDOUT_FILENO) &&
		     isatty(STDERR_FILENO);
	r = setup_format(&c, &c.info.format);
	if (!r)
		r = capture_loop(&c);
	progress_show(&c, true);
	if (c.progress && c.progress_len)
		fputc('\n', stderr);
	if (c.out.fd >= 0 && output_close(&c.out, r != EXIT_OK, &removed) < 0 &&
	    !r) {
		err("cannot write %s: %s", c.out.path, strerror(errno));
		r = EXIT_WRITE;
	}
	if (r == EXIT_OK && stop_signal && (o->count || o->duration)) {
		err("interrupted after %" PRIu64 " frames%s", c.written,
		    c.out.kind == OUTPUT_STDOUT ?
			    "" :
			    "; the output holds every frame written");
		r = EXIT_INTERRUPTED;
	}
	if (r == EXIT_OK && (c.progress || o->verbose))
		fprintf(stderr,
			"grab-capture: %" PRIu64 " frames, %" PRIu64
			" missed, %.1f MiB to %s\n",
			c.written, c.missed, c.out.bytes / 1048576.0,
			c.out.path);
	grab_jpeg_encoder_free(c.jpeg);
	free(c.buf);
	*out = c.out;
	return r;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct options o;
	struct output out = { .fd = -1 };
	struct grab *g = NULL;
	enum format format = FMT_NONE;
	int r;

	r = parse_options(argc, argv, &o);
	if (r >= 0)
		return r;

	if (!o.info && !o.nsets) {
		if (!o.output) {
			if (isatty(STDOUT_FILENO))
				return usage_error(
					"no output: give -o FILE (or -o - and a pipe)");
			o.output = "-";
		}
		if (!strcmp(o.output, "-") && isatty(STDOUT_FILENO))
			return usage_error(
				"refusing to write frames to a terminal: pipe stdout, or give -o FILE");
		format = o.format;
		if (format == FMT_NONE)
			format = format_from_path(o.output);
		r = output_init(
			&out, o.output,
			format_exts[format == FMT_NONE ? FMT_JPEG : format]);
		if (r == -EINVAL)
			return usage_error(
				"--output: '%s' is not a usable name: a pattern takes one integer conversion such as %%05d (write %%%% for a %%)",
				o.output);
		if (r < 0) {
			err("%s", strerror(-r));
			return EXIT_ERROR;
		}
		if (format == FMT_NONE) {
			if (out.kind != OUTPUT_DIR) {
				output_free(&out);
				return usage_error(
					"cannot tell the format from '%s': give -f raw, ppm, y4m or jpeg",
					o.output);
			}
			format = FMT_JPEG;
		}
		/* One picture to one plain file: a snapshot, unless told otherwise. */
		if (out.kind == OUTPUT_FILE &&
		    (format == FMT_JPEG || format == FMT_PPM) && !o.count &&
		    !o.duration)
			o.count = 1;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = open_source(&o, &g);
	if (r) {
		output_free(&out);
		return r;
	}
	if (o.nsets) {
		struct grab_stream_info info;

		/* Attached, the source runs: its controls are there. */
		r = get_info(g, &o, &info);
		if (!r)
			r = set_controls(g, &o);
		if (!r && o.info)
			r = print_info(g, &o);
	} else if (o.info) {
		r = print_info(g, &o);
	} else {
		r = capture(g, &o, &out, format);
		output_free(&out);
	}
	grab_close(g);
	return r;
}
