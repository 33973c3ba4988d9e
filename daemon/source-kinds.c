// SPDX-License-Identifier: MIT
/*
 * Every kind of source grabberd knows, by the prefix of its "source =".  A
 * new kind is one new file and one entry here.  (The stream's unit test
 * links its own table instead, of fake sources.)
 */
#include "daemon.h"

const struct source_ops *const source_kinds[] = {
	&source_test_ops,
	&source_grab_ops,
	&source_v4l2_ops,
};

const size_t source_nkinds = sizeof(source_kinds) / sizeof(source_kinds[0]);
