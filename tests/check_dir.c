/*
 * check_dir.c - the named directory: arena_publish, arena_lookup,
 * arena_dir_list; key limits, a full directory, resets, stale references,
 * other processes, no directory at all, racing publishers.
 */
#include "testutil.h"
#include "../lib/format.h"

START_TEST(publish_lookup)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	arena_t *b = tu_attach(tu_seg, 0);
	arena_ref_t r1 = arena_strdup(a, "one"), r2 = arena_strdup(a, "two");
	struct arena_dirent de[4];

	ck_assert(r1 != ARENA_NULL && r2 != ARENA_NULL);
	TU_FAILS_WITH(arena_lookup(a, "k"), ARENA_NULL, ENOENT);
	ck_assert_int_eq(arena_publish(a, "k", r1), 0);
	ck_assert_uint_eq(arena_lookup(a, "k"), r1);
	ck_assert_uint_eq(arena_lookup(b, "k"), r1);
	ck_assert_str_eq(arena_get_str(b, arena_lookup(b, "k")), "one");
	ck_assert_uint_eq(tu_stat(a).dir_entries, 1);

	/* replace: same key, still one entry */
	ck_assert_int_eq(arena_publish(b, "k", r2), 0);
	ck_assert_uint_eq(arena_lookup(a, "k"), r2);
	ck_assert_uint_eq(tu_stat(a).dir_entries, 1);
	ck_assert_int_eq(arena_dir_list(a, de, 4), 1);
	ck_assert_str_eq(de[0].key, "k");
	ck_assert_uint_eq(de[0].ref, r2);

	/* keys are compared whole */
	TU_FAILS_WITH(arena_lookup(a, "kk"), ARENA_NULL, ENOENT);
	TU_FAILS_WITH(arena_lookup(a, "K"), ARENA_NULL, ENOENT);
	ck_assert_int_eq(arena_publish(a, "kk", r1), 0);
	ck_assert_uint_eq(arena_lookup(a, "kk"), r1);
	ck_assert_uint_eq(arena_lookup(a, "k"), r2);
	ck_assert_uint_eq(tu_stat(a).dir_entries, 2);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

START_TEST(key_limits)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	arena_ref_t r = arena_strdup(a, "value");
	char key[ARENA_KEY_MAX + 2], other[ARENA_KEY_MAX + 1];

	memset(key, 'k', ARENA_KEY_MAX);
	key[ARENA_KEY_MAX] = '\0';
	ck_assert_int_eq(arena_publish(a, key, r), 0);
	ck_assert_uint_eq(arena_lookup(a, key), r);
	/* a different key of the same length, differing in the last byte */
	memcpy(other, key, sizeof other);
	other[ARENA_KEY_MAX - 1] = 'z';
	TU_FAILS_WITH(arena_lookup(a, other), ARENA_NULL, ENOENT);
	{
		struct arena_dirent de[2];
		ck_assert_int_eq(arena_dir_list(a, de, 2), 1);
		ck_assert_str_eq(de[0].key, key);
	}

	key[ARENA_KEY_MAX] = 'k';
	key[ARENA_KEY_MAX + 1] = '\0';
	TU_FAILS_WITH(arena_publish(a, key, r), -1, ENAMETOOLONG);
	TU_FAILS_WITH(arena_lookup(a, key), ARENA_NULL, ENAMETOOLONG);
	TU_FAILS_WITH(arena_publish(a, "", r), -1, EINVAL);
	TU_FAILS_WITH(arena_lookup(a, ""), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_publish(a, NULL, r), -1, EINVAL);
	TU_FAILS_WITH(arena_lookup(a, NULL), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_publish(a, "x", ARENA_NULL), -1, EINVAL);
	TU_FAILS_WITH(arena_publish(NULL, "x", r), -1, EINVAL);
	TU_FAILS_WITH(arena_lookup(NULL, "x"), ARENA_NULL, EINVAL);
	ck_assert_uint_eq(tu_stat(a).dir_entries, 1);
	arena_detach(a);
}
END_TEST

/* Publishing a reference that is not good now. */
START_TEST(publish_bad_refs)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	arena_ref_t old = arena_strdup(a, "old");
	struct arena_stat st;
	arena_ref_t cur;

	ck_assert(old != ARENA_NULL);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	cur = arena_strdup(a, "cur");
	st = tu_stat(a);
	TU_FAILS_WITH(arena_publish(a, "old", old), -1, ESTALE);
	TU_FAILS_WITH(arena_publish(a, "fut",
	                            (tu_gen_next(st.generation) <<
	                             ARENA_OFFSET_BITS) | ARENA_REF_OFFSET(cur)),
	              -1, ESTALE);
	TU_FAILS_WITH(arena_publish(a, "hdr",
	              ((uint64_t)st.generation << ARENA_OFFSET_BITS) | 64),
	              -1, EFAULT);
	TU_FAILS_WITH(arena_publish(a, "end",
	              ((uint64_t)st.generation << ARENA_OFFSET_BITS) |
	              st.segment_size), -1, EFAULT);
	TU_FAILS_WITH(arena_lookup(a, "old"), ARENA_NULL, ENOENT);
	ck_assert_uint_eq(tu_stat(a).dir_entries, 0);
	ck_assert_int_eq(arena_publish(a, "cur", cur), 0);
	arena_detach(a);
}
END_TEST

/* A directory of 4: the fifth key is ENOSPC, replacing still works; after
 * a reset nothing is visible and all four slots are free again. */
START_TEST(full_and_reset)
{
	struct arena_options o;
	struct arena_dirent de[8];
	arena_t *a;
	arena_ref_t r[8];
	char key[48];

	memset(&o, 0, sizeof o);
	o.dir_slots = 4;
	a = tu_create(tu_seg, 65536, &o);
	ck_assert_uint_eq(tu_stat(a).dir_slots, 4);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			r[i] = arena_alloc(a, 8, 8);
			ck_assert(r[i] != ARENA_NULL);
		}
		for (int i = 0; i < 4; i++) {
			snprintf(key, sizeof key, "r%d-key%d", round, i);
			ck_assert_msg(arena_publish(a, key, r[i]) == 0,
			              "round %d: publish %s: %s", round, key,
			              strerror(errno));
		}
		snprintf(key, sizeof key, "r%d-key4", round);
		TU_FAILS_WITH(arena_publish(a, key, r[4]), -1, ENOSPC);
		TU_FAILS_WITH(arena_lookup(a, key), ARENA_NULL, ENOENT);
		snprintf(key, sizeof key, "r%d-key2", round);
		ck_assert_int_eq(arena_publish(a, key, r[5]), 0);
		ck_assert_uint_eq(arena_lookup(a, key), r[5]);
		ck_assert_uint_eq(tu_stat(a).dir_entries, 4);
		ck_assert_int_eq(arena_dir_list(a, de, 8), 4);
		/* previous rounds' keys are gone */
		if (round > 0) {
			snprintf(key, sizeof key, "r%d-key0", round - 1);
			TU_FAILS_WITH(arena_lookup(a, key), ARENA_NULL, ENOENT);
		}
		ck_assert_int_eq(arena_reset(a, 0), 0);
		ck_assert_uint_eq(tu_stat(a).dir_entries, 0);
		ck_assert_int_eq(arena_dir_list(a, de, 8), 0);
		snprintf(key, sizeof key, "r%d-key1", round);
		TU_FAILS_WITH(arena_lookup(a, key), ARENA_NULL, ENOENT);
	}
	arena_detach(a);
}
END_TEST

START_TEST(dir_list)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_dirent de[64];
	arena_ref_t r[20];
	int seen[20];
	char key[48];

	ck_assert_int_eq(arena_dir_list(a, de, 64), 0);
	for (int i = 0; i < 20; i++) {
		r[i] = arena_alloc(a, 4, 4);
		snprintf(key, sizeof key, "list-%02d", i);
		ck_assert_int_eq(arena_publish(a, key, r[i]), 0);
	}
	memset(seen, 0, sizeof seen);
	ck_assert_int_eq(arena_dir_list(a, de, 64), 20);
	for (int i = 0; i < 20; i++) {
		int k;
		ck_assert_msg(sscanf(de[i].key, "list-%d", &k) == 1 && k >= 0
		              && k < 20, "bad key \"%s\"", de[i].key);
		ck_assert_msg(!seen[k], "key %s listed twice", de[i].key);
		seen[k] = 1;
		ck_assert_uint_eq(de[i].ref, r[k]);
		ck_assert_uint_lt(de[i].slot, 64);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(de[j].slot, de[i].slot);
	}
	/* a short array: the full count, N entries filled, nothing more */
	memset(de, 0x55, sizeof de);
	ck_assert_int_eq(arena_dir_list(a, de, 5), 20);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(strncmp(de[i].key, "list-", 5), 0);
	ck_assert_uint_eq(de[5].slot, 0x55555555u);
	ck_assert_int_eq(arena_dir_list(a, NULL, 0), 20);
	TU_FAILS_WITH(arena_dir_list(NULL, de, 5), -1, EINVAL);
	arena_detach(a);
}
END_TEST

struct child_arg {
	const char *name;
	const char *key;
	const char *value;
};

static int child_publish(void *arg)
{
	struct child_arg *c = arg;
	arena_t *a = arena_attach(c->name, 0);
	arena_ref_t r;
	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	r = arena_strdup(a, c->value);
	if (r == ARENA_NULL || arena_publish(a, c->key, r) != 0)
		return tu_fail(2, "publish: %s", strerror(errno));
	arena_detach(a);
	return 0;
}

static int child_lookup(void *arg)
{
	struct child_arg *c = arg;
	arena_t *a = arena_attach(c->name, ARENA_RDONLY);
	const char *s;
	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	s = arena_get_str(a, arena_lookup(a, c->key));
	if (s == NULL)
		return tu_fail(2, "lookup %s: %s", c->key, strerror(errno));
	if (strcmp(s, c->value) != 0)
		return tu_fail(3, "lookup %s: \"%s\"", c->key, s);
	arena_detach(a);
	return 0;
}

/* A child publishes, the parent looks up; and the other way round. */
START_TEST(across_processes)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct child_arg c = { tu_seg, "from-child", "written by the child" };
	arena_ref_t r;

	tu_wait_ok(tu_fork(child_publish, &c));
	r = arena_lookup(a, "from-child");
	ck_assert_msg(r != ARENA_NULL, "lookup: %s", strerror(errno));
	ck_assert_str_eq(arena_get_str(a, r), "written by the child");

	r = arena_strdup(a, "written by the parent");
	ck_assert_int_eq(arena_publish(a, "from-parent", r), 0);
	c.key = "from-parent";
	c.value = "written by the parent";
	tu_wait_ok(tu_fork(child_lookup, &c));
	arena_detach(a);
}
END_TEST

START_TEST(no_directory)
{
	struct arena_options o;
	struct arena_dirent de[2];
	arena_t *a;
	arena_ref_t r;

	memset(&o, 0, sizeof o);
	o.dir_slots = ARENA_DIR_NONE;
	a = tu_create(tu_seg, 65536, &o);
	ck_assert_uint_eq(tu_stat(a).dir_slots, 0);
	r = arena_strdup(a, "x");
	TU_FAILS_WITH(arena_publish(a, "k", r), -1, ENOSPC);
	TU_FAILS_WITH(arena_lookup(a, "k"), ARENA_NULL, ENOENT);
	ck_assert_int_eq(arena_dir_list(a, de, 2), 0);
	ck_assert_uint_eq(tu_stat(a).dir_entries, 0);
	arena_detach(a);
}
END_TEST

#define RACERS 4
#define RACE_KEYS 40
#define RACE_ROUNDS 16

struct race_arg {
	const char *name;
	int id;
	struct tu_gate *g;
};

static int child_race(void *arg)
{
	struct race_arg *ra = arg;
	arena_t *a = arena_attach(ra->name, 0);
	arena_ref_t r[RACE_KEYS];
	int order[RACE_KEYS];
	uint64_t seed = 1 + (uint64_t)getpid();
	char key[48];
	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	/* each publisher its own order: different keys collide too */
	for (int k = 0; k < RACE_KEYS; k++)
		order[k] = k;
	for (int k = RACE_KEYS - 1; k > 0; k--) {
		int j = (int)(tu_rand(&seed) % (uint64_t)(k + 1)), t = order[k];
		order[k] = order[j];
		order[j] = t;
	}
	for (int k = 0; k < RACE_KEYS; k++) {
		r[k] = arena_alloc(a, 8, 8);
		if (r[k] == ARENA_NULL)
			return tu_fail(2, "alloc: %s", strerror(errno));
		*(uint64_t *)arena_ptr(a, r[k]) = (uint64_t)ra->id << 32 |
		                                  (uint64_t)k;
	}
	tu_gate_signal(ra->g, 'r');
	tu_gate_hold(ra->g);            /* all start together */
	for (int i = 0; i < RACE_KEYS; i++) {
		int k = order[i];
		snprintf(key, sizeof key, "race-%d", k);
		if (arena_publish(a, key, r[k]) != 0)
			return tu_fail(3, "publish %s: %s", key,
			               strerror(errno));
	}
	arena_detach(a);
	return 0;
}

/* Several processes publish the same keys at once: exactly one entry per
 * key, bound to one of the published references. */
START_TEST(racing_publishers)
{
	struct arena_options o;
	struct arena_dirent de[64];
	arena_t *a;

	memset(&o, 0, sizeof o);
	o.dir_slots = RACE_KEYS + 4;      /* crowded: long probe chains */
	a = tu_create(tu_seg, 1 << 20, &o);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		struct tu_gate g;
		struct race_arg ra[RACERS];
		pid_t pid[RACERS];
		int count[RACE_KEYS], n;

		tu_gate_init(&g);
		for (int i = 0; i < RACERS; i++) {
			ra[i].name = tu_seg;
			ra[i].id = i;
			ra[i].g = &g;
			pid[i] = tu_fork(child_race, &ra[i]);
		}
		for (int i = 0; i < RACERS; i++)
			tu_gate_wait(&g);
		tu_gate_release(&g);
		for (int i = 0; i < RACERS; i++)
			tu_wait_ok(pid[i]);
		close(g.ready[0]);
		close(g.ready[1]);
		close(g.hold[0]);

		n = arena_dir_list(a, de, 64);
		ck_assert_msg(n == RACE_KEYS, "round %d: %d entries for %d "
		              "keys", round, n, RACE_KEYS);
		memset(count, 0, sizeof count);
		for (int i = 0; i < n; i++) {
			int k;
			uint64_t v;
			ck_assert(sscanf(de[i].key, "race-%d", &k) == 1);
			ck_assert(k >= 0 && k < RACE_KEYS);
			count[k]++;
			ck_assert_uint_eq(arena_lookup(a, de[i].key), de[i].ref);
			ck_assert_ptr_nonnull(arena_get(a, de[i].ref, 8));
			v = *(uint64_t *)arena_ptr(a, de[i].ref);
			ck_assert_msg((v & 0xffffffffu) == (uint64_t)k &&
			              (v >> 32) < RACERS, "key %s bound to a "
			              "reference published for another key "
			              "(%#llx)", de[i].key,
			              (unsigned long long)v);
		}
		for (int k = 0; k < RACE_KEYS; k++)
			ck_assert_msg(count[k] == 1, "round %d: key race-%d "
			              "has %d entries", round, k, count[k]);
		ck_assert_uint_eq(tu_stat(a).dir_entries, RACE_KEYS);
		ck_assert_int_eq(arena_reset(a, 0), 0);
	}
	arena_detach(a);
}
END_TEST

/* A directory slot rewritten by a faulty or malicious peer: a key without
 * its NUL, a reference of another generation.  Lookups and listings must
 * not read past the slot nor hand out the stale reference. */
START_TEST(forged_slots)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_dirent de[8];
	struct fmt_dirent *slots;
	struct fmt_header h;
	arena_ref_t old, r1, r2;
	unsigned s1 = 0, s2 = 0;
	void *map;
	int fd, n;

	old = arena_strdup(a, "the first generation");
	ck_assert_int_eq(arena_reset(a, 0), 0);
	r1 = arena_strdup(a, "one");
	r2 = arena_strdup(a, "two");
	ck_assert_int_eq(arena_publish(a, "stale-ref", r1), 0);
	ck_assert_int_eq(arena_publish(a, "long-key", r2), 0);
	n = arena_dir_list(a, de, 8);
	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++) {
		if (strcmp(de[i].key, "stale-ref") == 0)
			s1 = de[i].slot;
		else
			s2 = de[i].slot;
	}
	tu_pread(tu_seg, &h, sizeof h, 0);
	fd = tu_open_shm(tu_seg);
	map = mmap(NULL, h.header_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	           0);
	close(fd);
	ck_assert(map != MAP_FAILED);
	slots = (struct fmt_dirent *)(void *)((char *)map + h.dir_offset);
	ck_assert_uint_eq(slots[s1].ref, r1);      /* the layout we think */

	__atomic_store_n(&slots[s1].ref, old, __ATOMIC_SEQ_CST);
	memset(slots[s2].key, 'A', sizeof slots[s2].key);   /* no NUL */

	errno = 0;
	ck_assert_msg(arena_lookup(a, "stale-ref") != old,
	              "lookup handed out a reference of the generation "
	              "before");
	n = arena_dir_list(a, de, 8);
	ck_assert_int_le(n, 2);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(de[i].ref != old, "dir_list listed a reference "
		              "of the generation before");
		ck_assert_uint_le(strnlen(de[i].key, sizeof de[i].key),
		                  ARENA_KEY_MAX);
	}
	TU_FAILS_WITH(arena_lookup(a, "long-key"), ARENA_NULL, ENOENT);
	munmap(map, h.header_size);
	arena_detach(a);
}
END_TEST

/* A publisher that died between claiming a slot and making it READY: a
 * publish of the same key gives up with EAGAIN in bounded time, lookups
 * do not see it, other keys work, and after the next reset the key can
 * be bound again (in another slot: the claim stays until its process slot
 * is taken again). */
START_TEST(dead_publisher)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_dirent de[4];
	struct fmt_dirent *slots;
	struct fmt_header h;
	arena_ref_t r = arena_strdup(a, "value");
	uint64_t tag, g = tu_stat(a).generation;
	double t0;
	void *map;
	int fd;

	ck_assert_int_eq(arena_publish(a, "half-done", r), 0);
	ck_assert_int_eq(arena_dir_list(a, de, 4), 1);
	tu_pread(tu_seg, &h, sizeof h, 0);
	fd = tu_open_shm(tu_seg);
	map = mmap(NULL, h.header_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	           0);
	close(fd);
	ck_assert(map != MAP_FAILED);
	slots = (struct fmt_dirent *)(void *)((char *)map + h.dir_offset);
	tag = slots[de[0].slot].tag;
	ck_assert_uint_eq(FMT_DIR_STATE(tag), FMT_DIR_READY);
	ck_assert_uint_eq(FMT_DIR_GEN(tag), g);
	/* back to BUSY, as its publisher (process slot 5) left it when it
	 * died */
	__atomic_store_n(&slots[de[0].slot].tag,
	                 FMT_DIR_TAG(g, FMT_DIR_BUSY,
	                             FMT_DIR_BUSY_LOW(5, FMT_DIR_HASH(tag))),
	                 __ATOMIC_SEQ_CST);

	TU_FAILS_WITH(arena_lookup(a, "half-done"), ARENA_NULL, ENOENT);
	ck_assert_int_eq(arena_dir_list(a, de, 4), 0);
	t0 = tu_now_ms();
	TU_FAILS_WITH(arena_publish(a, "half-done", r), -1, EAGAIN);
	ck_assert_msg(tu_now_ms() - t0 < tu_ms(3000), "publish waited %.0f ms",
	              tu_now_ms() - t0);
	ck_assert_int_eq(arena_publish(a, "other", r), 0);
	ck_assert_uint_eq(arena_lookup(a, "other"), r);

	ck_assert_int_eq(arena_reset(a, 0), 0);
	r = arena_strdup(a, "new value");
	ck_assert_int_eq(arena_publish(a, "half-done", r), 0);
	ck_assert_uint_eq(arena_lookup(a, "half-done"), r);
	munmap(map, h.header_size);
	arena_detach(a);
}
END_TEST

/* Every slot half-written with the key's hash: the wait for them is
 * bounded for the call as a whole, not per slot. */
START_TEST(all_slots_busy)
{
	struct arena_options o = { 0 };
	arena_t *a;
	struct fmt_header h;
	struct fmt_dirent *slots;
	arena_ref_t r;
	uint64_t g;
	double t0;
	void *map;
	int fd;

	o.dir_slots = 256;
	a = tu_create(tu_seg, 65536, &o);
	r = arena_strdup(a, "v");
	g = tu_stat(a).generation;
	tu_pread(tu_seg, &h, sizeof h, 0);
	fd = tu_open_shm(tu_seg);
	map = mmap(NULL, h.header_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ck_assert(map != MAP_FAILED);
	slots = (struct fmt_dirent *)(void *)((char *)map + h.dir_offset);
	for (unsigned i = 0; i < o.dir_slots; i++)
		__atomic_store_n(&slots[i].tag,
		                 FMT_DIR_TAG(g, FMT_DIR_BUSY,
		                             FMT_DIR_BUSY_LOW(1, fmt_key_hash("k", 1))),
		                 __ATOMIC_SEQ_CST);
	t0 = tu_now_ms();
	TU_FAILS_WITH(arena_publish(a, "k", r), -1, EAGAIN);
	/* 256 slots at 100 ms each would be 25 s. */
	ck_assert_msg(tu_now_ms() - t0 < tu_ms(3000), "publish waited %.0f ms",
	              tu_now_ms() - t0);
	munmap(map, h.header_size);
	arena_detach(a);
}
END_TEST

static Suite *dir_suite(void)
{
	Suite *s = suite_create("dir");
	TCase *tc = tu_tcase(s, "dir", 30);

	tcase_add_test(tc, publish_lookup);
	tcase_add_test(tc, all_slots_busy);
	tcase_add_test(tc, key_limits);
	tcase_add_test(tc, publish_bad_refs);
	tcase_add_test(tc, full_and_reset);
	tcase_add_test(tc, dir_list);
	tcase_add_test(tc, across_processes);
	tcase_add_test(tc, no_directory);
	tcase_add_test(tc, racing_publishers);
	tcase_add_test(tc, forged_slots);
	tcase_add_test(tc, dead_publisher);
	return s;
}

int main(void)
{
	return tu_main(dir_suite(), "dir");
}
