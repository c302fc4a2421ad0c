/*
 * proc.c - the attached-process table: one 64-bit word per read-write
 * handle, {pid:32 | start time low 32 bits:32}, claimed and released with
 * one compare-and-swap so a process killed at any point leaves either a
 * whole entry or none.  A dead or recycled pid is told apart by its start
 * time in /proc; a process whose main thread has exited shows as a zombie
 * there while its other threads run, and is told apart by its thread count.
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

/* The process's own table word, read from /proc once per process. */
static uint64_t self_word;

uint64_t proc_self_word(void)
{
	pid_t pid = getpid();
	uint64_t w = uatomic_read(&self_word), start;
	char st;

	if (w != 0 && FMT_PROC_PID(w) == (uint32_t)pid)
		return w;
	errno = 0;
	if (!stat_read(pid, &st, &start)) {
		/* Never a word others would take for dead while we live. */
		if (errno == 0 || errno == ENOENT)
			errno = ENOSYS;     /* no /proc */
		return 0;
	}
	w = FMT_PROC_WORD(pid, start);
	uatomic_set(&self_word, w);
	return w;
}

bool proc_word_alive(uint64_t w)
{
	pid_t pid = (pid_t)FMT_PROC_PID(w);
	uint64_t start;
	char st;

	if (pid <= 0)
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	if (!stat_read(pid, &st, &start))
		return kill(pid, 0) == 0 || errno == EPERM; /* no /proc: trust kill */
	if ((uint32_t)start != FMT_PROC_START(w) || st == 'X')
		return false;
	/* A zombie leader with threads left is a live process whose main
	 * thread called pthread_exit(); a dead one has only the leader. */
	return st != 'Z' || threads_left(pid) > 1;
}

bool proc_word_registered(const struct arena *a, uint64_t w)
{
	for (uint32_t i = 0; i < a->proc_slots; i++)
		if (uatomic_read(&a->procs[i]) == w)
			return true;
	return false;
}

int proc_register(struct arena *a)
{
	uint64_t me = proc_self_word();

	if (me == 0)
		return -1;
	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = uatomic_read(&a->procs[i]);

		if (w != 0 && proc_word_alive(w))
			continue;
		/* Free, or a dead entry: take it over in one step. */
		if (uatomic_cmpxchg(&a->procs[i], w, me) == w) {
			a->slot = (int)i;
			a->proc_word = me;
			/* Whoever had the slot is gone: so are its claims. */
			dir_cancel_claims(a, i);
			return 0;
		}
	}
	errno = EUSERS;
	return -1;
}

void proc_release(struct arena *a)
{
	/* Only our own word: a reaper may have reused the slot. */
	(void)uatomic_cmpxchg(&a->procs[a->slot], a->proc_word, 0);
	a->slot = -1;
}

unsigned proc_scan(struct arena *a, unsigned *live_total)
{
	unsigned others = 0, total = 0;
	uint32_t self = (uint32_t)getpid();

	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = uatomic_read(&a->procs[i]);

		if (w == 0)
			continue;
		/* Our own entries (one per handle) live: no /proc for them. */
		if (w == a->proc_word && a->pid == (pid_t)self) {
			total++;
			continue;
		}
		if (!proc_word_alive(w)) {
			if (!rdonly(a))
				(void)uatomic_cmpxchg(&a->procs[i], w, 0);
			continue;
		}
		total++;
		if (FMT_PROC_PID(w) != self)
			others++;
	}
	if (live_total != NULL)
		*live_total = total;
	return others;
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
			out[count].alive = proc_word_alive(w);
			out[count].slot = i;
		}
		count++;
	}
	return count;
}
