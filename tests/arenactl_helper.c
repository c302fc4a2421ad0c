/*
 * arenactl_helper - make segment states that arenactl_test.sh inspects:
 * a live peer, directory entries, allocations.  Public API only.
 *
 *   arenactl_helper hold NAME           attach read-write, print "ready PID",
 *                                       sleep until killed
 *   arenactl_helper put NAME KEY STRING strdup STRING, publish it under KEY
 *                                       (C escapes \n \t \e \xHH in KEY and
 *                                       STRING), print its reference in hex
 *   arenactl_helper publish NAME N      publish "value-I" under "key-I",
 *                                       I = 0 .. N-1
 *   arenactl_helper alloc NAME BYTES    allocate BYTES (alignment 1), print
 *                                       the reference; exit 1 when refused
 *   arenactl_helper flip NAME REF SECS  print "ready PID", then for SECS
 *                                       seconds (or until killed) flip the
 *                                       NUL of the string at REF between
 *                                       '\0' and 'x' as fast as it can;
 *                                       leave the NUL in place at the end
 *   arenactl_helper section NAME [N]    N threads (default 1, at most 64)
 *                                       each enter a read-side section
 *                                       through a cache of their own; then
 *                                       print "ready PID"; on SIGUSR1 they
 *                                       leave them and "left" is printed;
 *                                       stay attached until killed
 *   arenactl_helper chan NAME KEY producer N
 *                                       open channel KEY as a producer,
 *                                       send N messages of 100 bytes
 *                                       (without waiting), print "ready
 *                                       PID", stay until killed
 *   arenactl_helper chan NAME KEY subscriber
 *   arenactl_helper chan NAME KEY member GROUP N
 *                                       open KEY as a subscriber, or as a
 *                                       member of GROUP (printing "joined
 *                                       PID") that receives up to N
 *                                       messages at once (waiting 5 s at
 *                                       most) and holds them; print "ready
 *                                       PID", stay until killed
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"

/* unescape -- decode \n, \t, \e, \\ and \xHH in S, in place. */
static char *unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] != '\\' || r[1] == '\0') {
			*w++ = *r++;
			continue;
		}
		switch (r[1]) {
		case 'n': *w++ = '\n'; r += 2; break;
		case 't': *w++ = '\t'; r += 2; break;
		case 'e': *w++ = '\033'; r += 2; break;
		case '\\': *w++ = '\\'; r += 2; break;
		case 'x': {
			char hex[3] = { r[2], r[2] ? r[3] : '\0', '\0' };

			*w++ = (char)strtoul(hex, NULL, 16);
			r += 2 + strlen(hex);
			break;
		}
		default: *w++ = *r++; break;
		}
	}
	*w = '\0';
	return s;
}

/* flip -- toggle the byte at P between '\0' and 'x' for SECS seconds;
 * leave '\0'.  Volatile: every store must reach the shared page. */
static void flip(volatile char *p, double secs)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 1;; i++) {
		*p = (i & 1) ? 'x' : '\0';
		if ((i & 0xffff) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) +
			    (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
				break;
		}
	}
	*p = '\0';
}

/* Threads of "section": each enters a section, reports, waits for the
 * word to leave, leaves. */
struct reader {
	pthread_t t;
	arena_t *a;
	int err;                /* errno of a failed call, else 0 */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int entered, leave;

static void *reader(void *arg)
{
	struct reader *r = arg;
	struct arena_local l;

	if (arena_local_init(&l, r->a, 0) < 0 || arena_section_enter(&l) < 0)
		r->err = errno;
	pthread_mutex_lock(&mu);
	entered++;
	pthread_cond_broadcast(&cv);
	while (!leave && r->err == 0)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (r->err == 0 && arena_section_leave(&l) < 0)
		r->err = errno;
	return NULL;
}

/* sections -- the "section" mode with N threads; the exit status. */
static int sections(arena_t *a, long n)
{
	struct reader r[64];
	sigset_t set;
	int sig;

	if (n < 1 || n > 64) {
		fprintf(stderr, "arenactl_helper: 1 to 64 threads\n");
		return 2;
	}
	/* SIGUSR1 waits for sigwait(), in every thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (long i = 0; i < n; i++) {
		r[i].a = a;
		r[i].err = 0;
		if (pthread_create(&r[i].t, NULL, reader, &r[i]) != 0) {
			fprintf(stderr, "arenactl_helper: pthread_create\n");
			return 1;
		}
	}
	pthread_mutex_lock(&mu);
	while (entered < n)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (long i = 0; i < n; i++)
		if (r[i].err != 0) {
			errno = r[i].err;
			fprintf(stderr, "arenactl_helper: section enter in %s: %s\n",
			        arena_name(a), strerror(errno));
			return 1;
		}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	pthread_mutex_lock(&mu);
	leave = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (long i = 0; i < n; i++) {
		pthread_join(r[i].t, NULL);
		if (r[i].err != 0) {
			fprintf(stderr, "arenactl_helper: section leave in %s: %s\n",
			        arena_name(a), strerror(r[i].err));
			return 1;
		}
	}
	printf("left\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* die -- report a failed call on NAME; exit 1. */
static int die(const char *what, const char *name)
{
	fprintf(stderr, "arenactl_helper: %s %s: %s\n", what, name,
	        strerror(errno));
	return 1;
}

/* chan -- the chan command: ARGV is KEY ROLE [GROUP] [N]. */
static int chan(arena_t *a, int argc, char **argv, const char *name)
{
	static const struct timespec zero = { 0, 0 }, five = { 5, 0 };
	static char buf[100];
	struct arena_msg m[256];
	arena_chan_t *c;

	if (strcmp(argv[1], "producer") == 0 && argc == 3) {
		long n = strtol(argv[2], NULL, 10);

		c = arena_chan_open(a, argv[0], ARENA_CHAN_PRODUCER, NULL);
		if (c == NULL)
			return die("chan_open in", name);
		for (long i = 0; i < n; i++) {
			memset(buf, 'a' + (int)(i % 26), sizeof(buf));
			if (arena_chan_send(c, buf, sizeof(buf), &zero) < 0)
				return die("chan_send in", name);
		}
	} else if (strcmp(argv[1], "subscriber") == 0 && argc == 2) {
		c = arena_chan_open(a, argv[0], ARENA_CHAN_SUBSCRIBER, NULL);
		if (c == NULL)
			return die("chan_open in", name);
	} else if (strcmp(argv[1], "member") == 0 && argc == 4) {
		long n = strtol(argv[3], NULL, 10);

		c = arena_chan_open(a, argv[0], ARENA_CHAN_MEMBER, argv[2]);
		if (c == NULL)
			return die("chan_open in", name);
		printf("joined %ld\n", (long)getpid());
		fflush(stdout);
		if (n > 0 && arena_chan_recvv(c, m, (size_t)n, &five) < 0)
			return die("chan_recvv in", name);
	} else {
		fprintf(stderr, "arenactl_helper: bad chan arguments\n");
		return 2;
	}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	arena_t *a;

	if (argc < 3) {
		fprintf(stderr, "usage: arenactl_helper "
		        "hold|put|publish|alloc|flip|section|chan NAME ...\n");
		return 2;
	}
	a = arena_attach(argv[2], 0);
	if (a == NULL)
		return die("attach", argv[2]);
	if (strcmp(argv[1], "hold") == 0 && argc == 3) {
		printf("ready %ld\n", (long)getpid());
		fflush(stdout);
		for (;;)
			pause();
	} else if (strcmp(argv[1], "section") == 0 && (argc == 3 || argc == 4)) {
		return sections(a, argc == 4 ? strtol(argv[3], NULL, 10) : 1);
	} else if (strcmp(argv[1], "put") == 0 && argc == 5) {
		char *key = unescape(argv[3]);
		arena_ref_t r = arena_strdup(a, unescape(argv[4]));

		if (r == ARENA_NULL)
			return die("strdup in", argv[2]);
		if (arena_publish(a, key, r) < 0)
			return die("publish in", argv[2]);
		printf("0x%" PRIx64 "\n", r);
	} else if (strcmp(argv[1], "publish") == 0 && argc == 4) {
		long n = strtol(argv[3], NULL, 10);

		for (long i = 0; i < n; i++) {
			char key[32], val[32];
			arena_ref_t r;

			snprintf(key, sizeof(key), "key-%ld", i);
			snprintf(val, sizeof(val), "value-%ld", i);
			r = arena_strdup(a, val);
			if (r == ARENA_NULL || arena_publish(a, key, r) < 0)
				return die("publish in", argv[2]);
		}
	} else if (strcmp(argv[1], "alloc") == 0 && argc == 4) {
		arena_ref_t r = arena_alloc(a, strtoull(argv[3], NULL, 0), 1);

		if (r == ARENA_NULL)
			return die("alloc in", argv[2]);
		printf("0x%" PRIx64 "\n", r);
	} else if (strcmp(argv[1], "flip") == 0 && argc == 5) {
		arena_ref_t r = strtoull(argv[3], NULL, 0);
		const char *s = arena_get_str(a, r);

		if (s == NULL)
			return die("get_str in", argv[2]);
		printf("ready %ld\n", (long)getpid());
		fflush(stdout);
		/* The read-write mapping holds the string: write its NUL. */
		flip((volatile char *)arena_get(a, r, strlen(s) + 1) + strlen(s),
		     strtod(argv[4], NULL));
	} else if (strcmp(argv[1], "chan") == 0 && argc >= 5) {
		return chan(a, argc - 3, argv + 3, argv[2]);
	} else {
		fprintf(stderr, "arenactl_helper: bad arguments\n");
		arena_detach(a);
		return 2;
	}
	arena_detach(a);
	return 0;
}
