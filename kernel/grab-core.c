// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: the core.  Devices register here with their hardware operations
 * and get a /dev/grabN; streaming, format changes and the produce test hook
 * go through here to the hardware; frames come back through
 * grab_frame_begin() and grab_frame_publish().
 *
 * Publishing follows the seqlock protocol of grab.h, mirrored by
 * common/grab-ring.c: the slot's seq goes odd before any pixel changes
 * (grab_frame_begin()), the device writes the pixels, then the descriptor
 * is written, seq goes even and head moves, both with release semantics
 * (grab_frame_publish()), so a reader that acquires head and seq sees the
 * whole frame.  Frame n is always the n-th frame published, in slot
 * n % nslots: frames the hardware dropped do not consume numbers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "grab-drv.h"

static dev_t grab_devt;
static DEFINE_IDA(grab_ida);

static struct class grab_class = {
	.name = "grab",
	.dev_groups = grab_groups,
};

static void grab_dev_release(struct device *dev)
{
	struct grab_dev *gd = to_grab_dev(dev);

	grab_ring_put(gd->ring);
	mutex_destroy(&gd->lock);
	mutex_destroy(&gd->stream_lock);
	ida_free(&grab_ida, gd->index);
	kfree(gd);
}

/**
 * grab_device_register() - create a /dev/grabN for a capture device
 * @parent: the hardware's device: the ring is DMA-mapped for it, and it is
 *          the class device's parent in sysfs
 * @ops:    the hardware operations; @ops->start and @ops->stop are required
 * @priv:   the driver's data, returned by grab_device_priv()
 * @cfg:    initial format, slots and frame rate
 *
 * Process context.  N is the lowest free index.
 *
 * Return: the device, or an ERR_PTR(): -EINVAL for a bad configuration,
 * -ENOSPC when all GRAB_MAX_DEVICES exist, -ENOMEM.
 */
struct grab_dev *grab_device_register(struct device *parent,
				      const struct grab_hw_ops *ops, void *priv,
				      const struct grab_dev_config *cfg)
{
	struct grab_format fmt = cfg->format;
	struct grab_ring *ring;
	struct grab_dev *gd;
	int index, ret;

	if (!ops || !ops->start || !ops->stop || !cfg->fps_num ||
	    !cfg->fps_den || cfg->nslots < GRAB_MIN_SLOTS ||
	    cfg->nslots > GRAB_MAX_SLOTS || grab_format_complete(&fmt))
		return ERR_PTR(-EINVAL);

	index = ida_alloc_max(&grab_ida, GRAB_MAX_DEVICES - 1, GFP_KERNEL);
	if (index < 0)
		return ERR_PTR(index);
	gd = kzalloc(sizeof(*gd), GFP_KERNEL);
	if (!gd) {
		ida_free(&grab_ida, index);
		return ERR_PTR(-ENOMEM);
	}
	gd->parent = parent;
	gd->hw = ops;
	gd->priv = priv;
	gd->index = index;
	gd->fps_num = cfg->fps_num;
	gd->fps_den = cfg->fps_den;
	mutex_init(&gd->stream_lock);
	mutex_init(&gd->lock);
	spin_lock_init(&gd->irqlock);
	init_waitqueue_head(&gd->wait);
	atomic_set(&gd->open_files, 0);

	ring = grab_ring_alloc(parent, &fmt, cfg->nslots, cfg->fps_num,
			       cfg->fps_den, 0);
	if (IS_ERR(ring)) {
		mutex_destroy(&gd->lock);
		mutex_destroy(&gd->stream_lock);
		kfree(gd);
		ida_free(&grab_ida, index);
		return ERR_CAST(ring);
	}
	ring->hdr->format_gen = ++gd->format_gen;
	gd->ring = ring;

	/* From here on gd belongs to its device: put_device() frees it. */
	device_initialize(&gd->dev);
	gd->dev.class = &grab_class;
	gd->dev.parent = parent;
	gd->dev.devt = MKDEV(MAJOR(grab_devt), index);
	gd->dev.release = grab_dev_release;
	ret = dev_set_name(&gd->dev, "grab%d", index);
	if (ret)
		goto err_put;
	cdev_init(&gd->cdev, &grab_fops);
	gd->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&gd->cdev, &gd->dev);
	if (ret)
		goto err_put;
	grab_debugfs_add(gd);
	dev_info(&gd->dev, "%ux%u %s, %u slots, %u/%u fps, ring %llu bytes\n",
		 ring->format.width, ring->format.height,
		 grab_format_name(ring->format.fourcc), ring->nslots,
		 gd->fps_num, gd->fps_den, ring->size);
	return gd;

err_put:
	put_device(&gd->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(grab_device_register);

/**
 * grab_device_unregister() - remove a device; its driver may go away after
 * @gd: the device
 *
 * Process context.  Stops the hardware if it streams; on return the core
 * calls none of its operations again and the ring is no longer mapped for
 * the parent device.  Open files and mappings stay valid: they keep the
 * frames already published, and the device never streams again.
 */
void grab_device_unregister(struct grab_dev *gd)
{
	cdev_device_del(&gd->cdev, &gd->dev);
	grab_debugfs_remove(gd);
	mutex_lock(&gd->stream_lock);
	if (gd->streaming)
		gd->hw->stop(gd);
	mutex_lock(&gd->lock);
	WRITE_ONCE(gd->streaming, false);
	WRITE_ONCE(gd->ring->hdr->flags,
		   gd->ring->hdr->flags & ~GRAB_RING_STREAMING);
	gd->hw = NULL;
	gd->priv = NULL;
	grab_ring_dma_unmap(gd->ring);
	mutex_unlock(&gd->lock);
	mutex_unlock(&gd->stream_lock);
	put_device(&gd->dev);
}
EXPORT_SYMBOL_GPL(grab_device_unregister);

/**
 * grab_device_priv() - the driver data given to grab_device_register()
 * @gd: the device
 *
 * Return: the pointer.
 */
void *grab_device_priv(const struct grab_dev *gd)
{
	return gd->priv;
}
EXPORT_SYMBOL_GPL(grab_device_priv);

/**
 * grab_device_dev() - the class device of /dev/grabN, for dev_*() messages
 * @gd: the device
 *
 * Return: the struct device.
 */
struct device *grab_device_dev(struct grab_dev *gd)
{
	return &gd->dev;
}
EXPORT_SYMBOL_GPL(grab_device_dev);

/**
 * grab_frame_begin() - lend the next slot to the hardware
 * @gd:    the device
 * @buf:   filled in: the slot, its memory and the frame's geometry
 * @flags: GRAB_FRAME_CPU when the CPU writes the slot through @buf->vaddr;
 *         otherwise the slot is synced for the device (DMA_FROM_DEVICE)
 *
 * Any context.  Marks the slot as being written (readers of the frame it
 * held see it overwritten).  One frame may be in flight at a time; it ends
 * with grab_frame_publish() or grab_frame_abort().
 *
 * Return: 0, or -EBUSY while another frame is in flight.
 */
int grab_frame_begin(struct grab_dev *gd, struct grab_buffer *buf,
		     unsigned int flags)
{
	struct grab_slot_desc *d;
	struct grab_ring *ring;
	unsigned long irqflags;
	u32 slot, seq;
	u64 n;

	spin_lock_irqsave(&gd->irqlock, irqflags);
	if (gd->active) {
		spin_unlock_irqrestore(&gd->irqlock, irqflags);
		return -EBUSY;
	}
	gd->active = true;
	ring = gd->ring;
	n = gd->sequence;
	div_u64_rem(n, ring->nslots, &slot);
	d = &ring->desc[slot];
	seq = READ_ONCE(d->seq);
	WRITE_ONCE(d->seq, seq | 1);
	/*
	 * The odd seq is visible before any pixel of the slot changes.
	 * Pairs with the acquire fence in grab_ring_frame_intact()
	 * (common/grab-ring.c; user space: the release fence in
	 * grab_ring_begin()).  It orders CPU stores only: a device writing
	 * the pixels by DMA is started by its driver after this returns, and
	 * the writel() that starts it orders this store before the device
	 * sees the start.
	 */
	smp_wmb();
	spin_unlock_irqrestore(&gd->irqlock, irqflags);

	buf->sequence = n;
	buf->slot = slot;
	buf->vaddr = ring->vaddr + ring->data_offset +
		     (size_t)slot * ring->slot_stride;
	buf->sgt = &ring->slot_sgt[slot];
	buf->size = ring->slot_stride;
	buf->format = ring->format;
	buf->flags = flags;
	buf->ring = ring;
	if (!(flags & GRAB_FRAME_CPU) && ring->dma_mapped)
		dma_sync_sgtable_for_device(ring->dma_dev, buf->sgt,
					    DMA_FROM_DEVICE);
	return 0;
}
EXPORT_SYMBOL_GPL(grab_frame_begin);

/* End the frame in flight: the slot's seq goes even again. */
static void grab_frame_end(struct grab_dev *gd, struct grab_slot_desc *d)
{
	/*
	 * Pairs with the acquire load of seq in grab_ring_read()
	 * (common/grab-ring.c; user space: the release store in
	 * grab_ring_commit()): the frame and its descriptor are whole.
	 */
	smp_store_release(&d->seq, (READ_ONCE(d->seq) | 1) + 1);
	gd->active = false;
}

/**
 * grab_frame_publish() - the hardware wrote a frame: hand it to readers
 * @gd:           the device
 * @buf:          as grab_frame_begin() filled it
 * @bytesused:    bytes of the frame (clamped to the slot; normally
 *                @buf->format.sizeimage)
 * @flags:        GRAB_SLOT_ERROR when the hardware flagged the frame
 * @timestamp_ns: CLOCK_MONOTONIC time of the frame, 0 for now
 *
 * Any context, hard interrupt included: syncs the slot (only it) for the
 * CPU unless begun with GRAB_FRAME_CPU, writes its descriptor, moves head
 * and wakes readers, under a spinlock with interrupts saved.
 */
void grab_frame_publish(struct grab_dev *gd, const struct grab_buffer *buf,
			u32 bytesused, u32 flags, u64 timestamp_ns)
{
	struct grab_ring *ring = buf->ring;
	struct grab_slot_desc *d = &ring->desc[buf->slot];
	unsigned long irqflags;
	u64 n = buf->sequence;

	if (!(buf->flags & GRAB_FRAME_CPU) && ring->dma_mapped)
		dma_sync_sgtable_for_cpu(ring->dma_dev, buf->sgt,
					 DMA_FROM_DEVICE);
	if (!timestamp_ns)
		timestamp_ns = ktime_get_ns();
	if (bytesused > buf->size) {
		bytesused = buf->size;
		flags |= GRAB_SLOT_ERROR;
	}

	spin_lock_irqsave(&gd->irqlock, irqflags);
	WRITE_ONCE(d->sequence, n);
	WRITE_ONCE(d->timestamp_ns, timestamp_ns);
	WRITE_ONCE(d->bytesused, bytesused);
	WRITE_ONCE(d->flags, flags & GRAB_SLOT_ERROR);
	WRITE_ONCE(d->format_gen, ring->hdr->format_gen);
	grab_frame_end(gd, d);
	/*
	 * poll() and read()'s wait condition look without the lock
	 * (READ_ONCE in grab-fops.c): no ordering of their own; the
	 * wait-queue's lock and wake_up orders them, and read() collects
	 * events under irqlock.
	 */
	WRITE_ONCE(gd->sequence, n + 1);
	/*
	 * Pairs with the acquire load of head in grab_ring_head()
	 * (common/grab-ring.c; user space: the release store in
	 * grab_ring_commit()): slot n's seq is even first.
	 */
	smp_store_release(&ring->hdr->head, n + 1);
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
	wake_up_interruptible(&gd->wait);
}
EXPORT_SYMBOL_GPL(grab_frame_publish);

/**
 * grab_frame_abort() - the hardware gave up on the frame in flight
 * @gd:  the device
 * @buf: as grab_frame_begin() filled it
 *
 * Any context.  The slot's old frame is gone (its descriptor says so), the
 * frame number is not consumed: the next begin reuses it.
 */
void grab_frame_abort(struct grab_dev *gd, const struct grab_buffer *buf)
{
	struct grab_ring *ring = buf->ring;
	struct grab_slot_desc *d = &ring->desc[buf->slot];
	unsigned long irqflags;

	if (!(buf->flags & GRAB_FRAME_CPU) && ring->dma_mapped)
		dma_sync_sgtable_for_cpu(ring->dma_dev, buf->sgt,
					 DMA_FROM_DEVICE);
	spin_lock_irqsave(&gd->irqlock, irqflags);
	/* No reader may take the half-written pixels for the old frame. */
	WRITE_ONCE(d->sequence, U64_MAX);
	WRITE_ONCE(d->bytesused, 0);
	grab_frame_end(gd, d);
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
}
EXPORT_SYMBOL_GPL(grab_frame_abort);

/**
 * grab_device_add_dropped() - count frames the hardware could not capture
 * @gd:    the device
 * @count: frames lost
 *
 * Any context.
 */
void grab_device_add_dropped(struct grab_dev *gd, u64 count)
{
	unsigned long irqflags;

	spin_lock_irqsave(&gd->irqlock, irqflags);
	gd->dropped += count;
	/* Statistics: pairs with nothing (grab_ring_dropped(), relaxed). */
	WRITE_ONCE(gd->ring->hdr->dropped, gd->ring->hdr->dropped + count);
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
}
EXPORT_SYMBOL_GPL(grab_device_add_dropped);

static void grab_set_ring_streaming(struct grab_dev *gd, bool on)
{
	u32 flags = gd->ring->hdr->flags;

	WRITE_ONCE(gd->streaming, on);
	/* State for statistics: pairs with nothing (grab_ring_flags()). */
	WRITE_ONCE(gd->ring->hdr->flags, on ? flags | GRAB_RING_STREAMING :
					      flags & ~GRAB_RING_STREAMING);
}

/**
 * grab_core_stream_on() - start the hardware; nothing if already streaming
 * @gd: the device
 *
 * Return: 0, -ENODEV after unregister, or the driver's error.
 */
int grab_core_stream_on(struct grab_dev *gd)
{
	int ret = 0;

	mutex_lock(&gd->stream_lock);
	if (!gd->hw) {
		ret = -ENODEV;
	} else if (!gd->streaming) {
		ret = gd->hw->start(gd);
		if (!ret) {
			mutex_lock(&gd->lock);
			grab_set_ring_streaming(gd, true);
			mutex_unlock(&gd->lock);
		}
	}
	mutex_unlock(&gd->stream_lock);
	return ret;
}

/**
 * grab_core_stream_off() - stop the hardware; nothing if not streaming
 * @gd: the device
 *
 * On return no frame is in flight and none will be published.
 */
void grab_core_stream_off(struct grab_dev *gd)
{
	mutex_lock(&gd->stream_lock);
	if (gd->hw && gd->streaming) {
		gd->hw->stop(gd);
		mutex_lock(&gd->lock);
		grab_set_ring_streaming(gd, false);
		mutex_unlock(&gd->lock);
	}
	mutex_unlock(&gd->stream_lock);
}

/**
 * grab_core_try_format() - complete and check a format, change nothing
 * @gd:  the device
 * @fmt: width, height, fourcc in; bytesperline and sizeimage filled in
 *
 * Return: 0; -EINVAL for a format the ring or the hardware cannot carry or
 * reserved fields set; -ENOMEM for a ring over GRAB_MAX_RING_BYTES;
 * -ENODEV after unregister.
 */
int grab_core_try_format(struct grab_dev *gd, struct grab_format *fmt)
{
	struct grab_layout layout;
	int ret = 0;

	if (fmt->reserved[0] || fmt->reserved[1] || fmt->reserved[2] ||
	    fmt->reserved[3] || grab_format_complete(fmt))
		return -EINVAL;
	mutex_lock(&gd->stream_lock);
	if (!gd->hw)
		ret = -ENODEV;
	else if (grab_ring_layout(fmt, gd->ring->nslots, PAGE_SIZE, &layout))
		ret = -EINVAL;
	else if (layout.ring_size > GRAB_MAX_RING_BYTES)
		ret = -ENOMEM;
	else if (gd->hw->try_format)
		ret = gd->hw->try_format(gd, fmt) ? -EINVAL : 0;
	mutex_unlock(&gd->stream_lock);
	return ret;
}

/**
 * grab_core_set_format() - replace the ring with one of a new format
 * @gd:  the device
 * @fmt: a format grab_core_try_format() accepted
 *
 * Every open file's cursor moves to the new ring: frames of the old ring
 * that a file had not read are reported as missed with its next frame.
 *
 * Return: 0; -EBUSY while streaming or mapped; -EINVAL, -ENOMEM, -ENODEV.
 */
int grab_core_set_format(struct grab_dev *gd, const struct grab_format *fmt)
{
	struct grab_ring *ring, *old;
	unsigned long irqflags;
	int ret = 0;

	mutex_lock(&gd->stream_lock);
	mutex_lock(&gd->lock);
	old = gd->ring;
	if (!gd->hw) {
		ret = -ENODEV;
		goto out;
	}
	if (gd->streaming || atomic_read(&old->mappings)) {
		ret = -EBUSY;
		goto out;
	}
	ring = grab_ring_alloc(gd->parent, fmt, old->nslots, gd->fps_num,
			       gd->fps_den, gd->sequence);
	if (IS_ERR(ring)) {
		ret = PTR_ERR(ring);
		goto out;
	}
	ring->hdr->format_gen = ++gd->format_gen;
	spin_lock_irqsave(&gd->irqlock, irqflags);
	/* Not streaming and no produce running: nothing is in flight. */
	WARN_ON(gd->active);
	ring->hdr->dropped = 0;
	gd->ring = ring;
	WRITE_ONCE(gd->first, ring->first);
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
	grab_ring_put(old);
out:
	mutex_unlock(&gd->lock);
	mutex_unlock(&gd->stream_lock);
	return ret;
}

/**
 * grab_core_produce() - the test hook: capture @count frames now
 * @gd:    the device
 * @count: frames, at most GRAB_MAX_PRODUCE
 *
 * Return: 0; -EINVAL for too many; -EOPNOTSUPP when the hardware has no
 * produce hook (real hardware); -EBUSY while streaming; -ENODEV after
 * unregister; -EINTR when a fatal signal cut it short.
 */
int grab_core_produce(struct grab_dev *gd, u32 count)
{
	int ret;

	if (count > GRAB_MAX_PRODUCE)
		return -EINVAL;
	mutex_lock(&gd->stream_lock);
	if (!gd->hw)
		ret = -ENODEV;
	else if (!gd->hw->produce)
		ret = -EOPNOTSUPP;
	else if (gd->streaming)
		ret = -EBUSY;
	else
		ret = gd->hw->produce(gd, count);
	mutex_unlock(&gd->stream_lock);
	return ret;
}

/**
 * grab_core_init() - the character device region, class and debugfs root
 *
 * Return: 0 or -errno.
 */
int grab_core_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&grab_devt, 0, GRAB_MAX_DEVICES, "grab");
	if (ret)
		return ret;
	ret = class_register(&grab_class);
	if (ret) {
		unregister_chrdev_region(grab_devt, GRAB_MAX_DEVICES);
		return ret;
	}
	grab_debugfs_init();
	return 0;
}

/**
 * grab_core_exit() - undo grab_core_init(); every device is unregistered
 */
void grab_core_exit(void)
{
	grab_debugfs_exit();
	class_unregister(&grab_class);
	unregister_chrdev_region(grab_devt, GRAB_MAX_DEVICES);
	ida_destroy(&grab_ida);
}
