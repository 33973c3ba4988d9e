// SPDX-License-Identifier: MIT
/*
 * Controls without a camera: how names are normalised (both V4L2's and a
 * user's), and how a value is read against a control's type, range, step
 * and menu, with the message a refusal gives (daemon/control.c,
 * common/grab-proto.c).  The same code reads the config's values and
 * SET_CONTROL's, on the real camera in the system tier.
 */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "grab-proto.h"
#include "../lib/tap.h"

static void norm(const char *in, const char *want)
{
	char out[GRAB_CTRL_NAME_MAX];
	int n = grab_ctrl_name_normalise(in, out, sizeof(out));

	if (!want)
		ok(n < 0, "'%s' is not a control name", in);
	else
		ok(n == (int)strlen(want) && !strcmp(out, want) &&
			   grab_ctrl_name_valid(out),
		   "'%s' normalises to '%s' (got '%s')", in, want,
		   n < 0 ? "(refused)" : out);
}

static void test_names(void)
{
	norm("Brightness", "brightness");
	norm("White Balance, Automatic", "white_balance_automatic");
	norm("white_balance_automatic", "white_balance_automatic");
	norm("  Gain,  Automatic ", "gain_automatic");
	norm("Power Line Frequency", "power_line_frequency");
	norm("Integer 32 Bits", "integer_32_bits");
	norm("Menu Item 2 (Skipped)", "menu_item_2_skipped");
	norm("50 Hz", "50_hz");
	norm("H.264 Level", "h_264_level");
	norm(", ;", NULL);
	norm("", NULL);
	norm("a_name_of_thirty_one_characters",
	     "a_name_of_thirty_one_characters");
	norm("a name of thirty-two characters!!",
	     "a_name_of_thirty_two_characters");
	norm("a_name_of_thirty_two_characters_",
	     "a_name_of_thirty_two_characters");
	norm("a_name_of_thirty_two_characters_x", NULL);
	ok(!grab_ctrl_name_valid("Brightness") &&
		   !grab_ctrl_name_valid("_brightness") &&
		   !grab_ctrl_name_valid("bright__ness") &&
		   !grab_ctrl_name_valid("brightness_") &&
		   !grab_ctrl_name_valid("bright ness") &&
		   !grab_ctrl_name_valid("") && grab_ctrl_name_valid("b_1"),
	   "only normalised names are valid on the wire");
}

static struct grab_msg_control ctrl(uint32_t type, int64_t min, int64_t max,
				    int64_t step)
{
	struct grab_msg_control c = { .type = type,
				      .minimum = min,
				      .maximum = max,
				      .step = step,
				      .count = 1 };

	strcpy(c.name, "x");
	return c;
}

/* @text must read as @want. */
static void good(const struct grab_msg_control *c, const struct control_menu *m,
		 const char *text, int64_t want)
{
	char why[128] = "";
	int64_t v = -12345;
	int r = control_parse_value(c, m, text, &v, why, sizeof(why));

	ok(r == 0 && v == want, "%s: '%s' is %lld (got %d, %lld: %s)",
	   control_type_name(c->type), text, (long long)want, r, (long long)v,
	   why);
}

/* @text must be refused with @err and @msg in the reason. */
static void bad(const struct grab_msg_control *c, const struct control_menu *m,
		const char *text, int err, const char *msg)
{
	char why[128] = "";
	int64_t v = 0;
	int r = control_parse_value(c, m, text, &v, why, sizeof(why));

	ok(r == -err && strstr(why, msg), "%s: '%s' refused: \"%s\"",
	   control_type_name(c->type), text, why);
	if (r != -err || !strstr(why, msg))
		diag("got %d, want -%d and \"%s\"", r, err, msg);
}

static void test_values(void)
{
	struct grab_msg_control c;
	struct control_menu m = { 0 };

	c = ctrl(GRAB_CTRL_INTEGER, 0, 255, 1);
	good(&c, NULL, "0", 0);
	good(&c, NULL, "255", 255);
	good(&c, NULL, "0x80", 128);
	bad(&c, NULL, "256", EINVAL, "out of range 0..255");
	bad(&c, NULL, "-1", EINVAL, "out of range 0..255");
	bad(&c, NULL, "ten", EINVAL, "not a number");
	bad(&c, NULL, "10 ", EINVAL, "not a number");
	bad(&c, NULL, "0x", EINVAL, "not a number");
	bad(&c, NULL, "99999999999999999999", EINVAL, "not a number");
	c = ctrl(GRAB_CTRL_INTEGER, -10, 10, 5);
	good(&c, NULL, "-5", -5);
	bad(&c, NULL, "3", EINVAL, "not on a step: -10..10 in steps of 5");
	c = ctrl(GRAB_CTRL_INTEGER64, -(1ll << 40), 1ll << 40, 1);
	good(&c, NULL, "1099511627776", 1ll << 40);
	bad(&c, NULL, "1099511627777", EINVAL,
	    "out of range -1099511627776..1099511627776");

	c = ctrl(GRAB_CTRL_BOOLEAN, 0, 1, 1);
	good(&c, NULL, "true", 1);
	good(&c, NULL, "On", 1);
	good(&c, NULL, "yes", 1);
	good(&c, NULL, "1", 1);
	good(&c, NULL, "false", 0);
	good(&c, NULL, "OFF", 0);
	good(&c, NULL, "no", 0);
	good(&c, NULL, "0", 0);
	bad(&c, NULL, "2", EINVAL, "not a boolean");
	bad(&c, NULL, "maybe", EINVAL, "not a boolean");

	/* vivid's "Menu": items 1, 3, 4 (0, 2 and 5 skipped). */
	m.n = 3;
	m.index[0] = 1;
	strcpy(m.name[0], "menu_item_1");
	m.index[1] = 3;
	strcpy(m.name[1], "menu_item_3");
	m.index[2] = 4;
	strcpy(m.name[2], "menu_item_4");
	c = ctrl(GRAB_CTRL_MENU, 1, 4, 1);
	good(&c, &m, "3", 3);
	good(&c, &m, "menu_item_4", 4);
	good(&c, &m, "Menu Item 4", 4);
	bad(&c, &m, "2", EINVAL,
	    "not an item of the menu (menu_item_1, menu_item_3, menu_item_4)");
	bad(&c, &m, "menu_item_2", EINVAL, "not an item of the menu");
	bad(&c, &m, "", EINVAL, "not an item of the menu");
	/* An integer menu: items named by their values. */
	{
		struct control_menu im = { .n = 2 };

		im.index[0] = 0;
		strcpy(im.name[0], "1000000");
		im.index[1] = 1;
		strcpy(im.name[1], "2500000");
		c = ctrl(GRAB_CTRL_INTEGER_MENU, 0, 1, 1);
		good(&c, &im, "1", 1);
		good(&c, &im, "2500000", 1);
		bad(&c, &im, "2", EINVAL,
		    "not an item of the menu (1000000, 2500000)");
	}
	{
		char text[GRAB_CTRL_MENU_MAX];

		control_menu_text(&m, text, sizeof(text));
		ok(!strcmp(text, "1=menu_item_1,3=menu_item_3,4=menu_item_4"),
		   "a menu's text for CONTROL: %s", text);
		control_menu_text(&m, text, 30);
		ok(!strcmp(text, "1=menu_item_1,...") && strlen(text) < 30,
		   "a menu's text cut to fit says so: %s", text);
	}

	c = ctrl(GRAB_CTRL_BITMASK, 0, 0x0f, 0);
	good(&c, NULL, "0x5", 5);
	bad(&c, NULL, "0x10", EINVAL, "not within the bitmask 0xf");
	c = ctrl(GRAB_CTRL_BUTTON, 0, 0, 0);
	good(&c, NULL, "1", 1);
	c = ctrl(GRAB_CTRL_STRING, 0, 0, 0);
	bad(&c, NULL, "text", EOPNOTSUPP, "a string control");
	c = ctrl(GRAB_CTRL_INTEGER, 0, 255, 1);
	c.flags = GRAB_CTRL_FLAG_READ_ONLY;
	bad(&c, NULL, "1", EACCES, "read only");
}

static void test_settings(void)
{
	static struct control_settings a, b;
	char why[128];
	int i, r = 0;

	ok(control_settings_put(&a, "Brightness", "10", why, sizeof(why)) ==
			   0 &&
		   control_settings_put(&a, "contrast", "5", why,
					sizeof(why)) == 0 &&
		   control_settings_put(&a, "BRIGHTNESS", "11", why,
					sizeof(why)) == 0 &&
		   a.n == 2 && !strcmp(a.v[0].value, "11"),
	   "a control set twice keeps its place and the later value");
	ok(control_settings_put(&a, "x", "bell\a", why, sizeof(why)) == -1 &&
		   strstr(why, "control character"),
	   "a value with a control character is refused: %s", why);
	ok(control_settings_put(&a, "x",
				"0123456789012345678901234567890123456789"
				"012345678901234567890123",
				why, sizeof(why)) == -1 &&
		   strstr(why, "1 to 63 characters"),
	   "a value of 64 characters is refused: %s", why);
	for (i = 0; i < CONTROL_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		r |= control_settings_put(&b, name, "1", why, sizeof(why));
	}
	ok(r == 0 &&
		   control_settings_put(&b, "one_more", "1", why,
					sizeof(why)) == -1 &&
		   strstr(why, "more than 32"),
	   "at most %d controls: %s", CONTROL_MAX, why);
	ok(!control_settings_equal(&a, &b) && control_settings_equal(&b, &b),
	   "settings compare by name and value");
}

/* CONTROL and SET_CONTROL are validated like every message. */
static void test_messages(void)
{
	struct grab_msg m, out;
	const char *why;

	grab_msg_init(&m, GRAB_MSG_SET_CONTROL);
	strcpy(m.u.set_control.stream, "camera");
	strcpy(m.u.set_control.name, "brightness");
	strcpy(m.u.set_control.value, "10");
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == 0,
	   "a SET_CONTROL is accepted");
	strcpy(m.u.set_control.name, "Brightness");
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "control name"),
	   "SET_CONTROL with a name not normalised: %s", why);
	strcpy(m.u.set_control.name, "brightness");
	m.u.set_control.value[0] = 0;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "control value"),
	   "SET_CONTROL with an empty value: %s", why);
	memset(m.u.set_control.value, 'x', sizeof(m.u.set_control.value));
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG,
	   "SET_CONTROL with a value not terminated: %s", why);
	memset(m.u.set_control.value, 0, sizeof(m.u.set_control.value));
	strcpy(m.u.set_control.value, "1");
	m.u.set_control.flags = 1;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "flags"),
	   "SET_CONTROL with flags: %s", why);

	grab_msg_init(&m, GRAB_MSG_CONTROL);
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == 0,
	   "an empty CONTROL (count 0: no controls) is accepted");
	m.u.control.value = 1;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG,
	   "an empty CONTROL with a field set: %s", why);
	m.u.control = ctrl(GRAB_CTRL_INTEGER, 0, 255, 1);
	strcpy(m.u.control.name, "brightness");
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == 0,
	   "a CONTROL is accepted");
	m.u.control.index = 1;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "index"),
	   "CONTROL index past its count: %s", why);
	m.u.control.index = 0;
	m.u.control.type = 10;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "type"),
	   "CONTROL of an unknown type: %s", why);
	m.u.control.type = GRAB_CTRL_INTEGER;
	m.u.control.minimum = 300;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "minimum"),
	   "CONTROL with minimum above maximum: %s", why);
	m.u.control.minimum = 0;
	m.u.control.flags = 0x10;
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "flags"),
	   "CONTROL with unknown flags: %s", why);
	m.u.control.flags = 0;
	m.u.control.label[0] = '\n';
	ok(grab_msg_decode(&m, sizeof(m), &out, &why) == -EBADMSG &&
		   strstr(why, "label"),
	   "CONTROL with a label not printable: %s", why);
}

int main(void)
{
	test_names();
	test_values();
	test_settings();
	test_messages();
	return done_testing();
}
