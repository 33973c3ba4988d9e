// SPDX-License-Identifier: MIT
/* The ABI's sizes and offsets: a change here breaks every existing client. */
#include <stddef.h>

#include <linux/grab.h>
#include "../lib/tap.h"

#define SIZE(type, n) \
	ok(sizeof(struct type) == (n), "sizeof(struct " #type ") == %d", (n))
#define OFF(type, field, n)                     \
	ok(offsetof(struct type, field) == (n), \
	   #type "." #field " at offset %d", (n))

int main(void)
{
	SIZE(grab_plane, 8);
	SIZE(grab_format, 64);
	SIZE(grab_ring_header, 160);
	SIZE(grab_slot_desc, 64);
	SIZE(grab_event, 64);
	SIZE(grab_info, 136);
	SIZE(grab_stats, 56);
	OFF(grab_ring_header, nslots, 20);
	OFF(grab_ring_header, slot_stride, 24);
	OFF(grab_ring_header, data_offset, 28);
	OFF(grab_ring_header, ring_size, 32);
	OFF(grab_ring_header, format, 40);
	OFF(grab_ring_header, format_gen, 104);
	OFF(grab_ring_header, head, 112);
	OFF(grab_ring_header, dropped, 120);
	OFF(grab_format, sizeimage, 16);
	OFF(grab_format, nplanes, 20);
	OFF(grab_format, planes, 24);
	OFF(grab_format, reserved, 48);
	OFF(grab_slot_desc, seq, 0);
	OFF(grab_slot_desc, sequence, 8);
	OFF(grab_slot_desc, timestamp_ns, 16);
	OFF(grab_slot_desc, bytesused, 24);
	OFF(grab_event, missed, 16);
	OFF(grab_event, slot, 24);
	OFF(grab_info, ring_size, 16);
	OFF(grab_info, format, 24);
	ok(GRAB_MAGIC == 0x42415247u && GRAB_ABI_VERSION == 2,
	   "magic and version (2: plane layout)");
	ok(GRAB_FMT_YUYV == 0x56595559u, "YUYV fourcc matches V4L2's");
	ok(GRAB_IOC_INFO == 0x80884700u,
	   "GRAB_IOC_INFO number (136-byte grab_info)");
	ok(GRAB_IOC_STATS == 0x80384704u, "GRAB_IOC_STATS number is stable");
	return done_testing();
}
