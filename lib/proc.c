/*
 * proc.c - the attached-process table: one 64-bit word per read-write
 * handle, {pid:32 | start time low 32 bits:32}, claimed and released with
 * one compare-and-swap so a process killed at any point leaves either a
 * whole entry or none.  A dead or recycled pid is told apart by its start
 * time in /proc.
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

uint64_t proc_self_word(void)
{
	pid_t pid = getpid();
	uint64_t start = 0;
	char st;

	if (!stat_read(pid, &st, &start))
		start = 0;
	return FMT_PROC_WORD(pid, start);
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
	if (st == 'Z' || st == 'X')
		return false;     /* killed, not yet waited for */
	return (uint32_t)start == FMT_PROC_START(w);
}

int proc_register(struct arena *a)
{
	uint64_t me = proc_self_word();

	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = uatomic_read(&a->procs[i]);

		if (w != 0 && proc_word_alive(w))
			continue;
		/* Free, or a dead entry: take it over in one step. */
		if (uatomic_cmpxchg(&a->procs[i], w, me) == w) {
			a->slot = (int)i;
			a->proc_word = me;
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

	if (a == NULL || (out == NULL && n != 0)) {
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
