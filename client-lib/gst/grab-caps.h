/* SPDX-License-Identifier: MIT */
/*
 * grab formats as GStreamer caps: the one place the plugin names GStreamer
 * formats.  Every row of grab's format table (kernel/grab-format.h) has a
 * row here; the template caps are built by walking grab's table, so a
 * format grab learns without a GStreamer name shows up at once in
 * gst-inspect-1.0 (and in the gst tier) as missing.
 */
#ifndef GRAB_GST_CAPS_H
#define GRAB_GST_CAPS_H

#include <gst/gst.h>
#include <gst/video/video.h>

#include "grab/grab.h"

/**
 * struct grab_gst_format - how GStreamer spells one grab format
 * @fourcc:     GRAB_PIXFMT_*
 * @media:      "video/x-raw", "video/x-bayer" or "image/jpeg"
 * @format:     the caps' format field ("YUY2", "rggb"), NULL for image/jpeg
 * @video:      the GstVideoFormat of a video/x-raw format (GstVideoMeta is
 *              attached to its buffers), GST_VIDEO_FORMAT_UNKNOWN otherwise
 */
struct grab_gst_format {
	uint32_t fourcc;
	const char *media;
	const char *format;
	GstVideoFormat video;
};

/* The row for @fourcc, NULL if the plugin has none. */
const struct grab_gst_format *grab_gst_format(uint32_t fourcc);

/* Every format grab knows, any size and rate: the pad template. */
GstCaps *grab_gst_template_caps(void);

/* The fixed caps of a stream of @fmt at @fps_num / @fps_den (0/1 when the
 * rate is unknown); NULL if the format has no GStreamer name. */
GstCaps *grab_gst_caps(const struct grab_image_format *fmt, uint32_t fps_num,
		       uint32_t fps_den);

#endif
