/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grab.ko: the few kernel APIs that differ between the kernels we build on
 * (Debian's 6.1 and 6.12).  Everything else is written against both as is.
 */
#ifndef GRAB_COMPAT_H
#define GRAB_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

/* vm_flags became read-only behind vm_flags_{set,clear}() in 6.3. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void grab_vm_flags_set(struct vm_area_struct *vma,
				     unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void grab_vm_flags_clear(struct vm_area_struct *vma,
				       unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define grab_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#define grab_vm_flags_clear(vma, flags) vm_flags_clear(vma, flags)
#endif

/*
 * platform_driver::remove returns void since 6.11; before that the void
 * variant was called remove_new.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#define GRAB_PLATFORM_REMOVE remove_new
#else
#define GRAB_PLATFORM_REMOVE remove
#endif

#endif /* GRAB_COMPAT_H */
