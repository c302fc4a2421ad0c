/*
 * check_harden.c - regression tests for the defects a hostile-peer review
 * found (issue 8): each test fails on the code before its fix.  The peer
 * is played by plain pwrite()s and mmap()s of /dev/shm/NAME, as any process
 * with write access could do.  Built at -O1 or higher (the Makefile's
 * default -O2): the per-thread cache's small-constant path only exists
 * when the compiler inlines and folds it.
 */
#include <limits.h>
#include <pthread.h>

#include "testutil.h"
#include "../lib/format.h"

/* The library's test hook: called by arena_publish() right after it claims
 * a directory slot (lib/internal.h). */
extern void (*dir_claim_hook)(void);

/* hdr -- a copy of the segment's header. */
static struct fmt_header hdr(const char *name)
{
	struct fmt_header h;

	tu_pread(name, &h, sizeof h, 0);
	return h;
}

/* set_state -- a peer's store into the state word. */
static void set_state(const char *name, uint64_t gen, uint64_t top)
{
	uint64_t w = FMT_WORD(gen, top);

	tu_pwrite(name, &w, 8, offsetof(struct fmt_header, state));
}

/* count_warnings -- an arena_check() callback counting warnings. */
static void count_warnings(void *ctx, int sev, const char *msg)
{
	(void)msg;
	if (sev == ARENA_CHECK_WARN)
		++*(int *)ctx;
}

/* map_header -- the header of NAME, mapped read-write as a peer would. */
static void *map_header(const char *name, size_t *len)
{
	struct fmt_header h = hdr(name);
	int fd = tu_open_shm(name);
	void *m = mmap(NULL, h.header_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	               fd, 0);

	close(fd);
	ck_assert(m != MAP_FAILED);
	*len = h.header_size;
	return m;
}

/* in_region -- whether SIZE bytes at reference R lie in A's region. */
static int in_region(const arena_t *a, arena_ref_t r, uint64_t size)
{
	struct arena_stat st = tu_stat(a);
	uint64_t off = ARENA_REF_OFFSET(r);

	return off >= st.header_size && off < st.segment_size &&
	       size <= st.segment_size - off;
}

/* 1. A peer stores generation 0: an empty cache must not hand out an
 * offset just below 2^64 for a small constant size. */
START_TEST(local_generation_zero)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_local l;
	arena_ref_t r1, r2, r3;

	ck_assert_int_eq(arena_local_init(&l, a, 0), 0);
	set_state(tu_seg, 0, hdr(tu_seg).segment_size);
	r1 = arena_local_alloc(&l, 64, 8);
	r2 = arena_local_alloc(&l, 16, 1);
	r3 = arena_local_alloc(&l, 2048, 64);
	ck_assert_msg(r1 == ARENA_NULL || in_region(a, r1, 64), "r1 %#llx",
	              (unsigned long long)r1);
	ck_assert_msg(r2 == ARENA_NULL || in_region(a, r2, 16), "r2 %#llx",
	              (unsigned long long)r2);
	ck_assert_msg(r3 == ARENA_NULL || in_region(a, r3, 2048), "r3 %#llx",
	              (unsigned long long)r3);
	/* An emptied cache too. */
	ck_assert_int_eq(arena_local_flush(&l), 0);
	r1 = arena_local_alloc(&l, 64, 8);
	ck_assert_msg(r1 == ARENA_NULL || in_region(a, r1, 64), "r1 %#llx",
	              (unsigned long long)r1);
	arena_detach(a);
}
END_TEST

/* Two keys whose probes start at the same slot of a DIR-slot directory. */
static void colliding_keys(unsigned dir, char *k1, char *k2)
{
	uint32_t want;

	strcpy(k1, "stalled-key");
	want = fmt_key_hash(k1, strlen(k1)) % dir;
	for (unsigned i = 0;; i++) {
		snprintf(k2, 32, "newer-%u", i);
		if (fmt_key_hash(k2, strlen(k2)) % dir == want)
			return;
	}
}

static void stop_self(void)
{
	raise(SIGSTOP);
}

/* stall_publisher -- a process that attaches tu_seg and publishes K at R,
 * stopped right after its claim of a slot; returned once it has stopped.
 * It exits 0 when the publish succeeds, 1 on ESTALE, 2 on another error,
 * 3 when it cannot attach. */
static pid_t stall_publisher(const char *k, arena_ref_t r)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		arena_t *c = arena_attach(tu_seg, 0);

		if (c == NULL)
			_exit(3);
		dir_claim_hook = stop_self;
		if (arena_publish(c, k, r) == 0)
			_exit(0);
		_exit(errno == ESTALE ? 1 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert_msg(WIFSTOPPED(st), "publisher did not stop (status %#x)", st);
	return pid;
}

/* 2. A publisher stopped between its claim and its stores while another
 * process resets and publishes a key into the same slot: the newer
 * binding survives, and the stale publisher gets ESTALE. */
START_TEST(publish_across_reset)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	char k1[32], k2[32];
	arena_ref_t r1 = arena_strdup(a, "old"), r2;
	pid_t pid;
	int st;

	colliding_keys(ARENA_DEFAULT_DIR_SLOTS, k1, k2);
	pid = stall_publisher(k1, r1);

	ck_assert_int_eq(arena_reset(a, ARENA_RESET_FORCE), 0);
	r2 = arena_strdup(a, "new");
	ck_assert_int_eq(arena_publish(a, k2, r2), 0);
	ck_assert_uint_eq(arena_lookup(a, k2), r2);

	kill(pid, SIGCONT);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	              "stale publisher: status %#x (0: returned 0, 1: ESTALE)",
	              st);
	ck_assert_uint_eq(arena_lookup(a, k2), r2);
	ck_assert_str_eq(arena_get_str(a, arena_lookup(a, k2)), "new");
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);
	/* The stale claim completed in its own generation: the slot is free
	 * again, and a process that takes the dead publisher's process slot
	 * finds nothing of it left. */
	ck_assert_int_eq(arena_reset(a, 0), 0);
	for (unsigned i = 0; i < ARENA_DEFAULT_DIR_SLOTS; i++) {
		char k[32];

		snprintf(k, sizeof k, "fill-%u", i);
		ck_assert_int_eq(arena_publish(a, k, arena_strdup(a, k)), 0);
	}
	arena_detach(a);
}
END_TEST

/* 2b. A publisher that dies holding a claim across a reset: the claim is
 * passed over (never taken while it could still be written), and turned
 * DEAD when the dead publisher's process slot is taken again. */
START_TEST(dead_claim_recycled)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL), *b;
	char k1[32], k2[32];
	arena_ref_t r1 = arena_strdup(a, "old");
	pid_t pid;
	int st;

	colliding_keys(ARENA_DEFAULT_DIR_SLOTS, k1, k2);
	pid = stall_publisher(k1, r1);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);

	ck_assert_int_eq(arena_reset(a, 0), 0);   /* the dead one is reaped */
	ck_assert_int_eq(arena_publish(a, k2, arena_strdup(a, "x")), 0);
	ck_assert_str_eq(arena_get_str(a, arena_lookup(a, k2)), "x");
	/* The next attach takes the dead publisher's process slot (slot 1:
	 * ours is 0) and cancels its claim, which frees its slot in the
	 * middle of k2's probe: k2 is still found, and every slot is usable
	 * again. */
	b = tu_attach(tu_seg, 0);
	ck_assert_str_eq(arena_get_str(b, arena_lookup(b, k2)), "x");
	ck_assert_int_eq(arena_check(b, NULL, NULL), 0);
	ck_assert_int_eq(arena_reset(b, ARENA_RESET_FORCE), 0);
	for (unsigned i = 0; i < ARENA_DEFAULT_DIR_SLOTS; i++) {
		char k[32];

		snprintf(k, sizeof k, "fill-%u", i);
		ck_assert_int_eq(arena_publish(b, k, arena_strdup(b, k)), 0);
	}
	ck_assert_int_eq(arena_check(b, NULL, NULL), 0);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

/* 3. A live process whose main thread called pthread_exit() shows as a
 * zombie in /proc: it must still hold a plain reset off. */
static int exit_pipe[2];

static void *lingering_thread(void *arg)
{
	char c;

	(void)arg;
	while (read(exit_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);    /* as workers do: no exit handlers (LeakSanitizer would
	                report what Check's runner holds) */
}

static int leader_exits(void *arg)
{
	arena_t *c = arena_attach(arg, 0);
	pthread_t t;

	if (c == NULL)
		return 3;
	close(exit_pipe[1]);
	if (pthread_create(&t, NULL, lingering_thread, NULL) != 0)
		return 4;
	pthread_exit(NULL);
}

START_TEST(zombie_leader_is_alive)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	pid_t pid;
	int i;

	ck_assert_int_eq(pipe(exit_pipe), 0);
	pid = tu_fork(leader_exits, tu_seg);
	close(exit_pipe[0]);
	for (i = 0; i < 1000 && tu_proc_state(pid) != 'Z'; i++)
		tu_sleep_ms(5);
	ck_assert_msg(tu_proc_state(pid) == 'Z', "main thread did not exit");
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	close(exit_pipe[1]);             /* the last thread ends */
	tu_wait_status(pid);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	arena_detach(a);
}
END_TEST

/* 4. A FIFO planted under the name: attach fails at once, never hangs. */
START_TEST(fifo_does_not_hang)
{
	char path[TU_NAME_LEN + 16];
	unsigned flags[] = { 0, ARENA_RDONLY, ARENA_NOWAIT,
	                     ARENA_RDONLY | ARENA_NOWAIT };

	tu_path(path, sizeof path, tu_seg);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);          /* a hang ends the test with SIGALRM */
	for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++)
		TU_FAILS_WITH(arena_attach(tu_seg, flags[i]), NULL, EMEDIUMTYPE);
	alarm(0);
	unlink(path);
}
END_TEST

/* 6. After 2^24 - 1 resets the generation is the same again: an idle
 * cache must not allocate from its old chunk over the new objects. */
START_TEST(generation_wrap)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL), *b;
	struct arena_local l;
	arena_ref_t r, big;
	uint64_t g, lo, hi;

	b = tu_attach(tu_seg, 0);
	ck_assert_int_eq(arena_local_init(&l, a, 4096), 0);
	r = arena_local_alloc(&l, 16, 8);
	ck_assert_uint_ne(r, ARENA_NULL);
	g = ARENA_REF_GENERATION(r);
	for (uint32_t i = 0; i < (1u << 24) - 1; i++)
		if (arena_reset(b, ARENA_RESET_FORCE) != 0)   /* no ck_assert in */
			ck_abort_msg("reset %u: %s", i, strerror(errno)); /* the loop:
			                           each one is a write to Check */
	ck_assert_uint_eq(tu_stat(a).generation, g);
	/* New objects fill the top half, where the old chunk was. */
	big = arena_alloc(b, (1 << 19), 4096);
	ck_assert_uint_ne(big, ARENA_NULL);
	lo = ARENA_REF_OFFSET(big);
	hi = lo + (1 << 19);
	r = arena_local_alloc(&l, 16, 8);
	ck_assert_uint_ne(r, ARENA_NULL);
	ck_assert_msg(ARENA_REF_OFFSET(r) + 16 <= lo || ARENA_REF_OFFSET(r) >= hi,
	              "cache allocated %#llx inside a new object [%#llx, %#llx)",
	              (unsigned long long)ARENA_REF_OFFSET(r),
	              (unsigned long long)lo, (unsigned long long)hi);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

/* 6c. The same, when the new top sits by chance at the idle chunk's floor:
 * the cache's flush must not give the chunk's tail back over a new
 * object. */
START_TEST(generation_wrap_flush)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL), *b;
	struct arena_local l;
	arena_ref_t r, obj, next;
	uint64_t lo;

	b = tu_attach(tu_seg, 0);
	ck_assert_int_eq(arena_local_init(&l, a, 4096), 0);
	r = arena_local_alloc(&l, 16, 8);      /* chunk [lo, lo + 4096) */
	ck_assert_uint_ne(r, ARENA_NULL);
	lo = tu_stat(a).segment_size - 4096;
	for (uint32_t i = 0; i < (1u << 24) - 1; i++)
		if (arena_reset(b, ARENA_RESET_FORCE) != 0)
			ck_abort_msg("reset %u: %s", i, strerror(errno));
	ck_assert_uint_eq(tu_stat(a).generation, ARENA_REF_GENERATION(r));
	obj = arena_alloc(b, 4096, 1);          /* the top is at lo again */
	ck_assert_uint_eq(ARENA_REF_OFFSET(obj), lo);
	ck_assert_int_eq(arena_local_flush(&l), 0);
	next = arena_alloc(b, 16, 1);
	ck_assert_uint_ne(next, ARENA_NULL);
	ck_assert_msg(ARENA_REF_OFFSET(next) + 16 <= lo,
	              "allocated %#llx inside the object at %#llx",
	              (unsigned long long)ARENA_REF_OFFSET(next),
	              (unsigned long long)lo);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

/* 6b. A resetter that died between announcing its generation in the epoch
 * word and starting it: caches allocate directly (no chunk they could not
 * tell stale), correctly, until the next reset; arena_check warns.  An
 * epoch naming generation 0, which no reset announces, is an error. */
START_TEST(epoch_ahead)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_local l;
	uint64_t g = tu_stat(a).generation, e = FMT_WORD(tu_gen_next(g), 7), used;
	arena_ref_t r[64];
	int warn = 0;

	ck_assert_int_eq(arena_local_init(&l, a, 4096), 0);
	tu_pwrite(tu_seg, &e, 8, offsetof(struct fmt_header, epoch));
	for (int i = 0; i < 64; i++) {
		r[i] = arena_local_alloc(&l, 16, 8);
		ck_assert_uint_ne(r[i], ARENA_NULL);
		ck_assert_uint_eq(ARENA_REF_GENERATION(r[i]), g);
		ck_assert_ptr_nonnull(arena_get(a, r[i], 16));
	}
	/* direct: exactly the objects' bytes are used, no chunk held */
	used = tu_stat(a).used;
	ck_assert_uint_eq(used, 64 * 16);
	ck_assert_int_eq(arena_check(a, count_warnings, &warn), 0);
	ck_assert_int_eq(warn, 1);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	r[0] = arena_local_alloc(&l, 16, 8);
	ck_assert_uint_eq(tu_stat(a).used, 4096);      /* a chunk again */
	e = FMT_WORD(0, 3);
	tu_pwrite(tu_seg, &e, 8, offsetof(struct fmt_header, epoch));
	ck_assert_int_eq(arena_check(a, NULL, NULL), 1);
	arena_detach(a);
}
END_TEST

/* 7. Top 0 and init's word planted in trim_owner: arena_check calls it an
 * error, and a reset (forced or, alone, plain) recovers the arena. */
START_TEST(planted_trim_owner)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	uint64_t owner = FMT_PROC_WORD(1, tu_proc_starttime(1));
	uint64_t g = tu_stat(a).generation;

	tu_pwrite(tu_seg, &owner, 8, offsetof(struct fmt_header, trim_owner));
	set_state(tu_seg, tu_gen_next(g), FMT_TOP_TRIMMING);
	TU_FAILS_WITH(arena_alloc(a, 8, 1), ARENA_NULL, ENOMEM);
	ck_assert_int_ge(arena_check(a, NULL, NULL), 1);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_FORCE), 0);
	ck_assert_uint_ne(arena_alloc(a, 8, 1), ARENA_NULL);
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);

	set_state(tu_seg, tu_gen_add(g, 5), FMT_TOP_TRIMMING);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert_uint_ne(arena_alloc(a, 8, 1), ARENA_NULL);
	arena_detach(a);
}
END_TEST

/* 8. (A start time of 0 taken for dead) is in tests/check_liveness.c:
 * attach_without_proc_fd and peer_without_proc. */

/* 9. While a trim holds the generation (top 0) nothing is allocated, and
 * a corrupt top allocates nothing either. */
START_TEST(held_or_corrupt_top)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct fmt_header h = hdr(tu_seg);
	uint64_t g = tu_stat(a).generation;
	arena_ref_t r = FMT_WORD(g, h.header_size + 64);

	set_state(tu_seg, g, FMT_TOP_TRIMMING);
	TU_FAILS_WITH(arena_get(a, r, 8), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_str(a, r), NULL, EFAULT);
	TU_FAILS_WITH(arena_publish(a, "k", r), -1, EFAULT);
	set_state(tu_seg, g, h.segment_size + 4096);
	TU_FAILS_WITH(arena_get(a, r, 8), NULL, EBADMSG);
	TU_FAILS_WITH(arena_get_str(a, r), NULL, EBADMSG);
	TU_FAILS_WITH(arena_publish(a, "k", r), -1, EBADMSG);
	set_state(tu_seg, g, 1);
	TU_FAILS_WITH(arena_get(a, r, 8), NULL, EBADMSG);
	arena_detach(a);
}
END_TEST

/* 10. A directory whose size is not a power of two fills completely. */
START_TEST(directory_fills)
{
	struct arena_options o = { 0 };
	arena_t *a;
	char k[32];

	o.dir_slots = 1000;
	a = tu_create(tu_seg, 1 << 20, &o);
	for (unsigned i = 0; i < o.dir_slots; i++) {
		snprintf(k, sizeof k, "key-%u", i);
		ck_assert_msg(arena_publish(a, k, arena_strdup(a, k)) == 0,
		              "publish %u of %u: %s", i, o.dir_slots,
		              strerror(errno));
	}
	snprintf(k, sizeof k, "one-too-many");
	TU_FAILS_WITH(arena_publish(a, k, arena_strdup(a, k)), -1, ENOSPC);
	for (unsigned i = 0; i < o.dir_slots; i++) {
		snprintf(k, sizeof k, "key-%u", i);
		ck_assert_str_eq(arena_get_str(a, arena_lookup(a, k)), k);
	}
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);
	arena_detach(a);
}
END_TEST

/* 10b. The old probe wrapped at 2^32: key "w17428788" (FNV-1a 4294967065,
 * 231 below 2^32) probed slots 65..295 and then 0..768 of a 1000-slot
 * directory, never 769..999.  With only slot 900 free it must land there. */
START_TEST(directory_probe_wraps_late)
{
	struct arena_options o = { 0 };
	struct fmt_dirent *slots;
	const char *key = "w17428788";
	arena_t *a;
	arena_ref_t r;
	uint32_t g;
	size_t len;
	void *m;

	ck_assert_uint_eq(fmt_key_hash(key, strlen(key)), 4294967065u);
	o.dir_slots = 1000;
	a = tu_create(tu_seg, 1 << 20, &o);
	r = arena_strdup(a, "v");
	g = (uint32_t)ARENA_REF_GENERATION(r);
	m = map_header(tu_seg, &len);
	slots = (struct fmt_dirent *)(void *)((char *)m + hdr(tu_seg).dir_offset);
	for (uint32_t i = 0; i < o.dir_slots; i++) {
		char k[32] = { 0 };

		if (i == 900)
			continue;
		snprintf(k, sizeof k, "filler-%u", i);
		memcpy(slots[i].key, k, 32);
		slots[i].ref = r;
		__atomic_store_n(&slots[i].tag, FMT_DIR_TAG(g, FMT_DIR_READY,
		                 fmt_key_hash(k, strlen(k))), __ATOMIC_RELEASE);
	}
	((struct fmt_header *)m)->dir_probe = FMT_WORD(g, o.dir_slots);
	ck_assert_int_eq(arena_publish(a, key, r), 0);
	ck_assert_uint_eq(arena_lookup(a, key), r);
	ck_assert_uint_ne(FMT_DIR_STATE(slots[900].tag), 0);
	munmap(m, len);
	arena_detach(a);
}
END_TEST

/* 13. A full 65 536-slot directory in which every key's probe starts just
 * after its slot: arena_check must not walk the directory once per key
 * (that took about 20 s; the test's timeout is the guard).  The keys are
 * reachable (lookups look at every slot), and correct: no finding. */
START_TEST(check_is_not_quadratic)
{
	enum { N = 65536 };
	struct arena_options o = { 0 };
	struct fmt_dirent *slots;
	arena_t *a;
	char *keys;
	uint32_t g, have = 0, *slot_of;
	arena_ref_t r;
	size_t len;
	void *m;

	o.dir_slots = N;
	a = tu_create(tu_seg, 1 << 20, &o);
	r = arena_strdup(a, "v");
	g = (uint32_t)ARENA_REF_GENERATION(r);
	keys = calloc(N, 32);
	slot_of = calloc(N, sizeof *slot_of);
	ck_assert(keys != NULL && slot_of != NULL);
	for (uint32_t i = 0; have < N; i++) {
		char k[32];
		uint32_t b;

		snprintf(k, sizeof k, "k%u", i);
		b = fmt_key_hash(k, strlen(k)) % N;
		if (keys[(size_t)b * 32] == '\0') {
			memcpy(keys + (size_t)b * 32, k, strlen(k));
			have++;
		}
	}
	m = map_header(tu_seg, &len);
	slots = (struct fmt_dirent *)(void *)((char *)m + hdr(tu_seg).dir_offset);
	for (uint32_t b = 0; b < N; b++) {
		uint32_t s = (b + N - 1) % N;      /* just before its start */
		const char *k = keys + (size_t)b * 32;

		memcpy(slots[s].key, k, 32);
		slots[s].ref = r;
		__atomic_store_n(&slots[s].tag, FMT_DIR_TAG(g, FMT_DIR_READY,
		                 fmt_key_hash(k, strlen(k))), __ATOMIC_RELEASE);
	}
	/* Lookups must look at every slot to reach them all. */
	((struct fmt_header *)m)->dir_probe = FMT_WORD(g, N);
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);
	/* One duplicate, far from its twin, is still found. */
	memcpy(slots[7].key, slots[N / 2].key, 32);
	slots[7].tag = slots[N / 2].tag;
	ck_assert_int_eq(arena_check(a, NULL, NULL), 1);
	munmap(m, len);
	free(keys);
	free(slot_of);
	arena_detach(a);
}
END_TEST

/* 14. arena_ptr of ARENA_NULL is NULL, not the header. */
START_TEST(ptr_of_null)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	arena_ref_t r = arena_alloc(a, 8, 8);

	ck_assert_ptr_null(arena_ptr(a, ARENA_NULL));
	ck_assert_ptr_nonnull(arena_ptr(a, r));
	ck_assert_ptr_eq(arena_ptr(a, r), arena_get(a, r, 8));
	arena_detach(a);
}
END_TEST

/* 15. A key a peer bound to an unallocated offset of the current
 * generation: lookup and the listing refuse it. */
START_TEST(lookup_unallocated)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_dirent de[4];
	struct fmt_dirent *slots;
	struct fmt_header h = hdr(tu_seg);
	arena_ref_t r = arena_strdup(a, "fine");
	size_t len;
	void *m;

	ck_assert_int_eq(arena_publish(a, "fine", r), 0);
	ck_assert_int_eq(arena_publish(a, "forged", r), 0);
	ck_assert_int_eq(arena_dir_list(a, de, 4), 2);
	m = map_header(tu_seg, &len);
	slots = (struct fmt_dirent *)(void *)((char *)m + h.dir_offset);
	for (int i = 0; i < 2; i++)
		if (strcmp(de[i].key, "forged") == 0)
			slots[de[i].slot].ref = FMT_WORD(ARENA_REF_GENERATION(r),
			                                 h.header_size + 128);
	TU_FAILS_WITH(arena_lookup(a, "forged"), ARENA_NULL, EFAULT);
	ck_assert_uint_eq(arena_lookup(a, "fine"), r);
	ck_assert_int_eq(arena_dir_list(a, de, 4), 1);
	ck_assert_str_eq(de[0].key, "fine");
	ck_assert_int_ge(arena_check(a, NULL, NULL), 1);
	munmap(m, len);
	arena_detach(a);
}
END_TEST

/* 16. A second detach of one handle is an error, not a double free. */
START_TEST(double_detach)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	arena_t *b = tu_attach(tu_seg, 0);

	ck_assert_int_eq(arena_detach(b), 0);
	TU_FAILS_WITH(arena_detach(b), -1, EINVAL);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(arena_detach(a), 0);
	TU_FAILS_WITH(arena_detach(a), -1, EINVAL);
}
END_TEST

/* 5. A peer punches a hole over an object: what SECURITY in arena(7)
 * promises, and no more: with memory to spare the victim reads zeros
 * there (its data is lost, silently), nothing faults, and the arena goes
 * on working; the check cannot see it. */
START_TEST(hole_punched)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	arena_ref_t r = arena_alloc(a, 65536, 4096);
	unsigned char *p = arena_ptr(a, r);
	int fd;

	memset(p, 0xa5, 65536);
	fd = tu_open_shm(tu_seg);
	ck_assert_int_eq(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	                           (off_t)ARENA_REF_OFFSET(r), 65536), 0);
	close(fd);
	for (size_t i = 0; i < 65536; i++)
		ck_assert_uint_eq(p[i], 0);
	memset(p, 0x5a, 65536);                  /* faults the pages back */
	ck_assert_uint_eq(p[65535], 0x5a);
	ck_assert_uint_ne(arena_alloc(a, 64, 8), ARENA_NULL);
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);
	arena_detach(a);
}
END_TEST

static Suite *harden_suite(void)
{
	Suite *s = suite_create("harden");
	TCase *tc = tu_tcase(s, "harden", 60);

	tcase_add_test(tc, local_generation_zero);
	tcase_add_test(tc, publish_across_reset);
	tcase_add_test(tc, dead_claim_recycled);
	tcase_add_test(tc, zombie_leader_is_alive);
	tcase_add_test(tc, fifo_does_not_hang);
	tcase_add_test(tc, hole_punched);
	tcase_add_test(tc, generation_wrap);
	tcase_add_test(tc, generation_wrap_flush);
	tcase_add_test(tc, epoch_ahead);
	tcase_add_test(tc, planted_trim_owner);
	tcase_add_test(tc, held_or_corrupt_top);
	tcase_add_test(tc, directory_fills);
	tcase_add_test(tc, directory_probe_wraps_late);
	tcase_add_test(tc, ptr_of_null);
	tcase_add_test(tc, lookup_unallocated);
	tcase_add_test(tc, double_detach);
	tc = tu_tcase(s, "linear", 10);
	tcase_add_test(tc, check_is_not_quadratic);
	return s;
}

int main(void)
{
	return tu_main(harden_suite(), "harden");
}
