/*
 * check_reset.c - arena_reset: a new generation, stale references, refusal
 * while live peers are attached (and only then: dead, zombie and forged
 * entries do not count), trimming, and the statistics it keeps.
 */
#include "testutil.h"
#include "../lib/format.h"

START_TEST(reset_frees_all)
{
	enum { C = 100000 };
	arena_t *a = tu_create(tu_seg, C, NULL);
	struct arena_stat st = tu_stat(a);
	const uint64_t g0 = st.generation;     /* random, never 0 */
	arena_ref_t refs[100], r;

	ck_assert_uint_ge(g0, 1);
	ck_assert_uint_le(g0, ARENA_GEN_MASK);
	for (int i = 0; i < 100; i++) {
		refs[i] = arena_strdup(a, "first generation object");
		ck_assert(refs[i] != ARENA_NULL);
		ck_assert_uint_eq(ARENA_REF_GENERATION(refs[i]), g0);
	}
	while (arena_alloc(a, 1000, 1) != ARENA_NULL)
		;
	ck_assert_int_eq(errno, ENOMEM);
	st = tu_stat(a);
	ck_assert_uint_ge(st.used, C - 999);
	ck_assert_uint_eq(st.generation, g0);
	ck_assert_uint_eq(st.resets, 0);

	ck_assert_int_eq(arena_reset(a, 0), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.available, C);
	ck_assert_uint_eq(st.generation, tu_gen_next(g0));
	ck_assert_uint_eq(st.resets, 1);
	for (int i = 0; i < 100; i++) {
		TU_FAILS_WITH(arena_get(a, refs[i], 1), NULL, ESTALE);
		TU_FAILS_WITH(arena_get_str(a, refs[i]), NULL, ESTALE);
	}
	r = arena_alloc(a, C, 1);
	ck_assert_msg(r != ARENA_NULL, "whole capacity after reset: %s",
	              strerror(errno));
	ck_assert_uint_eq(ARENA_REF_GENERATION(r), tu_gen_next(g0));
	ck_assert_ptr_nonnull(arena_get(a, r, C));
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(arena_reset(a, 0), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.generation, tu_gen_add(g0, 6));
	ck_assert_uint_eq(st.resets, 6);
	TU_FAILS_WITH(arena_get(a, r, 1), NULL, ESTALE);

	TU_FAILS_WITH(arena_reset(a, 1u << 5), -1, EINVAL);
	TU_FAILS_WITH(arena_reset(a, ~0u), -1, EINVAL);
	TU_FAILS_WITH(arena_reset(NULL, 0), -1, EINVAL);
	ck_assert_uint_eq(tu_stat(a).resets, 6);
	arena_detach(a);
}
END_TEST

struct peer_arg {
	const char *name;
	unsigned flags;
	struct tu_gate *g;
};

/* peer -- attach NAME, say ready, hold until released, detach. */
static int peer(void *arg)
{
	struct peer_arg *p = arg;
	arena_t *a = arena_attach(p->name, p->flags);
	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	if (!(p->flags & ARENA_RDONLY) &&
	    arena_strdup(a, "peer was here") == ARENA_NULL)
		return tu_fail(2, "strdup: %s", strerror(errno));
	tu_gate_signal(p->g, 'r');
	tu_gate_hold(p->g);
	arena_detach(a);
	return 0;
}

/* EBUSY while another live process is attached read-write; FORCE
 * overrides; read-only peers and this process's own handles do not
 * count. */
START_TEST(busy_with_live_peer)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	arena_t *mine = tu_attach(tu_seg, 0);
	const uint64_t g0 = tu_stat(a).generation;
	struct tu_gate g;
	struct peer_arg pa = { tu_seg, 0, &g };
	arena_ref_t r;
	pid_t pid;

	tu_gate_init(&g);
	pid = tu_fork(peer, &pa);
	tu_gate_wait(&g);
	ck_assert_uint_eq(tu_stat(a).attached, 3);
	r = arena_strdup(a, "before");
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	TU_FAILS_WITH(arena_reset(mine, ARENA_RESET_TRIM), -1, EBUSY);
	ck_assert_str_eq(arena_get_str(a, r), "before");     /* untouched */
	ck_assert_uint_eq(tu_stat(a).generation, g0);
	ck_assert_uint_eq(tu_stat(a).resets, 0);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_FORCE), 0);
	ck_assert_uint_eq(tu_stat(a).generation, tu_gen_next(g0));
	TU_FAILS_WITH(arena_get(a, r, 1), NULL, ESTALE);
	/* the peer is still there */
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	tu_gate_release(&g);
	tu_wait_ok(pid);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	ck_assert_int_eq(arena_reset(a, 0), 0);       /* own handles only */
	ck_assert_int_eq(arena_reset(mine, 0), 0);

	/* a read-only peer does not hold the arena */
	tu_gate_init(&g);
	pa.flags = ARENA_RDONLY;
	pid = tu_fork(peer, &pa);
	tu_gate_wait(&g);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	tu_gate_release(&g);
	tu_wait_ok(pid);
	arena_detach(mine);
	arena_detach(a);
}
END_TEST

/* procs_of -- how many table entries name PID. */
static int procs_of(const arena_t *a, pid_t pid, int *alive)
{
	struct arena_proc pr[64];
	int n = arena_procs(a, pr, 64), k = 0;
	ck_assert_int_ge(n, 0);
	ck_assert_int_le(n, 64);
	for (int i = 0; i < n; i++)
		if (pr[i].pid == pid) {
			k++;
			if (alive)
				*alive = pr[i].alive;
		}
	return k;
}

/* A peer killed with SIGKILL no longer counts, as a zombie and after it
 * is reaped: stat does not count it, reset succeeds without force and
 * reaps its entry. */
START_TEST(dead_peer)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct tu_gate g;
	struct peer_arg pa = { tu_seg, 0, &g };
	struct arena_stat st;
	int alive = -1;
	pid_t pid;

	/* a zombie: killed, not waited for */
	tu_gate_init(&g);
	pid = tu_fork(peer, &pa);
	tu_gate_wait(&g);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	ck_assert_int_eq(procs_of(a, pid, &alive), 1);
	ck_assert_int_eq(alive, 1);
	tu_kill_zombie(pid);
	ck_assert_int_eq(procs_of(a, pid, &alive), 1);  /* procs: no reaping */
	ck_assert_int_eq(alive, 0);
	st = tu_stat(a);
	ck_assert_msg(st.attached == 1, "a zombie peer still counts: "
	              "attached %u", st.attached);
	ck_assert_msg(arena_reset(a, 0) == 0, "reset with a zombie peer: %s",
	              strerror(errno));
	ck_assert_int_eq(procs_of(a, pid, NULL), 0);     /* reaped */
	ck_assert_int_eq(procs_of(a, getpid(), NULL), 1);
	tu_wait_status(pid);

	/* killed and reaped */
	tu_gate_release(&g);
	tu_gate_init(&g);
	pid = tu_fork(peer, &pa);
	tu_gate_wait(&g);
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	tu_wait_status(pid);
	ck_assert_int_eq(procs_of(a, pid, &alive), 1);
	ck_assert_int_eq(alive, 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.attached, 1);
	ck_assert_msg(arena_reset(a, 0) == 0, "reset with a dead peer: %s",
	              strerror(errno));
	ck_assert_int_eq(procs_of(a, pid, NULL), 0);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_uint_eq(tu_stat(a).resets, 2);
	arena_detach(a);
}
END_TEST

/* proc_table -- the process table inside this handle's mapping (read
 * through the header; writes go through a separate writable mapping). */
struct table {
	uint64_t *w;         /* writable view of the slots */
	uint32_t slots;
	void *map;
	size_t maplen;
};

static struct table map_table(const char *name)
{
	struct fmt_header h;
	struct table t;
	int fd;

	tu_pread(name, &h, sizeof h, 0);
	ck_assert_uint_eq(h.magic, FMT_MAGIC);
	t.slots = h.proc_slots;
	t.maplen = h.header_size;
	fd = tu_open_shm(name);
	t.map = mmap(NULL, t.maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ck_assert(t.map != MAP_FAILED);
	t.w = (uint64_t *)(void *)((unsigned char *)t.map + h.proc_offset);
	return t;
}

/* forge -- put WORD in a free slot; the slot index. */
static unsigned forge(struct table *t, uint64_t word)
{
	for (unsigned i = 0; i < t->slots; i++) {
		uint64_t zero = 0;
		if (__atomic_compare_exchange_n(&t->w[i], &zero, word, 0,
		                                __ATOMIC_SEQ_CST,
		                                __ATOMIC_SEQ_CST))
			return i;
	}
	ck_abort_msg("no free slot to forge an entry in");
	return 0;
}

/* slot_lock -- as a live handle does: an open-file-description lock on
 * process slot SLOT's byte of NAME, through a description of its own (the
 * descriptor; closing it drops the lock). */
static int slot_lock(const char *name, unsigned slot)
{
	struct fmt_header h;
	struct flock fl;
	int fd;

	tu_pread(name, &h, sizeof h, 0);
	fd = tu_open_shm(name);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)FMT_PROC_LOCK(h.proc_offset, slot);
	fl.l_len = 1;
	ck_assert_msg(fcntl(fd, F_OFD_SETLK, &fl) == 0, "lock slot %u: %s",
	              slot, strerror(errno));
	return fd;
}

/* Liveness is the slot's lock, not the word: a word naming a running
 * process (the parent, with its true start time) is dead without the
 * lock, and any word is live with it (the control: the table format is
 * what the test thinks it is). */
START_TEST(forged_entries)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct table t = map_table(tu_seg);
	struct arena_proc pr[8];
	pid_t pp = getppid();
	uint64_t start = tu_proc_starttime(pp);
	unsigned slot;
	int n, fd;

	ck_assert_msg(start != 0, "no start time for pid %ld", (long)pp);
	/* our own entry is {pid, start time} as format.h says */
	n = arena_procs(a, pr, 8);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(pr[0].pid, getpid());
	ck_assert_uint_eq(pr[0].start_time,
	                  (uint32_t)tu_proc_starttime(getpid()));
	ck_assert_uint_eq(t.w[pr[0].slot],
	                  FMT_PROC_WORD(getpid(), tu_proc_starttime(getpid())));

	/* a running process's word, no lock: dead, reaped by the reset */
	slot = forge(&t, FMT_PROC_WORD(pp, start));
	ck_assert_int_eq(arena_procs(a, pr, 8), 2);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_msg(arena_reset(a, 0) == 0, "reset with an unlocked entry: "
	              "%s", strerror(errno));
	ck_assert_uint_eq(__atomic_load_n(&t.w[slot], __ATOMIC_SEQ_CST), 0);

	/* control: any word, with the lock held: a live peer */
	slot = forge(&t, FMT_PROC_WORD(0x7ffffff0, 1));
	fd = slot_lock(tu_seg, slot);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	n = arena_procs(a, pr, 8);
	ck_assert_int_eq(n, 2);
	ck_assert(pr[0].alive && pr[1].alive);
	close(fd);                               /* the peer "dies" */
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert_int_eq(arena_procs(a, pr, 8), 1);
	munmap(t.map, t.maplen);
	arena_detach(a);
}
END_TEST

/* count_warnings -- an arena_check() callback counting warnings. */
static void count_warnings(void *ctx, int sev, const char *msg)
{
	(void)msg;
	if (sev == ARENA_CHECK_WARN)
		++*(int *)ctx;
}

/* hold_word -- write the state word and trim_owner of NAME as a trimmer
 * named by OWNER would leave them while it drops the pages. */
static void hold_word(const char *name, uint64_t gen, uint64_t owner)
{
	uint64_t w = FMT_WORD(gen, FMT_TOP_TRIMMING), e = FMT_WORD(gen, 1);

	tu_pwrite(name, &owner, 8, offsetof(struct fmt_header, trim_owner));
	/* as a trimming reset does: announce the generation, then hold it */
	tu_pwrite(name, &e, 8, offsetof(struct fmt_header, epoch));
	tu_pwrite(name, &w, 8, offsetof(struct fmt_header, state));
}

/* A trim in progress (state top 0, trim_owner a live process): attach
 * works, allocations see a full arena, every other reset, forced or not,
 * is refused with EBUSY, arena_check only warns; once the trimmer is dead
 * the next reset takes over and the arena works again. */
START_TEST(trim_in_progress)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL), *b;
	struct arena_stat st;
	struct tu_gate g;
	pid_t pid;
	uint64_t gen = tu_gen_next(tu_stat(a).generation), before;
	int warn = 0;

	tu_gate_init(&g);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {                 /* the "trimmer": attached (as a real
	                                   trimmer is), alive until told */
		arena_t *c = arena_attach(tu_seg, 0);

		tu_gate_signal(&g, c != NULL ? 'r' : 'x');
		tu_gate_hold(&g);
		_exit(0);
	}
	ck_assert_int_eq(tu_gate_wait(&g), 'r');
	hold_word(tu_seg, gen, FMT_PROC_WORD(pid, tu_proc_starttime(pid)));
	before = tu_stat(a).failed_allocs;

	b = tu_attach(tu_seg, 0);
	TU_FAILS_WITH(arena_alloc(b, 8, 1), ARENA_NULL, ENOMEM);
	st = tu_stat(b);
	ck_assert_uint_eq(st.available, 0);
	ck_assert_uint_eq(st.failed_allocs, before + 1);
	ck_assert_uint_eq(st.high_water, 0);    /* a hold is no real use */
	TU_FAILS_WITH(arena_reset(b, ARENA_RESET_FORCE), -1, EBUSY);
	TU_FAILS_WITH(arena_reset(b, ARENA_RESET_FORCE | ARENA_RESET_TRIM), -1,
	              EBUSY);
	ck_assert_int_eq(arena_check(b, count_warnings, &warn), 0);
	ck_assert_int_eq(warn, 1);
	ck_assert_uint_eq(tu_stat(a).generation, gen);

	/* The trimmer dies: the next reset takes over. */
	tu_gate_release(&g);
	tu_wait_ok(pid);
	ck_assert_int_eq(arena_reset(b, ARENA_RESET_FORCE), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.generation, tu_gen_next(gen));
	ck_assert_uint_eq(st.available, st.capacity);
	ck_assert(arena_alloc(a, 8, 1) != ARENA_NULL);
	/* A trim works again too: its dead predecessor's mark is taken over. */
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_FORCE | ARENA_RESET_TRIM), 0);
	ck_assert(arena_alloc(a, 8, 1) != ARENA_NULL);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

static uint64_t blocks_bytes(const char *name)
{
	return (uint64_t)tu_stat_shm(name).st_blocks * 512;
}

/* ARENA_RESET_TRIM gives the pages back; the arena works afterwards and
 * what is allocated after the trim stays intact. */
START_TEST(trim)
{
	enum { C = 32 << 20 };
	arena_t *a = tu_create(tu_seg, C, NULL);
	struct arena_stat st;
	const uint64_t g0 = tu_stat(a).generation;
	uint64_t full, after_plain, after_trim;
	arena_ref_t r, refs[16];

	r = arena_alloc(a, C, 4096);
	ck_assert(r != ARENA_NULL);
	memset(arena_ptr(a, r), 0x77, C);
	full = blocks_bytes(tu_seg);
	st = tu_stat(a);
	ck_assert_uint_ge(full, st.segment_size);

	ck_assert_int_eq(arena_reset(a, 0), 0);         /* no trim */
	after_plain = blocks_bytes(tu_seg);
	ck_assert_uint_ge(after_plain, st.segment_size);

	r = arena_alloc(a, C, 4096);
	ck_assert(r != ARENA_NULL);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_TRIM), 0);
	after_trim = blocks_bytes(tu_seg);
	ck_assert_msg(after_trim <= st.header_size + (1u << 20),
	              "after trim: %llu bytes of blocks (was %llu)",
	              (unsigned long long)after_trim,
	              (unsigned long long)full);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.generation, tu_gen_add(g0, 2));
	ck_assert_uint_eq(st.resets, 2);
	TU_FAILS_WITH(arena_get(a, r, 1), NULL, ESTALE);

	for (int i = 0; i < 16; i++) {
		unsigned char *p;
		refs[i] = arena_calloc(a, 1, 1 << 20, 64);
		ck_assert_msg(refs[i] != ARENA_NULL, "calloc after trim: %s",
		              strerror(errno));
		p = arena_ptr(a, refs[i]);
		for (size_t k = 0; k < 1 << 20; k += 997)
			ck_assert_msg(p[k] == 0, "calloc after trim: byte "
			              "%zu is %#x", k, p[k]);
		tu_fill(p, 1 << 20, refs[i]);
	}
	/* trimming again with live objects of the new generation gone stale
	 * is fine; before that, the objects are intact */
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(tu_check_fill(arena_ptr(a, refs[i]), 1 << 20,
		                                refs[i]), 1 << 20);
	ck_assert_uint_ge(blocks_bytes(tu_seg), 16u << 20);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_TRIM | ARENA_RESET_FORCE),
	                 0);
	ck_assert_uint_le(blocks_bytes(tu_seg), st.header_size + (1u << 20));
	r = arena_alloc(a, C, 1);
	ck_assert_msg(r != ARENA_NULL, "whole capacity after trim: %s",
	              strerror(errno));
	arena_detach(a);
}
END_TEST

/* high_water is the most used in one generation; resets counts
 * successful resets only. */
START_TEST(statistics)
{
	arena_t *a = tu_create(tu_seg, 100000, NULL);
	struct arena_stat st;
	const uint64_t g0 = tu_stat(a).generation;

	ck_assert_uint_eq(tu_stat(a).high_water, 0);
	ck_assert(arena_alloc(a, 300, 1) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 300);
	ck_assert_uint_eq(st.high_water, 300);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert(arena_alloc(a, 100, 1) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 100);
	ck_assert_uint_eq(st.high_water, 300);
	ck_assert_uint_eq(st.resets, 1);
	ck_assert(arena_alloc(a, 400, 1) != ARENA_NULL);
	st = tu_stat(a);
	ck_assert_uint_eq(st.high_water, 500);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	st = tu_stat(a);
	ck_assert_uint_eq(st.high_water, 500);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.resets, 3);
	ck_assert_uint_eq(st.generation, tu_gen_add(g0, 3));
	/* failures are not reset */
	TU_FAILS_WITH(arena_alloc(a, 100001, 1), ARENA_NULL, ENOMEM);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert_uint_eq(tu_stat(a).failed_allocs, 1);
	arena_detach(a);
}
END_TEST

struct loop_arg {
	const char *name;
	struct tu_gate *g;
	int *stop;              /* in MAP_SHARED memory */
};

/* reset_loop -- reset (FORCE, no trim) until *STOP. */
static int reset_loop(void *arg)
{
	struct loop_arg *p = arg;
	arena_t *a = arena_attach(p->name, 0);
	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(p->g, 'r');
	/* EBUSY is the documented answer while the other process trims. */
	while (!__atomic_load_n(p->stop, __ATOMIC_ACQUIRE))
		if (arena_reset(a, ARENA_RESET_FORCE) != 0 && errno != EBUSY)
			return tu_fail(2, "reset: %s", strerror(errno));
	arena_detach(a);
	return 0;
}

/* Nothing is ever allocated, so high_water stays 0 however resets
 * interleave: in particular a reset in another process while a trim holds
 * the new generation "full" must not take that for use. */
START_TEST(high_water_concurrent_trim)
{
	arena_t *a = tu_create(tu_seg, 4u << 20, NULL);
	int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct tu_gate g;
	struct loop_arg la = { tu_seg, &g, stop };
	struct arena_stat st;
	pid_t pid;

	ck_assert(stop != MAP_FAILED);
	tu_gate_init(&g);
	pid = tu_fork(reset_loop, &la);
	tu_gate_wait(&g);
	for (int i = 0; i < 8000; i++)
		ck_assert_int_eq(arena_reset(a, ARENA_RESET_FORCE |
		                             ARENA_RESET_TRIM), 0);
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
	tu_wait_ok(pid);
	st = tu_stat(a);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.failed_allocs, 0);
	ck_assert_msg(st.high_water == 0, "high_water %llu (capacity %llu) "
	              "though nothing was ever allocated",
	              (unsigned long long)st.high_water,
	              (unsigned long long)st.capacity);
	munmap(stop, 4096);
	arena_detach(a);
}
END_TEST

/* The generation wraps after 2^24 resets; references of the last
 * generation before the wrap are stale after it. */
START_TEST(generation_wrap)
{
	arena_t *a = tu_create(tu_seg, 65536, NULL);
	struct arena_stat st = tu_stat(a);
	uint64_t word = FMT_WORD(ARENA_GEN_MASK, st.segment_size);
	arena_ref_t old, cur;

	tu_pwrite(tu_seg, &word, 8, 128);
	ck_assert_uint_eq(tu_stat(a).generation, ARENA_GEN_MASK);
	old = arena_strdup(a, "last generation");
	ck_assert(old != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_GENERATION(old), ARENA_GEN_MASK);
	ck_assert_str_eq(arena_get_str(a, old), "last generation");
	ck_assert_int_eq(arena_reset(a, 0), 0);
	st = tu_stat(a);
	ck_assert_uint_ne(st.generation, ARENA_GEN_MASK);
	ck_assert_uint_le(st.generation, ARENA_GEN_MASK);
	ck_assert_uint_eq(st.used, 0);
	TU_FAILS_WITH(arena_get(a, old, 1), NULL, ESTALE);
	cur = arena_strdup(a, "first after the wrap");
	ck_assert(cur != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_GENERATION(cur), st.generation);
	ck_assert_str_eq(arena_get_str(a, cur), "first after the wrap");
	arena_detach(a);
}
END_TEST

static Suite *reset_suite(void)
{
	Suite *s = suite_create("reset");
	TCase *tc = tu_tcase(s, "reset", 20);

	tcase_add_test(tc, reset_frees_all);
	tcase_add_test(tc, busy_with_live_peer);
	tcase_add_test(tc, dead_peer);
	tcase_add_test(tc, forged_entries);
	tcase_add_test(tc, trim);
	tcase_add_test(tc, trim_in_progress);
	tcase_add_test(tc, statistics);
	tcase_add_test(tc, generation_wrap);
	tcase_add_test(tc, high_water_concurrent_trim);
	return s;
}

int main(void)
{
	return tu_main(reset_suite(), "reset");
}
