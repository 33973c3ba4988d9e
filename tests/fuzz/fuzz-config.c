// SPDX-License-Identifier: MIT
/*
 * grabberd's config parser through its real entry point, config_load(): the
 * input is written to a memfd and loaded as /proc/self/fd/N, as grabberd -c
 * would load a file.  A file is accepted with a configuration every later
 * user can trust, or rejected with a message naming the file.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "grab-format.h"

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("grab-fuzz-config", MFD_CLOEXEC);
	FUZZ_CHECK(memfd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	struct config_overrides ov = { 0 };
	char err[1024] = "";
	char host[CONFIG_LISTEN_MAX];
	uint16_t port;
	size_t i, j;

	FUZZ_CHECK(ftruncate(memfd, 0) == 0);
	FUZZ_CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);
	if (config_load(&cfg, path, &ov, err, sizeof(err))) {
		FUZZ_CHECK(err[0]);
		FUZZ_CHECK(strstr(err, path) != NULL);
		return 0;
	}
	FUZZ_CHECK(cfg.nstreams >= 1 && cfg.nstreams <= CONFIG_MAX_STREAMS);
	FUZZ_CHECK(cfg.socket_path[0] == '/');
	FUZZ_CHECK(memchr(cfg.socket_path, 0, sizeof(cfg.socket_path)));
	FUZZ_CHECK(cfg.socket_mode <= 0777);
	if (cfg.listen_http[0])
		FUZZ_CHECK(!config_parse_listen(cfg.listen_http, host,
						sizeof(host), &port));
	for (i = 0; i < cfg.nstreams; i++) {
		const struct stream_config *s = &cfg.streams[i];
		struct grab_layout layout;

		FUZZ_CHECK(grab_stream_name_valid(s->name));
		FUZZ_CHECK(memchr(s->source, 0, sizeof(s->source)));
		FUZZ_CHECK(!grab_format_valid(&s->format));
		FUZZ_CHECK(s->fps_num && s->fps_den);
		FUZZ_CHECK(s->quality >= 1 && s->quality <= 100);
		/* The daemon lays out a ring for it. */
		FUZZ_CHECK(
			!grab_ring_layout(&s->format, s->slots, 4096, &layout));
		FUZZ_CHECK(config_find_stream(&cfg, s->name) == s);
		FUZZ_CHECK(stream_config_equal(s, s));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(cfg.streams[j].name, s->name));
	}
	return 0;
}
