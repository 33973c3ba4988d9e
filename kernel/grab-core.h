/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grab.ko's core, as a capture driver sees it.
 *
 * The core owns everything user space touches: /dev/grabN, the ring and its
 * mapping, read() and poll(), the ioctls, sysfs and debugfs.  A driver owns
 * the hardware: it registers one device per capture channel with a struct
 * grab_hw_ops, and for each frame asks the core for a slot
 * (grab_frame_begin()), lets the hardware write it, and publishes it
 * (grab_frame_publish()), typically from its interrupt handler.  The core
 * never names a driver; the simulator (grab-sim.c) is one such driver.
 *
 * Contexts and locks (DESIGN.md, "Writing a driver on the grab core"):
 * - every hw_ops callback runs in process context and may sleep; they are
 *   serialised with each other and with format changes by the core (the
 *   device's stream lock is held), and no core spinlock is held;
 * - grab_frame_begin(), grab_frame_publish(), grab_frame_abort() and
 *   grab_device_add_dropped() take only a spinlock with interrupts saved:
 *   call them from any context, hard interrupt included;
 * - a driver may begin and publish frames only between a successful
 *   ->start() and the return of ->stop(), or inside ->produce(); ->stop()
 *   returns only when nothing of the driver will call them any more.
 */
#ifndef GRAB_CORE_H
#define GRAB_CORE_H

#include <linux/device.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "uapi/linux/grab.h"

struct grab_dev;
struct grab_ring;

/**
 * struct grab_hw_ops - what a capture device does for the core
 * @start:      start capturing: from now on the device begins and
 *              publishes frames at its own pace.  Return 0 or -errno.
 * @stop:       stop capturing; on return no frame is in flight (an
 *              unfinished one was aborted) and no interrupt or timer of
 *              the device will begin or publish one.
 * @try_format: optional: 0 if the device can capture @fmt (already
 *              completed: bytesperline and sizeimage filled in), else
 *              -EINVAL.  Without it every format the ring can hold goes.
 * @produce:    optional test hook: capture @count frames now, synchronously,
 *              while not streaming (debugfs grab/grabN/produce).  Real
 *              hardware leaves it NULL and the core refuses the request.
 *              Return 0, or -EINTR when a fatal signal cut it short.
 */
struct grab_hw_ops {
	int (*start)(struct grab_dev *gd);
	void (*stop)(struct grab_dev *gd);
	int (*try_format)(struct grab_dev *gd, const struct grab_format *fmt);
	int (*produce)(struct grab_dev *gd, u32 count);
};

/**
 * struct grab_dev_config - a new device's initial geometry and rate
 * @format: initial format; width, height, fourcc (the rest is computed)
 * @nslots: slots in the ring, GRAB_MIN_SLOTS..GRAB_MAX_SLOTS
 * @fps_num: frame rate reported to user space is @fps_num / @fps_den
 * @fps_den: see @fps_num
 */
struct grab_dev_config {
	struct grab_format format;
	u32 nslots;
	u32 fps_num;
	u32 fps_den;
};

/* grab_frame_begin() flags */
#define GRAB_FRAME_CPU BIT(0) /* the CPU writes the slot: no DMA syncs */

/**
 * struct grab_buffer - one slot lent to the hardware for one frame
 * @sequence: number of the frame the slot will hold
 * @slot:     slot index
 * @vaddr:    the slot in kernel virtual memory (contiguous, @size bytes)
 * @sgt:      the slot's pages, DMA-mapped DMA_FROM_DEVICE for the parent
 *            device given to grab_device_register(): program the device
 *            with sg_dma_address()/sg_dma_len() of its DMA segments
 * @size:     bytes the slot holds (at least @format.sizeimage)
 * @format:   geometry of the frame to write
 * @flags:    the GRAB_FRAME_* flags it was begun with
 * @ring:     core private
 */
struct grab_buffer {
	u64 sequence;
	u32 slot;
	void *vaddr;
	struct sg_table *sgt;
	u32 size;
	struct grab_format format;
	unsigned int flags;
	struct grab_ring *ring;
};

struct grab_dev *grab_device_register(struct device *parent,
				      const struct grab_hw_ops *ops, void *priv,
				      const struct grab_dev_config *cfg);
void grab_device_unregister(struct grab_dev *gd);
void *grab_device_priv(const struct grab_dev *gd);
struct device *grab_device_dev(struct grab_dev *gd);

int grab_frame_begin(struct grab_dev *gd, struct grab_buffer *buf,
		     unsigned int flags);
void grab_frame_publish(struct grab_dev *gd, const struct grab_buffer *buf,
			u32 bytesused, u32 flags, u64 timestamp_ns);
void grab_frame_abort(struct grab_dev *gd, const struct grab_buffer *buf);
void grab_device_add_dropped(struct grab_dev *gd, u64 count);

#endif /* GRAB_CORE_H */
