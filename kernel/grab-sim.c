// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: the simulated capture hardware, one driver on the core.
 *
 * Like vivid, paced from the time streaming started: frame interval k is
 * due at start + k / fps, and an hrtimer (absolute expiry, so errors do not
 * accumulate) fires at each.  Its callback is the "device": it begins a
 * slot, writes the test pattern into it with the CPU and publishes it, all
 * in the timer's softirq (publishing is legal in any context; the pattern
 * is too long to write with interrupts off).  When the callback ran late by
 * whole intervals (a busy machine), the intervals it slept through are
 * counted as dropped, as a real grabber loses frames nobody had a buffer
 * for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "grab-drv.h"
#include "grab-pattern.h"

/**
 * struct grab_sim - one simulated grabber
 * @gd:    its core device
 * @timer: fires once per frame interval while streaming
 * @fps:   frames per second
 * @start: time streaming started
 * @ticks: frame intervals consumed since @start
 */
struct grab_sim {
	struct grab_dev *gd;
	struct hrtimer timer;
	u32 fps;
	ktime_t start;
	u64 ticks;
};

/* Capture one frame: the CPU plays the device's DMA engine. */
static void grab_sim_capture(struct grab_sim *sim, u64 timestamp_ns)
{
	struct grab_buffer buf;
	u32 flags = 0;

	/* Nothing else begins frames on this device. */
	if (WARN_ON_ONCE(grab_frame_begin(sim->gd, &buf, GRAB_FRAME_CPU)))
		return;
	if (grab_pattern_fill(buf.vaddr, &buf.format, buf.sequence))
		flags |= GRAB_SLOT_ERROR;
	grab_frame_publish(sim->gd, &buf, buf.format.sizeimage, flags,
			   timestamp_ns);
}

static ktime_t grab_sim_due(const struct grab_sim *sim, u64 k)
{
	return ktime_add_ns(sim->start, div_u64(k * NSEC_PER_SEC, sim->fps));
}

static enum hrtimer_restart grab_sim_tick(struct hrtimer *timer)
{
	struct grab_sim *sim = container_of(timer, struct grab_sim, timer);
	ktime_t now = ktime_get();
	u64 due;

	/* Intervals that have fully elapsed since the start. */
	due = div_u64(ktime_to_ns(ktime_sub(now, sim->start)) * sim->fps,
		      NSEC_PER_SEC);
	if (due > sim->ticks) {
		grab_device_add_dropped(sim->gd, due - sim->ticks);
		sim->ticks = due;
	}
	grab_sim_capture(sim, ktime_to_ns(now));
	sim->ticks++;
	hrtimer_set_expires(timer, grab_sim_due(sim, sim->ticks));
	return HRTIMER_RESTART;
}

static int grab_sim_start(struct grab_dev *gd)
{
	struct grab_sim *sim = grab_device_priv(gd);

	/* Open files may stream before grab_sim_add() returned. */
	sim->gd = gd;
	sim->start = ktime_get();
	sim->ticks = 0;
	hrtimer_start(&sim->timer, sim->start, HRTIMER_MODE_ABS_SOFT);
	return 0;
}

static void grab_sim_stop(struct grab_dev *gd)
{
	struct grab_sim *sim = grab_device_priv(gd);

	/* Waits for a running callback: it captures whole frames only. */
	hrtimer_cancel(&sim->timer);
}

static int grab_sim_produce(struct grab_dev *gd, u32 count)
{
	struct grab_sim *sim = grab_device_priv(gd);
	u32 i;

	sim->gd = gd;
	for (i = 0; i < count; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		grab_sim_capture(sim, 0);
		cond_resched();
	}
	return 0;
}

/* The simulator draws raw frames only: there is no JPEG encoder in here. */
static int grab_sim_try_format(struct grab_dev *gd,
			       const struct grab_format *fmt)
{
	return fmt->nplanes ? 0 : -EINVAL;
}

static const struct grab_hw_ops grab_sim_ops = {
	.start = grab_sim_start,
	.stop = grab_sim_stop,
	.try_format = grab_sim_try_format,
	.produce = grab_sim_produce,
};

/**
 * grab_sim_add() - create a simulated grabber and its /dev/grabN
 * @parent: the device the ring is DMA-mapped for
 * @cfg:    format, slots and rate (fps_den 1)
 *
 * Return: the simulator or an ERR_PTR().
 */
struct grab_sim *grab_sim_add(struct device *parent,
			      const struct grab_dev_config *cfg)
{
	struct grab_sim *sim;
	struct grab_dev *gd;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return ERR_PTR(-ENOMEM);
	sim->fps = cfg->fps_num;
	hrtimer_init(&sim->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	sim->timer.function = grab_sim_tick;
	gd = grab_device_register(parent, &grab_sim_ops, sim, cfg);
	if (IS_ERR(gd)) {
		kfree(sim);
		return ERR_CAST(gd);
	}
	sim->gd = gd;
	return sim;
}

/**
 * grab_sim_remove() - remove a simulated grabber
 * @sim: the simulator
 */
void grab_sim_remove(struct grab_sim *sim)
{
	grab_device_unregister(sim->gd);
	kfree(sim);
}
