// SPDX-License-Identifier: MIT
/*
 * The ring protocol under contention: one producer publishing as fast as it
 * can into a 3-slot ring while 4 reader threads verify, byte for byte, every
 * frame they accept.  An accepted frame that fails verification is a torn
 * frame handed out as valid: the one thing the protocol must never do.  The
 * count of frames rejected as overwritten proves the test reached the race.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "grab-ring.h"
#include "grab-pattern.h"
#include "../lib/tap.h"

/*
 * The seqlock's one intentional race: readers read the pixels while the
 * producer may be rewriting them, and grab_ring_frame_intact() decides
 * afterwards whether what they read counts.  Under ThreadSanitizer (the
 * arm64 tier builds this test with clang -fsanitize=thread) those reads,
 * and only those, are ignored; every other access stays checked.
 */
#ifdef __has_feature
#if __has_feature(thread_sanitizer)
#define GRAB_TSAN 1
#endif
#endif
#ifdef __SANITIZE_THREAD__
#define GRAB_TSAN 1
#endif
#ifdef GRAB_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define PAYLOAD_RACE_BEGIN() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define PAYLOAD_RACE_END() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define PAYLOAD_RACE_BEGIN() \
	do {                 \
	} while (0)
#define PAYLOAD_RACE_END() \
	do {               \
	} while (0)
#endif

#define NSLOTS 3
#define NREADERS 4
#define NFRAMES 1000000ull
/* On a loaded machine the producer may rarely lap a reader mid-read: keep
 * publishing (up to this many frames) until the race has been seen. */
#define MAX_FRAMES (20 * NFRAMES)

static struct grab_format fmt = { .width = 64,
				  .height = 32,
				  .fourcc = GRAB_FMT_GREY };
static struct grab_ring_producer prod;
static struct grab_layout layout;
static uint8_t *mem;
static int producer_done;
static uint64_t torn_seen; /* frames any reader rejected so far */
static uint64_t published;

struct reader_result {
	uint64_t accepted, bad, rejected_torn, missed, out_of_order;
};

static void *producer_main(void *arg)
{
	uint64_t n;

	for (n = 0; n < MAX_FRAMES; n++) {
		void *px;

		if (n >= NFRAMES &&
		    __atomic_load_n(&torn_seen, __ATOMIC_RELAXED))
			break;
		px = grab_ring_begin(&prod);
		grab_pattern_fill(px, &fmt, n);
		grab_ring_commit(&prod, fmt.sizeimage, n, 0);
	}
	published = n;
	__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	return arg;
}

static void *reader_main(void *arg)
{
	struct reader_result *res = arg;
	struct grab_ring_reader r;
	struct grab_ring_frame f;
	uint8_t *scratch = malloc(fmt.bytesperline);
	uint64_t last = 0, missed;
	int have_last = 0;

	grab_ring_reader_attach(&r, mem, layout.ring_size, NULL);
	for (;;) {
		int ret = grab_ring_next(&r, &f, &missed);
		int64_t diff;

		if (ret == -EAGAIN) {
			if (__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE) &&
			    r.next >= grab_ring_head(&r))
				break;
			continue;
		}
		/* Verify in place, while the producer may be overwriting. */
		PAYLOAD_RACE_BEGIN();
		diff = grab_pattern_verify(f.data, &fmt, f.sequence, scratch);
		PAYLOAD_RACE_END();
		if (!grab_ring_frame_intact(&r, &f)) {
			res->rejected_torn++;
			__atomic_fetch_add(&torn_seen, 1, __ATOMIC_RELAXED);
			continue;
		}
		res->accepted++;
		if (diff != -1)
			res->bad++;
		if (have_last && f.sequence <= last)
			res->out_of_order++;
		last = f.sequence;
		have_last = 1;
	}
	res->missed = r.missed;
	free(scratch);
	return NULL;
}

/*
 * Attaching while the producer publishes: every attach must validate (the
 * header's constant fields never tear, whatever head and dropped do) and
 * start no earlier than the previous one.  Under ThreadSanitizer this is
 * what races the header copy against the producer's stores of head.
 */
static void *attacher_main(void *arg)
{
	uint64_t *bad = arg, last = 0, n = 0;

	while (!__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE) || n == 0) {
		struct grab_ring_reader r;
		const char *why = NULL;

		n++;
		if (grab_ring_reader_attach(&r, mem, layout.ring_size, &why)) {
			diag("attach %llu: %s", (unsigned long long)n, why);
			(*bad)++;
		} else if (r.next < last || r.nslots != NSLOTS) {
			diag("attach %llu: head went back or wrong slot count",
			     (unsigned long long)n);
			(*bad)++;
		} else {
			last = r.next;
		}
		sched_yield(); /* the readers and producer need the CPUs more */
	}
	diag("attacher: %llu attaches while the producer ran",
	     (unsigned long long)n);
	return NULL;
}

int main(void)
{
	struct reader_result res[NREADERS];
	pthread_t producer, attacher, readers[NREADERS];
	uint64_t attach_bad = 0, accepted = 0, bad = 0, torn = 0, disorder = 0,
		 accounted_ok = 1;
	int i;

	grab_format_complete(&fmt);
	grab_ring_plan(&fmt, NSLOTS, &layout);
	mem = calloc(1, layout.ring_size);
	grab_ring_producer_init(&prod, mem, layout.ring_size, &fmt, NSLOTS, 0,
				1);
	memset(res, 0, sizeof(res));

	for (i = 0; i < NREADERS; i++)
		pthread_create(&readers[i], NULL, reader_main, &res[i]);
	pthread_create(&attacher, NULL, attacher_main, &attach_bad);
	pthread_create(&producer, NULL, producer_main, NULL);
	pthread_join(producer, NULL);
	pthread_join(attacher, NULL);
	for (i = 0; i < NREADERS; i++) {
		pthread_join(readers[i], NULL);
		diag("reader %d: accepted %llu, rejected torn %llu, skipped %llu",
		     i, (unsigned long long)res[i].accepted,
		     (unsigned long long)res[i].rejected_torn,
		     (unsigned long long)res[i].missed);
		accepted += res[i].accepted;
		bad += res[i].bad;
		torn += res[i].rejected_torn;
		disorder += res[i].out_of_order;
		/* Every frame is accepted, rejected or skipped, once. */
		if (res[i].accepted + res[i].rejected_torn + res[i].missed >
		    published)
			accounted_ok = 0;
	}
	ok(published >= NFRAMES && grab_ring_head(&(struct grab_ring_reader){
					   .hdr = prod.hdr }) == published,
	   "producer published %llu frames (at least %llu)",
	   (unsigned long long)published, NFRAMES);
	ok(bad == 0,
	   "no accepted frame failed verification (%llu accepted, %llu bad)",
	   (unsigned long long)accepted, (unsigned long long)bad);
	ok(torn > 0,
	   "the race was reached: %llu frames rejected as overwritten",
	   (unsigned long long)torn);
	ok(accepted > 0, "readers accepted frames");
	ok(attach_bad == 0,
	   "attaching while the producer runs always validates (%llu failed)",
	   (unsigned long long)attach_bad);
	ok(disorder == 0, "accepted frames arrive in increasing order");
	ok(accounted_ok, "no reader counts more frames than were published");
	free(mem);
	return done_testing();
}
