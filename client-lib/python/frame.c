// SPDX-License-Identifier: MIT
/*
 * grab.Frame: a frame read in place, and its NumPy views of the ring.
 *
 * Zero copy: frame.array and frame.planes are read-only NumPy arrays whose
 * memory is the ring slot itself.  The arrays' base object is the frame's
 * Hold, so libgrab keeps the frame (and its mapping of the ring) while any
 * of them is alive, even after frame.release() or stream.close(): an array
 * never points at unmapped memory.  What the arrays show is only
 * trustworthy while frame.intact() is true (the producer overwrites slots
 * a ring later); frame.copy() copies once and checks after the copy.
 */
#include <errno.h>
#include <string.h>

#include "grabpy.h"

/*
 * How NumPy sees each format of libgrab's format table: element type and,
 * per plane, components per pixel (1: a 2-D array, else a third axis) and
 * horizontal subsampling.  Offsets, strides and lines come from libgrab's
 * layout (grab_frame_layout()), so bytesperline padding is honoured.  A
 * compressed format (nplanes 0) is a 1-D array of the frame's bytes.
 */
struct np_format {
	uint32_t fourcc;
	int typenum;
	uint8_t nplanes;
	uint8_t comps[GRAB_MAX_PLANES];
	uint8_t hdiv[GRAB_MAX_PLANES];
};

static const struct np_format np_formats[] = {
	{ GRAB_PIXFMT_YUYV, NPY_UINT8, 1, { 2 }, { 1 } },
	{ GRAB_PIXFMT_UYVY, NPY_UINT8, 1, { 2 }, { 1 } },
	{ GRAB_PIXFMT_RGB24, NPY_UINT8, 1, { 3 }, { 1 } },
	{ GRAB_PIXFMT_BGR24, NPY_UINT8, 1, { 3 }, { 1 } },
	{ GRAB_PIXFMT_GREY, NPY_UINT8, 1, { 1 }, { 1 } },
	{ GRAB_PIXFMT_Y16, NPY_UINT16, 1, { 1 }, { 1 } },
	{ GRAB_PIXFMT_SRGGB8, NPY_UINT8, 1, { 1 }, { 1 } },
	{ GRAB_PIXFMT_SBGGR8, NPY_UINT8, 1, { 1 }, { 1 } },
	{ GRAB_PIXFMT_SGRBG8, NPY_UINT8, 1, { 1 }, { 1 } },
	{ GRAB_PIXFMT_SGBRG8, NPY_UINT8, 1, { 1 }, { 1 } },
	/* Y, then CbCr pairs at half resolution both ways. */
	{ GRAB_PIXFMT_NV12, NPY_UINT8, 2, { 1, 2 }, { 1, 2 } },
	/* Y, Cb, Cr; chroma at half resolution both ways. */
	{ GRAB_PIXFMT_YU12, NPY_UINT8, 3, { 1, 1, 1 }, { 1, 2, 2 } },
	{ GRAB_PIXFMT_MJPEG, NPY_UINT8, 0, { 0 }, { 0 } },
};

static const struct np_format *np_format(uint32_t fourcc)
{
	size_t i;

	for (i = 0; i < sizeof(np_formats) / sizeof(np_formats[0]); i++)
		if (np_formats[i].fourcc == fourcc)
			return &np_formats[i];
	return NULL;
}

PyObject *grabpy_formats(void)
{
	PyObject *d = PyDict_New();
	size_t i;

	if (!d)
		return NULL;
	for (i = 0; i < sizeof(np_formats) / sizeof(np_formats[0]); i++) {
		PyObject *v = PyLong_FromUnsignedLong(np_formats[i].fourcc);

		if (!v ||
		    PyDict_SetItemString(
			    d, grab_pixfmt_name(np_formats[i].fourcc), v)) {
			Py_XDECREF(v);
			Py_DECREF(d);
			return NULL;
		}
		Py_DECREF(v);
	}
	return d;
}

/* ---- Hold: the libgrab frame, alive while a Frame or an array needs it -- */

static void hold_dealloc(HoldObject *h)
{
	grabpy_stream_give_back(h->stream, h->frame);
	Py_DECREF(h->stream);
	Py_TYPE(h)->tp_free((PyObject *)h);
}

PyTypeObject grabpy_hold_type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "grab._Hold",
	.tp_basicsize = sizeof(HoldObject),
	.tp_dealloc = (destructor)hold_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A frame held from libgrab: the base object of its arrays.",
};

/* ---- Frame ----------------------------------------------------------------
 */

PyObject *grabpy_frame_new(StreamObject *s, struct grab_frame *f)
{
	HoldObject *h;
	FrameObject *fr;
	int r;

	h = PyObject_New(HoldObject, &grabpy_hold_type);
	if (!h) {
		grabpy_stream_give_back(s, f);
		return NULL;
	}
	Py_INCREF(s);
	h->stream = s;
	h->frame = f;
	fr = PyObject_New(FrameObject, &grabpy_frame_type);
	if (!fr) {
		Py_DECREF(h);
		return NULL;
	}
	fr->hold = h;
	fr->array = NULL;
	fr->planes = NULL;
	fr->data = grab_frame_data(f);
	fr->bytes = grab_frame_bytes(f);
	fr->sequence = grab_frame_sequence(f);
	fr->timestamp_ns = grab_frame_timestamp_ns(f);
	fr->missed = grab_frame_missed(f);
	r = grab_frame_format(f, &fr->fmt);
	if (r >= 0)
		r = grab_frame_layout(f, &fr->layout);
	if (r < 0) {
		Py_DECREF(fr);
		return grabpy_raise(grabpy_error, -r,
				    "cannot read the format of frame %llu",
				    (unsigned long long)grab_frame_sequence(f));
	}
	return (PyObject *)fr;
}

static int check_held(FrameObject *fr)
{
	if (fr->hold)
		return 0;
	PyErr_Format(PyExc_ValueError, "frame %llu was released",
		     (unsigned long long)fr->sequence);
	return -1;
}

/* A read-only array on the frame's memory, its base the frame's Hold. */
static PyObject *view(FrameObject *fr, int typenum, int nd, npy_intp *shape,
		      npy_intp *strides, size_t offset)
{
	PyArray_Descr *d = PyArray_DescrFromType(typenum);
	PyObject *a;

	if (!d)
		return NULL;
	if (typenum == NPY_UINT16) {
		/* Y16 is little endian whatever the host. */
		PyArray_Descr *le = PyArray_DescrNewByteorder(d, NPY_LITTLE);

		Py_DECREF(d);
		if (!le)
			return NULL;
		d = le;
	}
	/* flags 0: not NPY_ARRAY_WRITEABLE (the ring is mapped read only). */
	a = PyArray_NewFromDescr(&PyArray_Type, d, nd, shape, strides,
				 (void *)(fr->data + offset), 0, NULL);
	if (!a)
		return NULL;
	Py_INCREF(fr->hold);
	if (PyArray_SetBaseObject((PyArrayObject *)a, (PyObject *)fr->hold) <
	    0) {
		Py_DECREF(a);
		return NULL;
	}
	return a;
}

/* Raw frames must be whole: a short one has nothing sensible to show. */
static int check_whole(FrameObject *fr)
{
	if (fr->layout.nplanes && fr->bytes < fr->fmt.sizeimage) {
		grabpy_raise(grabpy_error, EBADMSG,
			     "frame %llu is short: %zu of %u bytes",
			     (unsigned long long)fr->sequence, fr->bytes,
			     fr->fmt.sizeimage);
		return -1;
	}
	return 0;
}

/* Plane @i as an array: (lines, width[, comps]). */
static PyObject *plane_view(FrameObject *fr, const struct np_format *nf,
			    unsigned int i)
{
	const struct grab_image_plane *p = &fr->layout.plane[i];
	npy_intp item = nf->typenum == NPY_UINT16 ? 2 : 1;
	npy_intp shape[3], strides[3];
	int nd = nf->comps[i] > 1 ? 3 : 2;

	shape[0] = p->lines;
	shape[1] = fr->fmt.width / nf->hdiv[i];
	shape[2] = nf->comps[i];
	strides[0] = p->stride;
	strides[1] = item * nf->comps[i];
	strides[2] = item;
	/* Stay inside the frame whatever the layout says. */
	if (p->lines &&
	    ((size_t)p->offset + (size_t)(p->lines - 1) * p->stride +
		     (size_t)shape[1] * strides[1] >
	     fr->fmt.sizeimage)) {
		grabpy_raise(grabpy_error, EINVAL,
			     "plane %u of %s does not fit the frame", i,
			     grab_pixfmt_name(fr->fmt.fourcc));
		return NULL;
	}
	return view(fr, nf->typenum, nd, shape, strides, p->offset);
}

static PyObject *bytes_view(FrameObject *fr)
{
	npy_intp shape[1] = { (npy_intp)fr->bytes }, strides[1] = { 1 };

	return view(fr, NPY_UINT8, 1, shape, strides, 0);
}

static PyObject *make_planes(FrameObject *fr)
{
	const struct np_format *nf = np_format(fr->fmt.fourcc);
	PyObject *t;
	unsigned int i, n;

	if (!nf || !nf->nplanes || nf->nplanes != fr->layout.nplanes) {
		PyObject *a = bytes_view(fr);

		if (!a)
			return NULL;
		t = PyTuple_Pack(1, a);
		Py_DECREF(a);
		return t;
	}
	n = nf->nplanes;
	t = PyTuple_New(n);
	if (!t)
		return NULL;
	for (i = 0; i < n; i++) {
		PyObject *a = plane_view(fr, nf, i);

		if (!a) {
			Py_DECREF(t);
			return NULL;
		}
		PyTuple_SET_ITEM(t, i, a);
	}
	return t;
}

/*
 * The frame as one array.  Planar YUV (NV12, YU12) is the whole frame as
 * (sizeimage / bytesperline, width) bytes: OpenCV's layout for
 * cv2.COLOR_YUV2BGR_NV12 / _I420, which read the chroma through the row
 * pitch.  Formats the module has no row for are their bytes (1-D).
 */
static PyObject *make_array(FrameObject *fr)
{
	const struct np_format *nf = np_format(fr->fmt.fourcc);
	npy_intp shape[2], strides[2];

	if (!nf || !nf->nplanes || nf->nplanes != fr->layout.nplanes)
		return bytes_view(fr);
	if (nf->nplanes == 1)
		return plane_view(fr, nf, 0);
	shape[0] = fr->fmt.sizeimage / fr->fmt.bytesperline;
	shape[1] = fr->fmt.width;
	strides[0] = fr->fmt.bytesperline;
	strides[1] = 1;
	return view(fr, NPY_UINT8, 2, shape, strides, 0);
}

static PyObject *frame_get_array(FrameObject *fr, void *closure)
{
	if (check_held(fr))
		return NULL;
	if (!fr->array) {
		if (check_whole(fr))
			return NULL;
		fr->array = make_array(fr);
		if (!fr->array)
			return NULL;
	}
	Py_INCREF(fr->array);
	return fr->array;
}

static PyObject *frame_get_planes(FrameObject *fr, void *closure)
{
	if (check_held(fr))
		return NULL;
	if (!fr->planes) {
		if (check_whole(fr))
			return NULL;
		fr->planes = make_planes(fr);
		if (!fr->planes)
			return NULL;
	}
	Py_INCREF(fr->planes);
	return fr->planes;
}

static PyObject *frame_intact(FrameObject *fr, PyObject *unused)
{
	/* Reads the ring only: no lock needed. */
	return PyBool_FromLong(fr->hold && grab_frame_intact(fr->hold->frame));
}

static PyObject *frame_copy(FrameObject *fr, PyObject *unused)
{
	PyObject *a, *c;

	a = frame_get_array(fr, NULL);
	if (!a)
		return NULL;
	c = PyArray_NewCopy((PyArrayObject *)a, NPY_CORDER);
	Py_DECREF(a);
	if (!c)
		return NULL;
	/* After the copy: a frame overwritten while copied is not returned. */
	if (!grab_frame_intact(fr->hold->frame)) {
		Py_DECREF(c);
		return grabpy_raise(
			grabpy_overwritten, ESTALE,
			"frame %llu was overwritten while it was copied (the "
			"producer went a whole ring past it)",
			(unsigned long long)fr->sequence);
	}
	return c;
}

static PyObject *frame_release(FrameObject *fr, PyObject *unused)
{
	Py_CLEAR(fr->array);
	Py_CLEAR(fr->planes);
	Py_CLEAR(fr->hold);
	Py_RETURN_NONE;
}

static PyObject *frame_enter(FrameObject *fr, PyObject *unused)
{
	Py_INCREF(fr);
	return (PyObject *)fr;
}

static PyObject *frame_exit(FrameObject *fr, PyObject *args)
{
	return frame_release(fr, NULL);
}

static PyObject *frame_array_protocol(FrameObject *fr, PyObject *args)
{
	PyObject *dtype = NULL, *a, *r;

	if (!PyArg_ParseTuple(args, "|O:__array__", &dtype))
		return NULL;
	a = frame_get_array(fr, NULL);
	if (!a || !dtype || dtype == Py_None)
		return a;
	r = PyObject_CallMethod(a, "astype", "O", dtype);
	Py_DECREF(a);
	return r;
}

static PyObject *get_u64(FrameObject *fr, void *closure)
{
	return PyLong_FromUnsignedLongLong(
		*(uint64_t *)((char *)fr + (size_t)closure));
}

static PyObject *get_u32(FrameObject *fr, void *closure)
{
	return PyLong_FromUnsignedLong(
		*(uint32_t *)((char *)fr + (size_t)closure));
}

static PyObject *frame_get_format(FrameObject *fr, void *closure)
{
	return PyUnicode_FromString(grab_pixfmt_name(fr->fmt.fourcc));
}

static PyObject *frame_get_bytes(FrameObject *fr, void *closure)
{
	return PyLong_FromSize_t(fr->bytes);
}

static PyObject *frame_get_released(FrameObject *fr, void *closure)
{
	return PyBool_FromLong(!fr->hold);
}

static PyObject *frame_repr(FrameObject *fr)
{
	return PyUnicode_FromFormat("<grab.Frame %llu %ux%u %s%s>",
				    (unsigned long long)fr->sequence,
				    fr->fmt.width, fr->fmt.height,
				    grab_pixfmt_name(fr->fmt.fourcc),
				    fr->hold ? "" : " (released)");
}

static void frame_dealloc(FrameObject *fr)
{
	Py_XDECREF(fr->array);
	Py_XDECREF(fr->planes);
	Py_XDECREF(fr->hold);
	Py_TYPE(fr)->tp_free((PyObject *)fr);
}

static PyMethodDef frame_methods[] = {
	{ "intact", (PyCFunction)frame_intact, METH_NOARGS,
	  "intact() -> bool\n\n"
	  "True if the producer has not touched the frame since it was handed "
	  "out.\n"
	  "Call it after reading the arrays, before trusting what was read: "
	  "when\n"
	  "False, everything read must be thrown away.  False once released." },
	{ "copy", (PyCFunction)frame_copy, METH_NOARGS,
	  "copy() -> numpy.ndarray\n\n"
	  "An owned, writable copy of frame.array (C order).  Raises "
	  "Overwritten if\n"
	  "the frame was overwritten while it was copied." },
	{ "release", (PyCFunction)frame_release, METH_NOARGS,
	  "release()\n\n"
	  "Done with the frame.  libgrab gets it back once no array of it is "
	  "alive\n"
	  "(an array keeps its frame held, so it never points at freed "
	  "memory)." },
	{ "__enter__", (PyCFunction)frame_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)frame_exit, METH_VARARGS, NULL },
	{ "__array__", (PyCFunction)frame_array_protocol, METH_VARARGS,
	  "numpy.asarray(frame) is frame.array." },
	{ NULL, NULL, 0, NULL },
};

#define U64(field) ((void *)offsetof(FrameObject, field))
#define U32(field) ((void *)offsetof(FrameObject, fmt.field))

static PyGetSetDef frame_getset[] = {
	{ "array", (getter)frame_get_array, NULL,
	  "The frame as a read-only NumPy view of the ring (no copy), shaped by "
	  "format:\n"
	  "(h, w, 2) YUYV/UYVY, (h, w, 3) RGB3/BGR3, (h, w) uint8 GREY and "
	  "Bayer,\n"
	  "(h, w) little-endian uint16 Y16, (h * 3 / 2, w) uint8 for NV12/YU12 "
	  "(the\n"
	  "whole frame, as cv2.COLOR_YUV2BGR_NV12/_I420 take it; see planes), "
	  "and a\n"
	  "1-D uint8 array of the frame's bytes for MJPG.  Row strides are the\n"
	  "stream's bytesperline.  Keeps the frame held while it is alive.",
	  NULL },
	{ "planes", (getter)frame_get_planes, NULL,
	  "The planes as a tuple of read-only views: (array,) for packed "
	  "formats,\n"
	  "(Y (h, w), CbCr (h/2, w/2, 2)) for NV12, (Y (h, w), Cb (h/2, w/2),\n"
	  "Cr (h/2, w/2)) for YU12.",
	  NULL },
	{ "sequence", (getter)get_u64, NULL, "The frame's sequence number.",
	  U64(sequence) },
	{ "timestamp_ns", (getter)get_u64, NULL,
	  "When the frame became available (CLOCK_MONOTONIC, ns; "
	  "time.monotonic_ns()).",
	  U64(timestamp_ns) },
	{ "missed", (getter)get_u64, NULL,
	  "Frames missed between the previous frame returned and this one.",
	  U64(missed) },
	{ "width", (getter)get_u32, NULL, "Width in pixels.", U32(width) },
	{ "height", (getter)get_u32, NULL, "Height in pixels.", U32(height) },
	{ "fourcc", (getter)get_u32, NULL, "The format's four-character code.",
	  U32(fourcc) },
	{ "bytesperline", (getter)get_u32, NULL,
	  "Bytes from one line to the next.", U32(bytesperline) },
	{ "format", (getter)frame_get_format, NULL,
	  "The format's name ('YUYV', 'GREY', 'RGB3', 'NV12', 'MJPG'...).",
	  NULL },
	{ "bytes", (getter)frame_get_bytes, NULL,
	  "Bytes the frame uses in its slot.", NULL },
	{ "released", (getter)frame_get_released, NULL, "True once released.",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject grabpy_frame_type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "grab.Frame",
	.tp_basicsize = sizeof(FrameObject),
	.tp_dealloc = (destructor)frame_dealloc,
	.tp_repr = (reprfunc)frame_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A frame read in place from the ring (from Stream.next(), "
		  "latest() or\n"
		  "iteration).  A context manager: `with frame:` releases it.",
	.tp_methods = frame_methods,
	.tp_getset = frame_getset,
};
