/*
 * ipc.c - message passing between two processes: libarena's channels
 * (issue 10) beside the floors and the peers, in one run (make bench ->
 * tests/bench/run.sh, which builds and runs it after bench).
 *
 * Every figure is measured between processes (fork()) pinned to different
 * CPUs with sched_setaffinity: producers on the first CPU, receivers on
 * the second (on a machine with one CPU, everything shares it and the
 * table says so).  Message sizes 64 B, 4 KiB and 64 KiB.
 *
 *   tput   one-way throughput, million messages/s and GB/s (payload):
 *          floors: a bare single-producer single-consumer ring in shared
 *            memory (liburcu's barriers, no system call), publishing its
 *            indices after every message ("ring") and once per 64
 *            messages ("ring x64"), both copying the message in and out
 *            (memcpy) as send and recv_copy would; at 64 KiB also its
 *            zero-copy form ("ring zc": the writer writes the message's
 *            first and last 8 bytes in place, the reader reads them in
 *            place), the form every zero-copy row of 64 KiB takes;
 *          peers: a pipe (one message per write and read; 64 per write
 *            and read), a UNIX stream socket (socketpair), a POSIX
 *            message queue (queue depth 10, the system default), ZeroMQ
 *            ipc:// PUSH/PULL, iceoryx 2.0 (C binding; loan, write,
 *            publish; take, read, release; the receiver polls);
 *          channels: 1 -> 1 per message (claim, write, commit; recv,
 *            read), batched (claimv and recvv, 64 at a time), 4
 *            producers -> 1 (aggregate), 1 -> 2 subscribers (messages
 *            per second each subscriber sees), 64 KiB zero copy.
 *   rtt    round trip, one message each way, p50 / p99 / p99.9 in
 *          microseconds: the cache-line ping-pong between two processes
 *          (the latency floor: one word written by each side in turn), the
 *          ring (busy polling), pipe, socket, message queue (blocking),
 *          ZeroMQ REQ/REP (blocking), iceoryx (busy polling, and blocking
 *          in a WaitSet), channels (busy polling: recv with a zero timeout
 *          in a loop; blocking: recv with no timeout, which spins briefly
 *          and then sleeps on a futex); and at 64 B, pipe and channel
 *          blocking round trips whose receiver has gone to sleep: a 5 ms
 *          pause (not timed) before each round trip ("idle receiver").
 *   log    the log collector of issue 10: 4 producer processes, 1
 *          collector, records of 150 to 230 bytes (190 on average; each
 *          producer formats them: a header and a filled payload); the
 *          collector reads each record whole (an 8-byte sum over it),
 *          checks its producer and sequence number; through a channel
 *          (claim/commit; recvv) and copied through one pipe (one write
 *          per record, atomic below PIPE_BUF; the collector reads 64 KiB
 *          at a time).
 *   target the targets of issue 10 (ratios in the same run), PASS/MISS:
 *          reported, never an exit status.
 *
 * Method: each row forks its processes once; they set up (connect,
 * subscribe, attach), then run 1 warm-up pass and PASSES (default 5)
 * timed passes, each started on a process-shared barrier; the warm-up and
 * each pass size the next one to about PASS_MS (default 100) ms.  A
 * pass's time runs from the earliest producer's start to the latest
 * receiver's end; the table gives the median pass (and the best).  Round
 * trips are timed one by one with clock_gettime (about 20 ns of each
 * sample is the clock itself, the same for every row), and the table gives
 * the medians over the passes of each pass's percentiles.  Every message
 * carries its producer and sequence number, which the receiver checks: a
 * row that loses, duplicates or reorders a message, or whose process
 * fails, says FAIL instead of a speed (and the exit status is 1).
 *
 * Usage: ipc [--csv FILE] [--dat FILE]   (--dat: the chart's data)
 * Environment: BENCH_IPC_PASSES (default 5), BENCH_IPC_PASS_MS (100),
 *   BENCH_IPC_ONLY="ring pipe chan" (rows whose key starts with one of
 *   these words; targets of rows not run say SKIP), IPC_NO_ZMQ,
 *   IPC_NO_IOX (the reason run.sh could not build those peers, printed
 *   in their rows), IOX_ROUDI (the iox-roudi to start; default from PATH).
 */
#include <arena.h>
#include <urcu/arch.h>
#include <urcu/compiler.h>
#include <urcu/uatomic.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_ZMQ
#include <zmq.h>
#endif
#ifdef HAVE_IOX
#include "ipc_iox.c"
#endif

/* ------------------------------------------------------------ basics */

#define MAXP      8          /* processes in one row */
#define MAXPASS   16
#define MAXLAT    (1u << 21) /* round trips recorded per pass */
#define BATCH     64
#define KiB       1024u
#define MiB       (1024u * 1024u)

/*
 * Release and acquire with liburcu's barriers: the ring's index stores
 * must follow the message's stores (and, for the consumer, its loads);
 * the message's loads must follow the index load.  On x86 (TSO) loads are
 * not reordered with later stores, so cmm_smp_wmb()/cmm_smp_rmb(), which
 * are compiler barriers there, are enough; elsewhere a load before a store
 * needs the full barrier.
 */
#if defined(__x86_64__) || defined(__i386__)
#define release_fence() cmm_smp_wmb()
#define acquire_fence() cmm_smp_rmb()
#else
#define release_fence() cmm_smp_mb()
#define acquire_fence() cmm_smp_mb()
#endif

static int g_cpus[2], g_ncpus;
static int g_passes = 5;
static double g_pass_ns = 100e6;
static pid_t g_owner;
static char g_roudi_log[64];
static pid_t g_roudi = -1;
static int g_bad;

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s\n", errno ? ": " : "", errno ? strerror(errno) : "");
	exit(2);
}

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu", len);
	memset(p, 0, len);
	return p;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity %d", cpu);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double t[MAXPASS];

	if (n <= 0)
		return NAN;
	memcpy(t, v, (size_t)n * sizeof(*t));
	qsort(t, (size_t)n, sizeof(*t), cmp_dbl);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* ------------------------------------------- the shared control block */

struct ctl {
	pthread_barrier_t bar;
	uint64_t n;                 /* messages per producer, this pass */
	int64_t t0[MAXP], t1[MAXP]; /* each process's start and end, ns */
	double rate[MAXPASS];       /* messages/s of each timed pass */
	double lat[MAXPASS][3];     /* p50 p99 p99.9 of each timed pass, ns */
	uint64_t gaps;              /* unused by now; reported if not 0 */
	int failed;
	char msg[256];
};

static struct ctl *g_ctl;

/* In a row's process: record why it failed and leave. */
static void fail(const char *fmt, ...)
{
	va_list ap;
	char b[200];
	int e = errno;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (!uatomic_xchg(&g_ctl->failed, 1))
		snprintf(g_ctl->msg, sizeof(g_ctl->msg), "%s%s%s", b,
		         e ? ": " : "", e ? strerror(e) : "");
	_exit(1);
}

static void barrier(void)
{
	int r = pthread_barrier_wait(&g_ctl->bar);

	if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
		fail("pthread_barrier_wait: %s", strerror(r));
}

/* ------------------------------------------------------------- a row */

enum kind { TPUT, RTT, LOG };

struct ring;

struct cell {
	enum kind kind;
	size_t size;               /* message bytes (LOG: 0, variable) */
	int np, nr;                /* producers, receivers (RTT: 1 and 1) */
	int batch;                 /* 64 messages per call / index store */
	int zc;                    /* zero copy: first and last word only */
	int block;                 /* blocking receive (RTT) */
	int pause_us;              /* RTT: idle time before each round trip */
	int cpu[MAXP];
	uint64_t n0;               /* warm-up pass */
	int id;                    /* unique in the run: names */
	/* made by the parent before fork() */
	int wfd[MAXP], rfd[MAXP];
	mqd_t mq[2];
	struct ring *ring[2];
	uint64_t *line;
	char name[80];
	/* each process's own, after fork() */
	int who;
	unsigned char *buf;        /* private message buffer */
	size_t buflen;
	uint64_t seq;              /* next sequence number this one sends */
	uint64_t expect[MAXP];     /* next one expected from each producer */
	uint64_t sum;
	void *zctx, *zs;
	struct ioxb *ib[2];
	arena_t *arena;
	void *ch[2];
};

struct ops {
	/* in the row's process, after fork(): connect, open, subscribe */
	void (*open)(struct cell *c);
	/* one pass: N messages per producer (TPUT, LOG), or N round trips
	 * with their times in LAT (RTT, process 0; process 1 answers). */
	void (*run)(struct cell *c, uint64_t n, uint32_t *lat);
	void (*close)(struct cell *c);
};

static int is_prod(const struct cell *c)
{
	return c->who < c->np;
}

/* The stamp of a message: producer index in the top 16 bits (round
 * trips: 0 both ways; each side counts what it sent and received). */
static uint64_t stamp(const struct cell *c, uint64_t seq)
{
	uint64_t who = c->kind == RTT ? 0 : (uint64_t)c->who;

	return who << 48 | (seq & ((UINT64_C(1) << 48) - 1));
}

/* Write message SEQ into P (SIZE bytes): whole (copying rows: from the
 * private buffer, stamped), or its first and last words (zero copy). */
static void put_msg(struct cell *c, void *p, uint64_t seq)
{
	uint64_t s = stamp(c, seq);

	if (c->zc) {
		memcpy(p, &s, 8);
		s = ~s;
		memcpy((char *)p + c->size - 8, &s, 8);
	} else {
		memcpy(c->buf, &s, 8);
		memcpy(p, c->buf, c->size);
	}
}

/* Check a message's stamp: from a known producer, in its order. */
static void check_stamp(struct cell *c, uint64_t s)
{
	unsigned prod = (unsigned)(s >> 48);

	if (prod >= (unsigned)c->np)
		fail("message from producer %u of %d", prod, c->np);
	if ((s & ((UINT64_C(1) << 48) - 1)) !=
	    (c->expect[prod] & ((UINT64_C(1) << 48) - 1)))
		fail("producer %u: message %" PRIu64 " where %" PRIu64
		     " was expected", prod, s & ((UINT64_C(1) << 48) - 1),
		     c->expect[prod]);
	c->expect[prod]++;
}

/* Read a message at P: copied out (copying rows) or its first and last
 * words read in place (zero copy); check its stamp. */
static void get_msg(struct cell *c, const void *p)
{
	uint64_t s, t;

	if (c->zc) {
		memcpy(&s, p, 8);
		memcpy(&t, (const char *)p + c->size - 8, 8);
		if (t != ~s)
			fail("torn message (trailer %#" PRIx64 ")", t);
	} else {
		memcpy(c->buf, p, c->size);
		memcpy(&s, c->buf, 8);
	}
	check_stamp(c, s);
}

/* Before a round trip of an "idle receiver" row: sleep PAUSE_US (not
 * timed), so that the other side has gone to sleep in its receive. */
static void rtt_pause(const struct cell *c)
{
	if (c->pause_us > 0) {
		struct timespec t = { 0, (long)c->pause_us * 1000 };

		nanosleep(&t, NULL);
	}
}

/* ---------------------------------------------------------- the ring */

/*
 * The floor: a single-producer single-consumer ring of fixed slots in
 * shared memory.  head (next slot to write) is stored by the producer
 * only, tail (next slot to read) by the consumer only, each on its own
 * line; each side keeps a private copy of the other's index and reads
 * the shared one only when its copy says full (empty).  Unbatched, each
 * side stores its index after every message; batched, once per 64
 * messages, and always before it waits.
 */
struct ring {
	uint64_t head;
	char pad0[56];
	uint64_t tail;
	char pad1[56];
	uint64_t slots, slot_size;
	char pad2[4096 - 144];
	unsigned char data[];
};

struct rside {
	struct ring *r;
	uint64_t idx, other, pub, mask;
	size_t ss;
	int batch;
};

static struct ring *ring_new(size_t bytes, size_t slot)
{
	struct ring *r = map_shared(sizeof(struct ring) + bytes);

	r->slots = bytes / slot;
	r->slot_size = slot;
	return r;
}

static void rside_init(struct rside *s, struct ring *r, int producer,
                       int batch)
{
	s->r = r;
	s->mask = r->slots - 1;
	s->ss = r->slot_size;
	s->batch = batch;
	s->idx = s->pub = producer ? CMM_LOAD_SHARED(r->head) : CMM_LOAD_SHARED(r->tail);
	s->other = producer ? CMM_LOAD_SHARED(r->tail) : CMM_LOAD_SHARED(r->head);
}

static inline void *ring_claim(struct rside *s)
{
	while (s->idx - s->other >= s->r->slots) {
		if (s->pub != s->idx) {
			release_fence();
			CMM_STORE_SHARED(s->r->head, s->idx);
			s->pub = s->idx;
		}
		caa_cpu_relax();
		s->other = CMM_LOAD_SHARED(s->r->tail);
	}
	acquire_fence();
	return s->r->data + (s->idx & s->mask) * s->ss;
}

static inline void ring_commit(struct rside *s)
{
	s->idx++;
	if (!s->batch || s->idx - s->pub >= BATCH) {
		release_fence();
		CMM_STORE_SHARED(s->r->head, s->idx);
		s->pub = s->idx;
	}
}

static inline const void *ring_peek(struct rside *s)
{
	while (s->idx == s->other) {
		if (s->pub != s->idx) {
			release_fence();
			CMM_STORE_SHARED(s->r->tail, s->idx);
			s->pub = s->idx;
		}
		caa_cpu_relax();
		s->other = CMM_LOAD_SHARED(s->r->head);
	}
	acquire_fence();
	return s->r->data + (s->idx & s->mask) * s->ss;
}

static inline void ring_consume(struct rside *s)
{
	s->idx++;
	if (!s->batch || s->idx - s->pub >= BATCH) {
		release_fence();
		CMM_STORE_SHARED(s->r->tail, s->idx);
		s->pub = s->idx;
	}
}

static void ring_flush(struct rside *s, int producer)
{
	if (s->pub != s->idx) {
		release_fence();
		if (producer)
			CMM_STORE_SHARED(s->r->head, s->idx);
		else
			CMM_STORE_SHARED(s->r->tail, s->idx);
		s->pub = s->idx;
	}
}

static void ring_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	struct rside s, t;

	(void)lat;
	if (c->kind == RTT) {
		/* who 0: ring 0 out, ring 1 back; who 1 the reverse */
		rside_init(&s, c->ring[c->who], 1, 0);
		rside_init(&t, c->ring[!c->who], 0, 0);
		for (uint64_t i = 0; i < n; i++) {
			int64_t t0 = c->who == 0 ? now_ns() : 0;

			if (c->who == 0) {
				put_msg(c, ring_claim(&s), c->seq++);
				ring_commit(&s);
			}
			get_msg(c, ring_peek(&t));
			ring_consume(&t);
			if (c->who == 1) {
				put_msg(c, ring_claim(&s), c->seq++);
				ring_commit(&s);
			} else {
				lat[i] = (uint32_t)(now_ns() - t0);
			}
		}
		return;
	}
	rside_init(&s, c->ring[0], is_prod(c), c->batch);
	if (is_prod(c)) {
		for (uint64_t i = 0; i < n; i++) {
			put_msg(c, ring_claim(&s), c->seq++);
			ring_commit(&s);
		}
		ring_flush(&s, 1);
	} else {
		for (uint64_t i = 0; i < n; i++) {
			get_msg(c, ring_peek(&s));
			ring_consume(&s);
		}
		ring_flush(&s, 0);
	}
}

static void nop_open(struct cell *c)
{
	(void)c;
}

static const struct ops ring_ops = { nop_open, ring_run, nop_open };

/* The cache-line ping-pong: one word, written by each side in turn. */
static void line_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	uint64_t v = c->seq;

	for (uint64_t i = 0; i < n; i++, v += 2) {
		if (c->who == 0) {
			int64_t t0 = now_ns();

			CMM_STORE_SHARED(*c->line, v + 1);
			while (CMM_LOAD_SHARED(*c->line) != v + 2)
				caa_cpu_relax();
			lat[i] = (uint32_t)(now_ns() - t0);
		} else {
			while (CMM_LOAD_SHARED(*c->line) != v + 1)
				caa_cpu_relax();
			CMM_STORE_SHARED(*c->line, v + 2);
		}
	}
	c->seq = v;
}

static const struct ops line_ops = { nop_open, line_run, nop_open };

/* ------------------------------------ file descriptors: pipe, socket */

static void writen(int fd, const void *p, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			fail("write");
		p = (const char *)p + k;
		len -= (size_t)k;
	}
}

static void readn(int fd, void *p, size_t len)
{
	while (len > 0) {
		ssize_t k = read(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			errno = 0;
		if (k <= 0)
			fail("read");
		p = (char *)p + k;
		len -= (size_t)k;
	}
}

static void fd_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	size_t sz = c->size;

	if (c->kind == RTT) {
		for (uint64_t i = 0; i < n; i++) {
			int64_t t0;
			uint64_t s = stamp(c, c->seq++);

			if (c->who == 0)
				rtt_pause(c);
			t0 = c->who == 0 ? now_ns() : 0;

			if (c->who == 0) {
				memcpy(c->buf, &s, 8);
				writen(c->wfd[0], c->buf, sz);
			}
			readn(c->rfd[c->who], c->buf, sz);
			memcpy(&s, c->buf, 8);
			check_stamp(c, s);
			if (c->who == 1)   /* the answer: what came */
				writen(c->wfd[1], c->buf, sz);
			else
				lat[i] = (uint32_t)(now_ns() - t0);
		}
		return;
	}
	if (is_prod(c)) {
		size_t per = c->batch ? BATCH : 1;

		for (uint64_t i = 0; i < n; i += per) {
			for (size_t k = 0; k < per; k++) {
				uint64_t s = stamp(c, c->seq++);

				memcpy(c->buf + k * sz, &s, 8);
			}
			writen(c->wfd[c->who], c->buf, per * sz);
		}
	} else {
		size_t per = c->batch ? BATCH : 1;
		uint64_t total = n * (uint64_t)c->np;

		for (uint64_t i = 0; i < total; i += per) {
			readn(c->rfd[c->who], c->buf, per * sz);
			for (size_t k = 0; k < per; k++) {
				uint64_t s;

				memcpy(&s, c->buf + k * sz, 8);
				check_stamp(c, s);
			}
		}
	}
}

static const struct ops fd_ops = { nop_open, fd_run, nop_open };

/* ------------------------------------------- POSIX message queues */

static void mq_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	size_t sz = c->size;
	uint64_t s;

	if (c->kind == RTT) {
		for (uint64_t i = 0; i < n; i++) {
			int64_t t0 = c->who == 0 ? now_ns() : 0;

			if (c->who == 0) {
				s = stamp(c, c->seq++);
				memcpy(c->buf, &s, 8);
				if (mq_send(c->mq[0], (char *)c->buf, sz, 0) < 0)
					fail("mq_send");
			}
			if (mq_receive(c->mq[!c->who], (char *)c->buf, sz, NULL) !=
			    (ssize_t)sz)
				fail("mq_receive");
			memcpy(&s, c->buf, 8);
			check_stamp(c, s);
			if (c->who == 1) {
				if (mq_send(c->mq[1], (char *)c->buf, sz, 0) < 0)
					fail("mq_send");
			} else {
				lat[i] = (uint32_t)(now_ns() - t0);
			}
		}
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (is_prod(c)) {
			s = stamp(c, c->seq++);
			memcpy(c->buf, &s, 8);
			if (mq_send(c->mq[0], (char *)c->buf, sz, 0) < 0)
				fail("mq_send");
		} else {
			if (mq_receive(c->mq[0], (char *)c->buf, sz, NULL) !=
			    (ssize_t)sz)
				fail("mq_receive");
			memcpy(&s, c->buf, 8);
			check_stamp(c, s);
		}
	}
}

static const struct ops mq_ops = { nop_open, mq_run, nop_open };

/* ------------------------------------------------------------ ZeroMQ */

#ifdef HAVE_ZMQ
static void zmq_open_(struct cell *c)
{
	int type, zero = 0;

	c->zctx = zmq_ctx_new();
	if (c->zctx == NULL)
		fail("zmq_ctx_new");
	if (c->kind == RTT)
		type = c->who == 0 ? ZMQ_REQ : ZMQ_REP;
	else
		type = is_prod(c) ? ZMQ_PUSH : ZMQ_PULL;
	c->zs = zmq_socket(c->zctx, type);
	if (c->zs == NULL)
		fail("zmq_socket");
	zmq_setsockopt(c->zs, ZMQ_LINGER, &zero, sizeof(zero));
	/* the receiver binds, the sender connects */
	if (c->who == 1 ? zmq_bind(c->zs, c->name) : zmq_connect(c->zs, c->name))
		fail("zmq %s %s", c->who == 1 ? "bind" : "connect", c->name);
}

static void zmq_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	size_t sz = c->size;
	uint64_t s;

	for (uint64_t i = 0; i < n; i++) {
		int64_t t0 = c->kind == RTT && c->who == 0 ? now_ns() : 0;

		if (is_prod(c)) {
			s = stamp(c, c->seq++);
			memcpy(c->buf, &s, 8);
			if (zmq_send(c->zs, c->buf, sz, 0) != (int)sz)
				fail("zmq_send");
		}
		if (!is_prod(c) || c->kind == RTT) {
			if (zmq_recv(c->zs, c->buf, sz, 0) != (int)sz)
				fail("zmq_recv");
			memcpy(&s, c->buf, 8);
			check_stamp(c, s);
		}
		if (c->kind == RTT && c->who == 1 &&
		    zmq_send(c->zs, c->buf, sz, 0) != (int)sz)
			fail("zmq_send");
		if (c->kind == RTT && c->who == 0)
			lat[i] = (uint32_t)(now_ns() - t0);
	}
}

static void zmq_close_(struct cell *c)
{
	zmq_close(c->zs);
	zmq_ctx_term(c->zctx);
}

static const struct ops zmq_ops = { zmq_open_, zmq_run, zmq_close_ };
#endif

/* ----------------------------------------------------------- iceoryx */

#ifdef HAVE_IOX
static void iox_open_(struct cell *c)
{
	char app[64], ev[2][32];
	unsigned q = c->size > 16 * KiB ? 64 : 256;

	snprintf(app, sizeof(app), "ipcb-%d", (int)getpid());
	snprintf(ev[0], sizeof(ev[0]), "e%d-a", c->id);
	snprintf(ev[1], sizeof(ev[1]), "e%d-b", c->id);
	ioxb_init(app);
	if (c->kind == RTT) {
		c->ib[0] = ioxb_pub(ev[c->who]);
		c->ib[1] = ioxb_sub(ev[!c->who], q, c->block);
	} else if (is_prod(c)) {
		c->ib[0] = ioxb_pub(ev[0]);
	} else {
		c->ib[1] = ioxb_sub(ev[0], q, 0);
	}
	for (int k = 0; k < 2; k++)
		if (c->ib[k] != NULL && ioxb_wait_connected(c->ib[k], 10) < 0)
			fail("iceoryx: %s not connected after 10 s",
			     k ? "subscriber" : "publisher");
}

static void iox_send1(struct cell *c)
{
	void *p = ioxb_loan(c->ib[0], c->size);

	if (p == NULL)
		fail("iceoryx: loan failed");
	put_msg(c, p, c->seq++);
	ioxb_publish(c->ib[0], p);
}

static void iox_recv1(struct cell *c)
{
	const void *q = ioxb_take(c->ib[1], c->block);

	if (q == NULL)
		fail("iceoryx: take failed");
	get_msg(c, q);
	ioxb_release(c->ib[1], q);
}

static void iox_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	for (uint64_t i = 0; i < n; i++) {
		if (c->kind == RTT) {
			int64_t t0 = now_ns();

			if (c->who == 0)
				iox_send1(c);
			iox_recv1(c);
			if (c->who == 1)
				iox_send1(c);
			else
				lat[i] = (uint32_t)(now_ns() - t0);
		} else if (is_prod(c)) {
			iox_send1(c);
		} else {
			iox_recv1(c);
		}
	}
}

static void iox_close_(struct cell *c)
{
	ioxb_close(c->ib[0]);
	ioxb_close(c->ib[1]);
	ioxb_shutdown();
}

static const struct ops iox_ops = { iox_open_, iox_run, iox_close_ };
#endif

/* ---------------------------------------------------------- channels */

#ifdef HAVE_CHAN
static const struct timespec g_zero = { 0, 0 };

static void chan_open_(struct cell *c)
{
	c->arena = arena_attach(c->name, 0);
	if (c->arena == NULL)
		fail("arena_attach %s", c->name);
	if (c->kind == RTT) {
		/* who 0 sends on c0 and receives on c1; who 1 the reverse */
		c->ch[0] = arena_chan_open(c->arena, c->who ? "c1" : "c0",
		                           ARENA_CHAN_PRODUCER, NULL);
		c->ch[1] = arena_chan_open(c->arena, c->who ? "c0" : "c1",
		                           ARENA_CHAN_SUBSCRIBER, NULL);
		if (c->ch[0] == NULL || c->ch[1] == NULL)
			fail("arena_chan_open");
		return;
	}
	c->ch[0] = arena_chan_open(c->arena, "c0", is_prod(c) ?
	                           ARENA_CHAN_PRODUCER : ARENA_CHAN_SUBSCRIBER,
	                           NULL);
	if (c->ch[0] == NULL)
		fail("arena_chan_open");
}

static void chan_close_(struct cell *c)
{
	if (arena_chan_close(c->ch[0]) < 0 || arena_chan_close(c->ch[1]) < 0)
		fail("arena_chan_close");
	if (arena_detach(c->arena) < 0)
		fail("arena_detach");
}

static void chan_send1(struct cell *c, arena_chan_t *ch, uint64_t seq)
{
	void *p = arena_chan_claim(ch, c->size, NULL);

	if (p == NULL)
		fail("arena_chan_claim");
	put_msg(c, p, seq);
	if (arena_chan_commit(ch) < 0)
		fail("arena_chan_commit");
}

/* One message; SPIN: poll with a zero timeout (busy polling). */
static const void *chan_recv1(struct cell *c, arena_chan_t *ch, int spin)
{
	struct arena_msg m;

	while (arena_chan_recv(ch, &m, spin ? &g_zero : NULL) < 0)
		if (errno != EAGAIN || !spin)
			fail("arena_chan_recv");
	if (m.len != c->size)
		fail("arena_chan_recv: length %zu, not %zu", m.len, c->size);
	return m.data;
}

static void chan_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	arena_chan_t *ch = c->ch[0];

	if (c->kind == RTT) {
		for (uint64_t i = 0; i < n; i++) {
			int64_t t0;

			if (c->who == 0)
				rtt_pause(c);
			t0 = now_ns();
			if (c->who == 0)
				chan_send1(c, ch, c->seq++);
			get_msg(c, chan_recv1(c, c->ch[1], !c->block));
			if (c->who == 1)
				chan_send1(c, ch, c->seq++);
			else
				lat[i] = (uint32_t)(now_ns() - t0);
		}
		return;
	}
	if (is_prod(c) && !c->batch) {
		for (uint64_t i = 0; i < n; i++)
			chan_send1(c, ch, c->seq++);
	} else if (is_prod(c)) {
		size_t lens[BATCH];
		void *msgs[BATCH];

		for (int k = 0; k < BATCH; k++)
			lens[k] = c->size;
		for (uint64_t i = 0; i < n;) {
			size_t want = n - i < BATCH ? (size_t)(n - i) : BATCH;
			int got = arena_chan_claimv(ch, want, lens, msgs, NULL);

			if (got < 1)
				fail("arena_chan_claimv");
			for (int k = 0; k < got; k++)
				put_msg(c, msgs[k], c->seq++);
			if (arena_chan_commit(ch) < 0)
				fail("arena_chan_commit");
			i += (uint64_t)got;
		}
	} else if (!c->batch) {
		uint64_t total = n * (uint64_t)c->np;

		for (uint64_t i = 0; i < total; i++)
			get_msg(c, chan_recv1(c, ch, 0));
		if (arena_chan_release(ch) < 0)
			fail("arena_chan_release");
	} else {
		uint64_t total = n * (uint64_t)c->np;
		struct arena_msg m[BATCH];

		for (uint64_t i = 0; i < total;) {
			size_t want = total - i < BATCH ? (size_t)(total - i)
			                                : BATCH;
			int got = arena_chan_recvv(ch, m, want, NULL);

			if (got < 1)
				fail("arena_chan_recvv");
			for (int k = 0; k < got; k++) {
				if (m[k].len != c->size)
					fail("arena_chan_recvv: length %zu", m[k].len);
				get_msg(c, m[k].data);
			}
			i += (uint64_t)got;
		}
		if (arena_chan_release(ch) < 0)
			fail("arena_chan_release");
	}
}

static const struct ops chan_ops = { chan_open_, chan_run, chan_close_ };
#endif

/* ------------------------------------------------ the log collector */

/* A record: header, then a payload the producer fills; 150..230 bytes. */
struct rec {
	uint32_t len;
	uint16_t prod, pad;
	uint64_t seq;
};

static size_t rec_len(uint64_t seq)
{
	uint64_t h = seq * UINT64_C(0x9e3779b97f4a7c15);

	return 150 + (size_t)((h >> 32) % 81);
}

static void rec_fill(struct cell *c, void *p, size_t len, uint64_t seq)
{
	struct rec h = { (uint32_t)len, (uint16_t)c->who, 0, seq };

	memcpy(p, &h, sizeof(h));
	memset((char *)p + sizeof(h), (int)(seq & 0x7f) + 32, len - sizeof(h));
}

/* The collector's work on a record: check it, and read all of it. */
static void rec_take(struct cell *c, const void *p, size_t len)
{
	struct rec h;
	uint64_t w, sum = 0;
	size_t i;

	memcpy(&h, p, sizeof(h));
	if (h.len != len || h.prod >= c->np || h.seq != c->expect[h.prod] ||
	    len != rec_len(h.seq))
		fail("log record: length %u (%zu), producer %u, seq %" PRIu64
		     " (expected %" PRIu64 ")", h.len, len, h.prod, h.seq,
		     h.prod < c->np ? c->expect[h.prod] : 0);
	c->expect[h.prod]++;
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, (const char *)p + i, 8);
		sum += w;
	}
	for (; i < len; i++)
		sum += ((const unsigned char *)p)[i];
	c->sum += sum;
}

static void logpipe_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	(void)lat;
	if (is_prod(c)) {
		for (uint64_t i = 0; i < n; i++) {
			size_t len = rec_len(c->seq);

			rec_fill(c, c->buf, len, c->seq++);
			writen(c->wfd[c->who], c->buf, len);
		}
		return;
	}
	/* the collector: 64 KiB reads, records cut anywhere */
	{
		uint64_t total = n * (uint64_t)c->np, got = 0;
		size_t have = 0;

		while (got < total) {
			ssize_t k = read(c->rfd[c->who], c->buf + have,
			                 c->buflen - have);
			size_t off = 0;

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				fail("read");
			have += (size_t)k;
			while (have - off >= sizeof(struct rec)) {
				uint32_t len;

				memcpy(&len, c->buf + off, 4);
				if (len < sizeof(struct rec) || len > 4096)
					fail("log record of %u bytes", len);
				if (have - off < len)
					break;
				rec_take(c, c->buf + off, len);
				off += len;
				got++;
			}
			memmove(c->buf, c->buf + off, have - off);
			have -= off;
		}
		if (have != 0)
			fail("log: %zu bytes past the last record", have);
	}
}

static const struct ops logpipe_ops = { nop_open, logpipe_run, nop_open };

#ifdef HAVE_CHAN
static void logchan_run(struct cell *c, uint64_t n, uint32_t *lat)
{
	arena_chan_t *ch = c->ch[0];

	(void)lat;
	if (is_prod(c)) {
		for (uint64_t i = 0; i < n; i++) {
			size_t len = rec_len(c->seq);
			void *p = arena_chan_claim(ch, len, NULL);

			if (p == NULL)
				fail("arena_chan_claim");
			rec_fill(c, p, len, c->seq++);
			if (arena_chan_commit(ch) < 0)
				fail("arena_chan_commit");
		}
		return;
	}
	{
		uint64_t total = n * (uint64_t)c->np;
		struct arena_msg m[BATCH];

		for (uint64_t i = 0; i < total;) {
			int got = arena_chan_recvv(ch, m, BATCH, NULL);

			if (got < 1)
				fail("arena_chan_recvv");
			for (int k = 0; k < got; k++)
				rec_take(c, m[k].data, m[k].len);
			i += (uint64_t)got;
		}
		if (arena_chan_release(ch) < 0)
			fail("arena_chan_release");
	}
}

static const struct ops logchan_ops = { chan_open_, logchan_run, chan_close_ };
#endif

/* ------------------------------------------------------ the driver */

static int g_cell_id;

static void child(struct cell *c, const struct ops *o, int who)
{
	uint32_t *lat = NULL;
	int nproc = c->np + c->nr;

	c->who = who;
	pin(c->cpu[who]);
	c->buflen = c->kind == LOG ? 64 * KiB
	            : c->size * (c->batch ? BATCH : 1);
	c->buf = malloc(c->buflen);
	if (c->buf == NULL)
		fail("malloc");
	memset(c->buf, 0x5a, c->buflen);
	if (c->kind == RTT && who == 0 &&
	    (lat = malloc(MAXLAT * sizeof(*lat))) == NULL)
		fail("malloc");
	o->open(c);
	for (int pass = 0; pass <= g_passes; pass++) {
		uint64_t n;
		int64_t t0, t1;

		barrier();
		n = g_ctl->n;
		t0 = now_ns();
		o->run(c, n, lat);
		t1 = now_ns();
		g_ctl->t0[who] = t0;
		g_ctl->t1[who] = t1;
		barrier();
		if (who != 0)
			continue;
		/* process 0 sums the pass up and sizes the next */
		{
			int64_t a = INT64_MAX, b = 0;
			double e;

			for (int k = 0; k < nproc; k++) {
				if (k < c->np && g_ctl->t0[k] < a)
					a = g_ctl->t0[k];
				if ((k >= c->np || c->kind == RTT) && g_ctl->t1[k] > b)
					b = g_ctl->t1[k];
			}
			if (c->kind == RTT)
				a = t0, b = t1;
			e = (double)(b - a);
			if (pass > 0) {
				g_ctl->rate[pass - 1] = (double)n * c->np * 1e9 / e;
				if (c->kind == RTT) {
					qsort(lat, n, sizeof(*lat), cmp_u32);
					g_ctl->lat[pass - 1][0] = lat[n / 2];
					g_ctl->lat[pass - 1][1] = lat[n * 99 / 100];
					g_ctl->lat[pass - 1][2] = lat[n * 999 / 1000];
				}
			}
			{
				double k = g_pass_ns / (e > 1 ? e : 1);
				double next = (double)n * (k > 64 ? 64 : k);
				uint64_t m = (uint64_t)next / BATCH * BATCH;

				if (m < BATCH)
					m = BATCH;
				if (c->kind == RTT && m > MAXLAT)
					m = MAXLAT;
				g_ctl->n = m;
			}
		}
	}
	o->close(c);
	_exit(0);
}

/* The table. */
struct row {
	char sec[8], key[24], name[64], mode[12];
	unsigned size;
	int ok, na;
	double rate, best, gbs, xf, p50, p99, p999;  /* msgs/s; us */
	char status[16], note[256];
};

static struct row g_rows[160];
static int g_nrows;

static struct row *add_row(const char *sec, const char *key, const char *name,
                           unsigned size, const char *mode)
{
	struct row *w;

	if (g_nrows == (int)(sizeof(g_rows) / sizeof(g_rows[0])))
		die("too many rows");
	w = &g_rows[g_nrows++];
	memset(w, 0, sizeof(*w));
	snprintf(w->sec, sizeof(w->sec), "%s", sec);
	snprintf(w->key, sizeof(w->key), "%s", key);
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->mode, sizeof(w->mode), "%s", mode);
	w->size = size;
	w->rate = w->best = w->gbs = w->xf = w->p50 = w->p99 = w->p999 = NAN;
	return w;
}

static const struct row *find(const char *sec, const char *key,
                              unsigned size)
{
	for (int i = 0; i < g_nrows; i++)
		if (strcmp(g_rows[i].sec, sec) == 0 &&
		    strcmp(g_rows[i].key, key) == 0 && g_rows[i].size == size &&
		    g_rows[i].ok)
			return &g_rows[i];
	return NULL;
}

static double rate_of(const char *key, unsigned size)
{
	const struct row *w = find("tput", key, size);

	return w != NULL ? w->rate : NAN;
}

static double p50_of(const char *key, unsigned size)
{
	const struct row *w = find("rtt", key, size);

	return w != NULL ? w->p50 : NAN;
}

static void not_available(struct row *w, const char *why)
{
	w->na = 1;
	snprintf(w->status, sizeof(w->status), "n/a");
	snprintf(w->note, sizeof(w->note), "not available: %s", why);
}

/* selected -- whether KEY starts with a word of BENCH_IPC_ONLY (unset:
 * every row). */
static int selected(const char *key)
{
	const char *e = getenv("BENCH_IPC_ONLY"), *p;

	if (e == NULL || *e == '\0')
		return 1;
	for (p = e; *p;) {
		size_t l = strcspn(p, " ,");

		if (l > 0 && strncmp(key, p, l) == 0)
			return 1;
		p += l;
		p += strspn(p, " ,");
	}
	return 0;
}

/* run_cell -- fork the row's processes, wait for them (60 s at most),
 * fill W.  Returns 0 when every pass ran and checked out. */
static int run_cell(struct cell *c, const struct ops *o, struct row *w)
{
	pthread_barrierattr_t ba;
	pid_t pids[MAXP];
	int nproc = c->np + c->nr, left, bad = 0;
	int64_t deadline = now_ns() + 60 * (int64_t)1000000000;

	memset(g_ctl, 0, sizeof(*g_ctl));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(&g_ctl->bar, &ba, (unsigned)nproc) != 0)
		die("pthread_barrier_init");
	pthread_barrierattr_destroy(&ba);
	g_ctl->n = c->n0 < BATCH ? BATCH : c->n0 / BATCH * BATCH;
	fflush(NULL);
	for (int i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0)
			child(c, o, i);
	}
	for (left = nproc; left > 0;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);

		if (p == 0) {
			struct timespec ms = { 0, 2000000 };

			if (now_ns() > deadline && !bad) {
				snprintf(g_ctl->msg, sizeof(g_ctl->msg),
				         "timed out after 60 s");
				bad = 1;
				for (int i = 0; i < nproc; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
			}
			nanosleep(&ms, NULL);
			continue;
		}
		if (p < 0)
			die("waitpid");
		for (int i = 0; i < nproc; i++)
			if (pids[i] == p) {
				pids[i] = -1;
				left--;
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
					if (!bad && !g_ctl->failed)
						snprintf(g_ctl->msg, sizeof(g_ctl->msg),
						         "process %d %s %d", i,
						         WIFSIGNALED(st) ? "killed by signal"
						                         : "exit status",
						         WIFSIGNALED(st) ? WTERMSIG(st)
						                         : WEXITSTATUS(st));
					if (!bad)
						for (int j = 0; j < nproc; j++)
							if (pids[j] > 0)
								kill(pids[j], SIGKILL);
					bad = 1;
				}
			}
	}
	pthread_barrier_destroy(&g_ctl->bar);
	if (bad || g_ctl->failed) {
		g_bad = 1;
		snprintf(w->status, sizeof(w->status), "FAIL");
		snprintf(w->note, sizeof(w->note), "%s", g_ctl->msg);
		fprintf(stderr, "ipc: %s %s %u: FAIL: %s\n", w->sec, w->name,
		        w->size, g_ctl->msg);
		return -1;
	}
	w->ok = 1;
	snprintf(w->status, sizeof(w->status), "ok");
	{
		double best = 0;

		for (int i = 0; i < g_passes; i++)
			if (g_ctl->rate[i] > best)
				best = g_ctl->rate[i];
		w->rate = median(g_ctl->rate, g_passes);
		w->best = best;
		if (c->kind != RTT)
			w->gbs = w->rate * (c->kind == LOG ? 190 : (double)c->size)
			         / 1e9;
	}
	if (c->kind == RTT) {
		double v[MAXPASS];

		for (int q = 0; q < 3; q++) {
			for (int i = 0; i < g_passes; i++)
				v[i] = g_ctl->lat[i][q] / 1000;
			*(q == 0 ? &w->p50 : q == 1 ? &w->p99 : &w->p999) =
			    median(v, g_passes);
		}
	}
	return 0;
}

/* A row's geometry: producers on the first CPU, receivers on the second. */
static void cell_init(struct cell *c, enum kind kind, size_t size, int np,
                      int nr)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->size = size;
	c->np = np;
	c->nr = nr;
	c->id = ++g_cell_id;
	c->zc = size >= 64 * KiB;
	for (int i = 0; i < MAXP; i++)
		c->cpu[i] = g_cpus[i < np ? 0 : 1];
	if (kind == RTT)
		c->n0 = 1024;
	else
		c->n0 = size <= 64 ? 65536 : size <= 4096 ? 8192 : 1024;
	for (int i = 0; i < MAXP; i++)
		c->wfd[i] = c->rfd[i] = -1;
}

/* ------------------------------------------------------------ the rows */

static const unsigned g_sizes[] = { 64, 4096, 65536 };
#define NSIZES 3

/* Ring and channel capacity: 1 MiB, and 16 MiB for 64 KiB messages (so
 * that a batch of 64 is a quarter of it, as 64 B and 4 KiB batches are at
 * most). */
static size_t ring_bytes(size_t size)
{
	return size >= 64 * KiB ? 16 * MiB : 1 * MiB;
}

static void row_ring(size_t size, int batch, int zc, int rtt)
{
	struct cell c;
	const char *key = rtt ? "ring" : zc ? "ring_zc" : batch ? "ring_x64"
	                                                        : "ring";
	struct row *w;
	char name[64];

	if (!selected(key))
		return;
	snprintf(name, sizeof(name), "SPSC ring%s (floor)%s",
	         batch ? ", indices once per 64" : "",
	         zc || (rtt && size >= 64 * KiB) ? ", zero copy" : "");
	w = add_row(rtt ? "rtt" : "tput", key, name, (unsigned)size, "spin");
	cell_init(&c, rtt ? RTT : TPUT, size, 1, 1);
	c.batch = batch;
	c.zc = zc || (rtt && size >= 64 * KiB);
	c.ring[0] = ring_new(ring_bytes(size), size);
	if (rtt)
		c.ring[1] = ring_new(ring_bytes(size), size);
	run_cell(&c, &ring_ops, w);
	munmap(c.ring[0], sizeof(struct ring) + ring_bytes(size));
	if (rtt)
		munmap(c.ring[1], sizeof(struct ring) + ring_bytes(size));
}

static void row_line(void)
{
	struct cell c;
	struct row *w;

	if (!selected("line"))
		return;
	w = add_row("rtt", "line", "cache-line ping-pong (latency floor)", 8,
	            "spin");
	cell_init(&c, RTT, 8, 1, 1);
	c.line = map_shared(4096);
	run_cell(&c, &line_ops, w);
	munmap(c.line, 4096);
}

static void close_fds(struct cell *c)
{
	for (int i = 0; i < MAXP; i++) {
		if (c->wfd[i] >= 0)
			close(c->wfd[i]);
		for (int j = i + 1; j < MAXP; j++)
			if (c->wfd[j] == c->wfd[i])
				c->wfd[j] = -1;
		if (c->rfd[i] >= 0 && c->rfd[i] != c->wfd[i])
			close(c->rfd[i]);
		for (int j = i + 1; j < MAXP; j++)
			if (c->rfd[j] == c->rfd[i])
				c->rfd[j] = -1;
		c->wfd[i] = c->rfd[i] = -1;
	}
}

/* pipe: 1 or 64 messages per call; sock: a UNIX stream socketpair. */
static void row_fd(size_t size, int sock, int batch, int rtt, int pause)
{
	struct cell c;
	struct row *w;
	const char *key = sock ? "unix" : batch ? "pipe_x64" : pause ? "pipe_idle"
	                                                           : "pipe";
	char name[64];
	int a[2], b[2];

	if (!selected(key))
		return;
	snprintf(name, sizeof(name), "%s%s", sock ? "UNIX stream socket" : "pipe",
	         batch ? ", 64 messages per write" : sock ? "" : pause ?
	         ", idle receiver (5 ms pauses)" : ", 1 message per write");
	w = add_row(rtt ? "rtt" : "tput", key, name, (unsigned)size, "block");
	cell_init(&c, rtt ? RTT : TPUT, size, 1, 1);
	c.batch = batch;
	c.zc = 0;
	c.pause_us = pause;
	if (pause)
		c.n0 = 256;
	if (sock) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) < 0)
			die("socketpair");
		c.wfd[0] = c.rfd[0] = a[0];
		c.wfd[1] = c.rfd[1] = a[1];
	} else {
		if (pipe(a) < 0 || pipe(b) < 0)
			die("pipe");
		c.wfd[0] = a[1];   /* 0 -> 1 */
		c.rfd[1] = a[0];
		c.wfd[1] = b[1];   /* 1 -> 0 */
		c.rfd[0] = b[0];
	}
	run_cell(&c, &fd_ops, w);
	close_fds(&c);
}

static void row_mq(size_t size, int rtt)
{
	struct cell c;
	struct row *w;
	struct mq_attr at;
	char nm[2][64];

	if (!selected("mq"))
		return;
	w = add_row(rtt ? "rtt" : "tput", "mq", "POSIX message queue", (unsigned)size,
	            "block");
	cell_init(&c, rtt ? RTT : TPUT, size, 1, 1);
	c.zc = 0;
	memset(&at, 0, sizeof(at));
	at.mq_maxmsg = 10;
	at.mq_msgsize = (long)size;
	for (int k = 0; k < 2; k++) {
		snprintf(nm[k], sizeof(nm[k]), "/arena-ipc-%d-%d-%d", (int)getpid(),
		         c.id, k);
		c.mq[k] = mq_open(nm[k], O_RDWR | O_CREAT | O_EXCL, 0600, &at);
		if (c.mq[k] == (mqd_t)-1) {
			char why[160];

			snprintf(why, sizeof(why), "mq_open with %zu-byte messages: %s"
			         " (see /proc/sys/fs/mqueue/msgsize_max)", size,
			         strerror(errno));
			if (k == 1) {
				mq_close(c.mq[0]);
				mq_unlink(nm[0]);
			}
			not_available(w, why);
			return;
		}
	}
	run_cell(&c, &mq_ops, w);
	for (int k = 0; k < 2; k++) {
		mq_close(c.mq[k]);
		mq_unlink(nm[k]);
	}
}

static void row_zmq(size_t size, int rtt)
{
	struct row *w;

	if (!selected("zmq"))
		return;
	w = add_row(rtt ? "rtt" : "tput", "zmq",
	            rtt ? "ZeroMQ ipc:// REQ/REP" : "ZeroMQ ipc:// PUSH/PULL",
	            (unsigned)size, "block");
#ifdef HAVE_ZMQ
	{
		struct cell c;
		char path[64];

		cell_init(&c, rtt ? RTT : TPUT, size, 1, 1);
		c.zc = 0;
		snprintf(path, sizeof(path), "/tmp/arena-ipc-%d-%d.zmq",
		         (int)getpid(), c.id);
		snprintf(c.name, sizeof(c.name), "ipc://%s", path);
		run_cell(&c, &zmq_ops, w);
		unlink(path);
	}
#else
	{
		const char *e = getenv("IPC_NO_ZMQ");

		not_available(w, e != NULL ? e : "built without libzmq "
		              "(libzmq3-dev not installed)");
	}
#endif
}

static const char *g_iox_missing;

static void row_iox(size_t size, int rtt, int block)
{
	struct row *w;

	if (!selected("iox"))
		return;
	w = add_row(rtt ? "rtt" : "tput", block ? "iox_block" : "iox",
	            rtt && block ? "iceoryx 2.0 (C binding), WaitSet"
	                         : "iceoryx 2.0 (C binding)",
	            (unsigned)size, block ? "block" : "spin");
	if (g_iox_missing != NULL) {
		not_available(w, g_iox_missing);
		return;
	}
#ifdef HAVE_IOX
	{
		struct cell c;

		cell_init(&c, rtt ? RTT : TPUT, size, 1, 1);
		c.block = block;
		run_cell(&c, &iox_ops, w);
	}
#endif
}

static void row_logpipe(void)
{
	struct cell c;
	struct row *w;
	int a[2];

	if (!selected("log_pipe"))
		return;
	w = add_row("log", "log_pipe", "log collector, copied through a pipe", 190,
	            "block");
	cell_init(&c, LOG, 0, 4, 1);
	c.n0 = 20000;
	if (pipe(a) < 0)
		die("pipe");
	for (int i = 0; i < 4; i++)
		c.wfd[i] = a[1];
	c.rfd[4] = a[0];
	run_cell(&c, &logpipe_ops, w);
	close_fds(&c);
}

/* The channel rows: one function each. */
#ifdef HAVE_CHAN
/* chan_cell -- an arena named for C with channels c0 (and c1 for round
 * trips), sized for SIZE-byte messages; the parent detaches before the
 * fork (the row's processes attach it themselves). */
static int chan_setup(struct cell *c, size_t size, int nchan, struct row *w)
{
	struct arena_options o;
	struct arena_chan_config cfg;
	size_t cap = ring_bytes(size);
	arena_t *a;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity = cap;
	o.perm_size = (size_t)nchan * (cap + cap / 64 * 16 + 256 * KiB);
	snprintf(c->name, sizeof(c->name), "/arena-ipc-%d-%d", (int)getpid(),
	         c->id);
	a = arena_create(c->name, 1 * MiB, &o);
	if (a == NULL) {
		snprintf(w->status, sizeof(w->status), "FAIL");
		snprintf(w->note, sizeof(w->note), "arena_create: %s",
		         strerror(errno));
		g_bad = 1;
		return -1;
	}
	for (int k = 0; k < nchan; k++)
		if (arena_chan_create(a, k ? "c1" : "c0", &cfg) < 0) {
			snprintf(w->status, sizeof(w->status), "FAIL");
			snprintf(w->note, sizeof(w->note), "arena_chan_create: %s",
			         strerror(errno));
			g_bad = 1;
			arena_detach(a);
			arena_unlink(c->name);
			return -1;
		}
	arena_detach(a);
	return 0;
}

static void chan_row(struct row *w, struct cell *c, const struct ops *o,
                     int nchan)
{
	if (chan_setup(c, c->size ? c->size : 256, nchan, w) == 0) {
		run_cell(c, o, w);
		arena_unlink(c->name);
	}
}
#endif

static struct row *chan_add(const char *sec, const char *key, const char *name,
                            unsigned size, const char *mode)
{
	struct row *w = add_row(sec, key, name, size, mode);

#ifndef HAVE_CHAN
	not_available(w, "arena_chan_* not in include/arena.h yet");
#endif
	return w;
}

/* 1 -> 1, per message (claim, write, commit; recv, read) or batched
 * (claimv, recvv: 64 at a time). */
static void row_chan_1to1(size_t size, int batch)
{
	const char *key = batch ? "chan_x64" : "chan";
	struct row *w;

	if (!selected(key))
		return;
	w = chan_add("tput", key, batch ? "channel 1->1, claimv/recvv of 64"
	                                : "channel 1->1, per message",
	             (unsigned)size, "spin+sleep");
#ifdef HAVE_CHAN
	{
		struct cell c;

		cell_init(&c, TPUT, size, 1, 1);
		c.batch = batch;
		chan_row(w, &c, &chan_ops, 1);
	}
#else
	(void)w;
#endif
}

/* 4 producer processes (first CPU) -> 1 subscriber: aggregate. */
static void row_chan_4to1(size_t size)
{
	struct row *w;

	if (!selected("chan_4to1"))
		return;
	w = chan_add("tput", "chan_4to1", "channel 4->1 (aggregate), per message",
	             (unsigned)size, "spin+sleep");
#ifdef HAVE_CHAN
	{
		struct cell c;

		cell_init(&c, TPUT, size, 4, 1);
		c.n0 /= 4;
		chan_row(w, &c, &chan_ops, 1);
	}
#else
	(void)w;
#endif
}

/* 1 -> 2 subscribers (both on the second CPU): each one's rate. */
static void row_chan_1to2(size_t size)
{
	struct row *w;

	if (!selected("chan_1to2"))
		return;
	w = chan_add("tput", "chan_1to2", "channel 1->2 subscribers (each), "
	             "per message", (unsigned)size, "spin+sleep");
#ifdef HAVE_CHAN
	{
		struct cell c;

		cell_init(&c, TPUT, size, 1, 2);
		chan_row(w, &c, &chan_ops, 1);
	}
#else
	(void)w;
#endif
}

/* Round trip on two channels: busy polling (zero timeout) or blocking. */
static void row_chan_rtt(size_t size, int block, int pause)
{
	const char *key = pause ? "chan_idle" : block ? "chan_block" : "chan";
	struct row *w;

	if (!selected(key))
		return;
	w = chan_add("rtt", key, pause ? "channel, blocking, idle receiver (5 ms "
	             "pauses)" : block ? "channel, blocking recv"
	                               : "channel, busy polling (zero timeout)",
	             (unsigned)size, block ? "block" : "spin");
#ifdef HAVE_CHAN
	{
		struct cell c;

		cell_init(&c, RTT, size, 1, 1);
		c.block = block;
		c.pause_us = pause;
		if (pause)
			c.n0 = 256;
		chan_row(w, &c, &chan_ops, 2);
	}
#else
	(void)w;
#endif
}

static void row_logchan(void)
{
	struct row *w;

	if (!selected("log_chan"))
		return;
	w = chan_add("log", "log_chan", "log collector on a channel (recvv)", 190,
	             "spin+sleep");
#ifdef HAVE_CHAN
	{
		struct cell c;

		cell_init(&c, LOG, 0, 4, 1);
		c.n0 = 20000;
		chan_row(w, &c, &logchan_ops, 1);
	}
#else
	(void)w;
#endif
}

/* ------------------------------------------------------- iox-roudi */

static void roudi_start(void)
{
#ifdef HAVE_IOX
	const char *bin = getenv("IOX_ROUDI");
	int64_t end;
	int fd;

	if (bin == NULL)
		bin = "iox-roudi";
	if (access("/tmp/roudi", F_OK) == 0 ||
	    access("/tmp/iox-unique-roudi.lock", F_OK) == 0) {
		/* Another RouDi may be running: never share or kill it. */
		if (system("pgrep -x iox-roudi >/dev/null 2>&1") == 0) {
			g_iox_missing = "an iox-roudi is already running here "
			                "(the benchmark starts its own)";
			return;
		}
	}
	snprintf(g_roudi_log, sizeof(g_roudi_log), "/tmp/arena-ipc-%d-roudi.log",
	         (int)getpid());
	fflush(NULL);
	g_roudi = fork();
	if (g_roudi < 0)
		die("fork");
	if (g_roudi == 0) {
		fd = open(g_roudi_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execlp(bin, bin, "-l", "info", "-k", "1", (char *)NULL);
		_exit(127);
	}
	for (end = now_ns() + 10 * (int64_t)1000000000; now_ns() < end;) {
		struct timespec ms = { 0, 10000000 };
		char buf[4096];
		ssize_t k;
		int st;

		if (waitpid(g_roudi, &st, WNOHANG) == g_roudi) {
			g_roudi = -1;
			g_iox_missing = WIFEXITED(st) && WEXITSTATUS(st) == 127
			                ? "iox-roudi not installed (Debian package "
			                  "iceoryx)"
			                : "iox-roudi exited at start (see its log)";
			return;
		}
		fd = open(g_roudi_log, O_RDONLY);
		if (fd >= 0) {
			k = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (k > 0) {
				buf[k] = '\0';
				if (strstr(buf, "RouDi is ready") != NULL) {
					fprintf(stderr, "ipc: started iox-roudi (pid %d)\n",
					        (int)g_roudi);
					return;
				}
			}
		}
		nanosleep(&ms, NULL);
	}
	g_iox_missing = "iox-roudi not ready after 10 s";
	kill(g_roudi, SIGKILL);
	waitpid(g_roudi, NULL, 0);
	g_roudi = -1;
#else
	const char *e = getenv("IPC_NO_IOX");

	g_iox_missing = e != NULL ? e : "built without iceoryx's C binding "
	                "(libiceoryx-binding-c-dev not installed)";
#endif
}

static void roudi_stop(void)
{
	if (g_roudi > 0 && getpid() == g_owner) {
		int st;
		struct timespec wait = { 2, 500000000 };

		/* RouDi forgets an application when its monitoring sees it
		 * gone (1.5 s); one still registered at SIGTERM makes RouDi
		 * abort without removing its shared memory. */
		nanosleep(&wait, NULL);
		kill(g_roudi, SIGTERM);
		for (int i = 0; i < 500; i++) {
			struct timespec ms = { 0, 10000000 };

			if (waitpid(g_roudi, &st, WNOHANG) == g_roudi) {
				g_roudi = -1;
				break;
			}
			nanosleep(&ms, NULL);
		}
		if (g_roudi > 0) {
			kill(g_roudi, SIGKILL);
			waitpid(g_roudi, &st, 0);
			fprintf(stderr, "ipc: iox-roudi did not stop in 5 s: "
			        "killed\n");
		} else {
			fprintf(stderr, "ipc: stopped iox-roudi\n");
		}
		g_roudi = -1;
	}
	if (g_roudi_log[0] != '\0' && getpid() == g_owner)
		if (getenv("IPC_KEEP_ROUDI_LOG") == NULL) unlink(g_roudi_log);
}

static void on_signal(int sig)
{
	roudi_stop();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---------------------------------------------------------- targets */

static int g_pass, g_miss, g_skip;

static void target(const char *name, double value, int le, double limit,
                   const char *note)
{
	struct row *w = add_row("target", "", name, 0, "");

	w->xf = value;
	if (isnan(value)) {
		snprintf(w->status, sizeof(w->status), "SKIP");
		g_skip++;
	} else if (le ? value <= limit : value >= limit) {
		snprintf(w->status, sizeof(w->status), "PASS");
		g_pass++;
	} else {
		snprintf(w->status, sizeof(w->status), "MISS");
		g_miss++;
	}
	snprintf(w->note, sizeof(w->note), "target %s %g%s%s", le ? "<=" : ">=",
	         limit, note[0] ? "; " : "", note);
}

static void targets(void)
{
	char note[200];
	double c64 = rate_of("chan", 64), cx64 = rate_of("chan_x64", 64);
	double zc = rate_of("chan", 65536);
	double rr = p50_of("ring", 64), cr = p50_of("chan", 64);
	double pb = p50_of("pipe", 64), cb = p50_of("chan_block", 64);
	const struct row *lc = find("log", "log_chan", 190);
	const struct row *lp = find("log", "log_pipe", 190);

	snprintf(note, sizeof(note), "ring %.3g M/s", rate_of("ring", 64) / 1e6);
	target("64 B 1->1: channel / SPSC ring (per message)",
	       c64 / rate_of("ring", 64), 0, 0.5, note);
	target("64 B 1->1: channel / pipe, 1 message per write",
	       c64 / rate_of("pipe", 64), 0, 10, "");
	target("64 B 1->1: channel / ZeroMQ", c64 / rate_of("zmq", 64), 0, 3, "");
	target("64 B 1->1: channel / iceoryx", c64 / rate_of("iox", 64), 0, 10,
	       "");
	target("64 B 1->1: channel batched / pipe, 64 per write",
	       cx64 / rate_of("pipe_x64", 64), 0, 1, "claimv/recvv of 64");
	target("64 KiB zero copy: channel / ring zero copy",
	       zc / rate_of("ring_zc", 65536), 0, 0.5, "");
	target("64 KiB: channel zero copy / pipe", zc / rate_of("pipe", 65536),
	       0, 100, "");
	target("64 KiB: channel zero copy / iceoryx",
	       zc / rate_of("iox", 65536), 0, 10, "");
	snprintf(note, sizeof(note), "p50 %.3g us, ring %.3g us, cache line "
	         "%.3g us", cr, rr, p50_of("line", 8));
	target("64 B round trip, busy: channel / ring (p50)", cr / rr, 1, 1.5,
	       note);
	snprintf(note, sizeof(note), "iceoryx %.3g us", p50_of("iox", 64));
	target("64 B round trip, busy: iceoryx / channel (p50)",
	       p50_of("iox", 64) / cr, 0, 5, note);
	snprintf(note, sizeof(note), "p50 %.3g us, pipe %.3g us (same run)", cb,
	         pb);
	target("64 B round trip, blocking: channel / pipe (p50)", cb / pb, 1,
	       0.8, note);
	snprintf(note, sizeof(note), "5 ms pause before each: p50 %.3g us, "
	         "pipe %.3g us", p50_of("chan_idle", 64), p50_of("pipe_idle", 64));
	target("64 B round trip, blocking, idle receiver: chan / pipe",
	       p50_of("chan_idle", 64) / p50_of("pipe_idle", 64), 1, 0.8, note);
	for (int s = 0; s < NSIZES; s++) {
		char name[80];

		snprintf(name, sizeof(name), "%u B: channel 4->1 / 1->1 (aggregate)",
		         g_sizes[s]);
		target(name, rate_of("chan_4to1", g_sizes[s]) /
		       rate_of("chan", g_sizes[s]), 0, 0.7, "");
	}
	target("log collector: channel / pipe",
	       lc != NULL && lp != NULL ? lc->rate / lp->rate : NAN, 0, 5,
	       "records/s, 4 producers");
}

/* ------------------------------------------------------------ output */

static void fmt(char *b, size_t n, double v, const char *f)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, f, v);
}

static void print_table(void)
{
	const char *sec = "";

	for (int i = 0; i < g_nrows; i++) {
		const struct row *w = &g_rows[i];
		char r[16], g[16], x[16], a[16], b[16], d[16], sz[16];

		if (strcmp(sec, w->sec) != 0) {
			sec = w->sec;
			if (strcmp(sec, "target") == 0)
				printf("\n%-6s %-50s %10s  %s\n", "section", "target",
				       "value", "status / note");
			else if (strcmp(sec, "rtt") == 0)
				printf("\n%-6s %-46s %5s %-10s %8s %8s %8s %7s  %s\n",
				       "section", "round trip", "size", "receive",
				       "p50 us", "p99 us", "p99.9 us", "x_floor",
				       "status / note");
			else
				printf("\n%-6s %-46s %5s %-10s %9s %9s %8s %7s  %s\n",
				       "section", "one way", "size", "receive",
				       "M msg/s", "best", "GB/s", "x_floor",
				       "status / note");
		}
		if (w->size >= 1024)
			snprintf(sz, sizeof(sz), "%uK", w->size / 1024);
		else
			snprintf(sz, sizeof(sz), "%u", w->size);
		if (strcmp(sec, "target") == 0) {
			fmt(x, sizeof(x), w->xf, "%.3g");
			printf("%-6s %-50.50s %10s  %s  %s\n", w->sec, w->name, x,
			       w->status, w->note);
		} else if (strcmp(sec, "rtt") == 0) {
			fmt(a, sizeof(a), w->p50, "%.3f");
			fmt(b, sizeof(b), w->p99, "%.3f");
			fmt(d, sizeof(d), w->p999, "%.3f");
			fmt(x, sizeof(x), w->xf, "%.2f");
			printf("%-6s %-46.46s %5s %-10s %8s %8s %8s %7s  %s%s%s\n",
			       w->sec, w->name, sz, w->mode, a, b, d, x,
			       w->status, w->note[0] ? "  " : "", w->note);
		} else {
			fmt(r, sizeof(r), w->rate / 1e6, "%.4g");
			fmt(a, sizeof(a), w->best / 1e6, "%.4g");
			fmt(g, sizeof(g), w->gbs, "%.3g");
			fmt(x, sizeof(x), w->xf, "%.3f");
			printf("%-6s %-46.46s %5s %-10s %9s %9s %8s %7s  %s%s%s\n",
			       w->sec, w->name, sz, w->mode, r, a, g, x,
			       w->status, w->note[0] ? "  " : "", w->note);
		}
	}
}

static void write_csv(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s", path);
	fprintf(f, "section,key,name,size,receive,msgs_per_s_median,"
	        "msgs_per_s_best,gb_per_s,x_floor,p50_us,p99_us,p999_us,status,"
	        "note\n");
	for (int i = 0; i < g_nrows; i++) {
		const struct row *w = &g_rows[i];

		fprintf(f, "%s,%s,\"%s\",%u,%s,%.0f,%.0f,%.4f,%.4f,%.3f,%.3f,%.3f,"
		        "%s,\"%s\"\n", w->sec, w->key, w->name, w->size, w->mode,
		        w->rate, w->best, w->gbs, w->xf, w->p50, w->p99, w->p999,
		        w->status, w->note);
	}
	fclose(f);
}

/* The chart's data (tests/bench/ipc_plot.sh): one line per measured row,
 * "section key size msgs_per_s p50_us", NaN where not measured. */
static void write_dat(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s", path);
	for (int i = 0; i < g_nrows; i++) {
		const struct row *w = &g_rows[i];

		if (w->ok)
			fprintf(f, "%s %s %u %.6g %.6g\n", w->sec, w->key, w->size,
			        w->rate, w->p50);
	}
	fclose(f);
}

/* x_floor: throughput over the ring at the same size (the per-message
 * copying ring; zero-copy rows of 64 KiB over the zero-copy ring); round
 * trip p50 over the ring's at the same size (the cache line: over itself). */
static void ratios(void)
{
	for (int i = 0; i < g_nrows; i++) {
		struct row *w = &g_rows[i];

		if (!w->ok)
			continue;
		if (strcmp(w->sec, "tput") == 0) {
			int zcrow = w->size >= 64 * KiB &&
			            (strncmp(w->key, "chan", 4) == 0 ||
			             strncmp(w->key, "iox", 3) == 0 ||
			             strcmp(w->key, "ring_zc") == 0);

			w->xf = w->rate / rate_of(zcrow ? "ring_zc" : "ring", w->size);
		} else if (strcmp(w->sec, "rtt") == 0) {
			w->xf = strcmp(w->key, "line") == 0 ? 1
			        : w->p50 / p50_of("ring", w->size);
		}
	}
}

/* --------------------------------------------------------------- main */

static double loadavg(void)
{
	double l = NAN;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = NAN;
		fclose(f);
	}
	return l;
}

int main(int argc, char **argv)
{
	const char *csv = NULL, *dat = NULL, *e;
	cpu_set_t set;
	double load0;
	int64_t t0 = now_ns();

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[++i];
		else if (strcmp(argv[i], "--dat") == 0 && i + 1 < argc)
			dat = argv[++i];
		else
			die("usage: ipc [--csv FILE] [--dat FILE]");
	}
	g_owner = getpid();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if ((e = getenv("BENCH_IPC_PASSES")) != NULL)
		g_passes = atoi(e);
	if (g_passes < 1 || g_passes > MAXPASS)
		die("BENCH_IPC_PASSES must be 1 to %d", MAXPASS);
	if ((e = getenv("BENCH_IPC_PASS_MS")) != NULL && atof(e) > 0)
		g_pass_ns = atof(e) * 1e6;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && g_ncpus < 2; c++)
			if (CPU_ISSET(c, &set))
				g_cpus[g_ncpus++] = c;
	if (g_ncpus == 0)
		die("no CPU");
	if (g_ncpus == 1)
		g_cpus[1] = g_cpus[0];
	g_ctl = map_shared(sizeof(*g_ctl));
	load0 = loadavg();
	if (selected("iox"))
		roudi_start();
	fprintf(stderr, "ipc: CPUs %d and %d, 1 warm-up + %d passes of about "
	        "%.0f ms per row\n", g_cpus[0], g_cpus[1], g_passes,
	        g_pass_ns / 1e6);

	/* one-way throughput */
	for (int s = 0; s < NSIZES; s++) {
		size_t z = g_sizes[s];

		row_ring(z, 0, 0, 0);
		row_ring(z, 1, 0, 0);
		if (z >= 64 * KiB)
			row_ring(z, 0, 1, 0);
		row_fd(z, 0, 0, 0, 0);
		row_fd(z, 0, 1, 0, 0);
		row_fd(z, 1, 0, 0, 0);
		row_mq(z, 0);
		row_zmq(z, 0);
		row_iox(z, 0, 0);
		row_chan_1to1(z, 0);
		row_chan_1to1(z, 1);
		row_chan_4to1(z);
		row_chan_1to2(z);
	}
	/* round trips */
	row_line();
	for (int s = 0; s < NSIZES; s++) {
		size_t z = g_sizes[s];

		row_ring(z, 0, 0, 1);
		row_fd(z, 0, 0, 1, 0);
		row_fd(z, 1, 0, 1, 0);
		row_mq(z, 1);
		row_zmq(z, 1);
		row_iox(z, 1, 0);
		row_iox(z, 1, 1);
		row_chan_rtt(z, 0, 0);
		row_chan_rtt(z, 1, 0);
	}
	/* No more iceoryx rows: its daemon's threads, which wake on their
	 * own, made the idle receivers' wake-ups below take milliseconds. */
	roudi_stop();
	/* blocking round trips whose receiver has gone to sleep */
	row_fd(64, 0, 0, 1, 5000);
	row_chan_rtt(64, 1, 5000);
	/* the log collector */
	row_logpipe();
	row_logchan();

	ratios();
	targets();
	printf("libarena IPC benchmark: %d CPUs used (%d and %d), producers on "
	       "the first, receivers on the second;\n1 warm-up + %d timed passes "
	       "of about %.0f ms per row, medians (best: the fastest pass); "
	       "64 KiB rows of the shared-memory\ntransports are zero copy "
	       "(first and last 8 bytes written and read in place), the others "
	       "copy whole messages;\nx_floor: throughput / the SPSC ring's "
	       "(zero-copy ring for zero-copy rows), round trip p50 / the ring's"
	       ",\nsame size, same run.  Run time %.0f s.\n", g_ncpus, g_cpus[0],
	       g_cpus[1], g_passes, g_pass_ns / 1e6, (double)(now_ns() - t0) / 1e9);
	printf("load average (1 min) before the run %.2f, after %.2f%s\n",
	       load0, loadavg(), load0 >= 0.5 ? ": OTHER PROCESSES WERE RUNNING, "
	       "the figures are noisier than on an idle machine" : "");
	print_table();
	printf("\ntargets: %d PASS, %d MISS, %d SKIP (reported, not enforced)\n",
	       g_pass, g_miss, g_skip);
	if (g_bad)
		printf("SOME RUNS FAILED THEIR CHECKS: their speeds are not "
		       "reported\n");
	if (csv != NULL)
		write_csv(csv);
	if (dat != NULL)
		write_dat(dat);
	return g_bad;
}
