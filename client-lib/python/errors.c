// SPDX-License-Identifier: MIT
/*
 * grab's exceptions: OSError subclasses, so `except OSError` catches them
 * and .errno says what libgrab said.
 */
#include <stdarg.h>
#include <stdio.h>

#include "grabpy.h"

PyObject *grabpy_error;
PyObject *grabpy_no_daemon;
PyObject *grabpy_no_stream;
PyObject *grabpy_source_failed;
PyObject *grabpy_too_many_frames;
PyObject *grabpy_overwritten;

PyObject *grabpy_raise(PyObject *type, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	PyObject *exc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	exc = PyObject_CallFunction(type, "is", err, msg);
	if (exc) {
		PyErr_SetObject(type, exc);
		Py_DECREF(exc);
	}
	return NULL;
}

static PyObject *add(PyObject *module, const char *name, PyObject *base,
		     const char *doc)
{
	char full[64];
	PyObject *type;

	snprintf(full, sizeof(full), "grab.%s", name);
	type = PyErr_NewExceptionWithDoc(full, doc, base, NULL);
	if (!type)
		return NULL;
	Py_INCREF(type); /* one for the module, one for us */
	if (PyModule_AddObject(module, name, type) < 0) {
		Py_DECREF(type);
		Py_DECREF(type);
		return NULL;
	}
	return type;
}

int grabpy_errors_init(PyObject *m)
{
	grabpy_error = add(m, "Error", PyExc_OSError,
			   "Base of grab's errors: an OSError whose errno is "
			   "what libgrab returned.");
	if (!grabpy_error)
		return -1;
	grabpy_no_daemon = add(m, "NoDaemon", grabpy_error,
			       "grabberd is not running (no socket, nobody "
			       "listening, no answer), or went away.");
	grabpy_no_stream = add(m, "NoStream", grabpy_error,
			       "The daemon has no stream of that name (or no "
			       "such grab device).");
	grabpy_source_failed =
		add(m, "SourceFailed", grabpy_error,
		    "The stream's source failed (camera unplugged, device "
		    "busy...); the daemon retries it.\n"
		    "The message carries the daemon's reason.");
	grabpy_too_many_frames =
		add(m, "TooManyFrames", grabpy_error,
		    "Every frame a handle may hold (grab.MAX_HELD) is held: by "
		    "a Frame not released,\n"
		    "or by an array of one still alive.  Release frames, drop "
		    "their arrays, or keep\n"
		    "frame.copy() instead.");
	grabpy_overwritten = add(
		m, "Overwritten", grabpy_error,
		"The frame was overwritten by the producer while it was read "
		"(the reader fell\n"
		"more than a ring behind): what was read must be thrown away.");
	if (!grabpy_no_daemon || !grabpy_no_stream || !grabpy_source_failed ||
	    !grabpy_too_many_frames || !grabpy_overwritten)
		return -1;
	return 0;
}
