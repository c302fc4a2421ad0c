/*
 * arena_demo.c - libarena at work: several processes share one arena.
 *
 * Run without arguments (make demo).  The program creates an arena, starts
 * worker processes that attach it by name, allocate, exchange references
 * over pipes and publish results; a read-only reader prints the results;
 * then a reset frees everything at once and the old references go stale.
 * Every step is printed in plain words.  The arena is unlinked on every
 * path, and the exit status is non-zero if anything unexpected happened.
 *
 * Each child is this same program started afresh (fork, then exec with a
 * role: --worker, --reader or --peer), so it has an address space of its
 * own, as an unrelated program would, and maps the arena wherever its
 * kernel chooses.  Only the public API (arena.h) is used.
 */
#include <arena.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NWORKERS 3
#define CAPACITY (1u << 20)      /* 1 MiB of usable space */
#define CHILD_TIMEOUT 60         /* seconds before a stuck child gives up */

/*
 * What lives in the arena.  Objects hold references (arena_ref_t), never
 * pointers: each process maps the arena at its own address.
 */
struct message {                 /* an IPC message buffer */
	int32_t     from;            /* the sending worker */
	uint64_t    sender_addr;     /* where the sender saw this message
	                                (printed for the demonstration only) */
	arena_ref_t text;            /* a string in the arena */
};

struct job_result {              /* what a worker publishes */
	int32_t     worker;
	int32_t     pid;
	uint64_t    items;           /* how many numbers it added up */
	uint64_t    total;           /* their sum */
	arena_ref_t heard;           /* the text of the message it received: a
	                                string another worker allocated */
};

static const char *role = "arena_demo";   /* who is talking, in errors */

/* say -- print one line (it may hold several) with a single write, so that
 * lines of processes sharing a terminal or a pipe do not interleave. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t len, off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 2;
	buf[len++] = '\n';
	fflush(stdout);
	while (off < len) {
		ssize_t w = write(STDOUT_FILENO, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* fail -- report an unexpected failure of WHAT, with errno; returns 1. */
static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "%s: %s: %s\n", role, what, strerror(e));
	return 1;
}

/* failx -- report an unexpected outcome; returns 1. */
static int failx(const char *what)
{
	fprintf(stderr, "%s: %s\n", role, what);
	return 1;
}

/* errname -- the symbol of the error codes this demo expects to see. */
static const char *errname(int e)
{
	switch (e) {
	case ESTALE: return "ESTALE";
	case EBUSY:  return "EBUSY";
	case ENOENT: return "ENOENT";
	case EROFS:  return "EROFS";
	default:     return "an unexpected error";
	}
}

/* sum_to -- the job: add up 1..N the slow way. */
static uint64_t sum_to(uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 1; i <= n; i++)
		s += i;
	return s;
}

/* send_ref, recv_ref -- move one reference, 8 bytes, through a pipe. */
static int send_ref(int fd, arena_ref_t r)
{
	ssize_t n;

	do
		n = write(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r)) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

static int recv_ref(int fd, arena_ref_t *r)
{
	ssize_t n;

	do
		n = read(fd, r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*r)) {
		if (n >= 0)
			errno = EPIPE;   /* the sender went away */
		return -1;
	}
	return 0;
}

/*
 * worker -- attach by name, send a message to the next worker, read the
 * one from the previous worker, do the job, publish the result, detach.
 */
static int worker(const char *name, int n, int nworkers, int rfd, int wfd)
{
	char text[64], key[ARENA_KEY_MAX + 1], who[32];
	arena_ref_t mref, in, rref;
	const struct message *got;
	struct message *m;
	struct job_result *res;
	const char *heard;
	uint64_t here;
	int to = n % nworkers + 1;

	snprintf(who, sizeof(who), "arena_demo worker %d", n);
	role = who;
	arena_t *a = arena_attach(name, 0);
	if (a == NULL)
		return fail("arena_attach");

	/* A message buffer and its text, both in the arena.  The reference is
	 * fresh from this process, so the unchecked arena_ptr() is right. */
	snprintf(text, sizeof(text), "hello from worker %d", n);
	mref = ARENA_NEW(a, struct message);
	if (mref == ARENA_NULL)
		goto fail_alloc;
	m = arena_ptr(a, mref);
	m->from = n;
	m->sender_addr = (uint64_t)(uintptr_t)m;
	m->text = arena_strdup(a, text);
	if (m->text == ARENA_NULL)
		goto fail_alloc;
	say("   [worker %d, pid %d] attached; wrote \"%s\" at 0x%" PRIx64 ",\n"
	    "       sends its reference 0x%016" PRIx64 " to worker %d",
	    n, (int)getpid(), text, m->sender_addr, mref, to);
	/* The pipe is a system call, so the message is complete in memory
	 * before the receiver can see its reference. */
	if (send_ref(wfd, mref) < 0) {
		fail("write to pipe");
		goto out;
	}

	/* A reference from another process: check it (arena_get). */
	if (recv_ref(rfd, &in) < 0) {
		fail(errno == EPIPE ? "the previous worker exited without sending"
		                    : "read from pipe");
		goto out;
	}
	got = arena_get(a, in, sizeof(*got));
	heard = got != NULL ? arena_get_str(a, got->text) : NULL;
	if (heard == NULL) {
		fail("arena_get on a received reference");
		goto out;
	}
	here = (uint64_t)(uintptr_t)got;
	say("   [worker %d] got 0x%016" PRIx64 ": \"%s\"\n"
	    "       at 0x%" PRIx64 " here, at 0x%" PRIx64 " in worker %d%s",
	    n, in, heard, here, got->sender_addr, (int)got->from,
	    here != got->sender_addr ? ": same bytes, different addresses" :
	    " (the same address by chance; nothing relies on it)");

	/* The job, and its result: a struct pointing at the string that the
	 * other worker allocated (a reference, not a copy). */
	rref = ARENA_NEW(a, struct job_result);
	if (rref == ARENA_NULL)
		goto fail_alloc;
	res = arena_ptr(a, rref);
	res->worker = n;
	res->pid = (int32_t)getpid();
	res->items = 1000u * (unsigned)n;
	res->total = sum_to(res->items);
	res->heard = got->text;
	snprintf(key, sizeof(key), "result.%d", n);
	if (arena_publish(a, key, rref) < 0) {
		fail("arena_publish");
		goto out;
	}
	say("   [worker %d] added up %" PRIu64 " numbers, published the result"
	    " as \"%s\", detaches", n, res->items, key);
	arena_detach(a);     /* res and got point into the mapping: now gone */
	return 0;

fail_alloc:
	fail("allocation");
out:
	arena_detach(a);
	return 1;
}

/*
 * reader -- attach read-only and print every result by looking it up.
 */
static int reader(const char *name, int nworkers)
{
	char key[ARENA_KEY_MAX + 1];
	const struct job_result *res;
	const char *heard;
	arena_ref_t r;
	int rc = 1;

	role = "arena_demo reader";
	arena_t *a = arena_attach(name, ARENA_RDONLY);
	if (a == NULL)
		return fail("arena_attach(ARENA_RDONLY)");
	for (int n = 1; n <= nworkers; n++) {
		snprintf(key, sizeof(key), "result.%d", n);
		r = arena_lookup(a, key);
		if (r == ARENA_NULL) {
			fail("arena_lookup");
			goto out;
		}
		res = arena_get(a, r, sizeof(*res));
		heard = res != NULL ? arena_get_str(a, res->heard) : NULL;
		if (heard == NULL) {
			fail("arena_get");
			goto out;
		}
		if (res->worker != n || res->total != res->items * (res->items + 1) / 2) {
			failx("a result does not add up");
			goto out;
		}
		say("   [reader] %s = 0x%016" PRIx64 ": worker %d (pid %d),\n"
		    "       %" PRIu64 " numbers, total %" PRIu64 " (right),"
		    " heard \"%s\"", key, r, (int)res->worker, (int)res->pid,
		    res->items, res->total, heard);
	}
	errno = 0;
	if (arena_alloc(a, 16, 1) != ARENA_NULL || errno != EROFS) {
		failx("a read-only handle could allocate");
		goto out;
	}
	say("   [reader] it cannot write: arena_alloc() fails with %s",
	    errname(errno));
	rc = 0;
out:
	arena_detach(a);
	return rc;
}

/*
 * peer -- attach read-write, say so on WFD, stay until RFD reaches end of
 * file, detach.  It is the live peer that makes a reset wait.
 */
static int peer(const char *name, int rfd, int wfd)
{
	char c;
	ssize_t n;

	role = "arena_demo peer";
	arena_t *a = arena_attach(name, 0);
	if (a == NULL)
		return fail("arena_attach");
	if (write(wfd, "!", 1) != 1) {
		fail("write to pipe");
		arena_detach(a);
		return 1;
	}
	do
		n = read(rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	arena_detach(a);
	return 0;
}

/* ---- The creator's side: process plumbing first, then the story. ---- */

static char self_path[4096];         /* this program, for exec */
static pid_t kids[NWORKERS + 2];     /* children not yet waited for */
static int nkids;
static volatile sig_atomic_t got_signal;

/* on_signal -- note SIGINT/SIGTERM; the creator cleans up and leaves. */
static void on_signal(int sig)
{
	got_signal = sig;
}

/* spawn -- start this program again with ARGV; the descriptors KEEP0 and
 * KEEP1 (or -1) stay open across exec, every other one is close-on-exec. */
static pid_t spawn(char *const argv[], int keep0, int keep1)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if ((keep0 >= 0 && fcntl(keep0, F_SETFD, 0) < 0) ||
		    (keep1 >= 0 && fcntl(keep1, F_SETFD, 0) < 0))
			_exit(127);
		execv(self_path, argv);
		fprintf(stderr, "arena_demo: exec %s: %s\n", self_path,
		        strerror(errno));
		_exit(127);
	}
	kids[nkids++] = pid;
	return pid;
}

/* reap -- wait for child PID; 0 if it exited with status 0. */
static int reap(pid_t pid, const char *what)
{
	int status, i;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return fail("waitpid");
		if (got_signal)
			kill(pid, SIGTERM);
	}
	for (i = 0; i < nkids && kids[i] != pid; i++)
		;
	if (i < nkids)
		kids[i] = kids[--nkids];
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "arena_demo: %s (pid %d) failed with exit status"
		        " %d\n", what, (int)pid, WEXITSTATUS(status));
	else
		fprintf(stderr, "arena_demo: %s (pid %d) was killed by signal"
		        " %d\n", what, (int)pid, WTERMSIG(status));
	return 1;
}

/* reap_all -- end and wait for every child still running. */
static void reap_all(void)
{
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	while (nkids > 0)
		(void)reap(kids[0], "child");
}

/* close_all -- close the N pipes in P. */
static void close_all(int (*p)[2], int n)
{
	for (int i = 0; i < n; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* run_workers -- start the workers in a ring of pipes, wait for them. */
static int run_workers(const char *name)
{
	int pipes[NWORKERS][2], rc = 0;
	char nbuf[16], tbuf[16], rbuf[16], wbuf[16];

	for (int i = 0; i < NWORKERS; i++) {
		if (pipe2(pipes[i], O_CLOEXEC) < 0) {
			close_all(pipes, i);
			return fail("pipe2");
		}
	}
	snprintf(tbuf, sizeof(tbuf), "%d", NWORKERS);
	for (int i = 0; i < NWORKERS; i++) {
		/* Worker i+1 writes to pipe i and reads from pipe i-1. */
		int rfd = pipes[(i + NWORKERS - 1) % NWORKERS][0];
		int wfd = pipes[i][1];
		char *argv[] = { "arena_demo", "--worker", (char *)name, nbuf,
		                 tbuf, rbuf, wbuf, NULL };

		snprintf(nbuf, sizeof(nbuf), "%d", i + 1);
		snprintf(rbuf, sizeof(rbuf), "%d", rfd);
		snprintf(wbuf, sizeof(wbuf), "%d", wfd);
		if (spawn(argv, rfd, wfd) < 0) {
			rc = fail("fork");
			break;
		}
	}
	/* Only the workers hold the pipes now: a worker that dies is seen
	 * as end of file by its neighbour, never as a hang. */
	close_all(pipes, NWORKERS);
	if (rc != 0)
		reap_all();
	while (nkids > 0)
		rc |= reap(kids[0], "a worker");
	return rc;
}

/* run_reader -- start the read-only reader and wait for it. */
static int run_reader(const char *name)
{
	char tbuf[16];
	char *argv[] = { "arena_demo", "--reader", (char *)name, tbuf, NULL };
	pid_t pid;

	snprintf(tbuf, sizeof(tbuf), "%d", NWORKERS);
	pid = spawn(argv, -1, -1);
	if (pid < 0)
		return fail("fork");
	return reap(pid, "the reader");
}

/* start_peer -- start a read-write peer and wait until it is attached;
 * *GO is the descriptor whose closing lets it detach and leave. */
static pid_t start_peer(const char *name, int *go)
{
	int ready[2], hold[2];
	char rbuf[16], wbuf[16], c;
	char *argv[] = { "arena_demo", "--peer", (char *)name, rbuf, wbuf, NULL };
	ssize_t n;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	snprintf(rbuf, sizeof(rbuf), "%d", hold[0]);
	snprintf(wbuf, sizeof(wbuf), "%d", ready[1]);
	pid = spawn(argv, hold[0], ready[1]);
	close(hold[0]);
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		close(hold[1]);
		return -1;
	}
	do
		n = read(ready[0], &c, 1);
	while (n < 0 && errno == EINTR && !got_signal);
	close(ready[0]);
	if (n != 1) {
		close(hold[1]);  /* reap_all() ends and waits for it */
		errno = EPIPE;   /* it exited before attaching */
		return -1;
	}
	*go = hold[1];
	return pid;
}

/* show_stat -- print the statistics a user would look at first. */
static int show_stat(const arena_t *a)
{
	struct arena_stat st;

	if (arena_stat(a, &st) < 0)
		return fail("arena_stat");
	say("   capacity %" PRIu64 " bytes, used %" PRIu64 ", available %" PRIu64
	    ", high-water mark %" PRIu64, st.capacity, st.used, st.available,
	    st.high_water);
	say("   generation %" PRIu64 ", resets %" PRIu64 ", failed allocations %"
	    PRIu64 ",", st.generation, st.resets, st.failed_allocs);
	say("   directory entries %" PRIu32 " of %" PRIu32
	    ", read-write attachments %" PRIu32, st.dir_entries, st.dir_slots,
	    st.attached);
	return 0;
}

/* story -- everything after the arena exists; 0 if all went as expected. */
static int story(arena_t *a, const char *name)
{
	const struct job_result *res;
	arena_ref_t old, old_heard, r;
	pid_t pid;
	int go, rc;

	say("2. Starting %d worker processes. Each attaches the arena by name"
	    " and allocates a\n"
	    "   message (a small struct and a string). Only its reference, 8"
	    " bytes, goes\n"
	    "   through a pipe to the next worker. A reference is the arena's"
	    " generation\n"
	    "   (top 24 bits) and an offset (low 40 bits), the same in every"
	    " process; the\n"
	    "   address it stands for differs, as each process maps the arena"
	    " where it can.", NWORKERS);
	if (run_workers(name) != 0)
		return 1;

	say("3. All workers have exited. A reader attaches read-only"
	    " (ARENA_RDONLY) and looks");
	say("   the results up by key (arena_lookup), checking each reference"
	    " (arena_get):");
	if (run_reader(name) != 0)
		return 1;

	say("4. Statistics (arena_stat). \"used\" counts alignment padding; only"
	    " this process");
	say("   is attached read-write (read-only handles are not counted):");
	if (show_stat(a) != 0)
		return 1;

	old = arena_lookup(a, "result.1");
	res = old != ARENA_NULL ? arena_get(a, old, sizeof(*res)) : NULL;
	if (res == NULL)
		return fail("arena_lookup/arena_get of result.1");
	old_heard = res->heard;
	say("5. arena_reset() frees everything at once. It is refused while"
	    " another live");
	say("   process has the arena attached read-write, so start one (a"
	    " \"peer\") and try:");
	pid = start_peer(name, &go);
	if (pid < 0)
		return fail("starting the peer");
	errno = 0;
	rc = arena_reset(a, 0);
	if (rc == 0 || errno != EBUSY) {
		close(go);
		reap(pid, "the peer");
		return rc == 0 ? failx("arena_reset succeeded with a live peer")
		               : fail("arena_reset");
	}
	say("   arena_reset(a, 0) -> -1, errno %s: the peer (pid %d) is"
	    " attached.", errname(errno), (int)pid);
	say("   (ARENA_RESET_FORCE would reset anyway; the peer's references"
	    " would go stale.)");

	/* Learn that the peer left from the arena itself: no pipe, no
	 * SIGCHLD; a peer killed outright is noticed the same way. */
	{
		struct timespec zero = { 0, 0 }, t = { CHILD_TIMEOUT, 0 };
		uint64_t tok = 0;
		int live;

		if (arena_procs_wait(a, &tok, &zero) < 0)
			return fail("arena_procs_wait");
		close(go);
		do {
			if (arena_procs_wait(a, &tok, &t) < 0)
				return fail("arena_procs_wait");
			live = arena_procs(a, NULL, 0);
		} while (live > 1);
		say("   The peer is told to leave; arena_procs_wait() returns as"
		    " soon as its entry is");
		say("   gone (a killed peer is seen within 20 ms): no pipe and no"
		    " SIGCHLD needed.");
	}
	if (reap(pid, "the peer") != 0)
		return 1;
	if (arena_reset(a, 0) < 0)
		return fail("arena_reset");
	say("6. The peer detached and exited; now arena_reset(a, 0) -> 0. The"
	    " generation");
	say("   moved on, so the old references are recognisably stale:");

	errno = 0;
	if (arena_get(a, old, sizeof(*res)) != NULL || errno != ESTALE)
		return failx("an old reference is still valid after the reset");
	say("   arena_get(0x%016" PRIx64 ") -> NULL, errno %s: result.1 was of"
	    " generation %" PRIu64, old, errname(errno),
	    (uint64_t)ARENA_REF_GENERATION(old));
	errno = 0;
	if (arena_get_str(a, old_heard) != NULL || errno != ESTALE)
		return failx("an old string is still valid after the reset");
	say("   arena_get_str(0x%016" PRIx64 ") -> NULL, errno %s: the text"
	    " it heard", old_heard, errname(errno));
	errno = 0;
	if (arena_lookup(a, "result.1") != ARENA_NULL || errno != ENOENT)
		return failx("a directory entry survived the reset");
	say("   arena_lookup(\"result.1\") -> ARENA_NULL, errno %s: the"
	    " directory is empty", errname(errno));
	r = arena_strdup(a, "a new beginning");
	if (r == ARENA_NULL)
		return fail("arena_strdup");
	say("   The space is free again: a new string gets 0x%016" PRIx64
	    " (generation %" PRIu64 ").", r, (uint64_t)ARENA_REF_GENERATION(r));
	return show_stat(a);
}

/* demo -- create the arena, tell the story, always clean up. */
static int demo(void)
{
	char name[64];
	struct sigaction sa;
	struct arena_options opts = { .mode = 0600 };
	ssize_t n;
	int rc;

	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n < 0)
		return fail("readlink /proc/self/exe");
	self_path[n] = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;       /* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	snprintf(name, sizeof(name), "arena-demo-%d", (int)getpid());
	say("libarena demo: processes sharing one arena in POSIX shared memory.");
	arena_t *a = arena_create(name, CAPACITY, &opts);
	if (a == NULL)
		return fail("arena_create");   /* nothing was created */
	say("1. Created the arena \"%s\" (arena_create): %u bytes, mode"
	    " 0600.", arena_name(a), CAPACITY);
	say("   It is the file /dev/shm/%s until it is unlinked.", name);

	rc = story(a, name);

	reap_all();
	arena_detach(a);
	if (arena_unlink(name) < 0)
		rc |= fail("arena_unlink");
	else if (rc == 0 && !got_signal)
		say("7. Detached and unlinked: /dev/shm/%s is gone.", name);
	else
		fprintf(stderr, "arena_demo: cleaned up: /dev/shm/%s unlinked\n",
		        name);
	if (got_signal) {
		fprintf(stderr, "arena_demo: interrupted by signal %d\n",
		        (int)got_signal);
		return 1;
	}
	if (rc != 0)
		fprintf(stderr, "arena_demo: FAILED (see above)\n");
	return rc;
}

/* number -- parse a small non-negative decimal argument, or -1. */
static int number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 1000000)
		return -1;
	return (int)v;
}

int main(int argc, char *argv[])
{
	if (argc == 1)
		return demo();
	/* The roles below are for the demo's own children. */
	alarm(CHILD_TIMEOUT);
	if (argc == 7 && strcmp(argv[1], "--worker") == 0) {
		int n = number(argv[3]), t = number(argv[4]);
		int r = number(argv[5]), w = number(argv[6]);

		if (n >= 1 && t >= n && r >= 0 && w >= 0)
			return worker(argv[2], n, t, r, w);
	} else if (argc == 4 && strcmp(argv[1], "--reader") == 0) {
		int t = number(argv[3]);

		if (t >= 1)
			return reader(argv[2], t);
	} else if (argc == 5 && strcmp(argv[1], "--peer") == 0) {
		int r = number(argv[3]), w = number(argv[4]);

		if (r >= 0 && w >= 0)
			return peer(argv[2], r, w);
	}
	fprintf(stderr, "usage: arena_demo   (no arguments)\n");
	return 2;
}
