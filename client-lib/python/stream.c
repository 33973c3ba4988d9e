// SPDX-License-Identifier: MIT
/*
 * grab.Stream: one libgrab handle.  grab.connect() and grab.open_device()
 * make one; it is a context manager and an iterator of frames.
 *
 * Every libgrab call on the handle is made holding the stream's lock, with
 * the GIL released while it may wait, so other Python threads run on.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "grabpy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void give_back_pending(StreamObject *s)
{
	while (s->npending)
		grab_frame_release(s->pending[--s->npending]);
}

void grabpy_stream_lock(StreamObject *s)
{
	PyThreadState *ts;

	if (!PyThread_acquire_lock(s->lock, NOWAIT_LOCK)) {
		ts = PyEval_SaveThread();
		PyThread_acquire_lock(s->lock, WAIT_LOCK);
		PyEval_RestoreThread(ts);
	}
	give_back_pending(s);
}

void grabpy_stream_unlock(StreamObject *s)
{
	give_back_pending(s);
	PyThread_release_lock(s->lock);
}

/*
 * Give a frame back to libgrab (its Hold died).  If another thread is in
 * a call on the handle (holding the lock, waiting for a frame), the frame
 * goes on the pending list, which that thread empties before it lets the
 * lock go.  The GIL orders the list's users: both sides hold it.
 */
void grabpy_stream_give_back(StreamObject *s, struct grab_frame *f)
{
	PyThreadState *ts;

	if (PyThread_acquire_lock(s->lock, NOWAIT_LOCK)) {
		grab_frame_release(f);
		grabpy_stream_unlock(s);
		return;
	}
	if (s->npending < ARRAY_SIZE(s->pending)) {
		s->pending[s->npending++] = f;
		return;
	}
	/* Cannot happen (libgrab hands out at most GRABPY_MAX_HELD frames):
	 * wait for the lock rather than leak the frame. */
	ts = PyEval_SaveThread();
	PyThread_acquire_lock(s->lock, WAIT_LOCK);
	PyEval_RestoreThread(ts);
	grab_frame_release(f);
	grabpy_stream_unlock(s);
}

static int check_open(StreamObject *s)
{
	if (s->g)
		return 0;
	PyErr_SetString(PyExc_ValueError, "operation on a closed grab stream");
	return -1;
}

static const char *resolve_socket(const char *given)
{
	const char *env = getenv(GRAB_SOCKET_ENV);

	if (given)
		return given;
	return env && *env ? env : GRAB_DEFAULT_SOCKET;
}

static StreamObject *stream_new(struct grab *g, const char *socket_path,
				const char *name)
{
	StreamObject *s = PyObject_New(StreamObject, &grabpy_stream_type);

	if (!s) {
		grab_close(g);
		return NULL;
	}
	s->g = g;
	s->npending = 0;
	snprintf(s->socket_path, sizeof(s->socket_path), "%s", socket_path);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->lock = PyThread_allocate_lock();
	if (!s->lock) {
		Py_DECREF(s);
		return (StreamObject *)PyErr_NoMemory();
	}
	return s;
}

/* The daemon's reason a stream's source is down ("" if it gives none). */
static void source_error(StreamObject *s, char *buf, size_t len)
{
	PyThreadState *ts;
	struct grab_stream_stats st;
	int r;

	ts = PyEval_SaveThread();
	r = grab_stream_stats(s->g, &st);
	PyEval_RestoreThread(ts);
	snprintf(buf, len, "%s",
		 r == 0 && st.error[0] ? st.error : "no reason given");
}

/* Accept None (no path) or anything os.fspath() takes. */
static int optional_path(PyObject *o, void *ret)
{
	if (o == Py_None) {
		*(PyObject **)ret = NULL;
		return 1;
	}
	return PyUnicode_FSConverter(o, ret);
}

PyObject *grabpy_connect(PyObject *self, PyObject *args, PyObject *kwargs)
{
	PyThreadState *ts;
	static char *kw[] = { "stream", "socket", NULL };
	const char *stream = NULL, *path;
	PyObject *sock = NULL;
	struct grab *g = NULL;
	struct stat st;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zO&:connect", kw,
					 &stream, optional_path, &sock))
		return NULL;
	path = resolve_socket(sock ? PyBytes_AS_STRING(sock) : NULL);
	if (!stream)
		stream = GRAB_DEFAULT_STREAM;
	if (strlen(path) >= sizeof(((StreamObject *)0)->socket_path)) {
		Py_XDECREF(sock);
		PyErr_Format(PyExc_ValueError, "socket path too long: %s",
			     path);
		return NULL;
	}
	ts = PyEval_SaveThread();
	r = grab_connect(path, stream, 0, &g);
	PyEval_RestoreThread(ts);
	if (r >= 0) {
		PyObject *s = (PyObject *)stream_new(g, path, stream);

		Py_XDECREF(sock);
		return s;
	}
	switch (r) {
	case -ENOENT:
		if (stat(path, &st) < 0)
			grabpy_raise(
				grabpy_no_daemon, -r,
				"grabberd is not running (no socket at %s)",
				path);
		else
			grabpy_raise(grabpy_no_stream, -r,
				     "grabberd at %s has no stream named '%s'",
				     path, stream);
		break;
	case -ECONNREFUSED:
		grabpy_raise(grabpy_no_daemon, -r,
			     "grabberd is not running (nothing listens on %s)",
			     path);
		break;
	case -ENOTSOCK:
		grabpy_raise(grabpy_no_daemon, -r,
			     "grabberd is not running (%s is not a socket)",
			     path);
		break;
	case -ETIMEDOUT:
		grabpy_raise(grabpy_no_daemon, -r,
			     "grabberd at %s does not answer", path);
		break;
	case -EINVAL:
		PyErr_Format(PyExc_ValueError,
			     "bad stream name '%s' or socket path '%s'", stream,
			     path);
		break;
	case -EPROTONOSUPPORT:
		grabpy_raise(grabpy_error, -r,
			     "grabberd at %s speaks another protocol version "
			     "than this libgrab",
			     path);
		break;
	default:
		grabpy_raise(grabpy_error, -r,
			     "cannot connect to grabberd at %s: %s", path,
			     strerror(-r));
		break;
	}
	Py_XDECREF(sock);
	return NULL;
}

PyObject *grabpy_open_device(PyObject *self, PyObject *args, PyObject *kwargs)
{
	PyThreadState *ts;
	static char *kw[] = { "path", NULL };
	PyObject *pathobj = NULL, *s;
	const char *path;
	struct grab *g = NULL;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&:open_device", kw,
					 PyUnicode_FSConverter, &pathobj))
		return NULL;
	path = PyBytes_AS_STRING(pathobj);
	ts = PyEval_SaveThread();
	r = grab_open_device(path, &g);
	PyEval_RestoreThread(ts);
	if (r >= 0) {
		s = (PyObject *)stream_new(g, "", path);
		Py_DECREF(pathobj);
		return s;
	}
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO)
		grabpy_raise(grabpy_no_stream, -r,
			     "%s: no such grab device (%s)", path,
			     strerror(-r));
	else
		grabpy_raise(grabpy_error, -r, "%s: cannot open the device: %s",
			     path, strerror(-r));
	Py_DECREF(pathobj);
	return NULL;
}

/* timeout: None (wait as long as it takes) or seconds >= 0.  -1 on error. */
static int parse_timeout(PyObject *o, double *ret)
{
	double t;

	if (!o || o == Py_None) {
		*ret = -1;
		return 0;
	}
	t = PyFloat_AsDouble(o);
	if (t == -1 && PyErr_Occurred())
		return -1;
	if (!(t >= 0) || !isfinite(t)) {
		PyErr_Format(PyExc_ValueError,
			     "timeout must be None or a number of seconds >= "
			     "0, not %R",
			     o);
		return -1;
	}
	*ret = t;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* next() and latest(): a Frame, None on timeout, NULL with an exception. */
static PyObject *get_frame(StreamObject *s, PyObject *timeout_obj, int latest)
{
	PyThreadState *ts;
	char why[160];
	double timeout, deadline;
	int r;

	if (check_open(s) || parse_timeout(timeout_obj, &timeout))
		return NULL;
	deadline = now_s() + timeout;
	for (;;) {
		struct grab_frame *f = NULL;
		int ms = -1;

		if (timeout >= 0) {
			double left = deadline - now_s();

			ms = left > 0 ? (int)fmin(ceil(left * 1000), 86400000) :
					0;
		}
		grabpy_stream_lock(s);
		if (!s->g) {
			grabpy_stream_unlock(s);
			return check_open(s), NULL;
		}
		ts = PyEval_SaveThread();
		r = latest ? grab_latest_frame(s->g, ms, &f) :
			     grab_next_frame(s->g, ms, &f);
		PyEval_RestoreThread(ts);
		if (r >= 0) {
			PyObject *frame = grabpy_frame_new(s, f);

			grabpy_stream_unlock(s);
			return frame;
		}
		if (r == -ENODEV)
			source_error(s, why, sizeof(why));
		grabpy_stream_unlock(s);
		switch (r) {
		case -EINTR:
			/* A signal: run its Python handler (KeyboardInterrupt
			 * comes out here), then wait on. */
			if (PyErr_CheckSignals())
				return NULL;
			continue;
		case -ETIMEDOUT:
		case -EAGAIN:
			Py_RETURN_NONE;
		case -ENOTCONN:
			return grabpy_raise(
				grabpy_no_daemon, -r,
				"grabberd at %s went away (the stream "
				"reconnects by itself: call again to wait on)",
				s->socket_path);
		case -ENODEV:
			return grabpy_raise(grabpy_source_failed, -r,
					    "the source of stream '%s' failed: "
					    "%s (the daemon retries it)",
					    s->name, why);
		case -ENOENT:
			return grabpy_raise(grabpy_no_stream, -r,
					    "the stream '%s' no longer exists",
					    s->name);
		case -EBUSY:
			return grabpy_raise(
				grabpy_too_many_frames, -r,
				"%d frames of stream '%s' are held (Frames not "
				"released, or arrays of them still alive): "
				"release some, or keep frame.copy() instead",
				GRABPY_MAX_HELD, s->name);
		default:
			return grabpy_raise(
				grabpy_error, -r,
				"cannot get a frame of stream '%s': %s",
				s->name, strerror(-r));
		}
	}
}

static PyObject *stream_next(StreamObject *s, PyObject *args, PyObject *kwargs)
{
	static char *kw[] = { "timeout", NULL };
	PyObject *timeout = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:next", kw, &timeout))
		return NULL;
	return get_frame(s, timeout, 0);
}

static PyObject *stream_latest(StreamObject *s, PyObject *args,
			       PyObject *kwargs)
{
	static char *kw[] = { "timeout", NULL };
	PyObject *timeout = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:latest", kw,
					 &timeout))
		return NULL;
	return get_frame(s, timeout, 1);
}

static PyObject *stream_iternext(StreamObject *s)
{
	PyObject *f;

	do {
		if (!s->g)
			return NULL; /* closed: the iteration ends */
		/* No timeout: libgrab waits through reconnections. */
		f = get_frame(s, NULL, 0);
		if (f != Py_None)
			return f;
		Py_DECREF(f);
	} while (1);
}

static PyObject *stream_rewind(StreamObject *s, PyObject *args)
{
	unsigned long long n;
	int r;

	if (!PyArg_ParseTuple(args, "K:rewind", &n) || check_open(s))
		return NULL;
	if (n > UINT_MAX)
		n = UINT_MAX;
	grabpy_stream_lock(s);
	r = grab_rewind(s->g, (unsigned int)n);
	grabpy_stream_unlock(s);
	if (r >= 0)
		return PyLong_FromLong(r);
	if (r == -ENODATA)
		return grabpy_raise(grabpy_source_failed, -r,
				    "stream '%s': the source is not available",
				    s->name);
	if (r == -ENOENT)
		return grabpy_raise(grabpy_no_stream, -r,
				    "the stream '%s' no longer exists",
				    s->name);
	return grabpy_raise(grabpy_error, -r, "rewind: %s", strerror(-r));
}

/* Add key: value to @d, consuming the value's reference; -1 on error. */
static int put(PyObject *d, const char *key, PyObject *v)
{
	int r;

	if (!v)
		return -1;
	r = PyDict_SetItemString(d, key, v);
	Py_DECREF(v);
	return r;
}

static int put_format(PyObject *d, const struct grab_image_format *f)
{
	return put(d, "width", PyLong_FromUnsignedLong(f->width)) ||
			       put(d, "height",
				   PyLong_FromUnsignedLong(f->height)) ||
			       put(d, "format",
				   PyUnicode_FromString(
					   grab_pixfmt_name(f->fourcc))) ||
			       put(d, "fourcc",
				   PyLong_FromUnsignedLong(f->fourcc)) ||
			       put(d, "bytesperline",
				   PyLong_FromUnsignedLong(f->bytesperline)) ||
			       put(d, "sizeimage",
				   PyLong_FromUnsignedLong(f->sizeimage)) ?
		       -1 :
		       0;
}

static PyObject *stream_info(StreamObject *s, PyObject *unused)
{
	struct grab_stream_info info;
	PyObject *d;
	char why[160];
	int r;

	if (check_open(s))
		return NULL;
	grabpy_stream_lock(s);
	r = grab_stream_info(s->g, &info);
	if (r == -ENODATA)
		source_error(s, why, sizeof(why));
	grabpy_stream_unlock(s);
	if (r == -ENODATA)
		return grabpy_raise(
			grabpy_source_failed, -r,
			"the source of stream '%s' is not available: %s",
			s->name, why);
	if (r == -ENOENT)
		return grabpy_raise(grabpy_no_stream, -r,
				    "the stream '%s' no longer exists",
				    s->name);
	if (r < 0)
		return grabpy_raise(grabpy_error, -r, "info: %s", strerror(-r));
	d = PyDict_New();
	if (!d)
		return NULL;
	if (put(d, "name", PyUnicode_DecodeFSDefault(info.name)) ||
	    put(d, "source", PyUnicode_DecodeFSDefault(info.source)) ||
	    put_format(d, &info.format) ||
	    put(d, "fps",
		PyFloat_FromDouble(info.fps_den ?
					   (double)info.fps_num / info.fps_den :
					   0)) ||
	    put(d, "fps_num", PyLong_FromUnsignedLong(info.fps_num)) ||
	    put(d, "fps_den", PyLong_FromUnsignedLong(info.fps_den)) ||
	    put(d, "slots", PyLong_FromUnsignedLong(info.nslots)) ||
	    put(d, "ring_size", PyLong_FromUnsignedLongLong(info.ring_size)) ||
	    put(d, "direct",
		PyBool_FromLong(info.flags & GRAB_STREAM_DIRECT))) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

static const char *state_name(uint32_t state)
{
	switch (state) {
	case GRAB_SOURCE_STOPPED:
		return "stopped";
	case GRAB_SOURCE_RUNNING:
		return "running";
	case GRAB_SOURCE_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

static PyObject *stream_stats(StreamObject *s, PyObject *unused)
{
	PyThreadState *ts;
	struct grab_stream_stats st;
	PyObject *d;
	int r;

	if (check_open(s))
		return NULL;
	grabpy_stream_lock(s);
	ts = PyEval_SaveThread();
	r = grab_stream_stats(s->g, &st);
	PyEval_RestoreThread(ts);
	grabpy_stream_unlock(s);
	if (r == -ENOENT && s->socket_path[0])
		return grabpy_raise(
			grabpy_no_daemon, -r,
			"stats: grabberd is not running (no socket at %s)",
			s->socket_path);
	if (r == -ECONNREFUSED)
		return grabpy_raise(grabpy_no_daemon, -r,
				    "stats: grabberd is not running (nothing "
				    "listens on %s)",
				    s->socket_path);
	if (r < 0)
		return grabpy_raise(grabpy_error, -r,
				    "stats of stream '%s': %s", s->name,
				    strerror(-r));
	d = PyDict_New();
	if (!d)
		return NULL;
	if (put(d, "state", PyUnicode_FromString(state_name(st.state))) ||
	    put(d, "clients", PyLong_FromUnsignedLong(st.clients)) ||
	    put(d, "fps", PyFloat_FromDouble(st.fps)) ||
	    put(d, "fps_num", PyLong_FromUnsignedLong(st.fps_num)) ||
	    put(d, "fps_den", PyLong_FromUnsignedLong(st.fps_den)) ||
	    put(d, "frames", PyLong_FromUnsignedLongLong(st.frames)) ||
	    put(d, "dropped", PyLong_FromUnsignedLongLong(st.dropped)) ||
	    put(d, "missed", PyLong_FromUnsignedLongLong(st.missed)) ||
	    put_format(d, &st.format) ||
	    put(d, "source", PyUnicode_DecodeFSDefault(st.source)) ||
	    put(d, "error", PyUnicode_DecodeFSDefault(st.error))) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

static PyObject *stream_fileno(StreamObject *s, PyObject *unused)
{
	if (check_open(s))
		return NULL;
	return PyLong_FromLong(grab_fd(s->g));
}

static PyObject *stream_close(StreamObject *s, PyObject *unused)
{
	struct grab *g;

	grabpy_stream_lock(s);
	g = s->g;
	s->g = NULL;
	/* Frames still held keep libgrab's state (and the ring) alive until
	 * they are released: their arrays stay valid. */
	if (g)
		grab_close(g);
	grabpy_stream_unlock(s);
	Py_RETURN_NONE;
}

static PyObject *stream_enter(StreamObject *s, PyObject *unused)
{
	if (check_open(s))
		return NULL;
	Py_INCREF(s);
	return (PyObject *)s;
}

static PyObject *stream_exit(StreamObject *s, PyObject *args)
{
	return stream_close(s, NULL);
}

static PyObject *stream_iter(StreamObject *s)
{
	if (check_open(s))
		return NULL;
	Py_INCREF(s);
	return (PyObject *)s;
}

static PyObject *stream_get_missed(StreamObject *s, void *closure)
{
	if (check_open(s))
		return NULL;
	return PyLong_FromUnsignedLongLong(grab_missed(s->g));
}

static PyObject *stream_get_generation(StreamObject *s, void *closure)
{
	if (check_open(s))
		return NULL;
	return PyLong_FromUnsignedLongLong(grab_generation(s->g));
}

static PyObject *stream_get_closed(StreamObject *s, void *closure)
{
	return PyBool_FromLong(!s->g);
}

static PyObject *stream_get_name(StreamObject *s, void *closure)
{
	return PyUnicode_DecodeFSDefault(s->name);
}

static PyObject *stream_repr(StreamObject *s)
{
	if (s->socket_path[0])
		return PyUnicode_FromFormat("<grab.Stream '%s' at %s%s>",
					    s->name, s->socket_path,
					    s->g ? "" : " (closed)");
	return PyUnicode_FromFormat("<grab.Stream device %s%s>", s->name,
				    s->g ? "" : " (closed)");
}

static void stream_dealloc(StreamObject *s)
{
	/* Frames hold a reference to their stream: none is left here. */
	if (s->g)
		grab_close(s->g);
	if (s->lock)
		PyThread_free_lock(s->lock);
	Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyMethodDef stream_methods[] = {
	{ "next", (PyCFunction)(void (*)(void))stream_next,
	  METH_VARARGS | METH_KEYWORDS,
	  "next(timeout=None) -> Frame | None\n\n"
	  "The next frame after the last one returned, waiting up to timeout\n"
	  "seconds (None: as long as it takes, through daemon restarts).  A "
	  "reader\n"
	  "that falls behind gets the newest frame and frame.missed says how "
	  "many\n"
	  "it missed.  Returns None when no frame came in time.  Raises "
	  "NoDaemon\n"
	  "(the daemon is gone; the stream reconnects by itself, so calling "
	  "again\n"
	  "waits on), SourceFailed (the source is down, with the daemon's "
	  "reason),\n"
	  "NoStream (the stream was removed), TooManyFrames (MAX_HELD frames "
	  "held).\n"
	  "The GIL is released while waiting." },
	{ "latest", (PyCFunction)(void (*)(void))stream_latest,
	  METH_VARARGS | METH_KEYWORDS,
	  "latest(timeout=None) -> Frame | None\n\n"
	  "Like next(), but skips to the newest frame available." },
	{ "rewind", (PyCFunction)stream_rewind, METH_VARARGS,
	  "rewind(n) -> int\n\n"
	  "Go back in time: the next calls of next() first return the (at most "
	  "n,\n"
	  "the newest) frames still in the ring, oldest first.  Returns how "
	  "many\n"
	  "frames were queued." },
	{ "info", (PyCFunction)stream_info, METH_NOARGS,
	  "info() -> dict\n\n"
	  "The stream's name, source, geometry (width, height, format, fourcc,\n"
	  "bytesperline, sizeimage), rate (fps, fps_num, fps_den), slots, "
	  "ring_size\n"
	  "and direct (opened with open_device()).  Raises SourceFailed while "
	  "the\n"
	  "source is not available." },
	{ "stats", (PyCFunction)stream_stats, METH_NOARGS,
	  "stats() -> dict\n\n"
	  "The daemon's counters of the stream: state ('stopped', 'running',\n"
	  "'failed'), clients, fps (measured), fps_num, fps_den, frames, "
	  "dropped,\n"
	  "missed, the geometry, source and error (why the source failed, or "
	  "'')." },
	{ "fileno", (PyCFunction)stream_fileno, METH_NOARGS,
	  "fileno() -> int\n\n"
	  "A file descriptor that polls readable when next() may have something "
	  "to\n"
	  "do: for select, selectors and asyncio.  Stable across "
	  "reconnections;\n"
	  "owned by the stream (do not close it)." },
	{ "close", (PyCFunction)stream_close, METH_NOARGS,
	  "close()\n\n"
	  "Disconnect.  Frames (and arrays) still alive stay readable until "
	  "released.\n"
	  "A call in progress on the stream in another thread finishes first." },
	{ "__enter__", (PyCFunction)stream_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)stream_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef stream_getset[] = {
	{ "missed", (getter)stream_get_missed, NULL,
	  "Frames this stream missed since it was opened (overwritten before "
	  "read,\n"
	  "or skipped because the reader was too slow).",
	  NULL },
	{ "generation", (getter)stream_get_generation, NULL,
	  "How many times the stream has (re)attached: 1 after connect, more "
	  "after\n"
	  "each reconnection to a restarted daemon or stream reset.",
	  NULL },
	{ "closed", (getter)stream_get_closed, NULL,
	  "True once close() was called.", NULL },
	{ "name", (getter)stream_get_name, NULL,
	  "The stream name, or the device path.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject grabpy_stream_type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "grab.Stream",
	.tp_basicsize = sizeof(StreamObject),
	.tp_dealloc = (destructor)stream_dealloc,
	.tp_repr = (reprfunc)stream_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A stream of frames: from grab.connect() or "
		  "grab.open_device().\n\n"
		  "Iterate over it for frames (waiting as long as it takes), "
		  "or call\n"
		  "next()/latest() with a timeout.  A context manager: `with` "
		  "closes it.\n"
		  "Like a libgrab handle, use one stream per thread: calls "
		  "from two\n"
		  "threads on one stream are serialised, not parallel.",
	.tp_iter = (getiterfunc)stream_iter,
	.tp_iternext = (iternextfunc)stream_iternext,
	.tp_methods = stream_methods,
	.tp_getset = stream_getset,
};
