// SPDX-License-Identifier: MIT
/*
 * gst-formats: grab's format table as the gst tier walks it, one line per
 * format: NAME FOURCC MEDIA FORMAT (a space in a fourcc printed as '_',
 * FORMAT "-" for image/jpeg, MEDIA "none" if grabsrc has no caps for it).
 */
#include <stdio.h>

#include "grab-caps.h"
#include "grab-format.h"

int main(void)
{
	const struct grab_format_info *t;
	unsigned int i, j, n;

	t = grab_format_table(&n);
	for (i = 0; i < n; i++) {
		const struct grab_gst_format *gf = grab_gst_format(t[i].fourcc);
		char fcc[5];

		for (j = 0; j < 4; j++) {
			fcc[j] = (char)(t[i].fourcc >> (8 * j));
			if (fcc[j] == ' ')
				fcc[j] = '_';
		}
		fcc[4] = 0;
		printf("%s %s %s %s\n", t[i].name, fcc, gf ? gf->media : "none",
		       gf && gf->format ? gf->format : "-");
	}
	return 0;
}
