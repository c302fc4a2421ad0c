/*
 * scale_probe.c - does one arena_local cache per process scale across two
 * processes as private bump pointers do?  (issue 9, item 1)  Not part of
 * make bench; build it by hand from the top of the tree:
 *
 *   make libarena.a
 *   cc -O2 -g -D_GNU_SOURCE -std=c11 -Iinclude -o /tmp/scale_probe \
 *      tests/bench/scale_probe.c libarena.a -lurcu-common -lpthread
 *   /tmp/scale_probe -m local -w 12 -x big -A 3
 *
 * One run: W worker processes (forked once, pinned one per CPU, attached
 * on their own), 1 warm-up round and R timed rounds (-r, default 21).  In
 * a round every worker makes N (-n, default 1000000) allocations of 16
 * bytes at alignment 8 and writes each object with one 8-byte store (-W 0:
 * no store, the references are only summed, as the bench's alloc rows
 * write no object).  A round's time runs from the earliest worker's start
 * to the latest worker's end, as in tests/bench/bench.c; the workers leave
 * a process-shared barrier and then a spin rendezvous together.  Between
 * rounds the parent, which takes no part in the timing, does what -x says
 * while the workers wait.
 *
 * -m local   arena_local_alloc() on one shared arena, one cache per worker
 *            (chunk -c: 0 adaptive, else bytes, k/m suffixes).
 *    alloc   arena_alloc() (the shared compare-and-swap), for comparison.
 *    bump    a private bump pointer per worker over one MAP_SHARED |
 *            MAP_ANONYMOUS region of the arena's capacity, mapped by the
 *            parent before the fork; worker w owns the w-th slice.
 *    stripe  private pointers over that region laid out as two caches'
 *            chunks are: chunk j (-c, a power of two, default 256 KiB)
 *            from the top belongs to worker j % W (-x force, trim) or, in
 *            round k, to worker (j + k) % W (-x swap).  -S SLOTS: chunk
 *            j belongs to worker j % SLOTS (so -w 1 -S 2 writes every
 *            other chunk, with nobody writing the rest).
 * -x force   between rounds arena_reset(ARENA_RESET_FORCE); bump: every
 *            worker starts again at the top of its own slice.
 *    trim    arena_reset(FORCE | TRIM), which drops the pages; bump:
 *            madvise(MADV_REMOVE) over the region, then as force.
 *    big     nothing: the arena (region) holds every round, so each round
 *            takes memory no process has touched (bump: slice w of round k).
 *    swap    bump, stripe: worker w takes slice (w + k) % W in round k, so a
 *            worker writes pages the other one wrote last round, as two
 *            caches do when their chunks interleave differently each round.
 * -p none    no prefaulting.
 *    populate  each worker, after attaching (and after every trim),
 *            madvise(MADV_POPULATE_WRITE) over its whole mapping of the
 *            region, outside the timed rounds.
 *    touch   populate, then one read of every page from user space (see
 *            populate() below for why).
 * -w 12      W = 1, then W = 2, -A times, alternating; prints the ratios.
 * -v         every round of every worker: time, CPU time, faults, switches.
 * -R         the workers run SCHED_FIFO (root), and with one worker a
 *            SCHED_FIFO process spins on the other CPU, touching no
 *            memory: on a machine that other work keeps busy, nothing else
 *            runs (or takes page faults) beside the workers.
 *
 * What it showed (issue 9; a 2-vCPU PVM guest, Linux 6.18, other work on
 * the machine; ratios are 2-process over 1-process throughput, medians):
 * - The independent harness's 0.9-1.2 is page faults, not the caches.
 *   Writing memory a process has not mapped costs a fault per 4 KiB page,
 *   about 12-15 us of CPU each here (the guest kernel's fault plus the
 *   hypervisor's shadow page-table fill), so a round of 1 M 16-byte
 *   objects takes 48-56 ns per allocation instead of 0.9: 3906 faults per
 *   worker per round.  Private pointers over fresh memory pay exactly the
 *   same (-m bump -x big: 1.83 under -R, 0.84 without; -m local -x big:
 *   1.82, 0.86): such rounds last 50-130 ms, and without -R other work on
 *   the 2 CPUs takes its share of them, as it cannot of a 1 ms round.  The
 *   harness's private pointers rewrote warm memory (-m bump -x force:
 *   1.95), its caches wrote cold memory.
 * - Two caches on one arena keep writing pages their process has not yet
 *   mapped even when the arena is reused (-x force): after a reset the
 *   chunks interleave differently, so each process must map the whole
 *   region, not its half; its faults per round about halve from round to
 *   round (1567, 1062, 316, 131, 62, ...), and a trimming reset starts
 *   over.  Prefaulting each process's mapping (-p touch) takes them all
 *   out: MADV_POPULATE_WRITE alone leaves the hypervisor's fill to the
 *   first user access (27 ns per allocation instead of 0.9 here), hence
 *   the read of each page.
 * - Warm, the allocation itself scales (-W 0: 1.95-1.98 against private
 *   pointers' 1.97), but writing objects into chunks that interleave costs
 *   two writers throughput the smaller the chunks: private pointers laid
 *   out as 256 KiB chunks (-m stripe) ran 35 % slower per worker than over
 *   contiguous halves, 8 % with 1 MiB chunks, 3 % with 4 MiB.  Caches with
 *   256 KiB chunks (the adaptive largest before lib/local.c's CHUNK_MAX
 *   became 1 MiB), prefaulted: 1.67 (reset every round), 1.77 (fresh
 *   memory); with 1 MiB chunks: 1.81, 1.88; private pointers 1.97.  The rest with resets is chunks changing owner between rounds
 *   (-m bump -x swap: 19 % slower than private slices).
 *
 * Output: one line per run: aggregate M allocations/s (median, min, max
 * over the timed rounds; "cpu-time": the sum over workers of N / the
 * worker's CPU time in the round, median, which leaves out time a worker
 * was preempted), ns per allocation per worker, minor faults per worker
 * per timed round (getrusage), rounds in which a worker was preempted.
 */
#include <arena.h>
#include <urcu/arch.h>
#include <urcu/uatomic.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define MAXW 2
#define MAXR 64

enum mode { M_LOCAL, M_ALLOC, M_BUMP, M_STRIPE };
enum between { X_FORCE, X_TRIM, X_BIG, X_SWAP };
enum pre { P_NONE, P_POPULATE, P_TOUCH };

struct cfg {
	enum mode mode;
	enum between x;
	enum pre p;
	int nw, rounds, write;
	size_t n, size, chunk;
};

struct wstat {
	uint64_t t0[MAXR], t1[MAXR];
	uint64_t cpu[MAXR];     /* CPU time of the round (CLOCK_THREAD_CPUTIME_ID) */
	long minflt[MAXR], nivcsw[MAXR];
} __attribute__((aligned(64)));

struct ctl {
	pthread_barrier_t bar;
	uint64_t arrive __attribute__((aligned(64)));
	int err;
	uint64_t sink[MAXW * 8];
	int stop_spin;
	struct wstat ws[MAXW];
};

static struct ctl *g;
static char g_name[64];
static unsigned char *g_region;   /* bump: the shared anonymous region */
static size_t g_cap;              /* capacity (bytes) */
static size_t g_slice;            /* bump: bytes of one slice */
static int g_verbose;             /* -v: every round of every worker */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	(void)sched_setaffinity(0, sizeof(s), &s);
}

static void die(const char *what)
{
	fprintf(stderr, "scale_probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

static enum pre g_pre;
static int g_rt;                  /* -R: workers run SCHED_FIFO */
static int g_slots;               /* -S: stripe slots (0: W) */

/* populate -- -p populate: MADV_POPULATE_WRITE over [p, p + len); -p touch:
 * that, then one read of every page from user space (under a hypervisor
 * that shadows page tables, the kernel's populating leaves the first user
 * access of each page to be filled by the host, at some microseconds a
 * page: the read pays that too, outside the timed rounds). */
static void populate(void *p, size_t len)
{
	if (madvise(p, len, MADV_POPULATE_WRITE) < 0)
		die("madvise(MADV_POPULATE_WRITE)");
	if (g_pre == P_TOUCH) {
		uint64_t s = 0;

		for (size_t o = 0; o < len; o += 4096)
			s += *(volatile unsigned char *)((unsigned char *)p + o);
		g->sink[MAXW * 8 - 1] += s;
	}
}

/* The timed loops: noinline, so that each is compiled once and alike. */
static __attribute__((noinline)) uint64_t
loop_local(struct arena_local *l, arena_t *a, size_t n, int wr)
{
	uint64_t s = 0;

	if (wr) {
		for (size_t i = 0; i < n; i++) {
			arena_ref_t r = arena_local_alloc(l, 16, 8);

			*(uint64_t *)arena_ptr(a, r) = i;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			s += arena_local_alloc(l, 16, 8);
	}
	return s;
}

static __attribute__((noinline)) uint64_t
loop_alloc(arena_t *a, size_t n, int wr)
{
	uint64_t s = 0;

	if (wr) {
		for (size_t i = 0; i < n; i++) {
			arena_ref_t r = arena_alloc(a, 16, 8);

			*(uint64_t *)arena_ptr(a, r) = i;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			s += arena_alloc(a, 16, 8);
	}
	return s;
}

struct bump {
	uint64_t cur, lo;
};

static __attribute__((noinline)) uint64_t
loop_bump(struct bump *b, unsigned char *base, size_t n, int wr)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t nt = (b->cur - 16) & ~(uint64_t)7;

		if (__builtin_expect(16 > b->cur - b->lo || nt < b->lo, 0))
			nt = 0;
		else
			b->cur = nt;
		if (wr)
			*(uint64_t *)(base + nt) = i;
		else
			s += nt;
	}
	return s;
}

/* The stripe mode: private pointers laid out as two caches' chunks are,
 * chunk j of the region (from the top) belonging to worker j % W, or with
 * -x swap to worker (j + k) % W in round k. */
struct stripe {
	uint64_t cur, lo, next_top, step, chunk;
};

static __attribute__((noinline)) uint64_t
loop_stripe(struct stripe *b, unsigned char *base, size_t n, int wr)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t nt = (b->cur - 16) & ~(uint64_t)7;

		if (__builtin_expect(16 > b->cur - b->lo || nt < b->lo, 0)) {
			if (b->next_top < b->chunk) {
				nt = 0;
				goto out;
			}
			b->cur = b->next_top;
			b->lo = b->next_top - b->chunk;
			b->next_top = b->lo >= b->step - b->chunk
			            ? b->next_top - b->step : 0;
			nt = (b->cur - 16) & ~(uint64_t)7;
		}
		b->cur = nt;
out:
		if (wr)
			*(uint64_t *)(base + nt) = i;
		else
			s += nt;
	}
	return s;
}

static void rendezvous(int nw, int k)
{
	uatomic_inc(&g->arrive);
	while (uatomic_read(&g->arrive) < (uint64_t)nw * (uint64_t)(k + 1))
		caa_cpu_relax();
}

static void worker(const struct cfg *c, int w)
{
	int total = 1 + c->rounds;
	arena_t *a = NULL;
	struct arena_local l;
	struct bump b = { 0, 0 };
	struct stripe st = { 0, 0, 0, 0, 0 };
	uint64_t s = 0;

	pin(w);
	if (g_rt) {
		struct sched_param sp = { .sched_priority = 10 };

		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			die("sched_setscheduler(SCHED_FIFO)");
	}
	if (c->mode != M_BUMP && c->mode != M_STRIPE) {
		a = arena_attach(g_name, 0);
		if (a == NULL)
			die("arena_attach");
		if (c->mode == M_LOCAL && arena_local_init(&l, a, c->chunk) < 0)
			die("arena_local_init");
		if (c->p != P_NONE) {
			struct arena_stat st;

			arena_stat(a, &st);
			populate((unsigned char *)arena_ptr(a, st.header_size) -
			         0, st.segment_size - st.header_size);
		}
	} else if (c->p != P_NONE) {
		populate(g_region, g_cap);
	}
	for (int k = 0; k < total; k++) {
		struct rusage r0, r1;
		uint64_t t0, t1, c0, c1;

		pthread_barrier_wait(&g->bar);     /* the parent is ready */
		if (c->mode == M_STRIPE) {
			uint64_t ch = c->chunk ? c->chunk : 256 * 1024;
			uint64_t nsl = g_slots ? (uint64_t)g_slots : (uint64_t)c->nw;
			uint64_t j = c->x == X_SWAP ? (uint64_t)(w + k) % nsl
			                            : (uint64_t)w;

			st.chunk = ch;
			st.step = ch * nsl;
			st.cur = st.lo = 0;
			st.next_top = (g_cap & ~(ch - 1)) - j * ch;
		}
		if (c->mode == M_BUMP) {
			size_t sl = (size_t)w;

			if (c->x == X_BIG)
				sl = (size_t)k * (size_t)c->nw + (size_t)w;
			else if (c->x == X_SWAP)
				sl = (size_t)(w + k) % (size_t)c->nw;
			b.lo = sl * g_slice;
			b.cur = b.lo + g_slice;
		}
		if (c->p != P_NONE && c->x == X_TRIM && k > 0) {
			if (c->mode == M_BUMP || c->mode == M_STRIPE) {
				populate(g_region, g_cap);
			} else {
				struct arena_stat st;

				arena_stat(a, &st);
				populate(arena_ptr(a, st.header_size),
				         st.segment_size - st.header_size);
			}
		}
		getrusage(RUSAGE_SELF, &r0);
		rendezvous(c->nw, k);
		c0 = cpu_ns();
		t0 = now_ns();
		if (c->mode == M_LOCAL)
			s += loop_local(&l, a, c->n, c->write);
		else if (c->mode == M_ALLOC)
			s += loop_alloc(a, c->n, c->write);
		else if (c->mode == M_STRIPE)
			s += loop_stripe(&st, g_region, c->n, c->write);
		else
			s += loop_bump(&b, g_region, c->n, c->write);
		t1 = now_ns();
		c1 = cpu_ns();
		getrusage(RUSAGE_SELF, &r1);
		g->ws[w].cpu[k] = c1 - c0;
		g->ws[w].t0[k] = t0;
		g->ws[w].t1[k] = t1;
		g->ws[w].minflt[k] = r1.ru_minflt - r0.ru_minflt;
		g->ws[w].nivcsw[k] = r1.ru_nivcsw - r0.ru_nivcsw;
		pthread_barrier_wait(&g->bar);     /* round done */
	}
	g->sink[w * 8] = s;
	if (a != NULL)
		arena_detach(a);
}

/* spinner -- -R with fewer workers than CPUs: hold CPU CPU at SCHED_FIFO,
 * touching no memory, until the run ends, so that other work on the
 * machine cannot run (or fault) beside the workers. */
static pid_t spinner(int cpu)
{
	pid_t p = fork();

	if (p < 0)
		die("fork");
	if (p == 0) {
		struct sched_param sp = { .sched_priority = 10 };

		pin(cpu);
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			die("sched_setscheduler(SCHED_FIFO)");
		while (!uatomic_read(&g->stop_spin))
			caa_cpu_relax();
		_exit(0);
	}
	return p;
}

static int cmp_dbl(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return p < q ? -1 : p > q;
}

static double median(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct res {
	double med, min, max;   /* aggregate M allocs/s */
	double cpu_med;         /* the same from each worker's CPU time:
	                           sum over workers of n / CPU time */
	double flt, csw;        /* per worker per timed round */
	int preempted;
};

static void run(const struct cfg *c, struct res *res)
{
	pthread_barrierattr_t ba;
	pid_t pid[MAXW], spin[MAXW] = { 0 };
	int total = 1 + c->rounds;
	arena_t *a = NULL;
	size_t per = c->n * c->size +
	             2 * (c->chunk > (1u << 20) ? c->chunk : (size_t)1 << 20);
	double v[MAXR], vc[MAXR];

	memset(g, 0, sizeof(*g));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&g->bar, &ba, (unsigned)c->nw + 1);
	g_cap = (size_t)c->nw * per + (1u << 20);
	if (c->x == X_BIG)
		g_cap *= (size_t)total;
	g_cap = (g_cap + 4095) & ~(size_t)4095;
	g_slice = g_cap / (size_t)(c->nw * (c->x == X_BIG ? total : 1));
	g_slice &= ~(size_t)4095;
	if (c->mode == M_BUMP || c->mode == M_STRIPE) {
		g_region = mmap(NULL, g_cap, PROT_READ | PROT_WRITE,
		                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (g_region == MAP_FAILED)
			die("mmap");
	} else {
		snprintf(g_name, sizeof(g_name), "/scale-probe-%d", (int)getpid());
		a = arena_create(g_name, g_cap, NULL);
		if (a == NULL)
			die("arena_create");
	}
	fflush(NULL);
	if (g_rt)
		for (int cpu = c->nw; cpu < MAXW; cpu++)
			spin[cpu] = spinner(cpu);
	for (int w = 0; w < c->nw; w++) {
		pid[w] = fork();
		if (pid[w] < 0)
			die("fork");
		if (pid[w] == 0) {
			alarm(300);
			worker(c, w);
			_exit(0);
		}
	}
	for (int k = 0; k < total; k++) {
		pthread_barrier_wait(&g->bar);   /* start round k */
		pthread_barrier_wait(&g->bar);   /* round k done */
		if (c->x == X_FORCE && a != NULL) {
			if (arena_reset(a, ARENA_RESET_FORCE) < 0)
				die("arena_reset");
		} else if (c->x == X_TRIM) {
			if (a != NULL) {
				if (arena_reset(a, ARENA_RESET_FORCE |
				                   ARENA_RESET_TRIM) < 0)
					die("arena_reset");
			} else if (madvise(g_region, g_cap, MADV_REMOVE) < 0) {
				die("madvise(MADV_REMOVE)");
			}
		}
	}
	for (int w = 0; w < c->nw; w++) {
		int st;

		if (waitpid(pid[w], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "scale_probe: worker %d failed\n", w);
			exit(2);
		}
	}
	uatomic_set(&g->stop_spin, 1);
	for (int cpu = 0; cpu < MAXW; cpu++)
		if (spin[cpu] > 0)
			waitpid(spin[cpu], NULL, 0);
	if (a != NULL) {
		arena_detach(a);
		shm_unlink(g_name);
	} else {
		munmap(g_region, g_cap);
	}
	pthread_barrier_destroy(&g->bar);

	res->flt = res->csw = 0;
	res->preempted = 0;
	for (int k = 0; k < total; k++) {
		uint64_t s = UINT64_MAX, e = 0;
		double cpu = 0;
		int hit = 0;

		for (int w = 0; w < c->nw; w++) {
			s = g->ws[w].t0[k] < s ? g->ws[w].t0[k] : s;
			e = g->ws[w].t1[k] > e ? g->ws[w].t1[k] : e;
		}
		for (int w = 0; w < c->nw; w++) {
			if (g_verbose)
				printf("    round %2d%s worker %d: %8.3f ms (starts "
				       "%+7.3f ms), cpu %8.3f ms, minflt %5ld, "
				       "nivcsw %ld\n", k, k ? "" : " (warm-up)", w,
				       (double)(g->ws[w].t1[k] - g->ws[w].t0[k]) / 1e6,
				       (double)(g->ws[w].t0[k] - s) / 1e6,
				       (double)g->ws[w].cpu[k] / 1e6,
				       g->ws[w].minflt[k], g->ws[w].nivcsw[k]);
			if (k == 0)
				continue;
			res->flt += (double)g->ws[w].minflt[k];
			res->csw += (double)g->ws[w].nivcsw[k];
			hit |= g->ws[w].nivcsw[k] > 0;
			cpu += (double)c->n * 1e3 / (double)g->ws[w].cpu[k];
		}
		if (k == 0)
			continue;
		res->preempted += hit;
		v[k - 1] = (double)c->nw * (double)c->n * 1e3 / (double)(e - s);
		vc[k - 1] = cpu;
	}
	res->flt /= (double)(c->rounds * c->nw);
	res->csw /= (double)(c->rounds * c->nw);
	qsort(v, (size_t)c->rounds, sizeof(v[0]), cmp_dbl);
	qsort(vc, (size_t)c->rounds, sizeof(vc[0]), cmp_dbl);
	res->min = v[0];
	res->max = v[c->rounds - 1];
	res->med = median(v, c->rounds);
	res->cpu_med = median(vc, c->rounds);
}

static const char *const mname[] = { "local", "alloc", "bump", "stripe" };
static const char *const xname[] = { "force", "trim", "big", "swap" };
static const char *const pname[] = { "none", "populate", "touch" };

static void print(const struct cfg *c, const struct res *r)
{
	printf("%-5s W=%d chunk=%-7zu x=%-5s p=%-8s write=%d  M/s med %7.1f "
	       "min %7.1f max %7.1f (cpu-time %7.1f)  ns/alloc/worker %.3f  "
	       "minflt/worker/round %5.0f  preempted %d/%d\n",
	       mname[c->mode], c->nw, c->chunk, xname[c->x], pname[c->p],
	       c->write, r->med, r->min, r->max, r->cpu_med,
	       c->nw * 1e3 / r->med, r->flt, r->preempted, c->rounds);
	fflush(stdout);
}

static size_t parse_size(const char *s)
{
	char *e;
	size_t v = strtoull(s, &e, 10);

	if (*e == 'k' || *e == 'K')
		v <<= 10;
	else if (*e == 'm' || *e == 'M')
		v <<= 20;
	return v;
}

static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	fprintf(stderr, "scale_probe: unknown value %s\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	struct cfg c = { M_LOCAL, X_FORCE, P_NONE, 2, 21, 1, 1000000, 16, 0 };
	int opt, both = 0, reps = 1;

	while ((opt = getopt(argc, argv, "m:w:n:r:c:x:p:W:A:vRS:")) != -1) {
		switch (opt) {
		case 'm': c.mode = (enum mode)pick(optarg, mname, 4); break;
		case 'w': both = strcmp(optarg, "12") == 0;
		          c.nw = both ? 2 : atoi(optarg); break;
		case 'n': c.n = parse_size(optarg); break;
		case 'r': c.rounds = atoi(optarg); break;
		case 'c': c.chunk = parse_size(optarg); break;
		case 'x': c.x = (enum between)pick(optarg, xname, 4); break;
		case 'p': c.p = g_pre = (enum pre)pick(optarg, pname, 3); break;
		case 'W': c.write = atoi(optarg); break;
		case 'A': reps = atoi(optarg); break;
		case 'v': g_verbose = 1; break;
		case 'R': g_rt = 1; break;
		case 'S': g_slots = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: see the top of scale_probe.c\n");
			return 2;
		}
	}
	if (c.nw < 1 || c.nw > MAXW || c.rounds < 1 || c.rounds + 1 > MAXR ||
	    (c.x == X_SWAP && c.mode != M_BUMP && c.mode != M_STRIPE) ||
	    (c.mode == M_STRIPE && (c.x == X_BIG ||
	                            (c.chunk & (c.chunk - 1)) != 0)))
		return fprintf(stderr, "scale_probe: bad arguments\n"), 2;
	g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE,
	         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		die("mmap");
	if (!both) {
		struct res r;

		for (int i = 0; i < reps; i++) {
			run(&c, &r);
			print(&c, &r);
		}
		return 0;
	}
	for (int i = 0; i < reps; i++) {
		struct res r1, r2;

		c.nw = 1;
		run(&c, &r1);
		print(&c, &r1);
		c.nw = 2;
		run(&c, &r2);
		print(&c, &r2);
		printf("  ratio 2/1: medians %.2f, best rounds %.2f, cpu-time "
		       "medians %.2f\n", r2.med / r1.med, r2.max / r1.max,
		       r2.cpu_med / r1.cpu_med);
	}
	return 0;
}
