/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grab.ko internals shared by the core's source files.  Drivers see only
 * grab-core.h.
 *
 * Lifetimes: a struct grab_dev lives as long as its class device (open files
 * hold a reference).  Open files (and every mapping, through vma->vm_file)
 * pin grab.ko; grab_device_unregister() may run while files are open: it
 * stops the hardware for good (gd->hw becomes NULL) and unmaps the ring
 * from the parent device, and the files see a device that never streams
 * again.  A struct grab_ring is reference counted on its own: the device
 * holds one reference and every mapping holds one, so a ring replaced by a
 * format change is freed only when nothing uses it.
 *
 * Locking, in this order:
 * - gd->stream_lock (mutex) serialises every state change: stream on/off,
 *   format change, produce, unregister.  It is held across the hw_ops
 *   callbacks, which may sleep.
 * - gd->lock (mutex) protects the ring pointer and format for the paths
 *   that only look (mmap, INFO, sysfs); changing them takes both.
 * - gd->irqlock (spinlock, irqsave) protects what the publish path touches:
 *   the frame counters, the frame in flight, the slot descriptors and
 *   head of the current ring, and the ring pointer as publish sees it.
 *   It is the only lock on that path, so drivers publish from hard IRQ.
 * None is ever held while touching user memory: mmap() runs under
 * mmap_lock and takes gd->lock, so copy_to_user() under gd->lock could
 * deadlock against munmap().
 */
#ifndef GRAB_DRV_H
#define GRAB_DRV_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "grab-core.h"
#include "grab-format.h"

#define GRAB_MAX_DEVICES 16
#define GRAB_MIN_FPS 1
#define GRAB_MAX_FPS 240
/* Largest ring one device may allocate (frames * slots + header). */
#define GRAB_MAX_RING_BYTES (128ULL << 20)
/* Most frames one write to debugfs grab/grabN/produce may publish. */
#define GRAB_MAX_PRODUCE 1024
/* Most events one read() returns. */
#define GRAB_READ_BATCH 16

/**
 * struct grab_ring - one capture ring: header pages, descriptors, slots
 * @ref:         references: the device's current ring pointer, each mapping
 * @dma_dev:     device the slot pages are DMA-mapped for (a reference)
 * @pages:       every page of the ring, order 0, zeroed at allocation
 * @npages:      number of entries in @pages
 * @vaddr:       vmap() of @pages, the producer's view
 * @hdr:         the header at @vaddr
 * @desc:        the slot descriptors inside the header pages
 * @slot_sgt:    per slot, a scatter list of its pages, mapped
 *               DMA_FROM_DEVICE for @dma_dev while @dma_mapped
 * @dma_mapped:  the slot scatter lists are mapped (until unregister)
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
	struct sg_table *slot_sgt;
	bool dma_mapped;
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
 * @parent:       the hardware's device, which the ring is DMA-mapped for
 * @hw:           the driver's operations; NULL once unregistered
 * @priv:         the driver's data (grab_device_priv())
 * @index:        N
 * @fps_num:      frame rate reported to user space, numerator
 * @fps_den:      and denominator
 * @debugfs:      debugfs directory grab/grabN
 * @stream_lock:  serialises state changes and the hw_ops, before @lock
 * @lock:         protects @ring and @format_gen for those who only look
 * @irqlock:      protects the publish path (see above), after @lock
 * @ring:         the current ring (a reference)
 * @format_gen:   generation of the current format, copied into the ring
 * @streaming:    the hardware was started and not stopped
 * @active:       a frame was begun and is not yet published or aborted
 * @first:        number of the first frame of the current ring
 * @sequence:     frames published since registration; the next frame's number
 * @dropped:      frames the hardware could not capture in time
 * @wait:         readers and pollers waiting for a frame
 * @open_files:   open files of the device
 */
struct grab_dev {
	struct device dev;
	struct cdev cdev;
	struct device *parent;
	const struct grab_hw_ops *hw;
	void *priv;
	unsigned int index;
	u32 fps_num;
	u32 fps_den;
	struct dentry *debugfs;
	struct mutex stream_lock; /* state changes, the hw_ops */
	struct mutex lock; /* @ring for those who only look */
	spinlock_t irqlock; /* the publish path */
	struct grab_ring *ring;
	u32 format_gen;
	bool streaming;
	bool active;
	u64 first;
	u64 sequence;
	u64 dropped;
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
	struct mutex read_lock; /* one read() at a time */
	u64 next;
};

static inline struct grab_dev *to_grab_dev(struct device *dev)
{
	return container_of(dev, struct grab_dev, dev);
}

/* grab-ring.c */
struct grab_ring *grab_ring_alloc(struct device *dma_dev,
				  const struct grab_format *fmt, u32 nslots,
				  u32 fps_num, u32 fps_den, u64 first);
void grab_ring_get(struct grab_ring *ring);
void grab_ring_put(struct grab_ring *ring);
void grab_ring_dma_unmap(struct grab_ring *ring);

/* grab-core.c */
int grab_core_init(void);
void grab_core_exit(void);
int grab_core_stream_on(struct grab_dev *gd);
void grab_core_stream_off(struct grab_dev *gd);
int grab_core_try_format(struct grab_dev *gd, struct grab_format *fmt);
int grab_core_set_format(struct grab_dev *gd, const struct grab_format *fmt);
int grab_core_produce(struct grab_dev *gd, u32 count);

/* grab-debugfs.c */
void grab_debugfs_init(void);
void grab_debugfs_exit(void);
void grab_debugfs_add(struct grab_dev *gd);
void grab_debugfs_remove(struct grab_dev *gd);

/* grab-mmap.c */
int grab_mmap(struct file *file, struct vm_area_struct *vma);

/* grab-fops.c */
extern const struct file_operations grab_fops;

/* grab-sysfs.c */
extern const struct attribute_group *grab_groups[];

/* grab-sim.c: the simulated capture hardware */
struct grab_sim;
struct grab_sim *grab_sim_add(struct device *parent,
			      const struct grab_dev_config *cfg);
void grab_sim_remove(struct grab_sim *sim);

#endif /* GRAB_DRV_H */
