/* SPDX-License-Identifier: MIT */
/*
 * format = auto: which of a camera's modes to use for the size and rate a
 * stream asks for.  Pure, so the unit tier checks it against tables of
 * modes; source-v4l2.c lists the camera's modes (VIDIOC_ENUM_FMT,
 * _FRAMESIZES, _FRAMEINTERVALS) and asks.
 */
#ifndef GRABBERD_V4L2_MODE_H
#define GRABBERD_V4L2_MODE_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct v4l2_mode - one format and size a camera offers
 * @fourcc:   a format of grab's table (the camera's others are left out)
 * @width:    frame size
 * @height:   see @width
 * @fps_num:  the fastest rate at this size is @fps_num / @fps_den frames a
 * @fps_den:  second; 0 / 0 when the camera does not say
 */
struct v4l2_mode {
	uint32_t fourcc;
	uint32_t width;
	uint32_t height;
	uint32_t fps_num;
	uint32_t fps_den;
};

/*
 * The best of @modes (@n of them) for @width x @height at @fps_num /
 * @fps_den, by these rules in order:
 *   1. the size asked, else the nearest size (least difference in pixel
 *      count, the larger on a tie);
 *   2. a mode that reaches the rate asked (a camera that does not say its
 *      rate is taken to reach it);
 *   3. when none reaches it, the fastest;
 *   4. a raw format before MJPEG;
 *   5. the format table's order (YUYV, UYVY, NV12, YU12, RGB3, BGR3, GREY,
 *      Y16, Bayer).
 * So a USB camera asked for 1280x720 at 30 fps that gives YUYV only at 10
 * fps there gets MJPEG, and YUYV when asked for 10 fps.  Returns the index,
 * or -1 if @n is 0.  @why (if not NULL, @whylen bytes) gets a line saying
 * why, for the log.
 */
int v4l2_mode_choose(const struct v4l2_mode *modes, size_t n, uint32_t width,
		     uint32_t height, uint32_t fps_num, uint32_t fps_den,
		     char *why, size_t whylen);

#endif
