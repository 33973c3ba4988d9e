// SPDX-License-Identifier: MIT
/*
 * Starting and stopping a source of any kind, and the one way a source
 * talks to its stream: source_publish() (the only place that makes a frame
 * event) and source_failed().  A source is given its argument with the
 * "kind:" prefix already stripped, and returns what it produces from its
 * start(); it never writes the fields of struct source that others read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static const struct source_ops *find_kind(const char *source)
{
	size_t i;

	for (i = 0; i < source_nkinds; i++)
		if (!strncmp(source, source_kinds[i]->prefix,
			     strlen(source_kinds[i]->prefix)))
			return source_kinds[i];
	return NULL;
}

bool source_has_controls(const char *source)
{
	const struct source_ops *ops = find_kind(source);

	return ops && ops->set_control && ops->list_controls;
}

struct source *source_start(struct event_base *base, struct stream *stream,
			    const struct stream_config *cfg, bool stall,
			    int *ret_err, char *why, size_t whylen)
{
	const struct source_ops *ops = find_kind(cfg->source);
	struct source_geometry geo;
	struct source *src;
	int ret;

	if (!ops) {
		*ret_err = EINVAL;
		snprintf(why, whylen, "unknown source kind");
		return NULL;
	}
	if (cfg->controls.n && !ops->set_control) {
		*ret_err = EOPNOTSUPP;
		snprintf(why, whylen,
			 "stream %s: control.%s: source %s has no controls",
			 cfg->name, cfg->controls.v[0].name, cfg->source);
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
	src->arg = src->cfg.source + strlen(ops->prefix);
	memset(&geo, 0, sizeof(geo));
	geo.ring_fd = -1;
	ret = ops->start(src, &geo, why, whylen);
	if (ret) {
		*ret_err = -ret;
		free(src);
		return NULL;
	}
	src->geo = geo;
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

void source_publish(struct source *src, uint64_t sequence, uint32_t slot,
		    uint64_t timestamp_ns, uint32_t bytesused, uint32_t flags)
{
	struct grab_msg_frame f = {
		.sequence = sequence,
		.timestamp_ns = timestamp_ns,
		.slot = slot,
		.bytesused = bytesused,
		.flags = flags,
	};

	stream_publish(src->stream, &f);
}

void source_failed(struct source *src, int err, const char *why)
{
	stream_source_failed(src->stream, err, why);
}
