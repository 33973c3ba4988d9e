// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: the simulated capture engine.
 *
 * Like vivid, a delayed work item paced from the time streaming started:
 * frame interval k is due at start + k / fps.  Each run captures one frame;
 * when the work ran late by whole intervals (a busy machine), the intervals
 * it slept through are counted as dropped, as a real grabber loses frames
 * nobody had a buffer for.  Dropped intervals do not consume frame numbers:
 * frame n is always the n-th frame published, in slot n % nslots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>

#include "grab-drv.h"
#include "grab-pattern.h"

/**
 * grab_engine_capture() - capture and publish the next frame
 * @gd: the device, gd->lock held
 *
 * The seqlock protocol of grab.h, mirrored by common/grab-ring.c: the slot's
 * seq goes odd before any pixel changes, the descriptor and pixels are
 * written, then seq goes even and head moves, both with release semantics,
 * so a reader that acquires head and seq sees the whole frame.
 */
void grab_engine_capture(struct grab_dev *gd)
{
	struct grab_ring *ring = gd->ring;
	u64 n = gd->sequence;
	struct grab_slot_desc *d;
	u32 slot, seq, flags = 0;
	void *pixels;

	lockdep_assert_held(&gd->lock);
	div_u64_rem(n, ring->nslots, &slot);
	d = &ring->desc[slot];
	pixels = ring->vaddr + ring->data_offset +
		 (size_t)slot * ring->slot_stride;
	seq = READ_ONCE(d->seq);

	WRITE_ONCE(d->seq, seq + 1);
	/* The odd seq is visible before any pixel of the slot changes. */
	smp_wmb();

	/* Hand the slot to the "device", let it DMA, take it back. */
	dma_sync_sgtable_for_device(ring->dma_dev, &ring->sgt, DMA_FROM_DEVICE);
	if (grab_pattern_fill(pixels, &ring->format, n))
		flags |= GRAB_SLOT_ERROR;
	dma_sync_sgtable_for_cpu(ring->dma_dev, &ring->sgt, DMA_FROM_DEVICE);

	WRITE_ONCE(d->sequence, n);
	WRITE_ONCE(d->timestamp_ns, ktime_get_ns());
	WRITE_ONCE(d->bytesused, ring->format.sizeimage);
	WRITE_ONCE(d->flags, flags);
	WRITE_ONCE(d->format_gen, ring->hdr->format_gen);
	smp_store_release(&d->seq, seq + 2);

	/* poll() and read()'s wait condition look without the lock. */
	WRITE_ONCE(gd->sequence, n + 1);
	smp_store_release(&ring->hdr->head, n + 1);
	wake_up_interruptible(&gd->wait);
}

static u64 grab_engine_interval_ns(const struct grab_dev *gd, u64 k)
{
	return div_u64(k * NSEC_PER_SEC, gd->fps);
}

static void grab_engine_work(struct work_struct *work)
{
	struct grab_dev *gd = container_of(to_delayed_work(work),
					   struct grab_dev, work);
	u64 now, due, next_ns;

	mutex_lock(&gd->lock);
	if (!gd->streaming) {
		mutex_unlock(&gd->lock);
		return;
	}
	now = ktime_get_ns();
	/* Intervals that have fully elapsed since the start. */
	due = div_u64((now - gd->start_ns) * gd->fps, NSEC_PER_SEC);
	if (due > gd->ticks) {
		gd->dropped += due - gd->ticks;
		WRITE_ONCE(gd->ring->hdr->dropped,
			   gd->ring->hdr->dropped + (due - gd->ticks));
		gd->ticks = due;
	}
	grab_engine_capture(gd);
	gd->ticks++;

	next_ns = gd->start_ns + grab_engine_interval_ns(gd, gd->ticks);
	now = ktime_get_ns();
	schedule_delayed_work(&gd->work, next_ns > now ?
			      nsecs_to_jiffies(next_ns - now) : 0);
	mutex_unlock(&gd->lock);
}

/**
 * grab_engine_init() - set up a device's capture engine (stopped)
 * @gd: the device
 */
void grab_engine_init(struct grab_dev *gd)
{
	INIT_DELAYED_WORK(&gd->work, grab_engine_work);
}

/**
 * grab_engine_start() - start streaming; does nothing if already streaming
 * @gd: the device
 *
 * Return: 0.
 */
int grab_engine_start(struct grab_dev *gd)
{
	mutex_lock(&gd->stream_lock);
	mutex_lock(&gd->lock);
	if (!gd->streaming) {
		WRITE_ONCE(gd->streaming, true);
		gd->start_ns = ktime_get_ns();
		gd->ticks = 0;
		WRITE_ONCE(gd->ring->hdr->flags,
			   gd->ring->hdr->flags | GRAB_RING_STREAMING);
		schedule_delayed_work(&gd->work, 0);
	}
	mutex_unlock(&gd->lock);
	mutex_unlock(&gd->stream_lock);
	return 0;
}

/**
 * grab_engine_stop() - stop streaming and wait for the engine to be idle
 * @gd: the device
 */
void grab_engine_stop(struct grab_dev *gd)
{
	mutex_lock(&gd->stream_lock);
	mutex_lock(&gd->lock);
	WRITE_ONCE(gd->streaming, false);
	WRITE_ONCE(gd->ring->hdr->flags,
		   gd->ring->hdr->flags & ~GRAB_RING_STREAMING);
	mutex_unlock(&gd->lock);
	/* The work takes gd->lock: wait for it without holding that. */
	cancel_delayed_work_sync(&gd->work);
	mutex_unlock(&gd->stream_lock);
}
