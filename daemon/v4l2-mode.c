// SPDX-License-Identifier: MIT
/*
 * Choosing a camera mode for format = auto: the rules are in v4l2-mode.h.
 * Each mode gets a key, compared field by field; the smallest key wins.
 */
#include <stdbool.h>
#include <stdio.h>

#include "grab-format.h"
#include "v4l2-mode.h"

struct mode_key {
	uint64_t size_off; /* 0: the size asked */
	bool smaller; /* fewer pixels than asked (loses a tie) */
	bool slow; /* does not reach the rate */
	bool compressed;
	double fps_minus; /* minus the rate, so faster sorts first */
	unsigned int table_pos;
};

static unsigned int table_pos(uint32_t fourcc)
{
	unsigned int i, n;
	const struct grab_format_info *t = grab_format_table(&n);

	for (i = 0; i < n; i++)
		if (t[i].fourcc == fourcc)
			return i;
	return n;
}

static bool reaches(const struct v4l2_mode *m, uint32_t fps_num,
		    uint32_t fps_den)
{
	if (!m->fps_num || !m->fps_den)
		return true;
	/* m->fps_num / m->fps_den >= fps_num / fps_den */
	return (uint64_t)m->fps_num * fps_den >= (uint64_t)fps_num * m->fps_den;
}

static struct mode_key key_of(const struct v4l2_mode *m, uint32_t width,
			      uint32_t height, uint32_t fps_num,
			      uint32_t fps_den)
{
	uint64_t have = (uint64_t)m->width * m->height;
	uint64_t want = (uint64_t)width * height;
	const struct grab_format_info *fi = grab_format_info(m->fourcc);
	struct mode_key k;

	k.size_off = m->width == width && m->height == height ? 0 :
		     have > want ? have - want + 1 :
				   want - have + 1;
	k.smaller = have < want;
	k.slow = !reaches(m, fps_num, fps_den);
	k.compressed = fi && !fi->nplanes;
	k.fps_minus = m->fps_den ? -(double)m->fps_num / m->fps_den : 0.0;
	k.table_pos = table_pos(m->fourcc);
	return k;
}

/* a before b? */
static bool better(const struct mode_key *a, const struct mode_key *b)
{
	if (a->size_off != b->size_off)
		return a->size_off < b->size_off;
	if (a->smaller != b->smaller)
		return !a->smaller;
	if (a->slow != b->slow)
		return !a->slow;
	if (a->slow && a->fps_minus != b->fps_minus)
		return a->fps_minus < b->fps_minus;
	if (a->compressed != b->compressed)
		return !a->compressed;
	return a->table_pos < b->table_pos;
}

int v4l2_mode_choose(const struct v4l2_mode *modes, size_t n, uint32_t width,
		     uint32_t height, uint32_t fps_num, uint32_t fps_den,
		     char *why, size_t whylen)
{
	struct mode_key best = { 0 }, k;
	const struct v4l2_mode *m;
	size_t i;
	int pick = -1;

	for (i = 0; i < n; i++) {
		k = key_of(&modes[i], width, height, fps_num, fps_den);
		if (pick < 0 || better(&k, &best)) {
			best = k;
			pick = (int)i;
		}
	}
	if (pick < 0 || !why)
		return pick;
	m = &modes[pick];
	snprintf(why, whylen, "%s %ux%u%s: %s", grab_format_name(m->fourcc),
		 m->width, m->height,
		 best.size_off ? " (the nearest size offered)" : "",
		 best.slow	 ? "no mode reaches the rate, the fastest" :
		 best.compressed ? "no raw format reaches the rate" :
				   "a raw format that reaches the rate");
	return pick;
}
