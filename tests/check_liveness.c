/*
 * check_liveness.c - a process-table entry is live while its handle's
 * open-file-description lock is held, whatever pid it records: peers in
 * another pid namespace, processes that fork and die, descriptors
 * inherited by children.
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "testutil.h"
#include "../lib/format.h"

/* gate -- the worker says 'r' when attached and holds until released. */
static struct tu_gate gate;

/* find_pid -- the entry of A recording PID: 1 live, 0 dead, -1 none. */
static int find_pid(const arena_t *a, pid_t pid)
{
	struct arena_proc p[16];
	int n = arena_procs(a, p, 16);

	for (int i = 0; i < n && i < 16; i++)
		if (p[i].pid == pid)
			return p[i].alive;
	return -1;
}

/*
 * peer_holds_reset -- fork FN, a peer that attaches tu_seg read-write,
 * says 'r' on the gate and holds until released: while it holds, both
 * entries are live, its own (recording RECORDED, or the worker's pid when
 * 0; with START0 a start time of 0) among them, and a plain reset is
 * refused; once it has ended, the reset is made.
 */
static void peer_holds_reset(tu_worker_fn fn, pid_t recorded, int start0)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct arena_proc p[8];
	int n, found = 0;
	pid_t w;

	tu_gate_init(&gate);
	w = tu_fork(fn, tu_seg);
	ck_assert_int_eq(tu_gate_wait(&gate), 'r');
	if (recorded == 0)
		recorded = w;
	n = arena_procs(a, p, 8);
	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(p[i].alive, "slot %u (pid %d) taken for dead",
		              p[i].slot, (int)p[i].pid);
		if (p[i].pid == recorded) {
			found = 1;
			if (start0)
				ck_assert_uint_eq(p[i].start_time, 0);
		}
	}
	ck_assert_msg(found, "no entry records pid %d", (int)recorded);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	tu_gate_release(&gate);
	tu_wait_ok(w);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	arena_detach(a);
}

/* attach_and_hold -- in a peer: attach NAME read-write, say 'r' on the
 * gate and hold until released; the peer's exit status. */
static int attach_and_hold(const char *name)
{
	if (arena_attach(name, 0) == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	tu_gate_signal(&gate, 'r');
	tu_gate_hold(&gate);
	return 0;
}

/* in_new_pid_namespace -- fork a child as pid 1 of a new pid namespace
 * that attaches ARG read-write and holds; wait for it and exit with its
 * status. */
static int in_new_pid_namespace(void *arg)
{
	pid_t pid;
	int st;

	if (unshare(CLONE_NEWPID) < 0)
		return tu_fail(2, "unshare: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return tu_fail(3, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(getpid() != 1 ? 4 : attach_and_hold(arg));
	}
	close(gate.hold[1]);     /* only the test may keep the child held */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 6;
}

/* A peer in another pid namespace records pid 1, which here is init: it
 * holds a plain reset off while it lives, and not a moment longer. */
START_TEST(pid_namespace_peer)
{
	peer_holds_reset(in_new_pid_namespace, 1, 0);
}
END_TEST

/* forks_and_exits -- attach ARG, fork a child (and with DEPTH 2 a
 * grandchild, the child exiting) that holds the inherited handle until
 * released, and exit without detaching. */
static int depth;

static int forks_and_exits(void *arg)
{
	arena_t *c = arena_attach(arg, 0);
	pid_t pid;

	if (c == NULL)
		return tu_fail(2, "attach: %s", strerror(errno));
	for (int d = 0; d < depth; d++) {
		pid = fork();
		if (pid < 0)
			return tu_fail(3, "fork: %s", strerror(errno));
		if (pid > 0)
			_exit(0);       /* the parent dies, its child goes on */
	}
	/* the last descendant: it holds the descriptors it inherited */
	tu_gate_signal(&gate, 'r');
	tu_gate_hold(&gate);
	_exit(0);
}

/* The attached process dies while its child (or grandchild) lives on
 * with the inherited handle: the entry is dead at once, so a plain reset
 * is not held off by a process that never attached. */
static void descendant_case(int d)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	pid_t w;

	depth = d;
	tu_gate_init(&gate);
	w = tu_fork(forks_and_exits, tu_seg);
	ck_assert_int_eq(tu_gate_wait(&gate), 'r');
	tu_wait_ok(w);                 /* the attached process is gone */
	ck_assert_int_eq(find_pid(a, w), 0);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	ck_assert_int_eq(find_pid(a, w), -1);    /* reaped */
	tu_gate_release(&gate);
	arena_detach(a);
}

START_TEST(child_outlives_parent)
{
	descendant_case(1);
}
END_TEST

START_TEST(grandchild_outlives_both)
{
	descendant_case(2);
}
END_TEST

/* Several handles of one process are one process's: they never hold its
 * own plain reset off, in any pid namespace; each counts as attached. */
START_TEST(own_handles)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	arena_t *b = tu_attach(tu_seg, 0), *c = tu_attach(tu_seg, 0);

	ck_assert_uint_eq(tu_stat(a).attached, 3);
	ck_assert_int_eq(arena_reset(b, 0), 0);
	ck_assert_int_eq(arena_detach(c), 0);
	ck_assert_uint_eq(tu_stat(a).attached, 2);
	ck_assert_int_eq(arena_detach(b), 0);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	arena_detach(a);
}
END_TEST

/* A process that can only read the object can take read locks on the
 * table's bytes, but a read lock is no sign of life: a word under one is
 * dead and reaped. */
START_TEST(read_lock_is_no_life)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);
	struct fmt_header h;
	struct flock fl;
	uint64_t word = FMT_PROC_WORD(getppid(), 1), got;
	int fd;

	tu_pread(tu_seg, &h, sizeof h, 0);
	tu_pwrite(tu_seg, &word, 8, h.proc_offset + 5 * FMT_PROC_SLOT);
	{
		char path[TU_NAME_LEN + 16];

		tu_path(path, sizeof path, tu_seg);
		fd = open(path, O_RDONLY);   /* any read-only opener */
	}
	ck_assert_int_ge(fd, 0);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)FMT_PROC_LOCK(h.proc_offset, 5);
	fl.l_len = 1;
	ck_assert_int_eq(fcntl(fd, F_OFD_SETLK, &fl), 0);
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	tu_pread(tu_seg, &got, 8, h.proc_offset + 5 * FMT_PROC_SLOT);
	ck_assert_uint_eq(got, 0);           /* reaped */
	close(fd);
	arena_detach(a);
}
END_TEST

/* without_proc -- in a mount namespace of its own with /proc unmounted,
 * attach ARG read-write and hold. */
static int without_proc(void *arg)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2("/proc", MNT_DETACH) < 0)
		return tu_fail(2, "no private /proc: %s", strerror(errno));
	if (access("/proc/self/stat", F_OK) == 0)
		return tu_fail(3, "/proc is still there");
	return attach_and_hold(arg);
}

/* A process that cannot read /proc at all records start time 0 (the
 * /proc-based liveness took such an entry for dead and reset under it):
 * its entry is live while it lives, and the named arena needs no /proc to
 * take its lock. */
START_TEST(peer_without_proc)
{
	peer_holds_reset(without_proc, 0, 1);
}
END_TEST

/* attach_without_fds -- attach ARG read-write with only two descriptors
 * left, so that /proc/self/stat cannot be opened, and hold. */
static int attach_without_fds(void *arg)
{
	struct rlimit rl;
	int fds[64], n = 0, fd;

	/* The soft limit only: valgrind refuses to change the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return tu_fail(3, "getrlimit: %s", strerror(errno));
	rl.rlim_cur = 16;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return tu_fail(3, "setrlimit: %s", strerror(errno));
	while ((fd = dup(0)) >= 0 && n < 64)
		fds[n++] = fd;
	if (n < 2)
		return tu_fail(4, "no descriptors to fill with");
	close(fds[--n]);        /* two left: shm_open and the lock's */
	close(fds[--n]);
	return attach_and_hold(arg);
}

/* Out of descriptors for /proc/self/stat, an attach used to record a
 * start time of 0, which others took for dead, and reset under it (issue
 * 8, item 8): the entry is live while its process is. */
START_TEST(attach_without_proc_fd)
{
	peer_holds_reset(attach_without_fds, 0, 1);
}
END_TEST

/* inherited_use -- in a forked child, the parent's handle ARG: it reads,
 * and refuses to allocate, publish or reset (EROFS). */
static arena_ref_t inherited_ref;
static struct arena_local parent_cache;

static int inherited_use(void *arg)
{
	arena_t *h = arg;
	const char *s = arena_get_str(h, inherited_ref);

	if (s == NULL || strcmp(s, "from the parent") != 0)
		return tu_fail(1, "read through the inherited handle failed");
	errno = 0;
	if (arena_alloc(h, 16, 8) != ARENA_NULL || errno != EROFS)
		return tu_fail(2, "arena_alloc: errno %d", errno);
	errno = 0;
	if (arena_publish(h, "k", inherited_ref) == 0 || errno != EROFS)
		return tu_fail(3, "arena_publish: errno %d", errno);
	errno = 0;
	if (arena_reset(h, ARENA_RESET_FORCE) == 0 || errno != EROFS)
		return tu_fail(4, "arena_reset: errno %d", errno);
	{
		struct arena_local l;

		errno = 0;
		if (arena_local_init(&l, h, 0) == 0 || errno != EROFS)
			return tu_fail(6, "arena_local_init: errno %d", errno);
	}
	/* A cache made before the fork: no new chunk through the copy. */
	errno = 0;
	if (arena_local_alloc(&parent_cache, 4096, 8) != ARENA_NULL ||
	    errno != EROFS)
		return tu_fail(7, "inherited cache refilled: errno %d", errno);
	if (arena_local_flush(&parent_cache) != 0)
		return tu_fail(8, "flush: %s", strerror(errno));
	if (arena_detach(h) != 0)           /* unmaps; the slot is the parent's */
		return tu_fail(5, "detach: %s", strerror(errno));
	return 0;
}

/* A child must attach on its own: the handles it inherits read, and
 * refuse every write with EROFS; its detach leaves the parent's entry. */
START_TEST(inherited_handle_reads_only)
{
	arena_t *a = tu_create(tu_seg, 1 << 20, NULL);

	uint64_t used;

	inherited_ref = arena_strdup(a, "from the parent");
	ck_assert_int_eq(arena_local_init(&parent_cache, a, 4096), 0);
	ck_assert_uint_ne(arena_local_alloc(&parent_cache, 16, 8), ARENA_NULL);
	used = tu_stat(a).used;
	tu_wait_ok(tu_fork(inherited_use, a));
	ck_assert_uint_eq(tu_stat(a).used, used);   /* the child took nothing */
	ck_assert_uint_eq(tu_stat(a).attached, 1);
	ck_assert_int_eq(find_pid(a, getpid()), 1);
	ck_assert_uint_ne(arena_alloc(a, 16, 8), ARENA_NULL);
	arena_detach(a);
}
END_TEST

/* can_unshare -- whether this process may make a namespace of kind KIND
 * (as root, with unshare(2) available); the reason when not. */
static int can_unshare(int kind, char *why, size_t n)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(unshare(kind) == 0 ? 0 : errno);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		snprintf(why, n, "fork failed");
		return 0;
	}
	if (WEXITSTATUS(st) != 0) {
		snprintf(why, n, "unshare(%s): %s",
		         kind == CLONE_NEWPID ? "CLONE_NEWPID" : "CLONE_NEWNS",
		         strerror(WEXITSTATUS(st)));
		return 0;
	}
	return 1;
}

static Suite *liveness_suite(void)
{
	Suite *s = suite_create("liveness");
	TCase *tc = tu_tcase(s, "liveness", 30);
	char why[128];

	if (can_unshare(CLONE_NEWPID, why, sizeof why)) {
		tcase_add_test(tc, pid_namespace_peer);
	} else {
		fprintf(stderr, "liveness: NOT RUN: pid_namespace_peer (%s; "
		        "it needs root)\n", why);
	}
	if (can_unshare(CLONE_NEWNS, why, sizeof why)) {
		tcase_add_test(tc, peer_without_proc);
	} else {
		fprintf(stderr, "liveness: NOT RUN: peer_without_proc (%s; "
		        "it needs root)\n", why);
	}
	tcase_add_test(tc, child_outlives_parent);
	tcase_add_test(tc, grandchild_outlives_both);
	tcase_add_test(tc, attach_without_proc_fd);
	tcase_add_test(tc, own_handles);
	tcase_add_test(tc, read_lock_is_no_life);
	tcase_add_test(tc, inherited_handle_reads_only);
	return s;
}

int main(void)
{
	return tu_main(liveness_suite(), "liveness");
}
