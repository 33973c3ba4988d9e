/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz targets: a failed invariant is a crash libFuzzer keeps. */
#ifndef GRAB_FUZZ_H
#define GRAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Read every byte of a region, so that ASan sees each one. */
static inline unsigned int fuzz_touch(const void *p, size_t n)
{
	const volatile uint8_t *b = p;
	unsigned int sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += b[i];
	return sum;
}

#endif
