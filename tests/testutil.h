/*
 * testutil.h - helpers shared by the Check suites (tests/check_*.c).
 *
 * Each suite is one program built from one check_NAME.c that includes this
 * file, so everything here is static (inline, so that a suite not using a
 * helper does not warn).
 *
 * Segment names.  tu_name() gives "arena-test-SUITE-PID-N": PID is the
 * runner's pid (the process that called tu_main()), N comes from a counter
 * in an anonymous MAP_SHARED page set up before Check forks, so names are
 * unique across the forked test processes and their own workers.
 *
 * Cleanup.  Check forks each test; a failing assertion ends that process
 * at once, so its teardown never runs.  The per-test (checked) teardown
 * unlinks the test's segments when the test passes; an unchecked teardown,
 * run by the runner itself after each test case, and tu_main() at the end,
 * sweep /dev/shm for every name with this runner's prefix.  Nothing is left
 * behind even when a test fails or is killed by its timeout.
 *
 * Workers.  tu_fork() forks a worker that runs a function and _exit()s with
 * its result (workers never call ck_assert: the test process checks their
 * exit status with tu_wait_ok()).  Workers die with the test process
 * (PR_SET_PDEATHSIG), so a failed test never leaves one running.
 */
#ifndef ARENA_TESTUTIL_H
#define ARENA_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"

#define TU_NAME_LEN 320          /* room for ARENA_NAME_MAX and more */
#define TU_MAX_NAMES 64          /* segments one test may make */

struct tu_shared {
	unsigned counter;        /* next name number, all processes */
};

static const char *tu_suite_name = "x";
static pid_t tu_runner_pid;
static struct tu_shared *tu_sh;

/* Names made by this test process, unlinked by tu_teardown(). */
static char tu_names[TU_MAX_NAMES][TU_NAME_LEN];
static unsigned tu_nnames;

/* The first segment name of the current test (set by tu_setup()). */
static char tu_seg[TU_NAME_LEN];

/* tu_prefix -- "arena-test-SUITE-PID-", the prefix of this run's names. */
static inline void tu_prefix(char *out, size_t n)
{
	snprintf(out, n, "arena-test-%s-%ld-", tu_suite_name,
	         (long)tu_runner_pid);
}

/* tu_name -- a fresh unique segment name (no leading '/'), remembered for
 * the teardown.  OUT must hold TU_NAME_LEN bytes. */
static inline char *tu_name(char *out)
{
	unsigned n = __atomic_fetch_add(&tu_sh->counter, 1, __ATOMIC_RELAXED);
	char pfx[128];
	tu_prefix(pfx, sizeof pfx);
	snprintf(out, TU_NAME_LEN, "%s%u", pfx, n);
	if (tu_nnames < TU_MAX_NAMES)
		memcpy(tu_names[tu_nnames++], out, TU_NAME_LEN);
	return out;
}

/* tu_name_len -- a fresh unique name of exactly LEN bytes (padded with
 * 'x'; LEN must exceed the prefix). */
static inline char *tu_name_len(char *out, size_t len)
{
	char base[TU_NAME_LEN];
	tu_name(base);
	ck_assert_msg(len >= strlen(base) + 1 && len < TU_NAME_LEN,
	              "tu_name_len: bad length %zu", len);
	memset(out, 'x', len);
	memcpy(out, base, strlen(base));
	out[strlen(base)] = '_';
	out[len] = '\0';
	if (tu_nnames < TU_MAX_NAMES)
		memcpy(tu_names[tu_nnames++], out, TU_NAME_LEN);
	return out;
}

/* tu_path -- "/dev/shm/NAME" for a name with or without its '/'. */
static inline char *tu_path(char *out, size_t n, const char *name)
{
	while (*name == '/')
		name++;
	snprintf(out, n, "/dev/shm/%s", name);
	return out;
}

/* tu_sweep -- unlink every segment of this run still in /dev/shm. */
static inline unsigned tu_sweep(void)
{
	char pfx[128], path[TU_NAME_LEN + 16];
	unsigned removed = 0;
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	if (d == NULL)
		return 0;
	tu_prefix(pfx, sizeof pfx);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, pfx, strlen(pfx)) != 0)
			continue;
		tu_path(path, sizeof path, e->d_name);
		if (unlink(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

/* tu_setup -- checked fixture: a fresh name in tu_seg. */
static inline void tu_setup(void)
{
	tu_nnames = 0;
	tu_name(tu_seg);
}

/* tu_teardown -- checked fixture: unlink what this test named. */
static inline void tu_teardown(void)
{
	char path[TU_NAME_LEN + 16];
	for (unsigned i = 0; i < tu_nnames; i++) {
		tu_path(path, sizeof path, tu_names[i]);
		unlink(path);
	}
	tu_nnames = 0;
}

/* tu_sweep_fixture -- unchecked teardown, in the runner: whatever a failed
 * or killed test left. */
static inline void tu_sweep_fixture(void)
{
	unsigned n = tu_sweep();
	if (n != 0)
		fprintf(stderr, "testutil: swept %u segment(s) left by a "
		        "failed test\n", n);
}

static inline void tu_nop(void)
{
}

/* tu_tcase -- a test case with the fixtures and a timeout. */
static inline TCase *tu_tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
	tcase_add_unchecked_fixture(tc, tu_nop, tu_sweep_fixture);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

/* tu_main -- run suite S, whose name (for segment names) is NAME; the
 * exit status for main(). */
static inline int tu_main(Suite *s, const char *name)
{
	SRunner *sr;
	int failed;

	tu_suite_name = name;
	tu_runner_pid = getpid();
	tu_sh = mmap(NULL, sizeof *tu_sh, PROT_READ | PROT_WRITE,
	             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tu_sh == MAP_FAILED) {
		perror("testutil: mmap");
		return EXIT_FAILURE;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (tu_sweep() != 0) {
		fprintf(stderr, "testutil: segments were left behind\n");
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- workers ---------------------------------------------------------- */

typedef int (*tu_worker_fn)(void *arg);

/* tu_fork -- run FN(ARG) in a child that exits with its result. */
static inline pid_t tu_fork(tu_worker_fn fn, void *arg)
{
	pid_t parent = getpid();
	pid_t pid;
	fflush(NULL);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		_exit(fn(arg));
	}
	return pid;
}

/* tu_wait_status -- waitpid, retrying on EINTR; the raw status. */
static inline int tu_wait_status(pid_t pid)
{
	int st;
	pid_t r;
	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	ck_assert_msg(r == pid, "waitpid(%ld): %s", (long)pid,
	              strerror(errno));
	return st;
}

/* tu_wait_ok -- the worker must have exited with status 0. */
static inline void tu_wait_ok(pid_t pid)
{
	int st = tu_wait_status(pid);
	ck_assert_msg(WIFEXITED(st), "worker %ld died of signal %d",
	              (long)pid, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	ck_assert_msg(WEXITSTATUS(st) == 0, "worker %ld failed: exit %d",
	              (long)pid, WEXITSTATUS(st));
}

/* tu_vrecord -- count one failure of a run of many processes in *COUNT
 * (shared memory), keep the first one's text in FIRST (TU_FIRST_LEN
 * bytes), and print the first ten on stderr after WHO. */
#define TU_FIRST_LEN 512
static inline void tu_vrecord(uint32_t *count, char *first, const char *who,
                              const char *fmt, va_list ap)
{
	char buf[TU_FIRST_LEN];
	uint32_t n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
	if (n == 0)
		memcpy(first, buf, sizeof buf);
	if (n < 10)
		fprintf(stderr, "%s (pid %ld): %s\n", who, (long)getpid(), buf);
}

/* tu_fail -- in a worker: report on stderr, return CODE. */
static inline int tu_fail(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "worker %ld: ", (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/*
 * A "gate": a pipe a worker signals readiness on, and a pipe it blocks on
 * until the test releases it (or dies: EOF).
 */
struct tu_gate {
	int ready[2];    /* worker writes one byte when ready */
	int hold[2];     /* worker reads until EOF */
};

static inline void tu_gate_init(struct tu_gate *g)
{
	ck_assert_int_eq(pipe(g->ready), 0);
	ck_assert_int_eq(pipe(g->hold), 0);
}

/* In the worker: say "ready" with byte C. */
static inline void tu_gate_signal(struct tu_gate *g, char c)
{
	ssize_t r;
	do
		r = write(g->ready[1], &c, 1);
	while (r < 0 && errno == EINTR);
}

/* In the worker: block until the test releases the gate. */
static inline void tu_gate_hold(struct tu_gate *g)
{
	char c;
	close(g->hold[1]);
	for (;;) {
		ssize_t r = read(g->hold[0], &c, 1);
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}
}

/* In the test: wait for one worker's ready byte (returns it). */
static inline char tu_gate_wait(struct tu_gate *g)
{
	struct pollfd pfd = { g->ready[0], POLLIN, 0 };
	char c = 0;
	ssize_t r;
	int n;
	do
		n = poll(&pfd, 1, 10000);
	while (n < 0 && errno == EINTR);
	ck_assert_msg(n == 1, "worker not ready after 10 s");
	do
		r = read(g->ready[0], &c, 1);
	while (r < 0 && errno == EINTR);
	ck_assert_msg(r == 1, "worker never became ready");
	return c;
}

/* In the test: release every worker held on the gate. */
static inline void tu_gate_release(struct tu_gate *g)
{
	if (g->hold[1] >= 0) {
		close(g->hold[1]);
		g->hold[1] = -1;
	}
}

/* ---- files and numbers ------------------------------------------------ */

/* tu_stat_shm -- stat /dev/shm/NAME (asserts it exists). */
static inline struct stat tu_stat_shm(const char *name)
{
	char path[TU_NAME_LEN + 16];
	struct stat st;
	tu_path(path, sizeof path, name);
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path,
	              strerror(errno));
	return st;
}

/* tu_shm_exists -- whether /dev/shm/NAME exists. */
static inline int tu_shm_exists(const char *name)
{
	char path[TU_NAME_LEN + 16];
	struct stat st;
	tu_path(path, sizeof path, name);
	return stat(path, &st) == 0;
}

/* tu_read_shm -- the whole content of /dev/shm/NAME (malloc'ed). */
static inline unsigned char *tu_read_shm(const char *name, size_t *len)
{
	char path[TU_NAME_LEN + 16];
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd;
	tu_path(path, sizeof path, name);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got,
		                  (off_t)got);
		ck_assert_msg(r > 0, "read %s: %s", path, strerror(errno));
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
}

/* tu_open_shm -- open /dev/shm/NAME read-write. */
static inline int tu_open_shm(const char *name)
{
	char path[TU_NAME_LEN + 16];
	int fd;
	tu_path(path, sizeof path, name);
	fd = open(path, O_RDWR);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* tu_write_shm -- create /dev/shm/NAME (0600, exclusively) holding the N
 * bytes at P. */
static inline void tu_write_shm(const char *name, const void *p, size_t n)
{
	char path[TU_NAME_LEN + 16];
	int fd;
	tu_path(path, sizeof path, name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	if (n > 0)
		ck_assert(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

/* tu_pwrite -- write N bytes at OFF of /dev/shm/NAME. */
static inline void tu_pwrite(const char *name, const void *p, size_t n,
                             off_t off)
{
	int fd = tu_open_shm(name);
	ck_assert_msg(pwrite(fd, p, n, off) == (ssize_t)n, "pwrite: %s",
	              strerror(errno));
	close(fd);
}

/* tu_pread -- read N bytes at OFF of /dev/shm/NAME. */
static inline void tu_pread(const char *name, void *p, size_t n, off_t off)
{
	int fd = tu_open_shm(name);
	ck_assert_msg(pread(fd, p, n, off) == (ssize_t)n, "pread: %s",
	              strerror(errno));
	close(fd);
}

/* tu_now_ms -- CLOCK_MONOTONIC in milliseconds. */
static inline double tu_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* tu_ms -- a time limit of MS milliseconds, stretched by
 * CK_TIMEOUT_MULTIPLIER (set for slow runs, e.g. under valgrind). */
static inline double tu_ms(double ms)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	double k = m != NULL ? atof(m) : 1.0;
	return k > 1.0 ? ms * k : ms;
}

/* tu_sleep_ms -- sleep MS milliseconds. */
static inline void tu_sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* tu_fnv1a64 -- FNV-1a 64 (the header checksum of format 1). */
static inline uint64_t tu_fnv1a64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* tu_rand -- xorshift64*: deterministic pseudo-random numbers. */
static inline uint64_t tu_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* tu_mix -- a 64-bit hash (splitmix64 finaliser), for content patterns. */
static inline uint64_t tu_mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* tu_fill -- fill N bytes at P with the pattern of KEY. */
static inline void tu_fill(void *p, size_t n, uint64_t key)
{
	unsigned char *b = p;
	uint64_t h = tu_mix(key);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)((h >> ((i & 7) * 8)) ^ (i >> 3));
}

/* tu_check_fill -- index of the first byte not of KEY's pattern, or N. */
static inline size_t tu_check_fill(const void *p, size_t n, uint64_t key)
{
	const unsigned char *b = p;
	uint64_t h = tu_mix(key);
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)((h >> ((i & 7) * 8)) ^ (i >> 3)))
			return i;
	return n;
}

/* tu_proc_fields -- /proc/PID/stat into BUF; a pointer to field 3 (the
 * state letter, after "pid (comm) "), or NULL. */
static inline char *tu_proc_fields(pid_t pid, char *buf, size_t len)
{
	char path[64];
	size_t n;
	char *p;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p + 2 : NULL;
}

/* tu_proc_starttime -- field 22 of /proc/PID/stat (clock ticks), or 0. */
static inline uint64_t tu_proc_starttime(pid_t pid)
{
	char buf[1024];
	unsigned long long v = 0;
	char *p = tu_proc_fields(pid, buf, sizeof buf);
	for (int field = 3; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL || sscanf(p, "%llu", &v) != 1)
		return 0;
	return v;
}

/* tu_proc_state -- field 3 of /proc/PID/stat ('R', 'S', 'Z', ...), or 0. */
static inline char tu_proc_state(pid_t pid)
{
	char buf[1024];
	char *p = tu_proc_fields(pid, buf, sizeof buf);
	return p != NULL ? *p : 0;
}

/* tu_kill_zombie -- SIGKILL PID and wait until it is dead but unreaped. */
static inline void tu_kill_zombie(pid_t pid)
{
	siginfo_t si;
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	memset(&si, 0, sizeof si);
	ck_assert_msg(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0,
	              "waitid: %s", strerror(errno));
	ck_assert_int_eq(tu_proc_state(pid), 'Z');
}

/* tu_stat -- arena_stat, asserted to succeed. */
static inline struct arena_stat tu_stat(const arena_t *a)
{
	struct arena_stat st;
	memset(&st, 0xa5, sizeof st);
	ck_assert_msg(arena_stat(a, &st) == 0, "arena_stat: %s",
	              strerror(errno));
	return st;
}

/* tu_create -- arena_create, asserted to succeed. */
static inline arena_t *tu_create(const char *name, size_t cap,
                                 const struct arena_options *o)
{
	arena_t *a = arena_create(name, cap, o);
	ck_assert_msg(a != NULL, "arena_create(%s, %zu): %s", name, cap,
	              strerror(errno));
	return a;
}

/* tu_attach -- arena_attach, asserted to succeed. */
static inline arena_t *tu_attach(const char *name, unsigned flags)
{
	arena_t *a = arena_attach(name, flags);
	ck_assert_msg(a != NULL, "arena_attach(%s, %#x): %s", name, flags,
	              strerror(errno));
	return a;
}

/* tu_base -- the mapping's address (arena_ptr of offset 1, less 1:
 * arena_ptr of offset 0 is NULL). */
static inline unsigned char *tu_base(const arena_t *a)
{
	return (unsigned char *)arena_ptr(a, 1) - 1;
}

/*
 * Generations.  A new arena starts at a random generation in
 * [1, ARENA_GEN_MASK]; each reset moves it on by one, from ARENA_GEN_MASK
 * back to 1 (0 is never used).  Tests derive what they expect from the
 * generation they see, never from a fixed starting value.
 */
/* tu_gen_add -- generation G after N more resets. */
static inline uint64_t tu_gen_add(uint64_t g, uint64_t n)
{
	return (g - 1 + n % ARENA_GEN_MASK) % ARENA_GEN_MASK + 1;
}

/* tu_gen_next -- the generation after G. */
static inline uint64_t tu_gen_next(uint64_t g)
{
	return tu_gen_add(g, 1);
}

/* tu_gen_since -- how many resets lead from generation FROM to TO (both
 * in [1, ARENA_GEN_MASK]), modulo the ARENA_GEN_MASK generations. */
static inline uint64_t tu_gen_since(uint64_t from, uint64_t to)
{
	return (to + ARENA_GEN_MASK - from) % ARENA_GEN_MASK;
}

/* Assert that EXPR failed (NULL / 0 / -1) with errno E. */
#define TU_FAILS_WITH(expr, failval, e) do {                                 \
	errno = 0;                                                           \
	__typeof__(expr) tu_r_ = (expr);                                     \
	int tu_e_ = errno;                                                   \
	ck_assert_msg(tu_r_ == (failval), "%s: expected failure (%s), "      \
	              "it succeeded", #expr, strerror(e));                   \
	ck_assert_msg(tu_e_ == (e), "%s: errno %d (%s), expected %d (%s)",   \
	              #expr, tu_e_, strerror(tu_e_), (e), strerror(e));      \
} while (0)

#endif /* ARENA_TESTUTIL_H */
