// SPDX-License-Identifier: MIT
/* grab formats as GStreamer caps (see grab-caps.h). */
#include "grab-caps.h"
#include "grab-format.h"

static const struct grab_gst_format formats[] = {
	{ GRAB_PIXFMT_YUYV, "video/x-raw", "YUY2", GST_VIDEO_FORMAT_YUY2 },
	{ GRAB_PIXFMT_UYVY, "video/x-raw", "UYVY", GST_VIDEO_FORMAT_UYVY },
	{ GRAB_PIXFMT_NV12, "video/x-raw", "NV12", GST_VIDEO_FORMAT_NV12 },
	{ GRAB_PIXFMT_YU12, "video/x-raw", "I420", GST_VIDEO_FORMAT_I420 },
	{ GRAB_PIXFMT_RGB24, "video/x-raw", "RGB", GST_VIDEO_FORMAT_RGB },
	{ GRAB_PIXFMT_BGR24, "video/x-raw", "BGR", GST_VIDEO_FORMAT_BGR },
	{ GRAB_PIXFMT_GREY, "video/x-raw", "GRAY8", GST_VIDEO_FORMAT_GRAY8 },
	{ GRAB_PIXFMT_Y16, "video/x-raw", "GRAY16_LE",
	  GST_VIDEO_FORMAT_GRAY16_LE },
	{ GRAB_PIXFMT_SRGGB8, "video/x-bayer", "rggb",
	  GST_VIDEO_FORMAT_UNKNOWN },
	{ GRAB_PIXFMT_SBGGR8, "video/x-bayer", "bggr",
	  GST_VIDEO_FORMAT_UNKNOWN },
	{ GRAB_PIXFMT_SGRBG8, "video/x-bayer", "grbg",
	  GST_VIDEO_FORMAT_UNKNOWN },
	{ GRAB_PIXFMT_SGBRG8, "video/x-bayer", "gbrg",
	  GST_VIDEO_FORMAT_UNKNOWN },
	{ GRAB_PIXFMT_MJPEG, "image/jpeg", NULL, GST_VIDEO_FORMAT_UNKNOWN },
};

const struct grab_gst_format *grab_gst_format(uint32_t fourcc)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(formats); i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

static GstStructure *format_structure(const struct grab_gst_format *gf)
{
	GstStructure *s = gst_structure_new_empty(gf->media);

	if (gf->format)
		gst_structure_set(s, "format", G_TYPE_STRING, gf->format, NULL);
	return s;
}

GstCaps *grab_gst_template_caps(void)
{
	const struct grab_format_info *t;
	unsigned int i, n;
	GstCaps *caps = gst_caps_new_empty();

	t = grab_format_table(&n);
	for (i = 0; i < n; i++) {
		const struct grab_gst_format *gf = grab_gst_format(t[i].fourcc);
		GstStructure *s;

		if (!gf)
			continue;
		s = format_structure(gf);
		gst_structure_set(s, "width", GST_TYPE_INT_RANGE,
				  (int)GRAB_MIN_WIDTH, (int)GRAB_MAX_WIDTH,
				  "height", GST_TYPE_INT_RANGE,
				  (int)GRAB_MIN_HEIGHT, (int)GRAB_MAX_HEIGHT,
				  "framerate", GST_TYPE_FRACTION_RANGE, 0, 1,
				  G_MAXINT, 1, NULL);
		gst_caps_append_structure(caps, s);
	}
	return caps;
}

GstCaps *grab_gst_caps(const struct grab_image_format *fmt, uint32_t fps_num,
		       uint32_t fps_den)
{
	const struct grab_gst_format *gf = grab_gst_format(fmt->fourcc);
	GstStructure *s;

	if (!gf)
		return NULL;
	if (!fps_num || !fps_den) {
		fps_num = 0; /* GStreamer's "variable rate" */
		fps_den = 1;
	}
	s = format_structure(gf);
	gst_structure_set(s, "width", G_TYPE_INT, (int)fmt->width, "height",
			  G_TYPE_INT, (int)fmt->height, "framerate",
			  GST_TYPE_FRACTION, (int)fps_num, (int)fps_den, NULL);
	if (gf->video != GST_VIDEO_FORMAT_UNKNOWN)
		gst_structure_set(s, "interlace-mode", G_TYPE_STRING,
				  "progressive", NULL);
	return gst_caps_new_full(s, NULL);
}
