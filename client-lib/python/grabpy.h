/* SPDX-License-Identifier: MIT */
/*
 * The Python module `grab`: libgrab in Python's idiom.  Private to the
 * module's C files.
 *
 * Objects and who keeps whom alive:
 *
 *   Stream  one libgrab handle (struct grab) and the lock that serialises
 *           the calls on it.
 *   Hold    one libgrab frame (struct grab_frame) being held.  Owns a
 *           reference to its Stream.  Every NumPy array of the frame has
 *           the Hold as its base object, so the frame (and with it libgrab's
 *           mapping of the ring) stays held while any array of it is alive.
 *   Frame   what Python code sees: metadata, .array, .planes, intact(),
 *           copy(), release().  Owns a reference to its Hold until
 *           released; releasing drops it, and the Hold dies (and gives the
 *           frame back to libgrab) once no array of the frame is left.
 */
#ifndef GRABPY_H
#define GRABPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL grabpy_ARRAY_API
#ifndef GRABPY_IMPORT_ARRAY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <stdint.h>

#include "grab/grab.h"

/* The frames libgrab lets a handle hold at once (its GRAB_MAX_HELD). */
#define GRABPY_MAX_HELD 8

typedef struct {
	PyObject_HEAD struct grab *g; /* NULL once closed */
	/*
	 * libgrab handles are not thread safe.  Every call on g is made with
	 * this lock held (and the GIL released while it may wait), so two
	 * Python threads sharing a handle queue up instead of corrupting it.
	 */
	PyThread_type_lock lock;
	/*
	 * Frames whose last array died in another thread while a call held
	 * the lock: given back by the lock's owner before it lets go.  Only
	 * touched with the GIL held, so it needs no lock of its own.
	 */
	struct grab_frame *pending[2 * GRABPY_MAX_HELD];
	unsigned int npending;
	char socket_path[108]; /* for messages; "" in direct mode */
	char name[128]; /* stream name or device path */
} StreamObject;

typedef struct {
	PyObject_HEAD StreamObject *stream;
	struct grab_frame *frame;
} HoldObject;

typedef struct {
	PyObject_HEAD HoldObject *hold; /* NULL once released */
	PyObject *array; /* cached .array */
	PyObject *planes; /* cached .planes */
	const uint8_t *data;
	size_t bytes;
	uint64_t sequence;
	uint64_t timestamp_ns;
	uint64_t missed;
	struct grab_image_format fmt;
	struct grab_image_layout layout;
} FrameObject;

extern PyTypeObject grabpy_stream_type;
extern PyTypeObject grabpy_hold_type;
extern PyTypeObject grabpy_frame_type;

/* errors.c: grab.Error and its subclasses. */
extern PyObject *grabpy_error;
extern PyObject *grabpy_no_daemon;
extern PyObject *grabpy_no_stream;
extern PyObject *grabpy_source_failed;
extern PyObject *grabpy_too_many_frames;
extern PyObject *grabpy_overwritten;
int grabpy_errors_init(PyObject *module);
/* Raise @type(errno, "formatted message"); returns NULL. */
PyObject *grabpy_raise(PyObject *type, int err, const char *fmt, ...);

/* stream.c */
void grabpy_stream_lock(StreamObject *s);
void grabpy_stream_unlock(StreamObject *s);
void grabpy_stream_give_back(StreamObject *s, struct grab_frame *f);
PyObject *grabpy_connect(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *grabpy_open_device(PyObject *self, PyObject *args, PyObject *kwargs);

/* frame.c: a Frame for a frame just taken from libgrab (which it owns,
 * even on failure). */
PyObject *grabpy_frame_new(StreamObject *s, struct grab_frame *f);
/* The formats the module shapes arrays for: a dict name -> fourcc. */
PyObject *grabpy_formats(void);

#endif /* GRABPY_H */
