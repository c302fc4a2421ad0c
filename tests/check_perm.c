/*
 * check_perm.c - the permanent part (issue 11, item 1): memory and
 * directory bindings that no reset frees, next to the bump region.
 */
#include "testutil.h"
#include "../lib/format.h"

static arena_t *create_perm(const char *name, size_t cap, size_t perm,
                            unsigned pdir)
{
	struct arena_options o = { 0 };

	o.perm_size = perm;
	o.perm_dir_slots = pdir;
	return tu_create(name, cap, &o);
}

/* every_reset -- reset A in each way, checking after each that CHECK(A)
 * holds. */
static void every_reset(arena_t *a, void (*check)(arena_t *))
{
	struct timespec t = { 1, 0 };

	ck_assert_int_eq(arena_reset(a, 0), 0);
	check(a);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_FORCE), 0);
	check(a);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_TRIM), 0);
	check(a);
	ck_assert_int_eq(arena_reset_wait(a, 0, &t), 0);
	check(a);
}

static arena_ref_t cfg, table;

static void still_there(arena_t *a)
{
	const uint32_t *v;

	ck_assert_str_eq(arena_get_str(a, cfg), "config: kept");
	v = arena_get(a, table, 64 * sizeof(uint32_t));
	ck_assert_ptr_nonnull(v);
	for (uint32_t i = 0; i < 64; i++)
		ck_assert_uint_eq(v[i], i * i);
	ck_assert_uint_eq(arena_lookup(a, "config"), cfg);
	ck_assert_uint_eq(arena_lookup(a, "table"), table);
	/* The bump region was emptied: its key is gone. */
	TU_FAILS_WITH(arena_lookup(a, "scratch"), ARENA_NULL, ENOENT);
}

START_TEST(survives_resets)
{
	arena_t *a = create_perm(tu_seg, 1 << 20, 10000, 0);
	struct arena_stat st = tu_stat(a);
	uint32_t *v;

	ck_assert_uint_eq(st.perm_size, 12288);       /* rounded to pages */
	ck_assert_uint_eq(st.perm_used, 0);
	ck_assert_uint_eq(st.perm_dir_slots, ARENA_DEFAULT_PERM_DIR_SLOTS);
	ck_assert_uint_eq(st.capacity, 1 << 20);
	ck_assert_uint_eq(st.segment_size, st.header_size + 12288 + (1 << 20));
	cfg = arena_perm_strdup(a, "config: kept");
	ck_assert(cfg != ARENA_NULL);
	table = arena_perm_alloc(a, 64 * sizeof(uint32_t), 64);
	ck_assert(table != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_OFFSET(table) % 64, 0);
	/* Between the header and the bump region. */
	ck_assert_uint_ge(ARENA_REF_OFFSET(table), st.header_size);
	ck_assert_uint_lt(ARENA_REF_OFFSET(cfg), st.header_size + 12288);
	v = arena_ptr(a, table);
	for (uint32_t i = 0; i < 64; i++)
		v[i] = i * i;
	ck_assert_uint_eq(arena_ref(a, v), table);
	ck_assert_int_eq(arena_publish(a, "config", cfg), 0);
	ck_assert_int_eq(arena_publish(a, "table", table), 0);
	ck_assert_int_eq(arena_publish(a, "scratch", arena_strdup(a, "s")), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.perm_used, 12288 - (ARENA_REF_OFFSET(table) -
	                                         st.header_size));
	ck_assert_uint_eq(st.perm_dir_entries, 2);
	ck_assert_uint_eq(st.dir_entries, 1);
	ck_assert_int_eq(arena_dir_list(a, NULL, 0), 3);
	every_reset(a, still_there);
	/* Another process sees the same. */
	arena_t *b = tu_attach(tu_seg, ARENA_RDONLY);
	still_there(b);
	TU_FAILS_WITH(arena_perm_alloc(b, 8, 8), ARENA_NULL, EROFS);
	ck_assert_int_eq(arena_detach(b), 0);
	/* Many generations later, the same. */
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(arena_reset(a, 0), 0);
	still_there(a);
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

START_TEST(directory_rules)
{
	arena_t *a = create_perm(tu_seg, 1 << 20, 4096, 2);
	arena_ref_t p1 = arena_perm_strdup(a, "p1");
	arena_ref_t p2 = arena_perm_strdup(a, "p2");
	arena_ref_t p3 = arena_perm_strdup(a, "p3");
	arena_ref_t b1 = arena_strdup(a, "b1");
	struct arena_dirent d[4];

	ck_assert_int_eq(arena_publish(a, "k", p1), 0);
	/* A permanent key takes no bump reference ... */
	TU_FAILS_WITH(arena_publish(a, "k", b1), -1, EEXIST);
	/* ... but another permanent one replaces it. */
	ck_assert_int_eq(arena_publish(a, "k", p2), 0);
	ck_assert_uint_eq(arena_lookup(a, "k"), p2);
	/* A key of the generation takes no permanent reference until the
	 * generation ends. */
	ck_assert_int_eq(arena_publish(a, "g", b1), 0);
	TU_FAILS_WITH(arena_publish(a, "g", p3), -1, EEXIST);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert_int_eq(arena_publish(a, "g", p3), 0);
	/* Two slots: full. */
	TU_FAILS_WITH(arena_publish(a, "x", p1), -1, ENOSPC);
	ck_assert_int_eq(arena_dir_list(a, d, 4), 2);
	for (int i = 0; i < 2; i++)
		ck_assert_uint_ge(d[i].slot, tu_stat(a).dir_slots);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

START_TEST(bounds)
{
	arena_t *a = create_perm(tu_seg, 1 << 16, 4096, 0);
	struct arena_stat st = tu_stat(a);
	uint64_t end = st.header_size + 4096;
	arena_ref_t r, s;
	size_t len;

	/* Fill it: the next allocation fails, nothing moves. */
	r = arena_perm_alloc(a, 4000, 8);
	ck_assert(r != ARENA_NULL);
	TU_FAILS_WITH(arena_perm_alloc(a, 200, 8), ARENA_NULL, ENOMEM);
	s = arena_perm_alloc(a, 96, 1);
	ck_assert(s != ARENA_NULL);
	TU_FAILS_WITH(arena_perm_alloc(a, 1, 1), ARENA_NULL, ENOMEM);
	ck_assert_uint_eq(tu_stat(a).perm_used, 4096);
	/* Bad arguments. */
	TU_FAILS_WITH(arena_perm_alloc(NULL, 8, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_perm_alloc(a, 0, 8), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_perm_alloc(a, 8, 3), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_perm_strdup(a, NULL), ARENA_NULL, EINVAL);
	/* An object stays inside the part; a string's NUL too. */
	ck_assert_ptr_nonnull(arena_get(a, r, end - ARENA_REF_OFFSET(r)));
	TU_FAILS_WITH(arena_get(a, r, end - ARENA_REF_OFFSET(r) + 1), NULL,
	              EFAULT);
	memset(arena_ptr(a, r), 'x', end - ARENA_REF_OFFSET(r));
	TU_FAILS_WITH(arena_get_str(a, r), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_strn(a, r, 1 << 20, &len), NULL, EFAULT);
	ck_assert_ptr_nonnull(arena_get_strn(a, r, 16, &len));
	ck_assert_uint_eq(len, 16);
	/* The wrong tag, or an offset not yet allocated (none left here:
	 * use a fresh arena). */
	TU_FAILS_WITH(arena_get(a, FMT_WORD((FMT_GEN(r) % 0xfffffe) + 1,
	                                    FMT_OFF(r)), 1), NULL, ESTALE);
	ck_assert_int_eq(arena_detach(a), 0);

	char nm[TU_NAME_LEN];
	a = create_perm(tu_name(nm), 1 << 16, 8192, 0);
	r = arena_perm_alloc(a, 16, 16);
	TU_FAILS_WITH(arena_get(a, r - 16, 1), NULL, EFAULT);
	ck_assert_ptr_nonnull(arena_get(a, r, 16));
	/* A bump reference of the current generation pointing into the
	 * part is not one of its references. */
	st = tu_stat(a);
	if (st.generation == FMT_GEN(r))       /* one chance in 2^24 */
		ck_assert_int_eq(arena_reset(a, 0), 0);
	st = tu_stat(a);
	TU_FAILS_WITH(arena_get(a, FMT_WORD(st.generation, FMT_OFF(r)), 1),
	              NULL, ESTALE);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

START_TEST(no_part)
{
	arena_t *a = tu_create(tu_seg, 1 << 16, NULL);
	struct arena_stat st = tu_stat(a);
	struct arena_options o = { 0 };
	char nm[TU_NAME_LEN];

	ck_assert_uint_eq(st.perm_size, 0);
	ck_assert_uint_eq(st.perm_dir_slots, 0);
	TU_FAILS_WITH(arena_perm_alloc(a, 8, 8), ARENA_NULL, ENOMEM);
	TU_FAILS_WITH(arena_perm_strdup(a, "x"), ARENA_NULL, ENOMEM);
	ck_assert_int_eq(arena_detach(a), 0);
	/* A permanent directory needs a permanent part. */
	o.perm_dir_slots = 4;
	TU_FAILS_WITH(arena_create(tu_name(nm), 1 << 16, &o), NULL, EINVAL);
	o.perm_dir_slots = ARENA_MAX_SLOTS + 1;
	o.perm_size = 4096;
	TU_FAILS_WITH(arena_create(tu_name(nm), 1 << 16, &o), NULL, EINVAL);
	o.perm_dir_slots = 0;
	o.perm_size = ARENA_MAX_SEGMENT;
	TU_FAILS_WITH(arena_create(tu_name(nm), 1 << 16, &o), NULL, EFBIG);
	/* A part with no directory. */
	o.perm_size = 4096;
	o.perm_dir_slots = ARENA_DIR_NONE;
	a = tu_create(tu_name(nm), 1 << 16, &o);
	ck_assert_uint_eq(tu_stat(a).perm_dir_slots, 0);
	arena_ref_t r = arena_perm_strdup(a, "x");
	ck_assert(r != ARENA_NULL);
	TU_FAILS_WITH(arena_publish(a, "x", r), -1, ENOSPC);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

static Suite *perm_suite(void)
{
	Suite *s = suite_create("perm");
	TCase *tc = tu_tcase(s, "perm", 60);

	tcase_add_test(tc, survives_resets);
	tcase_add_test(tc, directory_rules);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, no_part);
	return s;
}

int main(void)
{
	return tu_main(perm_suite(), "perm");
}
