/* SPDX-License-Identifier: MIT */
/*
 * Where grab-capture's frames go: one stream (stdout or a file holding every
 * frame), or one file per frame named by a printf-style pattern or inside a
 * directory.
 *
 * Nothing half-written is left behind: a per-frame file is written under a
 * temporary name and renamed into place once whole; a stream file is cut
 * back to its last whole frame on a write error, or removed if it holds
 * none.
 */
#ifndef GRAB_CAPTURE_OUTPUT_H
#define GRAB_CAPTURE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

enum output_kind {
	OUTPUT_STDOUT, /* "-" */
	OUTPUT_FILE, /* one file holding every frame */
	OUTPUT_PATTERN, /* "frames/%05d.jpg": a file per frame */
	OUTPUT_DIR, /* "frames/": DIR/frame-000000.EXT */
};

struct output {
	enum output_kind kind;
	char *path; /* as given (DIR without the trailing slash) */
	char *pattern; /* printf format with one %llu-like conversion */
	int fd; /* stream kinds: where frames go, else -1 */
	bool regular; /* fd is a regular file: can be cut back */
	bool created; /* we created the stream file */
	off_t good; /* stream: bytes of whole frames written */
	uint64_t frames; /* frames written */
	uint64_t bytes; /* bytes written */
	char current[4096]; /* the file the last frame went to */
};

/*
 * Classify @path ("-", a pattern, a directory, a file) for frames with the
 * file extension @ext ("jpg").  Returns 0, or -EINVAL for a pattern with
 * other conversions than one integer (%d %i %u %x %X %o with flags and
 * width) and %%.
 */
int output_init(struct output *o, const char *path, const char *ext);

/*
 * Get ready to write: create missing parent directories, open the stream
 * file.  Returns 0 or -errno; *@ret_what names the path that failed.
 */
int output_open(struct output *o, const char **ret_what);

/*
 * Write one whole frame made of @n pieces.  Returns 0 or -errno (and the
 * frame is not there: see above); *@ret_what names the path that failed.
 */
int output_frame(struct output *o, const struct iovec *iov, int n,
		 const char **ret_what);

/*
 * Done: close the stream.  After a failed output_frame(), cut a stream file
 * back to its last whole frame or remove it if it holds none.  Returns 0 or
 * -errno (close failed).  *@ret_removed says the file was removed.
 */
int output_close(struct output *o, bool failed, bool *ret_removed);

/* Format the name of per-frame file @index into @buf.  0 or -ENAMETOOLONG. */
int output_name(const struct output *o, uint64_t index, char *buf, size_t size);

/* An output kind that gets one file per frame. */
static inline bool output_per_frame(const struct output *o)
{
	return o->kind == OUTPUT_PATTERN || o->kind == OUTPUT_DIR;
}

void output_free(struct output *o);

#endif /* GRAB_CAPTURE_OUTPUT_H */
