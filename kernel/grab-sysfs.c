// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: read-only statistics in /sys/class/grab/grabN/.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "grab-drv.h"

static ssize_t frames_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct grab_dev *gd = to_grab_dev(dev);
	unsigned long irqflags;
	u64 frames;

	spin_lock_irqsave(&gd->irqlock, irqflags);
	frames = gd->sequence;
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
	return sysfs_emit(buf, "%llu\n", frames);
}
static DEVICE_ATTR_RO(frames);

static ssize_t dropped_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct grab_dev *gd = to_grab_dev(dev);
	unsigned long irqflags;
	u64 dropped;

	spin_lock_irqsave(&gd->irqlock, irqflags);
	dropped = gd->dropped;
	spin_unlock_irqrestore(&gd->irqlock, irqflags);
	return sysfs_emit(buf, "%llu\n", dropped);
}
static DEVICE_ATTR_RO(dropped);

static ssize_t open_files_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&to_grab_dev(dev)->open_files));
}
static DEVICE_ATTR_RO(open_files);

static ssize_t mappings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct grab_dev *gd = to_grab_dev(dev);
	int mappings;

	mutex_lock(&gd->lock);
	mappings = atomic_read(&gd->ring->mappings);
	mutex_unlock(&gd->lock);
	return sysfs_emit(buf, "%d\n", mappings);
}
static DEVICE_ATTR_RO(mappings);

static ssize_t streaming_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_grab_dev(dev)->streaming));
}
static DEVICE_ATTR_RO(streaming);

static ssize_t format_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct grab_dev *gd = to_grab_dev(dev);
	struct grab_format fmt;

	mutex_lock(&gd->lock);
	fmt = gd->ring->format;
	mutex_unlock(&gd->lock);
	return sysfs_emit(buf, "%ux%u %s\n", fmt.width, fmt.height,
			  grab_format_name(fmt.fourcc));
}
static DEVICE_ATTR_RO(format);

static struct attribute *grab_attrs[] = {
	&dev_attr_frames.attr,
	&dev_attr_dropped.attr,
	&dev_attr_open_files.attr,
	&dev_attr_mappings.attr,
	&dev_attr_streaming.attr,
	&dev_attr_format.attr,
	NULL,
};

static const struct attribute_group grab_group = {
	.attrs = grab_attrs,
};

const struct attribute_group *grab_groups[] = {
	&grab_group,
	NULL,
};
