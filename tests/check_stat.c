/*
 * check_stat.c - arena_stat and arena_procs agree with what the test did;
 * the process table fills (EUSERS) and its slots are reused.
 */
#include "testutil.h"

START_TEST(fresh)
{
	time_t t0 = time(NULL), t1;
	arena_t *a = tu_create(tu_seg, 123457, NULL);
	struct arena_stat st = tu_stat(a);
	struct stat fs = tu_stat_shm(tu_seg);
	uint64_t w;

	t1 = time(NULL);
	ck_assert_uint_eq(st.capacity, 123457);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.available, 123457);
	/* a random generation, never 0: the state word's (format 2: at 128,
	 * {generation:24 | top:40}) */
	tu_pread(tu_seg, &w, sizeof w, 128);
	ck_assert_uint_ge(st.generation, 1);
	ck_assert_uint_le(st.generation, ARENA_GEN_MASK);
	ck_assert_uint_eq(st.generation, w >> ARENA_OFFSET_BITS);
	ck_assert_uint_eq(w & ARENA_OFFSET_MASK, st.segment_size);
	ck_assert_uint_eq(st.high_water, 0);
	ck_assert_uint_eq(st.failed_allocs, 0);
	ck_assert_uint_eq(st.resets, 0);
	ck_assert_uint_eq(st.segment_size, st.header_size + 123457);
	ck_assert_uint_eq((uint64_t)fs.st_size, st.segment_size);
	ck_assert_uint_eq(st.header_size % 4096, 0);
	ck_assert_int_ge(st.create_time, (int64_t)t0);
	ck_assert_int_le(st.create_time, (int64_t)t1);
	ck_assert_uint_eq(st.creator_uid, geteuid());
	ck_assert_uint_eq(st.format_version, ARENA_FORMAT_VERSION);
	ck_assert_uint_eq(st.flags, 0);
	ck_assert_uint_eq(st.attached, 1);
	ck_assert_uint_eq(st.proc_slots, ARENA_DEFAULT_PROCS);
	ck_assert_uint_eq(st.dir_slots, ARENA_DEFAULT_DIR_SLOTS);
	ck_assert_uint_eq(st.dir_entries, 0);
	ck_assert_uint_eq(st.rdonly, 0);
	{
		char want[TU_NAME_LEN + 1];
		snprintf(want, sizeof want, "/%s", tu_seg);
		ck_assert_str_eq(arena_name(a), want);
	}
	TU_FAILS_WITH(arena_stat(NULL, &st), -1, EINVAL);
	TU_FAILS_WITH(arena_stat(a, NULL), -1, EINVAL);
	arena_detach(a);
}
END_TEST

/* used/available follow the allocations exactly at alignment 1; every
 * counter moves with what the test does. */
START_TEST(follows_the_test)
{
	enum { C = 200000 };
	arena_t *a = tu_create(tu_seg, C, NULL);
	struct arena_stat st = tu_stat(a);
	const uint64_t g0 = st.generation;
	uint64_t seed = 42, sum = 0, fails = 0, entries = 0;

	for (int i = 0; i < 2000; i++) {
		size_t n = 1 + tu_rand(&seed) % 150;
		arena_ref_t r = arena_alloc(a, n, 1);
		if (r == ARENA_NULL) {
			ck_assert_int_eq(errno, ENOMEM);
			fails++;
			continue;
		}
		sum += n;
		if (i % 100 == 0) {
			char key[48];
			snprintf(key, sizeof key, "k%d", i);
			ck_assert_int_eq(arena_publish(a, key, r), 0);
			entries++;
		}
		if (i % 37 == 0) {
			st = tu_stat(a);
			ck_assert_uint_eq(st.used, sum);
			ck_assert_uint_eq(st.available, C - sum);
			ck_assert_uint_eq(st.high_water, sum);
			ck_assert_uint_eq(st.failed_allocs, fails);
			ck_assert_uint_eq(st.dir_entries, entries);
		}
	}
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, sum);
	ck_assert_uint_eq(st.available, C - sum);
	ck_assert_uint_eq(st.failed_allocs, fails);
	ck_assert_uint_eq(st.dir_entries, entries);
	ck_assert_uint_eq(st.generation, g0);
	/* padding is counted in used */
	{
		uint64_t before = st.used;
		arena_ref_t r = arena_alloc(a, 1, 4096);
		ck_assert(r != ARENA_NULL);
		st = tu_stat(a);
		ck_assert_uint_eq(st.used, st.segment_size - ARENA_REF_OFFSET(r));
		ck_assert_uint_ge(st.used, before + 1);
		ck_assert_uint_lt(st.used, before + 4097);
		sum = st.used;
	}
	while (arena_alloc(a, 10000, 1) != ARENA_NULL)
		sum += 10000;
	fails++;
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, sum);
	ck_assert_uint_eq(st.failed_allocs, fails);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.available, C);
	ck_assert_uint_eq(st.high_water, sum);
	ck_assert_uint_eq(st.generation, tu_gen_next(g0));
	ck_assert_uint_eq(st.resets, 1);
	ck_assert_uint_eq(st.dir_entries, 0);
	ck_assert_uint_eq(st.failed_allocs, fails);
	arena_detach(a);
}
END_TEST

struct holder_arg {
	const char *name;
	struct tu_gate *g;
};

static int holder(void *arg)
{
	struct holder_arg *h = arg;
	arena_t *a = arena_attach(h->name, 0);
	if (a == NULL) {
		tu_gate_signal(h->g, 'E');
		return tu_fail(1, "attach: %s", strerror(errno));
	}
	tu_gate_signal(h->g, 'r');
	tu_gate_hold(h->g);
	arena_detach(a);
	return 0;
}

/* arena_procs lists the live handles with their pids; attached counts
 * them. */
START_TEST(procs_and_attached)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	arena_t *ro = tu_attach(tu_seg, ARENA_RDONLY);
	arena_t *b;
	struct tu_gate g;
	struct holder_arg h = { tu_seg, &g };
	struct arena_proc pr[8];
	pid_t kids[2];
	int n, found[3];

	tu_gate_init(&g);
	for (int i = 0; i < 2; i++) {
		kids[i] = tu_fork(holder, &h);
		ck_assert_int_eq(tu_gate_wait(&g), 'r');
	}
	b = tu_attach(tu_seg, 0);
	ck_assert_uint_eq(tu_stat(a).attached, 4);
	ck_assert_uint_eq(tu_stat(ro).attached, 4);
	n = arena_procs(ro, pr, 8);
	ck_assert_int_eq(n, 4);
	memset(found, 0, sizeof found);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(pr[i].alive, 1);
		ck_assert_uint_lt(pr[i].slot, 64);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(pr[i].slot, pr[j].slot);
		if (pr[i].pid == getpid()) {
			found[0]++;
			ck_assert_uint_eq(pr[i].start_time,
			                  (uint32_t)tu_proc_starttime(getpid()));
		} else if (pr[i].pid == kids[0]) {
			found[1]++;
			ck_assert_uint_eq(pr[i].start_time,
			                  (uint32_t)tu_proc_starttime(kids[0]));
		} else if (pr[i].pid == kids[1]) {
			found[2]++;
		} else {
			ck_abort_msg("unexpected pid %ld in the table",
			             (long)pr[i].pid);
		}
	}
	ck_assert_int_eq(found[0], 2);
	ck_assert_int_eq(found[1], 1);
	ck_assert_int_eq(found[2], 1);
	/* a short array: the full count */
	ck_assert_int_eq(arena_procs(a, pr, 1), 4);
	ck_assert_int_eq(arena_procs(a, NULL, 0), 4);
	TU_FAILS_WITH(arena_procs(NULL, pr, 8), -1, EINVAL);

	arena_detach(b);
	ck_assert_uint_eq(tu_stat(a).attached, 3);
	tu_gate_release(&g);
	tu_wait_ok(kids[0]);
	tu_wait_ok(kids[1]);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(arena_procs(a, pr, 8), 1);
	ck_assert_int_eq(pr[0].pid, getpid());
	arena_detach(ro);
	arena_detach(a);
}
END_TEST

/* A table of 2: the third read-write attach is EUSERS; a slot freed by a
 * detach, or by a process that died, is reused. */
START_TEST(table_full)
{
	struct arena_options o;
	struct tu_gate g;
	struct holder_arg h = { tu_seg, &g };
	arena_t *a, *b, *c;
	pid_t pid;

	memset(&o, 0, sizeof o);
	o.proc_slots = 2;
	a = tu_create(tu_seg, 65536, &o);
	b = tu_attach(tu_seg, 0);
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, EUSERS);
	TU_FAILS_WITH(arena_attach(tu_seg, ARENA_NOWAIT), NULL, EUSERS);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	c = arena_attach(tu_seg, ARENA_RDONLY);           /* no slot needed */
	ck_assert_ptr_nonnull(c);
	arena_detach(c);

	ck_assert_int_eq(arena_detach(b), 0);
	b = arena_attach(tu_seg, 0);
	ck_assert_msg(b != NULL, "slot freed by detach not reused: %s",
	              strerror(errno));
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, EUSERS);
	arena_detach(b);

	/* a child takes the last slot and is killed */
	tu_gate_init(&g);
	pid = tu_fork(holder, &h);
	ck_assert_int_eq(tu_gate_wait(&g), 'r');
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, EUSERS);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	tu_wait_status(pid);
	b = arena_attach(tu_seg, 0);      /* takes over the dead entry */
	ck_assert_msg(b != NULL, "slot of a dead process not reused: %s",
	              strerror(errno));
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

static Suite *stat_suite(void)
{
	Suite *s = suite_create("stat");
	TCase *tc = tu_tcase(s, "stat", 20);

	tcase_add_test(tc, fresh);
	tcase_add_test(tc, follows_the_test);
	tcase_add_test(tc, procs_and_attached);
	tcase_add_test(tc, table_full);
	return s;
}

int main(void)
{
	return tu_main(stat_suite(), "stat");
}
