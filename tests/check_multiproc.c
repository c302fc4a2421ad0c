/*
 * check_multiproc.c - guarantees under concurrency, with forked workers that
 * attach by name: no overlap and alignment across processes and threads,
 * an allocator killed mid-way leaves the arena consistent, resets racing
 * allocations are linearizable, and trims never zero memory that a current
 * allocation owns.
 *
 * Workers record what they got in a MAP_SHARED anonymous area made before
 * the fork; the test process checks everything afterwards.
 */
#include <pthread.h>
#include <sched.h>

#include "testutil.h"

struct rec {
	uint64_t ref;       /* written last (release); 0: no record */
	uint32_t size;
	uint32_t align;
};

static void *shared_area(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap %zu: %s", n, strerror(errno));
	return p;
}

static void put_rec(struct rec *r, arena_ref_t ref, size_t size,
                    size_t align)
{
	r->size = (uint32_t)size;
	r->align = (uint32_t)align;
	__atomic_store_n(&r->ref, ref, __ATOMIC_RELEASE);
}

static int by_offset(const void *x, const void *y)
{
	uint64_t a = ARENA_REF_OFFSET(((const struct rec *)x)->ref);
	uint64_t b = ARENA_REF_OFFSET(((const struct rec *)y)->ref);
	return a < b ? -1 : a > b;
}

/*
 * check_placement -- the N records (all of one generation) do not overlap,
 * lie in [header_size, segment_size), are aligned; with CONTENT, each
 * holds its pattern.  Sorts RECS by offset.  Returns the lowest offset.
 */
static uint64_t check_placement(const arena_t *a, struct rec *recs, size_t n,
                                int content)
{
	struct arena_stat st = tu_stat(a);
	uint64_t lowest = st.segment_size;

	for (size_t i = 0; i < n; i++) {
		uint64_t off = ARENA_REF_OFFSET(recs[i].ref);
		ck_assert_msg(off >= st.header_size &&
		              off + recs[i].size <= st.segment_size,
		              "object [%llu, +%u) outside the region [%llu, "
		              "%llu)", (unsigned long long)off, recs[i].size,
		              (unsigned long long)st.header_size,
		              (unsigned long long)st.segment_size);
		ck_assert_msg(off % recs[i].align == 0 &&
		              (uintptr_t)arena_ptr(a, recs[i].ref) %
		              recs[i].align == 0, "offset %llu not aligned to "
		              "%u", (unsigned long long)off, recs[i].align);
		if (content) {
			size_t bad = tu_check_fill(arena_ptr(a, recs[i].ref),
			                           recs[i].size, recs[i].ref);
			ck_assert_msg(bad == recs[i].size, "object %#llx (%u "
			              "bytes): byte %zu clobbered",
			              (unsigned long long)recs[i].ref,
			              recs[i].size, bad);
		}
		if (off < lowest)
			lowest = off;
	}
	qsort(recs, n, sizeof *recs, by_offset);
	for (size_t i = 1; i < n; i++) {
		uint64_t p = ARENA_REF_OFFSET(recs[i - 1].ref);
		uint64_t q = ARENA_REF_OFFSET(recs[i].ref);
		ck_assert_msg(p + recs[i - 1].size <= q, "objects [%llu, +%u) "
		              "and [%llu, +%u) overlap", (unsigned long long)p,
		              recs[i - 1].size, (unsigned long long)q,
		              recs[i].size);
	}
	return lowest;
}

/* ---- many processes x threads ---------------------------------------- */

#define PROCS   3
#define THREADS 2
#define PER_THREAD 6000

struct many {
	const char *name;
	struct tu_gate *g;
	struct rec *recs;       /* PROCS * THREADS * PER_THREAD */
	int proc;
};

struct thr {
	arena_t *a;
	struct rec *recs;
	uint64_t seed;
	int err;
};

static void *alloc_thread(void *arg)
{
	struct thr *t = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		size_t size = 1 + tu_rand(&t->seed) % 512;
		size_t align = (size_t)1 << (tu_rand(&t->seed) % 13);
		arena_ref_t r = arena_alloc(t->a, size, align);
		if (r == ARENA_NULL) {
			t->err = errno;
			return NULL;
		}
		tu_fill(arena_ptr(t->a, r), size, r);
		put_rec(&t->recs[i], r, size, align);
	}
	return NULL;
}

static int many_worker(void *arg)
{
	struct many *m = arg;
	pthread_t tid[THREADS];
	struct thr t[THREADS];
	arena_t *a = arena_attach(m->name, 0);

	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(m->g, 'r');
	tu_gate_hold(m->g);
	for (int i = 0; i < THREADS; i++) {
		t[i].a = a;
		t[i].recs = m->recs + (size_t)(m->proc * THREADS + i) *
		            PER_THREAD;
		t[i].seed = 0x9e3779b9u * (uint64_t)(m->proc * THREADS + i + 1);
		t[i].err = 0;
		if (pthread_create(&tid[i], NULL, alloc_thread, &t[i]) != 0)
			return tu_fail(2, "pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		if (t[i].err != 0)
			return tu_fail(3, "alloc: %s", strerror(t[i].err));
	}
	/* our own objects, checked here too, before detaching */
	for (size_t i = 0; i < (size_t)THREADS * PER_THREAD; i++) {
		struct rec *r = &m->recs[(size_t)m->proc * THREADS * PER_THREAD
		                         + i];
		if (tu_check_fill(arena_ptr(a, r->ref), r->size, r->ref) !=
		    r->size)
			return tu_fail(4, "object %#llx clobbered",
			               (unsigned long long)r->ref);
	}
	arena_detach(a);
	return 0;
}

/* PROCS processes x THREADS threads allocate at once: no overlap, inside
 * the region, aligned, contents intact, used accounted exactly. */
START_TEST(many_allocators)
{
	const size_t total = (size_t)PROCS * THREADS * PER_THREAD;
	arena_t *a = tu_create(tu_seg, 48u << 20, NULL);
	struct rec *recs = shared_area(total * sizeof *recs);
	struct many m[PROCS];
	pid_t pid[PROCS];
	struct tu_gate g;
	struct arena_stat st = tu_stat(a);
	const uint64_t g0 = st.generation;
	uint64_t sum = 0, slack = 0, lowest;

	tu_gate_init(&g);
	for (int p = 0; p < PROCS; p++) {
		m[p].name = tu_seg;
		m[p].g = &g;
		m[p].recs = recs;
		m[p].proc = p;
		pid[p] = tu_fork(many_worker, &m[p]);
	}
	for (int p = 0; p < PROCS; p++)
		tu_gate_wait(&g);
	tu_gate_release(&g);
	for (int p = 0; p < PROCS; p++)
		tu_wait_ok(pid[p]);

	st = tu_stat(a);
	ck_assert_uint_eq(st.attached, 1);
	ck_assert_uint_eq(st.failed_allocs, 0);
	for (size_t i = 0; i < total; i++) {
		ck_assert_msg(recs[i].ref != ARENA_NULL, "record %zu missing", i);
		ck_assert_uint_eq(ARENA_REF_GENERATION(recs[i].ref), g0);
		sum += recs[i].size;
		slack += recs[i].align - 1;
	}
	lowest = check_placement(a, recs, total, 1);
	ck_assert_uint_eq(st.used, st.segment_size - lowest);
	ck_assert_msg(st.used >= sum && st.used <= sum + slack,
	              "used %llu, objects %llu, padding at most %llu",
	              (unsigned long long)st.used, (unsigned long long)sum,
	              (unsigned long long)slack);
	ck_assert_uint_eq(st.available, st.capacity - st.used);
	munmap(recs, total * sizeof *recs);
	arena_detach(a);
}
END_TEST

/* ---- an allocator killed mid-way --------------------------------------- */

#define KILL_RECS 400000

struct killed {
	const char *name;
	struct tu_gate *g;
	struct rec *recs;
	unsigned n;             /* records to make, then stop */
};

static int endless_worker(void *arg)
{
	struct killed *k = arg;
	arena_t *a = arena_attach(k->name, 0);
	uint64_t seed = (uint64_t)getpid() * 0x2545f491u;
	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(k->g, 'r');
	for (unsigned i = 0; i < k->n; i++) {
		size_t size = 1 + tu_rand(&seed) % 64;
		size_t align = (size_t)1 << (tu_rand(&seed) % 7);
		arena_ref_t r = arena_alloc(a, size, align);
		if (r == ARENA_NULL)
			return tu_fail(2, "alloc: %s", strerror(errno));
		tu_fill(arena_ptr(a, r), size, r);
		put_rec(&k->recs[i], r, size, align);
	}
	if (k->n == KILL_RECS)
		pause();        /* the victim waits to be killed */
	arena_detach(a);
	return 0;
}

/* A process killed with SIGKILL while allocating in a loop holds no lock:
 * the survivor finishes, nothing overlaps, and the dead entry is reaped
 * (reset succeeds without force). */
START_TEST(killed_allocator)
{
	arena_t *a = tu_create(tu_seg, 64u << 20, NULL);
	struct rec *recs = shared_area(2 * KILL_RECS * sizeof *recs);
	struct killed k[2];
	struct tu_gate g;
	pid_t pid[2];
	size_t n = 0;
	int status;

	tu_gate_init(&g);
	for (int i = 0; i < 2; i++) {
		k[i].name = tu_seg;
		k[i].g = &g;
		k[i].recs = recs + (size_t)i * KILL_RECS;
		k[i].n = i == 0 ? KILL_RECS : 100000;
		pid[i] = tu_fork(endless_worker, &k[i]);
	}
	tu_gate_wait(&g);
	tu_gate_wait(&g);
	/* kill the victim once it is well under way */
	while (__atomic_load_n(&recs[2000].ref, __ATOMIC_ACQUIRE) == 0) {
		ck_assert_msg(waitpid(pid[0], &status, WNOHANG) == 0,
		              "the victim ended early (status %#x)", status);
		sched_yield();
	}
	ck_assert_int_eq(kill(pid[0], SIGKILL), 0);
	status = tu_wait_status(pid[0]);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "victim status %#x", status);
	ck_assert_msg(recs[KILL_RECS - 1].ref == 0, "the victim finished "
	              "its allocations before it was killed");
	tu_wait_ok(pid[1]);

	/* compact the committed records */
	for (size_t i = 0; i < 2 * (size_t)KILL_RECS; i++) {
		uint64_t r = __atomic_load_n(&recs[i].ref, __ATOMIC_ACQUIRE);
		if (r != ARENA_NULL)
			recs[n++] = recs[i];
	}
	ck_assert_uint_gt(n, 100000);
	check_placement(a, recs, n, 1);
	ck_assert_msg(arena_reset(a, 0) == 0, "reset after the victim died: "
	              "%s", strerror(errno));
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	munmap(recs, 2 * KILL_RECS * sizeof *recs);
	arena_detach(a);
}
END_TEST

/* ---- resets racing allocations ---------------------------------------- */

#define RACE_RECS 300000
#define RACE_RESETS 10000
#define RACE_TAIL 300
#define RACE_BATCH 16

struct race_shared {
	int go;                 /* set when resets are over */
	unsigned nrec[2];
	unsigned live[2];       /* records so far (progress) */
	unsigned epoch;         /* resets so far */
	struct rec recs[2][RACE_RECS];
};

struct race_arg {
	const char *name;
	struct tu_gate *g;
	struct race_shared *sh;
	int id;                 /* 0: fills its objects, 1: does not */
};

/* audit -- in a worker: each of the N objects at RECS holds its pattern,
 * or is no longer current (checked after reading it: the generation only
 * moves on, so a reference still good then was good while it was read). */
static int audit(const arena_t *a, const struct rec *recs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t bad = tu_check_fill(arena_ptr(a, recs[i].ref),
		                           recs[i].size, recs[i].ref);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (bad != recs[i].size &&
		    arena_get(a, recs[i].ref, recs[i].size) != NULL)
			return tu_fail(5, "object %#llx (%u bytes) clobbered "
			               "at byte %zu while current",
			               (unsigned long long)recs[i].ref,
			               recs[i].size, bad);
	}
	return 0;
}

static int race_worker(void *arg)
{
	struct race_arg *ra = arg;
	struct race_shared *sh = ra->sh;
	struct rec *recs = sh->recs[ra->id];
	arena_t *a = arena_attach(ra->name, 0);
	uint64_t seed = 0xabcdef12u + (uint64_t)ra->id;
	unsigned n = 0, tail = 0, gen_start = 0, epoch = 0, batch = 0;

	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(ra->g, 'r');
	for (;;) {
		size_t size = 8 + tu_rand(&seed) % 249;
		size_t align = (size_t)1 << (tu_rand(&seed) % 7);
		arena_ref_t r;
		int done = __atomic_load_n(&sh->go, __ATOMIC_ACQUIRE);

		if (done && tail++ >= RACE_TAIL)
			break;
		if (!done && n >= RACE_RECS - RACE_TAIL - 1) {
			sched_yield();  /* out of records: wait for the end */
			continue;
		}
		/* at most RACE_BATCH allocations per reset, so that the
		 * test's resets keep pace and every one of them races */
		if (!done) {
			unsigned e = __atomic_load_n(&sh->epoch,
			                             __ATOMIC_RELAXED);
			if (e != epoch) {
				epoch = e;
				batch = 0;
			}
			if (batch >= RACE_BATCH) {
				sched_yield();
				continue;
			}
			batch++;
		}
		r = arena_alloc(a, size, align);
		if (r == ARENA_NULL) {
			if (errno != ENOMEM)
				return tu_fail(2, "alloc: %s",
				               strerror(errno));
			continue;
		}
		/* the pattern includes the generation (it is the ref) */
		if (ra->id == 0)
			tu_fill(arena_ptr(a, r), size, r);
		put_rec(&recs[n++], r, size, align);
		__atomic_store_n(&sh->live[ra->id], n, __ATOMIC_RELAXED);
		/* audit the objects of the newest generation now and then:
		 * no one else writes, so while an object is current its
		 * bytes must be ours (no trim may zero it, no allocation
		 * may share it) */
		if (ra->id == 0) {
			if (ARENA_REF_GENERATION(r) !=
			    ARENA_REF_GENERATION(recs[gen_start].ref))
				gen_start = n - 1;
			/* the first objects of a generation (those a
			 * trim would endanger) and the latest ones */
			unsigned m = n - gen_start;
			if (n % 8 == 0 &&
			    (audit(a, recs + gen_start, m < 64 ? m : 64) != 0 ||
			     audit(a, recs + n - (m < 8 ? m : 8),
			           m < 8 ? m : 8) != 0))
				return 5;
		}
	}
	__atomic_store_n(&sh->nrec[ra->id], n, __ATOMIC_RELEASE);
	arena_detach(a);
	return 0;
}

static int by_ref(const void *x, const void *y)
{
	uint64_t a = ((const struct rec *)x)->ref;
	uint64_t b = ((const struct rec *)y)->ref;
	return a < b ? -1 : a > b;
}

/*
 * check_tiling -- the N records of one generation GEN: inside the region,
 * aligned, no overlap, and together they tile [lowest, segment_size) with
 * no gap wider than an object's alignment padding: every allocation of a
 * generation moves that generation's top down from segment_size, so an
 * object that straddled a reset (memory of one generation, tag of
 * another) shows up as a gap or an overlap.  Returns the lowest offset.
 */
static uint64_t check_tiling(const arena_t *a, struct rec *recs, size_t n,
                             uint64_t gen)
{
	uint64_t expect_end = tu_stat(a).segment_size;
	uint64_t lowest = check_placement(a, recs, n, 0);

	for (size_t i = n; i-- > 0;) {
		uint64_t off = ARENA_REF_OFFSET(recs[i].ref);
		uint64_t end = off + recs[i].size;
		ck_assert_msg(end <= expect_end && expect_end - end <
		              recs[i].align, "generation %llu: a gap of %llu "
		              "bytes above object %#llx (%u bytes, align %u) "
		              "that no reference of the generation owns",
		              (unsigned long long)gen,
		              (unsigned long long)(expect_end - end),
		              (unsigned long long)recs[i].ref, recs[i].size,
		              recs[i].align);
		expect_end = off;
	}
	return lowest;
}

/*
 * One child fills what it gets (and audits it), one only allocates; the
 * test resets with FORCE thousands of times meanwhile, each reset landing
 * among a batch of allocations (every 20th reset with TRIM, then a pause).
 * Afterwards: every reference of an older generation is ESTALE; those of
 * the current generation lie in the allocated part and hold their
 * contents; and in every generation the objects tagged with it tile the
 * region from its end without overlap, so no allocation landed half in one
 * generation and half in another.
 */
START_TEST(reset_race)
{
	arena_t *a = tu_create(tu_seg, 4u << 20, NULL);
	struct race_shared *sh = shared_area(sizeof *sh);
	struct race_arg ra[2];
	struct tu_gate g;
	struct arena_stat st;
	struct rec *all;
	pid_t pid[2];
	size_t nall = 0, ncur = 0, nstale = 0, ncontent = 0;
	const uint64_t g0 = tu_stat(a).generation;
	uint64_t gens = 0, top;
	uint64_t seed = 77;
	unsigned resets, progress = 0;

	tu_gate_init(&g);
	for (int i = 0; i < 2; i++) {
		ra[i].name = tu_seg;
		ra[i].g = &g;
		ra[i].sh = sh;
		ra[i].id = i;
		pid[i] = tu_fork(race_worker, &ra[i]);
	}
	tu_gate_wait(&g);
	tu_gate_wait(&g);
	for (resets = 0; resets < RACE_RESETS; resets++) {
		unsigned spin = (unsigned)(tu_rand(&seed) % 2000);
		unsigned flags = ARENA_RESET_FORCE;
		unsigned l0, l1;
		int i = (int)resets;
		/* each generation gets allocations: wait for progress, and
		 * stop early when the workers run out of records */
		for (;;) {
			l0 = __atomic_load_n(&sh->live[0], __ATOMIC_RELAXED);
			l1 = __atomic_load_n(&sh->live[1], __ATOMIC_RELAXED);
			if (l0 + l1 != progress ||
			    l0 >= RACE_RECS - RACE_TAIL - 1 ||
			    l1 >= RACE_RECS - RACE_TAIL - 1)
				break;
			sched_yield();
		}
		if (l0 >= RACE_RECS - RACE_TAIL - 1 ||
		    l1 >= RACE_RECS - RACE_TAIL - 1)
			break;
		progress = l0 + l1;
		if (i % 20 == 19 || i == RACE_RESETS - 1)
			flags |= ARENA_RESET_TRIM;
		for (volatile unsigned k = 0; k < spin; k++)
			;
		ck_assert_msg(arena_reset(a, flags) == 0, "reset %d: %s", i,
		              strerror(errno));
		__atomic_store_n(&sh->epoch, resets + 1, __ATOMIC_RELAXED);
		if (flags & ARENA_RESET_TRIM) {
			/* a longer generation: time for the audit */
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
		}
	}
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	tu_wait_ok(pid[0]);
	tu_wait_ok(pid[1]);

	st = tu_stat(a);
	ck_assert_uint_eq(st.generation, tu_gen_add(g0, resets));
	ck_assert_uint_eq(st.resets, resets);
	ck_assert_msg(resets >= RACE_RESETS / 4, "only %u resets before the "
	              "records ran out", resets);
	top = st.segment_size - st.used;
	all = malloc(sizeof(struct rec) * 2 * RACE_RECS);
	ck_assert_ptr_nonnull(all);
	for (int w = 0; w < 2; w++) {
		unsigned n = __atomic_load_n(&sh->nrec[w], __ATOMIC_ACQUIRE);
		uint64_t last_since = 0;
		ck_assert_uint_gt(n, RACE_TAIL - 1);
		for (unsigned i = 0; i < n; i++) {
			struct rec *r = &sh->recs[w][i];
			uint64_t gen = ARENA_REF_GENERATION(r->ref);
			/* resets since the first generation: the count may
			 * wrap past ARENA_GEN_MASK, the number of resets not */
			uint64_t since = tu_gen_since(g0, gen);
			ck_assert_msg(gen >= 1 && since <= resets,
			              "reference %#llx of generation %llu (first "
			              "%llu, %u resets)",
			              (unsigned long long)r->ref,
			              (unsigned long long)gen,
			              (unsigned long long)g0, resets);
			ck_assert_msg(since >= last_since, "worker %d got "
			              "generation %llu after %llu resets", w,
			              (unsigned long long)gen,
			              (unsigned long long)last_since);
			last_since = since;
			all[nall++] = *r;
			if (gen != st.generation) {
				TU_FAILS_WITH(arena_get(a, r->ref, r->size),
				              NULL, ESTALE);
				nstale++;
				continue;
			}
			ck_assert_msg(ARENA_REF_OFFSET(r->ref) >= top,
			              "current reference %#llx below the top "
			              "%llu", (unsigned long long)r->ref,
			              (unsigned long long)top);
			ck_assert_ptr_nonnull(arena_get(a, r->ref, r->size));
			ncur++;
			if (w == 0) {
				size_t bad = tu_check_fill(arena_ptr(a, r->ref),
				                           r->size, r->ref);
				ck_assert_msg(bad == r->size, "object %#llx: byte "
				              "%zu clobbered",
				              (unsigned long long)r->ref, bad);
				ncontent++;
			}
		}
	}

	/* generation by generation */
	qsort(all, nall, sizeof *all, by_ref);
	for (size_t i = 0; i < nall;) {
		uint64_t gen = ARENA_REF_GENERATION(all[i].ref), lowest;
		size_t j = i;
		while (j < nall && ARENA_REF_GENERATION(all[j].ref) == gen)
			j++;
		lowest = check_tiling(a, all + i, j - i, gen);
		if (gen == st.generation)
			ck_assert_msg(lowest == top, "current generation: "
			              "lowest object %llu, top %llu",
			              (unsigned long long)lowest,
			              (unsigned long long)top);
		gens++;
		i = j;
	}
	fprintf(stderr, "reset_race: %u resets, %zu stale, %zu current (%zu "
	        "with content), %llu generations with objects\n", resets,
	        nstale, ncur, ncontent, (unsigned long long)gens);
	ck_assert_msg(gens >= resets / 2, "only %llu generations seen: the race did "
	              "not happen", (unsigned long long)gens);
	ck_assert_uint_ge(ncur, 2 * RACE_TAIL);
	ck_assert_uint_gt(ncontent, 0);
	free(all);
	munmap(sh, sizeof *sh);
	arena_detach(a);
}
END_TEST

/* ---- trims racing allocations ----------------------------------------- */

#define TRIM_RESETS 1500

struct trim_arg {
	const char *name;
	struct tu_gate *g;
	int *go;
	unsigned long *objects;
	int rival;              /* reset when a trim holds the arena full */
};

/* trim_worker -- allocate, fill and audit until told to stop: the first
 * objects of each generation (those a trim that opened the space before
 * dropping the pages would zero) and the latest ones. */
static int trim_worker(void *arg)
{
	struct trim_arg *t = arg;
	arena_t *a = arena_attach(t->name, 0);
	struct rec first[64], last[8];
	uint64_t seed = 0x7137, gen = 0;
	unsigned nfirst = 0, nlast = 0;
	unsigned long n = 0;

	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(t->g, 'r');
	while (!__atomic_load_n(t->go, __ATOMIC_ACQUIRE)) {
		size_t size = 8 + tu_rand(&seed) % 249;
		size_t align = (size_t)1 << (tu_rand(&seed) % 7);
		arena_ref_t r = arena_alloc(a, size, align);
		struct rec x;

		if (r == ARENA_NULL) {
			if (errno != ENOMEM)
				return tu_fail(2, "alloc: %s", strerror(errno));
			/* the arena is never full here but while a trim
			 * holds it so: reset under the trimmer's feet, and
			 * allocate at once in the generation just opened */
			if (t->rival && arena_reset(a, ARENA_RESET_FORCE) != 0
			    && errno != EBUSY && errno != EAGAIN)
				return tu_fail(3, "reset: %s", strerror(errno));
			continue;
		}
		tu_fill(arena_ptr(a, r), size, r);
		x.ref = r;
		x.size = (uint32_t)size;
		x.align = (uint32_t)align;
		if (ARENA_REF_GENERATION(r) != gen) {
			gen = ARENA_REF_GENERATION(r);
			nfirst = 0;
		}
		if (nfirst < 64)
			first[nfirst++] = x;
		last[nlast++ % 8] = x;
		if (++n % 8 == 0 &&
		    (audit(a, first, nfirst) != 0 ||
		     audit(a, last, nlast < 8 ? nlast : 8) != 0))
			return 5;
	}
	*t->objects = n;
	arena_detach(a);
	return 0;
}

/* Resets with TRIM while another process allocates: memory a current
 * allocation owns is never zeroed (the new generation opens only after
 * the pages are dropped), and the objects allocated after the last trim
 * are intact. */
START_TEST(trim_race)
{
	arena_t *a = tu_create(tu_seg, 1u << 20, NULL);
	int *go = shared_area(4096);
	unsigned long *objects = (unsigned long *)(void *)(go + 16);
	struct trim_arg t = { tu_seg, NULL, go, objects, 0 };
	struct tu_gate g;
	struct arena_stat st;
	const uint64_t g0 = tu_stat(a).generation;
	pid_t pid;

	tu_gate_init(&g);
	t.g = &g;
	pid = tu_fork(trim_worker, &t);
	tu_gate_wait(&g);
	for (int i = 0; i < TRIM_RESETS; i++) {
		struct timespec ts = { 0, 30000 };
		ck_assert_msg(arena_reset(a, ARENA_RESET_FORCE |
		                          ARENA_RESET_TRIM) == 0,
		              "reset %d: %s", i, strerror(errno));
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(go, 1, __ATOMIC_RELEASE);
	tu_wait_ok(pid);
	st = tu_stat(a);
	ck_assert_uint_eq(st.generation, tu_gen_add(g0, TRIM_RESETS));
	ck_assert_uint_eq(st.available, st.capacity - st.used);
	fprintf(stderr, "trim_race: %lu objects\n", *objects);
	ck_assert_uint_gt(*objects, TRIM_RESETS);
	munmap(go, 4096);
	arena_detach(a);
}
END_TEST

/* A trim in one process while another resets without trimming: the
 * plain reset may open a new generation while the trim is still to drop
 * the pages; objects allocated in that generation must not be zeroed
 * ("memory that a new allocation owns is never zeroed").  The rival
 * resets as soon as its allocations fail for the trim, then allocates. */
START_TEST(trim_vs_reset)
{
	arena_t *a = tu_create(tu_seg, 16u << 20, NULL);
	int *go = shared_area(4096);
	unsigned long *objects = (unsigned long *)(void *)(go + 16);
	struct trim_arg t = { tu_seg, NULL, go, objects, 1 };
	struct tu_gate g;
	pid_t pid;

	tu_gate_init(&g);
	t.g = &g;
	pid = tu_fork(trim_worker, &t);
	tu_gate_wait(&g);
	for (int i = 0; i < 3 * TRIM_RESETS; i++) {
		struct timespec ts = { 0, 30000 };
		ck_assert_msg(arena_reset(a, ARENA_RESET_FORCE |
		                          ARENA_RESET_TRIM) == 0,
		              "reset %d: %s", i, strerror(errno));
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(go, 1, __ATOMIC_RELEASE);
	tu_wait_ok(pid);
	ck_assert_uint_gt(*objects, TRIM_RESETS);
	munmap(go, 4096);
	arena_detach(a);
}
END_TEST

static Suite *multiproc_suite(void)
{
	Suite *s = suite_create("multiproc");
	TCase *tc = tu_tcase(s, "multiproc", 60);

	tcase_add_test(tc, many_allocators);
	tcase_add_test(tc, killed_allocator);
	tcase_add_test(tc, reset_race);
	tcase_add_test(tc, trim_race);
	tcase_add_test(tc, trim_vs_reset);
	return s;
}

int main(void)
{
	return tu_main(multiproc_suite(), "multiproc");
}
