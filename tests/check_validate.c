/*
 * check_validate.c - arena_attach() refuses what is not a good segment,
 * with the documented errno, and writes nothing while doing so; ownership,
 * modes, the bounded wait for a creator, and read-only handles.
 *
 * The corruptions are made through /dev/shm/NAME with the layout of
 * lib/format.h; where a geometry field is changed, the checksum is
 * recomputed so that it is the geometry check that must refuse.
 */
#include <grp.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "testutil.h"
#include "../lib/format.h"

#define CAP 8192u

/* snapshot -- the whole file. */
struct snapshot {
	unsigned char *b;
	size_t n;
};

static struct snapshot snap(const char *name)
{
	struct snapshot s;
	s.b = tu_read_shm(name, &s.n);
	return s;
}

/* same_bytes -- assert the file still holds exactly S. */
static void same_bytes(const char *name, struct snapshot s, const char *what)
{
	struct snapshot t = snap(name);
	size_t i = 0;
	ck_assert_msg(t.n == s.n, "%s: file size changed %zu -> %zu", what,
	              s.n, t.n);
	while (i < s.n && s.b[i] == t.b[i])
		i++;
	ck_assert_msg(i == s.n, "%s: byte %zu of the segment changed "
	              "(%#x -> %#x)", what, i, s.b[i], t.b[i]);
	free(t.b);
}

/* refuses -- attach(NAME, FLAGS) fails with E, quickly enough, and leaves
 * the file untouched. */
static void refuses(const char *name, unsigned flags, int e, const char *what)
{
	struct snapshot s = snap(name);
	double t0 = tu_now_ms();
	arena_t *a;
	int got;

	errno = 0;
	a = arena_attach(name, flags);
	got = errno;
	ck_assert_msg(a == NULL, "%s: attach(flags %#x) succeeded, expected "
	              "%s", what, flags, strerror(e));
	ck_assert_msg(got == e, "%s: attach(flags %#x): errno %d (%s), "
	              "expected %d (%s)", what, flags, got, strerror(got), e,
	              strerror(e));
	ck_assert_msg(tu_now_ms() - t0 < tu_ms(5000), "%s: attach took %.0f ms", what,
	              tu_now_ms() - t0);
	same_bytes(name, s, what);
	free(s.b);
}

/* make_segment -- a valid, detached segment NAME of capacity CAP. */
static void make_segment(const char *name, const struct arena_options *o)
{
	arena_t *a = tu_create(name, CAP, o);
	arena_ref_t r = arena_strdup(a, "payload");
	ck_assert(r != ARENA_NULL);
	ck_assert_int_eq(arena_publish(a, "key", r), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}

/* The segment as a buffer to corrupt and write back. */
struct image {
	unsigned char *b;
	size_t n;        /* bytes read */
	size_t newlen;   /* length to write back (truncate or grow) */
	struct fmt_header *h;
};

static struct image load(const char *name)
{
	struct image im;
	im.b = tu_read_shm(name, &im.n);
	im.b = realloc(im.b, im.n + 2 * FMT_PAGE);
	ck_assert_ptr_nonnull(im.b);
	memset(im.b + im.n, 0, 2 * FMT_PAGE);
	im.newlen = im.n;
	im.h = (struct fmt_header *)(void *)im.b;
	return im;
}

static void fix_checksum(struct image *im)
{
	im->h->checksum = tu_fnv1a64(im->b, FMT_CHECKSUMMED);
}

static void store(const char *name, struct image *im)
{
	int fd = tu_open_shm(name);
	size_t n = im->newlen < im->n ? im->newlen : im->n;
	ck_assert_int_eq(ftruncate(fd, (off_t)im->newlen), 0);
	ck_assert(pwrite(fd, im->b, n, 0) == (ssize_t)n);
	close(fd);
}

/*
 * The table of corruptions: each one is a separate test (loop test).
 */
typedef void (*mutator)(struct image *);

static void m_magic(struct image *im) { im->b[0] ^= 0x01; }
static void m_magic_last(struct image *im) { im->b[7] ^= 0x80; }
static void m_version_next(struct image *im) { im->h->version = FMT_VERSION + 1; }
/* Format 1: a directory claim of an ended generation was free there. */
static void m_version1(struct image *im) { im->h->version = 1; }
/* Format 2 (development builds) kept init_state at 80: refused at once,
 * not waited for. */
static void m_version2(struct image *im)
{
	im->h->version = 2;
	im->h->init_state = 0;
	memcpy(im->b + 80, &(uint32_t){ FMT_READY }, 4);
}
static void m_version0(struct image *im) { im->h->version = 0; }
static void m_version_big(struct image *im) { im->h->version = 0xffffffffu; }
static void m_incompat1(struct image *im) { im->h->incompat |= 1u; }
static void m_incompat31(struct image *im) { im->h->incompat |= 1u << 31; }
static void m_checksum(struct image *im) { im->b[88] ^= 0x10; }
static void m_perm_odd(struct image *im) { im->h->perm_size = 100; }
static void m_perm_all(struct image *im)
{
	im->h->perm_size = im->h->segment_size - im->h->header_size;
}
static void m_perm_tag0(struct image *im) { im->h->perm_tag = 0; }
static void m_perm_tag_big(struct image *im) { im->h->perm_tag = 1u << 24; }
static void m_perm_dir_alone(struct image *im) { im->h->perm_dir_slots = 1; }
static void m_perm_dir_big(struct image *im)
{
	im->h->perm_size = FMT_PAGE;
	im->h->perm_dir_slots = 4096;
}
static void m_ctime(struct image *im) { im->b[40] ^= 0x04; }
static void m_segsize_byte(struct image *im) { im->b[17] ^= 0x01; }
static void m_sects0(struct image *im) { im->h->sect_slots = 0; }
static void m_sects_big(struct image *im) { im->h->sect_slots = ARENA_MAX_SLOTS + 1; }
static void m_sects_more(struct image *im) { im->h->sect_slots += 1024; }
static void m_segsize_up(struct image *im) { im->h->segment_size += FMT_PAGE; }
static void m_segsize_down(struct image *im) { im->h->segment_size -= 1; }
static void m_segsize_huge(struct image *im)
{
	im->h->segment_size = UINT64_MAX - FMT_PAGE + 1;
}
static void m_hdrsize_odd(struct image *im) { im->h->header_size += 1; }
static void m_hdrsize_zero(struct image *im) { im->h->header_size = 0; }
static void m_hdrsize_past(struct image *im)
{
	im->h->header_size = (uint32_t)im->h->segment_size + FMT_PAGE;
}
static void m_hdrsize_huge(struct image *im) { im->h->header_size = 1u << 31; }
static void m_procoff_zero(struct image *im) { im->h->proc_offset = 0; }
static void m_procoff_id(struct image *im) { im->h->proc_offset = 64; }
static void m_procoff_end(struct image *im)
{
	im->h->proc_offset = im->h->header_size;
}
static void m_procoff_misaligned(struct image *im)
{
	im->h->proc_offset += 4;          /* room made by moving the */
	im->h->dir_offset += 8;           /* directory up, still aligned */
}
static void m_diroff_overlap(struct image *im)
{
	im->h->dir_offset = im->h->proc_offset;
}
static void m_diroff_past(struct image *im)
{
	im->h->dir_offset = im->h->header_size - 48 * im->h->dir_slots + 48;
}
static void m_diroff_huge(struct image *im) { im->h->dir_offset = 0xfffffff0u; }
static void m_procslots_huge(struct image *im)
{
	im->h->proc_slots = 0xffffffffu;
}
static void m_procslots_wrap(struct image *im)
{
	im->h->proc_slots = 1u << 29;     /* * 8 wraps a 32-bit product to 0 */
}
static void m_dirslots_wrap(struct image *im)
{
	im->h->dir_slots = 0x10000000u;   /* * 48 wraps a 32-bit product */
}
static void m_dirslots_past(struct image *im)
{
	im->h->dir_slots += (im->h->header_size - im->h->dir_offset) / 48;
}
static void m_top_past(struct image *im)
{
	im->h->state = FMT_WORD(FMT_GEN(im->h->state), im->h->segment_size + 1);
}
static void m_top_header(struct image *im)
{
	im->h->state = FMT_WORD(FMT_GEN(im->h->state), im->h->header_size - 1);
}
/* Top 0 means a trim in progress (valid); 1 is inside the header. */
static void m_top_one(struct image *im)
{
	im->h->state = FMT_WORD(FMT_GEN(im->h->state), 1);
}
static void m_top_max(struct image *im)
{
	im->h->state = FMT_WORD(FMT_GEN(im->h->state), FMT_OFF_MASK);
}
static void m_trunc_page(struct image *im) { im->newlen = im->n - FMT_PAGE; }
static void m_trunc_one(struct image *im) { im->newlen = im->n - 1; }
static void m_trunc_header(struct image *im)
{
	im->newlen = im->h->header_size;
}
static void m_trunc_4096(struct image *im) { im->newlen = FMT_PAGE; }
static void m_trunc_200(struct image *im) { im->newlen = 200; }
static void m_trunc_100(struct image *im) { im->newlen = 100; }
static void m_grow_page(struct image *im) { im->newlen = im->n + FMT_PAGE; }
static void m_grow_one(struct image *im) { im->newlen = im->n + 1; }

static const struct corruption {
	const char *what;
	mutator fn;
	int fix_sum;      /* recompute the checksum after the change */
	int err;
} corruptions[] = {
	{ "magic first byte", m_magic, 0, EMEDIUMTYPE },
	{ "magic last byte", m_magic_last, 1, EMEDIUMTYPE },
	{ "next version", m_version_next, 0, EPROTONOSUPPORT },
	{ "next version, checksum fixed", m_version_next, 1, EPROTONOSUPPORT },
	{ "format 1, checksum fixed", m_version1, 1, EPROTONOSUPPORT },
	{ "format 2, ready at 80, checksum fixed", m_version2, 1,
	  EPROTONOSUPPORT },
	{ "version 0", m_version0, 1, EPROTONOSUPPORT },
	{ "version 0xffffffff", m_version_big, 0, EPROTONOSUPPORT },
	{ "incompat bit 0", m_incompat1, 0, EPROTONOSUPPORT },
	{ "incompat bit 0, checksum fixed", m_incompat1, 1, EPROTONOSUPPORT },
	{ "incompat bit 31, checksum fixed", m_incompat31, 1, EPROTONOSUPPORT },
	{ "checksum flipped", m_checksum, 0, EBADMSG },
	{ "create_time flipped", m_ctime, 0, EBADMSG },
	{ "segment_size flipped", m_segsize_byte, 0, EBADMSG },
	{ "sect_slots 0", m_sects0, 0, EBADMSG },
	{ "perm_size 100, checksum fixed", m_perm_odd, 1, EBADMSG },
	{ "perm_size the whole region, checksum fixed", m_perm_all, 1, EBADMSG },
	{ "perm_tag 0, checksum fixed", m_perm_tag0, 1, EBADMSG },
	{ "perm_tag 2^24, checksum fixed", m_perm_tag_big, 1, EBADMSG },
	{ "perm_dir_slots without a part, checksum fixed", m_perm_dir_alone, 1,
	  EBADMSG },
	{ "perm directory past the header, checksum fixed", m_perm_dir_big, 1,
	  EBADMSG },
	{ "sect_slots 0, checksum fixed", m_sects0, 1, EBADMSG },
	{ "sect_slots 65537, checksum fixed", m_sects_big, 1, EBADMSG },
	{ "sect_slots past the header, checksum fixed", m_sects_more, 1, EBADMSG },
	{ "segment_size + page", m_segsize_up, 1, EBADMSG },
	{ "segment_size - 1", m_segsize_down, 1, EBADMSG },
	{ "segment_size huge", m_segsize_huge, 1, EBADMSG },
	{ "header_size + 1", m_hdrsize_odd, 1, EBADMSG },
	{ "header_size 0", m_hdrsize_zero, 1, EBADMSG },
	{ "header_size past the segment", m_hdrsize_past, 1, EBADMSG },
	{ "header_size 2^31", m_hdrsize_huge, 1, EBADMSG },
	{ "proc_offset 0", m_procoff_zero, 1, EBADMSG },
	{ "proc_offset in the identity", m_procoff_id, 1, EBADMSG },
	{ "proc_offset at header end", m_procoff_end, 1, EBADMSG },
	{ "proc_offset misaligned", m_procoff_misaligned, 1, EBADMSG },
	{ "dir_offset over the process table", m_diroff_overlap, 1, EBADMSG },
	{ "directory past the header", m_diroff_past, 1, EBADMSG },
	{ "dir_offset huge", m_diroff_huge, 1, EBADMSG },
	{ "proc_slots 0xffffffff", m_procslots_huge, 1, EBADMSG },
	{ "proc_slots 2^29 (32-bit wrap)", m_procslots_wrap, 1, EBADMSG },
	{ "dir_slots 2^28 (32-bit wrap)", m_dirslots_wrap, 1, EBADMSG },
	{ "dir_slots past the header", m_dirslots_past, 1, EBADMSG },
	{ "state top past the end", m_top_past, 0, EBADMSG },
	{ "state top inside the header", m_top_header, 0, EBADMSG },
	{ "state top 1", m_top_one, 0, EBADMSG },
	{ "state top 2^40-1", m_top_max, 0, EBADMSG },
	{ "truncated by a page", m_trunc_page, 0, EBADMSG },
	{ "truncated by a byte", m_trunc_one, 0, EBADMSG },
	{ "truncated to the header", m_trunc_header, 0, EBADMSG },
	{ "truncated to 4096", m_trunc_4096, 0, EBADMSG },
	{ "truncated to 200 bytes", m_trunc_200, 0, EBADMSG },
	{ "truncated to 100 bytes", m_trunc_100, 0, EBADMSG },
	{ "grown by a page", m_grow_page, 0, EBADMSG },
	{ "grown by a byte", m_grow_one, 0, EBADMSG },
};
#define NCORRUPT ((int)(sizeof corruptions / sizeof corruptions[0]))

START_TEST(corrupt_header)
{
	const struct corruption *c = &corruptions[_i];
	struct image im;

	make_segment(tu_seg, NULL);
	im = load(tu_seg);
	/* the segment is good before the change */
	ck_assert_uint_eq(im.h->magic, FMT_MAGIC);
	ck_assert_uint_eq(im.h->checksum, tu_fnv1a64(im.b, FMT_CHECKSUMMED));
	c->fn(&im);
	if (c->fix_sum)
		fix_checksum(&im);
	store(tu_seg, &im);
	refuses(tu_seg, 0, c->err, c->what);
	refuses(tu_seg, ARENA_RDONLY, c->err, c->what);
	refuses(tu_seg, ARENA_NOWAIT | ARENA_ANY_OWNER, c->err, c->what);
	free(im.b);
}
END_TEST

/* The untouched segment attaches, and so does one whose unknown bits are
 * only "compatible"; unknown read-only-compatible bits allow RDONLY. */
START_TEST(good_and_compat)
{
	struct image im;
	arena_t *a;

	make_segment(tu_seg, NULL);
	a = tu_attach(tu_seg, 0);
	ck_assert_str_eq(arena_get_str(a, arena_lookup(a, "key")), "payload");
	arena_detach(a);

	im = load(tu_seg);
	im.h->compat |= 1u << 7;
	fix_checksum(&im);
	store(tu_seg, &im);
	a = arena_attach(tu_seg, 0);
	ck_assert_msg(a != NULL, "unknown compat feature refused: %s",
	              strerror(errno));
	arena_detach(a);

	im.h->compat = 0;
	im.h->rocompat |= 1u << 3;
	fix_checksum(&im);
	store(tu_seg, &im);
	a = arena_attach(tu_seg, ARENA_RDONLY);
	ck_assert_msg(a != NULL, "unknown rocompat feature refused read-only: "
	              "%s", strerror(errno));
	ck_assert_str_eq(arena_get_str(a, arena_lookup(a, "key")), "payload");
	arena_detach(a);
	{
		struct snapshot s = snap(tu_seg);
		errno = 0;
		a = arena_attach(tu_seg, 0);
		ck_assert_msg(a == NULL && (errno == EPROTONOSUPPORT ||
		                            errno == EROFS),
		              "unknown rocompat feature attached read-write "
		              "(errno %d)", errno);
		same_bytes(tu_seg, s, "rocompat read-write");
		free(s.b);
	}
	free(im.b);
}
END_TEST


/* Files that are not arenas at all. */
START_TEST(not_an_arena)
{
	char name[TU_NAME_LEN];
	unsigned char buf[16384];
	uint64_t seed = 0x1234567;
	uint32_t ready = FMT_READY;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)tu_rand(&seed);
	buf[0] = 'X';                           /* not the magic */
	tu_write_shm(tu_seg, buf, sizeof buf);
	refuses(tu_seg, 0, EMEDIUMTYPE, "random bytes");
	refuses(tu_seg, ARENA_RDONLY | ARENA_NOWAIT, EMEDIUMTYPE,
	        "random bytes");

	memcpy(buf + 96, &ready, 4);            /* "ready", still not ours */
	tu_write_shm(tu_name(name), buf, sizeof buf);
	refuses(name, 0, EMEDIUMTYPE, "random bytes marked ready");

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = "hello, world\n"[i % 13];
	tu_write_shm(tu_name(name), buf, 8192);
	refuses(name, 0, EMEDIUMTYPE, "a text file");
}
END_TEST

/* Files smaller than a header. */
START_TEST(tiny_files)
{
	char name[TU_NAME_LEN];
	struct image im;
	arena_t *a;
	int e;

	tu_write_shm(tu_seg, "abc", 3);
	{
		struct snapshot s = snap(tu_seg);
		errno = 0;
		a = arena_attach(tu_seg, 0);
		e = errno;
		ck_assert_msg(a == NULL && (e == EMEDIUMTYPE || e == EBADMSG),
		              "3-byte file: %p errno %d (%s)", (void *)a, e,
		              strerror(e));
		same_bytes(tu_seg, s, "3-byte file");
		free(s.b);
	}

	/* the first bytes of a real segment */
	make_segment(tu_name(name), NULL);
	im = load(name);
	{
		char small[TU_NAME_LEN];
		tu_write_shm(tu_name(small), im.b, 100);
		refuses(small, 0, EBADMSG, "first 100 bytes of a segment");
		tu_write_shm(tu_name(small), im.b, FMT_TABLES);
		refuses(small, 0, EBADMSG, "first 256 bytes of a segment");
		tu_write_shm(tu_name(small), im.b, FMT_PAGE - 1);
		refuses(small, 0, EBADMSG, "first 4095 bytes of a segment");
	}
	free(im.b);
}
END_TEST

/* A zero-filled object (its creator died before READY), a zero-length one
 * (died before sizing it) and a full header still INITIALIZING: ETIMEDOUT
 * after a bounded wait, EAGAIN at once with ARENA_NOWAIT. */
START_TEST(never_ready)
{
	static unsigned char zeros[FMT_PAGE + CAP];
	char name[TU_NAME_LEN];
	struct image im;
	double t0, dt;
	uint32_t initializing = FMT_INITIALIZING;

	tu_write_shm(tu_seg, zeros, sizeof zeros);
	t0 = tu_now_ms();
	refuses(tu_seg, 0, ETIMEDOUT, "zero-filled segment");
	dt = tu_now_ms() - t0;
	ck_assert_msg(dt < tu_ms(5000), "waited %.0f ms", dt);
	t0 = tu_now_ms();
	refuses(tu_seg, ARENA_NOWAIT, EAGAIN, "zero-filled, NOWAIT");
	dt = tu_now_ms() - t0;
	ck_assert_msg(dt < tu_ms(200), "NOWAIT took %.0f ms", dt);

	tu_write_shm(tu_name(name), NULL, 0);
	t0 = tu_now_ms();
	refuses(name, ARENA_RDONLY, ETIMEDOUT, "zero-length object");
	dt = tu_now_ms() - t0;
	ck_assert_msg(dt < tu_ms(5000), "waited %.0f ms", dt);
	t0 = tu_now_ms();
	refuses(name, ARENA_NOWAIT, EAGAIN, "zero-length object, NOWAIT");
	ck_assert_msg(tu_now_ms() - t0 < tu_ms(200), "NOWAIT took %.0f ms",
	              tu_now_ms() - t0);

	make_segment(tu_name(name), NULL);
	tu_pwrite(name, &initializing, 4, 96);
	im = load(name);
	ck_assert_uint_eq(im.h->init_state, FMT_INITIALIZING);
	refuses(name, ARENA_NOWAIT, EAGAIN, "header written, not READY");
	free(im.b);
}
END_TEST

static int child_make_ready(void *arg)
{
	const char *name = arg;
	int fd = tu_open_shm(name);
	uint32_t *p = mmap(NULL, FMT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
	                   fd, 0);
	if (p == MAP_FAILED)
		return tu_fail(1, "mmap: %s", strerror(errno));
	tu_sleep_ms(300);
	__atomic_store_n(&p[96 / 4], FMT_READY, __ATOMIC_RELEASE);
	syscall(SYS_futex, &p[96 / 4], FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	return 0;
}

/* A creator that finishes while attach waits: attach succeeds, soon after
 * READY, not at the end of the wait. */
START_TEST(ready_during_wait)
{
	uint32_t initializing = FMT_INITIALIZING;
	pid_t pid;
	double t0, dt;
	arena_t *a;

	make_segment(tu_seg, NULL);
	tu_pwrite(tu_seg, &initializing, 4, 96);
	t0 = tu_now_ms();
	pid = tu_fork(child_make_ready, tu_seg);
	a = arena_attach(tu_seg, 0);
	dt = tu_now_ms() - t0;
	ck_assert_msg(a != NULL, "attach while the creator finishes: %s "
	              "after %.0f ms", strerror(errno), dt);
	ck_assert_msg(dt >= 250 && dt < tu_ms(900), "attach returned after %.0f ms; "
	              "READY was stored and woken at 300 ms", dt);
	ck_assert_str_eq(arena_get_str(a, arena_lookup(a, "key")), "payload");
	tu_wait_ok(pid);
	arena_detach(a);
}
END_TEST

/* A segment owned by another uid: EPERM unless ARENA_ANY_OWNER. */
START_TEST(foreign_owner)
{
	int fd;
	arena_t *a;

	make_segment(tu_seg, NULL);
	fd = tu_open_shm(tu_seg);
	ck_assert_int_eq(fchown(fd, 1001, 1001), 0);
	close(fd);
	refuses(tu_seg, 0, EPERM, "owned by uid 1001");
	refuses(tu_seg, ARENA_RDONLY, EPERM, "owned by uid 1001, RDONLY");

	a = arena_attach(tu_seg, ARENA_ANY_OWNER);
	ck_assert_msg(a != NULL, "ARENA_ANY_OWNER: %s", strerror(errno));
	ck_assert_str_eq(arena_get_str(a, arena_lookup(a, "key")), "payload");
	ck_assert(arena_alloc(a, 64, 8) != ARENA_NULL);
	arena_detach(a);
	a = arena_attach(tu_seg, ARENA_ANY_OWNER | ARENA_RDONLY);
	ck_assert_msg(a != NULL, "ARENA_ANY_OWNER|RDONLY: %s", strerror(errno));
	arena_detach(a);
}
END_TEST

struct nobody_arg {
	const char *name;
	unsigned flags;
	int expect;       /* errno, or 0 for success */
};

static int child_as_nobody(void *arg)
{
	const struct nobody_arg *n = arg;
	arena_t *a;
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
	    setuid(65534) != 0)
		return tu_fail(90, "dropping privileges: %s", strerror(errno));
	errno = 0;
	a = arena_attach(n->name, n->flags);
	if (n->expect == 0) {
		const char *s;
		if (a == NULL)
			return tu_fail(1, "attach(%#x) as nobody: %s",
			               n->flags, strerror(errno));
		s = arena_get_str(a, arena_lookup(a, "key"));
		if (s == NULL || strcmp(s, "payload") != 0)
			return tu_fail(2, "cannot read the payload");
		arena_detach(a);
		return 0;
	}
	if (a != NULL)
		return tu_fail(3, "attach(%#x) as nobody succeeded, expected "
		               "%s", n->flags, strerror(n->expect));
	if (errno != n->expect)
		return tu_fail(4, "attach(%#x) as nobody: errno %d (%s), "
		               "expected %d (%s)", n->flags, errno,
		               strerror(errno), n->expect,
		               strerror(n->expect));
	return 0;
}

static void as_nobody(const char *name, unsigned flags, int expect)
{
	struct nobody_arg n = { name, flags, expect };
	struct snapshot s = snap(name);
	tu_wait_ok(tu_fork(child_as_nobody, &n));
	if (expect != 0)
		same_bytes(name, s, "attach as nobody");
	free(s.b);
}

/* Another user: a 0600 segment is EACCES; a 0644 one can be inspected
 * read-only (with ARENA_ANY_OWNER) but not attached read-write. */
START_TEST(mode_denied)
{
	char name[TU_NAME_LEN];
	struct arena_options o;

	make_segment(tu_seg, NULL);
	as_nobody(tu_seg, ARENA_ANY_OWNER, EACCES);
	as_nobody(tu_seg, ARENA_ANY_OWNER | ARENA_RDONLY, EACCES);

	memset(&o, 0, sizeof o);
	o.mode = 0644;
	make_segment(tu_name(name), &o);
	as_nobody(name, ARENA_ANY_OWNER | ARENA_RDONLY, 0);
	as_nobody(name, ARENA_ANY_OWNER, EACCES);
	as_nobody(name, ARENA_RDONLY, EPERM);
}
END_TEST

static int child_write_ro(void *arg)
{
	volatile char *p = arg;
	signal(SIGSEGV, SIG_DFL);
	p[0] = 'W';
	return 42;            /* the write went through */
}

/* A read-only handle reads, stats and looks up; it cannot allocate, reset
 * or publish (EROFS); its mapping is not writable; it takes no slot; and
 * none of it changes a byte of the segment. */
START_TEST(rdonly_handle)
{
	struct arena_options o;
	struct arena_dirent de[4];
	struct arena_proc pr[4];
	struct arena_stat st;
	struct snapshot s;
	arena_t *w, *r1, *r2;
	arena_ref_t ref;
	char buf[8] = "abcdefg";
	int status;

	memset(&o, 0, sizeof o);
	o.proc_slots = 1;
	w = tu_create(tu_seg, CAP, &o);
	ref = arena_strdup(w, "payload");
	ck_assert(ref != ARENA_NULL);
	ck_assert_int_eq(arena_publish(w, "key", ref), 0);
	s = snap(tu_seg);

	/* the table is full (one slot, ours), yet read-only attaches work */
	r1 = arena_attach(tu_seg, ARENA_RDONLY);
	ck_assert_msg(r1 != NULL, "RDONLY attach with a full table: %s",
	              strerror(errno));
	r2 = arena_attach(tu_seg, ARENA_RDONLY | ARENA_NOWAIT);
	ck_assert_msg(r2 != NULL, "second RDONLY attach: %s", strerror(errno));
	TU_FAILS_WITH(arena_attach(tu_seg, 0), NULL, EUSERS);

	ck_assert_str_eq(arena_get_str(r1, ref), "payload");
	ck_assert_uint_eq(arena_lookup(r1, "key"), ref);
	ck_assert_int_eq(arena_dir_list(r1, de, 4), 1);
	ck_assert_str_eq(de[0].key, "key");
	ck_assert_ptr_nonnull(arena_get(r2, ref, 8));
	ck_assert_uint_eq(arena_ref(r1, arena_ptr(r1, ref)), ref);
	st = tu_stat(r1);
	ck_assert_uint_eq(st.rdonly, 1);
	ck_assert_uint_eq(st.attached, 1);
	ck_assert_uint_eq(st.used, 8);
	ck_assert_uint_eq(tu_stat(w).rdonly, 0);
	ck_assert_int_eq(arena_procs(r1, pr, 4), 1);
	ck_assert_int_eq(pr[0].pid, getpid());

	TU_FAILS_WITH(arena_alloc(r1, 8, 8), ARENA_NULL, EROFS);
	TU_FAILS_WITH(arena_calloc(r1, 2, 8, 8), ARENA_NULL, EROFS);
	TU_FAILS_WITH(arena_memdup(r1, buf, 8, 1), ARENA_NULL, EROFS);
	TU_FAILS_WITH(arena_strdup(r1, "x"), ARENA_NULL, EROFS);
	TU_FAILS_WITH(arena_strndup(r1, "xyz", 2), ARENA_NULL, EROFS);
	TU_FAILS_WITH(arena_reset(r1, 0), -1, EROFS);
	TU_FAILS_WITH(arena_reset(r1, ARENA_RESET_FORCE), -1, EROFS);
	TU_FAILS_WITH(arena_reset(r1, ARENA_RESET_FORCE | ARENA_RESET_TRIM),
	              -1, EROFS);
	TU_FAILS_WITH(arena_publish(r1, "key2", ref), -1, EROFS);
	TU_FAILS_WITH(arena_publish(r2, "key", ref), -1, EROFS);

	/* the mapping itself refuses a write */
	status = tu_wait_status(tu_fork(child_write_ro, arena_ptr(r1, ref)));
	ck_assert_msg(!(WIFEXITED(status) && (WEXITSTATUS(status) == 42 ||
	                                      WEXITSTATUS(status) == 0)),
	              "a write through a read-only handle went through");
	ck_assert_str_eq(arena_get_str(w, ref), "payload");

	ck_assert_int_eq(arena_detach(r2), 0);
	ck_assert_int_eq(arena_detach(r1), 0);
	same_bytes(tu_seg, s, "read-only use");
	ck_assert_uint_eq(tu_stat(w).failed_allocs, 0);
	free(s.b);
	arena_detach(w);
}
END_TEST

START_TEST(bad_flags)
{
	make_segment(tu_seg, NULL);
	refuses(tu_seg, 1u << 4, EINVAL, "attach flag 1<<4");
	refuses(tu_seg, 1u << 31, EINVAL, "attach flag 1<<31");
	refuses(tu_seg, ~0u, EINVAL, "attach flags ~0");
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tu_tcase(s, "corrupt", 20);
	tcase_add_loop_test(tc, corrupt_header, 0, NCORRUPT);
	tc = tu_tcase(s, "validate", 20);
	tcase_add_test(tc, good_and_compat);
	tcase_add_test(tc, not_an_arena);
	tcase_add_test(tc, tiny_files);
	tcase_add_test(tc, never_ready);
	tcase_add_test(tc, ready_during_wait);
	tcase_add_test(tc, foreign_owner);
	tcase_add_test(tc, mode_denied);
	tcase_add_test(tc, rdonly_handle);
	tcase_add_test(tc, bad_flags);
	return s;
}

int main(void)
{
	return tu_main(validate_suite(), "validate");
}
