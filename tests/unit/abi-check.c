/* SPDX-License-Identifier: MIT */
/* Compiled as C99 and as C++ by tests/unit/run.sh: the ABI header must build
 * in both with every warning an error. */
#include <string.h>
#include <linux/grab.h>

int grab_abi_check(void);
int grab_abi_check(void)
{
	struct grab_ring_header h;

	memset(&h, 0, sizeof(h));
	h.magic = GRAB_MAGIC;
	h.format.nplanes = 1;
	h.format.planes[0].stride = 64;
	return (int)sizeof(h) + (int)h.magic + (int)GRAB_IOC_INFO +
	       (int)h.format.planes[0].stride;
}
