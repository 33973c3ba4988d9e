// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: the file operations of /dev/grabN: open/release, read() of
 * event records, poll(), and the ioctls of uapi/linux/grab.h.
 *
 * The permission model of grab.h: a file opened for writing may change the
 * device's state (stream on/off, format); any open may map, read, poll and
 * query (INFO, STATS).  A state change through a read-only file fails with
 * EPERM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "grab-drv.h"

/**
 * grab_open() - open /dev/grabN; the file reports frames from now on
 * @inode: the device inode
 * @file:  the new file
 *
 * Return: 0 or -ENOMEM.
 */
static int grab_open(struct inode *inode, struct file *file)
{
	struct grab_dev *gd =
		container_of(inode->i_cdev, struct grab_dev, cdev);
	struct grab_file *gf;

	gf = kzalloc(sizeof(*gf), GFP_KERNEL);
	if (!gf)
		return -ENOMEM;
	gf->gd = gd;
	mutex_init(&gf->read_lock);
	get_device(&gd->dev);
	gf->next = READ_ONCE(gd->sequence);
	atomic_inc(&gd->open_files);
	file->private_data = gf;
	return stream_open(inode, file);
}

/**
 * grab_release() - last close of a file; the last file stops streaming
 * @inode: the device inode
 * @file:  the file
 *
 * Return: 0.
 */
static int grab_release(struct inode *inode, struct file *file)
{
	struct grab_file *gf = file->private_data;
	struct grab_dev *gd = gf->gd;

	/* Nobody is left to read the frames: stop capturing them. */
	if (atomic_dec_and_test(&gd->open_files))
		grab_core_stream_off(gd);
	mutex_destroy(&gf->read_lock);
	kfree(gf);
	put_device(&gd->dev);
	return 0;
}

/*
 * A frame this file has not reported yet is in the current ring.  Frames
 * of a ring that a format change replaced are gone: they count as missed
 * with the first frame of the new ring, but cannot be read themselves.
 */
static bool grab_file_ready(struct grab_dev *gd, struct grab_file *gf)
{
	return READ_ONCE(gd->sequence) >
	       max(READ_ONCE(gf->next), READ_ONCE(gd->first));
}

/*
 * Fill up to @max events for @gf into @ev, starting at frame *@next, which
 * is advanced past them.  Frames that are no longer in the ring (or were in
 * a ring that a format change replaced) are counted as missed in the event
 * that follows them.  Returns the number of events.
 */
static unsigned int grab_collect_events(struct grab_dev *gd, u64 *next,
					struct grab_event *ev, unsigned int max)
{
	struct grab_ring *ring = gd->ring;
	u64 head = gd->sequence, n = *next, oldest;
	unsigned int count = 0;

	lockdep_assert_held(&gd->irqlock);
	while (count < max && n < head) {
		const struct grab_slot_desc *d;
		u32 slot;

		oldest = max(ring->first, n);
		if (head - oldest > ring->nslots)
			oldest = head - ring->nslots;
		if (oldest >= head)
			break;
		div_u64_rem(oldest, ring->nslots, &slot);
		d = &ring->desc[slot];
		memset(&ev[count], 0, sizeof(ev[count]));
		ev[count].sequence = d->sequence;
		ev[count].timestamp_ns = d->timestamp_ns;
		ev[count].missed = oldest - n;
		ev[count].slot = slot;
		ev[count].bytesused = d->bytesused;
		if (d->flags & GRAB_SLOT_ERROR)
			ev[count].flags |= GRAB_EVENT_ERROR;
		count++;
		n = oldest + 1;
	}
	*next = n;
	return count;
}

/**
 * grab_read() - read struct grab_event records, one per frame
 * @file:  the file
 * @buf:   user buffer
 * @count: its size; at least one record
 * @ppos:  unused (a stream)
 *
 * Sleeps until a frame arrives unless O_NONBLOCK.  Returns as many whole
 * records as are ready and fit.  A record is consumed only once it reached
 * the caller, so -EFAULT loses nothing.  Frames the file will never see
 * (overwritten, or in a ring a format change replaced) are counted in the
 * missed field of the record that follows them.
 *
 * Return: bytes read, -EINVAL for a buffer smaller than a record, -EAGAIN,
 * -EFAULT, or -ERESTARTSYS.
 */
static ssize_t grab_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct grab_file *gf = file->private_data;
	struct grab_dev *gd = gf->gd;
	struct grab_event ev[GRAB_READ_BATCH];
	unsigned long irqflags;
	unsigned int max, n;
	u64 next;
	ssize_t ret;

	if (count < sizeof(ev[0]))
		return -EINVAL;
	max = min_t(size_t, count / sizeof(ev[0]), GRAB_READ_BATCH);

	if (mutex_lock_interruptible(&gf->read_lock))
		return -ERESTARTSYS;
	for (;;) {
		spin_lock_irqsave(&gd->irqlock, irqflags);
		next = gf->next;
		n = grab_collect_events(gd, &next, ev, max);
		spin_unlock_irqrestore(&gd->irqlock, irqflags);
		if (n)
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		if (wait_event_interruptible(gd->wait,
					     grab_file_ready(gd, gf))) {
			ret = -ERESTARTSYS;
			goto out;
		}
	}
	if (copy_to_user(buf, ev, n * sizeof(ev[0]))) {
		ret = -EFAULT;
		goto out;
	}
	WRITE_ONCE(gf->next, next);
	ret = n * sizeof(ev[0]);
out:
	mutex_unlock(&gf->read_lock);
	return ret;
}

/**
 * grab_poll() - readable when a frame this file has not reported exists
 * @file: the file
 * @wait: poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM when read() would not block, else 0.
 */
static __poll_t grab_poll(struct file *file, poll_table *wait)
{
	struct grab_file *gf = file->private_data;
	struct grab_dev *gd = gf->gd;

	poll_wait(file, &gd->wait, wait);
	return grab_file_ready(gd, gf) ? EPOLLIN | EPOLLRDNORM : 0;
}

static void grab_fill_info(struct grab_dev *gd, struct grab_info *info)
{
	struct grab_ring *ring = gd->ring;

	lockdep_assert_held(&gd->lock);
	memset(info, 0, sizeof(*info));
	info->abi_version = GRAB_ABI_VERSION;
	info->index = gd->index;
	info->nslots = ring->nslots;
	info->slot_stride = ring->slot_stride;
	info->ring_size = ring->size;
	info->format = ring->format;
	info->fps_num = gd->fps_num;
	info->fps_den = gd->fps_den;
	if (READ_ONCE(gd->streaming))
		info->flags |= GRAB_INFO_STREAMING;
	if (atomic_read(&ring->mappings))
		info->flags |= GRAB_INFO_MAPPED;
	info->data_offset = ring->data_offset;
}

/*
 * GRAB_IOC_S_FMT: everything that can fail before the device changes does:
 * the format is checked and the completed result written back first, so a
 * caller whose buffer cannot take the result gets EFAULT and an unchanged
 * device.  A later failure (EBUSY, ENOMEM) leaves the completed result in
 * the caller's buffer and the device as it was.
 */
static int grab_ioctl_s_fmt(struct grab_dev *gd,
			    struct grab_format __user *argp)
{
	struct grab_format fmt;
	int ret;

	if (copy_from_user(&fmt, argp, sizeof(fmt)))
		return -EFAULT;
	ret = grab_core_try_format(gd, &fmt);
	if (ret)
		return ret;
	if (copy_to_user(argp, &fmt, sizeof(fmt)))
		return -EFAULT;
	return grab_core_set_format(gd, &fmt);
}

static void grab_fill_stats(struct grab_dev *gd, struct grab_stats *stats)
{
	unsigned long irqflags;

	memset(stats, 0, sizeof(*stats));
	spin_lock_irqsave(&gd->irqlock, irqflags);
	stats->frames = gd->sequence;
	stats->dropped = gd->dropped;
	stats->mappings = atomic_read(&gd->ring->mappings);
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
	stats->open_files = atomic_read(&gd->open_files);
}

/**
 * grab_ioctl() - the GRAB_IOC_* commands
 * @file: the file
 * @cmd:  command
 * @arg:  user pointer for the commands that take one
 *
 * Return: 0 or -errno; -ENOTTY for an unknown command, -EFAULT for a bad
 * pointer, -EPERM for a state change through a file not open for writing.
 */
static long grab_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct grab_file *gf = file->private_data;
	struct grab_dev *gd = gf->gd;
	void __user *argp = (void __user *)arg;
	union {
		struct grab_info info;
		struct grab_stats stats;
	} u;

	switch (cmd) {
	case GRAB_IOC_INFO:
		mutex_lock(&gd->lock);
		grab_fill_info(gd, &u.info);
		mutex_unlock(&gd->lock);
		return copy_to_user(argp, &u.info, sizeof(u.info)) ? -EFAULT :
								     0;
	case GRAB_IOC_STATS:
		grab_fill_stats(gd, &u.stats);
		return copy_to_user(argp, &u.stats, sizeof(u.stats)) ? -EFAULT :
								       0;
	case GRAB_IOC_S_FMT:
	case GRAB_IOC_STREAMON:
	case GRAB_IOC_STREAMOFF:
		if (!(file->f_mode & FMODE_WRITE))
			return -EPERM;
		break;
	default:
		return -ENOTTY;
	}

	switch (cmd) {
	case GRAB_IOC_S_FMT:
		return grab_ioctl_s_fmt(gd, argp);
	case GRAB_IOC_STREAMON:
		return grab_core_stream_on(gd);
	default:
		grab_core_stream_off(gd);
		return 0;
	}
}

const struct file_operations grab_fops = {
	.owner = THIS_MODULE,
	.open = grab_open,
	.release = grab_release,
	.read = grab_read,
	.poll = grab_poll,
	.unlocked_ioctl = grab_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = grab_mmap,
};
