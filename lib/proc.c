/*
 * proc.c - the attached-process table: one 64-bit word per read-write
 * handle, {pid:32 | start time low 32 bits:32}, for display, and the lock
 * that makes the entry live: an open-file-description lock (F_OFD_SETLK)
 * on the slot's first byte, which the handle holds through a description
 * of its own and which the kernel drops when the last descriptor of it is
 * closed, at exit or death.  Liveness so needs no pid: it holds across pid
 * namespaces, pid reuse, zombie main threads and a missing /proc.  The
 * word is claimed and released with one compare-and-swap, under the lock.
 * pid_running() judges a word by /proc, for arena_check()'s diagnosis
 * only.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* stat_read -- state letter and start time of PID from /proc; false when
 * the file cannot be read or parsed. */
static bool stat_read(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return false;
	p += 2;
	*state = *p;
	/* start time is field 22; the state letter is field 3. */
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return false;
		p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	return errno == 0 && end != p;
}

/* threads_left -- the Threads: count of PID's /proc status, 0 when it
 * cannot be read. */
static unsigned long threads_left(pid_t pid)
{
	char path[64], buf[2048], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nThreads:");
	return p != NULL ? strtoul(p + 9, NULL, 10) : 0;
}

bool pid_running(uint64_t w)
{
	pid_t pid = (pid_t)FMT_PROC_PID(w);
	uint64_t start;
	char st;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
		return false;
	if (!stat_read(pid, &st, &start))
		return true;
	if ((uint32_t)start != FMT_PROC_START(w) || st == 'X')
		return false;
	return st != 'Z' || threads_left(pid) > 1;
}

/* The process's own table word, read from /proc once per process. */
static uint64_t self_word;

uint64_t proc_self_word(void)
{
	pid_t pid = getpid();
	uint64_t w = uatomic_read(&self_word), start;
	char st;

	if (w != 0 && FMT_PROC_PID(w) == (uint32_t)pid)
		return w;
	/* For display only: without /proc the start time is 0. */
	if (!stat_read(pid, &st, &start))
		start = 0;
	w = FMT_PROC_WORD(pid, start);
	uatomic_set(&self_word, w);
	return w;
}

/* slot_lock -- take (F_WRLCK) or drop (F_UNLCK) the lock on slot I's
 * byte through A's own open file description; -1 and errno (EAGAIN when
 * another description holds it). */
static int slot_lock(const struct arena *a, uint32_t i, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)FMT_PROC_LOCK(a->proc_off, i);
	fl.l_len = 1;
	return fcntl(a->lock_fd, F_OFD_SETLK, &fl);
}

bool proc_slot_alive(const struct arena *a, uint32_t i)
{
	struct flock fl;

	if ((int)i == a->slot)
		return true;    /* ours: our own description holds the lock */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)FMT_PROC_LOCK(a->proc_off, i);
	fl.l_len = 1;
	if (fcntl(a->lock_fd, F_OFD_GETLK, &fl) < 0)
		return true;    /* cannot tell: never reap on a guess */
	/* A handle holds a write lock; a read lock is anyone's who can
	 * open the object, and no sign of life. */
	return fl.l_type == F_WRLCK;
}

bool proc_word_alive(const struct arena *a, uint64_t w)
{
	if (w == 0)
		return false;
	for (uint32_t i = 0; i < a->proc_slots; i++)
		if (uatomic_read(&a->procs[i]) == w && proc_slot_alive(a, i))
			return true;
	return false;
}

int proc_register(struct arena *a)
{
	uint64_t me = proc_self_word();

	for (uint32_t i = 0; i < a->proc_slots; i++) {
		/* The lock first: held, the slot is a live handle's (or one
		 * being registered); ours, whatever word is there is dead. */
		if (slot_lock(a, i, F_WRLCK) < 0) {
			if (errno == EAGAIN || errno == EACCES)
				continue;
			if (errno == EINVAL)
				errno = ENOSYS;  /* a kernel without OFD locks */
			return -1;
		}
		for (unsigned tries = 0; tries < 64; tries++) {
			uint64_t w = uatomic_read(&a->procs[i]);

			/* A reaper may clear the dead word under us: retry. */
			if (uatomic_cmpxchg(&a->procs[i], w, me) != w)
				continue;
			a->slot = (int)i;
			a->proc_word = me;
			/* Whoever had the slot is gone: so are its claims. */
			dir_cancel_claims(a, i);
			sect_cancel(a, i);
			grace_cancel_slot(a, i);
			procs_changed(a);
			return 0;
		}
		(void)slot_lock(a, i, F_UNLCK);  /* a peer keeps rewriting it */
	}
	errno = EUSERS;
	return -1;
}

void proc_release(struct arena *a)
{
	/* Only our own word; then the lock (closing the descriptor would
	 * drop it too). */
	(void)uatomic_cmpxchg(&a->procs[a->slot], a->proc_word, 0);
	sect_cancel(a, (uint32_t)a->slot);
	(void)slot_lock(a, (uint32_t)a->slot, F_UNLCK);
	procs_changed(a);
	a->slot = -1;
}

/*
 * live_slots -- mark in LIVE the slots whose lock another open file
 * description holds.  One F_OFD_GETLK over a range of slots finds a held
 * lock there, if any; the ranges on either side of it are then searched
 * (STACK holds the ranges still to search: disjoint, so at most one per
 * slot), so the cost is one call more than twice the number of live
 * slots.  A range that cannot be asked about counts as all live.
 */
static void live_slots(const struct arena *a, unsigned char *live,
                       uint32_t (*stack)[2])
{
	size_t n = 0;

	stack[n][0] = 0;
	stack[n++][1] = a->proc_slots;
	while (n > 0) {
		uint32_t lo = stack[n - 1][0], hi = stack[n - 1][1];
		struct flock fl;
		uint64_t j;

		n--;
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = (off_t)FMT_PROC_LOCK(a->proc_off, lo);
		fl.l_len = (off_t)((uint64_t)(hi - lo) * FMT_PROC_SLOT);
		if (fcntl(a->lock_fd, F_OFD_GETLK, &fl) < 0) {
			memset(live + lo, 1, hi - lo);
			continue;
		}
		if (fl.l_type == F_UNLCK)
			continue;
		/* The lock found starts in slot j (a peer may lock any range:
		 * clamp it to ours). */
		j = (uint64_t)fl.l_start < FMT_PROC_LOCK(a->proc_off, lo) ? lo :
		    ((uint64_t)fl.l_start - a->proc_off) / FMT_PROC_SLOT;
		if (j >= hi)
			j = hi - 1;
		/* Only a write lock is a handle's (see proc_slot_alive()). */
		if (fl.l_type == F_WRLCK)
			live[j] = 1;
		if (j > lo) {
			stack[n][0] = lo;
			stack[n++][1] = (uint32_t)j;
		}
		if (j + 1 < hi) {
			stack[n][0] = (uint32_t)j + 1;
			stack[n++][1] = hi;
		}
	}
}

unsigned proc_scan(struct arena *a, unsigned *live_total)
{
	unsigned others = 0, total = 0;
	unsigned char *live = calloc(a->proc_slots, 1);
	uint32_t (*stack)[2] = malloc((size_t)(a->proc_slots + 1) *
	                              sizeof(*stack));

	if (live == NULL || stack == NULL) {   /* cannot tell: all live */
		free(live);
		free(stack);
		if (live_total != NULL)
			*live_total = a->proc_slots;
		return a->proc_slots;
	}
	live_slots(a, live, stack);
	free(stack);
	if (a->slot >= 0)
		live[a->slot] = 1;      /* ours: our own lock is not seen */
	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = uatomic_read(&a->procs[i]);

		if (!live[i]) {
			/* A dead entry: its lock was free.  Ask again, after
			 * reading the word: a handle registering since the scan
			 * holds the lock before it writes its word. */
			if (w == 0 || !proc_slot_alive(a, i)) {
				if (w != 0 && !rdonly(a))
					(void)uatomic_cmpxchg(&a->procs[i], w, 0);
				continue;
			}
		}
		/* Live, whatever its word says (0 while being registered, or
		 * cleared by a peer). */
		total++;
		/* Not by pid: another pid namespace may reuse ours. */
		if (!handles_own_slot(a, i))
			others++;
	}
	free(live);
	if (live_total != NULL)
		*live_total = total;
	return others;
}

uint64_t proc_fingerprint(const struct arena *a)
{
	unsigned char *live = calloc(a->proc_slots, 1);
	uint32_t (*stack)[2] = malloc((size_t)(a->proc_slots + 1) *
	                              sizeof(*stack));
	uint64_t h = 14695981039346656037u;

	if (live == NULL || stack == NULL) {
		free(live);
		free(stack);
		return 0;
	}
	live_slots(a, live, stack);
	free(stack);
	if (a->slot >= 0)
		live[a->slot] = 1;
	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = live[i] ? uatomic_read(&a->procs[i]) : 0;

		/* FNV-1a over (slot, word) of each live entry. */
		for (int b = 0; b < 12 && live[i]; b++) {
			h ^= b < 4 ? (i >> (8 * b)) & 0xff : (w >> (8 * (b - 4))) & 0xff;
			h *= 1099511628211u;
		}
	}
	free(live);
	return h != 0 ? h : 1;
}

int arena_procs(const arena_t *a, struct arena_proc *out, size_t n)
{
	int count = 0;

	if (!handle_ok(a) || (out == NULL && n != 0)) {
		errno = EINVAL;
		return -1;
	}
	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = uatomic_read(&a->procs[i]);

		if (w == 0)
			continue;
		if ((size_t)count < n) {
			out[count].pid = (pid_t)FMT_PROC_PID(w);
			out[count].start_time = FMT_PROC_START(w);
			out[count].alive = proc_slot_alive(a, i);
			out[count].slot = i;
			out[count].sections = sect_count(a, (int)i, NULL);
			out[count].resetting = grace_owner(a) == (int)i;
		}
		count++;
	}
	return count;
}
