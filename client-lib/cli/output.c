// SPDX-License-Identifier: MIT
/*
 * grab-capture's outputs; see output.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

static mode_t file_mode; /* 0666 minus the umask, for renamed temp files */

/*
 * Rewrite a user pattern into a format for one unsigned long long.
 * Returns the number of conversions (0 or 1), -EINVAL if bad; *@ret_fmt is
 * the rewritten format (with %% kept), *@ret_plain the name with %% undone.
 */
static int parse_pattern(const char *s, char **ret_fmt, char **ret_plain)
{
	size_t len = strlen(s);
	char *fmt = malloc(len * 2 + 8), *plain = malloc(len + 1);
	char *f = fmt, *p = plain;
	int conversions = 0;

	if (!fmt || !plain)
		goto nomem;
	while (*s) {
		const char *start = s;

		if (*s != '%') {
			*f++ = *s;
			*p++ = *s++;
			continue;
		}
		s++;
		if (*s == '%') {
			*f++ = '%';
			*f++ = '%';
			*p++ = '%';
			s++;
			continue;
		}
		s += strspn(s, "-+ #0");
		s += strspn(s, "0123456789");
		if (*s == '.') {
			s++;
			s += strspn(s, "0123456789");
		}
		/* Accept and drop the caller's length modifier: we supply ll. */
		s += strspn(s, "hlqjzt");
		if (!*s || !strchr("diuxXo", *s) || conversions++)
			goto bad;
		memcpy(f, start, (size_t)(s - start));
		f += s - start;
		/* Drop any length modifier copied above, then add ours. */
		while (f > fmt && strchr("hlqjzt", f[-1]))
			f--;
		*f++ = 'l';
		*f++ = 'l';
		*f++ = *s == 'd' || *s == 'i' ? 'u' : *s;
		s++;
	}
	*f = *p = '\0';
	*ret_fmt = fmt;
	*ret_plain = plain;
	return conversions;
bad:
	free(fmt);
	free(plain);
	return -EINVAL;
nomem:
	free(fmt);
	free(plain);
	return -ENOMEM;
}

/* A copy of @s with every % doubled, for use inside a format. */
static char *escape_percent(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '%')
			*o++ = '%';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

int output_init(struct output *o, const char *path, const char *ext)
{
	struct stat st;
	size_t len = strlen(path);
	mode_t mask;
	int r;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	mask = umask(0);
	umask(mask);
	file_mode = 0666 & ~mask;

	if (!strcmp(path, "-")) {
		o->kind = OUTPUT_STDOUT;
		o->path = strdup("-");
		return o->path ? 0 : -ENOMEM;
	}
	if (!len)
		return -EINVAL;
	if (path[len - 1] == '/' ||
	    (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		char *dir = strdup(path), *esc;

		if (!dir)
			return -ENOMEM;
		while (len > 1 && dir[len - 1] == '/')
			dir[--len] = '\0';
		esc = escape_percent(dir);
		if (!esc || asprintf(&o->pattern, "%s/frame-%%06llu.%s",
				     strcmp(esc, "/") ? esc : "", ext) < 0) {
			free(esc);
			free(dir);
			o->pattern = NULL;
			return -ENOMEM;
		}
		free(esc);
		o->kind = OUTPUT_DIR;
		o->path = dir;
		return 0;
	}
	r = parse_pattern(path, &o->pattern, &o->path);
	if (r < 0)
		return r;
	if (r == 0) {
		free(o->pattern);
		o->pattern = NULL;
		o->kind = OUTPUT_FILE;
	} else {
		free(o->path);
		o->path = strdup(path);
		o->kind = OUTPUT_PATTERN;
		if (!o->path)
			return -ENOMEM;
	}
	return 0;
}

int output_name(const struct output *o, uint64_t index, char *buf, size_t size)
{
	int n = snprintf(buf, size, o->pattern, (unsigned long long)index);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p of the directory part of @file (or of @file itself if @whole). */
static int make_dirs(const char *file, bool whole, char *failed, size_t size)
{
	char buf[PATH_MAX];
	char *slash, *p;
	size_t len = strlen(file);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, file, len + 1);
	if (!whole) {
		slash = strrchr(buf, '/');
		if (!slash)
			return 0;
		*slash = '\0';
	}
	for (p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (buf[0] && mkdir(buf, 0777) < 0 && errno != EEXIST) {
			int r = -errno;

			snprintf(failed, size, "%s", buf);
			return r;
		}
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

int output_open(struct output *o, const char **ret_what)
{
	struct stat st;
	int r;

	*ret_what = o->path;
	switch (o->kind) {
	case OUTPUT_STDOUT:
		o->fd = STDOUT_FILENO;
		if (fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode)) {
			off_t at = lseek(o->fd, 0, SEEK_CUR);

			o->regular = at >= 0;
			o->good = at >= 0 ? at : 0;
		}
		return 0;
	case OUTPUT_FILE:
		r = make_dirs(o->path, false, o->current, sizeof(o->current));
		if (r < 0) {
			*ret_what = o->current;
			return r;
		}
		o->fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0666);
		if (o->fd < 0)
			return -errno;
		o->created = true;
		o->regular = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
		snprintf(o->current, sizeof(o->current), "%s", o->path);
		return 0;
	case OUTPUT_PATTERN:
	case OUTPUT_DIR:
		r = output_name(o, 0, o->current, sizeof(o->current));
		if (r < 0)
			return r;
		r = make_dirs(o->kind == OUTPUT_DIR ? o->path : o->current,
			      o->kind == OUTPUT_DIR, o->current,
			      sizeof(o->current));
		if (r < 0) {
			*ret_what = o->current;
			return r;
		}
		return 0;
	}
	return -EINVAL;
}

/* writev() everything, across short writes and EINTR.  0 or -errno. */
static int write_all(int fd, const struct iovec *in, int n)
{
	struct iovec iov[8];
	struct iovec *v = iov;

	if (n > 8)
		return -EINVAL;
	memcpy(iov, in, sizeof(*in) * (size_t)n);
	while (n > 0) {
		ssize_t w = writev(fd, v, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static size_t iov_bytes(const struct iovec *iov, int n)
{
	size_t total = 0;

	while (n-- > 0)
		total += iov[n].iov_len;
	return total;
}

/* One frame into its own file: temp name, then rename into place. */
static int frame_file(struct output *o, const struct iovec *iov, int n,
		      const char **ret_what)
{
	char tmp[sizeof(o->current) + 32];
	const char *base;
	int fd, r;

	r = output_name(o, o->frames, o->current, sizeof(o->current));
	*ret_what = o->current;
	if (r < 0)
		return r;
	base = strrchr(o->current, '/');
	if (base)
		snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX",
			 (int)(base - o->current), o->current, base + 1);
	else
		snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", o->current);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, iov, n);
	if (!r && fchmod(fd, file_mode) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, o->current) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int output_frame(struct output *o, const struct iovec *iov, int n,
		 const char **ret_what)
{
	size_t bytes = iov_bytes(iov, n);
	int r;

	if (output_per_frame(o)) {
		r = frame_file(o, iov, n, ret_what);
	} else {
		*ret_what = o->kind == OUTPUT_STDOUT ? "stdout" : o->path;
		r = write_all(o->fd, iov, n);
		if (!r)
			o->good += (off_t)bytes;
	}
	if (r < 0)
		return r;
	o->frames++;
	o->bytes += bytes;
	return 0;
}

int output_close(struct output *o, bool failed, bool *ret_removed)
{
	int r = 0;

	*ret_removed = false;
	if (o->fd < 0)
		return 0;
	if (failed && o->regular) {
		if (o->kind == OUTPUT_FILE && o->good == 0) {
			unlink(o->path);
			*ret_removed = true;
		} else if (ftruncate(o->fd, o->good) < 0 &&
			   o->kind == OUTPUT_FILE) {
			/* Cannot cut it back: never leave a torn file. */
			unlink(o->path);
			*ret_removed = true;
		}
	}
	if (o->kind != OUTPUT_STDOUT && close(o->fd) < 0)
		r = -errno;
	o->fd = -1;
	return r;
}

void output_free(struct output *o)
{
	free(o->path);
	free(o->pattern);
	o->path = o->pattern = NULL;
}
