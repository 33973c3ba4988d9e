// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: the capture ring's memory.
 *
 * Order-0 pages in a page array: they are ordinary refcounted pages, so the
 * mmap fault handler can hand them out through vmf->page (memory from
 * dma_alloc_coherent() could not be: its tail pages are not refcounted).
 * The CPU sees the ring through a vmap() of the array.  Each slot's pages
 * (a slot starts on a page boundary) also get a scatter list of their own,
 * mapped for the capture device with the DMA API, DMA_FROM_DEVICE: a
 * driver hands the device one slot at a time, and publishing a frame syncs
 * that slot alone.  The header pages are only ever written by the CPU and
 * are not part of any DMA mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "grab-drv.h"

/* Unmap and free the first @n slot scatter lists. */
static void grab_ring_free_sgts(struct grab_ring *ring, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (ring->dma_mapped)
			dma_unmap_sgtable(ring->dma_dev, &ring->slot_sgt[i],
					  DMA_FROM_DEVICE, 0);
		sg_free_table(&ring->slot_sgt[i]);
	}
	kfree(ring->slot_sgt);
}

/* One scatter list per slot, each mapped for @dma_dev. */
static int grab_ring_map_slots(struct grab_ring *ring, struct device *dma_dev)
{
	unsigned int per_slot = ring->slot_stride >> PAGE_SHIFT;
	unsigned int first = ring->data_offset >> PAGE_SHIFT;
	/*
	 * Contiguous pages merge into one segment, but no larger than the
	 * device may map at once: a bounced mapping (swiotlb) holds at most
	 * 256 KiB.
	 */
	unsigned int max_seg = min_t(size_t, dma_max_mapping_size(dma_dev),
				     dma_get_max_seg_size(dma_dev)) &
			       PAGE_MASK;
	u32 i;
	int ret;

	ring->slot_sgt =
		kcalloc(ring->nslots, sizeof(*ring->slot_sgt), GFP_KERNEL);
	if (!ring->slot_sgt)
		return -ENOMEM;
	ring->dma_dev = dma_dev;
	ring->dma_mapped = true;
	for (i = 0; i < ring->nslots; i++) {
		struct sg_table *sgt = &ring->slot_sgt[i];
		struct page **pages = ring->pages + first + i * per_slot;

		ret = sg_alloc_table_from_pages_segment(sgt, pages, per_slot, 0,
							ring->slot_stride,
							max_seg, GFP_KERNEL);
		if (ret)
			goto err;
		ret = dma_map_sgtable(dma_dev, sgt, DMA_FROM_DEVICE, 0);
		if (ret) {
			sg_free_table(sgt);
			goto err;
		}
	}
	return 0;

err:
	grab_ring_free_sgts(ring, i);
	ring->slot_sgt = NULL;
	return ret;
}

static void grab_ring_free_pages(struct grab_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ring->npages; i++)
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	kvfree(ring->pages);
}

/**
 * grab_ring_alloc() - allocate, map and initialise a ring
 * @dma_dev: device the slots are DMA-mapped for
 * @fmt:     frame format, completed (grab_format_complete())
 * @nslots:  number of slots
 * @fps_num: frame rate recorded in the header, numerator
 * @fps_den: and denominator
 * @first:   number of the first frame this ring will hold
 *
 * Return: the ring with one reference, or an ERR_PTR(): -EINVAL for a bad
 * format or slot count, -ENOMEM when it is too large or memory is short.
 */
struct grab_ring *grab_ring_alloc(struct device *dma_dev,
				  const struct grab_format *fmt, u32 nslots,
				  u32 fps_num, u32 fps_den, u64 first)
{
	struct grab_layout layout;
	struct grab_ring *ring;
	unsigned int i;
	int ret;

	if (grab_ring_layout(fmt, nslots, PAGE_SIZE, &layout))
		return ERR_PTR(-EINVAL);
	if (layout.ring_size > GRAB_MAX_RING_BYTES)
		return ERR_PTR(-ENOMEM);

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	kref_init(&ring->ref);
	atomic_set(&ring->mappings, 0);
	ring->format = *fmt;
	ring->nslots = nslots;
	ring->slot_stride = layout.slot_stride;
	ring->data_offset = layout.data_offset;
	ring->size = layout.ring_size;
	ring->first = first;
	ring->npages = layout.ring_size >> PAGE_SHIFT;

	ret = -ENOMEM;
	ring->pages = kvcalloc(ring->npages, sizeof(*ring->pages), GFP_KERNEL);
	if (!ring->pages)
		goto err_free_ring;
	for (i = 0; i < ring->npages; i++) {
		ring->pages[i] =
			alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
		if (!ring->pages[i])
			goto err_free_pages;
	}

	ring->vaddr = vmap(ring->pages, ring->npages, VM_MAP, PAGE_KERNEL);
	if (!ring->vaddr)
		goto err_free_pages;

	ret = grab_ring_map_slots(ring, dma_dev);
	if (ret)
		goto err_vunmap;
	get_device(dma_dev);

	ring->hdr = ring->vaddr;
	ring->desc = ring->vaddr + layout.desc_offset;
	grab_ring_header_init(ring->hdr, &layout, fmt, nslots, fps_num,
			      fps_den);
	ring->hdr->head = first;
	/* Nobody can map the ring before the caller publishes it. */
	return ring;

err_vunmap:
	vunmap(ring->vaddr);
err_free_pages:
	grab_ring_free_pages(ring);
err_free_ring:
	kfree(ring);
	return ERR_PTR(ret);
}

static void grab_ring_release(struct kref *ref)
{
	struct grab_ring *ring = container_of(ref, struct grab_ring, ref);

	grab_ring_free_sgts(ring, ring->nslots);
	put_device(ring->dma_dev);
	vunmap(ring->vaddr);
	/*
	 * Pages still mapped somewhere keep the reference the fault handler
	 * took; this drops only the ring's own.
	 */
	grab_ring_free_pages(ring);
	kfree(ring);
}

/**
 * grab_ring_dma_unmap() - end the device's access to the ring for good
 * @ring: the ring, no frame in flight
 *
 * Called when the driver goes away while mappings may keep the ring alive:
 * the DMA mappings belong to the driver's binding, the pages to the ring.
 */
void grab_ring_dma_unmap(struct grab_ring *ring)
{
	u32 i;

	if (!ring->dma_mapped)
		return;
	for (i = 0; i < ring->nslots; i++)
		dma_unmap_sgtable(ring->dma_dev, &ring->slot_sgt[i],
				  DMA_FROM_DEVICE, 0);
	ring->dma_mapped = false;
}

/**
 * grab_ring_get() - take a reference on a ring
 * @ring: the ring
 */
void grab_ring_get(struct grab_ring *ring)
{
	kref_get(&ring->ref);
}

/**
 * grab_ring_put() - drop a reference; the last one frees the ring
 * @ring: the ring, may be NULL
 */
void grab_ring_put(struct grab_ring *ring)
{
	if (ring)
		kref_put(&ring->ref, grab_ring_release);
}
