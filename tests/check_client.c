/*
 * check_client.c - what a client needed (issue 11): the per-thread cache's
 * copying calls and bounded strings.
 */
#include "testutil.h"

struct pair {
	uint32_t a;
	uint64_t b;
};

/* The cache's calls serve from its chunk: after the first one took a
 * chunk, the shared top does not move. */
START_TEST(local_copies)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_local l;
	const char *s;
	uint64_t used;
	arena_ref_t r;

	ck_assert_int_eq(arena_local_init(&l, a, 4096), 0);
	r = arena_local_strdup(&l, "first");
	ck_assert(r != ARENA_NULL);
	used = tu_stat(a).used;
	ck_assert_uint_eq(used, 4096);
	ck_assert_str_eq(arena_get_str(a, r), "first");

	r = arena_local_strndup(&l, "truncated here", 9);
	ck_assert(r != ARENA_NULL);
	ck_assert_str_eq(arena_get_str(a, r), "truncated");
	r = arena_local_strndup(&l, "short", 100);
	ck_assert_str_eq(arena_get_str(a, r), "short");
	r = arena_local_strdup(&l, "");
	ck_assert_str_eq(arena_get_str(a, r), "");

	r = arena_local_memdup(&l, "\x01\x02\x03\x00\x05", 5, 8);
	ck_assert(r != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_OFFSET(r) % 8, 0);
	ck_assert_int_eq(memcmp(arena_get(a, r, 5), "\x01\x02\x03\x00\x05", 5), 0);

	/* calloc zeroes what a reset left behind. */
	memset(arena_ptr(a, r), 0xff, 5);
	r = arena_local_calloc(&l, 10, 12, 16);
	ck_assert(r != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_OFFSET(r) % 16, 0);
	for (int i = 0; i < 120; i++)
		ck_assert_uint_eq(((unsigned char *)arena_ptr(a, r))[i], 0);
	r = ARENA_LOCAL_NEW(&l, struct pair);
	ck_assert(r != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_OFFSET(r) % _Alignof(struct pair), 0);
	ck_assert_uint_eq(((struct pair *)arena_ptr(a, r))->b, 0);
	r = ARENA_LOCAL_NEW_ARRAY(&l, struct pair, 7);
	ck_assert(r != ARENA_NULL);
	ck_assert_ptr_nonnull(arena_get(a, r, 7 * sizeof(struct pair)));
	ck_assert_uint_eq(tu_stat(a).used, used);

	/* Bad arguments: nothing allocated. */
	TU_FAILS_WITH(arena_local_strdup(&l, NULL), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_strndup(&l, NULL, 3), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_memdup(&l, NULL, 3, 1), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_calloc(&l, SIZE_MAX / 2, 3, 8), ARENA_NULL,
	              EOVERFLOW);
	TU_FAILS_WITH(ARENA_LOCAL_NEW_ARRAY(&l, struct pair, SIZE_MAX / 8),
	              ARENA_NULL, EOVERFLOW);
	TU_FAILS_WITH(arena_local_calloc(&l, 1, 8, 3), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_strdup(NULL, "x"), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_calloc(NULL, 1, 1, 1), ARENA_NULL, EINVAL);
	TU_FAILS_WITH(arena_local_memdup(NULL, "x", 1, 1), ARENA_NULL, EINVAL);
	ck_assert_uint_eq(tu_stat(a).used, used);
	/* A string bigger than the cache's chunk still succeeds. */
	char big[10000];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	r = arena_local_strdup(&l, big);
	ck_assert(r != ARENA_NULL);
	s = arena_get_str(a, r);
	ck_assert_uint_eq(strlen(s), sizeof big - 1);
	/* Full: ENOMEM, as arena_strdup. */
	char *huge = malloc(2 << 20);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'h', (2 << 20) - 1);
	huge[(2 << 20) - 1] = '\0';
	TU_FAILS_WITH(arena_local_strdup(&l, huge), ARENA_NULL, ENOMEM);
	free(huge);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

START_TEST(bounded_strings)
{
	arena_t *a = tu_create(tu_seg, 1 << 16, NULL);
	struct arena_stat st = tu_stat(a);
	size_t len = 12345;
	arena_ref_t r = arena_strdup(a, "hello");
	const char *p;

	p = arena_get_strn(a, r, 100, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(p, "hello");
	/* Exactly the length, and shorter than it. */
	ck_assert_ptr_nonnull(arena_get_strn(a, r, 6, &len));
	ck_assert_uint_eq(len, 5);
	ck_assert_ptr_nonnull(arena_get_strn(a, r, 5, &len));
	ck_assert_uint_eq(len, 5);
	ck_assert_ptr_nonnull(arena_get_strn(a, r, 3, &len));
	ck_assert_uint_eq(len, 3);
	/* The last bytes of the mapping, with no NUL: the bound is clipped
	 * to the mapping and the call says EFAULT, whatever MAX. */
	arena_ref_t end = arena_alloc(a, 1, 1);
	ck_assert_uint_eq(ARENA_REF_OFFSET(end), st.segment_size - 7);
	(void)end;
	arena_t *b = tu_create(tu_name((char[TU_NAME_LEN]){0}), 1 << 16, NULL);
	arena_ref_t last = arena_alloc(b, 4, 1);
	memcpy(arena_ptr(b, last), "ABCD", 4);
	TU_FAILS_WITH(arena_get_strn(b, last, 100, &len), NULL, EFAULT);
	TU_FAILS_WITH(arena_get_strn(b, last, SIZE_MAX, &len), NULL, EFAULT);
	ck_assert_ptr_nonnull(arena_get_strn(b, last, 4, &len));
	ck_assert_uint_eq(len, 4);
	ck_assert_ptr_nonnull(arena_get_strn(b, last, 2, &len));
	ck_assert_uint_eq(len, 2);
	TU_FAILS_WITH(arena_get_str(b, last), NULL, EFAULT);
	/* Bad arguments and references. */
	TU_FAILS_WITH(arena_get_strn(a, r, 10, NULL), NULL, EINVAL);
	TU_FAILS_WITH(arena_get_strn(a, r, 0, &len), NULL, EINVAL);
	TU_FAILS_WITH(arena_get_strn(NULL, r, 10, &len), NULL, EINVAL);
	TU_FAILS_WITH(arena_get_strn(a, ARENA_NULL, 10, &len), NULL, EINVAL);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	TU_FAILS_WITH(arena_get_strn(a, r, 10, &len), NULL, ESTALE);
	ck_assert_int_eq(arena_detach(b), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* mapped_pages -- how many pages of A's region are mapped in this process
 * now (the "present" bit of /proc/self/pagemap), before anything touches
 * them: a count that no sanitizer's shadow memory disturbs. */
static long mapped_pages(arena_t *a)
{
	void *base;
	size_t len, hdr = tu_stat(a).header_size;
	long n = 0;
	int fd;

	ck_assert_int_eq(arena_mapping(a, &base, &len), 0);
	ck_assert_ptr_eq(base, tu_base(a));
	ck_assert_uint_eq(len, tu_stat(a).segment_size);
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "/proc/self/pagemap: %s", strerror(errno));
	for (size_t off = hdr; off < len; off += 4096) {
		uint64_t e = 0;
		off_t at = (off_t)(((uintptr_t)base + off) / 4096 * 8);

		ck_assert_int_eq(pread(fd, &e, sizeof e, at), (ssize_t)sizeof e);
		n += (long)(e >> 63);
	}
	close(fd);
	return n;
}

START_TEST(prefault)
{
	const size_t cap = 16 << 20;
	const long pages = (long)(cap / 4096);
	struct arena_options o = { 0 };
	char nm[TU_NAME_LEN];
	arena_t *a, *b;
	long n;

	/* Without: no page of the region is mapped until touched. */
	a = tu_create(tu_seg, cap, NULL);
	n = mapped_pages(a);
	ck_assert_msg(n < pages / 16, "%ld of %ld pages mapped untouched", n,
	              pages);
	ck_assert_int_eq(arena_detach(a), 0);
	/* At create: all of them; not recorded in the segment. */
	o.flags = ARENA_CREATE_PREFAULT;
	a = tu_create(tu_name(nm), cap, &o);
	ck_assert_uint_eq(tu_stat(a).flags, 0);
	ck_assert_int_eq(mapped_pages(a), pages);
	/* At attach, read-write and read-only. */
	b = arena_attach(nm, ARENA_PREFAULT);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(mapped_pages(b), pages);
	ck_assert_int_eq(arena_detach(b), 0);
	b = arena_attach(nm, ARENA_PREFAULT | ARENA_RDONLY);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(mapped_pages(b), pages);
	ck_assert_int_eq(arena_detach(b), 0);
	b = arena_attach(nm, 0);
	ck_assert_ptr_nonnull(b);
	n = mapped_pages(b);
	ck_assert_msg(n < pages / 16, "%ld of %ld pages mapped by a plain "
	              "attach", n, pages);
	ck_assert_int_eq(arena_detach(b), 0);
	/* The call, after a trim gave the pages back: nothing changes. */
	arena_ref_t r = arena_strdup(a, "kept");
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_TRIM), 0);
	ck_assert_msg(mapped_pages(a) < pages / 16, "the trim left pages");
	r = arena_strdup(a, "kept");
	ck_assert_int_eq(arena_prefault(a), 0);
	ck_assert_str_eq(arena_get_str(a, r), "kept");
	ck_assert_int_eq(mapped_pages(a), pages);
	/* Bad arguments. */
	void *p;
	size_t len;
	TU_FAILS_WITH(arena_prefault(NULL), -1, EINVAL);
	TU_FAILS_WITH(arena_mapping(NULL, &p, &len), -1, EINVAL);
	TU_FAILS_WITH(arena_mapping(a, NULL, &len), -1, EINVAL);
	TU_FAILS_WITH(arena_mapping(a, &p, NULL), -1, EINVAL);
	o.flags = 1u << 7;
	TU_FAILS_WITH(arena_create(tu_name(nm), cap, &o), NULL, EINVAL);
	TU_FAILS_WITH(arena_attach(tu_seg, 1u << 7), NULL, EINVAL);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* A peer for arena_procs_wait: attaches, says so, then detaches or dies
 * as told through the gate. */
static struct tu_gate pgate;

static int peer(void *arg)
{
	int die = (int)(intptr_t)arg;
	arena_t *a = arena_attach(tu_seg, 0);

	if (a == NULL)
		return tu_fail(2, "attach: %s", strerror(errno));
	tu_gate_signal(&pgate, 'r');
	tu_gate_hold(&pgate);
	if (die)
		raise(SIGKILL);
	return arena_detach(a) == 0 ? 0 : 3;
}

/* wait_change -- arena_procs_wait with a 5 s bound: the milliseconds it
 * took. */
static double wait_change(arena_t *a, uint64_t *tok)
{
	struct timespec t = { 5, 0 };
	double t0 = tu_now_ms();

	ck_assert_msg(arena_procs_wait(a, tok, &t) == 0, "arena_procs_wait: %s",
	              strerror(errno));
	return tu_now_ms() - t0;
}

START_TEST(peer_changes)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct timespec short_t = { 0, 50000000 };
	uint64_t tok = 0, t0;
	double ms;

	/* The first call says how things are. */
	ck_assert_int_eq(arena_procs_wait(a, &tok, &short_t), 0);
	ck_assert_uint_ne(tok, 0);
	t0 = tok;
	TU_FAILS_WITH(arena_procs_wait(a, &tok, &short_t), -1, ETIMEDOUT);
	ck_assert_uint_eq(tok, t0);
	/* A peer attaches, then detaches: both wake the call at once. */
	for (int die = 0; die < 2; die++) {
		tu_gate_init(&pgate);
		pid_t w = tu_fork(peer, (void *)(intptr_t)die);
		ck_assert_int_eq(tu_gate_wait(&pgate), 'r');
		ms = wait_change(a, &tok);
		ck_assert_int_eq(arena_procs(a, NULL, 0), 2);
		TU_FAILS_WITH(arena_procs_wait(a, &tok, &short_t), -1, ETIMEDOUT);
		/* The change before the call is not lost. */
		tu_gate_release(&pgate);
		if (die) {
			(void)tu_wait_status(w);
		} else {
			tu_wait_ok(w);
		}
		ms = wait_change(a, &tok);
		ck_assert_msg(ms < 1000, "%s noticed after %.0f ms",
		              die ? "a death" : "a detach", ms);
		ck_assert_uint_eq(tok, t0);     /* the set is as at first */
	}
	/* Bad arguments. */
	TU_FAILS_WITH(arena_procs_wait(NULL, &tok, NULL), -1, EINVAL);
	TU_FAILS_WITH(arena_procs_wait(a, NULL, NULL), -1, EINVAL);
	struct timespec bad = { 0, -1 };
	TU_FAILS_WITH(arena_procs_wait(a, &tok, &bad), -1, EINVAL);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* A death wakes a sleeping watcher within the poll period. */
START_TEST(peer_death_wakes)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	uint64_t tok = 0;
	struct timespec zero = { 0, 0 };

	tu_gate_init(&pgate);
	pid_t w = tu_fork(peer, (void *)(intptr_t)1);
	ck_assert_int_eq(tu_gate_wait(&pgate), 'r');
	ck_assert_int_eq(arena_procs_wait(a, &tok, &zero), 0);
	pid_t k = fork();
	ck_assert_int_ge(k, 0);
	if (k == 0) {
		usleep(100000);
		kill(w, SIGKILL);
		_exit(0);
	}
	double ms = wait_change(a, &tok);
	ck_assert_msg(ms >= 80 && ms < 1000, "woke after %.0f ms", ms);
	(void)tu_wait_status(w);
	tu_wait_ok(k);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tu_tcase(s, "client", 30);

	tcase_add_test(tc, local_copies);
	tcase_add_test(tc, bounded_strings);
	tcase_add_test(tc, prefault);
	tcase_add_test(tc, peer_changes);
	tcase_add_test(tc, peer_death_wakes);
	return s;
}

int main(void)
{
	return tu_main(client_suite(), "client");
}
