/* SPDX-License-Identifier: MIT */
/*
 * Camera controls, the part that needs no camera: the settings a stream's
 * config asks for (control.NAME = VALUE), and reading a value as text
 * against a control's description (its type, range, step and menu) with an
 * error that says what would have been right.  The ioctls are in
 * v4l2-controls.c; names are normalised by grab_ctrl_name_normalise().
 */
#ifndef GRABBERD_CONTROL_H
#define GRABBERD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grab-proto.h"

#define CONTROL_MAX 32 /* control.NAME keys per stream */
#define CONTROL_MENU_ITEMS 64 /* menu items resolved by name */

/* One control.NAME = VALUE: the name normalised, the value as written. */
struct control_setting {
	char name[GRAB_CTRL_NAME_MAX];
	char value[GRAB_CTRL_VALUE_MAX];
};

/* What a stream asks for, in the order it is applied. */
struct control_settings {
	uint32_t n;
	struct control_setting v[CONTROL_MAX];
};

/* A menu's items: their indexes (not every index of a menu is an item) and
 * normalised names. */
struct control_menu {
	uint32_t n;
	int64_t index[CONTROL_MENU_ITEMS];
	char name[CONTROL_MENU_ITEMS][GRAB_CTRL_NAME_MAX];
};

/*
 * Set @name (any spelling; normalised) to @value in @set, replacing an
 * earlier value of the same control.  0, or -1 with why in @why: a name
 * that normalises to nothing, an empty or too long value, too many.
 */
int control_settings_put(struct control_settings *set, const char *name,
			 const char *value, char *why, size_t whylen);

bool control_settings_equal(const struct control_settings *a,
			    const struct control_settings *b);

/*
 * Read @text as a value of the control @c (with its @menu for menus):
 * integers in decimal (or 0x hex), in range and on a step; booleans as
 * 0/1, true/false, on/off, yes/no; menus by item index or by item name.
 * 0 and *@ret, or -EINVAL with what would be right in @why ("out of range
 * 0..255", "not one of manual_mode, aperture_priority_mode").  Read-only,
 * string and other controls are refused (-EACCES, -EOPNOTSUPP).
 */
int control_parse_value(const struct grab_msg_control *c,
			const struct control_menu *menu, const char *text,
			int64_t *ret, char *why, size_t whylen);

/* The name of a type for listings: "integer", "boolean", "menu", ... */
const char *control_type_name(uint32_t type);

/* "0=auto_mode,1=manual_mode": @menu as a CONTROL message's text, cut with
 * "..." if it does not fit. */
void control_menu_text(const struct control_menu *menu, char *out, size_t size);

#endif
