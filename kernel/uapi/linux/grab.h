/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * grab: the one user/kernel ABI.
 *
 * Every producer (grab.ko, grabberd's V4L2 source, grabberd's test source)
 * lays its capture ring out exactly as described here, so a reader needs no
 * code per source.  The ring is:
 *
 *   offset 0                 struct grab_ring_header
 *   header.desc_offset       header.nslots x struct grab_slot_desc
 *   header.data_offset       slot 0 (page aligned)
 *   + k * header.slot_stride slot k (each slot starts on a page boundary)
 *
 * Writing frame n (producer): slot = n % nslots; make desc.seq odd; write
 * pixels and descriptor; store-release desc.seq even; store-release head =
 * n + 1.  Reading (client): acquire head; acquire desc.seq (odd: being
 * written); read; acquire fence; re-read desc.seq and desc.sequence: if
 * either changed, the frame was overwritten while being read.
 *
 * Permissions of /dev/grabN: the file's access mode decides what it may
 * do.  Any open (O_RDONLY included) may mmap the ring (read-only, shared),
 * read() event records, poll(), and query (GRAB_IOC_INFO, GRAB_IOC_STATS).
 * Changing the device's state for everyone (GRAB_IOC_STREAMON,
 * GRAB_IOC_STREAMOFF, GRAB_IOC_S_FMT) needs a file opened for writing
 * (O_WRONLY or O_RDWR); through any other it fails with EPERM.  A daemon
 * that shares a device keeps the writable open to itself and hands its
 * clients O_RDONLY opens.  Closing the last open file of a device stops it.
 *
 * Only fixed-width types, explicit padding, reserved fields that must be
 * zero, and a static assertion on every size.
 */
#ifndef _UAPI_LINUX_GRAB_H
#define _UAPI_LINUX_GRAB_H

#include <linux/types.h>
#include <linux/ioctl.h>

#if defined(__cplusplus)
#define GRAB_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define GRAB_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#else
/* C99 has no static assertion; GCC and clang accept C11's as an extension. */
#define GRAB_STATIC_ASSERT(expr, msg) __extension__ _Static_assert(expr, msg)
#endif

#define GRAB_OFFSETOF(type, member) __builtin_offsetof(type, member)

#define GRAB_MAGIC		0x42415247u	/* "GRAB" in little endian */
#define GRAB_ABI_VERSION	2u

/* Pixel formats: the same four-character codes as V4L2. */
#define GRAB_FOURCC(a, b, c, d) \
	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))
#define GRAB_FMT_YUYV	GRAB_FOURCC('Y', 'U', 'Y', 'V')	/* 4:2:2 packed, 16 bpp */
#define GRAB_FMT_GREY	GRAB_FOURCC('G', 'R', 'E', 'Y')	/* 8-bit luma */
#define GRAB_FMT_RGB24	GRAB_FOURCC('R', 'G', 'B', '3')	/* R, G, B bytes */
#define GRAB_FMT_BGR24	GRAB_FOURCC('B', 'G', 'R', '3')	/* B, G, R bytes */
#define GRAB_FMT_UYVY	GRAB_FOURCC('U', 'Y', 'V', 'Y')	/* 4:2:2 packed, 16 bpp */
#define GRAB_FMT_NV12	GRAB_FOURCC('N', 'V', '1', '2')	/* 4:2:0: Y plane, CbCr plane */
#define GRAB_FMT_YU12	GRAB_FOURCC('Y', 'U', '1', '2')	/* 4:2:0: Y, Cb, Cr planes (I420) */
#define GRAB_FMT_Y16	GRAB_FOURCC('Y', '1', '6', ' ')	/* 16-bit luma, little endian */
#define GRAB_FMT_SRGGB8	GRAB_FOURCC('R', 'G', 'G', 'B')	/* 8-bit Bayer RG/GB */
#define GRAB_FMT_SBGGR8	GRAB_FOURCC('B', 'A', '8', '1')	/* 8-bit Bayer BG/GR */
#define GRAB_FMT_SGRBG8	GRAB_FOURCC('G', 'R', 'B', 'G')	/* 8-bit Bayer GR/BG */
#define GRAB_FMT_SGBRG8	GRAB_FOURCC('G', 'B', 'R', 'G')	/* 8-bit Bayer GB/RG */
#define GRAB_FMT_MJPEG	GRAB_FOURCC('M', 'J', 'P', 'G')	/* JPEG per frame, variable size */

/* Geometry limits every producer and reader enforces. */
#define GRAB_MIN_WIDTH		16u
#define GRAB_MIN_HEIGHT		16u
#define GRAB_MAX_WIDTH		8192u
#define GRAB_MAX_HEIGHT		8192u
#define GRAB_MIN_SLOTS		2u
#define GRAB_MAX_SLOTS		256u

/* Most planes a raw frame has (YU12: Y, Cb, Cr). */
#define GRAB_MAX_PLANES		3

/**
 * struct grab_plane - where one plane of a raw frame is
 * @offset: bytes from the start of the frame (the slot) to the plane
 * @stride: bytes from one line of the plane to the next
 */
struct grab_plane {
	__u32 offset;
	__u32 stride;
};

/**
 * struct grab_format - geometry of every frame in a ring
 * @width:        pixels per line
 * @height:       lines per frame
 * @fourcc:       one of GRAB_FMT_*
 * @bytesperline: bytes from one line of plane 0 to the next
 * @sizeimage:    bytes of one raw frame (all planes); for a compressed
 *                format the most one frame may take (a frame's own size is
 *                its descriptor's bytesused)
 * @nplanes:      planes of a raw frame (1 packed, 2 NV12, 3 YU12); 0 for
 *                a compressed format
 * @planes:       offset and stride of each plane, as grab-format.h's table
 *                computes them; unused entries zero
 * @reserved:     zero
 */
struct grab_format {
	__u32 width;
	__u32 height;
	__u32 fourcc;
	__u32 bytesperline;
	__u32 sizeimage;
	__u32 nplanes;
	struct grab_plane planes[GRAB_MAX_PLANES];
	__u32 reserved[4];
};

GRAB_STATIC_ASSERT(sizeof(struct grab_plane) == 8, "grab_plane size");
GRAB_STATIC_ASSERT(sizeof(struct grab_format) == 64, "grab_format size");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_format, nplanes) == 20, "nplanes offset");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_format, planes) == 24, "planes offset");

/* grab_ring_header.flags */
#define GRAB_RING_STREAMING	(1u << 0)	/* the producer is running */

/**
 * struct grab_ring_header - page 0 of every ring
 * @magic:        GRAB_MAGIC
 * @abi_version:  GRAB_ABI_VERSION
 * @header_size:  sizeof(struct grab_ring_header) as the producer knew it
 * @desc_offset:  offset of the slot descriptor array
 * @desc_size:    sizeof(struct grab_slot_desc) as the producer knew it
 * @nslots:       number of slots
 * @slot_stride:  bytes from one slot to the next (a page multiple)
 * @data_offset:  offset of slot 0 (page aligned)
 * @ring_size:    bytes of the whole ring (header pages plus all slots)
 * @format:       geometry of every frame
 * @format_gen:   bumped each time @format changes
 * @flags:        GRAB_RING_*
 * @head:         frames published so far; frame n lives in slot n % nslots
 * @dropped:      frames the producer lost (could not keep its rate)
 * @fps_num:      configured frame interval is @fps_den / @fps_num seconds
 * @fps_den:      see @fps_num
 * @reserved:     zero
 */
struct grab_ring_header {
	__u32 magic;
	__u32 abi_version;
	__u32 header_size;
	__u32 desc_offset;
	__u32 desc_size;
	__u32 nslots;
	__u32 slot_stride;
	__u32 data_offset;
	__u64 ring_size;
	struct grab_format format;
	__u32 format_gen;
	__u32 flags;
	__u64 head;
	__u64 dropped;
	__u32 fps_num;
	__u32 fps_den;
	__u64 reserved[3];
};

GRAB_STATIC_ASSERT(sizeof(struct grab_ring_header) == 160, "grab_ring_header size");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_ring_header, ring_size) == 32, "ring_size offset");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_ring_header, format) == 40, "format offset");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_ring_header, format_gen) == 104, "format_gen offset");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_ring_header, head) == 112, "head offset");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_ring_header, dropped) == 120, "dropped offset");

/* grab_slot_desc.flags */
#define GRAB_SLOT_ERROR		(1u << 0)	/* the capture engine flagged the frame */

/**
 * struct grab_slot_desc - one per slot, right after the header
 * @seq:          seqlock: odd while the slot is being written
 * @flags:        GRAB_SLOT_*
 * @sequence:     frame number n of the frame in the slot (0, 1, 2, ...)
 * @timestamp_ns: CLOCK_MONOTONIC time the frame was published
 * @bytesused:    bytes of the frame in the slot: the format's sizeimage for
 *                a raw format, the frame's own size (<= sizeimage) for a
 *                compressed one
 * @format_gen:   grab_ring_header.format_gen the frame was written with
 * @reserved:     zero
 */
struct grab_slot_desc {
	__u32 seq;
	__u32 flags;
	__u64 sequence;
	__u64 timestamp_ns;
	__u32 bytesused;
	__u32 format_gen;
	__u64 reserved[4];
};

GRAB_STATIC_ASSERT(sizeof(struct grab_slot_desc) == 64, "grab_slot_desc size");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_slot_desc, sequence) == 8, "sequence offset");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_slot_desc, timestamp_ns) == 16, "timestamp offset");

/* grab_event.flags */
#define GRAB_EVENT_ERROR	(1u << 0)	/* copy of GRAB_SLOT_ERROR */

/**
 * struct grab_event - one record returned by read() on /dev/grabN
 * @sequence:     frame number
 * @timestamp_ns: CLOCK_MONOTONIC publish time
 * @missed:       frames published since the previous event of this file
 *                that this file will never see
 * @slot:         slot index holding the frame
 * @bytesused:    bytes of pixel data
 * @flags:        GRAB_EVENT_*
 * @reserved:     zero
 */
struct grab_event {
	__u64 sequence;
	__u64 timestamp_ns;
	__u64 missed;
	__u32 slot;
	__u32 bytesused;
	__u32 flags;
	__u32 reserved[7];
};

GRAB_STATIC_ASSERT(sizeof(struct grab_event) == 64, "grab_event size");

/* grab_info.flags */
#define GRAB_INFO_STREAMING	(1u << 0)
#define GRAB_INFO_MAPPED	(1u << 1)

/**
 * struct grab_info - GRAB_IOC_INFO: what a device is and how its ring looks
 * @abi_version:  GRAB_ABI_VERSION
 * @index:        N of /dev/grabN
 * @nslots:       slots in the ring
 * @slot_stride:  bytes from one slot to the next
 * @ring_size:    bytes to mmap
 * @format:       current format
 * @fps_num:      frames per second numerator
 * @fps_den:      frames per second denominator
 * @flags:        GRAB_INFO_*
 * @data_offset:  offset of slot 0
 * @reserved:     zero
 */
struct grab_info {
	__u32 abi_version;
	__u32 index;
	__u32 nslots;
	__u32 slot_stride;
	__u64 ring_size;
	struct grab_format format;
	__u32 fps_num;
	__u32 fps_den;
	__u32 flags;
	__u32 data_offset;
	__u64 reserved[4];
};

GRAB_STATIC_ASSERT(sizeof(struct grab_info) == 136, "grab_info size");
GRAB_STATIC_ASSERT(GRAB_OFFSETOF(struct grab_info, format) == 24, "grab_info format offset");

/**
 * struct grab_stats - GRAB_IOC_STATS counters
 * @frames:     frames published since load
 * @dropped:    frames the engine lost
 * @open_files: open files of the device
 * @mappings:   live mappings of the ring
 * @reserved:   zero
 */
struct grab_stats {
	__u64 frames;
	__u64 dropped;
	__u32 open_files;
	__u32 mappings;
	__u64 reserved[4];
};

GRAB_STATIC_ASSERT(sizeof(struct grab_stats) == 56, "grab_stats size");

#define GRAB_IOC_MAGIC		'G'
/* Get device and ring description. */
#define GRAB_IOC_INFO		_IOR(GRAB_IOC_MAGIC, 0x00, struct grab_info)
/*
 * Set width, height, fourcc (bytesperline, sizeimage,
 * planes are filled in).
 * -EBUSY while streaming or mapped, -EINVAL on an unsupported format;
 * nothing changes unless it returns 0.  Every open file's read() cursor
 * moves to the new ring: the frames it had not read are reported missed.
 */
#define GRAB_IOC_S_FMT		_IOWR(GRAB_IOC_MAGIC, 0x01, struct grab_format)
#define GRAB_IOC_STREAMON	_IO(GRAB_IOC_MAGIC, 0x02)
#define GRAB_IOC_STREAMOFF	_IO(GRAB_IOC_MAGIC, 0x03)
#define GRAB_IOC_STATS		_IOR(GRAB_IOC_MAGIC, 0x04, struct grab_stats)
/* 0x05 was a test hook (now debugfs grab/grabN/produce): never reuse it. */

#endif /* _UAPI_LINUX_GRAB_H */
