// SPDX-License-Identifier: GPL-2.0
/*
 * grab.ko: mapping the ring into user space, read-only and shared.
 *
 * Pages are handed out one by one from the fault handler (like ALSA's PCM
 * data fault), each with a reference the core drops at unmap.  The vma holds
 * a reference on the ring, so a ring replaced by a format change would stay
 * valid for its mappers; in practice a format change is refused while the
 * ring is mapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>

#include "grab-compat.h"
#include "grab-drv.h"

/**
 * grab_vm_open() - a mapping was copied (fork) or split
 * @vma: the new vma
 */
static void grab_vm_open(struct vm_area_struct *vma)
{
	struct grab_ring *ring = vma->vm_private_data;

	grab_ring_get(ring);
	atomic_inc(&ring->mappings);
}

/**
 * grab_vm_close() - a mapping went away
 * @vma: the vma
 *
 * Runs under mmap_lock: takes no lock of ours.
 */
static void grab_vm_close(struct vm_area_struct *vma)
{
	struct grab_ring *ring = vma->vm_private_data;

	atomic_dec(&ring->mappings);
	grab_ring_put(ring);
}

/**
 * grab_vm_fault() - supply one page of the ring
 * @vmf: the fault
 *
 * Return: 0 with vmf->page referenced, or VM_FAULT_SIGBUS past the ring.
 */
static vm_fault_t grab_vm_fault(struct vm_fault *vmf)
{
	struct grab_ring *ring = vmf->vma->vm_private_data;
	struct page *page;

	/* vmf->pgoff counts from the start of the ring, not of the vma. */
	if (vmf->pgoff >= ring->npages)
		return VM_FAULT_SIGBUS;
	page = ring->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct grab_vm_ops = {
	.open = grab_vm_open,
	.close = grab_vm_close,
	.fault = grab_vm_fault,
};

/**
 * grab_mmap() - map (part of) the ring, shared and read-only
 * @file: an open /dev/grabN
 * @vma:  the new mapping
 *
 * Return: 0; -EINVAL for a private mapping or a range outside the ring;
 * -EACCES for PROT_WRITE; -EPERM for PROT_EXEC.  mprotect() cannot add
 * either later: VM_MAYWRITE and VM_MAYEXEC are cleared.
 */
int grab_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct grab_file *gf = file->private_data;
	struct grab_dev *gd = gf->gd;
	unsigned long npages = vma_pages(vma);
	struct grab_ring *ring;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	mutex_lock(&gd->lock);
	ring = gd->ring;
	/* Written so that neither comparison can overflow. */
	if (vma->vm_pgoff >= ring->npages ||
	    npages > ring->npages - vma->vm_pgoff) {
		mutex_unlock(&gd->lock);
		return -EINVAL;
	}
	grab_ring_get(ring);
	atomic_inc(&ring->mappings);
	mutex_unlock(&gd->lock);

	vma->vm_private_data = ring;
	vma->vm_ops = &grab_vm_ops;
	grab_vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	grab_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}
