// SPDX-License-Identifier: MIT
/*
 * daemon/config.c: every error grabberd.conf(5) and DESIGN.md promise
 * names the file, the line and the key (and the bad value), and nothing is
 * half loaded; good files and command-line overrides give the values they
 * say.  Each case is written to a real file and read with config_load().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "grab-format.h"
#include "../lib/tap.h"

static char dir[] = "/tmp/grab-test-config.XXXXXX";
static char path[64];
static struct config cfg; /* large: not on the stack */
static char err[512];

/* Load @text as a file; 0 or -1 like config_load(), message in err. */
static int load_ov(const char *text, const struct config_overrides *ov)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
	err[0] = 0;
	return config_load(&cfg, path, ov, err, sizeof(err));
}

static int load(const char *text)
{
	static const struct config_overrides none;

	return load_ov(text, &none);
}

/*
 * @text must be refused with "FILE:LINE: " first and every string of the
 * NULL-terminated list after it somewhere.
 */
static void refused(const char *what, const char *text, int line, ...)
{
	char prefix[128];
	const char *s, *missing = NULL;
	va_list ap;
	int ret = load(text);

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	va_start(ap, line);
	while ((s = va_arg(ap, const char *)))
		if (!missing && !strstr(err, s))
			missing = s;
	va_end(ap);
	ok(ret == -1 && !strncmp(err, prefix, strlen(prefix)) && !missing,
	   "%s: refused, naming file, line %d%s%s", what, line,
	   missing ? " -- missing: " : "", missing ? missing : "");
	if (ret != -1 || strncmp(err, prefix, strlen(prefix)) || missing)
		diag("got %d: %s", ret, err);
}

static void test_errors(void)
{
	refused("unknown section", "[grabberd]\n\n[camera]\n", 3, "[camera]",
		"unknown section", NULL);
	refused("key outside any section", "# comment\nwidth = 640\n", 2,
		"width", "outside", NULL);
	refused("syntax error", "[stream a]\nwidth 640\n", 2, "syntax", NULL);
	refused("bad stream name", "[stream bad name!]\n", 1,
		"[stream bad name!]", "stream name", NULL);
	refused("duplicate stream",
		"[stream a]\nwidth = 320\n\n[stream b]\n\n[stream a]\n", 6,
		"[stream a]", "twice", "line 1", NULL);

	/* [grabberd] */
	refused("[grabberd] unknown key",
		"[grabberd]\nlog_level = info\ncolour = red\n", 3,
		"[grabberd] colour", "unknown key", NULL);
	refused("socket not absolute", "[grabberd]\nsocket = run/g.sock\n", 2,
		"socket", "absolute", NULL);
	refused("socket_mode not octal", "[grabberd]\nsocket_mode = 0999\n", 2,
		"socket_mode", "octal", NULL);
	refused("socket_mode out of range", "[grabberd]\nsocket_mode = 01777\n",
		2, "socket_mode", NULL);
	refused("log_level unknown", "[grabberd]\nlog_level = verbose\n", 2,
		"log_level", "error, warning, info or debug", NULL);
	refused("[grabberd] linger_ms out of range",
		"[grabberd]\nlinger_ms = 3600001\n", 2, "linger_ms", "3600000",
		NULL);
	refused("listen_http without a port",
		"[grabberd]\nlisten_http = localhost\n", 2, "listen_http",
		"localhost", "HOST:PORT", NULL);
	refused("listen_http port out of range",
		"[grabberd]\nlisten_http = 127.0.0.1:65536\n", 2, "listen_http",
		"65536", NULL);
	refused("http_auth without a user", "[grabberd]\nhttp_auth = :secret\n",
		2, "http_auth", "USER:PASSWORD", NULL);
	refused("http_auth without a colon", "[grabberd]\nhttp_auth = admin\n",
		2, "http_auth", NULL);
	refused("allowed_uids with an unknown user",
		"[grabberd]\nallowed_uids = no-such-user-grab-test\n", 2,
		"allowed_uids", "no-such-user-grab-test", NULL);
	refused("allowed_groups with an unknown group",
		"[grabberd]\nallowed_groups = no-such-group-grab-test\n", 2,
		"allowed_groups", "no-such-group-grab-test", NULL);

	/* [stream NAME] */
	refused("stream unknown key",
		"[stream a]\nwidth = 320\nbrightness = 3\n", 3,
		"[stream a] brightness", "unknown key", NULL);
	refused("source of an unknown kind",
		"[stream a]\nsource = rtsp://cam\n", 2,
		"[stream a] source = rtsp://cam", "test:", NULL);
	refused("grab: source without a device", "[stream a]\nsource = grab:\n",
		2, "[stream a] source = grab:", "grab:/dev/grabN", NULL);
	refused("v4l2: source without a device", "[stream a]\nsource = v4l2:\n",
		2, "[stream a] source = v4l2:", "v4l2:/dev/videoN", NULL);
	refused("empty source", "[stream a]\nsource =\n", 2,
		"[stream a] source", NULL);
	refused("width below 16", "[stream a]\nwidth = 15\n", 2,
		"[stream a] width = 15", "16 to 8192", NULL);
	refused("width above 8192", "[stream a]\nwidth = 8193\n", 2,
		"[stream a] width = 8193", "16 to 8192", NULL);
	refused("width not a number", "[stream a]\nwidth = wide\n", 2,
		"[stream a] width = wide", NULL);
	refused("width negative", "[stream a]\nwidth = -640\n", 2,
		"[stream a] width = -640", NULL);
	refused("width with junk after it", "[stream a]\nwidth = 640px\n", 2,
		"[stream a] width = 640px", NULL);
	refused("height above 8192",
		"[stream a]\nheight = 99999999999999999999\n", 2,
		"[stream a] height = 99999999999999999999", "16 to 8192", NULL);
	refused("unknown format name", "[stream a]\nformat = H264\n", 2,
		"[stream a] format = H264", NULL);
	refused("fps 0", "[stream a]\nfps = 0\n", 2, "[stream a] fps = 0",
		"0.01 to 1000", NULL);
	refused("fps above 1000", "[stream a]\nfps = 1001\n", 2,
		"[stream a] fps = 1001", NULL);
	refused("fps below 0.01", "[stream a]\nfps = 1/101\n", 2,
		"[stream a] fps = 1/101", NULL);
	refused("format = auto on a test: source",
		"[stream a]\nformat = auto\n", 1, "[stream a]",
		"format = auto needs a v4l2: source", NULL);
	{
		int r;

		r = load(
			"[stream a]\nsource = v4l2:/dev/video0\nformat = Auto\n");
		ok(r == 0 && cfg.streams[0].format_auto,
		   "format = auto on a v4l2: source, any case (%s)", err);
		r = load(
			"[stream a]\nsource = v4l2:/dev/video0\nformat = auto\n"
			"format = NV12\n");
		ok(r == 0 && !cfg.streams[0].format_auto &&
			   cfg.streams[0].format.fourcc == GRAB_FMT_NV12,
		   "a format after auto replaces it (%s)", err);
	}
	refused("fps with a zero denominator", "[stream a]\nfps = 30/0\n", 2,
		"[stream a] fps = 30/0", NULL);
	refused("fps with 4 decimals", "[stream a]\nfps = 7.5001\n", 2,
		"[stream a] fps = 7.5001", NULL);
	refused("slots below 2", "[stream a]\nslots = 1\n", 2,
		"[stream a] slots = 1", "2 to 256", NULL);
	refused("slots above 256", "[stream a]\nslots = 257\n", 2,
		"[stream a] slots = 257", NULL);
	refused("stream linger_ms out of range",
		"[stream a]\nlinger_ms = 3600001\n", 2,
		"[stream a] linger_ms = 3600001", NULL);
	refused("quality 0", "[stream a]\nquality = 0\n", 2,
		"[stream a] quality = 0", "1 to 100", NULL);
	refused("quality 101", "[stream a]\nquality = 101\n", 2,
		"[stream a] quality = 101", NULL);
	refused("odd width for YUYV (the section's line)",
		"[grabberd]\n\n[stream a]\nformat = YUYV\nwidth = 641\n", 3,
		"[stream a]", "641", "YUYV", NULL);
	refused("the first error is the one reported",
		"[stream a]\nwidth = 1\nheight = 2\n", 2, "width = 1", NULL);

	{
		char many[4096];
		size_t n = 0;
		int i;

		for (i = 0; i <= CONFIG_MAX_STREAMS; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n,
					      "[stream s%d]\n", i);
		refused("more streams than CONFIG_MAX_STREAMS", many,
			CONFIG_MAX_STREAMS + 1, "[stream s32]", "more than 32",
			NULL);
	}

	ok(config_load(&cfg, "/nonexistent/grab-test.conf",
		       &(struct config_overrides){ 0 }, err,
		       sizeof(err)) == -1 &&
		   strstr(err, "/nonexistent/grab-test.conf") &&
		   strstr(err, "cannot open"),
	   "a file that cannot be opened: its path and why (%s)", err);
}

static void test_good(void)
{
	const struct stream_config *a, *b;
	int ret;

	ret = load("# grabberd.conf\n"
		   "[grabberd]\n"
		   "socket = /tmp/grab-test/g.sock\n"
		   "socket_mode = 0600\n"
		   "log_level = debug\n"
		   "linger_ms = 500\n"
		   "listen_http = [::1]:0\n"
		   "http_auth = me:pass:word\n"
		   "\n"
		   "[stream a]\n"
		   "source = grab:/dev/grab0\n"
		   "width = 16\n"
		   "height = 8192\n"
		   "format = GRAY\n"
		   "fps = 30000/1001\n"
		   "slots = 256\n"
		   "quality = 1\n"
		   "\n"
		   "; another\n"
		   "[stream b]\n"
		   "format = RGB3\n"
		   "fps = 7.5\n"
		   "linger_ms = 0\n");
	a = config_find_stream(&cfg, "a");
	b = config_find_stream(&cfg, "b");
	ok(ret == 0 && cfg.nstreams == 2 && a && b, "a good file loads (%s)",
	   err);
	if (ret || !a || !b)
		return;
	ok(!strcmp(cfg.socket_path, "/tmp/grab-test/g.sock") &&
		   cfg.socket_mode == 0600 && cfg.log_level == LOG_DEBUG &&
		   cfg.linger_ms == 500 &&
		   !strcmp(cfg.listen_http, "[::1]:0") &&
		   !strcmp(cfg.http_auth, "me:pass:word"),
	   "[grabberd] values are what the file says");
	ok(!strcmp(a->source, "grab:/dev/grab0") && a->format.width == 16 &&
		   a->format.height == 8192 &&
		   a->format.fourcc == GRAB_FMT_GREY && a->fps_num == 30000 &&
		   a->fps_den == 1001 && a->slots == 256 && a->quality == 1 &&
		   a->linger_ms == 500 && a->line == 10,
	   "[stream a]: the limits are accepted, linger from [grabberd], its line");
	ok(b->format.fourcc == GRAB_FMT_RGB24 && b->fps_num == 75 &&
		   b->fps_den == 10 && b->linger_ms == 0 &&
		   !strcmp(b->source, "test:") && b->format.width == 640 &&
		   b->format.height == 480 && b->slots == 8 && b->quality == 80,
	   "[stream b]: defaults for what it does not say");
	ok(b->format.bytesperline == 640 * 3 &&
		   b->format.sizeimage == 640 * 3 * 480,
	   "the format is completed (bytesperline, sizeimage)");

	ret = load("[grabberd]\nlog_level = warning\n");
	ok(ret == 0 && cfg.nstreams == 1 &&
		   !strcmp(cfg.streams[0].name, GRAB_DEFAULT_STREAM_NAME) &&
		   !strcmp(cfg.streams[0].source, "test:"),
	   "a file without streams gets the default stream on test:");
	ret = load("[grabberd]\nlisten_http = off\n");
	ok(ret == 0 && cfg.listen_http[0] == 0,
	   "listen_http = off turns HTTP off");
}

static void test_overrides(void)
{
	struct config_overrides ov = { 0 };
	int ret;

	ov.width = "320";
	ov.fps = "15";
	ret = load_ov("[stream only]\nwidth = 640\n", &ov);
	ok(ret == 0 && cfg.nstreams == 1 &&
		   cfg.streams[0].format.width == 320 &&
		   cfg.streams[0].fps_num == 15,
	   "overrides change the only stream");

	memset(&ov, 0, sizeof(ov));
	ov.stream = "extra";
	ov.format = "RGB24";
	ret = load_ov("[stream only]\n", &ov);
	ok(ret == 0 && cfg.nstreams == 2 && config_find_stream(&cfg, "extra") &&
		   config_find_stream(&cfg, "extra")->format.fourcc ==
			   GRAB_FMT_RGB24,
	   "--stream NAME makes the stream if the file lacks it");

	memset(&ov, 0, sizeof(ov));
	ov.slots = "300";
	ret = load_ov("[stream only]\n", &ov);
	ok(ret == -1 && !strncmp(err, "--slots 300: ", 13) &&
		   strstr(err, "2 to 256"),
	   "a bad override names the option and the value (%s)", err);

	memset(&ov, 0, sizeof(ov));
	ov.stream = "no good";
	ret = load_ov("[stream only]\n", &ov);
	ok(ret == -1 && strstr(err, "--stream no good"),
	   "a bad --stream name is refused (%s)", err);

	memset(&ov, 0, sizeof(ov));
	ov.width = "321";
	ret = load_ov("[stream only]\n", &ov);
	ok(ret == -1 && !strncmp(err, "command line:", 13) &&
		   strstr(err, "321"),
	   "an override that makes an odd YUYV width is refused (%s)", err);

	memset(&ov, 0, sizeof(ov));
	ov.socket_path = "relative.sock";
	ret = load_ov("[stream only]\n", &ov);
	ok(ret == -1 && strstr(err, "--socket relative.sock"),
	   "--socket must be absolute (%s)", err);

	memset(&ov, 0, sizeof(ov));
	ov.http = "nowhere";
	ret = load_ov("[stream only]\n", &ov);
	ok(ret == -1 && strstr(err, "--http nowhere"),
	   "--http must be HOST:PORT (%s)", err);
}

/* control.NAME = VALUE, control_uids / control_groups. */
static void test_controls(void)
{
	const struct stream_config *s;
	int ret;

	ret = load("[grabberd]\ncontrol_uids = 0, 12345\n"
		   "[stream cam]\nsource = v4l2:/dev/video0\n"
		   "control.Brightness = 10\n"
		   "control.white balance, automatic = false\n"
		   "control.power_line_frequency = 50 Hz\n"
		   "control.brightness = 20\n"
		   "[stream other]\nsource = v4l2:/dev/video1\n"
		   "control_groups = 0\n");
	s = ret ? NULL : config_find_stream(&cfg, "cam");
	ok(s && s->controls.n == 3,
	   "control.NAME keys are kept, one per control (%s)",
	   ret ? err : "loaded");
	if (s && s->controls.n == 3) {
		ok(!strcmp(s->controls.v[0].name, "brightness") &&
			   !strcmp(s->controls.v[0].value, "20"),
		   "names are normalised (Brightness -> brightness); a later value replaces an earlier one in its place (%s = %s)",
		   s->controls.v[0].name, s->controls.v[0].value);
		ok(!strcmp(s->controls.v[1].name, "white_balance_automatic") &&
			   !strcmp(s->controls.v[1].value, "false"),
		   "'white balance, automatic' is white_balance_automatic (%s)",
		   s->controls.v[1].name);
		ok(!strcmp(s->controls.v[2].value, "50 Hz"),
		   "a value is kept as written, for the camera to read (%s)",
		   s->controls.v[2].value);
	}
	ok(s && !s->control_access_set &&
		   config_control_access(&cfg, s) == &cfg.control_access &&
		   cfg.control_access.nuids == 2 &&
		   cfg.control_access.uids[1] == 12345,
	   "[grabberd] control_uids apply to a stream without its own");
	s = ret ? NULL : config_find_stream(&cfg, "other");
	ok(s && s->control_access_set &&
		   config_control_access(&cfg, s) == &s->control_access &&
		   s->control_access.ngids == 1 && s->control_access.nuids == 0,
	   "a stream's control_groups replace [grabberd]'s lists for it");

	refused("control on a test: source",
		"[stream a]\nsource = test:\ncontrol.brightness = 1\n", 1,
		"[stream a]", "control.brightness",
		"source test: has no controls", NULL);
	refused("control name of punctuation only",
		"[stream a]\nsource = v4l2:/dev/video0\ncontrol., = 1\n", 3,
		"[stream a] control., = 1", "not a control name", NULL);
	refused("control name too long",
		"[stream a]\nsource = v4l2:/dev/video0\n"
		"control.a_very_long_control_name_beyond_31 = 1\n",
		3, "control.a_very_long", "not a control name", NULL);
	refused("control without a value",
		"[stream a]\nsource = v4l2:/dev/video0\ncontrol.brightness =\n",
		3, "[stream a] control.brightness", "needs a value", NULL);
	refused("unknown user in control_uids",
		"[stream a]\nsource = v4l2:/dev/video0\n"
		"control_uids = nosuchuser\n",
		3, "[stream a] control_uids", "no such user 'nosuchuser'",
		NULL);
	refused("unknown group in [grabberd] control_groups",
		"[grabberd]\ncontrol_groups = nosuchgroup\n", 2,
		"[grabberd] control_groups", "no such group 'nosuchgroup'",
		NULL);
	{
		static char text[4096];
		size_t n = 0;
		int i;

		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[stream a]\nsource = v4l2:/dev/v\n");
		for (i = 0; i <= CONTROL_MAX; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "control.c%d = 1\n", i);
		refused("more controls than fit", text, CONTROL_MAX + 3,
			"control.c32", "more than 32 controls", NULL);
	}
}

/* A reload that changes only a control restarts the source. */
static void test_controls_equal(void)
{
	static struct stream_config a;
	int ret;

	ret = load("[stream cam]\nsource = v4l2:/dev/video0\n"
		   "control.brightness = 10\n");
	if (!ret)
		a = cfg.streams[0];
	ret |= load("[stream cam]\nsource = v4l2:/dev/video0\n"
		    "control.brightness = 11\n");
	ok(!ret && !stream_config_equal(&a, &cfg.streams[0]),
	   "a changed control value is a changed stream (its source restarts)");
	ret = load("[stream cam]\nsource = v4l2:/dev/video0\n"
		   "control.Brightness = 10\n");
	ok(!ret && stream_config_equal(&a, &cfg.streams[0]),
	   "the same control spelled differently is the same stream");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/grabberd.conf", dir);
	test_errors();
	test_good();
	test_overrides();
	test_controls();
	test_controls_equal();
	unlink(path);
	rmdir(dir);
	return done_testing();
}
