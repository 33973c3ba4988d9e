/* SPDX-License-Identifier: MIT */
/*
 * grabsrc: a live GStreamer source reading a grabberd stream (or a
 * /dev/grabN device) through libgrab.  See grab-src.c.
 */
#ifndef GRAB_GST_SRC_H
#define GRAB_GST_SRC_H

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_GRAB_SRC (gst_grab_src_get_type())
G_DECLARE_FINAL_TYPE(GstGrabSrc, gst_grab_src, GST, GRAB_SRC, GstPushSrc)

/* Register grabsrc with @plugin (NULL: for a program's static plugin). */
gboolean gst_grab_src_register(GstPlugin *plugin);

G_END_DECLS

#endif
