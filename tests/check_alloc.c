/*
 * check_alloc.c - arena_alloc and friends: alignment, exact capacity,
 * ENOMEM accounting, zeroing, overflow, the string and copy helpers, and
 * the placement of every object.
 */
#include <stdalign.h>

#include "testutil.h"

/* check_placed -- R is of the current generation, lies in the region and
 * is aligned to ALIGN (offset and address). */
static void check_placed(const arena_t *a, arena_ref_t r, size_t size,
                         size_t align)
{
	struct arena_stat st = tu_stat(a);
	uint64_t off = ARENA_REF_OFFSET(r);
	ck_assert_msg(r != ARENA_NULL, "null reference");
	ck_assert_uint_eq(ARENA_REF_GENERATION(r), st.generation);
	ck_assert_msg(off >= st.header_size && off + size <= st.segment_size,
	              "object [%llu, +%zu) outside [%llu, %llu)",
	              (unsigned long long)off, size,
	              (unsigned long long)st.header_size,
	              (unsigned long long)st.segment_size);
	ck_assert_msg(off % align == 0, "offset %llu not aligned to %zu",
	              (unsigned long long)off, align);
	ck_assert_msg((uintptr_t)arena_ptr(a, r) % align == 0,
	              "pointer %p not aligned to %zu", arena_ptr(a, r), align);
}

/* Every power-of-two alignment up to 4096, from every misalignment of the
 * top. */
START_TEST(alignments)
{
	arena_t *a = tu_create(tu_seg, 4u << 20, NULL);
	size_t align;

	for (align = 1; align <= ARENA_MAX_ALIGN; align <<= 1) {
		for (size_t skew = 1; skew <= 9; skew += 4) {
			arena_ref_t pad = arena_alloc(a, skew, 1);
			arena_ref_t r;
			ck_assert(pad != ARENA_NULL);
			r = arena_alloc(a, 3 * skew, align);
			ck_assert_msg(r != ARENA_NULL, "alloc(%zu, %zu): %s",
			              3 * skew, align, strerror(errno));
			check_placed(a, r, 3 * skew, align);
			/* the object lies below the padding object */
			ck_assert_uint_le(ARENA_REF_OFFSET(r) + 3 * skew,
			                  ARENA_REF_OFFSET(pad));
			/* and no further below than the alignment needs */
			ck_assert_uint_gt(ARENA_REF_OFFSET(r) + 3 * skew + align,
			                  ARENA_REF_OFFSET(pad));
		}
	}
	ck_assert_uint_eq(tu_stat(a).failed_allocs, 0);
	arena_detach(a);
}
END_TEST

/* Bad sizes and alignments are EINVAL and change nothing. */
START_TEST(bad_arguments)
{
	static const size_t bad_align[] = { 0, 3, 5, 6, 12, 4095, 4097, 8192,
	                                    1u << 20, SIZE_MAX,
	                                    ((size_t)1 << 63) };
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_stat before = tu_stat(a), after;

	for (size_t i = 0; i < sizeof bad_align / sizeof bad_align[0]; i++) {
		errno = 0;
		ck_assert_msg(arena_alloc(a, 16, bad_align[i]) == ARENA_NULL &&
		              errno == EINVAL, "alloc(16, %zu): errno %d, "
		              "expected EINVAL", bad_align[i], errno);
		errno = 0;
		ck_assert_msg(arena_calloc(a, 2, 8, bad_align[i]) == ARENA_NULL
		              && errno == EINVAL, "calloc(2, 8, %zu): errno %d, "
		              "expected EINVAL", bad_align[i], errno);
		errno = 0;
		ck_assert_msg(arena_memdup(a, "abc", 3, bad_align[i]) ==
		              ARENA_NULL && errno == EINVAL, "memdup(%zu): "
		              "errno %d, expected EINVAL", bad_align[i], errno);
	}
	TU_FAILS_WITH(arena_alloc(a, 0, 1), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_alloc(a, 0, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_calloc(a, 0, 8, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_calloc(a, 8, 0, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_memdup(a, "abc", 0, 1), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_alloc(NULL, 8, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_calloc(NULL, 1, 8, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_strdup(NULL, "x"), ARENA_NULL, EINVAL);
	after = tu_stat(a);
	ck_assert_uint_eq(after.used, before.used);
	ck_assert_uint_eq(after.failed_allocs, 0);
	arena_detach(a);
}
END_TEST

/* Capacity C holds exactly C bytes at alignment 1. */
START_TEST(exact_capacity)
{
	enum { C = 1000 };
	char name[TU_NAME_LEN];
	unsigned char seen[C];
	struct arena_stat st;
	arena_t *a = tu_create(tu_seg, C, NULL);
	uint64_t hdr = tu_stat(a).header_size;

	memset(seen, 0, sizeof seen);
	for (int i = 0; i < C; i++) {
		arena_ref_t r = arena_alloc(a, 1, 1);
		uint64_t off;
		ck_assert_msg(r != ARENA_NULL, "one-byte alloc #%d failed: %s",
		              i, strerror(errno));
		off = ARENA_REF_OFFSET(r);
		ck_assert_msg(off >= hdr && off < hdr + C, "offset %llu",
		              (unsigned long long)off);
		ck_assert_msg(!seen[off - hdr], "offset %llu handed out twice",
		              (unsigned long long)off);
		seen[off - hdr] = 1;
	}
	TU_FAILS_WITH(arena_alloc(a, 1, 1), ARENA_NULL, ENOMEM);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, C);
	ck_assert_uint_eq(st.available, 0);
	ck_assert_uint_eq(st.failed_allocs, 1);
	arena_detach(a);

	a = tu_create(tu_name(name), C, NULL);
	TU_FAILS_WITH(arena_alloc(a, C + 1, 1), ARENA_NULL, ENOMEM);
	{
		arena_ref_t r = arena_alloc(a, C, 1);
		ck_assert_msg(r != ARENA_NULL, "alloc(C): %s", strerror(errno));
		ck_assert_uint_eq(ARENA_REF_OFFSET(r), hdr);
		memset(arena_ptr(a, r), 0xee, C);
	}
	TU_FAILS_WITH(arena_alloc(a, 1, 1), ARENA_NULL, ENOMEM);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, C);
	ck_assert_uint_eq(st.failed_allocs, 2);
	arena_detach(a);
}
END_TEST

/* ENOMEM: every refusal is counted, huge sizes do not wrap, a failure
 * leaves the arena as it was. */
START_TEST(enomem)
{
	static const size_t huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095,
	                               (size_t)1 << 40, ((size_t)1 << 40) + 1,
	                               ((size_t)1 << 63) + 100, 65537 };
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_stat st;
	size_t n = sizeof huge / sizeof huge[0];
	arena_ref_t r;

	r = arena_alloc(a, 100, 1);
	ck_assert(r != ARENA_NULL);
	for (size_t i = 0; i < n; i++) {
		errno = 0;
		ck_assert_msg(arena_alloc(a, huge[i], 1) == ARENA_NULL &&
		              errno == ENOMEM, "alloc(%zu): errno %d, "
		              "expected ENOMEM", huge[i], errno);
		errno = 0;
		ck_assert_msg(arena_alloc(a, huge[i], 4096) == ARENA_NULL &&
		              errno == ENOMEM, "alloc(%zu, 4096): errno %d, "
		              "expected ENOMEM", huge[i], errno);
	}
	st = tu_stat(a);
	ck_assert_uint_eq(st.failed_allocs, 2 * n);
	ck_assert_uint_eq(st.used, 100);
	/* the rest still fits exactly */
	r = arena_alloc(a, 65536 - 100, 1);
	ck_assert_msg(r != ARENA_NULL, "alloc(rest): %s", strerror(errno));
	/* the floor (end of the header) is page-aligned, so an aligned
	 * object fits whenever its size does: the last byte is usable */
	{
		arena_t *b;
		char name[TU_NAME_LEN];
		uint64_t hdr;
		b = tu_create(tu_name(name), 4096 + 100, NULL);
		hdr = tu_stat(b).header_size;
		ck_assert(arena_alloc(b, 1, 1) != ARENA_NULL);
		TU_FAILS_WITH(arena_alloc(b, 4196, 4096), ARENA_NULL, ENOMEM);
		r = arena_alloc(b, 4195, 4096);
		ck_assert_msg(r != ARENA_NULL, "alloc(4195, 4096) with 4195 "
		              "left: %s", strerror(errno));
		ck_assert_uint_eq(ARENA_REF_OFFSET(r), hdr);
		TU_FAILS_WITH(arena_alloc(b, 1, 1), ARENA_NULL, ENOMEM);
		ck_assert_uint_eq(tu_stat(b).failed_allocs, 2);
		ck_assert_uint_eq(tu_stat(b).available, 0);
		arena_detach(b);
	}
	arena_detach(a);
}
END_TEST

/* calloc gives zeroes even over memory dirtied before a reset. */
START_TEST(calloc_zeroes)
{
	enum { C = 256 * 1024 };
	arena_t *a = tu_create(tu_seg, C, NULL);
	arena_ref_t r = arena_alloc(a, C, 1);
	unsigned char *p;

	ck_assert(r != ARENA_NULL);
	memset(arena_ptr(a, r), 0xa5, C);
	ck_assert_int_eq(arena_reset(a, 0), 0);

	r = arena_calloc(a, 3, 1000, 8);
	ck_assert(r != ARENA_NULL);
	p = arena_get(a, r, 3000);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 3000; i++)
		ck_assert_msg(p[i] == 0, "calloc byte %d is %#x", i, p[i]);
	r = arena_calloc(a, C / 16 - 512, 16, 16);   /* most of the rest */
	ck_assert(r != ARENA_NULL);
	p = arena_ptr(a, r);
	for (size_t i = 0; i < (size_t)(C / 16 - 512) * 16; i++)
		ck_assert_msg(p[i] == 0, "calloc byte %zu is %#x", i, p[i]);
	arena_detach(a);
}
END_TEST

START_TEST(calloc_overflow)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	TU_FAILS_WITH(arena_calloc(a, SIZE_MAX / 2 + 1, 2, 1), ARENA_NULL,
	              EOVERFLOW);
	TU_FAILS_WITH(arena_calloc(a, 2, SIZE_MAX, 1), ARENA_NULL, EOVERFLOW);
	TU_FAILS_WITH(arena_calloc(a, (size_t)1 << 32, (size_t)1 << 32, 8),
	              ARENA_NULL, EOVERFLOW);
	TU_FAILS_WITH(arena_calloc(a, SIZE_MAX, SIZE_MAX, 8), ARENA_NULL,
	              EOVERFLOW);
	/* no overflow, just too big */
	TU_FAILS_WITH(arena_calloc(a, (size_t)1 << 31, (size_t)1 << 31, 8),
	              ARENA_NULL, ENOMEM);
	ck_assert_uint_eq(tu_stat(a).used, 0);
	arena_detach(a);
}
END_TEST

struct odd {
	char c;
	double d;
	long long ll;
	char tail[3];
};

struct big_align {
	alignas(64) unsigned char line[64];
	int x;
};

START_TEST(new_macros)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	arena_ref_t r = arena_alloc(a, 65536, 1);
	struct odd *o;
	struct big_align *b;
	uint32_t *arr;
	unsigned char zero[sizeof(struct big_align)];

	memset(zero, 0, sizeof zero);
	ck_assert(r != ARENA_NULL);
	memset(arena_ptr(a, r), 0xff, 65536);    /* dirty, then reset */
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert(arena_alloc(a, 1, 1) != ARENA_NULL);   /* skew the top */

	r = ARENA_NEW(a, struct odd);
	ck_assert(r != ARENA_NULL);
	check_placed(a, r, sizeof(struct odd), _Alignof(struct odd));
	o = arena_ptr(a, r);
	ck_assert_mem_eq(o, zero, sizeof *o);

	r = ARENA_NEW(a, struct big_align);
	ck_assert(r != ARENA_NULL);
	check_placed(a, r, sizeof(struct big_align), 64);
	b = arena_ptr(a, r);
	ck_assert_mem_eq(b, zero, sizeof *b);

	ck_assert(arena_alloc(a, 3, 1) != ARENA_NULL);
	r = ARENA_NEW_ARRAY(a, uint32_t, 1000);
	ck_assert(r != ARENA_NULL);
	check_placed(a, r, 4000, 4);
	arr = arena_ptr(a, r);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(arr[i], 0);

	TU_FAILS_WITH(ARENA_NEW_ARRAY(a, uint64_t, SIZE_MAX / 4), ARENA_NULL,
	              EOVERFLOW);
	TU_FAILS_WITH(ARENA_NEW_ARRAY(a, struct odd, SIZE_MAX / 16 + 1),
	              ARENA_NULL, EOVERFLOW);
	TU_FAILS_WITH(ARENA_NEW_ARRAY(a, uint32_t, 0), ARENA_NULL, EINVAL);
	arena_detach(a);
}
END_TEST

START_TEST(memdup_contents)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	unsigned char src[5000];
	uint64_t seed = 99;

	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (unsigned char)tu_rand(&seed);
	for (size_t n = 1; n <= sizeof src; n = n * 3 + 1) {
		for (size_t align = 1; align <= 4096; align <<= 3) {
			arena_ref_t r = arena_memdup(a, src, n, align);
			ck_assert_msg(r != ARENA_NULL, "memdup(%zu, %zu): %s",
			              n, align, strerror(errno));
			check_placed(a, r, n, align);
			ck_assert_mem_eq(arena_ptr(a, r), src, n);
		}
	}
	TU_FAILS_WITH(arena_memdup(a, NULL, 8, 1), ARENA_NULL, EINVAL);
	arena_detach(a);
}
END_TEST

START_TEST(string_helpers)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	static const char s[] = "the quick brown fox";
	struct arena_stat st0, st1;
	arena_ref_t r;
	const char *p;

	st0 = tu_stat(a);
	r = arena_strdup(a, s);
	ck_assert(r != ARENA_NULL);
	st1 = tu_stat(a);
	ck_assert_uint_eq(st1.used - st0.used, sizeof s);   /* alignment 1 */
	p = arena_get_str(a, r);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, s);
	ck_assert_ptr_ne(p, s);

	r = arena_strdup(a, "");
	ck_assert(r != ARENA_NULL);
	ck_assert_str_eq(arena_get_str(a, r), "");
	ck_assert_uint_eq(tu_stat(a).used - st1.used, 1);

	for (size_t n = 0; n < sizeof s + 5; n++) {
		size_t want = n < sizeof s - 1 ? n : sizeof s - 1;
		struct arena_stat b = tu_stat(a);
		r = arena_strndup(a, s, n);
		ck_assert_msg(r != ARENA_NULL, "strndup(%zu): %s", n,
		              strerror(errno));
		p = arena_get(a, r, want + 1);
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(strlen(p) == want && memcmp(p, s, want) == 0,
		              "strndup(%zu) gave \"%s\"", n, p);
		ck_assert_uint_eq(tu_stat(a).used - b.used, want + 1);
	}
	r = arena_strndup(a, s, SIZE_MAX);
	ck_assert(r != ARENA_NULL);
	ck_assert_str_eq(arena_get_str(a, r), s);

	TU_FAILS_WITH(arena_strdup(a, NULL), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_strndup(a, NULL, 5), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_strndup(a, NULL, 0), ARENA_NULL, EINVAL);
	arena_detach(a);
}
END_TEST

/* strndup reads at most N bytes: a buffer without a NUL that ends at an
 * unmapped page. */
START_TEST(strndup_bounded_read)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf;
	arena_ref_t r;

	ck_assert(m != MAP_FAILED);
	ck_assert_int_eq(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	buf = m + pg - 10;
	memcpy(buf, "0123456789", 10);                  /* no NUL */
	r = arena_strndup(a, buf, 10);
	ck_assert(r != ARENA_NULL);
	ck_assert_str_eq(arena_get_str(a, r), "0123456789");
	r = arena_strndup(a, buf + 4, 6);
	ck_assert(r != ARENA_NULL);
	ck_assert_str_eq(arena_get_str(a, r), "456789");
	munmap(m, (size_t)pg * 2);
	arena_detach(a);
}
END_TEST

struct obj {
	uint64_t off;
	uint64_t size;
};

static int by_off(const void *x, const void *y)
{
	const struct obj *a = x, *b = y;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* Random allocations until the arena is full: no overlap, all inside the
 * region, none null, used == segment_size - lowest offset (the top moves
 * down), contents intact. */
START_TEST(no_overlap)
{
	enum { C = 2 << 20, MAXN = 40000 };
	arena_t *a = tu_create(tu_seg, C, NULL);
	struct obj *v = calloc(MAXN, sizeof *v);
	arena_ref_t *refs = calloc(MAXN, sizeof *refs);
	struct arena_stat st = tu_stat(a);
	uint64_t seed = 0xfeedface, lowest = st.segment_size, sum = 0;
	size_t n = 0;
	int nomem = 0;

	ck_assert(v != NULL && refs != NULL);
	while (n < MAXN && nomem < 50) {
		size_t size = 1 + tu_rand(&seed) % 300;
		size_t align = (size_t)1 << (tu_rand(&seed) % 13);
		arena_ref_t r;
		errno = 0;
		r = arena_alloc(a, size, align);
		if (r == ARENA_NULL) {
			ck_assert_msg(errno == ENOMEM, "alloc(%zu, %zu): "
			              "errno %d", size, align, errno);
			nomem++;
			continue;
		}
		ck_assert_uint_eq(ARENA_REF_GENERATION(r), st.generation);
		ck_assert_uint_eq(ARENA_REF_OFFSET(r) % align, 0);
		ck_assert_msg(ARENA_REF_OFFSET(r) < lowest, "top did not move "
		              "down: %llu after %llu",
		              (unsigned long long)ARENA_REF_OFFSET(r),
		              (unsigned long long)lowest);
		lowest = ARENA_REF_OFFSET(r);
		tu_fill(arena_ptr(a, r), size, r);
		refs[n] = r;
		v[n].off = ARENA_REF_OFFSET(r);
		v[n].size = size;
		sum += size;
		n++;
		if (n % 1000 == 0) {
			st = tu_stat(a);
			ck_assert_uint_eq(st.used, st.segment_size - lowest);
		}
	}
	st = tu_stat(a);
	ck_assert_msg(nomem == 50 && n > 1000, "n %zu, ENOMEM %d", n, nomem);
	ck_assert_uint_eq(st.used, st.segment_size - lowest);
	ck_assert_uint_eq(st.available, st.capacity - st.used);
	ck_assert_uint_ge(st.used, sum);
	ck_assert_uint_eq(st.failed_allocs, 50);
	for (size_t i = 0; i < n; i++) {
		size_t bad = tu_check_fill(arena_ptr(a, refs[i]), v[i].size,
		                           refs[i]);
		ck_assert_msg(bad == v[i].size, "object %zu byte %zu clobbered",
		              i, bad);
	}
	qsort(v, n, sizeof *v, by_off);
	ck_assert_uint_ge(v[0].off, st.header_size);
	ck_assert_uint_le(v[n - 1].off + v[n - 1].size, st.segment_size);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(v[i - 1].off + v[i - 1].size <= v[i].off,
		              "[%llu,+%llu) overlaps [%llu,+%llu)",
		              (unsigned long long)v[i - 1].off,
		              (unsigned long long)v[i - 1].size,
		              (unsigned long long)v[i].off,
		              (unsigned long long)v[i].size);
	free(v);
	free(refs);
	arena_detach(a);
}
END_TEST

/* A fresh segment's memory is zero (documented: "a fresh segment is
 * zero"). */
START_TEST(fresh_is_zero)
{
	arena_t *a = tu_create(tu_seg, 100000, NULL);
	arena_ref_t r = arena_alloc(a, 100000, 1);
	const unsigned char *p;
	ck_assert(r != ARENA_NULL);
	p = arena_ptr(a, r);
	for (int i = 0; i < 100000; i++)
		ck_assert_msg(p[i] == 0, "byte %d of a fresh arena is %#x", i,
		              p[i]);
	arena_detach(a);
}
END_TEST

/* A peer scribbled on the state word after we attached: allocation
 * refuses (EBADMSG), checked accessors stay inside the mapping, and a
 * reset either repairs it or refuses with EBADMSG. */
START_TEST(corrupt_state_word)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_stat st = tu_stat(a);
	const uint64_t bad_tops[] = { st.segment_size + 1, st.header_size - 1,
	                              1, ARENA_OFFSET_MASK };
	arena_ref_t r = arena_strdup(a, "before");
	unsigned char *base = tu_base(a);

	ck_assert(r != ARENA_NULL);
	for (size_t i = 0; i < sizeof bad_tops / sizeof bad_tops[0]; i++) {
		uint64_t gw = tu_stat(a).generation << ARENA_OFFSET_BITS;
		uint64_t w = gw | bad_tops[i];
		int rc;

		tu_pwrite(tu_seg, &w, 8, 128);
		TU_FAILS_WITH(arena_alloc(a, 8, 1), ARENA_NULL, EBADMSG);
		TU_FAILS_WITH(arena_calloc(a, 1, 8, 8), ARENA_NULL, EBADMSG);
		for (uint64_t off = 0; off < st.segment_size + 8192;
		     off += 61) {
			unsigned char *p = arena_get(a, gw | off, 1);
			const char *q = arena_get_str(a, gw | off);
			ck_assert_msg(p == NULL || (p >= base + st.header_size &&
			              p < base + st.segment_size),
			              "get(%llu) = %p outside the region",
			              (unsigned long long)off, (void *)p);
			ck_assert_msg(q == NULL || ((unsigned char *)q >= base +
			              st.header_size && (unsigned char *)q <
			              base + st.segment_size),
			              "get_str(%llu) outside the region",
			              (unsigned long long)off);
		}
		{
			struct arena_stat s2 = tu_stat(a);
			ck_assert_uint_le(s2.used, s2.capacity);
			ck_assert_uint_eq(s2.used + s2.available, s2.capacity);
		}
		errno = 0;
		rc = arena_reset(a, ARENA_RESET_FORCE);
		ck_assert_msg(rc == 0 || errno == EBADMSG, "reset over a "
		              "corrupt state word: errno %d", errno);
		if (rc == 0) {
			ck_assert(arena_alloc(a, 8, 1) != ARENA_NULL);
			ck_assert_uint_eq(tu_stat(a).used, 8);
		}
		/* a clean, empty state for the next round */
		w = (tu_stat(a).generation << ARENA_OFFSET_BITS) |
		    st.segment_size;
		tu_pwrite(tu_seg, &w, 8, 128);
	}
	arena_detach(a);
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tu_tcase(s, "alloc", 20);

	tcase_add_test(tc, alignments);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, exact_capacity);
	tcase_add_test(tc, enomem);
	tcase_add_test(tc, calloc_zeroes);
	tcase_add_test(tc, calloc_overflow);
	tcase_add_test(tc, new_macros);
	tcase_add_test(tc, memdup_contents);
	tcase_add_test(tc, string_helpers);
	tcase_add_test(tc, strndup_bounded_read);
	tcase_add_test(tc, no_overlap);
	tcase_add_test(tc, fresh_is_zero);
	tcase_add_test(tc, corrupt_state_word);
	return s;
}

int main(void)
{
	return tu_main(alloc_suite(), "alloc");
}
