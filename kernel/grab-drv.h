/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grab.ko internals shared by its source files.
 *
 * Lifetimes: a struct grab_dev lives as long as its class device (open files
 * hold a reference); the platform driver cannot be unbound by hand, and open
 * files (and every mapping, through vma->vm_file) pin the module, so the
 * device outlives every file.  A struct grab_ring is reference counted on
 * its own: the device holds one reference and every mapping holds one, so
 * a ring replaced by a format change is freed only when nothing uses it.
 *
 * Locking: gd->stream_lock serialises stream on/off (it is held across
 * cancel_delayed_work_sync(), which the capture work must not wait on), then
 * gd->lock protects the format, the ring pointer, the frame counters and
 * every write to the ring.  Neither is ever held while touching user memory:
 * mmap() runs under mmap_lock and takes gd->lock, so copy_to_user() under
 * gd->lock could deadlock against munmap().
 */
#ifndef GRAB_DRV_H
#define GRAB_DRV_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "grab-format.h"

#define GRAB_MAX_DEVICES	16
#define GRAB_MIN_FPS		1
#define GRAB_MAX_FPS		240
/* Largest ring one device may allocate (frames * slots + header). */
#define GRAB_MAX_RING_BYTES	(128ULL << 20)
/* Most frames one GRAB_IOC_PRODUCE call may publish. */
#define GRAB_MAX_PRODUCE	1024
/* Most events one read() returns. */
#define GRAB_READ_BATCH		16

/**
 * struct grab_ring - one capture ring: header pages, descriptors, slots
 * @ref:         references: the device's current ring pointer, each mapping
 * @dma_dev:     device the slot pages are DMA-mapped for (a reference)
 * @pages:       every page of the ring, order 0, zeroed at allocation
 * @npages:      number of entries in @pages
 * @vaddr:       vmap() of @pages, the producer's view
 * @hdr:         the header at @vaddr
 * @desc:        the slot descriptors inside the header pages
 * @sgt:         scatter list of the slot pages, mapped DMA_FROM_DEVICE
 * @format:      geometry of every frame
 * @nslots:      slots in the ring
 * @slot_stride: bytes from one slot to the next
 * @data_offset: offset of slot 0
 * @size:        bytes of the ring (@npages pages)
 * @first:       device frame number the ring started at; earlier frames
 *               were published into a ring that no longer exists
 * @mappings:    live mappings (vmas) of this ring
 */
struct grab_ring {
	struct kref ref;
	struct device *dma_dev;
	struct page **pages;
	unsigned int npages;
	void *vaddr;
	struct grab_ring_header *hdr;
	struct grab_slot_desc *desc;
	struct sg_table sgt;
	struct grab_format format;
	u32 nslots;
	u32 slot_stride;
	u32 data_offset;
	u64 size;
	u64 first;
	atomic_t mappings;
};

/**
 * struct grab_dev - one /dev/grabN
 * @dev:          the class device (sysfs attributes, /dev node)
 * @cdev:         the character device
 * @pdev:         the platform device the ring is DMA-mapped for
 * @index:        N
 * @stream_lock:  serialises stream on/off, taken before @lock
 * @lock:         protects everything below and every write to @ring
 * @ring:         the current ring (a reference)
 * @format_gen:   generation of the current format, copied into the ring
 * @fps:          frames per second while streaming
 * @streaming:    the capture engine is running
 * @sequence:     frames published since load; the next frame's number
 * @dropped:      frames the engine could not capture in time
 * @start_ns:     CLOCK_MONOTONIC time streaming started
 * @ticks:        frame intervals consumed since @start_ns
 * @work:         the capture engine
 * @wait:         readers and pollers waiting for a frame
 * @open_files:   open files of the device
 */
struct grab_dev {
	struct device dev;
	struct cdev cdev;
	struct platform_device *pdev;
	unsigned int index;
	struct mutex stream_lock;
	struct mutex lock;
	struct grab_ring *ring;
	u32 format_gen;
	u32 fps;
	bool streaming;
	u64 sequence;
	u64 dropped;
	u64 start_ns;
	u64 ticks;
	struct delayed_work work;
	wait_queue_head_t wait;
	atomic_t open_files;
};

/**
 * struct grab_file - one open file of a device
 * @gd:        the device (a reference on gd->dev)
 * @read_lock: serialises read() on this file, held across copy_to_user()
 * @next:      number of the next frame read() reports
 */
struct grab_file {
	struct grab_dev *gd;
	struct mutex read_lock;
	u64 next;
};

static inline struct grab_dev *to_grab_dev(struct device *dev)
{
	return container_of(dev, struct grab_dev, dev);
}

/* grab-ring.c */
struct grab_ring *grab_ring_alloc(struct device *dma_dev,
				  const struct grab_format *fmt, u32 nslots,
				  u32 fps, u64 first);
void grab_ring_get(struct grab_ring *ring);
void grab_ring_put(struct grab_ring *ring);

/* grab-engine.c */
void grab_engine_init(struct grab_dev *gd);
void grab_engine_capture(struct grab_dev *gd);
int grab_engine_start(struct grab_dev *gd);
void grab_engine_stop(struct grab_dev *gd);

/* grab-mmap.c */
int grab_mmap(struct file *file, struct vm_area_struct *vma);

/* grab-fops.c */
extern const struct file_operations grab_fops;

/* grab-sysfs.c */
extern const struct attribute_group *grab_groups[];

#endif /* GRAB_DRV_H */
