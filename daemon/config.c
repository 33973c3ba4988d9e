// SPDX-License-Identifier: MIT
/*
 * grabberd's configuration file, parsed with inih.  Every error names the
 * file, the line and the key, and nothing starts with a bad file.
 *
 *   [grabberd]            socket, socket_mode, socket_group, log_level, linger_ms,
 *                         listen_http, http_auth, http_max_connections
 *   [stream NAME]         source, width, height, format, fps, slots, linger_ms,
 *                         quality
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "grab-format.h"
#include "grab-socket-path.h"

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define DEFAULT_FPS 30
#define DEFAULT_SLOTS 8
#define DEFAULT_LINGER 2000
#define DEFAULT_QUALITY 80

struct parse_ctx {
	struct config *cfg;
	const char *file;
	FILE *fp;
	int line; /* line being parsed */
	char err[512]; /* first error */
	struct stream_config *cur; /* current [stream] section, if any */
	bool in_main; /* in [grabberd] */
	bool bad_section; /* current section is unknown: reported once */
	bool mid_line; /* the reader returned part of a long line */
};

static void fail(struct parse_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err[0])
		return;
	n = snprintf(c->err, sizeof(c->err), "%s:%d: ", c->file, c->line);
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - n, fmt, ap);
	va_end(ap);
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *ret)
{
	unsigned long long x;
	char *end;

	if (!*v || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*ret = (uint32_t)x;
	return 0;
}

/* "30", "30/1", "30000/1001", "7.5" */
static int parse_fps(const char *v, uint32_t *num, uint32_t *den)
{
	const char *slash = strchr(v, '/'), *dot = strchr(v, '.');
	char a[32];

	if (strlen(v) >= sizeof(a))
		return -1;
	if (slash) {
		memcpy(a, v, slash - v);
		a[slash - v] = 0;
		if (parse_u32(a, 1, 1000000, num) ||
		    parse_u32(slash + 1, 1, 1000000, den))
			return -1;
	} else if (dot) {
		/* Up to 3 decimals: 7.5 -> 7500/1000. */
		uint32_t ip, fp = 0, scale = 1;
		size_t nd = strlen(dot + 1);

		if (nd == 0 || nd > 3)
			return -1;
		memcpy(a, v, dot - v);
		a[dot - v] = 0;
		if (parse_u32(a, 0, 1000, &ip) ||
		    parse_u32(dot + 1, 0, 999, &fp))
			return -1;
		while (nd--)
			scale *= 10;
		*num = ip * scale + fp;
		*den = scale;
	} else {
		if (parse_u32(v, 1, 1000, num))
			return -1;
		*den = 1;
	}
	/* Between 1 frame every 100 s and 1000 fps. */
	if (!*num || (uint64_t)*num * 100 < *den || *num > 1000ull * *den)
		return -1;
	return 0;
}

/* Any name or alias of the format table, in any case. */
static int parse_format(const char *v, uint32_t *fourcc)
{
	*fourcc = grab_format_from_name(v);
	return *fourcc ? 0 : -1;
}

/* "must be one of YUYV, UYVY, ...": the table's names. */
static const char *format_error(void)
{
	static char msg[256];
	char names[192];

	grab_format_names(names, sizeof(names));
	snprintf(msg, sizeof(msg), "must be one of %s, or auto", names);
	return msg;
}

static int parse_level(const char *v, enum log_level *l)
{
	if (!strcmp(v, "error"))
		*l = LOG_ERR;
	else if (!strcmp(v, "warning"))
		*l = LOG_WARN;
	else if (!strcmp(v, "info"))
		*l = LOG_INFO;
	else if (!strcmp(v, "debug"))
		*l = LOG_DEBUG;
	else
		return -1;
	return 0;
}

static int source_valid(const char *v)
{
	if (!strcmp(v, "test:"))
		return 1;
	if (!strncmp(v, "grab:/", 6) || !strncmp(v, "v4l2:/", 6))
		return strlen(v) > 6 && strlen(v) < GRAB_SOURCE_MAX;
	return 0;
}

static void stream_defaults(struct stream_config *s, const char *name,
			    uint32_t linger_ms)
{
	memset(s, 0, sizeof(*s));
	grab_msg_set_text(s->name, sizeof(s->name), name);
	strcpy(s->source, "test:");
	s->format.width = DEFAULT_WIDTH;
	s->format.height = DEFAULT_HEIGHT;
	s->format.fourcc = GRAB_FMT_YUYV;
	s->fps_num = DEFAULT_FPS;
	s->fps_den = 1;
	s->slots = DEFAULT_SLOTS;
	s->linger_ms = linger_ms;
	s->quality = DEFAULT_QUALITY;
}

/* Apply one key of a stream: NULL or a message saying what is wrong. */
static const char *stream_key(struct stream_config *s, const char *key,
			      const char *v)
{
	if (!strcmp(key, "source")) {
		if (!source_valid(v))
			return "must be test:, grab:/dev/grabN or v4l2:/dev/videoN";
		grab_msg_set_text(s->source, sizeof(s->source), v);
	} else if (!strcmp(key, "width")) {
		if (parse_u32(v, GRAB_MIN_WIDTH, GRAB_MAX_WIDTH,
			      &s->format.width))
			return "must be a number from 16 to 8192";
	} else if (!strcmp(key, "height")) {
		if (parse_u32(v, GRAB_MIN_HEIGHT, GRAB_MAX_HEIGHT,
			      &s->format.height))
			return "must be a number from 16 to 8192";
	} else if (!strcmp(key, "format")) {
		s->format_auto = !strcasecmp(v, "auto");
		if (s->format_auto)
			s->format.fourcc = GRAB_FMT_YUYV;
		else if (parse_format(v, &s->format.fourcc))
			return format_error();
	} else if (!strcmp(key, "fps")) {
		if (parse_fps(v, &s->fps_num, &s->fps_den))
			return "must be a rate from 0.01 to 1000, as N, N.NNN or N/D";
	} else if (!strcmp(key, "slots")) {
		if (parse_u32(v, GRAB_MIN_SLOTS, GRAB_MAX_SLOTS, &s->slots))
			return "must be a number from 2 to 256";
	} else if (!strcmp(key, "linger_ms")) {
		if (parse_u32(v, 0, 3600000, &s->linger_ms))
			return "must be a number of milliseconds up to 3600000";
	} else if (!strcmp(key, "quality")) {
		if (parse_u32(v, 1, 100, &s->quality))
			return "must be a JPEG quality from 1 to 100";
	} else {
		return "unknown key";
	}
	return NULL;
}

/* A section header, seen by the line reader (inih does not report empty
 * sections).  Returns 1 if good. */
int config_parse_listen(const char *v, char *host, size_t hostlen,
			uint16_t *port)
{
	const char *colon, *h = v;
	size_t hl;
	uint32_t p;

	if (v[0] == '[') {
		colon = strstr(v, "]:");
		if (!colon)
			return -1;
		h = v + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(v, ':');
		if (!colon || memchr(v, ':', (size_t)(colon - v)))
			return -1;
		hl = (size_t)(colon - v);
	}
	if (hl == 0 || hl >= hostlen || parse_u32(colon + 1, 0, 65535, &p))
		return -1;
	memcpy(host, h, hl);
	host[hl] = 0;
	*port = (uint16_t)p;
	return 0;
}

/* "HOST:PORT", or "off"/"no"/"" for no HTTP. */
static int set_listen(struct config *cfg, const char *v)
{
	char host[CONFIG_LISTEN_MAX];
	uint16_t port;

	if (!*v || !strcmp(v, "off") || !strcmp(v, "no")) {
		cfg->listen_http[0] = 0;
		return 0;
	}
	if (strlen(v) >= sizeof(cfg->listen_http) ||
	    config_parse_listen(v, host, sizeof(host), &port))
		return -1;
	strcpy(cfg->listen_http, v);
	cfg->listen_http_set = true;
	return 0;
}

static int section_start(struct parse_ctx *c, const char *section)
{
	struct config *cfg = c->cfg;

	c->cur = NULL;
	c->in_main = false;
	c->bad_section = false;
	if (!strcmp(section, "grabberd")) {
		c->in_main = true;
	} else if (!strncmp(section, "stream ", 7)) {
		const char *name = section + 7;
		size_t i;

		if (!grab_stream_name_valid(name)) {
			fail(c,
			     "[%s]: stream name must be 1-63 of A-Z a-z 0-9 _ . -",
			     section);
			c->bad_section = true;
			return 0;
		}
		for (i = 0; i < cfg->nstreams; i++) {
			if (!strcmp(cfg->streams[i].name, name)) {
				fail(c,
				     "[%s]: stream defined twice (first on line %d)",
				     section, cfg->streams[i].line);
				c->bad_section = true;
				return 0;
			}
		}
		if (cfg->nstreams == CONFIG_MAX_STREAMS) {
			fail(c, "[%s]: more than %d streams", section,
			     CONFIG_MAX_STREAMS);
			c->bad_section = true;
			return 0;
		}
		c->cur = &cfg->streams[cfg->nstreams++];
		stream_defaults(c->cur, name, cfg->linger_ms);
		c->cur->line = c->line;
	} else {
		fail(c,
		     "unknown section [%s] (expected [grabberd] or [stream NAME])",
		     section);
		c->bad_section = true;
		return 0;
	}
	return 1;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parse_ctx *c = user;
	struct config *cfg = c->cfg;
	const char *why;

	if (c->bad_section)
		return 1; /* reported once, at the section */
	if (c->in_main) {
		if (!strcmp(key, "socket")) {
			if (value[0] != '/' ||
			    strlen(value) >= SOCKET_PATH_MAX) {
				fail(c,
				     "[grabberd] socket: must be an absolute path shorter than %d bytes",
				     SOCKET_PATH_MAX);
				return 0;
			}
			strcpy(cfg->socket_path, value);
		} else if (!strcmp(key, "socket_mode")) {
			char *end;
			unsigned long m = strtoul(value, &end, 8);

			if (!*value || *end || m > 0777) {
				fail(c,
				     "[grabberd] socket_mode: must be an octal mode such as 0660");
				return 0;
			}
			cfg->socket_mode = (unsigned int)m;
		} else if (!strcmp(key, "socket_group")) {
			if (strlen(value) >= sizeof(cfg->socket_group)) {
				fail(c, "[grabberd] socket_group: too long");
				return 0;
			}
			strcpy(cfg->socket_group, value);
		} else if (!strcmp(key, "allowed_uids") ||
			   !strcmp(key, "allowed_groups")) {
			char bad[128];

			if (access_parse(&cfg->access, key[8] == 'g', value,
					 bad, sizeof(bad))) {
				fail(c, "[grabberd] %s: %s", key, bad);
				return 0;
			}
		} else if (!strcmp(key, "log_level")) {
			if (parse_level(value, &cfg->log_level)) {
				fail(c,
				     "[grabberd] log_level: must be error, warning, info or debug");
				return 0;
			}
		} else if (!strcmp(key, "linger_ms")) {
			if (parse_u32(value, 0, 3600000, &cfg->linger_ms)) {
				fail(c,
				     "[grabberd] linger_ms: must be a number of milliseconds up to 3600000");
				return 0;
			}
		} else if (!strcmp(key, "http_auth")) {
			const char *colon = strchr(value, ':');
			const char *ch;

			for (ch = value; *ch; ch++)
				if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
					break;
			if (!colon || colon == value || *ch ||
			    strlen(value) >= sizeof(cfg->http_auth)) {
				fail(c,
				     "[grabberd] http_auth: must be USER:PASSWORD (a non-empty user without ':', no control characters, at most %zu bytes)",
				     sizeof(cfg->http_auth) - 1);
				return 0;
			}
			strcpy(cfg->http_auth, value);
		} else if (!strcmp(key, "http_max_connections")) {
			uint32_t n;

			if (parse_u32(value, 1, 65536, &n)) {
				fail(c,
				     "[grabberd] http_max_connections: must be a number from 1 to 65536");
				return 0;
			}
			cfg->http_max_connections = n;
		} else if (!strcmp(key, "listen_http")) {
			if (set_listen(cfg, value)) {
				fail(c,
				     "[grabberd] listen_http = %s: must be HOST:PORT (such as 127.0.0.1:8080 or [::1]:8080) or off",
				     value);
				return 0;
			}
		} else {
			fail(c, "[grabberd] %s: unknown key", key);
			return 0;
		}
		return 1;
	}
	if (!c->cur) {
		fail(c, "%s: key outside of any section", key);
		return 0;
	}
	why = stream_key(c->cur, key, value);
	if (why) {
		fail(c, "[%s] %s = %s: %s", section, key, value, why);
		return 0;
	}
	return 1;
}

/* inih reads lines through this, so the handler knows the line number. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	char *r = fgets(str, num, c->fp);

	if (!r)
		return NULL;
	if (!c->mid_line) {
		const char *p = r + strspn(r, " \t");
		const char *end = strchr(p, ']');

		c->line++;
		if (*p == '[' && end) {
			char name[128];
			size_t n = (size_t)(end - p - 1);

			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, p + 1, n);
			name[n] = 0;
			section_start(c, name);
		}
	}
	c->mid_line = strchr(str, '\n') == NULL;
	return r;
}

static void main_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->socket_mode = 0660;
	cfg->log_level = LOG_INFO;
	cfg->linger_ms = DEFAULT_LINGER;
	cfg->http_max_connections = CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS;
	strcpy(cfg->listen_http, CONFIG_DEFAULT_HTTP);
}

void config_default(struct config *cfg)
{
	main_defaults(cfg);
	grab_socket_listen_path(cfg->socket_path, sizeof(cfg->socket_path));
	cfg->nstreams = 1;
	stream_defaults(&cfg->streams[0], GRAB_DEFAULT_STREAM_NAME,
			cfg->linger_ms);
}

static int finish_stream(struct stream_config *s, char *err, size_t errlen,
			 const char *file)
{
	const struct grab_format_info *fi = grab_format_info(s->format.fourcc);

	if (s->format_auto && strncmp(s->source, "v4l2:", 5)) {
		snprintf(
			err, errlen,
			"%s:%d: [stream %s]: format = auto needs a v4l2: source (%s has one format)",
			file, s->line, s->name, s->source);
		return -1;
	}
	if (grab_format_complete(&s->format)) {
		snprintf(
			err, errlen,
			"%s:%d: [stream %s]: width %u, height %u and format %s do not fit (%s needs a width that is a multiple of %u and a height that is a multiple of %u)",
			file, s->line, s->name, s->format.width,
			s->format.height, grab_format_name(s->format.fourcc),
			grab_format_name(s->format.fourcc),
			fi ? fi->align_w : 1, fi ? fi->align_h : 1);
		return -1;
	}
	return 0;
}

static int apply_overrides(struct config *cfg,
			   const struct config_overrides *ov, char *err,
			   size_t errlen)
{
	static const struct {
		const char *key, *flag;
		size_t off;
	} keys[] = {
		{ "source", "--source",
		  offsetof(struct config_overrides, source) },
		{ "width", "--width",
		  offsetof(struct config_overrides, width) },
		{ "height", "--height",
		  offsetof(struct config_overrides, height) },
		{ "format", "--format",
		  offsetof(struct config_overrides, format) },
		{ "fps", "--fps", offsetof(struct config_overrides, fps) },
		{ "slots", "--slots",
		  offsetof(struct config_overrides, slots) },
		{ "linger_ms", "--linger",
		  offsetof(struct config_overrides, linger) },
		{ "quality", "--quality",
		  offsetof(struct config_overrides, quality) },
	};
	struct stream_config *s = NULL;
	const char *name = ov->stream;
	size_t i;
	bool any = false;

	if (ov->socket_path) {
		if (ov->socket_path[0] != '/' ||
		    strlen(ov->socket_path) >= SOCKET_PATH_MAX) {
			snprintf(
				err, errlen,
				"--socket %s: must be an absolute path shorter than %d bytes",
				ov->socket_path, SOCKET_PATH_MAX);
			return -1;
		}
		strcpy(cfg->socket_path, ov->socket_path);
	}
	if (ov->no_http) {
		cfg->listen_http[0] = 0;
	} else if (ov->http && set_listen(cfg, ov->http)) {
		snprintf(
			err, errlen,
			"--http %s: must be HOST:PORT, such as 127.0.0.1:8080, [::1]:8080 or 0.0.0.0:8080",
			ov->http);
		return -1;
	}
	if (ov->verbosity) {
		int l = (int)cfg->log_level + ov->verbosity;

		cfg->log_level = l < LOG_ERR   ? LOG_ERR :
				 l > LOG_DEBUG ? LOG_DEBUG :
						 l;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		any |= *(const char *const *)((const char *)ov + keys[i].off) !=
		       NULL;
	if (!any)
		return 0;
	/* Which stream: --stream, else the only one, else "default". */
	if (!name)
		name = cfg->nstreams == 1 ? cfg->streams[0].name :
					    GRAB_DEFAULT_STREAM_NAME;
	for (i = 0; i < cfg->nstreams; i++)
		if (!strcmp(cfg->streams[i].name, name))
			s = &cfg->streams[i];
	if (!s) {
		if (cfg->nstreams == CONFIG_MAX_STREAMS) {
			snprintf(err, errlen, "--stream %s: too many streams",
				 name);
			return -1;
		}
		s = &cfg->streams[cfg->nstreams++];
		stream_defaults(s, name, cfg->linger_ms);
	}
	s->format.bytesperline = 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v =
			*(const char *const *)((const char *)ov + keys[i].off);
		const char *why;

		if (!v)
			continue;
		why = stream_key(s, keys[i].key, v);
		if (why) {
			snprintf(err, errlen, "%s %s: %s", keys[i].flag, v,
				 why);
			return -1;
		}
	}
	return finish_stream(s, err, errlen, "command line");
}

int config_load(struct config *cfg, const char *path,
		const struct config_overrides *ov, char *err, size_t errlen)
{
	struct parse_ctx c = { .cfg = cfg };
	size_t i;
	int ret;

	main_defaults(cfg);
	if (ov->stream && !grab_stream_name_valid(ov->stream)) {
		snprintf(err, errlen,
			 "--stream %s: must be 1-63 of A-Z a-z 0-9 _ . -",
			 ov->stream);
		return -1;
	}
	if (!path && access(CONFIG_DEFAULT_PATH, F_OK) != 0) {
		/* No file anywhere: the embedded default. */
		config_default(cfg);
		if (finish_stream(&cfg->streams[0], err, errlen,
				  "embedded default"))
			return -1;
		return apply_overrides(cfg, ov, err, errlen);
	}
	if (!path)
		path = CONFIG_DEFAULT_PATH;
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	c.file = path;
	c.fp = fopen(path, "re");
	if (!c.fp) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	ret = ini_parse_stream(reader, &c, handler, &c);
	fclose(c.fp);
	if (ret < 0 || (ret > 0 && !c.err[0])) {
		if (ret > 0)
			snprintf(
				err, errlen,
				"%s:%d: syntax error (expected [section] or key = value)",
				path, ret);
		else
			snprintf(err, errlen, "%s: cannot parse: out of memory",
				 path);
		return -1;
	}
	if (c.err[0]) {
		snprintf(err, errlen, "%s", c.err);
		return -1;
	}
	if (!cfg->socket_path[0])
		grab_socket_listen_path(cfg->socket_path,
					sizeof(cfg->socket_path));
	if (cfg->nstreams == 0) {
		cfg->nstreams = 1;
		stream_defaults(&cfg->streams[0], GRAB_DEFAULT_STREAM_NAME,
				cfg->linger_ms);
	}
	for (i = 0; i < cfg->nstreams; i++)
		if (finish_stream(&cfg->streams[i], err, errlen, path))
			return -1;
	return apply_overrides(cfg, ov, err, errlen);
}

bool stream_config_equal(const struct stream_config *a,
			 const struct stream_config *b)
{
	return !strcmp(a->source, b->source) &&
	       a->format.width == b->format.width &&
	       a->format.height == b->format.height &&
	       a->format.fourcc == b->format.fourcc &&
	       a->format_auto == b->format_auto && a->fps_num == b->fps_num &&
	       a->fps_den == b->fps_den && a->slots == b->slots;
}

const struct stream_config *config_find_stream(const struct config *cfg,
					       const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nstreams; i++)
		if (!strcmp(cfg->streams[i].name, name))
			return &cfg->streams[i];
	return NULL;
}
