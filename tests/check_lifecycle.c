/*
 * check_lifecycle.c - create, attach, detach, unlink: names, modes,
 * capacities, memory reservation, options, handles and fork.
 */
#include <grp.h>
#include <sys/statvfs.h>

#include "testutil.h"

/* A fresh segment can be attached, shares its memory, and is gone after
 * unlink. */
START_TEST(create_attach_detach_unlink)
{
	arena_t *a = tu_create(tu_seg, 4096, NULL);
	arena_t *b;
	arena_ref_t r;
	char *p;

	ck_assert_msg(tu_shm_exists(tu_seg), "no /dev/shm entry after create");
	b = tu_attach(tu_seg, 0);
	r = arena_strdup(a, "shared bytes");
	ck_assert_msg(r != ARENA_NULL, "strdup: %s", strerror(errno));
	p = arena_get(b, r, 13);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "shared bytes");
	p[0] = 'S';                  /* written through b, seen through a */
	ck_assert_str_eq((char *)arena_ptr(a, r), "Shared bytes");

	ck_assert_int_eq(arena_detach(b), 0);
	ck_assert_int_eq(arena_detach(a), 0);
	ck_assert_int_eq(arena_unlink(tu_seg), 0);
	ck_assert_msg(!tu_shm_exists(tu_seg), "/dev/shm entry after unlink");
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, ENOENT);
	TU_FAILS_WITH(arena_unlink(tu_seg), -1, ENOENT);
	ck_assert_int_eq(arena_detach(NULL), 0);
}
END_TEST

/* Attached processes keep their mapping after unlink; the name can be
 * reused for a brand-new segment. */
START_TEST(unlink_while_attached)
{
	arena_t *a = tu_create(tu_seg, 8192, NULL);
	arena_t *c;
	arena_ref_t r = arena_strdup(a, "still here");
	struct arena_stat st;

	ck_assert(r != ARENA_NULL);
	ck_assert_int_eq(arena_unlink(tu_seg), 0);
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, ENOENT);
	ck_assert_str_eq(arena_get_str(a, r), "still here");
	ck_assert(arena_alloc(a, 100, 8) != ARENA_NULL);

	c = tu_create(tu_seg, 4096, NULL);    /* same name, new object */
	st = tu_stat(c);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.capacity, 4096);
	ck_assert_uint_eq(st.resets, 0);
	ck_assert_uint_ge(st.generation, 1);      /* a random one, never 0 */
	ck_assert_uint_le(st.generation, ARENA_GEN_MASK);
	ck_assert_uint_eq(tu_stat(a).capacity, 8192);
	ck_assert_str_eq(arena_get_str(a, r), "still here");
	arena_detach(c);
	arena_detach(a);
}
END_TEST

/* "name" and "/name" are the same segment; arena_name() has the '/'. */
START_TEST(leading_slash)
{
	char slashed[TU_NAME_LEN + 1];
	char other[TU_NAME_LEN];
	arena_t *a, *b;

	snprintf(slashed, sizeof slashed, "/%s", tu_seg);
	a = tu_create(tu_seg, 4096, NULL);
	ck_assert_str_eq(arena_name(a), slashed);
	b = tu_attach(slashed, 0);
	ck_assert_str_eq(arena_name(b), slashed);
	TU_FAILS_WITH(arena_create(slashed, 4096, NULL), NULL, EEXIST);
	arena_detach(b);
	arena_detach(a);
	ck_assert_int_eq(arena_unlink(slashed), 0);
	ck_assert(!tu_shm_exists(tu_seg));

	/* created with the '/', attached and unlinked without it */
	tu_name(other);
	snprintf(slashed, sizeof slashed, "/%s", other);
	a = tu_create(slashed, 4096, NULL);
	ck_assert_msg(tu_shm_exists(other), "/dev/shm/%s missing", other);
	b = tu_attach(other, 0);
	ck_assert_str_eq(arena_name(b), slashed);
	arena_detach(b);
	arena_detach(a);
	ck_assert_int_eq(arena_unlink(other), 0);
	ck_assert(!tu_shm_exists(other));
}
END_TEST

/* Bad names: EINVAL or ENAMETOOLONG from create, attach and unlink. */
START_TEST(bad_names)
{
	static const char *const bad[] = { "", "/", "a/b", "/a/b", "ab/",
	                                   "//ab" };
	char name[TU_NAME_LEN];
	char slashed[TU_NAME_LEN + 1];
	arena_t *a;

	TU_FAILS_WITH(arena_create(NULL, 4096, NULL), NULL, EINVAL);
	TU_FAILS_WITH(arena_attach(NULL, 0), NULL, EINVAL);
	TU_FAILS_WITH(arena_unlink(NULL), -1, EINVAL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		a = arena_create(bad[i], 4096, NULL);
		ck_assert_msg(a == NULL && errno == EINVAL,
		              "create(\"%s\"): %p errno %d, expected EINVAL",
		              bad[i], (void *)a, errno);
		errno = 0;
		a = arena_attach(bad[i], 0);
		ck_assert_msg(a == NULL && errno == EINVAL,
		              "attach(\"%s\"): %p errno %d, expected EINVAL",
		              bad[i], (void *)a, errno);
		errno = 0;
		ck_assert_msg(arena_unlink(bad[i]) == -1 && errno == EINVAL,
		              "unlink(\"%s\"): errno %d, expected EINVAL",
		              bad[i], errno);
	}

	/* ARENA_NAME_MAX counts the leading '/': 254 bytes without it is
	 * the longest, 255 is one too many, with or without the '/'. */
	tu_name_len(name, ARENA_NAME_MAX - 1);
	a = tu_create(name, 4096, NULL);
	ck_assert(tu_shm_exists(name));
	snprintf(slashed, sizeof slashed, "/%s", name);
	ck_assert_str_eq(arena_name(a), slashed);
	arena_detach(a);
	a = tu_attach(slashed, 0);
	arena_detach(a);
	ck_assert_int_eq(arena_unlink(name), 0);

	tu_name_len(name, ARENA_NAME_MAX);
	snprintf(slashed, sizeof slashed, "/%s", name);
	TU_FAILS_WITH(arena_create(name, 4096, NULL), NULL, ENAMETOOLONG);
	TU_FAILS_WITH(arena_create(slashed, 4096, NULL), NULL, ENAMETOOLONG);
	TU_FAILS_WITH(arena_attach(name, 0), NULL, ENAMETOOLONG);
	TU_FAILS_WITH(arena_unlink(name), -1, ENAMETOOLONG);
	ck_assert(!tu_shm_exists(name));

	tu_name_len(name, 300);
	TU_FAILS_WITH(arena_create(name, 4096, NULL), NULL, ENAMETOOLONG);
}
END_TEST

/* A second create fails with EEXIST and leaves the first one alone. */
START_TEST(create_exclusive)
{
	arena_t *a = tu_create(tu_seg, 4096, NULL);
	arena_t *b;
	arena_ref_t r = arena_strdup(a, "first");
	struct stat before = tu_stat_shm(tu_seg), after;

	ck_assert(r != ARENA_NULL);
	TU_FAILS_WITH(arena_create(tu_seg, 4096, NULL), NULL, EEXIST);
	TU_FAILS_WITH(arena_create(tu_seg, 1 << 20, NULL), NULL, EEXIST);
	after = tu_stat_shm(tu_seg);
	ck_assert_int_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(before.st_size, after.st_size);
	b = tu_attach(tu_seg, 0);
	ck_assert_str_eq(arena_get_str(b, r), "first");
	ck_assert_uint_eq(tu_stat(b).capacity, 4096);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

START_TEST(attach_missing)
{
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, ENOENT);
	TU_FAILS_WITH(arena_attach(tu_seg, ARENA_RDONLY), NULL, ENOENT);
	TU_FAILS_WITH(arena_attach(tu_seg, ARENA_NOWAIT), NULL, ENOENT);
	ck_assert(!tu_shm_exists(tu_seg));
}
END_TEST

/* Mode 0600 by default whatever the umask; a given mode exactly. */
START_TEST(modes)
{
	static const unsigned want[] = { 0640, 0644, 0666, 0400, 0660 };
	char name[TU_NAME_LEN];
	struct arena_options o;
	struct stat st;
	mode_t old = umask(0);
	arena_t *a = tu_create(tu_seg, 4096, NULL);

	st = tu_stat_shm(tu_seg);
	ck_assert_msg((st.st_mode & 07777) == 0600,
	              "default mode %o with umask 0, expected 0600",
	              (unsigned)(st.st_mode & 07777));
	ck_assert_uint_eq(st.st_uid, geteuid());
	arena_detach(a);

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		memset(&o, 0, sizeof o);
		o.mode = want[i];
		umask(i % 2 ? 077 : 0);
		a = tu_create(tu_name(name), 4096, &o);
		st = tu_stat_shm(name);
		ck_assert_msg((st.st_mode & 07777) == want[i],
		              "mode %o asked (umask %o), got %o", want[i],
		              i % 2 ? 077u : 0u,
		              (unsigned)(st.st_mode & 07777));
		arena_detach(a);
		ck_assert_int_eq(arena_unlink(name), 0);
	}
	umask(077);
	a = tu_create(tu_name(name), 4096, NULL);
	st = tu_stat_shm(name);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	arena_detach(a);
	umask(old);
}
END_TEST

/* Capacity 0 is EINVAL, too large is EFBIG; nothing is left behind. */
START_TEST(bad_capacity)
{
	TU_FAILS_WITH(arena_create(tu_seg, 0, NULL), NULL, EINVAL);
	ck_assert(!tu_shm_exists(tu_seg));
	TU_FAILS_WITH(arena_create(tu_seg, (size_t)ARENA_MAX_SEGMENT + 1, NULL),
	              NULL, EFBIG);
	ck_assert(!tu_shm_exists(tu_seg));
	/* the header comes on top of the capacity */
	TU_FAILS_WITH(arena_create(tu_seg, (size_t)ARENA_MAX_SEGMENT, NULL),
	              NULL, EFBIG);
	ck_assert(!tu_shm_exists(tu_seg));
	TU_FAILS_WITH(arena_create(tu_seg, SIZE_MAX, NULL), NULL, EFBIG);
	ck_assert(!tu_shm_exists(tu_seg));
	TU_FAILS_WITH(arena_create(tu_seg, SIZE_MAX - 4095, NULL), NULL, EFBIG);
	ck_assert(!tu_shm_exists(tu_seg));
}
END_TEST

/* The capacity is the usable size, page multiple or not. */
START_TEST(capacity_exact)
{
	static const size_t caps[] = { 1, 1000, 4096, 4097, 65536 + 3 };
	char name[TU_NAME_LEN];

	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		arena_t *a = tu_create(tu_name(name), caps[i], NULL);
		struct arena_stat st = tu_stat(a);
		struct stat fs = tu_stat_shm(name);
		ck_assert_uint_eq(st.capacity, caps[i]);
		ck_assert_uint_eq(st.available, caps[i]);
		ck_assert_uint_eq(st.segment_size, st.header_size + caps[i]);
		ck_assert_uint_eq((uint64_t)fs.st_size, st.segment_size);
		arena_detach(a);
		ck_assert_int_eq(arena_unlink(name), 0);
	}
}
END_TEST

/* Without ARENA_CREATE_SPARSE the memory is reserved: the tmpfs object
 * has blocks for all of it; with it, almost none. */
START_TEST(reservation_and_sparse)
{
	const size_t cap = 32u << 20;
	char name[TU_NAME_LEN];
	struct arena_options o;
	struct arena_stat st;
	struct stat fs;
	arena_t *a = tu_create(tu_seg, cap, NULL);

	st = tu_stat(a);
	ck_assert_uint_eq(st.flags & ARENA_CREATE_SPARSE, 0);
	fs = tu_stat_shm(tu_seg);
	ck_assert_msg((uint64_t)fs.st_blocks * 512 >= st.segment_size,
	              "reserved create: %llu bytes of blocks for a segment "
	              "of %llu", (unsigned long long)fs.st_blocks * 512,
	              (unsigned long long)st.segment_size);
	arena_detach(a);

	memset(&o, 0, sizeof o);
	o.flags = ARENA_CREATE_SPARSE;
	a = tu_create(tu_name(name), cap, &o);
	st = tu_stat(a);
	ck_assert_uint_eq(st.flags & ARENA_CREATE_SPARSE, ARENA_CREATE_SPARSE);
	ck_assert_uint_eq(st.capacity, cap);
	fs = tu_stat_shm(name);
	ck_assert_msg((uint64_t)fs.st_blocks * 512 <= st.header_size + 65536,
	              "sparse create: %llu bytes of blocks (header %llu)",
	              (unsigned long long)fs.st_blocks * 512,
	              (unsigned long long)st.header_size);
	/* touching memory allocates pages, and works */
	{
		arena_ref_t r = arena_alloc(a, 1 << 20, 4096);
		ck_assert(r != ARENA_NULL);
		memset(arena_ptr(a, r), 0x5a, 1 << 20);
		fs = tu_stat_shm(name);
		ck_assert_uint_ge((uint64_t)fs.st_blocks * 512, 1 << 20);
	}
	arena_detach(a);
}
END_TEST

/* A reservation /dev/shm cannot hold is ENOSPC at create time, and leaves
 * nothing; the same size sparse is accepted. */
START_TEST(reservation_enospc)
{
	struct statvfs vfs;
	struct arena_options o;
	uint64_t fs_size;
	size_t cap;
	arena_t *a;

	ck_assert_int_eq(statvfs("/dev/shm", &vfs), 0);
	fs_size = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	ck_assert_msg(fs_size != 0, "/dev/shm has no size limit");
	cap = (size_t)(fs_size + (64u << 20));
	TU_FAILS_WITH(arena_create(tu_seg, cap, NULL), NULL, ENOSPC);
	ck_assert_msg(!tu_shm_exists(tu_seg), "ENOSPC left the object behind");

	memset(&o, 0, sizeof o);
	o.flags = ARENA_CREATE_SPARSE;
	a = tu_create(tu_seg, cap, &o);
	ck_assert_uint_eq(tu_stat(a).capacity, cap);
	{
		arena_ref_t r = arena_strdup(a, "top of a huge sparse arena");
		ck_assert(r != ARENA_NULL);
		ck_assert_str_eq(arena_get_str(a, r),
		                 "top of a huge sparse arena");
	}
	arena_detach(a);
}
END_TEST

/* proc_slots and dir_slots are honoured, defaults are 64, the header is
 * the tables (with the default section table) rounded up to a page, bad
 * options are EINVAL. */
START_TEST(options_slots)
{
	static const unsigned cfg[][2] = {
		{ 0, 0 }, { 1, 1 }, { 5, 7 }, { 1000, 1000 }, { 2, 300 },
		{ ARENA_MAX_SLOTS, ARENA_MAX_SLOTS }, { 3, ARENA_DIR_NONE },
	};
	char name[TU_NAME_LEN];
	struct arena_options o;

	for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
		unsigned p = cfg[i][0] ? cfg[i][0] : ARENA_DEFAULT_PROCS;
		unsigned d = cfg[i][1] == ARENA_DIR_NONE ? 0
		             : cfg[i][1] ? cfg[i][1] : ARENA_DEFAULT_DIR_SLOTS;
		uint64_t tables = 384 + (uint64_t)p * 8 + (uint64_t)d * 48 +
		                  (uint64_t)ARENA_DEFAULT_SECTIONS * 64;
		uint64_t bound = (tables + 63 + 4095) & ~UINT64_C(4095);
		struct arena_stat st;
		arena_t *a;

		memset(&o, 0, sizeof o);
		o.proc_slots = cfg[i][0];
		o.dir_slots = cfg[i][1];
		a = tu_create(tu_name(name), 10000, &o);
		st = tu_stat(a);
		ck_assert_uint_eq(st.proc_slots, p);
		ck_assert_uint_eq(st.dir_slots, d);
		ck_assert_msg(st.header_size % 4096 == 0,
		              "header_size %llu not a page multiple",
		              (unsigned long long)st.header_size);
		ck_assert_msg(st.header_size >= tables && st.header_size <= bound,
		              "%u procs, %u dir slots: header_size %llu, "
		              "expected [%llu, %llu]", p, d,
		              (unsigned long long)st.header_size,
		              (unsigned long long)tables,
		              (unsigned long long)bound);
		ck_assert_uint_eq(st.segment_size, st.header_size + 10000);
		ck_assert_uint_eq(st.capacity, 10000);
		arena_detach(a);
		ck_assert_int_eq(arena_unlink(name), 0);
	}

	memset(&o, 0, sizeof o);
	o.proc_slots = ARENA_MAX_SLOTS + 1;
	TU_FAILS_WITH(arena_create(tu_seg, 4096, &o), NULL, EINVAL);
	memset(&o, 0, sizeof o);
	o.dir_slots = ARENA_MAX_SLOTS + 1;
	TU_FAILS_WITH(arena_create(tu_seg, 4096, &o), NULL, EINVAL);
	memset(&o, 0, sizeof o);
	o.flags = 1u << 30;
	TU_FAILS_WITH(arena_create(tu_seg, 4096, &o), NULL, EINVAL);
	ck_assert(!tu_shm_exists(tu_seg));
}
END_TEST

/* Two attachments in one process are independent and each takes a slot. */
START_TEST(two_handles_one_process)
{
	arena_t *a = tu_create(tu_seg, 1 << 16, NULL);
	arena_t *b = tu_attach(tu_seg, 0);
	struct arena_proc pr[4];
	arena_ref_t r, s;
	int n;

	ck_assert_ptr_ne(a, b);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	n = arena_procs(a, pr, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(pr[0].pid, getpid());
	ck_assert_int_eq(pr[1].pid, getpid());
	ck_assert_uint_ne(pr[0].slot, pr[1].slot);

	r = arena_strdup(a, "from a");
	s = arena_strdup(b, "from b");
	ck_assert(r != ARENA_NULL && s != ARENA_NULL && r != s);
	ck_assert_str_eq(arena_get_str(b, r), "from a");
	ck_assert_str_eq(arena_get_str(a, s), "from b");

	ck_assert_int_eq(arena_detach(a), 0);
	/* b is untouched by a's detach */
	ck_assert_str_eq(arena_get_str(b, r), "from a");
	ck_assert(arena_alloc(b, 4096, 4096) != ARENA_NULL);
	ck_assert_uint_eq(tu_stat(b).attached, 1);
	n = arena_procs(b, pr, 4);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(pr[0].pid, getpid());
	ck_assert_int_eq(arena_detach(b), 0);
}
END_TEST

struct detach_arg {
	arena_t *a;
	const char *name;
	struct tu_gate *g;
};

static int child_detach_inherited(void *arg)
{
	struct detach_arg *d = arg;
	return arena_detach(d->a) == 0 ? 0 : 1;
}

static int child_attach_detach(void *arg)
{
	struct detach_arg *d = arg;
	arena_t *c = arena_attach(d->name, 0);
	if (c == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(d->g, 'a');
	tu_gate_hold(d->g);
	return arena_detach(c) == 0 ? 0 : 2;
}

/* A child that detaches the handle it inherited only unmaps: the parent's
 * process-table entry stays. */
START_TEST(detach_in_forked_child)
{
	arena_t *a = tu_create(tu_seg, 1 << 16, NULL);
	arena_t *b = tu_attach(tu_seg, 0);
	struct detach_arg d = { a, tu_seg, NULL };
	struct tu_gate g;
	struct arena_proc pr[4];
	arena_ref_t r = arena_strdup(a, "parent data");
	int n;

	ck_assert_uint_eq(tu_stat(a).attached, 2);
	tu_wait_ok(tu_fork(child_detach_inherited, &d));
	d.a = b;
	tu_wait_ok(tu_fork(child_detach_inherited, &d));

	ck_assert_uint_eq(tu_stat(a).attached, 2);
	n = arena_procs(a, pr, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(pr[0].pid, getpid());
	ck_assert_int_eq(pr[1].pid, getpid());
	ck_assert_int_eq(pr[0].alive, 1);
	ck_assert_str_eq(arena_get_str(a, r), "parent data");
	ck_assert_str_eq(arena_get_str(b, r), "parent data");

	/* a child attaching on its own counts, and its detach releases */
	tu_gate_init(&g);
	d.g = &g;
	{
		pid_t pid = tu_fork(child_attach_detach, &d);
		tu_gate_wait(&g);
		ck_assert_uint_eq(tu_stat(a).attached, 3);
		tu_gate_release(&g);
		tu_wait_ok(pid);
	}
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	ck_assert_int_eq(arena_procs(a, pr, 4), 2);
	/* with the parent's entries intact, a peer-free reset succeeds only
	 * because both are this process's */
	ck_assert_int_eq(arena_reset(a, 0), 0);
	arena_detach(b);
	arena_detach(a);
}
END_TEST

static int child_unlink_as_nobody(void *arg)
{
	const char *name = arg;
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
	    setuid(65534) != 0)
		return tu_fail(90, "dropping privileges: %s", strerror(errno));
	errno = 0;
	if (arena_unlink(name) != -1 || errno != EACCES)
		return tu_fail(1, "unlink as another user: errno %d (%s), "
		               "expected EACCES", errno, strerror(errno));
	return 0;
}

/* Another user may not unlink the segment (EACCES); it stays usable. */
START_TEST(unlink_denied)
{
	arena_t *a = tu_create(tu_seg, 4096, NULL);
	tu_wait_ok(tu_fork(child_unlink_as_nobody, tu_seg));
	ck_assert(tu_shm_exists(tu_seg));
	arena_detach(a);
	a = tu_attach(tu_seg, 0);
	arena_detach(a);
}
END_TEST

#define EAGER 4

struct eager_arg {
	const char *name;
	struct tu_gate *g;
	int nowait;
	uint64_t *gen;          /* MAP_SHARED: the generation it saw */
};

/* eager_attacher -- attach NAME in a loop from before it exists: every
 * answer is "no such segment" (or, with NOWAIT, "not ready yet") until
 * it is a complete, valid segment. */
static int eager_attacher(void *arg)
{
	struct eager_arg *e = arg;
	double t0 = tu_now_ms();
	tu_gate_signal(e->g, 'r');
	while (tu_now_ms() - t0 < tu_ms(5000)) {
		arena_t *a;
		errno = 0;
		a = arena_attach(e->name, e->nowait ? ARENA_NOWAIT : 0);
		if (a != NULL) {
			struct arena_stat st;
			if (arena_stat(a, &st) != 0 || st.capacity != 8u << 20
			    || st.generation == 0 || st.generation > ARENA_GEN_MASK
			    || st.resets != 0)
				return tu_fail(2, "attached a bad segment");
			*e->gen = st.generation;   /* the creator's? */
			arena_detach(a);
			return 0;
		}
		if (errno != ENOENT && !(e->nowait && errno == EAGAIN))
			return tu_fail(1, "attach during create: errno %d "
			               "(%s)", errno, strerror(errno));
	}
	return tu_fail(3, "never attached");
}

/* Processes attaching while the segment is being created see it missing
 * or wait for it; never a half-made segment. */
START_TEST(attach_during_create)
{
	uint64_t *gen = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert(gen != MAP_FAILED);
	for (int round = 0; round < 10; round++) {
		char name[TU_NAME_LEN];
		struct eager_arg e[EAGER];
		pid_t pid[EAGER];
		struct tu_gate g;
		arena_t *a;

		tu_name(name);
		tu_gate_init(&g);
		for (int i = 0; i < EAGER; i++) {
			e[i].name = name;
			e[i].g = &g;
			e[i].nowait = i % 2;
			e[i].gen = &gen[i];
			gen[i] = 0;
			pid[i] = tu_fork(eager_attacher, &e[i]);
		}
		for (int i = 0; i < EAGER; i++)
			tu_gate_wait(&g);
		a = tu_create(name, 8u << 20, NULL);
		for (int i = 0; i < EAGER; i++)
			tu_wait_ok(pid[i]);
		/* the generation the creator wrote, not one of a half-made
		 * header */
		for (int i = 0; i < EAGER; i++)
			ck_assert_uint_eq(gen[i], tu_stat(a).generation);
		arena_detach(a);
		ck_assert_int_eq(arena_unlink(name), 0);
		close(g.ready[0]);
		close(g.ready[1]);
		close(g.hold[0]);
		close(g.hold[1]);
	}
	munmap(gen, 4096);
}
END_TEST

static int statvfs_limited(void)
{
	struct statvfs vfs;
	return statvfs("/dev/shm", &vfs) == 0 && vfs.f_blocks != 0 &&
	       (uint64_t)vfs.f_blocks * vfs.f_frsize + (64u << 20) <
	       ARENA_MAX_SEGMENT / 2;
}

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tu_tcase(s, "lifecycle", 20);

	tcase_add_test(tc, create_attach_detach_unlink);
	tcase_add_test(tc, unlink_while_attached);
	tcase_add_test(tc, leading_slash);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, create_exclusive);
	tcase_add_test(tc, attach_missing);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, bad_capacity);
	tcase_add_test(tc, capacity_exact);
	tcase_add_test(tc, reservation_and_sparse);
	if (statvfs_limited())
		tcase_add_test(tc, reservation_enospc);
	else
		fprintf(stderr, "check_lifecycle: /dev/shm has no usable size "
		        "limit: reservation_enospc NOT RUN\n");
	tcase_add_test(tc, options_slots);
	tcase_add_test(tc, two_handles_one_process);
	tcase_add_test(tc, detach_in_forked_child);
	tcase_add_test(tc, unlink_denied);
	tcase_add_test(tc, attach_during_create);
	return s;
}

int main(void)
{
	return tu_main(lifecycle_suite(), "lifecycle");
}
