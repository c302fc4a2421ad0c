/*
 * check_ref.c - references: arena_ptr, arena_get, arena_get_str and
 * arena_ref, round trips, every error, and random 64-bit values; the
 * identity of an arena in its references (each starts at a random
 * generation, so references from another arena or from an earlier segment
 * of the same name are ESTALE).
 */
#include "testutil.h"

#define GEN(g) ((uint64_t)(g) << ARENA_OFFSET_BITS)

START_TEST(round_trips)
{
	arena_t *a = tu_create(tu_seg, 1 << 16, NULL);
	struct arena_stat st;
	arena_ref_t refs[64];
	size_t sizes[64];
	uint64_t seed = 7;

	for (int i = 0; i < 64; i++) {
		sizes[i] = 1 + tu_rand(&seed) % 200;
		refs[i] = arena_alloc(a, sizes[i], (size_t)1 << (i % 7));
		ck_assert(refs[i] != ARENA_NULL);
		tu_fill(arena_ptr(a, refs[i]), sizes[i], refs[i]);
	}
	st = tu_stat(a);
	for (int i = 0; i < 64; i++) {
		unsigned char *p = arena_ptr(a, refs[i]);
		ck_assert_ptr_eq(p, tu_base(a) + ARENA_REF_OFFSET(refs[i]));
		ck_assert_ptr_eq(arena_get(a, refs[i], sizes[i]), p);
		ck_assert_ptr_eq(arena_get(a, refs[i], 1), p);
		ck_assert_uint_eq(arena_ref(a, p), refs[i]);
		ck_assert_uint_eq(arena_ref(a, p + sizes[i] - 1),
		                  refs[i] + sizes[i] - 1);
		ck_assert_uint_eq(tu_check_fill(p, sizes[i], refs[i]),
		                  sizes[i]);
		ck_assert_uint_eq(ARENA_REF_GENERATION(refs[i]), st.generation);
	}
	{
		arena_ref_t r = arena_strdup(a, "round trip");
		const char *s = arena_get_str(a, r);
		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_eq(s, arena_ptr(a, r));
		ck_assert_str_eq(s, "round trip");
		ck_assert_uint_eq(arena_ref(a, s), r);
		ck_assert_str_eq(arena_get_str(a, r + 6), "trip");
	}
	/* the last byte of the segment (the first object's end) */
	ck_assert_uint_eq(arena_ref(a, tu_base(a) + st.segment_size - 1),
	                  GEN(st.generation) | (st.segment_size - 1));
	/* a second handle maps elsewhere, the reference is the same */
	{
		arena_t *b = tu_attach(tu_seg, ARENA_RDONLY);
		for (int i = 0; i < 64; i++) {
			unsigned char *q = arena_get(b, refs[i], sizes[i]);
			ck_assert_ptr_nonnull(q);
			ck_assert_uint_eq(tu_check_fill(q, sizes[i], refs[i]),
			                  sizes[i]);
			ck_assert_uint_eq(arena_ref(b, q), refs[i]);
		}
		arena_detach(b);
	}
	arena_detach(a);
}
END_TEST

/* arena_get: EINVAL, EFAULT (header, end, wrap, free space). */
START_TEST(get_errors)
{
	arena_t *a = tu_create(tu_seg, 10000, NULL);
	struct arena_stat st = tu_stat(a);
	uint64_t g = GEN(st.generation), hdr = st.header_size,
	         seg = st.segment_size, top;
	arena_ref_t r = arena_alloc(a, 64, 1);
	char c;

	ck_assert(r != ARENA_NULL);
	top = ARENA_REF_OFFSET(r);
	ck_assert_uint_eq(top, seg - 64);

	TU_FAILS_WITH(arena_get(a, ARENA_NULL, 1), NULL, EINVAL);
	TU_FAILS_WITH(arena_get(NULL, r, 1), NULL, EINVAL);
	TU_FAILS_WITH(arena_get_str(a, ARENA_NULL), NULL, EINVAL);
	TU_FAILS_WITH(arena_get_str(NULL, r), NULL, EINVAL);

	/* inside the header */
	TU_FAILS_WITH(arena_get(a, g | 0, 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | 100, 8), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | 128, 8), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (hdr - 1), 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (hdr - 1), 2), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_str(a, g | 8), NULL, EFAULT);
	/* beyond the end */
	TU_FAILS_WITH(arena_get(a, g | seg, 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (seg + 1), 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (seg - 1), 2), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | ARENA_OFFSET_MASK, 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, r, 65), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_str(a, g | seg), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_str(a, g | (seg + 4096)), NULL, EFAULT);
	ck_assert_ptr_nonnull(arena_get(a, g | (seg - 1), 1));
	ck_assert_ptr_nonnull(arena_get(a, r, 64));
	/* length wrapping the address space */
	TU_FAILS_WITH(arena_get(a, r, SIZE_MAX), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, r, SIZE_MAX - top + 2), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, r, SIZE_MAX - 63), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, r, (size_t)1 << 63), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, r, -(size_t)(uintptr_t)arena_ptr(a, r)),
	              NULL, EFAULT);
	/* the part of the region not allocated yet */
	TU_FAILS_WITH(arena_get(a, g | hdr, 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (hdr + 100), 8), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (top - 1), 1), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (top - 1), 2), NULL, EFAULT);
	TU_FAILS_WITH(arena_get(a, g | (top - 8), 72), NULL, EFAULT);
	c = 0;
	memcpy(arena_ptr(a, r), &c, 1);
	TU_FAILS_WITH(arena_get_str(a, g | (top - 1)), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_str(a, g | hdr), NULL, EFAULT);
	/* once allocated, the same offsets are good */
	ck_assert(arena_alloc(a, 8, 1) != ARENA_NULL);
	ck_assert_ptr_nonnull(arena_get(a, g | (top - 1), 2));
	ck_assert_ptr_nonnull(arena_get(a, g | (top - 8), 72));
	arena_detach(a);
}
END_TEST

/* Other generations are ESTALE, older and newer, even where the offset is
 * allocated again. */
START_TEST(stale)
{
	arena_t *a = tu_create(tu_seg, 10000, NULL);
	arena_ref_t old = arena_strdup(a, "generation one");
	arena_ref_t cur, wrong;
	uint64_t off = ARENA_REF_OFFSET(old), g0 = ARENA_REF_GENERATION(old);

	ck_assert(old != ARENA_NULL);
	ck_assert_uint_eq(g0, tu_stat(a).generation);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	TU_FAILS_WITH(arena_get(a, old, 1), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(a, old), NULL, ESTALE);
	cur = arena_strdup(a, "generation two");
	ck_assert_uint_eq(ARENA_REF_OFFSET(cur), off);      /* same place */
	ck_assert_uint_eq(ARENA_REF_GENERATION(cur), tu_gen_next(g0));
	TU_FAILS_WITH(arena_get(a, old, 15), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(a, old), NULL, ESTALE);
	ck_assert_str_eq(arena_get_str(a, cur), "generation two");
	/* a future generation */
	wrong = GEN(tu_gen_add(g0, 2)) | off;
	TU_FAILS_WITH(arena_get(a, wrong, 1), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(a, wrong), NULL, ESTALE);
	/* a distant one, and the one before the first */
	wrong = GEN(tu_gen_add(g0, ARENA_GEN_MASK / 2)) | off;
	TU_FAILS_WITH(arena_get(a, wrong, 1), NULL, ESTALE);
	wrong = GEN(tu_gen_add(g0, ARENA_GEN_MASK - 1)) | off;
	TU_FAILS_WITH(arena_get(a, wrong, 1), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(a, wrong), NULL, ESTALE);
	/* generation 0 (not ARENA_NULL: the offset is set) */
	TU_FAILS_WITH(arena_get(a, off, 1), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(a, off), NULL, ESTALE);
	arena_detach(a);
}
END_TEST

/* arena_get_str: the NUL must lie inside the segment, also when the
 * mapping goes on past segment_size (capacity not a page multiple). */
START_TEST(get_str_no_nul)
{
	static const size_t caps[] = { 1000, 4096, 5000 };
	char name[TU_NAME_LEN];

	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		arena_t *a = tu_create(tu_name(name), caps[i], NULL);
		arena_ref_t r = arena_alloc(a, 16, 1);  /* ends the segment */
		arena_ref_t q;
		ck_assert(r != ARENA_NULL);
		ck_assert_uint_eq(ARENA_REF_OFFSET(r) + 16,
		                  tu_stat(a).segment_size);
		memset(arena_ptr(a, r), 'x', 16);
		TU_FAILS_WITH(arena_get_str(a, r), NULL, EFAULT);
		TU_FAILS_WITH(arena_get_str(a, r + 15), NULL, EFAULT);
		/* a string running from a lower object into this one */
		q = arena_alloc(a, 8, 1);
		ck_assert(q != ARENA_NULL);
		memset(arena_ptr(a, q), 'y', 8);
		TU_FAILS_WITH(arena_get_str(a, q), NULL, EFAULT);
		/* the NUL on the last byte is fine */
		((char *)arena_ptr(a, r))[15] = '\0';
		ck_assert_ptr_eq(arena_get_str(a, q), arena_ptr(a, q));
		ck_assert_uint_eq(strlen(arena_get_str(a, q)), 23);
		arena_detach(a);
		ck_assert_int_eq(arena_unlink(name), 0);
	}
}
END_TEST

/* arena_ref: EINVAL for NULL, EFAULT outside the region. */
START_TEST(ref_errors)
{
	arena_t *a = tu_create(tu_seg, 10000, NULL);
	struct arena_stat st = tu_stat(a);
	unsigned char *base = tu_base(a);
	int local = 0;
	unsigned char *heap = malloc(16);

	ck_assert(arena_alloc(a, 100, 1) != ARENA_NULL);
	TU_FAILS_WITH(arena_ref(a, NULL), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_ref(NULL, base + st.segment_size - 1), ARENA_NULL,
	              EINVAL);
	TU_FAILS_WITH(arena_ref(a, base), ARENA_NULL, EFAULT);
	TU_FAILS_WITH(arena_ref(a, base + 128), ARENA_NULL, EFAULT);
	TU_FAILS_WITH(arena_ref(a, base + st.header_size - 1), ARENA_NULL,
	              EFAULT);
	TU_FAILS_WITH(arena_ref(a, base + st.segment_size), ARENA_NULL, EFAULT);
	TU_FAILS_WITH(arena_ref(a, base + st.segment_size + 4096), ARENA_NULL,
	              EFAULT);
	TU_FAILS_WITH(arena_ref(a, (void *)((uintptr_t)base - 1)), ARENA_NULL,
	              EFAULT);
	TU_FAILS_WITH(arena_ref(a, &local), ARENA_NULL, EFAULT);
	TU_FAILS_WITH(arena_ref(a, heap), ARENA_NULL, EFAULT);
	TU_FAILS_WITH(arena_ref(a, (void *)UINTPTR_MAX), ARENA_NULL, EFAULT);
	free(heap);
	arena_detach(a);
}
END_TEST

/* fuzz_one -- arena_get/arena_get_str on R must do exactly what the
 * contract says, and never point outside the mapping. */
static void fuzz_one(const arena_t *a, arena_ref_t r, size_t len,
                     uint64_t gen, uint64_t top, uint64_t seg)
{
	unsigned char *base = tu_base(a);
	uint64_t off = ARENA_REF_OFFSET(r);
	int gen_ok = ARENA_REF_GENERATION(r) == gen;
	int range_ok = off >= top && off < seg && len <= seg - off;
	unsigned char *p;
	const char *s;
	int e;

	errno = 0;
	p = arena_get(a, r, len);
	e = errno;
	if (r != ARENA_NULL && gen_ok && range_ok) {
		ck_assert_msg(p == base + off, "get(%#llx, %zu) = %p, "
		              "expected %p (errno %d)", (unsigned long long)r,
		              len, (void *)p, (void *)(base + off), e);
		(void)*(volatile unsigned char *)p;
		(void)*(volatile unsigned char *)(p + len - 1);
	} else {
		ck_assert_msg(p == NULL, "get(%#llx, %zu) = %p, expected "
		              "failure (top %llu, seg %llu)",
		              (unsigned long long)r, len, (void *)p,
		              (unsigned long long)top, (unsigned long long)seg);
		if (r == ARENA_NULL)
			ck_assert_int_eq(e, EINVAL);
		else if (!gen_ok && range_ok)
			ck_assert_msg(e == ESTALE, "get(%#llx): errno %d, "
			              "expected ESTALE", (unsigned long long)r, e);
		else if (gen_ok)
			ck_assert_msg(e == EFAULT, "get(%#llx, %zu): errno %d, "
			              "expected EFAULT", (unsigned long long)r,
			              len, e);
		else
			ck_assert_msg(e == ESTALE || e == EFAULT, "get(%#llx):"
			              " errno %d", (unsigned long long)r, e);
	}

	errno = 0;
	s = arena_get_str(a, r);
	e = errno;
	if (r != ARENA_NULL && gen_ok && off >= top && off < seg &&
	    memchr(base + off, 0, seg - off) != NULL) {
		ck_assert_msg(s == (char *)base + off, "get_str(%#llx) = %p, "
		              "expected %p (errno %d)", (unsigned long long)r,
		              (const void *)s, (void *)(base + off), e);
	} else {
		ck_assert_msg(s == NULL, "get_str(%#llx) = %p, expected "
		              "failure", (unsigned long long)r, (const void *)s);
		ck_assert_msg(e == EINVAL || e == ESTALE || e == EFAULT,
		              "get_str(%#llx): errno %d", (unsigned long long)r,
		              e);
		if (r == ARENA_NULL)
			ck_assert_int_eq(e, EINVAL);
		else if (gen_ok)
			ck_assert_int_eq(e, EFAULT);
	}
}

/* 10^5 random and half-random references. */
START_TEST(fuzz)
{
	arena_t *a = tu_create(tu_seg, 60000, NULL);
	arena_t *ro;
	struct arena_stat st;
	uint64_t seed = 0x5eed5eed, gen, top, seg;
	arena_ref_t r;

	fprintf(stderr, "check_ref fuzz: seed %#llx\n",
	        (unsigned long long)seed);
	/* the generation after the first, a third of the region allocated,
	 * random bytes with some NULs in it */
	gen = tu_stat(a).generation;
	ck_assert(arena_alloc(a, 1000, 1) != ARENA_NULL);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	r = arena_alloc(a, 20000, 1);
	ck_assert(r != ARENA_NULL);
	{
		unsigned char *p = arena_ptr(a, r);
		for (int i = 0; i < 20000; i++) {
			uint64_t x = tu_rand(&seed);
			p[i] = x % 61 == 0 ? 0 : (unsigned char)(x >> 8 | 1);
		}
		memset(p + 19000, 'z', 1000);   /* no NUL before the end */
	}
	st = tu_stat(a);
	seg = st.segment_size;
	top = seg - st.used;
	ck_assert_uint_eq(st.generation, tu_gen_next(gen));
	gen = st.generation;
	ro = tu_attach(tu_seg, ARENA_RDONLY);

	for (int i = 0; i < 100000; i++) {
		uint64_t x = tu_rand(&seed), off;
		size_t len;
		switch (i % 5) {
		case 0:                        /* anything at all */
			r = x;
			break;
		case 1:                        /* right generation */
			off = tu_rand(&seed) % (seg + 10000);
			r = GEN(gen) | off;
			break;
		case 2:                        /* near the edges */
			off = (x & 1 ? seg : top) + (tu_rand(&seed) % 64) - 32;
			r = GEN(gen) | off;
			break;
		case 3:                        /* any generation, good offset: */
			off = top + tu_rand(&seed) % (seg - top);
			if (x & 1) {           /* 0, previous, current, next */
				uint64_t k = x >> 40 & 3;
				r = GEN(k == 0 ? 0 : tu_gen_add(gen, k - 2 +
				                                ARENA_GEN_MASK)) | off;
			} else {
				r = GEN(x >> 40 & ARENA_GEN_MASK) | off;
			}
			break;
		default:                       /* high offsets */
			r = GEN(gen) | (x & ARENA_OFFSET_MASK);
			break;
		}
		x = tu_rand(&seed);
		switch (x % 4) {
		case 0:
			len = 1;
			break;
		case 1:
			len = 1 + (size_t)(x >> 8) % 64;
			break;
		case 2:
			len = 1 + (size_t)(x >> 8) % 30000;
			break;
		default:
			len = SIZE_MAX - (size_t)(x >> 8) % 100000;
			break;
		}
		fuzz_one(i & 1 ? ro : a, r, len, gen, top, seg);
	}
	arena_detach(ro);
	arena_detach(a);
}
END_TEST

/* ---- arena identity ------------------------------------------------------ */

/* same_place -- create NAME with capacity 10000 and strdup S in it: the
 * reference of S, at the same offset as in every arena made so. */
static arena_t *same_place(const char *name, const char *s, arena_ref_t *r)
{
	arena_t *a = tu_create(name, 10000, NULL);

	*r = arena_strdup(a, s);
	ck_assert(*r != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_GENERATION(*r), tu_stat(a).generation);
	return a;
}

/* recreate_until_other -- *B (named NAME, holding S at *RB) again, with a
 * new segment, until its generation is not G.  The two generations are
 * equal with probability 1/(2^24 - 1): the test must not then fail, nor
 * pass without having tried what it tries. */
static void recreate_until_other(arena_t **b, const char *name, const char *s,
                                 arena_ref_t *rb, uint64_t g)
{
	for (int tries = 0; tu_stat(*b).generation == g; tries++) {
		ck_assert_msg(tries < 8, "8 new segments in a row started at "
		              "generation %llu", (unsigned long long)g);
		arena_detach(*b);
		ck_assert_int_eq(arena_unlink(name), 0);
		*b = same_place(name, s, rb);
	}
}

/* refused_here -- R, a reference of another arena or of an earlier
 * segment of B's name, whose offset is allocated in B (at RB, B's own
 * reference to a string as long): ESTALE from every call that takes a
 * reference, though B's bytes are there. */
static void refused_here(arena_t *b, arena_ref_t r, arena_ref_t rb)
{
	ck_assert_uint_eq(ARENA_REF_OFFSET(r), ARENA_REF_OFFSET(rb));
	ck_assert_uint_ne(ARENA_REF_GENERATION(r), ARENA_REF_GENERATION(rb));
	ck_assert_ptr_nonnull(arena_get(b, rb, 1));     /* the offset is good */
	TU_FAILS_WITH(arena_get(b, r, 1), NULL, ESTALE);
	TU_FAILS_WITH(arena_get(b, r, 8), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(b, r), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(b, r + 3), NULL, ESTALE);
	TU_FAILS_WITH(arena_publish(b, "foreign", r), -1, ESTALE);
	TU_FAILS_WITH(arena_lookup(b, "foreign"), ARENA_NULL, ENOENT);
}

/* A reference from arena A used on arena B is ESTALE, both ways, also
 * through a read-only handle, though its offset is allocated in both. */
START_TEST(other_arena)
{
	char nb[TU_NAME_LEN];
	arena_ref_t ra, rb;
	arena_t *a = same_place(tu_seg, "in arena A", &ra);
	arena_t *b = same_place(tu_name(nb), "in arena B", &rb), *ro;

	recreate_until_other(&b, nb, "in arena B", &rb, tu_stat(a).generation);
	refused_here(b, ra, rb);
	refused_here(a, rb, ra);
	ro = tu_attach(nb, ARENA_RDONLY);
	TU_FAILS_WITH(arena_get(ro, ra, 1), NULL, ESTALE);
	TU_FAILS_WITH(arena_get_str(ro, ra), NULL, ESTALE);
	ck_assert_str_eq(arena_get_str(ro, rb), "in arena B");
	arena_detach(ro);
	/* each arena's own references are untouched */
	ck_assert_str_eq(arena_get_str(a, ra), "in arena A");
	ck_assert_str_eq(arena_get_str(b, rb), "in arena B");
	arena_detach(b);
	arena_detach(a);
}
END_TEST

/* A reference kept across arena_unlink and a new segment of the same
 * name is ESTALE there; the old segment, still mapped, still takes it. */
START_TEST(recreated_name)
{
	arena_ref_t old, cur;
	arena_t *a = same_place(tu_seg, "the old segment", &old), *b;

	ck_assert_int_eq(arena_unlink(tu_seg), 0);
	b = same_place(tu_seg, "the new segment", &cur);
	recreate_until_other(&b, tu_seg, "the new segment", &cur,
	                     ARENA_REF_GENERATION(old));
	refused_here(b, old, cur);
	ck_assert_str_eq(arena_get_str(a, old), "the old segment");
	arena_detach(a);
	/* and once the old one is gone for good: attach by name */
	arena_detach(b);
	b = tu_attach(tu_seg, 0);
	refused_here(b, old, cur);
	ck_assert_str_eq(arena_get_str(b, cur), "the new segment");
	arena_detach(b);
}
END_TEST

/* New arenas start at a random generation, never 0, the same in the state
 * word, the epoch word and the references: 8 arenas all at one
 * generation would happen by chance with probability 2^-168. */
START_TEST(random_start)
{
	enum { N = 8 };
	uint64_t g[N];
	int differ = 0;

	for (int i = 0; i < N; i++) {
		char buf[TU_NAME_LEN];
		const char *name = i == 0 ? tu_seg : tu_name(buf);
		arena_t *a = tu_create(name, 4096, NULL);
		arena_ref_t r = arena_alloc(a, 8, 8);
		uint64_t w, e;

		/* format 2: the state word at 128, the epoch word at 256 */
		tu_pread(name, &w, sizeof w, 128);
		tu_pread(name, &e, sizeof e, 256);
		g[i] = tu_stat(a).generation;
		ck_assert_uint_ge(g[i], 1);
		ck_assert_uint_le(g[i], ARENA_GEN_MASK);
		ck_assert_uint_eq(w >> ARENA_OFFSET_BITS, g[i]);
		ck_assert_uint_eq(e >> ARENA_OFFSET_BITS, g[i]);
		ck_assert_uint_eq(e & ARENA_OFFSET_MASK, 0);    /* no resets */
		ck_assert_uint_eq(ARENA_REF_GENERATION(r), g[i]);
		ck_assert_uint_eq(tu_stat(a).resets, 0);
		if (g[i] != g[0])
			differ = 1;
		arena_detach(a);
	}
	ck_assert_msg(differ, "%d new arenas all started at generation %llu",
	              N, (unsigned long long)g[0]);
}
END_TEST

static Suite *ref_suite(void)
{
	Suite *s = suite_create("ref");
	TCase *tc = tu_tcase(s, "ref", 30);

	tcase_add_test(tc, round_trips);
	tcase_add_test(tc, get_errors);
	tcase_add_test(tc, stale);
	tcase_add_test(tc, get_str_no_nul);
	tcase_add_test(tc, ref_errors);
	tcase_add_test(tc, fuzz);
	tcase_add_test(tc, other_arena);
	tcase_add_test(tc, recreated_name);
	tcase_add_test(tc, random_start);
	return s;
}

int main(void)
{
	return tu_main(ref_suite(), "ref");
}
