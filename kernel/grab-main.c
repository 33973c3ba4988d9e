// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: a frame-grabber core with a zero-copy capture ring, and a
 * simulated grabber on it.
 *
 * The module: the core's setup (grab-core.c), the simulator's parameters,
 * and one platform device per simulated /dev/grabN: the platform device is
 * what the ring's pages are DMA-mapped against, as they would be for a real
 * PCIe grabber.  Its driver's probe creates the simulated grabber.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "grab-compat.h"
#include "grab-drv.h"

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "number of /dev/grabN devices (1-16, default 1)");

static unsigned int slots = 4;
module_param(slots, uint, 0444);
MODULE_PARM_DESC(slots, "slots per capture ring (2-256, default 4)");

static unsigned int width = 640;
module_param(width, uint, 0444);
MODULE_PARM_DESC(width, "frame width in pixels (16-8192, default 640)");

static unsigned int height = 480;
module_param(height, uint, 0444);
MODULE_PARM_DESC(height, "frame height in lines (16-8192, default 480)");

static char *format = "YUYV";
module_param(format, charp, 0444);
MODULE_PARM_DESC(
	format,
	"pixel format, any raw format of grab's table by name or alias: YUYV UYVY NV12 YU12 RGB3 BGR3 GREY Y16 RGGB BA81 GRBG GBRG (default YUYV)");

static unsigned int fps = 30;
module_param(fps, uint, 0444);
MODULE_PARM_DESC(fps, "frames per second while streaming (1-240, default 30)");

static struct grab_format grab_param_format;
static struct platform_device *grab_pdevs[GRAB_MAX_DEVICES];
static int grab_probe_ret[GRAB_MAX_DEVICES];

static int grab_probe(struct platform_device *pdev)
{
	struct grab_dev_config cfg = {
		.format = grab_param_format,
		.nslots = slots,
		.fps_num = fps,
		.fps_den = 1,
	};
	struct grab_sim *sim;
	int ret;

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (!ret) {
		sim = grab_sim_add(&pdev->dev, &cfg);
		ret = PTR_ERR_OR_ZERO(sim);
		if (!ret)
			platform_set_drvdata(pdev, sim);
	}
	if (pdev->id >= 0 && pdev->id < GRAB_MAX_DEVICES)
		grab_probe_ret[pdev->id] = ret;
	return ret;
}

static void grab_remove(struct platform_device *pdev)
{
	grab_sim_remove(platform_get_drvdata(pdev));
}

static struct platform_driver grab_driver = {
	.probe = grab_probe,
	.GRAB_PLATFORM_REMOVE = grab_remove,
	.driver = {
		.name = "grab",
		/* Unbinding under open files would free the device. */
		.suppress_bind_attrs = true,
	},
};

/* Check every module parameter, naming the first bad one. */
static int grab_check_params(void)
{
	struct grab_format *fmt = &grab_param_format;
	const struct grab_format_info *fi;
	struct grab_layout layout;
	u32 fourcc;

	if (devices < 1 || devices > GRAB_MAX_DEVICES) {
		pr_err("devices=%u is out of range [1, %u]\n", devices,
		       GRAB_MAX_DEVICES);
		return -EINVAL;
	}
	if (slots < GRAB_MIN_SLOTS || slots > GRAB_MAX_SLOTS) {
		pr_err("slots=%u is out of range [%u, %u]\n", slots,
		       GRAB_MIN_SLOTS, GRAB_MAX_SLOTS);
		return -EINVAL;
	}
	if (fps < GRAB_MIN_FPS || fps > GRAB_MAX_FPS) {
		pr_err("fps=%u is out of range [%u, %u]\n", fps, GRAB_MIN_FPS,
		       GRAB_MAX_FPS);
		return -EINVAL;
	}
	if (width < GRAB_MIN_WIDTH || width > GRAB_MAX_WIDTH) {
		pr_err("width=%u is out of range [%u, %u]\n", width,
		       GRAB_MIN_WIDTH, GRAB_MAX_WIDTH);
		return -EINVAL;
	}
	if (height < GRAB_MIN_HEIGHT || height > GRAB_MAX_HEIGHT) {
		pr_err("height=%u is out of range [%u, %u]\n", height,
		       GRAB_MIN_HEIGHT, GRAB_MAX_HEIGHT);
		return -EINVAL;
	}
	fourcc = grab_format_from_name(format);
	if (!fourcc) {
		char names[128];

		grab_format_names(names, sizeof(names));
		pr_err("format=%s is not one of %s\n",
		       format ? format : "(null)", names);
		return -EINVAL;
	}
	fi = grab_format_info(fourcc);
	if (!fi->nplanes) {
		/*
		 * No JPEG encoder in the kernel: MJPEG comes from a camera
		 * or grabberd's test: source.
		 */
		pr_err("format=%s is compressed; the simulator produces raw formats only\n",
		       format);
		return -EINVAL;
	}

	memset(fmt, 0, sizeof(*fmt));
	fmt->width = width;
	fmt->height = height;
	fmt->fourcc = fourcc;
	if (grab_format_complete(fmt)) {
		pr_err("width=%u height=%u do not fit format=%s, which needs a width multiple of %u and a height multiple of %u\n",
		       width, height, fi->name, fi->align_w, fi->align_h);
		return -EINVAL;
	}
	if (grab_ring_layout(fmt, slots, PAGE_SIZE, &layout) ||
	    layout.ring_size > GRAB_MAX_RING_BYTES) {
		pr_err("width=%u height=%u format=%s slots=%u needs a %llu byte ring, more than %llu\n",
		       width, height, format, slots, layout.ring_size,
		       GRAB_MAX_RING_BYTES);
		return -EINVAL;
	}
	return 0;
}

static void grab_unregister_pdevs(void)
{
	unsigned int i;

	for (i = GRAB_MAX_DEVICES; i-- > 0;) {
		if (grab_pdevs[i])
			platform_device_unregister(grab_pdevs[i]);
		grab_pdevs[i] = NULL;
	}
}

static int __init grab_init(void)
{
	unsigned int i;
	int ret;

	ret = grab_check_params();
	if (ret)
		return ret;

	ret = grab_core_init();
	if (ret)
		return ret;
	ret = platform_driver_register(&grab_driver);
	if (ret)
		goto err_core;

	for (i = 0; i < devices; i++) {
		struct platform_device_info info = {
			.name = "grab",
			.id = i,
			.dma_mask = DMA_BIT_MASK(64),
		};
		struct platform_device *pdev;

		grab_probe_ret[i] = -ENODEV;
		pdev = platform_device_register_full(&info);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_pdevs;
		}
		grab_pdevs[i] = pdev;
		/* Probing is synchronous: its result is known here. */
		ret = grab_probe_ret[i];
		if (ret) {
			pr_err("grab%u: setup failed (%d)\n", i, ret);
			goto err_pdevs;
		}
	}
	return 0;

err_pdevs:
	grab_unregister_pdevs();
	platform_driver_unregister(&grab_driver);
err_core:
	grab_core_exit();
	return ret;
}

static void __exit grab_exit(void)
{
	grab_unregister_pdevs();
	platform_driver_unregister(&grab_driver);
	grab_core_exit();
}

module_init(grab_init);
module_exit(grab_exit);

MODULE_DESCRIPTION(
	"grab: frame-grabber core with a zero-copy capture ring, and a simulated grabber");
MODULE_AUTHOR("grab developers");
MODULE_LICENSE("GPL");
