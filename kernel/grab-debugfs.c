// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: debugfs, for tests only: /sys/kernel/debug/grab/grabN/produce.
 *
 * Writing a number N there captures N frames at once through the
 * hardware's produce hook (the simulator has one, real hardware does not:
 * the write fails with EOPNOTSUPP).  It is not part of the ABI: debugfs is
 * root's, and nothing but the tests may rely on it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>

#include "grab-drv.h"

static struct dentry *grab_debugfs_root;

static ssize_t grab_produce_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct grab_dev *gd = file->private_data;
	u32 frames;
	int ret;

	ret = kstrtou32_from_user(buf, count, 0, &frames);
	if (ret)
		return ret;
	ret = grab_core_produce(gd, frames);
	return ret ? ret : count;
}

static const struct file_operations grab_produce_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = grab_produce_write,
	.llseek = noop_llseek,
};

/**
 * grab_debugfs_add() - create grab/grabN/ for a new device
 * @gd: the device
 *
 * Like every debugfs user, works on without debugfs.
 */
void grab_debugfs_add(struct grab_dev *gd)
{
	gd->debugfs = debugfs_create_dir(dev_name(&gd->dev), grab_debugfs_root);
	debugfs_create_file("produce", 0200, gd->debugfs, gd,
			    &grab_produce_fops);
}

/**
 * grab_debugfs_remove() - remove grab/grabN/; waits for writers in it
 * @gd: the device
 */
void grab_debugfs_remove(struct grab_dev *gd)
{
	debugfs_remove_recursive(gd->debugfs);
	gd->debugfs = NULL;
}

/**
 * grab_debugfs_init() - create the grab/ directory
 */
void grab_debugfs_init(void)
{
	grab_debugfs_root = debugfs_create_dir("grab", NULL);
}

/**
 * grab_debugfs_exit() - remove the grab/ directory
 */
void grab_debugfs_exit(void)
{
	debugfs_remove_recursive(grab_debugfs_root);
}
