/* SPDX-License-Identifier: MIT */
/*
 * What copy-server and copy-client share: the header sent before each
 * frame's bytes (socket mode), which is also the head of the shared memory
 * object (memsink mode, the frame's bytes at COPY_SHM_DATA).
 */
#ifndef COPY_PROTO_H
#define COPY_PROTO_H

#include <stdint.h>

#define COPY_MAGIC 0x59504f43u /* "COPY" */
#define COPY_SHM_DATA 4096u

struct copy_hdr {
	uint32_t magic;
	uint32_t bytes;
	uint64_t sequence;
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC, when the pixels were written */
};

static inline uint8_t *copy_shm_data(struct copy_hdr *h)
{
	return (uint8_t *)h + COPY_SHM_DATA;
}

#endif /* COPY_PROTO_H */
