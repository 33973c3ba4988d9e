/* SPDX-License-Identifier: MIT */
/*
 * libgrab: read frames from grabberd (or straight from /dev/grabN) in place,
 * with no copies.
 *
 *   struct grab *g;
 *   struct grab_frame *f;
 *
 *   if (grab_connect(NULL, "default", 0, &g) < 0) ...
 *   while (grab_next_frame(g, 1000, &f) >= 0) {
 *           use(grab_frame_data(f), grab_frame_bytes(f));
 *           if (!grab_frame_intact(f))
 *                   ... the frame was overwritten while used: discard ...
 *           grab_frame_release(f);
 *   }
 *   grab_close(g);
 *
 * Every function that can fail returns >= 0 on success or a negative errno.
 * The library never prints, never exits and never raises a signal (it sends
 * with MSG_NOSIGNAL).  A handle is not thread safe: use one per thread, or
 * lock around it.
 */
#ifndef GRAB_GRAB_H
#define GRAB_GRAB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRAB_VERSION_MAJOR 1
#define GRAB_VERSION_MINOR 2

/* Where grabberd listens when grab_connect() is given NULL. */
#define GRAB_DEFAULT_SOCKET "/run/grabberd/grabberd.sock"
/* Environment variable that overrides GRAB_DEFAULT_SOCKET. */
#define GRAB_SOCKET_ENV "GRAB_SOCKET"
/* Stream used when grab_connect() is given NULL. */
#define GRAB_DEFAULT_STREAM "default"

/* Pixel formats: the V4L2 four-character codes. */
#define GRAB_PIXFMT_YUYV 0x56595559u /* 'YUYV': 4:2:2 packed, 16 bpp */
#define GRAB_PIXFMT_GREY 0x59455247u /* 'GREY': 8-bit luma */
#define GRAB_PIXFMT_RGB24 0x33424752u /* 'RGB3': R, G, B bytes */
#define GRAB_PIXFMT_BGR24 0x33524742u /* 'BGR3': B, G, R bytes */
#define GRAB_PIXFMT_UYVY 0x59565955u /* 'UYVY': 4:2:2 packed, 16 bpp */
#define GRAB_PIXFMT_NV12 0x3231564eu /* 'NV12': Y plane, CbCr plane (4:2:0) */
#define GRAB_PIXFMT_YU12 0x32315559u /* 'YU12': Y, Cb, Cr planes (I420) */
#define GRAB_PIXFMT_Y16 0x20363159u /* 'Y16 ': 16-bit luma, little endian */
#define GRAB_PIXFMT_SRGGB8 0x42474752u /* 'RGGB': 8-bit Bayer RG/GB */
#define GRAB_PIXFMT_SBGGR8 0x31384142u /* 'BA81': 8-bit Bayer BG/GR */
#define GRAB_PIXFMT_SGRBG8 0x47425247u /* 'GRBG': 8-bit Bayer GR/BG */
#define GRAB_PIXFMT_SGBRG8 0x47524247u /* 'GBRG': 8-bit Bayer GB/RG */
#define GRAB_PIXFMT_MJPEG 0x47504a4du /* 'MJPG': one JPEG per frame */

/* A connection to one stream (daemon mode) or one device (direct mode). */
struct grab;
/* A frame being read in place; valid until grab_frame_release(). */
struct grab_frame;

/* Geometry of every frame of a stream. */
struct grab_image_format {
	uint32_t width;
	uint32_t height;
	uint32_t fourcc; /* GRAB_PIXFMT_* */
	uint32_t bytesperline;
	uint32_t sizeimage;
};

/* Most planes a frame has (YU12: Y, Cb, Cr). */
#define GRAB_MAX_PLANES 3

/* One plane of a raw frame: its bytes start at grab_frame_data() + offset. */
struct grab_image_plane {
	uint32_t offset; /* from the start of the frame */
	uint32_t stride; /* bytes from one line of the plane to the next */
	uint32_t lines; /* lines of the plane (height / subsampling) */
	uint32_t reserved;
};

/*
 * Where the planes of a frame are (grab_frame_layout()).  A compressed
 * format (MJPEG) has nplanes 0: the frame is grab_frame_bytes() bytes of
 * one JPEG image.
 */
struct grab_image_layout {
	uint32_t nplanes;
	uint32_t reserved0;
	struct grab_image_plane plane[GRAB_MAX_PLANES];
	uint32_t reserved[4];
};

/* grab_stream_info.flags */
#define GRAB_STREAM_DIRECT (1u << 0) /* opened with grab_open_device() */

/* What grab_stream_info() returns. */
struct grab_stream_info {
	char name[64]; /* stream name ("default"), or the device path */
	char source[128]; /* "test:", "grab:/dev/grab0", "v4l2:/dev/video0" */
	struct grab_image_format format;
	uint32_t fps_num; /* configured rate is fps_num / fps_den */
	uint32_t fps_den;
	uint32_t nslots; /* frames the ring holds */
	uint32_t flags; /* GRAB_STREAM_* */
	uint64_t ring_size; /* bytes mapped */
	uint32_t reserved[8];
};

/* grab_stream_stats.state */
enum grab_source_state {
	GRAB_SOURCE_STOPPED = 0, /* nobody watching: not capturing */
	GRAB_SOURCE_RUNNING = 1,
	GRAB_SOURCE_FAILED = 2, /* failed or gone: being retried */
};

/* What grab_stream_stats() returns: the daemon's view of a stream. */
struct grab_stream_stats {
	uint32_t state; /* enum grab_source_state */
	uint32_t clients; /* connected clients of the stream */
	uint32_t fps_num; /* configured rate */
	uint32_t fps_den;
	double fps; /* measured over the last seconds */
	uint64_t frames; /* frames published since the source started */
	uint64_t dropped; /* frames the source could not produce in time */
	uint64_t missed; /* frame events clients missed, all clients */
	struct grab_image_format format;
	char source[128];
	char error[128]; /* why the source failed, "" if it did not */
	uint32_t reserved[8];
};

/* grab_connect() flags */
#define GRAB_CONNECT_NO_RECONNECT (1u << 0) /* fail instead of reconnecting */

/*
 * Connect to grabberd at @socket_path (NULL: $GRAB_SOCKET, else
 * GRAB_DEFAULT_SOCKET) and attach to stream @stream (NULL: "default").
 * Returns 0 and *@ret_grab, or -ENOENT (no such stream, or no socket),
 * -ECONNREFUSED (daemon not running), -EPROTONOSUPPORT (daemon speaks another
 * protocol version), -ETIMEDOUT (no answer), -ENOMEM, ...
 *
 * Unless GRAB_CONNECT_NO_RECONNECT is given, a handle whose daemon goes away
 * reconnects by itself (every 100 ms) and goes on with the new stream.
 */
int grab_connect(const char *socket_path, const char *stream,
		 unsigned int flags, struct grab **ret_grab);

/*
 * Open a grab device (/dev/grabN) directly, without the daemon: maps its
 * ring read only and starts streaming.  Returns 0 or -errno.
 */
int grab_open_device(const char *path, struct grab **ret_grab);

/* Close the handle.  Frames not yet released stay readable until released. */
void grab_close(struct grab *grab);

/*
 * A file descriptor that polls readable when grab_next_frame() may have
 * something to do (a frame, a reconnection attempt).  Stable for the life of
 * the handle, across reconnections; owned by the handle: do not close it.
 */
int grab_fd(const struct grab *grab);

/* The stream's name, source, geometry and rate.  -ENODATA while the source
 * is not available yet. */
int grab_stream_info(struct grab *grab, struct grab_stream_info *ret_info);

/*
 * Ask the daemon for the stream's counters (a short extra connection; direct
 * mode asks the device).  Returns 0 or -errno.
 */
int grab_stream_stats(struct grab *grab, struct grab_stream_stats *ret_stats);

/*
 * The next frame after the last one returned, waiting up to @timeout_ms
 * (0: do not wait, -1: forever).  A reader that falls behind gets the
 * newest frame, and grab_frame_missed() says how many it missed.
 * Returns 0 and *@ret_frame, or
 *   -ETIMEDOUT  no frame in time (-EAGAIN when @timeout_ms is 0)
 *   -ENOTCONN   the daemon is gone and reconnecting has not worked yet
 *   -ENODEV     the source of the stream has failed (the daemon retries it)
 *   -ENOENT     the stream no longer exists
 *   -EBUSY      too many frames held (release some)
 *   -EINTR      a signal arrived
 */
int grab_next_frame(struct grab *grab, int timeout_ms,
		    struct grab_frame **ret_frame);

/* Like grab_next_frame(), but skips to the newest frame available. */
int grab_latest_frame(struct grab *grab, int timeout_ms,
		      struct grab_frame **ret_frame);

/*
 * Go back in time: the next calls to grab_next_frame() first return the
 * frames published before this call that are still in the ring (at most
 * @max_frames of them, the newest ones), oldest first, then carry on with
 * new frames.  A queued frame overwritten before it is read is counted as
 * missed.  Returns how many frames were queued (0 when the ring is empty),
 * -ENODATA while the source is not available yet, -ENOENT, -EINVAL.
 */
int grab_rewind(struct grab *grab, unsigned int max_frames);

/* Frames this handle missed since it was opened (overwritten before read,
 * or skipped because the reader was too slow). */
uint64_t grab_missed(const struct grab *grab);

/* How many times the handle has (re)attached to a stream: 1 after connect,
 * more after each reconnection or stream reset. */
uint64_t grab_generation(const struct grab *grab);

/* The frame view. */
const void *grab_frame_data(const struct grab_frame *frame);
size_t grab_frame_bytes(const struct grab_frame *frame);
uint64_t grab_frame_sequence(const struct grab_frame *frame);
/* When the frame was captured, on CLOCK_MONOTONIC (ns). */
uint64_t grab_frame_timestamp_ns(const struct grab_frame *frame);
/* Frames missed between the previous frame returned and this one. */
uint64_t grab_frame_missed(const struct grab_frame *frame);
int grab_frame_format(const struct grab_frame *frame,
		      struct grab_image_format *ret_format);
/*
 * 1 if the producer did not touch the frame since it was handed out, 0 if
 * it was (being) overwritten: everything read from it must then be thrown
 * away.  Call it after reading, before trusting what was read.
 */
int grab_frame_intact(const struct grab_frame *frame);
void grab_frame_release(struct grab_frame *frame);

/* The format's canonical name ("YUYV", "NV12", "MJPG"...), or "?" */
const char *grab_pixfmt_name(uint32_t fourcc);

/* Since 1.1 (symbol version GRAB_2). */

/* The plane layout of a frame in its format.  0, or -EINVAL. */
int grab_frame_layout(const struct grab_frame *frame,
		      struct grab_image_layout *ret_layout);
/* The plane layout of every frame of @format. 0, or -EINVAL if the format
 * is not one grab knows or its geometry is inconsistent. */
int grab_image_layout(const struct grab_image_format *format,
		      struct grab_image_layout *ret_layout);
/* The fourcc a name means, in any case ("yuyv", "YUY2", "I420", "rgb24",
 * "MJPEG"...), or 0 if none. */
uint32_t grab_pixfmt_from_name(const char *name);

/* Since 1.2 (symbol version GRAB_3): a camera's controls. */

/* grab_control.type */
enum grab_control_type {
	GRAB_CONTROL_INTEGER = 1,
	GRAB_CONTROL_BOOLEAN = 2,
	GRAB_CONTROL_MENU = 3, /* items by index and name, see menu */
	GRAB_CONTROL_BUTTON = 4, /* an action: setting it presses it */
	GRAB_CONTROL_INTEGER64 = 5,
	GRAB_CONTROL_INTEGER_MENU = 6, /* items are numbers */
	GRAB_CONTROL_BITMASK = 7,
	GRAB_CONTROL_STRING = 8, /* listed, not settable */
	GRAB_CONTROL_OTHER = 9, /* listed, not settable */
};

/* grab_control.flags */
#define GRAB_CONTROL_READ_ONLY (1u << 0)
#define GRAB_CONTROL_INACTIVE (1u << 1) /* another control overrides it */
#define GRAB_CONTROL_VOLATILE (1u << 2) /* the camera changes it itself */
#define GRAB_CONTROL_GRABBED (1u << 3) /* cannot change while streaming */

/* One control of the camera behind a stream, as it reports it now. */
struct grab_control {
	char name[32]; /* as grab spells it: "white_balance_automatic" */
	char label[32]; /* as the camera does: "White Balance, Automatic" */
	uint32_t id; /* the V4L2 control id */
	uint32_t type; /* enum grab_control_type */
	uint32_t flags; /* GRAB_CONTROL_* */
	uint32_t reserved0;
	int64_t minimum;
	int64_t maximum;
	int64_t step;
	int64_t default_value;
	int64_t value; /* current */
	char menu[256]; /* menus: "0=disabled,1=50_hz,2=60_hz" */
	uint32_t reserved[8];
};

/*
 * The controls of the stream's camera: up to @max of them into @ret (NULL
 * with @max 0 just counts).  Returns how many the camera has (more than
 * @max if they did not all fit), or -EOPNOTSUPP (the source has no
 * controls: test:, grab:, or a device opened with grab_open_device()),
 * -ENODATA (the source is not running: nobody watches the stream),
 * -ENOENT, -EPROTO, -ETIMEDOUT, ...
 */
int grab_stream_controls(struct grab *grab, struct grab_control *ret,
			 size_t max);

/*
 * Set control @name (V4L2's name or grab's spelling of it:
 * "Brightness", "white_balance_automatic") to @value ("10", "true",
 * "50_hz" or a menu item's index).  The daemon allows it only to users in
 * its control_uids / control_groups (root if those are empty).  Returns 0
 * and, if @ret_control is not NULL, the control as the camera reports it
 * afterwards; or -EPERM (not allowed), -EINVAL (no such control, or a bad
 * value), -EOPNOTSUPP, -ENODATA, -EBUSY, ...  When @reason is not NULL it
 * gets the daemon's explanation ("stream camera: control.brightness =
 * 300: out of range 0..255"), "" on success.
 */
int grab_set_control(struct grab *grab, const char *name, const char *value,
		     struct grab_control *ret_control, char *reason,
		     size_t reason_size);

#ifdef __cplusplus
}
#endif

#endif /* GRAB_GRAB_H */
