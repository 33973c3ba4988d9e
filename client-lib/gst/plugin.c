// SPDX-License-Identifier: MIT
/* The GStreamer plugin "grab" (libgstgrab.so): the element grabsrc. */
#include <gst/gst.h>

#include "grab-src.h"

static gboolean plugin_init(GstPlugin *plugin)
{
	return gst_grab_src_register(plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, grab,
		  "Frames from grabberd or a grab device, in place (libgrab)",
		  plugin_init, GRAB_GST_VERSION, "MIT/X11", "grab",
		  "Unknown package origin")
