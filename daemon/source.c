// SPDX-License-Identifier: MIT
/* Starting and stopping a source of any kind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static const struct source_ops *const kinds[] = {
	&source_test_ops,
	&source_grab_ops,
	&source_v4l2_ops,
};

struct source *source_start(struct event_base *base, struct stream *stream,
			    const struct stream_config *cfg, bool stall,
			    int *ret_err, char *why, size_t whylen)
{
	const struct source_ops *ops = NULL;
	struct source *src;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strncmp(cfg->source, kinds[i]->prefix, strlen(kinds[i]->prefix)))
			ops = kinds[i];
	if (!ops) {
		*ret_err = EINVAL;
		snprintf(why, whylen, "unknown source kind");
		return NULL;
	}
	src = calloc(1, sizeof(*src));
	if (!src) {
		*ret_err = ENOMEM;
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	src->ops = ops;
	src->stream = stream;
	src->base = base;
	src->cfg = *cfg;
	src->ring_fd = -1;
	ret = ops->start(src, why, whylen);
	if (ret) {
		*ret_err = -ret;
		free(src);
		return NULL;
	}
	if (stall && ops->stall)
		ops->stall(src, true);
	return src;
}

void source_stop(struct source *src)
{
	if (!src)
		return;
	src->ops->stop(src);
	free(src);
}
