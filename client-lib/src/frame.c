// SPDX-License-Identifier: MIT
/* The frame view: a pointer into the ring and the frame's metadata. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grab-format.h"
#include "internal.h"

API const void *grab_frame_data(const struct grab_frame *f)
{
	return f ? f->rf.data : NULL;
}

API size_t grab_frame_bytes(const struct grab_frame *f)
{
	return f ? f->rf.bytesused : 0;
}

API uint64_t grab_frame_sequence(const struct grab_frame *f)
{
	return f ? f->rf.sequence : 0;
}

API uint64_t grab_frame_timestamp_ns(const struct grab_frame *f)
{
	return f ? f->rf.timestamp_ns : 0;
}

API uint64_t grab_frame_missed(const struct grab_frame *f)
{
	return f ? f->missed : 0;
}

API int grab_frame_format(const struct grab_frame *f,
			  struct grab_image_format *ret)
{
	const struct grab_format *fmt;

	if (!f || !ret || !f->held)
		return -EINVAL;
	fmt = &f->map->reader.format;
	ret->width = fmt->width;
	ret->height = fmt->height;
	ret->fourcc = fmt->fourcc;
	ret->bytesperline = fmt->bytesperline;
	ret->sizeimage = fmt->sizeimage;
	return 0;
}

API int grab_frame_intact(const struct grab_frame *f)
{
	if (!f || !f->held)
		return 0;
	return grab_ring_frame_intact(&f->map->reader, &f->rf) ? 1 : 0;
}

API void grab_frame_release(struct grab_frame *f)
{
	struct grab *g;

	if (!f || !f->held)
		return;
	g = f->grab;
	grab_map_unref(f->map);
	f->map = NULL;
	f->held = false;
	g->held--;
	if (g->closed && !g->held)
		grab_free(g);
}

API const char *grab_pixfmt_name(uint32_t fourcc)
{
	return grab_format_name(fourcc);
}

API int grab_image_layout(const struct grab_image_format *f,
			  struct grab_image_layout *ret)
{
	struct grab_format fmt;
	struct grab_plane_layout planes;
	__u64 size;
	uint32_t i;

	if (!f || !ret)
		return -EINVAL;
	fmt = (struct grab_format){
		.width = f->width,
		.height = f->height,
		.fourcc = f->fourcc,
		.bytesperline = f->bytesperline,
		.sizeimage = f->sizeimage,
	};
	if (grab_format_valid(&fmt) ||
	    grab_format_planes(&fmt, &planes, &size))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->nplanes = planes.nplanes;
	for (i = 0; i < planes.nplanes; i++) {
		ret->plane[i].offset = planes.offset[i];
		ret->plane[i].stride = planes.stride[i];
		ret->plane[i].lines = planes.lines[i];
	}
	return 0;
}

API int grab_frame_layout(const struct grab_frame *f,
			  struct grab_image_layout *ret)
{
	struct grab_image_format fmt;
	int err;

	err = grab_frame_format(f, &fmt);
	if (err)
		return err;
	return grab_image_layout(&fmt, ret);
}

API uint32_t grab_pixfmt_from_name(const char *name)
{
	return grab_format_from_name(name);
}
