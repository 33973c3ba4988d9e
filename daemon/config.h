/* SPDX-License-Identifier: MIT */
/* grabberd's configuration: an INI file plus command-line overrides. */
#ifndef GRABBERD_CONFIG_H
#define GRABBERD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/grab.h>

#include "access.h"
#include "grab-proto.h"
#include "log.h"

/* make passes SYSCONFDIR (default /etc, whatever the PREFIX), the directory
 * `make install` and the Debian package put the config in. */
#ifndef GRAB_SYSCONFDIR
#define GRAB_SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_PATH GRAB_SYSCONFDIR "/grabberd/grabberd.conf"
#define CONFIG_MAX_STREAMS 32
#define SOCKET_PATH_MAX 108
#define CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS 256
#define CONFIG_LISTEN_MAX 128
#define CONFIG_DEFAULT_HTTP "127.0.0.1:8080"

/**
 * struct stream_config - one [stream NAME] section
 * @name:      stream name clients ask for
 * @source:    "test:", "grab:/dev/grabN" or "v4l2:/dev/videoN"
 * @format:    requested geometry (completed)
 * @format_auto: format = auto: a v4l2: source picks the camera's best mode
 *             for the size and rate (its fourcc stays YUYV here, only so
 *             @format completes)
 * @fps_num:   frames per second is @fps_num / @fps_den
 * @slots:     frames in the ring
 * @linger_ms: how long the source keeps running after its last client left
 * @quality:   JPEG quality (1-100) of the HTTP live view
 * @line:      line of the section header (0: not from a file)
 */
struct stream_config {
	char name[GRAB_NAME_MAX];
	char source[GRAB_SOURCE_MAX];
	struct grab_format format;
	bool format_auto;
	uint32_t fps_num;
	uint32_t fps_den;
	uint32_t slots;
	uint32_t linger_ms;
	uint32_t quality;
	int line;
};

/**
 * struct config - everything grabberd runs with
 * @file:        where it came from ("" for the embedded default)
 * @socket_path: unix socket clients connect to
 * @socket_mode: permissions of the socket
 * @socket_group: group of the socket ("" to leave it)
 * @access:      allowed_uids / allowed_groups (empty: the socket's mode decides)
 * @log_level:   most verbose level logged
 * @listen_http: HOST:PORT of the HTTP live view, "" when it is off
 * @listen_http_set: it was asked for; the default may be busy (a warning),
 *               an address asked for must work (an error)
 * @http_auth:   "user:password" for HTTP Basic authentication, "" for none
 * @http_max_connections: HTTP connections open at once; more wait in the
 *               listen backlog
 * @streams:     the streams
 */
struct config {
	char file[256];
	char socket_path[SOCKET_PATH_MAX];
	unsigned int socket_mode;
	char socket_group[64];
	struct access_rules access;
	enum log_level log_level;
	uint32_t linger_ms;
	char listen_http[CONFIG_LISTEN_MAX];
	bool listen_http_set; /* asked for (file or --http), not the default */
	char http_auth[256];
	unsigned int http_max_connections; /* open HTTP connections at most */
	size_t nstreams;
	struct stream_config streams[CONFIG_MAX_STREAMS];
};

/**
 * struct config_overrides - what the command line says, applied on top of
 * the file at start and at every reload
 */
struct config_overrides {
	const char *socket_path;
	const char *stream; /* which stream the ones below change */
	const char *source;
	const char *width, *height, *format, *fps, *slots, *linger, *quality;
	const char *http; /* --http ADDR:PORT */
	bool no_http; /* --no-http */
	int verbosity; /* -v count minus -q count */
};

/*
 * Load @path (NULL: the default path, or the embedded default if that does
 * not exist) and apply @ov.  Returns 0, or -1 with a message naming the
 * file, line and key in @err.
 */
int config_load(struct config *cfg, const char *path,
		const struct config_overrides *ov, char *err, size_t errlen);

/* The embedded default: one stream "default" on the test source. */
void config_default(struct config *cfg);

/* Same stream settings (the source need not be restarted)? */
bool stream_config_equal(const struct stream_config *a,
			 const struct stream_config *b);

/*
 * Split "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080", "localhost:0") into
 * @host (brackets removed) and @port.  0, or -1 if it is not of that form.
 */
int config_parse_listen(const char *v, char *host, size_t hostlen,
			uint16_t *port);

const struct stream_config *config_find_stream(const struct config *cfg,
					       const char *name);

#endif
