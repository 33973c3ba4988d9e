/* SPDX-License-Identifier: MIT */
/*
 * What every benchmark client shares (lat-client, copy-client): a latency
 * recorder driven by the benchmark driver's signals.
 *
 *   SIGUSR1  start measuring (frames before it are warm-up)
 *   SIGUSR2  stop measuring, print the RESULT line, exit
 *
 * Latency is CLOCK_MONOTONIC now minus the producer's timestamp of the frame,
 * taken the moment the client holds the frame (a pointer into the ring, or
 * the last byte copied in).  CPU is measured from outside (the driver reads
 * /proc/PID/task/N/schedstat), so the clients do nothing extra for it.
 *
 * The RESULT line: frames, missed (what the transport told the client it
 * lost while measuring), gaps (what the sequence numbers show), first
 * and last sequence seen, latency p50/p99/max in microseconds.  With
 * BENCH_LAT_DIR set, the latencies (ns, one a line) go to
 * $BENCH_LAT_DIR/<pid>.lat, "timestamp latency" in ns a line, for the
 * pooled percentiles, the CDF plot and the isolation phases.
 */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t bench_measuring, bench_stop;

struct bench_rec {
	uint32_t *lat; /* ns, saturated at 4 s */
	uint64_t *ts; /* the frames' timestamps */
	size_t n, cap;
	uint64_t missed; /* frames the transport said were lost */
	uint64_t gaps; /* frames the sequence numbers show were lost */
	uint64_t first_seq, last_seq;
	int have_seq;
};

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bench_sig(int sig)
{
	if (sig == SIGUSR1)
		bench_measuring = 1;
	else
		bench_stop = 1;
}

/* Install the handlers (no SA_RESTART: blocking waits return EINTR). */
static inline void bench_init(struct bench_rec *r)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bench_sig;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(r, 0, sizeof(*r));
	r->cap = 1 << 16;
	r->lat = malloc(r->cap * sizeof(*r->lat));
	r->ts = malloc(r->cap * sizeof(*r->ts));
	if (!r->lat || !r->ts)
		exit(1);
}

/* One frame held: its sequence, its producer timestamp, frames the
 * transport said were lost before it (-1: work it out from the sequence). */
static inline void bench_frame(struct bench_rec *r, uint64_t seq,
			       uint64_t ts_ns, int64_t missed)
{
	uint64_t now = bench_now_ns(), d;

	if (!bench_measuring)
		return;
	d = now > ts_ns ? now - ts_ns : 0;
	if (d > 4000000000u)
		d = 4000000000u;
	if (r->n == r->cap) {
		r->cap *= 2;
		r->lat = realloc(r->lat, r->cap * sizeof(*r->lat));
		r->ts = realloc(r->ts, r->cap * sizeof(*r->ts));
		if (!r->lat || !r->ts)
			exit(1);
	}
	r->ts[r->n] = ts_ns;
	r->lat[r->n++] = (uint32_t)d;
	if (r->have_seq) {
		uint64_t gap = seq > r->last_seq + 1 ? seq - r->last_seq - 1 :
						       0;

		r->gaps += gap;
		r->missed += missed >= 0 ? (uint64_t)missed : gap;
	} else
		r->first_seq = seq;
	r->have_seq = 1;
	r->last_seq = seq;
}

static int bench_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static inline double bench_pct(const struct bench_rec *r, double p)
{
	size_t i;

	if (!r->n)
		return 0;
	i = (size_t)(p * (double)(r->n - 1) + 0.5);
	return r->lat[i] / 1000.0;
}

/* Print the RESULT line (and the latency file) and exit. */
static inline void bench_finish(struct bench_rec *r, const char *what)
{
	const char *dir = getenv("BENCH_LAT_DIR");
	size_t i;

	if (dir && *dir && r->n) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%d.lat", dir, (int)getpid());
		f = fopen(path, "w");
		if (f) {
			for (i = 0; i < r->n; i++)
				fprintf(f, "%" PRIu64 " %" PRIu32 "\n",
					r->ts[i], r->lat[i]);
			fclose(f);
		}
	}
	qsort(r->lat, r->n, sizeof(*r->lat), bench_cmp);
	printf("RESULT client=%s pid=%d frames=%zu missed=%" PRIu64
	       " gaps=%" PRIu64 " first=%" PRIu64 " last=%" PRIu64
	       " p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
	       what, (int)getpid(), r->n, r->missed, r->gaps, r->first_seq,
	       r->last_seq, bench_pct(r, 0.50), bench_pct(r, 0.99),
	       bench_pct(r, 1.0));
	fflush(stdout);
	exit(0);
}

#endif /* BENCH_CLIENT_H */
