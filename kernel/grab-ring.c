// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: the capture ring's memory.
 *
 * Order-0 pages in a page array: they are ordinary refcounted pages, so the
 * mmap fault handler can hand them out through vmf->page (memory from
 * dma_alloc_coherent() could not be: its tail pages are not refcounted).
 * The producer writes through a vmap() of the array; the slot pages are
 * also mapped for the device with the DMA API, DMA_FROM_DEVICE, as a real
 * grabber's scatter-gather engine would need them.  The header pages are
 * only ever written by the CPU and are not part of the DMA mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "grab-drv.h"

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
 * @fps:     frames per second, recorded in the header
 * @first:   number of the first frame this ring will hold
 *
 * Return: the ring with one reference, or an ERR_PTR(): -EINVAL for a bad
 * format or slot count, -ENOMEM when it is too large or memory is short.
 */
struct grab_ring *grab_ring_alloc(struct device *dma_dev,
				  const struct grab_format *fmt, u32 nslots,
				  u32 fps, u64 first)
{
	struct grab_layout layout;
	struct grab_ring *ring;
	unsigned int data_page, i;
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
		ring->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO |
					    __GFP_NOWARN);
		if (!ring->pages[i])
			goto err_free_pages;
	}

	ring->vaddr = vmap(ring->pages, ring->npages, VM_MAP, PAGE_KERNEL);
	if (!ring->vaddr)
		goto err_free_pages;

	data_page = layout.data_offset >> PAGE_SHIFT;
	ret = sg_alloc_table_from_pages(&ring->sgt, ring->pages + data_page,
					ring->npages - data_page, 0,
					ring->size - layout.data_offset,
					GFP_KERNEL);
	if (ret)
		goto err_vunmap;
	ret = dma_map_sgtable(dma_dev, &ring->sgt, DMA_FROM_DEVICE, 0);
	if (ret)
		goto err_free_sgt;
	ring->dma_dev = get_device(dma_dev);

	ring->hdr = ring->vaddr;
	ring->desc = ring->vaddr + layout.desc_offset;
	grab_ring_header_init(ring->hdr, &layout, fmt, nslots, fps, 1);
	ring->hdr->head = first;
	/* Nobody can map the ring before the caller publishes it. */
	return ring;

err_free_sgt:
	sg_free_table(&ring->sgt);
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

	dma_unmap_sgtable(ring->dma_dev, &ring->sgt, DMA_FROM_DEVICE, 0);
	sg_free_table(&ring->sgt);
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
