/*
 * bench.c - libarena's benchmark suite (make bench -> tests/bench/run.sh).
 *
 * Measures, in one run, libarena's allocators beside the floors and peers
 * of DESIGN.md section 7 and prints one table (also CSV, and a data file
 * for the throughput chart):
 *
 *   alloc    ns per allocation and million allocations per second, sizes
 *            8 16 64 256 4096 bytes at alignment 8, 1 and 2 threads, 1 and
 *            2 processes, for: a plain non-atomic bump pointer (floor), a
 *            bare uatomic_cmpxchg bump on a word in shared memory (floor),
 *            arena_alloc, arena_local_alloc, glibc malloc, jemalloc and
 *            mimalloc (separate binaries linked against them, run.sh
 *            builds them when the libraries are installed), a process-
 *            shared pthread mutex around a bump pointer, and
 *            Boost.Interprocess managed_shared_memory (when built with
 *            HAVE_BOOST).  Every timed loop starts 64-byte aligned.  At 16
 *            bytes also the plain bump and arena_local_alloc loops with
 *            the loop's top at the start of a 64-byte line: on the machine
 *            this was written on, the arena_local_alloc loop runs 0.65 or
 *            0.93 ns depending only on where its loop sits (the plain bump
 *            loop does not move); targets take the worse of the two.
 *            At 16 bytes also three loops that write each object with
 *            one 8-byte store, as a program would: a private bump pointer
 *            per worker over its own slice of one MAP_SHARED |
 *            MAP_ANONYMOUS region, and arena_local_alloc with and without
 *            the region prefaulted in each worker; their 2-process
 *            scaling is compared (see targets()), since two caches on
 *            one arena write pages their process has not mapped yet
 *            where private pointers do not (issue 9).
 *   Every timed round also records whether a worker was preempted
 *   (involuntary context switches): "k/11 rounds preempted", and its page
 *   faults: "n page faults/worker/round" (mean over the timed rounds).
 *   latency  arena_create per MiB, attach+detach, reset of 1 MiB and 1 GiB
 *            arenas, reset with ARENA_RESET_TRIM; a 64 MiB attach with and
 *            without ARENA_PREFAULT, and the first write to each page
 *            after it.
 *   space    bytes used for one million 24-byte objects.
 *   sections read-side section enter+leave against its floor, the waiting
 *            reset with no section open, a section's end to the return of
 *            the reset that waited for it, and a reset to the wake-up of a
 *            generation waiter (2 processes).
 *   target   the performance issue's targets, PASS/MISS (never an exit
 *            status: the exit status says only whether every run was
 *            correct).
 *
 * Method: workers are pinned one per CPU (sched_setaffinity), started
 * together (a process-shared pthread barrier, then a spin rendezvous so
 * that they leave within nanoseconds of each other), one warm-up round and
 * ROUNDS (default 7) timed rounds; a round's time is from the earliest
 * worker's start to the latest worker's end.  Every round is checked after
 * its timing: each worker's references are non-null, of the current
 * generation, inside the region, aligned, and pairwise disjoint (sorted,
 * then merged across workers sharing an address space); arena_alloc's
 * used bytes must equal the sum of the sizes.  A run that fails a check
 * reports FAIL instead of a speed.
 *
 * "ns/alloc" is a round's time divided by the allocations of one worker
 * (the time each worker spends per allocation); "M/s" is the aggregate
 * throughput of all workers.  x_bump and x_cas are ns/alloc divided by the
 * plain-bump and CAS floors measured for the same size and mode.
 *
 * Usage: bench [--csv FILE] [--dat FILE]      the whole suite
 *        bench --peer IMPL SIZE PROCS NW N ROUNDS   one malloc-family run
 *        bench --space-malloc IMPL                  malloc space, one run
 * Environment: BENCH_ROUNDS (timed rounds, default 11; at least 7),
 *              BENCH_QUICK=1 (one tenth of the objects, for trying out),
 *              BENCH_SIZES="16 4096", BENCH_IMPLS="cas_floor arena_alloc",
 *              BENCH_MODES="1thr 2proc", BENCH_SECTIONS="alloc latency deref
 *              space sections": run only those (for investigating; targets whose
 *              figures were not measured say SKIP); BENCH_N: objects per
 *              worker per round below 4096 bytes (default 1000000).
 */
#include <arena.h>
#include <urcu/arch.h>
#include <urcu/compiler.h>
#include <urcu/uatomic.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define MAXW     2          /* workers: the machine has 2 cores */
#define MAXR     64         /* rounds, warm-up included */
#define ALIGN    8          /* alignment of the allocation benchmark */
#define KIB      1024ull
#define MIB      (1024ull * 1024ull)
#define GIB      (1024ull * MIB)
#define NMAX     1000000ull /* largest objects per worker per round */

/* ---------------------------------------------------------------- Boost */

#ifdef HAVE_BOOST
void *bb_create(const char *name, size_t bytes);
void *bb_open(const char *name);
void bb_close(void *h);
int bb_remove(const char *name);
uint64_t bb_size(void *h);
uint64_t bb_free_memory(void *h);
void bb_alloc_loop(void *h, uint64_t *rec, size_t n, size_t size);
void bb_free_loop(void *h, const uint64_t *rec, size_t n);
#endif

/* --------------------------------------------------------------- basics */

static pid_t g_owner;               /* the process that owns the segments */
static int g_seq;
static char g_names[64][64];        /* segments to unlink on exit */
static volatile sig_atomic_t g_nnames;
static int g_cpus[CPU_SETSIZE], g_ncpus;
static int g_rounds = 11;           /* timed rounds */
static int g_quick;
static char g_selfdir[PATH_MAX];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void cleanup_all(void)
{
	char path[80];

	if (getpid() != g_owner)
		return;
	for (int i = 0; i < g_nnames; i++) {
		if (g_names[i][0] == '\0')
			continue;
		snprintf(path, sizeof(path), "/%.63s", g_names[i]);
		(void)shm_unlink(path);
		g_names[i][0] = '\0';
	}
}

static void on_signal(int sig)
{
	cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* new_name -- a fresh segment name, remembered for unlinking. */
static const char *new_name(void)
{
	int i;

	for (i = 0; i < g_nnames; i++)
		if (g_names[i][0] == '\0')
			break;
	if (i == (int)(sizeof(g_names) / sizeof(g_names[0])))
		die("too many segments");
	snprintf(g_names[i], sizeof(g_names[i]), "arena-bench-%d-%d",
	         (int)g_owner, g_seq++);
	if (i == g_nnames)
		g_nnames = i + 1;
	return g_names[i];
}

/* drop_name -- unlink NAME now and forget it. */
static void drop_name(const char *name)
{
	char path[80];

	for (int i = 0; i < g_nnames; i++) {
		if (strcmp(g_names[i], name) == 0) {
			snprintf(path, sizeof(path), "/%.63s", g_names[i]);
			(void)shm_unlink(path);
			g_names[i][0] = '\0';
			return;
		}
	}
}

static void pin_cpu(int w)
{
	cpu_set_t set;

	if (g_ncpus == 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(g_cpus[w % g_ncpus], &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static void *map_shared(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", bytes, strerror(errno));
	memset(p, 0, bytes);   /* fault it in now, not in a timed round */
	return p;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median and minimum of V[0..n) (sorts V). */
static void med_min(double *v, int n, double *med, double *min)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_dbl);
	*min = v[0];
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------ shared control */

struct wtime {
	uint64_t t0[MAXR], t1[MAXR];
	long csw[MAXR];      /* involuntary context switches in the round */
	long flt[MAXR];      /* minor page faults in the round */
} __attribute__((aligned(64)));

struct ctl {
	pthread_barrier_t bar;
	uint64_t arrive;                 /* spin rendezvous counter */
	int err;                         /* a check or a call failed */
	char msg[256];
	struct wtime tw[MAXW];
	/* the CAS floor's word, alone on its line */
	uint64_t cas_word __attribute__((aligned(64)));
	/* the mutex floor, on its own lines */
	pthread_mutex_t mtx __attribute__((aligned(64)));
	uint64_t mtx_top;
} __attribute__((aligned(64)));

static struct ctl *g_ctl;
static uint64_t *g_rec[MAXW];   /* one record array per worker (shared) */
static uint64_t *g_tmp[MAXW];   /* radix sort scratch (shared) */
static uint32_t g_hist[MAXW][4][65536];

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (uatomic_cmpxchg(&g_ctl->err, 0, 1) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(g_ctl->msg, sizeof(g_ctl->msg), fmt, ap);
	va_end(ap);
}

static int failed(void)
{
	return uatomic_read(&g_ctl->err) != 0;
}

/* ------------------------------------------------------------- checking */

/* radix_sort -- LSD, 16-bit digits, passes with one digit value skipped. */
static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n,
                       uint32_t (*h)[65536])
{
	uint64_t *src = a, *dst = tmp;

	memset(h, 0, sizeof(uint32_t) * 4 * 65536);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = a[i];
		h[0][v & 0xffff]++;
		h[1][(v >> 16) & 0xffff]++;
		h[2][(v >> 32) & 0xffff]++;
		h[3][v >> 48]++;
	}
	for (int d = 0; d < 4; d++) {
		unsigned sh = 16u * (unsigned)d;
		uint32_t sum = 0;

		if (h[d][(src[0] >> sh) & 0xffff] == n)
			continue;
		for (int k = 0; k < 65536; k++) {
			uint32_t c = h[d][k];
			h[d][k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[h[d][(src[i] >> sh) & 0xffff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(a[0]));
}

/* sort_recs -- ascending; bump allocators give runs already in order. */
static void sort_recs(uint64_t *a, size_t n, int w)
{
	size_t i;

	if (n < 2)
		return;
	for (i = 1; i < n && a[i - 1] <= a[i]; i++)
		;
	if (i == n)
		return;
	for (i = 1; i < n && a[i - 1] >= a[i]; i++)
		;
	if (i == n) {
		for (size_t j = 0; j < n / 2; j++) {
			uint64_t t = a[j];
			a[j] = a[n - 1 - j];
			a[n - 1 - j] = t;
		}
		return;
	}
	radix_sort(a, g_tmp[w], n, g_hist[w]);
}

struct bounds {
	uint64_t lo, hi;     /* [lo, hi) holds every object; hi 0: unbounded */
	uint64_t align;
	uint64_t gen;        /* references: generation expected; 0 none */
};

/*
 * check_own -- REC[0..n) of worker W: every allocation succeeded, of the
 * current generation (references; then replaced by their offsets), inside
 * [lo, hi), aligned, pairwise disjoint.  Leaves REC sorted.
 */
static int check_own(uint64_t *rec, size_t n, size_t size,
                     const struct bounds *b, int w)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = rec[i];

		if (v == 0) {
			fail("worker %d: allocation %zu of %zu failed", w, i, n);
			return -1;
		}
		if (b->gen != 0) {
			if (ARENA_REF_GENERATION(v) != b->gen) {
				fail("worker %d: ref %#" PRIx64 " of generation %"
				     PRIu64 ", expected %" PRIu64, w, v,
				     ARENA_REF_GENERATION(v), b->gen);
				return -1;
			}
			v = ARENA_REF_OFFSET(v);
			rec[i] = v;
		}
		if (v & (b->align - 1)) {
			fail("worker %d: object %#" PRIx64 " misaligned", w, v);
			return -1;
		}
		if (v < b->lo || (b->hi != 0 && (v > b->hi || b->hi - v < size))) {
			fail("worker %d: object %#" PRIx64 " (+%zu) outside [%#"
			     PRIx64 ", %#" PRIx64 ")", w, v, size, b->lo, b->hi);
			return -1;
		}
	}
	sort_recs(rec, n, w);
	for (size_t i = 1; i < n; i++) {
		if (rec[i] - rec[i - 1] < size) {
			fail("worker %d: objects %#" PRIx64 " and %#" PRIx64
			     " of %zu bytes overlap", w, rec[i - 1], rec[i], size);
			return -1;
		}
	}
	return 0;
}

/* check_cross -- two sorted, individually disjoint sets are disjoint. */
static int check_cross(const uint64_t *a, size_t na, const uint64_t *b,
                       size_t nb, size_t size)
{
	size_t i = 0, j = 0;
	uint64_t prev = 0;
	int have = 0;

	while (i < na || j < nb) {
		uint64_t v = (j == nb || (i < na && a[i] < b[j])) ? a[i++] : b[j++];

		if (have && v - prev < size) {
			fail("objects %#" PRIx64 " and %#" PRIx64
			     " of two workers overlap", prev, v);
			return -1;
		}
		prev = v;
		have = 1;
	}
	return 0;
}

/*
 * checker_selftest -- the checks must catch wrong work: feed them good
 * record sets (in order, reversed, shuffled through the radix path) and
 * broken ones (overlap, misalignment, out of bounds, failure, stale
 * generation, overlap between two workers) before trusting them.
 */
static int expect(int want_ok, int got_ok, const char *what)
{
	if (want_ok != got_ok) {
		fprintf(stderr, "bench: checker self-test: %s %s\n", what,
		        want_ok ? "rejected good records" : "missed an error");
		return 1;
	}
	return 0;
}

static void checker_selftest(void)
{
	const size_t n = 100000, size = 16;
	const struct bounds b = { 4096, 4096 + n * size, 8, 0 };
	struct bounds bg = b;
	uint64_t *r = g_rec[0], *q = g_rec[1], seed = 88172645463325252ull;
	int bad = 0, ok;

#define FILL(order)                                                         \
	do {                                                                \
		for (size_t i_ = 0; i_ < n; i_++)                           \
			r[i_] = 4096 + (order ? n - 1 - i_ : i_) * size;    \
	} while (0)
#define RUN(want, what, arr, bnd)                                           \
	do {                                                                \
		g_ctl->err = 0;                                             \
		ok = check_own(arr, n, size, bnd, 0) == 0;                  \
		bad |= expect(want, ok, what);                              \
	} while (0)

	FILL(0);
	RUN(1, "ascending", r, &b);
	FILL(1);
	RUN(1, "descending", r, &b);
	FILL(0);
	for (size_t i = n - 1; i > 0; i--) {   /* xorshift shuffle */
		size_t j;
		uint64_t t;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = (size_t)(seed % (i + 1));
		t = r[i];
		r[i] = r[j];
		r[j] = t;
	}
	RUN(1, "shuffled", r, &b);
	FILL(1);
	r[n / 2] = r[n / 2 + 1] + size / 2;
	RUN(0, "overlap", r, &b);
	FILL(0);
	r[n / 3] = r[n / 3 - 1];
	for (size_t i = 0; i < n / 2; i++) {  /* not monotone: radix path */
		uint64_t t = r[i];
		r[i] = r[n - 1 - i];
		r[n - 1 - i] = t;
	}
	r[0] ^= r[1];
	r[1] ^= r[0];
	r[0] ^= r[1];
	RUN(0, "duplicate, unordered", r, &b);
	FILL(0);
	r[7] += 4;
	RUN(0, "misaligned", r, &b);
	FILL(0);
	r[n - 1] = b.hi - size / 2;
	RUN(0, "past the end", r, &b);
	FILL(0);
	r[0] = b.lo - size;
	RUN(0, "before the start", r, &b);
	FILL(0);
	r[9] = 0;
	RUN(0, "failed allocation", r, &b);
	bg.gen = 3;
	FILL(0);
	for (size_t i = 0; i < n; i++)
		r[i] |= (uint64_t)3 << ARENA_OFFSET_BITS;
	RUN(1, "current generation", r, &bg);
	FILL(0);
	for (size_t i = 0; i < n; i++)
		r[i] |= (uint64_t)(i == 5 ? 2 : 3) << ARENA_OFFSET_BITS;
	RUN(0, "stale generation", r, &bg);
	for (size_t i = 0; i < n; i++) {
		r[i] = 4096 + 2 * i * size;
		q[i] = 4096 + (2 * i + 1) * size;
	}
	g_ctl->err = 0;
	bad |= expect(1, check_cross(r, n, q, n, size) == 0, "interleaved");
	q[n / 2] = r[n / 2] + size / 2;   /* still sorted, overlapping */
	g_ctl->err = 0;
	bad |= expect(0, check_cross(r, n, q, n, size) == 0, "cross overlap");
	g_ctl->err = 0;
	if (bad)
		die("the correctness checks do not work: refusing to measure");
#undef FILL
#undef RUN
}

/* ------------------------------------------------------- the allocators */

enum impl {
	I_BUMP, I_CAS, I_ARENA, I_LOCAL, I_GLIBC, I_JE, I_MI, I_MUTEX, I_BOOST,
	/* The plain bump and arena_local_alloc 16-byte loops again, with the
	 * loop's first instruction at the start of a 64-byte line: how fast
	 * such a small loop runs depends on where it sits. */
	I_BUMP_L0, I_LOCAL_L0,
	/* The scaling rows (16 bytes): each object written with one 8-byte
	 * store, as a program would.  A private bump pointer per worker over
	 * its own slice of one MAP_SHARED | MAP_ANONYMOUS region; one
	 * arena_local cache per worker on one shared arena, as it comes and
	 * with every worker's mapping of the region prefaulted (outside the
	 * timed rounds). */
	I_BUMP_WR, I_LOCAL_WR, I_LOCAL_WR_PF,
	I_COUNT
};
#define I_MAIN (I_BOOST + 1)   /* the implementations of the chart */
static const char *const impl_key[I_COUNT] = {
	"bump_floor", "cas_floor", "arena_alloc", "arena_local_alloc",
	"glibc_malloc", "jemalloc", "mimalloc", "mutex_bump", "boost_ipc",
	"bump_floor_loop0", "arena_local_alloc_loop0",
	"bump_written", "arena_local_written", "arena_local_written_prefault"
};
static const char *const impl_label[I_COUNT] = {
	"plain bump (floor)", "CAS bump (floor)", "arena_alloc",
	"arena_local_alloc", "glibc malloc", "jemalloc", "mimalloc",
	"pshared mutex bump", "Boost.Interprocess",
	"plain bump, loop at line+0", "arena_local_alloc, loop at line+0",
	"private bump, objects written", "arena_local_alloc, objects written",
	"arena_local_alloc, written, prefaulted"
};

/* base_impl -- the allocator a layout variant measures. */
static enum impl base_impl(enum impl i)
{
	return i == I_BUMP_L0 || i == I_BUMP_WR ? I_BUMP
	     : i == I_LOCAL_L0 || i == I_LOCAL_WR || i == I_LOCAL_WR_PF ? I_LOCAL
	     : i;
}

static int is_malloc(enum impl i)
{
	return i == I_GLIBC || i == I_JE || i == I_MI;
}

/* The plain bump floor: the same shape as arena_local's fast path (a
 * struct reached through a pointer, moving down, two compares) without
 * the generation check. */
struct bump {
	uint64_t cur, lo;
	unsigned char *base;    /* the written variant: offset 0's address */
};

static inline uint64_t bump_alloc(struct bump *b, uint64_t size,
                                  uint64_t align)
{
	uint64_t nt = (b->cur - size) & ~(align - 1);

	if (caa_unlikely(size > b->cur - b->lo || nt < b->lo))
		return 0;
	b->cur = nt;
	return nt;
}

/* The CAS floor: a bare compare-and-swap bump on a word in shared memory,
 * with liburcu's uatomic_cmpxchg as the library uses it. */
struct casb {
	uint64_t *word;
	uint64_t lo;
};

static inline uint64_t cas_alloc(const struct casb *c, uint64_t size,
                                 uint64_t align)
{
	uint64_t old = uatomic_read(c->word);

	for (;;) {
		uint64_t nt = (old - size) & ~(align - 1), cur;

		if (caa_unlikely(size > old - c->lo || nt < c->lo))
			return 0;
		cur = uatomic_cmpxchg(c->word, old, nt);
		if (caa_likely(cur == old))
			return nt;
		old = cur;
	}
}

/* The mutex floor: a process-shared pthread mutex around a bump pointer. */
struct mtxb {
	pthread_mutex_t *m;
	uint64_t *top;
	uint64_t lo;
};

static inline uint64_t mutex_alloc(const struct mtxb *b, uint64_t size,
                                   uint64_t align)
{
	uint64_t t, nt, r = 0;

	pthread_mutex_lock(b->m);
	t = *b->top;
	nt = (t - size) & ~(align - 1);
	if (size <= t - b->lo && nt >= b->lo) {
		*b->top = nt;
		r = nt;
	}
	pthread_mutex_unlock(b->m);
	return r;
}

/*
 * The timed loops, one per allocator and size, so that a constant size
 * and alignment reach each allocator as they would in a program
 * (arena_local_alloc's argument checks fold away).  Every result is
 * stored in the worker's record array, which is checked after the round.
 */
typedef void loop_fn(void *ctx, uint64_t *rec, size_t n);

/* Each loop starts on a 64-byte boundary, so that where its hot loop sits
 * in the instruction cache lines does not change with unrelated edits of
 * this file (it matters: see the layout variants below). */
#define LOOPFN __attribute__((noinline, aligned(64)))

#define DEF_LOOPS(S)                                                        \
static LOOPFN void loop_bump_##S(void *ctx, uint64_t *rec, size_t n)     \
{                                                                           \
	struct bump *b = ctx;                                               \
	for (size_t i = 0; i < n; i++)                                      \
		rec[i] = bump_alloc(b, S, ALIGN);                           \
}                                                                           \
static LOOPFN void loop_cas_##S(void *ctx, uint64_t *rec, size_t n)      \
{                                                                           \
	const struct casb *c = ctx;                                         \
	for (size_t i = 0; i < n; i++)                                      \
		rec[i] = cas_alloc(c, S, ALIGN);                            \
}                                                                           \
static LOOPFN void loop_arena_##S(void *ctx, uint64_t *rec, size_t n)    \
{                                                                           \
	arena_t *a = ctx;                                                   \
	for (size_t i = 0; i < n; i++)                                      \
		rec[i] = arena_alloc(a, S, ALIGN);                          \
}                                                                           \
static LOOPFN void loop_local_##S(void *ctx, uint64_t *rec, size_t n)    \
{                                                                           \
	struct arena_local *l = ctx;                                        \
	for (size_t i = 0; i < n; i++)                                      \
		rec[i] = arena_local_alloc(l, S, ALIGN);                    \
}                                                                           \
static LOOPFN void loop_malloc_##S(void *ctx, uint64_t *rec, size_t n)   \
{                                                                           \
	(void)ctx;                                                          \
	for (size_t i = 0; i < n; i++)                                      \
		rec[i] = (uint64_t)(uintptr_t)malloc(S);                    \
}                                                                           \
static LOOPFN void loop_mutex_##S(void *ctx, uint64_t *rec, size_t n)    \
{                                                                           \
	const struct mtxb *m = ctx;                                         \
	for (size_t i = 0; i < n; i++)                                      \
		rec[i] = mutex_alloc(m, S, ALIGN);                          \
}

DEF_LOOPS(8)
DEF_LOOPS(16)
DEF_LOOPS(64)
DEF_LOOPS(256)
DEF_LOOPS(4096)

/*
 * The layout variants (GCC only: the optimize attribute): the function on
 * a 64-byte boundary and the loop's top aligned to 64 bytes.  (The main
 * loops above let the loop follow the prologue: with GCC 12 -O2 that puts
 * arena_local_alloc's loop 48 bytes into its line.)
 */
#if defined(__GNUC__) && !defined(__clang__)
#define HAVE_LAYOUT 1
#define LAYOUT(a) __attribute__((noinline, aligned(64), optimize(a)))
static LAYOUT("align-loops=64") void loop_bump_16_l0(void *ctx, uint64_t *rec,
                                                     size_t n)
{
	struct bump *b = ctx;
	for (size_t i = 0; i < n; i++)
		rec[i] = bump_alloc(b, 16, ALIGN);
}
static LAYOUT("align-loops=64") void loop_local_16_l0(void *ctx, uint64_t *rec,
                                                      size_t n)
{
	struct arena_local *l = ctx;
	for (size_t i = 0; i < n; i++)
		rec[i] = arena_local_alloc(l, 16, ALIGN);
}
#endif

/*
 * The scaling loops: as loop_bump_16 and loop_local_16, and each object is
 * written with one 8-byte store.  A failed allocation (0 or ARENA_NULL) is
 * recorded and not written; the check after the round reports it.
 */
struct localw {
	struct arena_local *l;
	arena_t *a;
};

static LOOPFN void loop_bump_wr_16(void *ctx, uint64_t *rec, size_t n)
{
	struct bump *b = ctx;

	for (size_t i = 0; i < n; i++) {
		uint64_t r = bump_alloc(b, 16, ALIGN);

		if (caa_likely(r != 0))
			*(uint64_t *)(void *)(b->base + r) = i;
		rec[i] = r;
	}
}

static LOOPFN void loop_local_wr_16(void *ctx, uint64_t *rec, size_t n)
{
	const struct localw *c = ctx;

	for (size_t i = 0; i < n; i++) {
		arena_ref_t r = arena_local_alloc(c->l, 16, ALIGN);
		uint64_t *p = arena_ptr(c->a, r);

		if (caa_likely(p != NULL))
			*p = i;
		rec[i] = r;
	}
}

#ifdef HAVE_BOOST
static size_t g_boost_size;
static void loop_boost(void *ctx, uint64_t *rec, size_t n)
{
	bb_alloc_loop(ctx, rec, n, g_boost_size);
}
#endif

static loop_fn *get_loop(enum impl impl, size_t size)
{
#define PICK(S)                                                             \
	case S:                                                             \
		switch (impl) {                                             \
		case I_BUMP: return loop_bump_##S;                          \
		case I_CAS: return loop_cas_##S;                            \
		case I_ARENA: return loop_arena_##S;                        \
		case I_LOCAL: return loop_local_##S;                        \
		case I_GLIBC: case I_JE: case I_MI: return loop_malloc_##S; \
		case I_MUTEX: return loop_mutex_##S;                        \
		default: return NULL;                                       \
		}
#ifdef HAVE_BOOST
	if (impl == I_BOOST) {
		g_boost_size = size;
		return loop_boost;
	}
#endif
	if (size == 16) {
		switch (impl) {
		case I_BUMP_WR: return loop_bump_wr_16;
		case I_LOCAL_WR:
		case I_LOCAL_WR_PF: return loop_local_wr_16;
		default: break;
		}
	}
#ifdef HAVE_LAYOUT
	if (size == 16) {
		switch (impl) {
		case I_BUMP_L0: return loop_bump_16_l0;
		case I_LOCAL_L0: return loop_local_16_l0;
		default: break;
		}
	}
#endif
	switch (size) {
	PICK(8)
	PICK(16)
	PICK(64)
	PICK(256)
	PICK(4096)
	default: return NULL;
	}
#undef PICK
}

/* ------------------------------------------------------------ a run */

struct run {
	enum impl impl;
	size_t size, n;
	int nw, procs, total;    /* workers, processes?, rounds incl. warm-up */
	const char *name;        /* arena or Boost segment */
	arena_t *a;              /* the parent's handle (threads share it) */
	void *bb;                /* the parent's Boost handle */
	unsigned char *region;   /* I_BUMP_WR: the shared anonymous region */
	size_t region_len;
	uint64_t lo, span;       /* floors: region [lo, lo + nw * span) */
};

struct result {
	int ok, skipped;
	double med_ns, min_ns;   /* per allocation per worker */
	double mean_ns;          /* the same over all timed rounds together
	                            (0 for the malloc peers) */
	int preempted;           /* timed rounds in which a worker was
	                            preempted (involuntary context switch) */
	double faults;           /* minor page faults per worker per timed
	                            round (0 for the malloc peers: not
	                            counted) */
	char note[200];
};

/* faults_per_round -- the mean of the workers' minor faults over the
 * timed rounds. */
static double faults_per_round(int nw, int total)
{
	double sum = 0;

	for (int k = 1; k < total; k++)
		for (int w = 0; w < nw; w++)
			sum += (double)g_ctl->tw[w].flt[k];
	return sum / ((double)nw * (double)(total - 1));
}

/* round_stats -- ns/alloc of each timed round (earliest start to latest
 * end) into V; returns how many; counts preempted rounds in *PRE. */
static int round_stats(int nw, int total, size_t n, double *v, int *pre)
{
	int nv = 0;

	*pre = 0;
	for (int k = 1; k < total; k++) {
		uint64_t s = UINT64_MAX, e = 0;
		int hit = 0;

		for (int w = 0; w < nw; w++) {
			if (g_ctl->tw[w].t0[k] < s)
				s = g_ctl->tw[w].t0[k];
			if (g_ctl->tw[w].t1[k] > e)
				e = g_ctl->tw[w].t1[k];
			hit |= g_ctl->tw[w].csw[k] > 0;
		}
		*pre += hit;
		v[nv++] = (double)(e - s) / (double)n;
	}
	return nv;
}

static void rendezvous(int nw, int k)
{
	uatomic_inc(&g_ctl->arrive);
	while (uatomic_read(&g_ctl->arrive) < (uint64_t)nw * (uint64_t)(k + 1))
		caa_cpu_relax();
}

/* prefault -- map every page of A into this process before the timed
 * rounds, with the library's arena_prefault() (MADV_POPULATE_WRITE, then a
 * read of each page, which hypervisors that shadow page tables need). */
static void prefault(arena_t *a)
{
	if (arena_prefault(a) < 0)
		die("arena_prefault: %s", strerror(errno));
}

static void worker(const struct run *r, int w)
{
	struct ctl *c = g_ctl;
	uint64_t *rec = g_rec[w];
	uint64_t hi = r->lo + (uint64_t)r->nw * r->span;
	struct arena_local l;
	struct bump b = { 0, 0, r->region };
	struct localw lw = { &l, NULL };
	struct casb cb = { &c->cas_word, r->lo };
	struct mtxb mb = { &c->mtx, &c->mtx_top, r->lo };
	arena_t *a = NULL;
	void *bb = NULL, *ctx = NULL;
	loop_fn *fn = get_loop(r->impl, r->size);
	const enum impl kind = base_impl(r->impl);
	int ready = fn != NULL;

	pin_cpu(w);
	switch (kind) {
	case I_BUMP:
		b.lo = r->lo + (uint64_t)w * r->span;
		b.cur = b.lo + r->span;
		ctx = &b;
		break;
	case I_CAS:
		ctx = &cb;
		break;
	case I_MUTEX:
		ctx = &mb;
		break;
	case I_ARENA:
	case I_LOCAL:
		a = r->procs ? arena_attach(r->name, 0) : r->a;
		if (a == NULL) {
			fail("worker %d: arena_attach: %s", w, strerror(errno));
			ready = 0;
			break;
		}
		ctx = a;
		if (kind == I_LOCAL) {
			if (arena_local_init(&l, a, 0) < 0) {
				fail("arena_local_init: %s", strerror(errno));
				ready = 0;
			}
			ctx = &l;
			lw.a = a;
			if (r->impl == I_LOCAL_WR || r->impl == I_LOCAL_WR_PF)
				ctx = &lw;
			if (r->impl == I_LOCAL_WR_PF)
				prefault(a);
		}
		break;
	case I_BOOST:
#ifdef HAVE_BOOST
		bb = r->procs ? bb_open(r->name) : r->bb;
#endif
		if (bb == NULL) {
			fail("worker %d: cannot open the Boost segment", w);
			ready = 0;
		}
		ctx = bb;
		break;
	default:
		break;
	}
	if (fn == NULL)
		fail("no loop for %s size %zu", impl_key[r->impl], r->size);

	for (int k = 0; k < r->total; k++) {
		struct bounds bd = { r->lo, hi, ALIGN, 0 };
		struct arena_stat st;
		struct rusage ru0, ru1;
		uint64_t t0, t1;
		int go;

		pthread_barrier_wait(&c->bar);
		go = ready && !failed();
		getrusage(RUSAGE_THREAD, &ru0);
		rendezvous(r->nw, k);
		t0 = now_ns();
		if (go)
			fn(ctx, rec, r->n);
		t1 = now_ns();
		getrusage(RUSAGE_THREAD, &ru1);
		c->tw[w].t0[k] = t0;
		c->tw[w].t1[k] = t1;
		c->tw[w].csw[k] = ru1.ru_nivcsw - ru0.ru_nivcsw;
		c->tw[w].flt[k] = ru1.ru_minflt - ru0.ru_minflt;

		/* Check this worker's part, then (worker 0) the whole. */
		if (go) {
			if (kind == I_BUMP) {
				bd.lo = b.lo;
				bd.hi = b.lo + r->span;
			} else if (kind == I_ARENA || kind == I_LOCAL) {
				if (arena_stat(a, &st) < 0) {
					fail("arena_stat: %s", strerror(errno));
					go = 0;
				}
				bd.lo = st.header_size;
				bd.hi = st.segment_size;
				bd.gen = st.generation;
			} else if (is_malloc(kind)) {
				bd.lo = 1;
				bd.hi = 0;
			} else if (kind == I_BOOST) {
				bd.lo = 1;
#ifdef HAVE_BOOST
				bd.hi = bb_size(bb);
#endif
			}
			if (go)
				(void)check_own(rec, r->n, r->size, &bd, w);
		}
		pthread_barrier_wait(&c->bar);
		if (w == 0 && go && !failed()) {
			/* Malloc in separate processes: separate address spaces. */
			for (int v = 1; v < r->nw; v++)
				if (!(is_malloc(kind) && r->procs))
					(void)check_cross(rec, r->n, g_rec[v], r->n,
					                  r->size);
			if (kind == I_ARENA || kind == I_LOCAL) {
				uint64_t want = (uint64_t)r->nw * r->n * r->size;

				if (arena_stat(a, &st) < 0)
					fail("arena_stat: %s", strerror(errno));
				else if (kind == I_ARENA && st.used != want)
					fail("arena_alloc: used %" PRIu64
					     " != sum of sizes %" PRIu64, st.used, want);
				else if (kind == I_LOCAL &&
				         (st.used < want ||
				          st.used > want + want / 64 +
				                    (uint64_t)r->nw * 2 * MIB))
					fail("arena_local_alloc: used %" PRIu64
					     " for %" PRIu64 " bytes", st.used, want);
			}
		}
		/* Worker 0 has read the other workers' records: wait for it
		 * before anyone frees or rewrites them. */
		pthread_barrier_wait(&c->bar);
		/* Give everything back, outside the timed region. */
		switch (kind) {
		case I_BUMP:
			b.cur = b.lo + r->span;
			break;
		case I_CAS:
			if (w == 0)
				uatomic_set(&c->cas_word, hi);
			break;
		case I_MUTEX:
			if (w == 0)
				uatomic_set(&c->mtx_top, hi);
			break;
		case I_ARENA:
		case I_LOCAL:
			if (w == 0 && a != NULL &&
			    arena_reset(a, ARENA_RESET_FORCE) < 0)
				fail("arena_reset: %s", strerror(errno));
			break;
		case I_GLIBC:
		case I_JE:
		case I_MI:
			if (go)
				for (size_t i = 0; i < r->n; i++)
					free((void *)(uintptr_t)rec[i]);
			break;
		case I_BOOST:
#ifdef HAVE_BOOST
			if (go)
				bb_free_loop(bb, rec, r->n);
#endif
			break;
		default:
			break;
		}
		/* The check left copies of this worker's record lines in other
		 * CPUs' caches; write them once here so that the next timed
		 * round does not pay for taking them back (one worker or two,
		 * every round starts with its records in its own cache). */
		memset(rec, 0, r->n * sizeof(rec[0]));
	}
	pthread_barrier_wait(&c->bar);
	if (r->procs) {
		if (a != NULL)
			arena_detach(a);
#ifdef HAVE_BOOST
		if (bb != NULL)
			bb_close(bb);
#endif
	}
}

struct targ {
	const struct run *r;
	int w;
};

static void *thread_main(void *p)
{
	const struct targ *t = p;

	worker(t->r, t->w);
	return NULL;
}

/* run_workers -- the run's workers as threads or processes; fills RES. */
static void run_workers(const struct run *r, struct result *res)
{
	pthread_barrierattr_t ba;
	pthread_mutexattr_t ma;
	double v[MAXR];
	int nv = 0;

	memset(g_ctl, 0, sizeof(*g_ctl));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&g_ctl->bar, &ba, (unsigned)r->nw);
	pthread_barrierattr_destroy(&ba);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&g_ctl->mtx, &ma);
	pthread_mutexattr_destroy(&ma);
	g_ctl->cas_word = r->lo + (uint64_t)r->nw * r->span;
	g_ctl->mtx_top = g_ctl->cas_word;

	if (!r->procs) {
		pthread_t th[MAXW];
		struct targ ta[MAXW];

		for (int w = 0; w < r->nw; w++) {
			ta[w].r = r;
			ta[w].w = w;
			if (pthread_create(&th[w], NULL, thread_main, &ta[w]) != 0)
				die("pthread_create");
		}
		for (int w = 0; w < r->nw; w++)
			pthread_join(th[w], NULL);
	} else {
		pid_t pid[MAXW];
		int left = r->nw;

		fflush(NULL);
		for (int w = 0; w < r->nw; w++) {
			pid[w] = fork();
			if (pid[w] < 0)
				die("fork: %s", strerror(errno));
			if (pid[w] == 0) {
				alarm(600);   /* never hang the suite */
				worker(r, w);
				_exit(0);
			}
		}
		while (left > 0) {
			int st;
			pid_t p = waitpid(-1, &st, 0);

			if (p < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int w = 0; w < r->nw; w++) {
				if (pid[w] != p)
					continue;
				pid[w] = 0;
				left--;
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
					fail("worker process %d died (%s %d)", w,
					     WIFSIGNALED(st) ? "signal" : "status",
					     WIFSIGNALED(st) ? WTERMSIG(st)
					                     : WEXITSTATUS(st));
					for (int u = 0; u < r->nw; u++)
						if (pid[u] > 0)
							kill(pid[u], SIGKILL);
				}
			}
		}
	}
	pthread_barrier_destroy(&g_ctl->bar);
	pthread_mutex_destroy(&g_ctl->mtx);

	memset(res, 0, sizeof(*res));
	if (failed()) {
		snprintf(res->note, sizeof(res->note), "FAIL: %.190s", g_ctl->msg);
		return;
	}
	nv = round_stats(r->nw, r->total, r->n, v, &res->preempted);
	for (int k = 0; k < nv; k++)
		res->mean_ns += v[k] / nv;
	med_min(v, nv, &res->med_ns, &res->min_ns);
	res->faults = faults_per_round(r->nw, r->total);
	res->ok = 1;
}

/* run_alloc -- set up, run and tear down one allocation benchmark. */
static void run_alloc(enum impl impl, size_t size, int procs, int nw,
                      size_t n, struct result *res)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.impl = impl;
	r.size = size;
	r.n = n;
	r.nw = nw;
	r.procs = procs;
	r.total = 1 + g_rounds;
	r.lo = 4096;
	r.span = n * size + 4096;
	if (impl == I_BUMP_WR) {
		/* Not touched here: each worker's first round maps its slice,
		 * as each process's first use maps the arena's pages. */
		r.region_len = r.lo + (size_t)nw * r.span;
		r.region = mmap(NULL, r.region_len, PROT_READ | PROT_WRITE,
		                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (r.region == MAP_FAILED)
			die("mmap %zu: %s", r.region_len, strerror(errno));
	}
	if (base_impl(impl) == I_ARENA || base_impl(impl) == I_LOCAL) {
		/* Room for each cache's largest chunk twice (1 MiB). */
		size_t cap = (size_t)nw * (n * size + 2 * MIB) + MIB;

		r.name = new_name();
		r.a = arena_create(r.name, cap, NULL);
		if (r.a == NULL) {
			memset(res, 0, sizeof(*res));
			snprintf(res->note, sizeof(res->note),
			         "FAIL: arena_create %zu: %s", cap, strerror(errno));
			drop_name(r.name);
			return;
		}
	}
	if (impl == I_BOOST) {
#ifdef HAVE_BOOST
		size_t bytes = (size_t)nw * n * (size + 64) + 4 * MIB;

		r.name = new_name();
		r.bb = bb_create(r.name, bytes);
#endif
		if (r.bb == NULL) {
			memset(res, 0, sizeof(*res));
			snprintf(res->note, sizeof(res->note),
			         "FAIL: cannot create a Boost segment");
			if (r.name != NULL)
				drop_name(r.name);
			return;
		}
	}
	run_workers(&r, res);
	if (r.region != NULL)
		munmap(r.region, r.region_len);
	if (r.a != NULL) {
		arena_detach(r.a);
		drop_name(r.name);
	}
#ifdef HAVE_BOOST
	if (r.bb != NULL) {
		bb_close(r.bb);
		bb_remove(r.name);
		drop_name(r.name);
	}
#endif
}

/* ------------------------------------------------------ malloc peers */

/* malloc_from -- whether this process's malloc is the one named: the
 * malloc family peers run in binaries linked against them. */
static int malloc_from(enum impl impl, char *why, size_t len)
{
	static const char *const want[] = {
		[I_GLIBC] = "libc.so", [I_JE] = "jemalloc", [I_MI] = "mimalloc",
	};
	void *(*volatile m)(size_t) = malloc;
	Dl_info di;

	if (dladdr((void *)(uintptr_t)m, &di) == 0 || di.dli_fname == NULL) {
		snprintf(why, len, "cannot tell where malloc comes from");
		return 0;
	}
	if (strstr(di.dli_fname, want[impl]) == NULL) {
		snprintf(why, len, "malloc comes from %s, not %s", di.dli_fname,
		         want[impl]);
		return 0;
	}
	return 1;
}

static enum impl impl_by_key(const char *k)
{
	for (int i = 0; i < I_COUNT; i++)
		if (strcmp(impl_key[i], k) == 0)
			return (enum impl)i;
	die("unknown implementation %s", k);
	return I_COUNT;
}

static const char *peer_binary(enum impl impl)
{
	static char path[PATH_MAX + 32];

	if (impl == I_GLIBC)
		snprintf(path, sizeof(path), "%s/bench", g_selfdir);
	else
		snprintf(path, sizeof(path), "%s/bench-%s", g_selfdir,
		         impl_key[impl]);
	return access(path, X_OK) == 0 ? path : NULL;
}

/* run_peer -- run BIN with ARGV, its standard output into OUT. */
static int run_peer(const char *bin, char *const argv[], char *out,
                    size_t len)
{
	int fd[2], st;
	size_t got = 0;
	pid_t pid;

	fflush(NULL);
	if (pipe(fd) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execv(bin, argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t k = read(fd[0], out + got, len - 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
		if (got == len - 1)
			break;
	}
	out[got] = '\0';
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* peer_alloc -- one malloc-family run in a fresh process of its binary. */
static void peer_alloc(enum impl impl, size_t size, int procs, int nw,
                       size_t n, struct result *res)
{
	const char *bin = peer_binary(impl);
	char a_size[32], a_procs[8], a_nw[8], a_n[32], a_r[8], out[4096];
	char *argv[] = { (char *)"bench", (char *)"--peer",
	                 (char *)impl_key[impl], a_size, a_procs, a_nw, a_n,
	                 a_r, NULL };
	double v[MAXR];
	int nv = 0, rc;
	char *p;

	memset(res, 0, sizeof(*res));
	if (bin == NULL) {
		res->skipped = 1;
		snprintf(res->note, sizeof(res->note),
		         "skipped: %s not installed (no bench-%s)",
		         impl_label[impl], impl_key[impl]);
		return;
	}
	snprintf(a_size, sizeof(a_size), "%zu", size);
	snprintf(a_procs, sizeof(a_procs), "%d", procs);
	snprintf(a_nw, sizeof(a_nw), "%d", nw);
	snprintf(a_n, sizeof(a_n), "%zu", n);
	snprintf(a_r, sizeof(a_r), "%d", g_rounds);
	rc = run_peer(bin, argv, out, sizeof(out));
	if (rc != 0 || strncmp(out, "OK", 2) != 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(res->note, sizeof(res->note), "FAIL: peer exit %d: %.150s",
		         rc, strncmp(out, "FAIL ", 5) == 0 ? out + 5 : out);
		return;
	}
	res->preempted = (int)strtol(out + 2, &p, 10);
	while (nv < MAXR) {
		char *e;
		double d = strtod(p, &e);

		if (e == p)
			break;
		v[nv++] = d;
		p = e;
	}
	if (nv < 1) {
		snprintf(res->note, sizeof(res->note), "FAIL: peer said nothing");
		return;
	}
	med_min(v, nv, &res->med_ns, &res->min_ns);
	res->ok = 1;
}

/* peer_main -- bench --peer IMPL SIZE PROCS NW N ROUNDS: prints
 * "OK ns/alloc of each timed round" or "FAIL why". */
static int peer_main(char **argv)
{
	enum impl impl = impl_by_key(argv[0]);
	size_t size = strtoull(argv[1], NULL, 10);
	int procs = atoi(argv[2]), nw = atoi(argv[3]);
	size_t n = strtoull(argv[4], NULL, 10);
	struct run r;
	struct result res;
	char why[512];
	double v[MAXR];
	int nv, pre;

	g_rounds = atoi(argv[5]);
	if (!is_malloc(impl) || nw < 1 || nw > MAXW || n < 1 || n > NMAX ||
	    g_rounds < 1 || g_rounds + 1 > MAXR)
		die("bad --peer arguments");
	if (!malloc_from(impl, why, sizeof(why))) {
		printf("FAIL %s\n", why);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.impl = impl;
	r.size = size;
	r.n = n;
	r.nw = nw;
	r.procs = procs;
	r.total = 1 + g_rounds;
	run_workers(&r, &res);
	if (!res.ok) {
		printf("FAIL %s\n", res.note);
		return 1;
	}
	nv = round_stats(nw, r.total, n, v, &pre);
	printf("OK %d", pre);
	for (int k = 0; k < nv; k++)
		printf(" %.4f", v[k]);
	printf("\n");
	return 0;
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* space_main -- bench --space-malloc IMPL: one million 24-byte objects
 * from a fresh process's malloc; prints "OK rss_delta uordblks_delta
 * arena_delta" (the mallinfo2 figures only for glibc, else -1). */
static int space_main(const char *key)
{
	enum impl impl = impl_by_key(key);
	const size_t n = 1000000, size = 24;
	uint64_t *rec = g_rec[0], r0, r1;
	struct mallinfo2 m0, m1;
	struct bounds bd = { 1, 0, 8, 0 };
	char why[512];

	if (!is_malloc(impl))
		die("bad --space-malloc argument");
	if (!malloc_from(impl, why, sizeof(why))) {
		printf("FAIL %s\n", why);
		return 1;
	}
	m0 = mallinfo2();
	r0 = rss_bytes();
	/* Each object is written, as a program would: an allocator that
	 * touches no memory itself (jemalloc) would otherwise look free. */
	for (size_t i = 0; i < n; i++) {
		char *p = malloc(size);

		if (p != NULL)
			memset(p, 0x5a, size);
		rec[i] = (uint64_t)(uintptr_t)p;
	}
	r1 = rss_bytes();
	m1 = mallinfo2();
	if (check_own(rec, n, size, &bd, 0) < 0) {
		printf("FAIL %s\n", g_ctl->msg);
		return 1;
	}
	if (impl == I_GLIBC)
		printf("OK %" PRIu64 " %zu %zu\n", r1 - r0,
		       m1.uordblks - m0.uordblks, m1.arena - m0.arena);
	else
		printf("OK %" PRIu64 " -1 -1\n", r1 - r0);
	return 0;
}

/* ----------------------------------------------------------- the table */

struct row {
	char section[12], name[64], impl[32], mode[12], unit[16];
	char status[16], note[200];
	unsigned size;
	int workers;
	size_t n;
	int rounds, preempted;   /* preempted: -1 when not tracked */
	double med, min, mops_med, mops_max, x_bump, x_cas;
};

static struct row g_rows[512];
static int g_nrows;

static struct row *add_row(const char *section, const char *name,
                           const char *impl, unsigned size, const char *mode,
                           int workers, size_t n, const char *unit)
{
	struct row *w;

	if (g_nrows == (int)(sizeof(g_rows) / sizeof(g_rows[0])))
		die("too many rows");
	w = &g_rows[g_nrows++];
	memset(w, 0, sizeof(*w));
	snprintf(w->section, sizeof(w->section), "%s", section);
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->impl, sizeof(w->impl), "%s", impl);
	snprintf(w->mode, sizeof(w->mode), "%s", mode);
	snprintf(w->unit, sizeof(w->unit), "%s", unit);
	w->size = size;
	w->workers = workers;
	w->n = n;
	w->rounds = g_rounds;
	w->preempted = -1;
	w->med = w->min = w->mops_med = w->mops_max = NAN;
	w->x_bump = w->x_cas = NAN;
	return w;
}

static void csv_num(FILE *f, double v, const char *fmt)
{
	if (!isnan(v))
		fprintf(f, fmt, v);
	fputc(',', f);
}

static void csv_str(FILE *f, const char *s, int last)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

static void write_csv(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "section,name,impl,size,mode,workers,n_per_worker,rounds,"
	           "median,min,unit,mops_median,mops_best,x_bump_floor,"
	           "x_cas_floor,preempted_rounds,status,note\n");
	for (int i = 0; i < g_nrows; i++) {
		const struct row *w = &g_rows[i];

		fprintf(f, "%s,", w->section);
		csv_str(f, w->name, 0);
		fprintf(f, "%s,", w->impl);
		if (w->size)
			fprintf(f, "%u", w->size);
		fprintf(f, ",%s,", w->mode);
		if (w->workers)
			fprintf(f, "%d", w->workers);
		fputc(',', f);
		if (w->n)
			fprintf(f, "%zu", w->n);
		fprintf(f, ",%d,", w->rounds);
		csv_num(f, w->med, "%.4f");
		csv_num(f, w->min, "%.4f");
		fprintf(f, "%s,", w->unit);
		csv_num(f, w->mops_med, "%.3f");
		csv_num(f, w->mops_max, "%.3f");
		csv_num(f, w->x_bump, "%.3f");
		csv_num(f, w->x_cas, "%.3f");
		if (w->preempted >= 0)
			fprintf(f, "%d", w->preempted);
		fprintf(f, ",%s,", w->status);
		csv_str(f, w->note, 1);
	}
	fclose(f);
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 1e6)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void print_table(void)
{
	const char *sec = "";

	for (int i = 0; i < g_nrows; i++) {
		const struct row *w = &g_rows[i];
		char med[32], min[32], mops[32], xb[32], xc[32], sz[16], label[96];

		if (strcmp(sec, w->section) != 0) {
			sec = w->section;
			printf("\n%-7s %-50s %5s %-6s %10s %10s %-10s %9s %7s %7s  %s\n",
			       "section", "benchmark", "size", "mode", "median",
			       "min", "unit", "M/s(med)", "x_bump", "x_cas",
			       "status / note");
		}
		if (strcmp(w->section, "target") == 0 && !isnan(w->med))
			snprintf(med, sizeof(med), "%.4g", w->med);
		else
			fmt_num(med, sizeof(med), w->med);
		fmt_num(min, sizeof(min), w->min);
		fmt_num(mops, sizeof(mops), w->mops_med);
		fmt_num(xb, sizeof(xb), w->x_bump);
		fmt_num(xc, sizeof(xc), w->x_cas);
		if (w->size)
			snprintf(sz, sizeof(sz), "%u", w->size);
		else
			snprintf(sz, sizeof(sz), "-");
		snprintf(label, sizeof(label), "%s", w->name);
		printf("%-7s %-50.50s %5s %-6s %10s %10s %-10s %9s %7s %7s  %s%s%s\n",
		       w->section, label, sz, w->mode, med, min, w->unit, mops,
		       xb, xc, w->status, w->note[0] && w->status[0] ? "  " : "",
		       w->note);
	}
}

/* ------------------------------------------------------- the suite */

static const size_t g_sizes[] = { 8, 16, 64, 256, 4096 };
#define NSIZES (sizeof(g_sizes) / sizeof(g_sizes[0]))
static const struct {
	int procs, nw;
	const char *label;
} g_modes[] = { { 0, 1, "1thr" }, { 0, 2, "2thr" }, { 1, 1, "1proc" },
                { 1, 2, "2proc" } };
#define NMODES 4
static struct result g_res[NSIZES][NMODES][I_COUNT];
static int g_have_boost;

static size_t objects_for(size_t size)
{
	size_t n = size >= 4096 ? 100000 : NMAX;
	const char *e = getenv("BENCH_N");

	if (e != NULL && size < 4096 && strtoull(e, NULL, 10) > 0 &&
	    strtoull(e, NULL, 10) <= NMAX)
		n = strtoull(e, NULL, 10);
	return g_quick ? n / 10 : n;
}

/* selected -- whether WORD is in the list in environment variable VAR
 * (an unset variable selects everything). */
static int selected(const char *var, const char *word)
{
	const char *l = getenv(var), *p;
	size_t n = strlen(word);

	if (l == NULL || *l == '\0')
		return 1;
	for (p = l; (p = strstr(p, word)) != NULL; p += n)
		if ((p == l || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
			return 1;
	return 0;
}

static void bench_alloc(void)
{
	for (size_t s = 0; s < NSIZES; s++) {
		size_t size = g_sizes[s], n = objects_for(size);

		for (int m = 0; m < NMODES; m++) {
			int procs = g_modes[m].procs, nw = g_modes[m].nw;

			for (int i = 0; i < I_COUNT; i++) {
				struct result *res = &g_res[s][m][i];
				char sz[16];

				snprintf(sz, sizeof(sz), "%zu", size);
				if (!selected("BENCH_SIZES", sz) ||
				    !selected("BENCH_MODES", g_modes[m].label) ||
				    !selected("BENCH_IMPLS", impl_key[i]) ||
				    (i >= I_MAIN && (size != 16 ||
				                     get_loop((enum impl)i, 16) == NULL))) {
					memset(res, 0, sizeof(*res));
					res->skipped = 2;
					continue;
				}
				if (is_malloc((enum impl)i)) {
					peer_alloc((enum impl)i, size, procs, nw, n, res);
				} else if (i == I_BOOST && !g_have_boost) {
					memset(res, 0, sizeof(*res));
					res->skipped = 1;
					snprintf(res->note, sizeof(res->note),
					         "skipped: Boost.Interprocess not built (no libboost-dev)");
				} else {
					run_alloc((enum impl)i, size, procs, nw, n, res);
				}
				fprintf(stderr, "  alloc %4zu B %-5s %-20s %s\n", size,
				        g_modes[m].label, impl_label[i],
				        res->ok ? "ok" : res->note);
			}
		}
	}
	for (size_t s = 0; s < NSIZES; s++) {
		size_t n = objects_for(g_sizes[s]);

		for (int m = 0; m < NMODES; m++) {
			const struct result *fb = &g_res[s][m][I_BUMP];
			const struct result *fc = &g_res[s][m][I_CAS];

			for (int i = 0; i < I_COUNT; i++) {
				const struct result *res = &g_res[s][m][i];
				char name[64];
				struct row *w;

				if (res->skipped == 2)
					continue;

				snprintf(name, sizeof(name), "%s", impl_label[i]);
				w = add_row("alloc", name, impl_key[i],
				            (unsigned)g_sizes[s], g_modes[m].label,
				            g_modes[m].nw, n, "ns/alloc");
				snprintf(w->note, sizeof(w->note), "%s",
				         strncmp(res->note, "FAIL: ", 6) == 0
				                 ? res->note + 6 : res->note);
				if (!res->ok) {
					snprintf(w->status, sizeof(w->status), "%s",
					         res->skipped ? "SKIP" : "FAIL");
					continue;
				}
				snprintf(w->status, sizeof(w->status), "ok");
				w->preempted = res->preempted;
				w->note[0] = '\0';
				if (res->preempted > 0)
					snprintf(w->note, sizeof(w->note),
					         "%d/%d rounds preempted", res->preempted,
					         g_rounds);
				/* Page faults in timed rounds: what a warm-up
				 * round did not take out (see the scaling
				 * target). */
				if (res->faults >= 0.5) {
					size_t k = strlen(w->note);

					snprintf(w->note + k, sizeof(w->note) - k,
					         "%s%.0f page faults/worker/round",
					         k ? "; " : "", res->faults);
				}
				w->med = res->med_ns;
				w->min = res->min_ns;
				w->mops_med = g_modes[m].nw * 1e3 / res->med_ns;
				w->mops_max = g_modes[m].nw * 1e3 / res->min_ns;
				if (fb->ok)
					w->x_bump = res->med_ns / fb->med_ns;
				if (fc->ok)
					w->x_cas = res->med_ns / fc->med_ns;
			}
		}
	}
}

static void write_dat(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	/* One block per size and kind (threads, processes): workers, then
	 * M allocations/s of each implementation (NaN when not measured). */
	for (size_t s = 0; s < NSIZES; s++) {
		for (int kind = 0; kind < 2; kind++) {
			fprintf(f, "# size %zu %s\nworkers", g_sizes[s],
			        kind ? "processes" : "threads");
			for (int i = 0; i < I_MAIN; i++)
				fprintf(f, " \"%s\"", impl_label[i]);
			fprintf(f, "\n");
			for (int m = 0; m < NMODES; m++) {
				if (g_modes[m].procs != kind)
					continue;
				fprintf(f, "%d", g_modes[m].nw);
				for (int i = 0; i < I_MAIN; i++) {
					const struct result *res = &g_res[s][m][i];

					if (res->ok)
						fprintf(f, " %.3f",
						        g_modes[m].nw * 1e3 / res->med_ns);
					else
						fprintf(f, " NaN");
				}
				fprintf(f, "\n");
			}
			fprintf(f, "\n\n");
		}
	}
	fclose(f);
}

/* latency rows: VALS[1..total) are the timed rounds. */
static struct row *lat_row(const char *name, double *vals, int total,
                           const char *unit, size_t n)
{
	struct row *w = add_row("latency", name, "libarena", 0, "1thr", 1, n,
	                        unit);

	med_min(vals + 1, total - 1, &w->med, &w->min);
	snprintf(w->status, sizeof(w->status), "ok");
	return w;
}

static double g_reset_1m = NAN, g_reset_1g = NAN;
static double g_attach64 = NAN, g_attach64_floor = NAN;

static void bench_latency(void)
{
	int total = 1 + g_rounds;
	double v[MAXR], vf[MAXR];
	struct statvfs sv;
	unsigned big_flags = 0;
	char note[128] = "";
	arena_t *a;
	const char *name;
	struct arena_stat st;

	pin_cpu(0);
	/* arena_create, per MiB of capacity. */
	for (int mi = 0; mi < 2; mi++) {
		size_t mib = mi ? 256 : 64;
		char label[64];

		for (int k = 0; k < total; k++) {
			uint64_t t0, t1;

			name = new_name();
			t0 = now_ns();
			a = arena_create(name, mib * MIB, NULL);
			t1 = now_ns();
			if (a == NULL)
				die("arena_create %zu MiB: %s", mib, strerror(errno));
			arena_detach(a);
			drop_name(name);
			v[k] = (double)(t1 - t0) / (double)mib;
		}
		snprintf(label, sizeof(label), "arena_create %zu MiB (reserved)", mib);
		lat_row(label, v, total, "ns/MiB", 1);
	}

	/* attach + detach. */
	name = new_name();
	a = arena_create(name, MIB, NULL);
	if (a == NULL)
		die("arena_create: %s", strerror(errno));
	for (int k = 0; k < total; k++) {
		const int K = 200;
		uint64_t t0 = now_ns();

		for (int j = 0; j < K; j++) {
			arena_t *h = arena_attach(name, 0);

			if (h == NULL)
				die("arena_attach: %s", strerror(errno));
			arena_detach(h);
		}
		v[k] = (double)(now_ns() - t0) / K;
	}
	lat_row("arena_attach + arena_detach", v, total, "ns/op", 200);
	arena_detach(a);
	drop_name(name);

	/* attach + detach of a 64 MiB arena (issue 11, item 5), and its
	 * floor: what any attach must do, open the object, map it, touch
	 * its first page, unmap it and close it. */
	name = new_name();
	a = arena_create(name, 64 * MIB, NULL);
	if (a == NULL)
		die("arena_create: %s", strerror(errno));
	for (int k = 0; k < total; k++) {
		const int K = 200;
		uint64_t t0 = now_ns();

		for (int j = 0; j < K; j++) {
			arena_t *h = arena_attach(name, 0);

			if (h == NULL)
				die("arena_attach: %s", strerror(errno));
			arena_detach(h);
		}
		v[k] = (double)(now_ns() - t0) / K;
		t0 = now_ns();
		for (int j = 0; j < K; j++) {
			int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
			void *p;

			if (fd < 0)
				die("shm_open: %s", strerror(errno));
			p = mmap(NULL, 64 * MIB + 12288, PROT_READ | PROT_WRITE,
			         MAP_SHARED, fd, 0);
			if (p == MAP_FAILED)
				die("mmap: %s", strerror(errno));
			(void)*(volatile uint64_t *)p;
			munmap(p, 64 * MIB + 12288);
			close(fd);
		}
		vf[k] = (double)(now_ns() - t0) / K;
	}
	{
		struct row *wa, *wf;

		wf = lat_row("64 MiB: open + mmap + first touch + munmap + close "
		             "(floor)", vf, total, "ns/op", 200);
		wa = lat_row("64 MiB: arena_attach + arena_detach", v, total,
		             "ns/op", 200);
		g_attach64 = wa->med;
		g_attach64_floor = wf->med;
	}
	arena_detach(a);
	drop_name(name);

	/* reset of a 1 MiB and a 1 GiB arena, each full before the reset. */
	if (statvfs("/dev/shm", &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < 3 * GIB) {
		big_flags = ARENA_CREATE_SPARSE;
		snprintf(note, sizeof(note),
		         "ARENA_CREATE_SPARSE: /dev/shm has under 3 GiB free");
	}
	for (int big = 0; big < 2; big++) {
		struct arena_options o = { .flags = big ? big_flags : 0 };
		size_t cap = big ? GIB : MIB;
		const int K = 1000;
		struct row *w;

		name = new_name();
		a = arena_create(name, cap, &o);
		if (a == NULL)
			die("arena_create %zu: %s", cap, strerror(errno));
		for (int k = 0; k < total; k++) {
			uint64_t sum = 0;

			for (int j = 0; j < K; j++) {
				uint64_t t0;

				if (arena_alloc(a, cap - 4096, ALIGN) == ARENA_NULL)
					die("arena_alloc: %s", strerror(errno));
				t0 = now_ns();
				if (arena_reset(a, 0) < 0)
					die("arena_reset: %s", strerror(errno));
				sum += now_ns() - t0;
			}
			v[k] = (double)sum / K;
		}
		if (arena_stat(a, &st) < 0 || st.used != 0)
			die("arena_reset left %" PRIu64 " bytes used", st.used);
		w = lat_row(big ? "arena_reset, 1 GiB arena (full)"
		                : "arena_reset, 1 MiB arena (full)",
		            v, total, "ns/op", K);
		if (big) {
			snprintf(w->note, sizeof(w->note), "%s", note);
			g_reset_1g = w->med;
		} else {
			g_reset_1m = w->med;
		}
		arena_detach(a);
		drop_name(name);
	}

	/* reset with ARENA_RESET_TRIM after touching pages. */
	for (int t = 0; t < 3; t++) {
		int big = t > 0;
		struct arena_options o = { .flags = big ? big_flags : 0 };
		size_t cap = big ? GIB : MIB, touch = t == 2 ? 16 * MIB : MIB;
		const int K = 20;
		char label[96];
		struct row *w;

		name = new_name();
		a = arena_create(name, cap, &o);
		if (a == NULL)
			die("arena_create %zu: %s", cap, strerror(errno));
		for (int k = 0; k < total; k++) {
			uint64_t sum = 0;

			for (int j = 0; j < K; j++) {
				arena_ref_t r = arena_alloc(a, touch, 4096);
				uint64_t t0;

				if (r == ARENA_NULL)
					die("arena_alloc: %s", strerror(errno));
				memset(arena_ptr(a, r), 0xa5, touch);
				t0 = now_ns();
				if (arena_reset(a, ARENA_RESET_TRIM) < 0)
					die("arena_reset TRIM: %s", strerror(errno));
				sum += now_ns() - t0;
			}
			v[k] = (double)sum / K;
		}
		snprintf(label, sizeof(label),
		         "arena_reset TRIM, %s arena, %zu MiB touched",
		         big ? "1 GiB" : "1 MiB", (size_t)(touch / MIB));
		w = lat_row(label, v, total, "ns/op", K);
		if (big)
			snprintf(w->note, sizeof(w->note), "%s", note);
		arena_detach(a);
		drop_name(name);
	}
}

/* Turning references into addresses: arena_ptr() (which gives NULL for
 * ARENA_NULL) against the bare add it replaces; one byte read per object. */
static NOINLINE uint64_t loop_ptr(const arena_t *a, const arena_ref_t *refs,
                                  size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += *(const unsigned char *)arena_ptr(a, refs[i]);
	return s;
}

static NOINLINE uint64_t loop_addr(const unsigned char *base,
                                   const arena_ref_t *refs, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += base[refs[i] & ARENA_OFFSET_MASK];
	return s;
}

static double g_ptr_ratio = NAN;

static void bench_deref(void)
{
	enum { N = 4096, REP = 512 };
	int total = 1 + g_rounds;
	double vp[MAXR], va[MAXR];
	static arena_ref_t refs[N];
	const char *name = new_name();
	arena_t *a = arena_create(name, MIB, NULL);
	const unsigned char *base;
	uint64_t sp = 0, sa = 0;
	struct row *rp, *ra;

	if (a == NULL)
		die("arena_create: %s", strerror(errno));
	pin_cpu(0);
	for (int i = 0; i < N; i++) {
		refs[i] = arena_alloc(a, 16, 8);
		if (refs[i] == ARENA_NULL)
			die("arena_alloc: %s", strerror(errno));
		*(unsigned char *)arena_ptr(a, refs[i]) = (unsigned char)i;
	}
	base = (const unsigned char *)arena_ptr(a, 1) - 1;
	for (int k = 0; k < total; k++) {
		uint64_t t0 = now_ns();

		/* The barrier keeps the compiler from folding the calls of a
		 * pure loop with the same arguments into one. */
		for (int j = 0; j < REP; j++) {
			sp += loop_ptr(a, refs, N);
			cmm_barrier();
		}
		vp[k] = (double)(now_ns() - t0) / ((double)N * REP);
		t0 = now_ns();
		for (int j = 0; j < REP; j++) {
			sa += loop_addr(base, refs, N);
			cmm_barrier();
		}
		va[k] = (double)(now_ns() - t0) / ((double)N * REP);
	}
	if (sp != sa)
		die("arena_ptr and base + offset read different bytes");
	ra = lat_row("base + offset, 1-byte read (floor)", va, total, "ns/op",
	             N * REP);
	rp = lat_row("arena_ptr, 1-byte read", vp, total, "ns/op", N * REP);
	g_ptr_ratio = rp->med / ra->med;
	arena_detach(a);
	drop_name(name);
}

/* ------------------------------------------------------------ prefault */

/*
 * What prefaulting buys (issue 11, item 4): a fresh attach of a 64 MiB
 * arena, then one 8-byte write per 4 KiB page, as a producer's first pass
 * over cold memory makes; without ARENA_PREFAULT the writes take the page
 * faults, with it the attach does (its cost is shown apart).  The arena is
 * created anew for each round, so every round starts with unmapped pages.
 */
static void bench_prefault(void)
{
	const size_t cap = 64 * MIB;
	int total = 1 + g_rounds;
	double vt[2][MAXR], va[2][MAXR];

	pin_cpu(0);
	for (int k = 0; k < total; k++) {
		for (int pf = 0; pf < 2; pf++) {
			const char *name = new_name();
			arena_t *c = arena_create(name, cap, NULL), *h;
			unsigned char *base;
			size_t len;
			uint64_t t0;

			if (c == NULL)
				die("arena_create: %s", strerror(errno));
			t0 = now_ns();
			h = arena_attach(name, pf ? ARENA_PREFAULT : 0);
			va[pf][k] = (double)(now_ns() - t0);
			if (h == NULL || arena_mapping(h, (void **)&base, &len) < 0)
				die("arena_attach: %s", strerror(errno));
			t0 = now_ns();
			for (size_t off = len - cap; off < len; off += 4096)
				*(volatile uint64_t *)(void *)(base + off) = off;
			vt[pf][k] = (double)(now_ns() - t0);
			arena_detach(h);
			arena_detach(c);
			drop_name(name);
		}
	}
	lat_row("64 MiB: attach", va[0], total, "ns/op", 1);
	lat_row("64 MiB: attach with ARENA_PREFAULT", va[1], total, "ns/op", 1);
	lat_row("64 MiB: first write to each page, no prefault", vt[0], total,
	        "ns/op", 1);
	lat_row("64 MiB: first write to each page, prefaulted", vt[1], total,
	        "ns/op", 1);
}

/* ------------------------------------------------------------ sections */

/*
 * Read-side sections: the outermost enter+leave pair on one cache against
 * its floor (the same two plain stores and two loads on words of shared
 * memory, with compiler barriers: what a section costs at least); the
 * waiting reset with no section open (nothing claimed: no membarrier; an
 * entry claimed: one membarrier(2)); the time from a section's leave in
 * another process to the return of the reset that waited for it; and the
 * wake-up latency of arena_wait_generation() after a reset in another
 * process.
 */
static double g_sect_ns = NAN, g_sect_floor = NAN;

static NOINLINE void loop_sections(struct arena_local *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (arena_section_enter(l) < 0)
			die("arena_section_enter: %s", strerror(errno));
		cmm_barrier();
		(void)arena_section_leave(l);
	}
}

static NOINLINE void loop_section_floor(uint64_t *word, const uint64_t *gate,
                                        size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uatomic_set(word, (uatomic_read(gate - 1) & ~ARENA_OFFSET_MASK) | 1);
		cmm_barrier();
		if (uatomic_read(gate) != 0)
			die("floor gate");
		cmm_barrier();
		uatomic_set(word, 0);
		cmm_barrier();
		if (uatomic_read(gate) != 0)
			die("floor gate");
	}
}

/* What the timing processes share. */
struct sect_ctl {
	volatile int phase, round;
	volatile uint64_t t_mark;       /* leave, or end of reset, ns */
	volatile uint64_t t_seen;       /* reset returned, or waiter woke */
	volatile int err;
};

static int64_t ns_since(uint64_t t0, uint64_t t1)
{
	return (int64_t)(t1 - t0);
}

static void bench_sections(void)
{
	enum { N = 1000000, K = 200 };
	int total = 1 + g_rounds;
	double v[MAXR], vf[MAXR];
	const char *name = new_name();
	arena_t *a = arena_create(name, 64 * MIB, NULL);
	struct arena_local l;
	struct row *w, *wf;
	uint64_t *floor_words;
	struct sect_ctl *c;
	size_t n = g_quick ? N / 10 : N;
	int pfd[2];
	pid_t pid;

	if (a == NULL || arena_local_init(&l, a, 0) < 0)
		die("arena_create: %s", strerror(errno));
	pin_cpu(0);
	/* The floor's words: a line of their own in shared memory. */
	floor_words = map_shared(4096);
	for (int k = 0; k < total; k++) {
		uint64_t t0 = now_ns();

		loop_sections(&l, n);
		v[k] = (double)(now_ns() - t0) / (2.0 * n);
		t0 = now_ns();
		loop_section_floor(&floor_words[0], &floor_words[9], n);
		vf[k] = (double)(now_ns() - t0) / (2.0 * n);
	}
	wf = add_row("sections", "2 plain stores + 2 loads, shared (floor)",
	             "floor", 0, "1thr", 1, n, "ns/call");
	med_min(vf + 1, total - 1, &wf->med, &wf->min);
	snprintf(wf->status, sizeof(wf->status), "ok");
	w = add_row("sections", "arena_section_enter + _leave, per call",
	            "libarena", 0, "1thr", 1, n, "ns/call");
	med_min(v + 1, total - 1, &w->med, &w->min);
	snprintf(w->status, sizeof(w->status), "ok");
	g_sect_ns = w->med;
	g_sect_floor = wf->med;

	/* Waiting reset, no section open: first with no entry claimed
	 * (another arena, no cache ever entered), then with ours claimed. */
	for (int claimed = 0; claimed < 2; claimed++) {
		const char *nm2 = claimed ? NULL : new_name();
		arena_t *b = claimed ? a : arena_create(nm2, MIB, NULL);
		struct timespec zero = { 0, 0 };

		if (b == NULL)
			die("arena_create: %s", strerror(errno));
		for (int k = 0; k < total; k++) {
			uint64_t t0 = now_ns();

			for (int j = 0; j < K; j++)
				if (arena_reset_wait(b, 0, &zero) < 0)
					die("arena_reset_wait: %s", strerror(errno));
			v[k] = (double)(now_ns() - t0) / K;
		}
		w = lat_row(claimed ? "arena_reset_wait, no section open "
		                      "(entries claimed: membarrier)"
		                    : "arena_reset_wait, no section open "
		                      "(none claimed)", v, total, "ns/op", K);
		(void)w;
		if (!claimed) {
			arena_detach(b);
			drop_name(nm2);
		}
	}

	/* A section in another process ends: how long until the reset that
	 * waited for it returns.  Then: a reset, and how long until a
	 * generation waiter in another process runs. */
	c = map_shared(sizeof(*c));
	if (pipe(pfd) < 0)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		arena_t *h = arena_attach(name, 0);
		struct arena_local hl;
		struct arena_stat st;

		pin_cpu(1);
		if (h == NULL || arena_local_init(&hl, h, 0) < 0)
			_exit(2);
		for (int r = 1; r <= total * K; r++) {
			/* Phase 1: hold a section until the resetter waits. */
			while (c->round != r)
				caa_cpu_relax();
			if (arena_section_enter(&hl) < 0)
				_exit(3);
			c->phase = 1;
			while (c->phase != 2)
				caa_cpu_relax();
			/* Give the resetter time to go to sleep. */
			for (uint64_t t = now_ns(); now_ns() - t < 200000;)
				caa_cpu_relax();
			c->t_mark = now_ns();
			(void)arena_section_leave(&hl);
			while (c->phase != 3)
				caa_cpu_relax();
			/* Phase 2: wait for the next generation. */
			if (arena_stat(h, &st) < 0)
				_exit(4);
			c->phase = 4;
			if (arena_wait_generation(h, st.generation, NULL) < 0)
				_exit(5);
			c->t_seen = now_ns();
			c->phase = 5;
			/* Phase 3: a blocking read on a pipe (the floor). */
			if (read(pfd[0], &(char){0}, 1) != 1)
				_exit(6);
			c->t_seen = now_ns();
			c->phase = 6;
		}
		arena_detach(h);
		_exit(0);
	}
	{
		double vr[MAXR], vw[MAXR], vp[MAXR];

		for (int k = 0; k < total; k++) {
			int64_t sr = 0, sw = 0, sp = 0;

			for (int j = 0; j < K; j++) {
				uint64_t t_end;

				c->phase = 0;
				c->round = k * K + j + 1;
				while (c->phase != 1)
					caa_cpu_relax();
				c->phase = 2;
				if (arena_reset_wait(a, 0, NULL) < 0)
					die("arena_reset_wait: %s", strerror(errno));
				t_end = now_ns();
				sr += ns_since(c->t_mark, t_end);
				c->phase = 3;
				while (c->phase != 4)
					caa_cpu_relax();
				/* Let the waiter go to sleep. */
				for (uint64_t t = now_ns(); now_ns() - t < 200000;)
					caa_cpu_relax();
				c->t_mark = now_ns();
				if (arena_reset(a, ARENA_RESET_FORCE) < 0)
					die("arena_reset: %s", strerror(errno));
				while (c->phase != 5)
					caa_cpu_relax();
				sw += ns_since(c->t_mark, c->t_seen);
				for (uint64_t t = now_ns(); now_ns() - t < 200000;)
					caa_cpu_relax();
				c->t_mark = now_ns();
				if (write(pfd[1], "x", 1) != 1)
					die("write: %s", strerror(errno));
				while (c->phase != 6)
					caa_cpu_relax();
				sp += ns_since(c->t_mark, c->t_seen);
			}
			vr[k] = (double)sr / K;
			vw[k] = (double)sw / K;
			vp[k] = (double)sp / K;
		}
		if (waitpid(pid, &(int){0}, 0) != pid)
			die("waitpid");
		w = add_row("sections", "arena_reset_wait: section's leave to "
		            "reset's return", "libarena", 0, "2proc", 2, K, "ns/op");
		med_min(vr + 1, total - 1, &w->med, &w->min);
		snprintf(w->status, sizeof(w->status), "ok");
		w = add_row("sections", "arena_wait_generation: reset to wake-up",
		            "libarena", 0, "2proc", 2, K, "ns/op");
		med_min(vw + 1, total - 1, &w->med, &w->min);
		snprintf(w->status, sizeof(w->status), "ok");
		w = add_row("sections", "pipe: write to the blocked reader's "
		            "wake-up (floor)", "floor", 0, "2proc", 2, K, "ns/op");
		med_min(vp + 1, total - 1, &w->med, &w->min);
		snprintf(w->status, sizeof(w->status), "ok");
	}
	close(pfd[0]);
	close(pfd[1]);
	munmap(c, sizeof(*c));
	munmap(floor_words, 4096);
	arena_detach(a);
	drop_name(name);
}

static NOINLINE void loop_arena1_24(arena_t *a, uint64_t *rec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec[i] = arena_alloc(a, 24, 1);
}

static NOINLINE void loop_local1_24(struct arena_local *l, uint64_t *rec,
                                    size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec[i] = arena_local_alloc(l, 24, 1);
}

static NOINLINE void loop_arena8_24(arena_t *a, uint64_t *rec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec[i] = arena_alloc(a, 24, 8);
}

static uint64_t g_space_used_align1 = UINT64_MAX;

static struct row *space_row(const char *name, const char *impl,
                             double bytes, const char *how)
{
	const double n = 1e6, sum = 24e6;
	struct row *w = add_row("space", name, impl, 24, "1thr", 1,
	                        (size_t)n, "bytes");

	w->med = w->min = bytes;
	w->rounds = 1;
	snprintf(w->status, sizeof(w->status), "ok");
	snprintf(w->note, sizeof(w->note),
	         "%.2fx the sum of sizes, %+.2f bytes/object; %s", bytes / sum,
	         (bytes - sum) / n, how);
	return w;
}

static void bench_space(void)
{
	const size_t n = 1000000, size = 24;
	struct arena_stat st;
	struct arena_local l;
	arena_t *a;
	const char *name;
	char out[512];

	pin_cpu(0);
	/* libarena: arena_stat's used, exact. */
	for (int v = 0; v < 3; v++) {
		struct bounds bd;
		const char *label = v == 0 ? "arena_alloc, alignment 1"
		                  : v == 1 ? "arena_alloc, alignment 8"
		                           : "arena_local_alloc, alignment 1 (flushed)";

		name = new_name();
		a = arena_create(name, 32 * MIB, NULL);
		if (a == NULL)
			die("arena_create: %s", strerror(errno));
		memset(g_ctl, 0, sizeof(*g_ctl));
		if (v == 0) {
			loop_arena1_24(a, g_rec[0], n);
		} else if (v == 1) {
			loop_arena8_24(a, g_rec[0], n);
		} else {
			if (arena_local_init(&l, a, 0) < 0)
				die("arena_local_init: %s", strerror(errno));
			loop_local1_24(&l, g_rec[0], n);
			arena_local_flush(&l);
		}
		arena_stat(a, &st);
		bd.lo = st.header_size;
		bd.hi = st.segment_size;
		bd.align = v == 1 ? 8 : 1;
		bd.gen = st.generation;
		if (check_own(g_rec[0], n, size, &bd, 0) < 0)
			die("space check: %s", g_ctl->msg);
		space_row(label, v == 2 ? "arena_local_alloc" : "arena_alloc",
		          (double)st.used, "arena_stat used");
		if (v == 0)
			g_space_used_align1 = st.used;
		arena_detach(a);
		drop_name(name);
	}
	/* malloc family: a fresh process each. */
	for (int i = I_GLIBC; i <= I_MI; i++) {
		const char *bin = peer_binary((enum impl)i);
		char *argv[] = { (char *)"bench", (char *)"--space-malloc",
		                 (char *)impl_key[i], NULL };
		long long rss, uord, ar;
		struct row *w;

		if (bin == NULL) {
			w = add_row("space", impl_label[i], impl_key[i], 24, "1thr",
			            1, n, "bytes");
			snprintf(w->status, sizeof(w->status), "SKIP");
			snprintf(w->note, sizeof(w->note), "%s not installed",
			         impl_label[i]);
			continue;
		}
		if (run_peer(bin, argv, out, sizeof(out)) != 0 ||
		    sscanf(out, "OK %lld %lld %lld", &rss, &uord, &ar) != 3) {
			w = add_row("space", impl_label[i], impl_key[i], 24, "1thr",
			            1, n, "bytes");
			snprintf(w->status, sizeof(w->status), "FAIL");
			snprintf(w->note, sizeof(w->note), "%.150s", out);
			continue;
		}
		if (i == I_GLIBC) {
			space_row("glibc malloc (mallinfo2 uordblks delta)",
			          impl_key[i], (double)uord, "in-use chunk bytes");
			space_row("glibc malloc (mallinfo2 arena delta)",
			          impl_key[i], (double)ar, "heap grown");
		}
		snprintf(out, sizeof(out), "%s (RSS delta)", impl_label[i]);
		space_row(out, impl_key[i], (double)rss,
		          "resident memory grown, objects written, fresh process");
	}
	/* Boost: get_free_memory before and after. */
#ifdef HAVE_BOOST
	{
		void *bb;
		uint64_t f0, f1;
		struct bounds bd = { 1, 0, 8, 0 };

		name = new_name();
		bb = bb_create(name, 128 * MIB);
		if (bb == NULL)
			die("Boost segment");
		bd.hi = bb_size(bb);
		f0 = bb_free_memory(bb);
		bb_alloc_loop(bb, g_rec[0], n, size);
		f1 = bb_free_memory(bb);
		memset(g_ctl, 0, sizeof(*g_ctl));
		if (check_own(g_rec[0], n, size, &bd, 0) < 0)
			die("Boost space check: %s", g_ctl->msg);
		space_row("Boost.Interprocess (get_free_memory delta)", "boost_ipc",
		          (double)(f0 - f1), "segment bytes taken");
		bb_close(bb);
		bb_remove(name);
		drop_name(name);
	}
#else
	{
		struct row *w = add_row("space", "Boost.Interprocess", "boost_ipc",
		                        24, "1thr", 1, n, "bytes");

		snprintf(w->status, sizeof(w->status), "SKIP");
		snprintf(w->note, sizeof(w->note),
		         "Boost.Interprocess not built (no libboost-dev)");
	}
#endif
}

/* ---------------------------------------------------------- the targets */

static int g_pass, g_miss, g_skip;

static void target(const char *name, double value, const char *unit,
                   int le, double limit, const char *note)
{
	struct row *w = add_row("target", name, "libarena", 0, "", 0, 0, unit);

	w->rounds = 0;
	w->med = value;
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

static double ns_of(size_t sidx, int mode, enum impl i)
{
	const struct result *r = &g_res[sidx][mode][i];

	return r->ok ? r->med_ns : NAN;
}

/*
 * ratio -- ns/alloc of A over ns/alloc of B for size index S in the
 * single-worker modes (1 thread; 1 process), into X1 and XP; returns the
 * one less favourable to libarena: the larger when libarena is A (a
 * slowdown), the smaller when it is B (a speedup).
 */
static double ratio(size_t s, enum impl a, enum impl b, double *x1,
                    double *xp)
{
	int lib_is_a = a == I_ARENA || a == I_LOCAL;

	*x1 = ns_of(s, 0, a) / ns_of(s, 0, b);
	*xp = ns_of(s, 2, a) / ns_of(s, 2, b);
	if (isnan(*x1))
		return *xp;
	if (isnan(*xp))
		return *x1;
	return lib_is_a ? fmax(*x1, *xp) : fmin(*x1, *xp);
}

/* local16 -- arena_local_alloc's 16-byte ns/alloc in MODE at the worst
 * (WORST) or best loop placement measured. */
static double local16(int mode, int worst)
{
	const enum impl v[] = { I_LOCAL, I_LOCAL_L0 };
	double r = NAN;

	for (int i = 0; i < 2; i++) {
		double x = ns_of(1, mode, v[i]);

		if (!isnan(x) && (isnan(r) || (worst ? x > r : x < r)))
			r = x;
	}
	return r;
}

static void speedup_target(const char *name, enum impl peer, double limit)
{
	double w1 = ns_of(1, 0, peer) / local16(0, 1);
	double wp = ns_of(1, 2, peer) / local16(2, 1);
	double b1 = ns_of(1, 0, peer) / local16(0, 0);
	double bp = ns_of(1, 2, peer) / local16(2, 0);
	double v = isnan(w1) ? wp : isnan(wp) ? w1 : fmin(w1, wp);
	char note[160];

	if (isnan(v))
		snprintf(note, sizeof(note), "%s not measured", impl_label[peer]);
	else
		snprintf(note, sizeof(note), "1 thread %.3gx, 1 process %.3gx at "
		         "arena_local_alloc's slower loop placement; %.3gx, %.3gx "
		         "at its faster", w1, wp, b1, bp);
	target(name, v, "x", 0, limit, note);
}

static void targets(void)
{
	const size_t s16 = 1;      /* index of 16 bytes in g_sizes */
	double worst = NAN, x1, xp, v;
	size_t worst_size = 0;
	char note[160];

	/* Single worker: the worse of 1 thread and 1 process counts. */
	for (size_t s = 0; s < NSIZES; s++) {
		double x = ratio(s, I_ARENA, I_CAS, &x1, &xp);

		if (!isnan(x) && (isnan(worst) || x > worst)) {
			worst = x;
			worst_size = g_sizes[s];
		}
	}
	v = ratio(s16, I_ARENA, I_CAS, &x1, &xp);
	snprintf(note, sizeof(note), "worst of 5 sizes and 1 thread/1 process, "
	         "at %zu B; 16 B: %.3fx (1 thread), %.3fx (1 process)",
	         worst_size, x1, xp);
	target("arena_alloc single worker / CAS floor", worst, "x", 1, 1.15,
	       note);
	/* The main loops, and both loops placed at line+0. */
	{
		double a1, ap, w;

		v = ratio(s16, I_LOCAL, I_BUMP, &x1, &xp);
		w = ratio(s16, I_LOCAL_L0, I_BUMP_L0, &a1, &ap);
		w = isnan(w) ? v : fmax(v, w);
		snprintf(note, sizeof(note), "worse of: main loops %.3f/%.3fx, "
		         "loops at line+0 %.3f/%.3fx (1 thread/1 process)", x1, xp,
		         a1, ap);
		target("arena_local_alloc 16 B single worker / plain bump", w, "x",
		       1, 1.5, note);
	}
	speedup_target("arena_local_alloc 16 B speedup vs mimalloc", I_MI, 2);
	speedup_target("arena_local_alloc 16 B speedup vs glibc malloc", I_GLIBC,
	               4);
	speedup_target("arena_local_alloc 16 B speedup vs Boost.Interprocess",
	               I_BOOST, 50);
	/* Aggregate throughput: 2 workers * 1/ns against 1 worker * 1/ns;
	 * the plain bump floor's own scaling in the same run tells whether
	 * the machine let two workers run at full speed at all. */
	snprintf(note, sizeof(note), "aggregate M/s, medians (best rounds "
	         "%.3gx); the plain bump floor scales %.3gx in this run",
	         2.0 * g_res[s16][2][I_LOCAL].min_ns / g_res[s16][3][I_LOCAL].min_ns,
	         2.0 * ns_of(s16, 2, I_BUMP) / ns_of(s16, 3, I_BUMP));
	target("arena_local_alloc 16 B: 2 procs / 1 proc throughput",
	       2.0 * ns_of(s16, 2, I_LOCAL) / ns_of(s16, 3, I_LOCAL), "x", 0,
	       1.8, note);
	snprintf(note, sizeof(note), "median of the outermost enter and "
	         "leave, each; floor (2 stores + 2 loads) %.2f ns/call",
	         g_sect_floor);
	target("arena_section_enter / _leave, each", g_sect_ns, "ns", 1, 2,
	       note);
	/*
	 * With each object written: two caches in two processes against two
	 * private bump pointers in two processes, each one's 2-process
	 * throughput over its own 1-process throughput, measured in the same
	 * run, so that what the machine does to two writers (memory bandwidth,
	 * other load) cancels out.  Throughput over all timed rounds together,
	 * not the median round: the loss is page faults, which fall in the
	 * first rounds.  A private pointer writes its own slice every round,
	 * so its pages are mapped after the warm-up round; after a reset the
	 * chunks of two caches interleave differently from round to round, so
	 * each process goes on writing pages it has not mapped yet, one fault
	 * each, until it has mapped the whole region.  Prefaulting each
	 * process's mapping takes them out.
	 */
	{
		const struct result *lw1 = &g_res[s16][2][I_LOCAL_WR];
		const struct result *lw2 = &g_res[s16][3][I_LOCAL_WR];
		const struct result *pf1 = &g_res[s16][2][I_LOCAL_WR_PF];
		const struct result *pf2 = &g_res[s16][3][I_LOCAL_WR_PF];
		const struct result *bw1 = &g_res[s16][2][I_BUMP_WR];
		const struct result *bw2 = &g_res[s16][3][I_BUMP_WR];
		double sb = bw1->ok && bw2->ok ? 2.0 * bw1->mean_ns / bw2->mean_ns
		                               : NAN;
		double sl = lw1->ok && lw2->ok ? 2.0 * lw1->mean_ns / lw2->mean_ns
		                               : NAN;
		double sp = pf1->ok && pf2->ok ? 2.0 * pf1->mean_ns / pf2->mean_ns
		                               : NAN;

		snprintf(note, sizeof(note), "2 procs / 1 proc, objects written, "
		         "all timed rounds: caches %.3gx, private bump %.3gx; "
		         "page faults/worker/round %.0f, bump %.0f", sl, sb,
		         lw2->ok ? lw2->faults : NAN, bw2->ok ? bw2->faults : NAN);
		target("arena_local 16 B written: 2-proc scaling / bump's",
		       sl / sb, "x", 0, 0.9, note);
		snprintf(note, sizeof(note), "the same with the region prefaulted "
		         "in each process: caches %.3gx, private bump %.3gx; page "
		         "faults/worker/round %.0f", sp, sb,
		         pf2->ok ? pf2->faults : NAN);
		target("the same, arena prefaulted in each process", sp / sb, "x",
		       0, 0.9, note);
	}
	target("arena_ptr / base + offset (ARENA_NULL gives NULL)", g_ptr_ratio,
	       "x", 1, 1.2, "medians, 4096 refs in cache, 1-byte reads");
	snprintf(note, sizeof(note), "medians; the floor (open, mmap, touch one "
	         "page, munmap, close) is %.1f us here, attach/floor %.2fx",
	         g_attach64_floor / 1000, g_attach64 / g_attach64_floor);
	target("arena_attach + arena_detach, 64 MiB", g_attach64 / 1000, "us", 1,
	       10, note);
	target("arena_reset 1 GiB / arena_reset 1 MiB", g_reset_1g / g_reset_1m,
	       "x", 1, 2, "medians");
	snprintf(note, sizeof(note), "arena_alloc, alignment 1: used %" PRIu64
	         " for 24000000 bytes", g_space_used_align1);
	target("per-object overhead at alignment 1",
	       g_space_used_align1 == UINT64_MAX ? NAN
	           : ((double)g_space_used_align1 - 24e6) / 1e6,
	       "bytes/obj", 1, 0, note);
}

/* ---------------------------------------------------------------- main */

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
	ssize_t k;
	int bad = 0;
	double load0;

	g_owner = getpid();
	atexit(cleanup_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGABRT, on_signal);
	signal(SIGFPE, on_signal);

	k = readlink("/proc/self/exe", g_selfdir, sizeof(g_selfdir) - 1);
	if (k <= 0)
		die("readlink /proc/self/exe");
	g_selfdir[k] = '\0';
	*strrchr(g_selfdir, '/') = '\0';
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				g_cpus[g_ncpus++] = c;
	if ((e = getenv("BENCH_ROUNDS")) != NULL)
		g_rounds = atoi(e);
	if (g_rounds < 1 || g_rounds + 1 > MAXR)
		die("BENCH_ROUNDS must be 1 to %d", MAXR - 1);
	g_quick = (e = getenv("BENCH_QUICK")) != NULL && atoi(e) != 0;

	g_ctl = map_shared(sizeof(*g_ctl));
	for (int w = 0; w < MAXW; w++) {
		g_rec[w] = map_shared(NMAX * sizeof(uint64_t));
		g_tmp[w] = map_shared(NMAX * sizeof(uint64_t));
	}

	if (argc == 8 && strcmp(argv[1], "--peer") == 0)
		return peer_main(argv + 2);
	if (argc == 3 && strcmp(argv[1], "--space-malloc") == 0)
		return space_main(argv[2]);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[++i];
		else if (strcmp(argv[i], "--dat") == 0 && i + 1 < argc)
			dat = argv[++i];
		else
			die("usage: bench [--csv FILE] [--dat FILE]");
	}
#ifdef HAVE_BOOST
	g_have_boost = 1;
#endif

	fprintf(stderr, "bench: %d CPUs (%s), 1 warm-up + %d timed rounds%s\n",
	        g_ncpus, g_ncpus >= MAXW ? "one worker per CPU"
	                                 : "fewer CPUs than workers",
	        g_rounds, g_quick ? ", BENCH_QUICK" : "");
	checker_selftest();
	load0 = loadavg();
	if (selected("BENCH_SECTIONS", "alloc"))
		bench_alloc();
	if (selected("BENCH_SECTIONS", "latency")) {
		bench_latency();
		bench_prefault();
	}
	if (selected("BENCH_SECTIONS", "deref"))
		bench_deref();
	if (selected("BENCH_SECTIONS", "space"))
		bench_space();
	if (selected("BENCH_SECTIONS", "sections"))
		bench_sections();
	targets();

	printf("libarena benchmark: %d CPUs, workers pinned one per CPU; "
	       "1 warm-up + %d timed rounds, median and min;\n"
	       "alloc: %zu objects per worker per round (%zu for 4096 B), "
	       "alignment %d; ns/alloc = round time / objects per worker,\n"
	       "M/s = aggregate million allocations per second (median); "
	       "x_bump, x_cas = ns/alloc / floor's ns/alloc, same size and mode.\n",
	       g_ncpus, g_rounds, objects_for(8), objects_for(4096), ALIGN);
	printf("load average (1 min) before the run %.2f, after %.2f%s\n",
	       load0, loadavg(), load0 >= 0.5 ? ": OTHER PROCESSES WERE RUNNING, "
	       "the figures are noisier than on an idle machine" : "");
	print_table();
	printf("\ntargets: %d PASS, %d MISS, %d SKIP (reported, not enforced)\n",
	       g_pass, g_miss, g_skip);
	for (int i = 0; i < g_nrows; i++)
		if (strcmp(g_rows[i].status, "FAIL") == 0)
			bad = 1;
	if (bad)
		printf("SOME RUNS FAILED THEIR CHECKS: their speeds are not reported\n");
	if (csv != NULL)
		write_csv(csv);
	if (dat != NULL)
		write_dat(dat);
	cleanup_all();
	return bad;
}
