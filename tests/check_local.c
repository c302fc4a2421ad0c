/*
 * check_local.c - per-thread allocation caches (struct arena_local):
 * alignment and bounds, no overlap with each other or with arena_alloc,
 * exact capacity, reset invalidation, flush, chunk sizes, statistics, and
 * caches in several threads and processes at once.
 */
#include <pthread.h>

#include "testutil.h"

struct span {
	uint64_t off, size;
};

/* by_off -- order spans by offset. */
static int by_off(const void *x, const void *y)
{
	uint64_t a = ((const struct span *)x)->off;
	uint64_t b = ((const struct span *)y)->off;

	return a < b ? -1 : a > b;
}

/* assert_disjoint -- the N spans lie in [LO, HI) and none overlaps. */
static void assert_disjoint(struct span *v, size_t n, uint64_t lo, uint64_t hi)
{
	qsort(v, n, sizeof(*v), by_off);
	ck_assert_uint_ge(v[0].off, lo);
	ck_assert_uint_le(v[n - 1].off + v[n - 1].size, hi);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(v[i - 1].off + v[i - 1].size <= v[i].off,
		              "[%llu,+%llu) overlaps [%llu,+%llu)",
		              (unsigned long long)v[i - 1].off,
		              (unsigned long long)v[i - 1].size,
		              (unsigned long long)v[i].off,
		              (unsigned long long)v[i].size);
}

/* Arguments are checked on the slow path; the cache needs a writable
 * handle. */
START_TEST(init_errors)
{
	struct arena_local l;
	arena_t *a = tu_create(tu_seg, 65536, NULL), *ro;

	TU_FAILS_WITH(arena_local_init(NULL, a, 0), -1, EINVAL);
	TU_FAILS_WITH(arena_local_init(&l, NULL, 0), -1, EINVAL);
	TU_FAILS_WITH(arena_local_init(&l, a, 100), -1, EINVAL);
	TU_FAILS_WITH(arena_local_init(&l, a, 65537), -1, EINVAL);
	ro = tu_attach(tu_seg, ARENA_RDONLY);
	TU_FAILS_WITH(arena_local_init(&l, ro, 0), -1, EROFS);
	ck_assert_int_eq(arena_local_init(&l, a, 0), 0);
	TU_FAILS_WITH(arena_local_alloc(&l, 0, 1), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_alloc(&l, 8, 3), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_alloc(&l, 8, 0), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_alloc(&l, 8, 8192), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_flush(NULL), -1, EINVAL);
	arena_detach(ro);
	arena_detach(a);
}
END_TEST

/* Every alignment is honoured, every object lies in the region, none
 * overlaps, for a cache, a second cache and plain arena_alloc mixed. */
START_TEST(mixed_no_overlap)
{
	enum { N = 20000 };
	struct span *v = calloc(N, sizeof(*v));
	arena_ref_t *refs = calloc(N, sizeof(*refs));
	struct arena_local l1, l2;
	arena_t *a = tu_create(tu_seg, 16 << 20, NULL);
	struct arena_stat st;
	uint64_t seed = 42;
	size_t n = 0;

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(refs);
	ck_assert_int_eq(arena_local_init(&l1, a, 0), 0);
	ck_assert_int_eq(arena_local_init(&l2, a, 4096), 0);
	for (int i = 0; i < N; i++) {
		size_t size = 1 + tu_rand(&seed) % 300;
		size_t align = (size_t)1 << (tu_rand(&seed) % 13);
		int which = (int)(tu_rand(&seed) % 3);
		arena_ref_t r = which == 0 ? arena_local_alloc(&l1, size, align) :
		                which == 1 ? arena_local_alloc(&l2, size, align) :
		                             arena_alloc(a, size, align);

		ck_assert_msg(r != ARENA_NULL, "alloc %d: %s", i, strerror(errno));
		ck_assert_uint_eq(ARENA_REF_OFFSET(r) % align, 0);
		ck_assert_uint_eq((uintptr_t)arena_ptr(a, r) % align, 0);
		ck_assert_ptr_nonnull(arena_get(a, r, size));
		tu_fill(arena_ptr(a, r), size, r);
		refs[n] = r;
		v[n].off = ARENA_REF_OFFSET(r);
		v[n++].size = size;
	}
	/* Every object still holds what was written into it. */
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(tu_check_fill(arena_ptr(a, refs[i]), v[i].size,
		                                refs[i]), v[i].size);
	st = tu_stat(a);
	assert_disjoint(v, n, st.header_size, st.segment_size);
	free(refs);
	free(v);
	arena_detach(a);
}
END_TEST

/* One cache alone fills a capacity of C with exactly C one-byte objects:
 * the last chunk that no longer fits falls back to single allocations. */
START_TEST(exact_capacity)
{
	const size_t cap = 100000;
	arena_t *a = tu_create(tu_seg, cap, NULL);
	struct arena_local l;
	struct arena_stat st;
	size_t n = 0;

	ck_assert_int_eq(arena_local_init(&l, a, 0), 0);
	while (arena_local_alloc(&l, 1, 1) != ARENA_NULL)
		n++;
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(n, cap);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, cap);
	ck_assert_uint_eq(st.available, 0);
	ck_assert_uint_eq(st.failed_allocs, 1);
	arena_detach(a);
}
END_TEST

/* After a reset the cache never hands out memory of the old generation. */
START_TEST(reset_invalidates)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_local l;
	arena_ref_t r1, r2, r3;

	ck_assert_int_eq(arena_local_init(&l, a, 0), 0);
	r1 = arena_local_alloc(&l, 16, 8);
	ck_assert(r1 != ARENA_NULL);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	r2 = arena_local_alloc(&l, 16, 8);
	ck_assert(r2 != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_GENERATION(r2),
	                  tu_gen_next(ARENA_REF_GENERATION(r1)));
	TU_FAILS_WITH(arena_get(a, r1, 16), NULL, ESTALE);
	ck_assert_ptr_nonnull(arena_get(a, r2, 16));
	/* The new chunk starts at the top again, and a plain allocation
	 * after it does not overlap it. */
	r3 = arena_alloc(a, 4096, 1);
	ck_assert(r3 != ARENA_NULL);
	ck_assert(ARENA_REF_OFFSET(r3) + 4096 <= ARENA_REF_OFFSET(r2) ||
	          ARENA_REF_OFFSET(r2) + 16 <= ARENA_REF_OFFSET(r3));
	arena_detach(a);
}
END_TEST

/* A chunk counts as used when taken; flush gives the unused tail back
 * when nothing came after the chunk, and not otherwise. */
START_TEST(flush_and_stats)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_local l;
	struct arena_stat st;
	arena_ref_t r;

	ck_assert_int_eq(arena_local_init(&l, a, 8192), 0);
	r = arena_local_alloc(&l, 100, 1);
	ck_assert(r != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 8192);       /* the whole chunk */
	ck_assert_int_eq(arena_local_flush(&l), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 100);        /* the tail went back */
	/* The object itself is intact and still allocated. */
	ck_assert_ptr_nonnull(arena_get(a, r, 100));

	/* Something allocated after the chunk: the tail stays. */
	r = arena_local_alloc(&l, 100, 1);
	ck_assert(r != ARENA_NULL);
	ck_assert(arena_alloc(a, 10, 1) != ARENA_NULL);
	ck_assert_int_eq(arena_local_flush(&l), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 100 + 8192 + 10);
	/* Flushing an empty cache is harmless, and the cache stays usable. */
	ck_assert_int_eq(arena_local_flush(&l), 0);
	ck_assert(arena_local_alloc(&l, 8, 8) != ARENA_NULL);
	arena_detach(a);
}
END_TEST

/* Adaptive chunks grow, but never beyond 1/32 of the capacity; requests
 * larger than half a chunk bypass it. */
START_TEST(chunk_sizes)
{
	arena_t *a = tu_create(tu_seg, 64 << 20, NULL), *b;
	struct arena_local l;
	struct arena_stat st;
	uint64_t before;

	ck_assert_int_eq(arena_local_init(&l, a, 0), 0);
	ck_assert(arena_local_alloc(&l, 8, 8) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 4096);          /* the first chunk */
	before = st.used;
	/* Fits the chunk's rest: served from it. */
	ck_assert(arena_local_alloc(&l, 3000, 8) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, before);
	/* Does not fit, and is more than half the next chunk (8192): the
	 * chunk's rest goes back (nothing came after it) and the chunk size
	 * grows until the request is at most half of it: 8 + 3000 + 16384. */
	ck_assert(arena_local_alloc(&l, 5000, 8) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 8 + 3000 + 16384);
	before = st.used;
	/* More than half the largest chunk (1 MiB): the 16 KiB chunk's rest
	 * goes back and the request is served straight from the arena, no
	 * chunk taken: 8 + 3000 + 5000 + 600000. */
	ck_assert(arena_local_alloc(&l, 600000, 8) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 8 + 3000 + 5000 + 600000);
	ck_assert_uint_lt(st.used, before + 600000);
	arena_detach(a);

	/* A small arena: chunks of at most capacity / 32 (here 1024). */
	tu_name(tu_seg);
	b = tu_create(tu_seg, 32768, NULL);
	ck_assert_int_eq(arena_local_init(&l, b, 0), 0);
	ck_assert(arena_local_alloc(&l, 8, 1) != ARENA_NULL);
	st = tu_stat(b);
	ck_assert_uint_eq(st.used, 1024);
	arena_detach(b);
}
END_TEST

struct thr {
	arena_t *a;
	uint64_t seed;
	arena_ref_t refs[5000];
	size_t sizes[5000];
};

/* thr_run -- one thread with its own cache. */
static void *thr_run(void *p)
{
	struct thr *t = p;
	struct arena_local l;

	if (arena_local_init(&l, t->a, 0) < 0)
		return p;
	for (int i = 0; i < 5000; i++) {
		t->sizes[i] = 1 + tu_rand(&t->seed) % 200;
		t->refs[i] = arena_local_alloc(&l, t->sizes[i],
		                               (size_t)1 << (tu_rand(&t->seed) % 5));
		if (t->refs[i] == ARENA_NULL)
			return p;
		tu_fill(arena_ptr(t->a, t->refs[i]), t->sizes[i], t->refs[i]);
	}
	arena_local_flush(&l);
	return NULL;
}

/* Caches in two processes of two threads each: nothing overlaps, every
 * object keeps its contents. */
START_TEST(threads_and_processes)
{
	arena_t *a = tu_create(tu_seg, 64 << 20, NULL);
	int fds[2];
	pid_t pid;
	struct thr *t = calloc(4, sizeof(*t));
	struct span *v;
	size_t n = 0;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The child attaches by name and sends its references back. */
		arena_t *c = arena_attach(tu_seg, 0);
		pthread_t th[2];

		if (c == NULL)
			_exit(2);
		for (int i = 0; i < 2; i++) {
			t[i].a = c;
			t[i].seed = 1000 + (uint64_t)i;
			pthread_create(&th[i], NULL, thr_run, &t[i]);
		}
		for (int i = 0; i < 2; i++) {
			void *r;

			pthread_join(th[i], &r);
			if (r != NULL)
				_exit(3);
		}
		if (write(fds[1], t, 2 * sizeof(*t)) != (ssize_t)(2 * sizeof(*t)))
			_exit(4);
		_exit(0);
	}
	close(fds[1]);
	{
		pthread_t th[2];

		for (int i = 2; i < 4; i++) {
			t[i].a = a;
			t[i].seed = 2000 + (uint64_t)i;
			pthread_create(&th[i - 2], NULL, thr_run, &t[i]);
		}
		for (int i = 0; i < 2; i++) {
			void *r;

			pthread_join(th[i], &r);
			ck_assert_ptr_null(r);
		}
	}
	{
		size_t got = 0;
		char *buf = (char *)t;

		while (got < 2 * sizeof(*t)) {
			ssize_t k = read(fds[0], buf + got, 2 * sizeof(*t) - got);

			ck_assert_int_gt(k, 0);
			got += (size_t)k;
		}
	}
	tu_wait_ok(pid);
	v = calloc(4 * 5000, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 5000; j++) {
			arena_ref_t r = t[i].refs[j];

			ck_assert_ptr_nonnull(arena_get(a, r, t[i].sizes[j]));
			ck_assert_uint_eq(tu_check_fill(arena_ptr(a, r),
			                                 t[i].sizes[j], r),
			                  t[i].sizes[j]);
			v[n].off = ARENA_REF_OFFSET(r);
			v[n++].size = t[i].sizes[j];
		}
	assert_disjoint(v, n, tu_stat(a).header_size, tu_stat(a).segment_size);
	free(v);
	free(t);
	close(fds[0]);
	arena_detach(a);
}
END_TEST

static Suite *local_suite(void)
{
	Suite *s = suite_create("local");
	TCase *tc = tu_tcase(s, "local", 60);

	tcase_add_test(tc, init_errors);
	tcase_add_test(tc, mixed_no_overlap);
	tcase_add_test(tc, exact_capacity);
	tcase_add_test(tc, reset_invalidates);
	tcase_add_test(tc, flush_and_stats);
	tcase_add_test(tc, chunk_sizes);
	tcase_add_test(tc, threads_and_processes);
	return s;
}

int main(void)
{
	return tu_main(local_suite(), "local");
}
