/*
 * stress - the crash storm.  Many worker processes attach one arena by
 * name and allocate, fill, verify and publish objects, while this driver
 * kills random workers with SIGKILL at random moments and starts new ones,
 * and now and then forces a reset.  Afterwards it checks that every object
 * of the current generation is intact, that no two overlap, that the
 * process table holds no dead peer once reaped, that arena_check() finds
 * nothing, and prints what it did.
 *
 *   stress [-d SECONDS] [-p PROCESSES] [-c CAPACITY_MIB] [-s SEED] [-a ARENACTL]
 *
 * With -a, the arenactl at that path must also report the segment sound.
 *
 * A forced reset while workers write would let a straggler write into the
 * new generation (that is what FORCE means).  So the resetter first pauses
 * the workers: each acknowledges between two objects, never inside one,
 * and a worker killed while paused is fine.  Allocations racing a reset are
 * tested by tests/check_multiproc.c.
 *
 * Exit status 0 when every check passed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <urcu/uatomic.h>

#include "arena.h"

#define MAX_WORKERS 64
#define MAX_RECORDS (1u << 20)
#define REC_ALLOC  1u
#define REC_FILLED 2u

struct record {
	uint64_t ref;
	uint32_t size;
	uint32_t state;
};

/* Shared between the driver and its workers (anonymous shared mapping). */
struct control {
	uint32_t pause;                   /* a reset is coming: stop between objects */
	uint32_t epoch;                   /* pause round */
	uint32_t ack[MAX_WORKERS];        /* epoch a worker has paused for */
	uint64_t allocs;                  /* successful allocations */
	uint64_t enomem;                  /* refused for want of room */
	uint64_t published;
	uint64_t self_checked;            /* objects a worker re-verified */
	uint64_t corrupt;                 /* found by workers */
	uint32_t nrec;
	struct record rec[MAX_RECORDS];
};

static struct control *ctl;
static char name[64];

/* fill_byte -- the content of byte I of the object REF. */
static unsigned char fill_byte(uint64_t ref, uint32_t i)
{
	uint64_t x = (ref ^ (ref >> 29)) * UINT64_C(0x9e3779b97f4a7c15) + i;

	return (unsigned char)(x >> 56);
}

/* intact -- whether the SIZE bytes at P are what object REF was filled with. */
static int intact(const unsigned char *p, uint64_t ref, uint32_t size)
{
	for (uint32_t i = 0; i < size; i++)
		if (p[i] != fill_byte(ref, i))
			return 0;
	return 1;
}

/* rnd -- xorshift64. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* worker -- allocate, fill, verify, publish until killed. */
static void worker(unsigned slot, uint64_t seed)
{
	struct arena_local l;
	arena_t *a;
	unsigned n = 0;
	int use_local = (int)(seed & 1);

	a = arena_attach(name, 0);
	if (a == NULL || arena_local_init(&l, a, 0) < 0) {
		perror("stress: worker attach");
		_exit(3);
	}
	for (;;) {
		uint32_t size, align, idx;
		unsigned char *p;
		arena_ref_t r;

		if (uatomic_read(&ctl->pause)) {
			/* Between objects: nothing of ours is half written. */
			arena_local_flush(&l);
			do {    /* ack every round, even one begun meanwhile */
				uatomic_set(&ctl->ack[slot], uatomic_read(&ctl->epoch));
				usleep(200);
			} while (uatomic_read(&ctl->pause));
			continue;
		}
		size = 1 + (uint32_t)(rnd(&seed) % 512);
		align = 1u << (rnd(&seed) % 7);
		idx = uatomic_add_return(&ctl->nrec, 1) - 1;
		if (idx >= MAX_RECORDS) {
			usleep(1000);
			continue;
		}
		r = use_local ? arena_local_alloc(&l, size, align)
		              : arena_alloc(a, size, align);
		if (r == ARENA_NULL) {
			uatomic_inc(&ctl->enomem);
			usleep(100);
			continue;
		}
		uatomic_inc(&ctl->allocs);
		/* The record may be reused after a wrap: invalidate it first. */
		uatomic_set(&ctl->rec[idx].state, 0);
		cmm_smp_wmb();
		uatomic_set(&ctl->rec[idx].size, size);
		uatomic_set(&ctl->rec[idx].ref, r);
		uatomic_set(&ctl->rec[idx].state, REC_ALLOC);
		p = arena_ptr(a, r);
		for (uint32_t i = 0; i < size; i++)
			p[i] = fill_byte(r, i);
		if (!intact(p, r, size))
			uatomic_inc(&ctl->corrupt);
		cmm_smp_wmb();
		uatomic_set(&ctl->rec[idx].state, REC_FILLED);
		if (++n % 16 == 0) {
			char key[ARENA_KEY_MAX + 1];

			snprintf(key, sizeof(key), "w%u.%u", slot, n / 16 % 8);
			if (arena_publish(a, key, r) == 0)
				uatomic_inc(&ctl->published);
		}
		if (n % 8 == 0) {
			/* Re-verify an earlier object of the current generation;
			 * a record rewritten meanwhile is not a finding. */
			uint32_t j = (uint32_t)(rnd(&seed) % (idx + 1));
			uint32_t s1 = uatomic_read(&ctl->rec[j].state), sz;
			uint64_t rr;
			const unsigned char *q;

			cmm_smp_rmb();
			rr = uatomic_read(&ctl->rec[j].ref);
			sz = uatomic_read(&ctl->rec[j].size);
			q = s1 == REC_FILLED ? arena_get(a, rr, sz) : NULL;
			if (q != NULL) {
				int ok = intact(q, rr, sz);

				cmm_smp_rmb();
				if (uatomic_read(&ctl->rec[j].state) == REC_FILLED &&
				    uatomic_read(&ctl->rec[j].ref) == rr) {
					uatomic_inc(&ctl->self_checked);
					if (!ok)
						uatomic_inc(&ctl->corrupt);
				}
			}
		}
	}
}

static pid_t pids[MAX_WORKERS];
static unsigned nworkers;
static uint64_t started, killed;

/* spawn -- start the worker of SLOT. */
static void spawn(unsigned slot, uint64_t seed)
{
	pid_t p = fork();

	if (p == 0)
		worker(slot, seed);
	if (p < 0) {
		perror("stress: fork");
		pids[slot] = 0;
		return;
	}
	pids[slot] = p;
	started++;
}

/* ms_sleep -- sleep MS milliseconds. */
static void ms_sleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* reap_worker -- a worker found dead on its own is a failure. */
static int reap_worker(unsigned i)
{
	int st;

	if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
		fprintf(stderr, "stress: worker pid %d ended by itself (status %#x)\n",
		        (int)pids[i], st);
		pids[i] = 0;
		return 1;
	}
	return 0;
}

/* pause_all -- stop every live worker between objects; 0 when all acked. */
static int pause_all(void)
{
	uint32_t ep = uatomic_read(&ctl->epoch) + 1;

	uatomic_set(&ctl->epoch, ep);
	cmm_smp_mb();
	uatomic_set(&ctl->pause, 1);
	for (int tries = 0; tries < 5000; tries++) {
		unsigned waiting = 0;

		for (unsigned i = 0; i < nworkers; i++)
			if (pids[i] > 0 && uatomic_read(&ctl->ack[i]) != ep)
				waiting++;
		if (waiting == 0)
			return 0;
		ms_sleep(1);
	}
	fprintf(stderr, "stress: workers did not pause within 5 s\n");
	return -1;
}

/* cmp_rec -- order records by offset. */
static int cmp_rec(const void *x, const void *y)
{
	uint64_t a = ARENA_REF_OFFSET(((const struct record *)x)->ref);
	uint64_t b = ARENA_REF_OFFSET(((const struct record *)y)->ref);

	return a < b ? -1 : a > b;
}

/* verify -- the final checks; the number of failures. */
static int verify(arena_t *a)
{
	struct arena_stat st;
	struct arena_proc procs[MAX_WORKERS * 2 + 8];
	struct arena_dirent dir[256];
	struct record *cur;
	uint64_t gen, intact_n = 0, stale_n = 0, n = 0;
	uint32_t total = uatomic_read(&ctl->nrec);
	int fails = 0, np, nd, errors;

	if (total > MAX_RECORDS)
		total = MAX_RECORDS;
	/* A read-write stat reaps the entries of the killed workers. */
	arena_stat(a, &st);
	np = arena_procs(a, procs, sizeof(procs) / sizeof(procs[0]));
	for (int i = 0; i < np; i++)
		if (procs[i].pid != getpid() || !procs[i].alive) {
			fprintf(stderr, "stress: process table still holds pid %d (%s)\n",
			        (int)procs[i].pid, procs[i].alive ? "live" : "dead");
			fails++;
		}
	gen = st.generation;
	cur = malloc(sizeof(*cur) * (total ? total : 1));
	if (cur == NULL)
		return 1;
	for (uint32_t i = 0; i < total; i++) {
		struct record r = ctl->rec[i];

		if (r.state == 0)
			continue;
		if (ARENA_REF_GENERATION(r.ref) != gen) {
			if (arena_get(a, r.ref, 1) != NULL || errno != ESTALE) {
				fprintf(stderr, "stress: old reference %#llx not stale\n",
				        (unsigned long long)r.ref);
				fails++;
			}
			stale_n++;
			continue;
		}
		if (arena_get(a, r.ref, r.size) == NULL) {
			fprintf(stderr, "stress: reference %#llx size %u out of range\n",
			        (unsigned long long)r.ref, r.size);
			fails++;
			continue;
		}
		if (r.state == REC_FILLED) {
			if (!intact(arena_ptr(a, r.ref), r.ref, r.size)) {
				fprintf(stderr, "stress: object %#llx size %u corrupt\n",
				        (unsigned long long)r.ref, r.size);
				fails++;
			} else {
				intact_n++;
			}
		}
		cur[n++] = r;
	}
	qsort(cur, n, sizeof(*cur), cmp_rec);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = ARENA_REF_OFFSET(cur[i].ref);

		if (off < st.header_size || off + cur[i].size > st.segment_size) {
			fprintf(stderr, "stress: object at %llu leaves the region\n",
			        (unsigned long long)off);
			fails++;
		}
		if (i + 1 < n && off + cur[i].size > ARENA_REF_OFFSET(cur[i + 1].ref)) {
			fprintf(stderr, "stress: objects at %llu and %llu overlap\n",
			        (unsigned long long)off,
			        (unsigned long long)ARENA_REF_OFFSET(cur[i + 1].ref));
			fails++;
		}
	}
	free(cur);
	/* Published references are of this generation and intact. */
	nd = arena_dir_list(a, dir, 256);
	for (int i = 0; i < nd && i < 256; i++) {
		uint64_t found = 0;

		for (uint32_t j = 0; j < total; j++)
			if (ctl->rec[j].ref == dir[i].ref)
				found = 1;
		if (ARENA_REF_GENERATION(dir[i].ref) != gen || !found) {
			fprintf(stderr, "stress: directory entry %s -> %#llx unknown\n",
			        dir[i].key, (unsigned long long)dir[i].ref);
			fails++;
		}
	}
	errors = arena_check(a, NULL, NULL);
	if (errors != 0) {
		fprintf(stderr, "stress: arena_check found %d errors\n", errors);
		fails++;
	}
	printf("stress: verified %llu intact objects of generation %llu, "
	       "%llu references stale as they should be, %d directory entries, "
	       "%llu objects in the overlap check\n",
	       (unsigned long long)intact_n, (unsigned long long)gen,
	       (unsigned long long)stale_n, nd, (unsigned long long)n);
	return fails;
}

/* cleanup -- unlink the segment at exit, whatever happened. */
static void cleanup(void)
{
	arena_unlink(name);
}

int main(int argc, char **argv)
{
	unsigned seconds = 5, procs = 6, cap_mib = 32;
	uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid(), resets = 0;
	const char *arenactl = NULL;
	struct timespec t0, t;
	arena_t *a;
	int opt, fails = 0;

	while ((opt = getopt(argc, argv, "d:p:c:s:a:")) != -1) {
		switch (opt) {
		case 'd': seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': procs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': cap_mib = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'a': arenactl = optarg; break;
		default:
			fprintf(stderr, "usage: stress [-d SECONDS] [-p PROCESSES] "
			        "[-c CAPACITY_MIB] [-s SEED] [-a ARENACTL]\n");
			return 2;
		}
	}
	if (procs < 1 || procs > MAX_WORKERS || seconds < 1 || cap_mib < 1) {
		fprintf(stderr, "stress: 1 to %d processes, at least 1 second "
		        "and 1 MiB\n", MAX_WORKERS);
		return 2;
	}
	nworkers = procs;
	printf("stress: %u workers, %u s, %u MiB, seed %#llx\n", procs, seconds,
	       cap_mib, (unsigned long long)seed);
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
	           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED) {
		perror("stress: mmap");
		return 1;
	}
	snprintf(name, sizeof(name), "arena-test-stress-%d", (int)getpid());
	{
		struct arena_options o = { 0 };

		o.proc_slots = 2 * procs + 4;
		a = arena_create(name, (size_t)cap_mib << 20, &o);
	}
	if (a == NULL) {
		perror("stress: arena_create");
		return 1;
	}
	atexit(cleanup);
	for (unsigned i = 0; i < procs; i++)
		spawn(i, rnd(&seed) | 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned i;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= (time_t)seconds)
			break;
		ms_sleep(5 + (unsigned)(rnd(&seed) % 40));
		for (i = 0; i < procs; i++)
			fails += reap_worker(i);
		/* Kill one at a random moment, start another in its place. */
		i = (unsigned)(rnd(&seed) % procs);
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			killed++;
		}
		uatomic_set(&ctl->ack[i], 0);
		spawn(i, rnd(&seed) | 1);
		/* Now and then, or when full, a forced reset. */
		if (rnd(&seed) % 10 == 0 || uatomic_read(&ctl->enomem) > 0) {
			if (pause_all() < 0) {
				fails++;
				break;
			}
			if (arena_reset(a, ARENA_RESET_FORCE) < 0) {
				perror("stress: arena_reset");
				fails++;
			} else {
				resets++;
			}
			uatomic_set(&ctl->enomem, 0);
			/* Keep older generations' records while there is room. */
			if (uatomic_read(&ctl->nrec) >= MAX_RECORDS / 4 * 3)
				uatomic_set(&ctl->nrec, 0);
			uatomic_set(&ctl->pause, 0);
		}
	}
	/* A last round with no reset, so the final generation has objects;
	 * then stop everyone between objects, and kill them all. */
	ms_sleep(50);
	if (pause_all() < 0)
		fails++;
	for (unsigned i = 0; i < procs; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			killed++;
		}
	printf("stress: %llu processes started, %llu killed with SIGKILL, "
	       "%llu allocations, %llu forced resets, %llu publications, "
	       "%llu objects re-verified by workers\n",
	       (unsigned long long)started, (unsigned long long)killed,
	       (unsigned long long)uatomic_read(&ctl->allocs),
	       (unsigned long long)resets,
	       (unsigned long long)uatomic_read(&ctl->published),
	       (unsigned long long)uatomic_read(&ctl->self_checked));
	if (uatomic_read(&ctl->corrupt) != 0) {
		fprintf(stderr, "stress: workers saw %llu corrupt objects\n",
		        (unsigned long long)uatomic_read(&ctl->corrupt));
		fails++;
	}
	fails += verify(a);
	if (arenactl != NULL) {
		char cmd[512];
		int rc;

		snprintf(cmd, sizeof(cmd), "%s check %s", arenactl, name);
		fflush(stdout);
		rc = system(cmd);
		if (rc != 0) {
			fprintf(stderr, "stress: '%s' exited with %#x\n", cmd, rc);
			fails++;
		}
	}
	arena_detach(a);
	printf("stress: %s\n", fails ? "FAILED" : "all checks passed");
	return fails ? 1 : 0;
}
