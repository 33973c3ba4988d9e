// SPDX-License-Identifier: MIT
/* A V4L2 camera's controls by name; see v4l2-controls.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libv4l2.h>
#include <linux/videodev2.h>

#include "control.h"
#include "log.h"
#include "v4l2-controls.h"

/* Menu indexes probed at most (a menu's items may have gaps). */
#define MENU_PROBE_MAX 256

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = v4l2_ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static uint32_t map_type(uint32_t t)
{
	switch (t) {
	case V4L2_CTRL_TYPE_INTEGER:
		return GRAB_CTRL_INTEGER;
	case V4L2_CTRL_TYPE_BOOLEAN:
		return GRAB_CTRL_BOOLEAN;
	case V4L2_CTRL_TYPE_MENU:
		return GRAB_CTRL_MENU;
	case V4L2_CTRL_TYPE_BUTTON:
		return GRAB_CTRL_BUTTON;
	case V4L2_CTRL_TYPE_INTEGER64:
		return GRAB_CTRL_INTEGER64;
	case V4L2_CTRL_TYPE_INTEGER_MENU:
		return GRAB_CTRL_INTEGER_MENU;
	case V4L2_CTRL_TYPE_BITMASK:
		return GRAB_CTRL_BITMASK;
	case V4L2_CTRL_TYPE_STRING:
		return GRAB_CTRL_STRING;
	default:
		return GRAB_CTRL_OTHER;
	}
}

static uint32_t map_flags(uint32_t f)
{
	return (f & V4L2_CTRL_FLAG_READ_ONLY ? GRAB_CTRL_FLAG_READ_ONLY : 0) |
	       (f & V4L2_CTRL_FLAG_INACTIVE ? GRAB_CTRL_FLAG_INACTIVE : 0) |
	       (f & V4L2_CTRL_FLAG_VOLATILE ? GRAB_CTRL_FLAG_VOLATILE : 0) |
	       (f & V4L2_CTRL_FLAG_GRABBED ? GRAB_CTRL_FLAG_GRABBED : 0);
}

static bool has_value(uint32_t type)
{
	return type != GRAB_CTRL_BUTTON && type != GRAB_CTRL_STRING &&
	       type != GRAB_CTRL_OTHER;
}

/* The current value, 0 if the camera does not say (write-only). */
static int64_t get_value(int fd, const struct v4l2_query_ext_ctrl *q,
			 uint32_t type)
{
	struct v4l2_ext_control c = { .id = q->id };
	struct v4l2_ext_controls cs = { .which = V4L2_CTRL_WHICH_CUR_VAL,
					.count = 1,
					.controls = &c };

	if (!has_value(type) || (q->flags & V4L2_CTRL_FLAG_WRITE_ONLY))
		return 0;
	if (xioctl(fd, VIDIOC_G_EXT_CTRLS, &cs) < 0)
		return 0;
	if (type == GRAB_CTRL_BITMASK)
		return (uint32_t)c.value; /* 32 bits, unsigned */
	return type == GRAB_CTRL_INTEGER64 ? c.value64 : c.value;
}

static void get_menu(int fd, const struct v4l2_query_ext_ctrl *q,
		     struct control_menu *menu)
{
	int64_t i;

	menu->n = 0;
	for (i = q->minimum;
	     i <= q->maximum && i - q->minimum < MENU_PROBE_MAX &&
	     menu->n < CONTROL_MENU_ITEMS;
	     i++) {
		struct v4l2_querymenu m = { .id = q->id, .index = (uint32_t)i };
		char text[32];

		if (xioctl(fd, VIDIOC_QUERYMENU, &m) < 0)
			continue; /* not an item: menus have gaps */
		if (q->type == V4L2_CTRL_TYPE_INTEGER_MENU)
			snprintf(text, sizeof(text), "%lld",
				 (long long)m.value);
		else
			snprintf(text, sizeof(text), "%s",
				 (const char *)m.name);
		if (grab_ctrl_name_normalise(text, menu->name[menu->n],
					     GRAB_CTRL_NAME_MAX) < 0)
			snprintf(menu->name[menu->n], GRAB_CTRL_NAME_MAX,
				 "item_%lld", (long long)i);
		menu->index[menu->n++] = i;
	}
}

/* One control as a CONTROL message body (index and count left to the
 * caller), and its menu when @menu is not NULL. */
static void describe(int fd, const struct v4l2_query_ext_ctrl *q,
		     struct grab_msg_control *ret, struct control_menu *menu)
{
	struct control_menu local;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->id = q->id;
	ret->type = map_type(q->type);
	ret->flags = map_flags(q->flags);
	if (ret->type != GRAB_CTRL_STRING && ret->type != GRAB_CTRL_OTHER &&
	    ret->type != GRAB_CTRL_BUTTON) {
		ret->minimum = q->minimum;
		ret->maximum = q->maximum;
		ret->step = (int64_t)q->step;
		ret->default_value = q->default_value;
	}
	ret->value = get_value(fd, q, ret->type);
	if (grab_ctrl_name_normalise(q->name, ret->name, sizeof(ret->name)) < 0)
		snprintf(ret->name, sizeof(ret->name), "ctrl_%08x", q->id);
	for (i = 0; i < sizeof(ret->label) - 1 && q->name[i]; i++)
		ret->label[i] = (unsigned char)q->name[i] < 0x20 ||
						(unsigned char)q->name[i] >=
							0x7f ?
					'?' :
					q->name[i];
	if (ret->type == GRAB_CTRL_MENU ||
	    ret->type == GRAB_CTRL_INTEGER_MENU) {
		if (!menu)
			menu = &local;
		get_menu(fd, q, menu);
		control_menu_text(menu, ret->menu, sizeof(ret->menu));
	}
}

/*
 * Walk the camera's controls (not the class headers, not the disabled
 * ones): @fn gets each; a non-zero return stops the walk and is returned.
 */
static int walk(int fd,
		int (*fn)(const struct v4l2_query_ext_ctrl *q, void *arg),
		void *arg)
{
	struct v4l2_query_ext_ctrl q;
	uint32_t id = 0;
	int r;

	for (;;) {
		memset(&q, 0, sizeof(q));
		q.id = id | V4L2_CTRL_FLAG_NEXT_CTRL;
		if (xioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q) < 0)
			return 0; /* EINVAL: no more */
		id = q.id;
		if (q.type == V4L2_CTRL_TYPE_CTRL_CLASS ||
		    (q.flags & V4L2_CTRL_FLAG_DISABLED))
			continue;
		r = fn(&q, arg);
		if (r)
			return r;
	}
}

struct find_ctx {
	const char *name;
	struct v4l2_query_ext_ctrl q;
	char names[512]; /* all of them, for the log */
	size_t len;
};

static int find_one(const struct v4l2_query_ext_ctrl *q, void *arg)
{
	struct find_ctx *x = arg;
	char norm[GRAB_CTRL_NAME_MAX];
	int n;

	if (grab_ctrl_name_normalise(q->name, norm, sizeof(norm)) < 0)
		snprintf(norm, sizeof(norm), "ctrl_%08x", q->id);
	if (!strcmp(norm, x->name)) {
		x->q = *q;
		return 1;
	}
	n = snprintf(x->names + x->len, sizeof(x->names) - x->len, "%s%s",
		     x->len ? ", " : "", norm);
	if (n > 0 && (size_t)n < sizeof(x->names) - x->len)
		x->len += (size_t)n;
	return 0;
}

/* Look @name up: 0 and its query in x->q, or -EINVAL. */
static int find(int fd, const char *name, struct find_ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->name = name;
	return walk(fd, find_one, x) == 1 ? 0 : -EINVAL;
}

/*
 * Set the control @x->q found to @value: parse, S_EXT_CTRLS, read back.
 * Why without the "stream S: control.N = V: " prefix.
 */
static int set_found(int fd, const struct find_ctx *x, const char *value,
		     struct grab_msg_control *ret, char *why, size_t whylen)
{
	struct v4l2_ext_control c = { .id = x->q.id };
	struct v4l2_ext_controls cs = { .which = V4L2_CTRL_WHICH_CUR_VAL,
					.count = 1,
					.controls = &c };
	struct control_menu menu;
	int64_t v;
	int r;

	describe(fd, &x->q, ret, &menu);
	r = control_parse_value(ret, &menu, value, &v, why, whylen);
	if (r)
		return r;
	if (ret->type == GRAB_CTRL_INTEGER64)
		c.value64 = v;
	else
		c.value = (int32_t)v;
	if (xioctl(fd, VIDIOC_S_EXT_CTRLS, &cs) < 0) {
		r = -errno;
		snprintf(
			why, whylen, "the camera refused it: %s%s",
			strerror(-r),
			r == -EBUSY ?
				" (busy: grabbed while streaming?)" :
			r == -EACCES ?
				" (read only, or inactive while another control overrides it)" :
				"");
		return r;
	}
	describe(fd, &x->q, ret, NULL);
	ret->count = 1;
	return 0;
}

int v4l2_controls_apply(int fd, const struct stream_config *cfg, char *why,
			size_t whylen)
{
	static struct find_ctx x; /* large: not on the stack */
	uint32_t i;

	for (i = 0; i < cfg->controls.n; i++) {
		const struct control_setting *s = &cfg->controls.v[i];
		struct grab_msg_control c;
		char reason[GRAB_TEXT_MAX];
		int r;

		if (find(fd, s->name, &x)) {
			log_warn("stream %s: the camera's controls are: %s",
				 cfg->name, x.len ? x.names : "(none)");
			snprintf(
				why, whylen,
				"stream %s: control.%s: no such control (the log lists the camera's)",
				cfg->name, s->name);
			return -EINVAL;
		}
		r = set_found(fd, &x, s->value, &c, reason, sizeof(reason));
		if (r) {
			snprintf(why, whylen, "stream %s: control.%s = %s: %s",
				 cfg->name, s->name, s->value, reason);
			return r;
		}
		log_info("stream %s: control %s = %s (reads back %" PRId64 ")",
			 cfg->name, s->name, s->value, c.value);
	}
	return 0;
}

struct list_ctx {
	int fd;
	struct grab_msg_control *ret;
	size_t max, n;
};

static int list_one(const struct v4l2_query_ext_ctrl *q, void *arg)
{
	struct list_ctx *x = arg;

	if (x->n < x->max)
		describe(x->fd, q, &x->ret[x->n], NULL);
	x->n++;
	return 0;
}

int v4l2_controls_list(int fd, struct grab_msg_control *ret, size_t max,
		       char *why, size_t whylen)
{
	struct list_ctx x = { .fd = fd, .ret = ret, .max = max };
	size_t i, n;

	walk(fd, list_one, &x);
	n = x.n < max ? x.n : max;
	for (i = 0; i < n; i++) {
		ret[i].index = (uint32_t)i;
		ret[i].count = (uint32_t)n;
	}
	(void)why;
	(void)whylen;
	return (int)x.n;
}

int v4l2_controls_set(int fd, const char *name, const char *value,
		      struct grab_msg_control *ret, char *why, size_t whylen)
{
	static struct find_ctx x;
	char reason[GRAB_TEXT_MAX];
	int r;

	if (find(fd, name, &x)) {
		snprintf(
			why, whylen,
			"control.%s: no such control (grab-capture --info lists them)",
			name);
		return -EINVAL;
	}
	r = set_found(fd, &x, value, ret, reason, sizeof(reason));
	if (r)
		snprintf(why, whylen, "control.%s = %s: %s", name, value,
			 reason);
	return r;
}
