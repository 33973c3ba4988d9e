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

/* The table's layout for @fmt (planes as the ABI carries them, plus lines). */
static int layout_from_format(const struct grab_format *fmt,
			      struct grab_image_layout *ret)
{
	const struct grab_format_info *fi = grab_format_info(fmt->fourcc);
	uint32_t i;

	if (!fi || grab_format_valid(fmt))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->nplanes = fmt->nplanes;
	for (i = 0; i < fmt->nplanes; i++) {
		ret->plane[i].offset = fmt->planes[i].offset;
		ret->plane[i].stride = fmt->planes[i].stride;
		ret->plane[i].lines = fmt->height / fi->plane_vdiv[i];
	}
	return 0;
}

API int grab_image_layout(const struct grab_image_format *f,
			  struct grab_image_layout *ret)
{
	struct grab_format fmt;

	if (!f || !ret)
		return -EINVAL;
	fmt = (struct grab_format){
		.width = f->width,
		.height = f->height,
		.fourcc = f->fourcc,
		.bytesperline = f->bytesperline,
		.sizeimage = f->sizeimage,
	};
	/* The public format has no planes: the table supplies them. */
	if (grab_format_complete(&fmt) || fmt.sizeimage != f->sizeimage ||
	    fmt.bytesperline != f->bytesperline)
		return -EINVAL;
	return layout_from_format(&fmt, ret);
}

/* The ring's own plane layout, as the producer wrote (and the reader
 * validated against the table when it attached). */
API int grab_frame_layout(const struct grab_frame *f,
			  struct grab_image_layout *ret)
{
	if (!f || !ret || !f->held)
		return -EINVAL;
	return layout_from_format(&f->map->reader.format, ret);
}

API uint32_t grab_pixfmt_from_name(const char *name)
{
	return grab_format_from_name(name);
}
