// SPDX-License-Identifier: GPL-2.0
/*
 * grab_edu.ko: a capture driver on the grab core for QEMU's "edu" PCI
 * device (-device edu, 1234:11e8), a real bus master.
 *
 * The edu device (QEMU's hw/misc/edu.c, docs/specs/edu.rst) has a 4 KiB
 * buffer of its own and a DMA engine that copies between that buffer and
 * guest memory, one transfer at a time, each taking about 100 ms, and
 * raises an interrupt when a transfer is done.  The CPU cannot reach the
 * buffer through the BAR, so a frame travels twice:
 *
 *   "sensor"  --stage DMA-->  device buffer  --deliver DMA-->  ring slot
 *   (a frame of the test pattern in RAM, written by the CPU, mapped
 *   DMA_TO_DEVICE)                           (the core's scatter list,
 *                                            mapped DMA_FROM_DEVICE)
 *
 * chunk by chunk: stage up to @chunk bytes of the frame into the device,
 * then deliver them into the slot, one transfer per DMA segment the chunk
 * touches, so a chunk that crosses a page boundary of an unmerged scatter
 * list takes two transfers.  When the last byte of the frame arrived the
 * interrupt handler publishes the frame; a work item then writes the next
 * frame's pattern with the CPU and starts its first transfer.
 *
 * Contexts: the work item and ->stop() run in process context, the
 * interrupt handler in hard IRQ.  edu->lock (irqsave; before the core's
 * spinlock, which publish takes) protects the transfer state between them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "grab-core.h"
#include "grab-format.h"
#include "grab-pattern.h"

/* QEMU's vendor ID (its "Bochs" ID), which pci_ids.h does not name. */
#define GRAB_EDU_VENDOR 0x1234
#define GRAB_EDU_DEVICE 0x11e8

/* BAR 0 registers (docs/specs/edu.rst) */
#define EDU_REG_ID 0x00 /* 0xRRrr00ed: major, minor, 0xed */
#define EDU_REG_IRQ_STATUS 0x24 /* raised interrupt causes */
#define EDU_REG_IRQ_ACK 0x64 /* write causes to lower them */
#define EDU_REG_DMA_SRC 0x80 /* 64 bit */
#define EDU_REG_DMA_DST 0x88 /* 64 bit */
#define EDU_REG_DMA_COUNT 0x90 /* 64 bit */
#define EDU_REG_DMA_CMD 0x98 /* 64 bit */
#define EDU_ID_MAGIC 0xed
#define EDU_IRQ_DMA 0x100 /* a transfer finished */
#define EDU_DMA_START BIT(0) /* start; reads 1 while running */
#define EDU_DMA_TO_RAM BIT(1) /* device buffer -> RAM, else RAM -> it */
#define EDU_DMA_IRQ BIT(2) /* raise EDU_IRQ_DMA when done */
/* The device's buffer, as the DMA engine addresses it. */
#define EDU_BUF_ADDR 0x40000
#define EDU_BUF_SIZE 4096
/*
 * QEMU before 9.0 (Debian 12 has 7.2) aborts on a transfer that ends at
 * the buffer's last byte (an off-by-one in its range check): leave it.
 */
#define EDU_CHUNK_MAX (EDU_BUF_SIZE - 1)
/* A transfer takes 100 ms of the device's clock; give up after this. */
#define EDU_STOP_TIMEOUT (5 * HZ)
/* Largest frame: about 17 chunks, a few seconds per frame. */
#define GRAB_EDU_MAX_FRAME (64 * 1024)

static unsigned int slots = 4;
module_param(slots, uint, 0444);
MODULE_PARM_DESC(slots, "slots per capture ring (2-256, default 4)");

static unsigned int width = 64;
module_param(width, uint, 0444);
MODULE_PARM_DESC(width, "frame width in pixels (default 64)");

static unsigned int height = 48;
module_param(height, uint, 0444);
MODULE_PARM_DESC(height, "frame height in lines (default 48)");

static char *format = "YUYV";
module_param(format, charp, 0444);
MODULE_PARM_DESC(format, "pixel format: YUYV, GREY or RGB3 (default YUYV)");

static unsigned int chunk = EDU_CHUNK_MAX;
module_param(chunk, uint, 0444);
MODULE_PARM_DESC(
	chunk,
	"bytes staged through the device per transfer (1-4095, default 4095)");

static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(
	dma_bits,
	"address bits the device's DMA engine drives: its dma_mask property (default 28, QEMU's default)");

enum grab_edu_phase {
	GRAB_EDU_STAGE, /* sensor -> device buffer */
	GRAB_EDU_DELIVER, /* device buffer -> ring slot */
};

/**
 * struct grab_edu - one edu device
 * @pdev:        the PCI device
 * @regs:        BAR 0
 * @irq:         its interrupt (MSI, else INTx)
 * @gd:          the core's device
 * @sensor:      one frame of the pattern, written by the CPU
 * @sensor_dma:  @sensor mapped DMA_TO_DEVICE (GRAB_EDU_MAX_FRAME bytes)
 * @work:        begins the next frame in process context
 * @idle:        ->stop() waits here for the transfer in flight
 * @lock:        protects everything below against the interrupt handler
 * @running:     streaming: finished transfers start the next
 * @busy:        a transfer is in flight
 * @frame:       a frame is begun and neither published nor aborted
 * @buf:         the slot of that frame
 * @phase:       what the transfer in flight does
 * @frame_off:   bytes of the frame staged before the chunk in the device
 * @chunk_len:   bytes of the frame in the device buffer
 * @chunk_off:   bytes of that chunk delivered
 * @xfer_len:    bytes the transfer in flight moves
 * @sg:          DMA segment of the slot the next delivery writes
 * @sg_off:      bytes of @sg already written
 * @xfer_start:  when the transfer in flight started (ns)
 * @frame_start: when the frame in flight was begun (ns)
 * @transfers:   transfers finished since streaming started
 * @xfer_ns:     their total time
 * @frames:      frames published since streaming started
 */
struct grab_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	int irq;
	struct grab_dev *gd;
	void *sensor;
	dma_addr_t sensor_dma;
	struct work_struct work;
	wait_queue_head_t idle;
	spinlock_t lock; /* the transfer state, against the IRQ */
	bool running;
	bool busy;
	bool frame;
	struct grab_buffer buf;
	enum grab_edu_phase phase;
	u32 frame_off;
	u32 chunk_len;
	u32 chunk_off;
	u32 xfer_len;
	struct scatterlist *sg;
	u32 sg_off;
	u64 xfer_start;
	u64 frame_start;
	u64 transfers;
	u64 xfer_ns;
	u64 frames;
};

/* Program one transfer; the device must be idle (edu->lock held). */
static void grab_edu_xfer(struct grab_edu *edu, u64 src, u64 dst, u32 len,
			  u64 dir)
{
	edu->xfer_len = len;
	edu->busy = true;
	edu->xfer_start = ktime_get_ns();
	writeq(src, edu->regs + EDU_REG_DMA_SRC);
	writeq(dst, edu->regs + EDU_REG_DMA_DST);
	writeq(len, edu->regs + EDU_REG_DMA_COUNT);
	/* MMIO writes are ordered: the command comes last. */
	writeq(EDU_DMA_START | EDU_DMA_IRQ | dir, edu->regs + EDU_REG_DMA_CMD);
}

/* Stage the next chunk of the frame into the device buffer. */
static void grab_edu_stage(struct grab_edu *edu)
{
	edu->phase = GRAB_EDU_STAGE;
	edu->chunk_len = min(chunk, edu->buf.format.sizeimage - edu->frame_off);
	edu->chunk_off = 0;
	grab_edu_xfer(edu, edu->sensor_dma + edu->frame_off, EDU_BUF_ADDR,
		      edu->chunk_len, 0);
}

/*
 * Deliver the rest of the chunk in the device buffer, up to the end of the
 * current DMA segment of the slot.
 */
static void grab_edu_deliver(struct grab_edu *edu)
{
	u32 len = min(edu->chunk_len - edu->chunk_off,
		      sg_dma_len(edu->sg) - edu->sg_off);

	edu->phase = GRAB_EDU_DELIVER;
	grab_edu_xfer(edu, EDU_BUF_ADDR + edu->chunk_off,
		      sg_dma_address(edu->sg) + edu->sg_off, len,
		      EDU_DMA_TO_RAM);
}

/*
 * The transfer in flight finished: start the next one, or return true when
 * the whole frame is in the slot.  edu->lock held.
 */
static bool grab_edu_advance(struct grab_edu *edu)
{
	if (edu->phase == GRAB_EDU_STAGE) {
		grab_edu_deliver(edu);
		return false;
	}
	edu->chunk_off += edu->xfer_len;
	edu->sg_off += edu->xfer_len;
	if (edu->sg_off == sg_dma_len(edu->sg)) {
		edu->sg = sg_next(edu->sg);
		edu->sg_off = 0;
	}
	if (edu->chunk_off < edu->chunk_len) {
		grab_edu_deliver(edu);
		return false;
	}
	edu->frame_off += edu->chunk_len;
	if (edu->frame_off < edu->buf.format.sizeimage) {
		grab_edu_stage(edu);
		return false;
	}
	return true;
}

static irqreturn_t grab_edu_irq(int irq, void *data)
{
	struct grab_edu *edu = data;
	unsigned long flags;
	u32 status;

	status = readl(edu->regs + EDU_REG_IRQ_STATUS);
	if (!(status & EDU_IRQ_DMA))
		return IRQ_NONE; /* a shared INTx line: not ours */
	writel(EDU_IRQ_DMA, edu->regs + EDU_REG_IRQ_ACK);

	spin_lock_irqsave(&edu->lock, flags);
	if (!edu->busy)
		goto out; /* spurious */
	edu->busy = false;
	edu->transfers++;
	edu->xfer_ns += ktime_get_ns() - edu->xfer_start;
	if (!edu->running) {
		/* ->stop() aborts the frame. */
		wake_up(&edu->idle);
		goto out;
	}
	if (grab_edu_advance(edu)) {
		/* Publish syncs the slot for the CPU, then readers see it. */
		grab_frame_publish(edu->gd, &edu->buf,
				   edu->buf.format.sizeimage, 0,
				   edu->frame_start);
		edu->frame = false;
		edu->frames++;
		queue_work(system_wq, &edu->work);
	}
out:
	spin_unlock_irqrestore(&edu->lock, flags);
	return IRQ_HANDLED;
}

/* Begin a frame: its pattern into the sensor, then the first transfer. */
static void grab_edu_work(struct work_struct *work)
{
	struct grab_edu *edu = container_of(work, struct grab_edu, work);
	struct grab_buffer buf;
	unsigned long flags;
	u64 start = ktime_get_ns();

	if (!READ_ONCE(edu->running))
		return;
	if (grab_frame_begin(edu->gd, &buf, 0)) {
		dev_err_ratelimited(&edu->pdev->dev,
				    "a frame is still in flight\n");
		return;
	}
	/* The CPU writes the sensor, then hands it to the device. */
	if (grab_pattern_fill(edu->sensor, &buf.format, buf.sequence))
		memset(edu->sensor, 0, buf.format.sizeimage);
	dma_sync_single_for_device(&edu->pdev->dev, edu->sensor_dma,
				   buf.format.sizeimage, DMA_TO_DEVICE);

	spin_lock_irqsave(&edu->lock, flags);
	if (!edu->running) {
		spin_unlock_irqrestore(&edu->lock, flags);
		grab_frame_abort(edu->gd, &buf);
		return;
	}
	edu->buf = buf;
	edu->frame = true;
	edu->frame_start = start;
	edu->frame_off = 0;
	edu->sg = buf.sgt->sgl;
	edu->sg_off = 0;
	grab_edu_stage(edu);
	spin_unlock_irqrestore(&edu->lock, flags);
}

static bool grab_edu_idle(struct grab_edu *edu)
{
	unsigned long flags;
	bool busy;

	spin_lock_irqsave(&edu->lock, flags);
	busy = edu->busy;
	spin_unlock_irqrestore(&edu->lock, flags);
	return !busy;
}

static int grab_edu_start(struct grab_dev *gd)
{
	struct grab_edu *edu = grab_device_priv(gd);
	unsigned long flags;

	spin_lock_irqsave(&edu->lock, flags);
	edu->running = true;
	edu->transfers = 0;
	edu->xfer_ns = 0;
	edu->frames = 0;
	spin_unlock_irqrestore(&edu->lock, flags);
	queue_work(system_wq, &edu->work);
	return 0;
}

static void grab_edu_stop(struct grab_dev *gd)
{
	struct grab_edu *edu = grab_device_priv(gd);
	unsigned long flags;
	bool frame;

	spin_lock_irqsave(&edu->lock, flags);
	edu->running = false;
	spin_unlock_irqrestore(&edu->lock, flags);
	/* The transfer in flight still writes: wait for its interrupt. */
	if (!wait_event_timeout(edu->idle, grab_edu_idle(edu),
				EDU_STOP_TIMEOUT))
		dev_err(&edu->pdev->dev,
			"DMA transfer did not finish in %u s\n",
			EDU_STOP_TIMEOUT / HZ);
	/* A work item that saw running aborts its own frame. */
	cancel_work_sync(&edu->work);
	spin_lock_irqsave(&edu->lock, flags);
	frame = edu->frame;
	edu->frame = false;
	edu->busy = false;
	spin_unlock_irqrestore(&edu->lock, flags);
	if (frame)
		grab_frame_abort(gd, &edu->buf);
	dev_info(&edu->pdev->dev,
		 "%llu frames, %llu DMA transfers, %llu us per transfer\n",
		 edu->frames, edu->transfers,
		 edu->transfers ? div64_u64(edu->xfer_ns, edu->transfers) /
					  NSEC_PER_USEC :
				  0);
}

/* Any format the ring holds, up to the sensor's size. */
static int grab_edu_try_format(struct grab_dev *gd,
			       const struct grab_format *fmt)
{
	return fmt->sizeimage <= GRAB_EDU_MAX_FRAME ? 0 : -EINVAL;
}

/* No ->produce: real hardware captures only while streaming. */
static const struct grab_hw_ops grab_edu_ops = {
	.start = grab_edu_start,
	.stop = grab_edu_stop,
	.try_format = grab_edu_try_format,
};

/* Check every module parameter, naming the first bad one. */
static int grab_edu_check_params(struct grab_format *fmt)
{
	memset(fmt, 0, sizeof(*fmt));
	fmt->width = width;
	fmt->height = height;
	if (format && !strcasecmp(format, "YUYV"))
		fmt->fourcc = GRAB_FMT_YUYV;
	else if (format && !strcasecmp(format, "GREY"))
		fmt->fourcc = GRAB_FMT_GREY;
	else if (format && !strcasecmp(format, "RGB3"))
		fmt->fourcc = GRAB_FMT_RGB24;
	if (!fmt->fourcc) {
		pr_err("format=%s is not one of YUYV, GREY, RGB3\n",
		       format ? format : "(null)");
		return -EINVAL;
	}
	if (grab_format_complete(fmt) || fmt->sizeimage > GRAB_EDU_MAX_FRAME) {
		pr_err("width=%u height=%u format=%s is not a frame of at most %u bytes\n",
		       width, height, format, GRAB_EDU_MAX_FRAME);
		return -EINVAL;
	}
	if (slots < GRAB_MIN_SLOTS || slots > GRAB_MAX_SLOTS) {
		pr_err("slots=%u is out of range [%u, %u]\n", slots,
		       GRAB_MIN_SLOTS, GRAB_MAX_SLOTS);
		return -EINVAL;
	}
	if (chunk < 1 || chunk > EDU_CHUNK_MAX) {
		pr_err("chunk=%u is out of range [1, %u]\n", chunk,
		       EDU_CHUNK_MAX);
		return -EINVAL;
	}
	if (dma_bits < 24 || dma_bits > 64) {
		pr_err("dma_bits=%u is out of range [24, 64]\n", dma_bits);
		return -EINVAL;
	}
	return 0;
}

/* Checked by the module's init. */
static struct grab_format grab_edu_format;

static int grab_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct grab_dev_config cfg = {
		.format = grab_edu_format,
		.nslots = slots,
		/*
		 * Nominal rate: 100 ms per transfer; per chunk one to stage
		 * and one to deliver, one more per page boundary crossed.
		 */
		.fps_num = 10,
		.fps_den = 2 * DIV_ROUND_UP(grab_edu_format.sizeimage, chunk) +
			   DIV_ROUND_UP(grab_edu_format.sizeimage, PAGE_SIZE) -
			   1,
	};
	struct device *dev = &pdev->dev;
	struct grab_edu *edu;
	u32 ident;
	int ret;

	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	spin_lock_init(&edu->lock);
	init_waitqueue_head(&edu->idle);
	INIT_WORK(&edu->work, grab_edu_work);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	edu->regs = pcim_iomap_table(pdev)[0];
	ident = readl(edu->regs + EDU_REG_ID);
	if ((ident & 0xff) != EDU_ID_MAGIC) {
		dev_err(dev,
			"identification register reads %#x, not an edu device\n",
			ident);
		return -ENODEV;
	}
	/*
	 * The engine drives dma_bits address bits: the DMA API keeps every
	 * address it hands out below that, bouncing or remapping as needed.
	 */
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(dma_bits));
	if (ret) {
		dev_err(dev, "no usable DMA configuration for %u bits\n",
			dma_bits);
		return ret;
	}
	pci_set_master(pdev);

	edu->sensor = kzalloc(GRAB_EDU_MAX_FRAME, GFP_KERNEL);
	if (!edu->sensor)
		return -ENOMEM;
	edu->sensor_dma = dma_map_single(dev, edu->sensor, GRAB_EDU_MAX_FRAME,
					 DMA_TO_DEVICE);
	ret = dma_mapping_error(dev, edu->sensor_dma);
	if (ret)
		goto err_sensor;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (ret < 0)
		goto err_unmap;
	edu->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(edu->irq, grab_edu_irq, IRQF_SHARED, KBUILD_MODNAME,
			  edu);
	if (ret)
		goto err_vectors;

	/* The ring is mapped for the PCI device: it is what does the DMA. */
	edu->gd = grab_device_register(dev, &grab_edu_ops, edu, &cfg);
	if (IS_ERR(edu->gd)) {
		ret = PTR_ERR(edu->gd);
		goto err_irq;
	}
	pci_set_drvdata(pdev, edu);
	dev_info(dev,
		 "edu %u.%u, %s interrupt, %u-bit DMA, %u-byte chunks: %s\n",
		 ident >> 24, (ident >> 16) & 0xff,
		 pdev->msi_enabled ? "MSI" : "INTx", dma_bits, chunk,
		 dev_name(grab_device_dev(edu->gd)));
	return 0;

err_irq:
	free_irq(edu->irq, edu);
err_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	dma_unmap_single(dev, edu->sensor_dma, GRAB_EDU_MAX_FRAME,
			 DMA_TO_DEVICE);
err_sensor:
	kfree(edu->sensor);
	return ret;
}

static void grab_edu_remove(struct pci_dev *pdev)
{
	struct grab_edu *edu = pci_get_drvdata(pdev);

	/* Stops the device if it streams: no transfer after this. */
	grab_device_unregister(edu->gd);
	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
	dma_unmap_single(&pdev->dev, edu->sensor_dma, GRAB_EDU_MAX_FRAME,
			 DMA_TO_DEVICE);
	kfree(edu->sensor);
}

static const struct pci_device_id grab_edu_ids[] = {
	{ PCI_DEVICE(GRAB_EDU_VENDOR, GRAB_EDU_DEVICE) }, {}
};
MODULE_DEVICE_TABLE(pci, grab_edu_ids);

static struct pci_driver grab_edu_driver = {
	.name = "grab-edu",
	.id_table = grab_edu_ids,
	.probe = grab_edu_probe,
	.remove = grab_edu_remove,
	/* Unbinding under open files is what rmmod does; both are safe. */
};

static int __init grab_edu_init(void)
{
	int ret = grab_edu_check_params(&grab_edu_format);

	return ret ? ret : pci_register_driver(&grab_edu_driver);
}

static void __exit grab_edu_exit(void)
{
	pci_unregister_driver(&grab_edu_driver);
}

module_init(grab_edu_init);
module_exit(grab_edu_exit);

MODULE_DESCRIPTION(
	"grab: capture driver for QEMU's edu PCI device, frames by DMA");
MODULE_AUTHOR("grab developers");
MODULE_LICENSE("GPL");
