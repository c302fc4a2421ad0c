/*
 * chan_demo - a log collector on a channel (arena_chan_create(3)), beside
 * the same records copied through a pipe.
 *
 * Four producer processes each send N log records of 190 bytes (text: a
 * sequence number, the producer's id and a message) to one collector
 * process, which checks every record (its bytes, and each producer's
 * order) and reports the throughput.  On the channel, producers claim 32
 * records at once, write them in place and commit them; the collector
 * receives batches of up to 256 in place.  Through the pipe, each producer
 * write()s one record per call (190 bytes: atomic, below PIPE_BUF) and
 * the collector read()s 64 KiB at a time and splits them.
 *
 *   chan_demo [N]        N records per producer (default 200000)
 *
 * The arena (a permanent part of 5 MiB holding a channel of 4 MiB) is
 * created under a name of its own and unlinked at the end.  Exit status 0
 * when every record arrived intact and in order on both paths.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"

#define PRODUCERS 4
#define REC_LEN   190
#define BATCH     32

static char arena_name_buf[64];

/* The records: producer P's record I is P's template (a log line) with I
 * written into its first 10 bytes, as a logger fills in a line. */
static char tmpl[PRODUCERS][REC_LEN];

static void make_templates(void)
{
	static const char words[] = "request served from cache in 0.42 ms "
	        "user=alice path=/api/v1/items?page=7 status=200 bytes=5120 ";

	for (unsigned p = 0; p < PRODUCERS; p++) {
		char *buf = tmpl[p];
		int n = snprintf(buf, REC_LEN, "%010u producer=%u level=INFO msg=\"",
		                 0u, p);

		for (size_t k = (size_t)n; k < REC_LEN - 2; k++)
			buf[k] = words[(k + p * 13u) % (sizeof(words) - 1)];
		buf[REC_LEN - 2] = '"';
		buf[REC_LEN - 1] = '\n';
	}
}

/* put_seq -- I as 10 decimal digits at BUF. */
static void put_seq(char *buf, uint32_t i)
{
	for (int k = 9; k >= 0; k--, i /= 10)
		buf[k] = (char)('0' + i % 10);
}

/* record -- producer P's record I, REC_LEN bytes, into BUF. */
static void record(char *buf, unsigned p, uint32_t i)
{
	memcpy(buf, tmpl[p], REC_LEN);
	put_seq(buf, i);
}

/* check -- whether R (LEN bytes) is the record expected next from its
 * producer; NEXT[p] moves on. */
static int check(const char *r, size_t len, uint32_t next[PRODUCERS])
{
	char seq[10];
	unsigned p;

	if (len != REC_LEN || r[20] < '0' || r[20] >= '0' + PRODUCERS)
		return -1;
	p = (unsigned)(r[20] - '0');    /* "%010u producer=P" */
	put_seq(seq, next[p]);
	if (memcmp(r, seq, 10) != 0 ||
	    memcmp(r + 10, tmpl[p] + 10, REC_LEN - 10) != 0)
		return -1;
	next[p]++;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- channel */

static int chan_producer(unsigned p, uint32_t n)
{
	arena_t *a = arena_attach(arena_name_buf, 0);
	arena_chan_t *c;
	size_t lens[BATCH];
	void *msgs[BATCH];
	uint32_t i = 0;

	if (a == NULL)
		return 1;
	c = arena_chan_open(a, "log", ARENA_CHAN_PRODUCER, NULL);
	if (c == NULL) {
		perror("chan_demo: arena_chan_open");
		return 1;
	}
	for (int k = 0; k < BATCH; k++)
		lens[k] = REC_LEN;
	while (i < n) {
		size_t want = n - i < BATCH ? n - i : BATCH;
		int got = arena_chan_claimv(c, want, lens, msgs, NULL);

		if (got < 0) {
			perror("chan_demo: arena_chan_claimv");
			return 1;
		}
		for (int k = 0; k < got; k++)
			record(msgs[k], p, i++);
		arena_chan_commit(c);
	}
	arena_chan_close(c);
	arena_detach(a);
	return 0;
}

static int run_chan(uint32_t n, double *secs)
{
	struct arena_options o = { .perm_size = 5u << 20 };
	struct arena_chan_config cfg = { .capacity = 4u << 20,
	                                 .slots = 1u << 15 };
	static const struct timespec wait5 = { 5, 0 };
	uint32_t next[PRODUCERS] = { 0 };
	uint64_t total = (uint64_t)n * PRODUCERS, got = 0;
	struct arena_msg m[256];
	arena_chan_t *c;
	arena_t *a;
	int bad = 0, status;
	double t0;

	snprintf(arena_name_buf, sizeof(arena_name_buf), "/chan-demo-%ld",
	         (long)getpid());
	a = arena_create(arena_name_buf, 1u << 20, &o);
	if (a == NULL) {
		perror("chan_demo: arena_create");
		return -1;
	}
	if (arena_chan_create(a, "log", &cfg) < 0 ||
	    (c = arena_chan_open(a, "log", ARENA_CHAN_SUBSCRIBER, NULL)) == NULL) {
		perror("chan_demo: channel");
		arena_detach(a);
		arena_unlink(arena_name_buf);
		return -1;
	}
	t0 = now();
	for (unsigned p = 0; p < PRODUCERS; p++)
		if (fork() == 0)
			_exit(chan_producer(p, n));
	while (got < total) {
		int k = arena_chan_recvv(c, m, 256, &wait5);

		if (k < 0) {
			perror("chan_demo: arena_chan_recvv");
			bad = 1;
			break;
		}
		for (int j = 0; j < k; j++)
			if (check(m[j].data, m[j].len, next) < 0)
				bad = 1;
		got += (uint64_t)k;
	}
	*secs = now() - t0;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad = 1;
	arena_chan_close(c);
	arena_detach(a);
	arena_unlink(arena_name_buf);
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------------- pipe */

static int pipe_producer(int fd, unsigned p, uint32_t n)
{
	char r[REC_LEN];

	for (uint32_t i = 0; i < n; i++) {
		record(r, p, i);
		if (write(fd, r, REC_LEN) != REC_LEN) {
			perror("chan_demo: write");
			return 1;
		}
	}
	return 0;
}

static int run_pipe(uint32_t n, double *secs)
{
	static char buf[65536 + REC_LEN];
	uint32_t next[PRODUCERS] = { 0 };
	uint64_t total = (uint64_t)n * PRODUCERS, got = 0;
	size_t have = 0;
	int fd[2], bad = 0, status;
	double t0;

	if (pipe(fd) < 0) {
		perror("chan_demo: pipe");
		return -1;
	}
	t0 = now();
	for (unsigned p = 0; p < PRODUCERS; p++)
		if (fork() == 0) {
			close(fd[0]);
			_exit(pipe_producer(fd[1], p, n));
		}
	close(fd[1]);
	while (got < total) {
		ssize_t r = read(fd[0], buf + have, sizeof(buf) - have);
		size_t off = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "chan_demo: the pipe ended early\n");
			bad = 1;
			break;
		}
		have += (size_t)r;
		for (; have - off >= REC_LEN; off += REC_LEN, got++)
			if (check(buf + off, REC_LEN, next) < 0)
				bad = 1;
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	*secs = now() - t0;
	close(fd[0]);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad = 1;
	return bad ? -1 : 0;
}

static void report(const char *what, uint64_t recs, double s)
{
	printf("  %-34s %8.3f s %10.0f records/s %8.1f MB/s\n", what, s,
	       (double)recs / s, (double)recs * REC_LEN / s / 1e6);
}

int main(int argc, char **argv)
{
	uint32_t n = 200000;
	uint64_t total;
	double tc = 0, tp = 0;
	int rc = 0;

	make_templates();
	if (argc > 1) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end != '\0' || v == 0 || v > 100000000) {
			fprintf(stderr, "usage: chan_demo [RECORDS_PER_PRODUCER]\n");
			return 2;
		}
		n = (uint32_t)v;
	}
	total = (uint64_t)n * PRODUCERS;
	printf("log collector: %d producers x %u records of %d bytes, "
	       "1 collector checking each\n", PRODUCERS, n, REC_LEN);
	fflush(stdout);
	if (run_chan(n, &tc) < 0) {
		fprintf(stderr, "chan_demo: the channel run failed its checks\n");
		rc = 1;
	}
	if (run_pipe(n, &tp) < 0) {
		fprintf(stderr, "chan_demo: the pipe run failed its checks\n");
		rc = 1;
	}
	report("channel (claimv 32, recvv 256)", total, tc);
	report("pipe (one write per record)", total, tp);
	if (rc == 0)
		printf("  every record intact and in order on both; the channel "
		       "is %.1fx the pipe\n", tp / tc);
	return rc;
}
