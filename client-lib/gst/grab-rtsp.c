// SPDX-License-Identifier: MIT
/*
 * grab-rtsp: every grabberd stream on the network as rtsp://HOST:8554/NAME,
 * on gst-rtsp-server.  See grab-rtsp(1).
 *
 * Streams are mounted on demand: a DESCRIBE of /NAME asks grabberd for
 * stream NAME (404 if it has none, 503 if grabberd is not running) and
 * mounts a shared media factory for it: H.264 (x264enc, zero-latency
 * tuning) for raw formats, the JPEGs as they are (rtpjpegpay) for MJPEG.
 * Viewers of one stream share one pipeline, which runs only while someone
 * watches; a stream whose format kind changed is remounted.
 *
 * Access follows grabberd's HTTP view: loopback by default (--listen), HTTP
 * Basic authentication for every request with --auth USER:PASSWORD (or
 * $GRAB_RTSP_AUTH), and a warning when listening elsewhere without it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <glib-unix.h>
#include <gst/rtsp-server/rtsp-server.h>

#include "grab/grab.h"
#include "grab-proto.h"
#include "grab-src.h"

#define DEFAULT_LISTEN "127.0.0.1:8554"
#define AUTH_ENV "GRAB_RTSP_AUTH"
#define ROLE "viewer"

struct options {
	const char *socket;
	char host[256];
	char port[16];
	const char *auth; /* "user:password" or NULL */
	unsigned int bitrate; /* kbit/s of the H.264 streams */
	int verbose;
};

/* What a mounted stream is: decides the pipeline. */
enum kind {
	KIND_H264,
	KIND_H264_BAYER,
	KIND_MJPEG
};

static struct options opt = { .bitrate = 4000 };
static GstRTSPMountPoints *mounts;
static GHashTable *mounted; /* "/NAME" -> GINT_TO_POINTER(kind + 1) */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: grab-rtsp [OPTION]...\n"
		"Serve every grabberd stream as rtsp://HOST:PORT/NAME: H.264, or the\n"
		"stream's own JPEGs for MJPEG sources.\n"
		"\n"
		"  -l, --listen ADDR:PORT  where to listen (default " DEFAULT_LISTEN
		",\n"
		"                          loopback only; port 0 picks a free port)\n"
		"  -s, --socket PATH       grabberd's socket (default $GRAB_SOCKET, else\n"
		"                          " GRAB_DEFAULT_SOCKET ")\n"
		"  -a, --auth USER:PASSWORD  require RTSP Basic authentication\n"
		"                          (default $" AUTH_ENV ")\n"
		"  -b, --bitrate KBPS      H.264 bit rate in kbit/s (default 4000)\n"
		"  -v, --verbose           log each mount and client\n"
		"  -h, --help              this help\n"
		"  -V, --version           print the version\n"
		"\n"
		"Exit status: 0 after SIGINT/SIGTERM, 1 cannot listen, 2 usage.\n"
		"See grab-rtsp(1).\n");
}

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "grab-rtsp: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'grab-rtsp --help'.\n");
	exit(2);
}

/* ADDR:PORT, [IPV6]:PORT or :PORT into opt.host and opt.port. */
static void parse_listen(const char *arg)
{
	const char *colon = strrchr(arg, ':');
	const char *host = arg;
	size_t hlen;
	char *end;
	long port;

	if (!colon)
		die_usage("--listen %s: expected ADDR:PORT", arg);
	hlen = (size_t)(colon - arg);
	if (hlen >= 2 && arg[0] == '[' && colon[-1] == ']') {
		host++;
		hlen -= 2;
	}
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		die_usage("--listen %s: the port must be 0 to 65535", arg);
	if (hlen == 0) {
		host = "0.0.0.0";
		hlen = strlen(host);
	}
	if (hlen >= sizeof(opt.host))
		die_usage("--listen %s: address too long", arg);
	memcpy(opt.host, host, hlen);
	opt.host[hlen] = 0;
	snprintf(opt.port, sizeof(opt.port), "%ld", port);
}

static gboolean is_loopback(const char *host)
{
	return g_str_has_prefix(host, "127.") || !strcmp(host, "::1") ||
	       !strcmp(host, "localhost");
}

static void parse_args(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "socket", required_argument, NULL, 's' },
		{ "auth", required_argument, NULL, 'a' },
		{ "bitrate", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	opterr = 0;
	parse_listen(DEFAULT_LISTEN);
	opt.auth = getenv(AUTH_ENV);
	while ((c = getopt_long(argc, argv, ":l:s:a:b:vhV", longs, NULL)) !=
	       -1) {
		switch (c) {
		case 'l':
			parse_listen(optarg);
			break;
		case 's':
			opt.socket = optarg;
			break;
		case 'a':
			opt.auth = optarg;
			break;
		case 'b':
			v = strtol(optarg, &end, 10);
			if (*end || v < 16 || v > 100000)
				die_usage(
					"--bitrate %s: expected 16 to 100000 (kbit/s)",
					optarg);
			opt.bitrate = (unsigned int)v;
			break;
		case 'v':
			opt.verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("grab-rtsp %d.%d\n", GRAB_VERSION_MAJOR,
			       GRAB_VERSION_MINOR);
			exit(0);
		case ':':
			die_usage("'%s' needs a value", argv[optind - 1]);
			break;
		default:
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (opt.auth && *opt.auth) {
		const char *colon = strchr(opt.auth, ':');
		const char *p;

		if (!colon || colon == opt.auth)
			die_usage(
				"--auth %s: must be USER:PASSWORD (a non-empty user without ':')",
				"(hidden)");
		for (p = opt.auth; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				die_usage("--auth %s: no control characters",
					  "(hidden)");
	} else {
		opt.auth = NULL;
	}
}

/* The pipeline of a stream: grabsrc, then what its format needs. */
static gchar *launch_line(const char *stream, enum kind kind)
{
	gchar *src, *line;

	src = g_strdup_printf("grabsrc stream=\"%s\"%s%s%s", stream,
			      opt.socket ? " socket=\"" : "",
			      opt.socket ? opt.socket : "",
			      opt.socket ? "\"" : "");
	if (kind == KIND_MJPEG)
		line = g_strdup_printf(
			"( %s ! image/jpeg ! rtpjpegpay name=pay0 pt=26 )",
			src);
	else
		line = g_strdup_printf(
			"( %s ! %svideoconvert ! video/x-raw,format=I420 ! "
			"x264enc tune=zerolatency speed-preset=ultrafast bitrate=%u "
			"key-int-max=60 ! video/x-h264,profile=constrained-baseline ! "
			"rtph264pay name=pay0 pt=96 config-interval=-1 )",
			src, kind == KIND_H264_BAYER ? "bayer2rgb ! " : "",
			opt.bitrate);
	g_free(src);
	return line;
}

static enum kind kind_of(uint32_t fourcc)
{
	switch (fourcc) {
	case GRAB_PIXFMT_MJPEG:
		return KIND_MJPEG;
	case GRAB_PIXFMT_SRGGB8:
	case GRAB_PIXFMT_SBGGR8:
	case GRAB_PIXFMT_SGRBG8:
	case GRAB_PIXFMT_SGBRG8:
		return KIND_H264_BAYER;
	default:
		return KIND_H264;
	}
}

/*
 * Ask grabberd about stream @name.  Returns an RTSP status: OK with
 * *@ret_kind, NOT_FOUND (no such stream), SERVICE_UNAVAILABLE (grabberd
 * not running, or the stream's source not up yet).
 */
static GstRTSPStatusCode probe(const char *name, enum kind *ret_kind)
{
	struct grab_stream_info info;
	struct grab *g;
	int err;

	err = grab_connect(opt.socket, name, GRAB_CONNECT_NO_RECONNECT, &g);
	if (err) {
		g_message("stream \"%s\": %s", name, g_strerror(-err));
		if (err == -ENOENT &&
		    (!opt.socket ||
		     g_file_test(opt.socket, G_FILE_TEST_EXISTS)))
			return GST_RTSP_STS_NOT_FOUND;
		return GST_RTSP_STS_SERVICE_UNAVAILABLE;
	}
	err = grab_stream_info(g, &info);
	grab_close(g);
	if (err) {
		g_message("stream \"%s\": its source is not available yet",
			  name);
		return GST_RTSP_STS_SERVICE_UNAVAILABLE;
	}
	*ret_kind = kind_of(info.format.fourcc);
	return GST_RTSP_STS_OK;
}

static void mount(const char *path, enum kind kind)
{
	GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
	gchar *line = launch_line(path + 1, kind);

	gst_rtsp_media_factory_set_launch(factory, line);
	/* One pipeline (one encoder) however many viewers. */
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	if (opt.auth)
		gst_rtsp_media_factory_add_role(
			factory, ROLE, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
			G_TYPE_BOOLEAN, TRUE,
			GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN,
			TRUE, NULL);
	gst_rtsp_mount_points_add_factory(mounts, path, factory);
	g_hash_table_replace(mounted, g_strdup(path),
			     GINT_TO_POINTER(kind + 1));
	if (opt.verbose)
		g_message("mounted %s: %s", path, line);
	g_free(line);
}

/* Before a DESCRIBE: mount the stream it names, if grabberd has it. */
static GstRTSPStatusCode pre_describe(GstRTSPClient *client,
				      GstRTSPContext *ctx, gpointer data)
{
	gchar *path = gst_rtsp_mount_points_make_path(mounts, ctx->uri);
	GstRTSPStatusCode code = GST_RTSP_STS_NOT_FOUND;
	gpointer old;
	enum kind kind;

	if (!path || path[0] != '/' || !grab_stream_name_valid(path + 1))
		goto out;
	code = probe(path + 1, &kind);
	if (code != GST_RTSP_STS_OK)
		goto out;
	old = g_hash_table_lookup(mounted, path);
	if (old && GPOINTER_TO_INT(old) - 1 != (int)kind)
		gst_rtsp_mount_points_remove_factory(mounts, path);
	if (!old || GPOINTER_TO_INT(old) - 1 != (int)kind)
		mount(path, kind);
out:
	g_free(path);
	return code;
}

static void client_connected(GstRTSPServer *server, GstRTSPClient *client,
			     gpointer data)
{
	g_signal_connect(client, "pre-describe-request",
			 G_CALLBACK(pre_describe), NULL);
	if (opt.verbose) {
		GstRTSPConnection *conn =
			gst_rtsp_client_get_connection(client);

		g_message("client from %s",
			  conn ? gst_rtsp_connection_get_ip(conn) : "?");
	}
}

/*
 * gst-rtsp-server asks for credentials only when a media factory is used:
 * a DESCRIBE of a missing stream would answer 404 without them, and tell
 * strangers which names exist.  Like the HTTP view, this auth asks for
 * them on every request, before anything else is looked at.
 */
#define GRAB_TYPE_RTSP_AUTH (grab_rtsp_auth_get_type())
G_DECLARE_FINAL_TYPE(GrabRtspAuth, grab_rtsp_auth, GRAB, RTSP_AUTH, GstRTSPAuth)
struct _GrabRtspAuth {
	GstRTSPAuth parent;
};
G_DEFINE_TYPE(GrabRtspAuth, grab_rtsp_auth, GST_TYPE_RTSP_AUTH)

static gboolean grab_rtsp_auth_check(GstRTSPAuth *auth, GstRTSPContext *ctx,
				     const gchar *check)
{
	GstRTSPAuthClass *parent =
		GST_RTSP_AUTH_CLASS(grab_rtsp_auth_parent_class);

	if (g_str_equal(check, GST_RTSP_AUTH_CHECK_URL)) {
		if (!ctx->token && parent->authenticate)
			parent->authenticate(auth, ctx);
		if (!ctx->token) {
			gst_rtsp_message_init_response(
				ctx->response, GST_RTSP_STS_UNAUTHORIZED,
				gst_rtsp_status_as_text(
					GST_RTSP_STS_UNAUTHORIZED),
				ctx->request);
			parent->generate_authenticate_header(auth, ctx);
			gst_rtsp_client_send_message(ctx->client, ctx->session,
						     ctx->response);
			return FALSE;
		}
	}
	return parent->check(auth, ctx, check);
}

static void grab_rtsp_auth_class_init(GrabRtspAuthClass *klass)
{
	GST_RTSP_AUTH_CLASS(klass)->check = grab_rtsp_auth_check;
}

static void grab_rtsp_auth_init(GrabRtspAuth *self)
{
}

static void setup_auth(GstRTSPServer *server)
{
	GstRTSPAuth *auth = g_object_new(GRAB_TYPE_RTSP_AUTH, NULL);
	GstRTSPToken *token;
	gchar *user = g_strdup(opt.auth), *pass, *basic;

	pass = strchr(user, ':');
	*pass++ = 0;
	token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
				   G_TYPE_STRING, ROLE, NULL);
	basic = gst_rtsp_auth_make_basic(user, pass);
	gst_rtsp_auth_add_basic(auth, basic, token);
	gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_BASIC);
	/* No default token: a request without credentials gets 401. */
	gst_rtsp_server_set_auth(server, auth);
	g_free(basic);
	g_free(user);
	gst_rtsp_token_unref(token);
	g_object_unref(auth);
}

static gboolean on_signal(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	GstRTSPServer *server;
	GMainLoop *loop;
	GError *error = NULL;
	GSource *source;
	const char *fmt;

	parse_args(argc, argv);
	gst_init(NULL, NULL);
	/* An installed plugin provides grabsrc; else the copy built in. */
	if (!gst_element_factory_find("grabsrc"))
		gst_grab_src_register(NULL);

	server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(server, opt.host);
	gst_rtsp_server_set_service(server, opt.port);
	mounts = gst_rtsp_server_get_mount_points(server);
	mounted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (opt.auth)
		setup_auth(server);
	g_signal_connect(server, "client-connected",
			 G_CALLBACK(client_connected), NULL);

	source = gst_rtsp_server_create_source(server, NULL, &error);
	if (!source) {
		fprintf(stderr, "grab-rtsp: cannot listen on %s:%s: %s\n",
			opt.host, opt.port,
			error ? error->message : "unknown error");
		return 1;
	}
	g_source_attach(source, NULL);
	g_source_unref(source);

	fmt = strchr(opt.host, ':') ? "[%s]" : "%s";
	{
		gchar *h = g_strdup_printf(fmt, opt.host);

		printf("grab-rtsp: serving grabberd's streams on rtsp://%s:%d/NAME%s\n",
		       h, gst_rtsp_server_get_bound_port(server),
		       opt.auth ? " (Basic authentication)" : "");
		fflush(stdout);
		if (!is_loopback(opt.host) && !opt.auth)
			fprintf(stderr,
				"grab-rtsp: warning: listening on %s, not loopback, without --auth: anyone who can reach this address sees every stream\n",
				h);
		g_free(h);
	}

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_main_loop_run(loop);

	g_main_loop_unref(loop);
	g_hash_table_unref(mounted);
	g_object_unref(mounts);
	g_object_unref(server);
	return 0;
}
