// SPDX-License-Identifier: MIT
/*
 * The Python module `grab`: libgrab for Python, frames as zero-copy,
 * read-only NumPy arrays.  See grab.pyi and README.md ("Python").
 */
#define GRABPY_IMPORT_ARRAY
#include "grabpy.h"

static PyObject *module_formats(PyObject *self, PyObject *unused)
{
	return grabpy_formats();
}

static PyMethodDef module_methods[] = {
	{ "connect", (PyCFunction)(void (*)(void))grabpy_connect,
	  METH_VARARGS | METH_KEYWORDS,
	  "connect(stream=None, socket=None) -> Stream\n\n"
	  "Connect to grabberd at socket (None: $GRAB_SOCKET, else\n"
	  "/run/grabberd/grabberd.sock) and attach to stream (None: "
	  "\"default\").\n"
	  "The stream reconnects by itself when the daemon restarts.  Raises\n"
	  "NoDaemon (not running, not answering) or NoStream (no such stream)." },
	{ "open_device", (PyCFunction)(void (*)(void))grabpy_open_device,
	  METH_VARARGS | METH_KEYWORDS,
	  "open_device(path) -> Stream\n\n"
	  "Read a grab device (/dev/grab0) directly, without the daemon.  "
	  "Raises\n"
	  "NoStream if there is no such device." },
	{ "formats", (PyCFunction)module_formats, METH_NOARGS,
	  "formats() -> dict\n\n"
	  "The pixel formats frame.array is shaped for: name -> fourcc." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "grab",
	.m_doc = "grab: frames from grabberd (or a /dev/grabN device) as "
		 "zero-copy,\n"
		 "read-only NumPy arrays.\n\n"
		 "    import grab\n"
		 "    with grab.connect() as s:\n"
		 "        for frame in s:\n"
		 "            a = frame.array          # a view of the ring, "
		 "no copy\n"
		 "            m = a.mean()\n"
		 "            if frame.intact():       # not overwritten while "
		 "read\n"
		 "                print(frame.sequence, m)\n\n"
		 "One stream per thread, as with libgrab.  The GIL is released "
		 "while a\n"
		 "stream waits for a frame.",
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC PyInit_grab(void);
PyMODINIT_FUNC PyInit_grab(void)
{
	PyObject *m;

	import_array();
	if (PyType_Ready(&grabpy_stream_type) < 0 ||
	    PyType_Ready(&grabpy_hold_type) < 0 ||
	    PyType_Ready(&grabpy_frame_type) < 0)
		return NULL;
	m = PyModule_Create(&module_def);
	if (!m)
		return NULL;
	if (grabpy_errors_init(m) < 0)
		goto err;
	Py_INCREF(&grabpy_stream_type);
	if (PyModule_AddObject(m, "Stream", (PyObject *)&grabpy_stream_type) <
	    0) {
		Py_DECREF(&grabpy_stream_type);
		goto err;
	}
	Py_INCREF(&grabpy_frame_type);
	if (PyModule_AddObject(m, "Frame", (PyObject *)&grabpy_frame_type) <
	    0) {
		Py_DECREF(&grabpy_frame_type);
		goto err;
	}
	if (PyModule_AddIntConstant(m, "MAX_HELD", GRABPY_MAX_HELD) < 0 ||
	    PyModule_AddStringConstant(m, "DEFAULT_SOCKET",
				       GRAB_DEFAULT_SOCKET) < 0 ||
	    PyModule_AddStringConstant(m, "__version__", "1.1") < 0)
		goto err;
	return m;
err:
	Py_DECREF(m);
	return NULL;
}
