/* SPDX-License-Identifier: MIT */
/*
 * A V4L2 camera's controls, by name: listing them (VIDIOC_QUERY_EXT_CTRL,
 * VIDIOC_QUERYMENU, VIDIOC_G_EXT_CTRLS), applying a stream's
 * control.NAME = VALUE settings when the camera opens, and setting one at
 * run time (VIDIOC_S_EXT_CTRLS).  Names are V4L2's, normalised by
 * grab_ctrl_name_normalise(); values are read by control_parse_value().
 * @fd is an open capture device (through libv4l2).
 */
#ifndef GRABBERD_V4L2_CONTROLS_H
#define GRABBERD_V4L2_CONTROLS_H

#include <stddef.h>

#include "config.h"
#include "grab-proto.h"

/*
 * Apply @cfg->controls in order.  0, or -errno with a reason naming the
 * stream, the control and what would be right in @why ("stream camera:
 * control.brightness = 300: out of range 0..255"); an unknown name also
 * logs the names the camera has.
 */
int v4l2_controls_apply(int fd, const struct stream_config *cfg, char *why,
			size_t whylen);

/* Up to @max controls into @ret; the number the camera has, or -errno. */
int v4l2_controls_list(int fd, struct grab_msg_control *ret, size_t max,
		       char *why, size_t whylen);

/* Set @name to @value and read it back into @ret.  0, or -errno (EINVAL:
 * no such control, or a bad value) with why in @why. */
int v4l2_controls_set(int fd, const char *name, const char *value,
		      struct grab_msg_control *ret, char *why, size_t whylen);

#endif
