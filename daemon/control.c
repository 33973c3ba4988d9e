// SPDX-License-Identifier: MIT
/* Control settings and values read against a description; see control.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"

int control_settings_put(struct control_settings *set, const char *name,
			 const char *value, char *why, size_t whylen)
{
	char norm[GRAB_CTRL_NAME_MAX];
	struct control_setting *s = NULL;
	const char *ch;
	uint32_t i;

	if (grab_ctrl_name_normalise(name, norm, sizeof(norm)) < 0) {
		snprintf(why, whylen,
			 "not a control name (letters and digits, at most %u)",
			 GRAB_CTRL_NAME_MAX - 1);
		return -1;
	}
	if (!*value || strlen(value) >= GRAB_CTRL_VALUE_MAX) {
		snprintf(why, whylen, "needs a value of 1 to %u characters",
			 GRAB_CTRL_VALUE_MAX - 1);
		return -1;
	}
	for (ch = value; *ch; ch++) {
		if ((unsigned char)*ch < 0x20 || *ch == 0x7f) {
			snprintf(why, whylen,
				 "the value has a control character");
			return -1;
		}
	}
	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].name, norm))
			s = &set->v[i];
	if (!s) {
		if (set->n == CONTROL_MAX) {
			snprintf(why, whylen, "more than %d controls",
				 CONTROL_MAX);
			return -1;
		}
		s = &set->v[set->n++];
	}
	memset(s, 0, sizeof(*s));
	strcpy(s->name, norm);
	strcpy(s->value, value);
	return 0;
}

bool control_settings_equal(const struct control_settings *a,
			    const struct control_settings *b)
{
	uint32_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) ||
		    strcmp(a->v[i].value, b->v[i].value))
			return false;
	return true;
}

const char *control_type_name(uint32_t type)
{
	switch (type) {
	case GRAB_CTRL_INTEGER:
		return "integer";
	case GRAB_CTRL_BOOLEAN:
		return "boolean";
	case GRAB_CTRL_MENU:
		return "menu";
	case GRAB_CTRL_BUTTON:
		return "button";
	case GRAB_CTRL_INTEGER64:
		return "integer64";
	case GRAB_CTRL_INTEGER_MENU:
		return "integer_menu";
	case GRAB_CTRL_BITMASK:
		return "bitmask";
	case GRAB_CTRL_STRING:
		return "string";
	default:
		return "other";
	}
}

/* Decimal, or hex after 0x; a sign for decimal only. */
static int parse_int(const char *text, int64_t *ret)
{
	int base = 10;
	long long v;
	char *end;

	if (!strncasecmp(text, "0x", 2))
		base = 16;
	if (base == 16 && (text[2] == '-' || text[2] == '+'))
		return -1;
	errno = 0;
	v = strtoll(text, &end, base);
	if (errno || end == text || *end || (base == 16 && !text[2]))
		return -1;
	*ret = v;
	return 0;
}

static int parse_bool(const char *text, int64_t *ret)
{
	static const char *const yes[] = { "1", "true", "on", "yes" };
	static const char *const no[] = { "0", "false", "off", "no" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(text, yes[i])) {
			*ret = 1;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*ret = 0;
			return 0;
		}
	}
	return -1;
}

/* The item names, comma separated, cut to fit. */
static void menu_names(const struct control_menu *menu, char *out, size_t size)
{
	size_t n = 0;
	uint32_t i;

	out[0] = 0;
	for (i = 0; i < menu->n && n + 1 < size; i++) {
		int w = snprintf(out + n, size - n, "%s%s", i ? ", " : "",
				 menu->name[i]);

		if (w < 0 || (size_t)w >= size - n) {
			out[n] = 0;
			break;
		}
		n += (size_t)w;
	}
}

/* By item index first, then by item name (an integer menu's names are its
 * values: "1000000"). */
static int parse_menu(const struct grab_msg_control *c,
		      const struct control_menu *menu, const char *text,
		      int64_t *ret, char *why, size_t whylen)
{
	char norm[GRAB_CTRL_NAME_MAX], names[96];
	int64_t v;
	uint32_t i;

	if (parse_int(text, &v) == 0) {
		for (i = 0; i < menu->n; i++) {
			if (menu->index[i] == v) {
				*ret = v;
				return 0;
			}
		}
	}
	if (grab_ctrl_name_normalise(text, norm, sizeof(norm)) > 0) {
		for (i = 0; i < menu->n; i++) {
			if (!strcmp(menu->name[i], norm)) {
				*ret = menu->index[i];
				return 0;
			}
		}
	}
	menu_names(menu, names, sizeof(names));
	snprintf(why, whylen, "not an item of the menu (%s)", names);
	return -EINVAL;
}

int control_parse_value(const struct grab_msg_control *c,
			const struct control_menu *menu, const char *text,
			int64_t *ret, char *why, size_t whylen)
{
	int64_t v;

	if (c->flags & GRAB_CTRL_FLAG_READ_ONLY) {
		snprintf(why, whylen, "read only");
		return -EACCES;
	}
	switch (c->type) {
	case GRAB_CTRL_BOOLEAN:
		if (parse_bool(text, &v)) {
			snprintf(
				why, whylen,
				"not a boolean (0 or 1, true or false, on or off, yes or no)");
			return -EINVAL;
		}
		break;
	case GRAB_CTRL_MENU:
	case GRAB_CTRL_INTEGER_MENU:
		return parse_menu(c, menu, text, ret, why, whylen);
	case GRAB_CTRL_INTEGER:
	case GRAB_CTRL_INTEGER64:
	case GRAB_CTRL_BITMASK:
	case GRAB_CTRL_BUTTON:
		if (parse_int(text, &v)) {
			snprintf(why, whylen, "not a number");
			return -EINVAL;
		}
		break;
	default:
		snprintf(why, whylen, "a %s control: grab does not set those",
			 control_type_name(c->type));
		return -EOPNOTSUPP;
	}
	if (c->type == GRAB_CTRL_BUTTON)
		v = 1; /* pressing it: any number will do */
	if (c->type == GRAB_CTRL_BITMASK) {
		if (v < 0 || ((uint64_t)v & ~(uint64_t)c->maximum)) {
			snprintf(why, whylen,
				 "not within the bitmask 0x%" PRIx64,
				 (uint64_t)c->maximum);
			return -EINVAL;
		}
	} else if (c->type != GRAB_CTRL_BUTTON &&
		   (v < c->minimum || v > c->maximum)) {
		snprintf(why, whylen, "out of range %" PRId64 "..%" PRId64,
			 c->minimum, c->maximum);
		return -EINVAL;
	} else if (c->type != GRAB_CTRL_BUTTON && c->step > 1 &&
		   (v - c->minimum) % c->step) {
		snprintf(why, whylen,
			 "not on a step: %" PRId64 "..%" PRId64
			 " in steps of %" PRId64,
			 c->minimum, c->maximum, c->step);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

void control_menu_text(const struct control_menu *menu, char *out, size_t size)
{
	size_t n = 0;
	uint32_t i;

	out[0] = 0;
	for (i = 0; i < menu->n; i++) {
		char item[GRAB_CTRL_NAME_MAX + 24];
		int w = snprintf(item, sizeof(item), "%s%" PRId64 "=%s",
				 i ? "," : "", menu->index[i], menu->name[i]);

		/* Room is kept for ",..." after every item. */
		if (n + (size_t)w + 5 > size) {
			if (n + 5 <= size)
				strcpy(out + n, n ? ",..." : "...");
			return;
		}
		memcpy(out + n, item, (size_t)w + 1);
		n += (size_t)w;
	}
}
