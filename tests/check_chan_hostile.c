/*
 * check_chan_hostile.c - channels against peers that write nonsense into
 * a channel's shared words (issue 10, "Crash safety and hostile peers"):
 * calls fail with the documented errors, never crash, hang, or hand out
 * memory outside the mapping.
 *
 * hostile_peer: an attacker process maps /dev/shm/NAME on its own (open
 * and mmap) and keeps writing adversarial values into the channel's
 * control block: the tail, the waiting words and the gaps counter, the
 * producer, receiver and group entries, the descriptors, and now and then
 * the identity line (put back soon after, so that joins can succeed).
 * Meanwhile victims, two producers, two subscribers and a group member,
 * each in its own process attached by name, claim (claimv, zero or short
 * timeouts) and write the whole claimed space, commit or abort, receive
 * (recvv, recv_copy) and read every byte received, release, stat, leave
 * and join again.  Every pointer handed out must lie inside the mapping
 * (arena_mapping()); every failure must have an errno of the documented
 * set; every round is bounded by alarm() (a hang is a SIGALRM).  The test
 * also repairs the channel at the end and checks that it is usable again.
 * HOSTILE_SECONDS sets the duration (2 s by default; make hostile: 60).
 *
 * mutations: deterministic fuzzing.  A valid channel with a producer, a
 * subscriber holding a message, a group member and committed messages in
 * the ring is saved; for each seed the saved control block (everything
 * before the data ring) is put back, 1 to 8 mutations are applied (bytes,
 * words, copies of other words, nearby positions), and then stat, open of
 * every role, recv/recvv/recv_copy on the handles that were open, and
 * claim/claimv/send/commit/abort run with zero timeouts: errors only, no
 * crash, pointers inside the mapping.  CHAN_FUZZ_SEEDS seeds run (4000 by
 * default, 400 when CK_TIMEOUT_MULTIPLIER is set, as under valgrind); the
 * ASan build (CI's test-suites) runs them with its checks.
 */
#include <limits.h>
#include <sched.h>
#include <stdarg.h>

#include "testutil.h"
#include "../lib/format.h"

#define KEY "hc"

static const struct timespec zero = { 0, 0 }, short_wait = { 0, 5000000 };

/* ---- findings ------------------------------------------------------------ */

struct book {
	uint32_t findings;
	char first[TU_FIRST_LEN];
	uint64_t calls, fails, msgs, claims, opens, open_fails, writes;
	int stop;
	int phase[8];           /* the call each victim is in */
};

static struct book *bk;

__attribute__((format(printf, 1, 2)))
static void finding(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tu_vrecord(&bk->findings, bk->first, "chan hostile", fmt, ap);
	va_end(ap);
}

/* The errors a call may give when peers scribble. */
static int err_ok(int e)
{
	return e == EAGAIN || e == ETIMEDOUT || e == EBADMSG;
}

static int open_err_ok(int e)
{
	return e == EBADMSG || e == EUSERS || e == EMEDIUMTYPE ||
	       e == EPROTONOSUPPORT;
}

static int inside(const void *p, size_t len, const unsigned char *base,
                  size_t maplen)
{
	const unsigned char *q = p;

	return q >= base && len <= maplen && (size_t)(q - base) <= maplen - len;
}

/* ---- the calls, checked -------------------------------------------------- */

struct ctx {
	arena_t *a;
	unsigned char *base;
	size_t maplen;
	uint32_t max_msg;
	const char *who;
};

enum { C_CLAIM = 1, C_COMMIT, C_RECV, C_RECVCOPY, C_STAT, C_OPEN, C_CLOSE };

/* produce -- one claim (claimv of 1..4), written whole, committed or
 * aborted.  T: the timeout. */
static void produce(struct ctx *x, arena_chan_t *p, uint64_t *rng,
                    const struct timespec *t)
{
	size_t lens[4];
	void *ms[4];
	unsigned n = 1 + (unsigned)(tu_rand(rng) % 4);
	int k;

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = tu_rand(rng);
		lens[i] = r % 8 == 0 ? x->max_msg - (r >> 8) % 16
		        : r % 8 == 1 ? 0 : (r >> 8) % 300;
	}
	k = arena_chan_claimv(p, n, lens, ms, t);
	if (k < 0) {
		bk->fails++;
		if (!err_ok(errno))
			finding("%s: claimv: errno %d (%s)", x->who, errno,
			        strerror(errno));
		return;
	}
	if (k == 0 || (unsigned)k > n) {
		finding("%s: claimv(%u) returned %d", x->who, n, k);
		return;
	}
	bk->claims++;
	for (int i = 0; i < k; i++) {
		if (!inside(ms[i], lens[i], x->base, x->maplen) ||
		    (uintptr_t)ms[i] % 8 != 0) {
			finding("%s: claimv gave %p + %zu, mapping %p + %zu",
			        x->who, ms[i], lens[i], (void *)x->base,
			        x->maplen);
			(void)arena_chan_abort(p);
			return;
		}
		memset(ms[i], 0x5a, lens[i]);
	}
	if ((tu_rand(rng) % 8 == 0 ? arena_chan_abort(p) : arena_chan_commit(p))
	    < 0)
		finding("%s: commit/abort: %s", x->who, strerror(errno));
}

/* consume -- one receive (recvv of 1..8, or recv_copy), every byte read. */
static void consume(struct ctx *x, arena_chan_t *c, uint64_t *rng,
                    const struct timespec *t)
{
	struct arena_msg m[8];
	unsigned n = 1 + (unsigned)(tu_rand(rng) % 8);
	volatile unsigned char sink = 0;
	int k;

	if (tu_rand(rng) % 4 == 0) {
		static unsigned char buf[1 << 20];
		size_t cap = tu_rand(rng) % 2 ? sizeof buf : 16;
		ssize_t r = arena_chan_recv_copy(c, buf, cap, t);

		if (r < 0 && !err_ok(errno) && errno != EMSGSIZE)
			finding("%s: recv_copy: errno %d (%s)", x->who, errno,
			        strerror(errno));
		if (r > (ssize_t)cap)
			finding("%s: recv_copy returned %zd > %zu", x->who, r,
			        cap);
		return;
	}
	k = arena_chan_recvv(c, m, n, t);
	if (k < 0) {
		bk->fails++;
		if (!err_ok(errno))
			finding("%s: recvv: errno %d (%s)", x->who, errno,
			        strerror(errno));
		return;
	}
	if (k == 0 || (unsigned)k > n) {
		finding("%s: recvv(%u) returned %d", x->who, n, k);
		return;
	}
	for (int i = 0; i < k; i++) {
		if (!inside(m[i].data, m[i].len, x->base, x->maplen) ||
		    m[i].len > x->max_msg) {
			finding("%s: recvv gave %p + %zu, mapping %p + %zu",
			        x->who, m[i].data, m[i].len, (void *)x->base,
			        x->maplen);
			return;
		}
		for (size_t j = 0; j < m[i].len; j++)
			sink ^= ((const unsigned char *)m[i].data)[j];
		bk->msgs++;
	}
	(void)sink;
	if (tu_rand(rng) % 2)
		(void)arena_chan_release(c);
}

static void stat_checked(struct ctx *x)
{
	struct arena_chan_stat st;
	struct arena_chan_peer peers[40];
	size_t np = 40;

	if (arena_chan_stat(x->a, KEY, &st, peers, &np) < 0) {
		if (!open_err_ok(errno) || errno == EUSERS)
			finding("%s: stat: errno %d (%s)", x->who, errno,
			        strerror(errno));
		return;
	}
	if (np > (size_t)st.producers + st.receivers + st.groups)
		finding("%s: stat: %zu peers of %u entries", x->who, np,
		        st.producers + st.receivers + st.groups);
	for (size_t i = 0; i < np && i < 40; i++)
		if (memchr(peers[i].group, 0, sizeof peers[i].group) == NULL)
			finding("%s: stat: group name not terminated", x->who);
}

static arena_chan_t *open_checked(struct ctx *x, unsigned role)
{
	arena_chan_t *c = arena_chan_open(x->a, KEY, role,
	                                  role == ARENA_CHAN_MEMBER ? "grp"
	                                                            : NULL);

	bk->opens++;
	if (c == NULL) {
		bk->open_fails++;
		if (!open_err_ok(errno))
			finding("%s: open(role %u): errno %d (%s)", x->who, role,
			        errno, strerror(errno));
	}
	return c;
}

/* ---- hostile_peer ---------------------------------------------------------- */

struct hp {
	char name[TU_NAME_LEN];
	uint64_t off;           /* the channel object, from the segment start */
	uint32_t desc_off, data_off, slots, np, nr, ng;
	size_t seg;
};

static struct hp *hp;

static int victim_main(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	unsigned role = id < 2 ? ARENA_CHAN_PRODUCER
	              : id < 4 ? ARENA_CHAN_SUBSCRIBER : ARENA_CHAN_MEMBER;
	uint64_t rng = tu_mix(id + 1);
	struct ctx x;
	char who[32];
	arena_chan_t *c = NULL;
	void *base;

	snprintf(who, sizeof who, "victim %u (role %u)", id, role);
	x.who = who;
	x.a = arena_attach(hp->name, 0);
	if (x.a == NULL) {
		finding("%s: attach: %s", who, strerror(errno));
		return 1;
	}
	(void)arena_mapping(x.a, &base, &x.maplen);
	x.base = base;
	x.max_msg = (1u << 16) / 4;
	while (!__atomic_load_n(&bk->stop, __ATOMIC_RELAXED)) {
		uint64_t r = tu_rand(&rng);
		const struct timespec *t = r % 4 == 0 ? &short_wait : &zero;

		alarm(5);               /* a hang is a SIGALRM */
		if (c == NULL) {
			bk->phase[id] = C_OPEN;
			c = open_checked(&x, role);
			if (c == NULL) {
				tu_sleep_ms(1);
				continue;
			}
		}
		if (r % 64 == 1) {
			bk->phase[id] = C_STAT;
			stat_checked(&x);
		} else if (r % 128 == 2) {
			bk->phase[id] = C_CLOSE;
			if (arena_chan_close(c) < 0)
				finding("%s: close: %s", who, strerror(errno));
			c = NULL;
		} else if (role == ARENA_CHAN_PRODUCER) {
			bk->phase[id] = C_CLAIM;
			produce(&x, c, &rng, t);
		} else {
			bk->phase[id] = C_RECV;
			consume(&x, c, &rng, t);
		}
		__atomic_fetch_add(&bk->calls, 1, __ATOMIC_RELAXED);
		bk->phase[id] = 0;
	}
	alarm(0);
	if (c != NULL && arena_chan_close(c) < 0)
		finding("%s: close: %s", who, strerror(errno));
	arena_detach(x.a);
	return 0;
}

/* evil -- a value for a word of the channel: random, extremes, or near
 * the current tail (sequence numbers and byte positions a little off). */
static uint64_t evil(uint64_t *rng, uint64_t tail)
{
	uint64_t r = tu_rand(rng), v = tu_rand(rng);

	switch (r % 12) {
	case 0: return 0;
	case 1: return ~(uint64_t)0;
	case 2: return v;
	case 3: return v & 0xff;
	case 4: return tail;
	case 5: return tail + ((v % 64) << 32) + v % 4096;
	case 6: return tail - ((v % 64) << 32) - v % 4096;
	case 7: return tail ^ ((uint64_t)1 << (v % 64));
	case 8: return ((v % 0x100000000) << 32) | (uint32_t)tail;
	case 9: return ((uint64_t)(uint32_t)(tail >> 32) << 32) | (uint32_t)v;
	case 10: return (uint64_t)(0x7fffffff + v % 3) << 32;
	default: return v % 0x10001;
	}
}

static int attacker_main(void *arg)
{
	int fd;
	unsigned char *m, *ch;
	uint64_t rng = 0x5eed, saved_id[8];
	(void)arg;

	{
		char path[TU_NAME_LEN + 16];

		tu_path(path, sizeof path, hp->name);
		fd = open(path, O_RDWR);
	}
	if (fd < 0)
		return tu_fail(1, "attacker: open: %s", strerror(errno));
	m = mmap(NULL, hp->seg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return tu_fail(2, "attacker: mmap: %s", strerror(errno));
	ch = m + hp->off;
	memcpy(saved_id, ch, sizeof saved_id);
	while (!__atomic_load_n(&bk->stop, __ATOMIC_RELAXED)) {
		uint64_t r = tu_rand(&rng);
		uint64_t tail = __atomic_load_n((uint64_t *)(void *)(ch + 64),
		                                __ATOMIC_RELAXED);
		uint32_t ents = 256 + 64 * (hp->np + hp->nr + hp->ng);
		uint64_t at;

		switch (r % 10) {
		case 0:         /* the tail */
			at = 64;
			break;
		case 1:         /* waiting words, gaps */
			at = 128 + 8 * ((r >> 8) % 3);
			break;
		case 2: case 3: case 4:     /* an entry's word */
			at = 256 + 8 * ((r >> 8) % ((ents - 256) / 8));
			break;
		case 5: case 6: case 7: case 8:   /* a descriptor */
			at = hp->desc_off + 16 * ((r >> 8) % hp->slots) +
			     ((r >> 40) % 2) * 8;
			break;
		default:        /* the identity line, put back soon */
			at = 8 * ((r >> 8) % 8);
			__atomic_store_n((uint64_t *)(void *)(ch + at),
			                 evil(&rng, tail), __ATOMIC_RELAXED);
			for (volatile int i = 0; i < 20000; i++)
				;
			memcpy(ch, saved_id, sizeof saved_id);
			bk->writes++;
			continue;
		}
		if ((r >> 60) % 2)
			__atomic_store_n((uint32_t *)(void *)(ch + at + 4 * ((r >> 59) % 2)),
			                 (uint32_t)evil(&rng, tail), __ATOMIC_RELAXED);
		else
			__atomic_store_n((uint64_t *)(void *)(ch + at),
			                 evil(&rng, tail), __ATOMIC_RELAXED);
		bk->writes++;
		if (r % 5 == 0)
			sched_yield();
	}
	memcpy(ch, saved_id, sizeof saved_id);
	munmap(m, hp->seg);
	close(fd);
	return 0;
}

static double hostile_seconds(void)
{
	const char *e = getenv("HOSTILE_SECONDS");
	double s = e != NULL ? atof(e) : 2;

	return s > 0 ? s : 2;
}

static const char *phase_name(int p)
{
	static const char *const n[] = { "-", "claim", "commit", "recv",
	                                  "recv_copy", "stat", "open", "close" };

	return p >= 0 && p < 8 ? n[p] : "?";
}

START_TEST(hostile_peer)
{
	struct arena_options o = { 0 };
	struct arena_chan_config cfg = { .capacity = 1 << 16, .slots = 64,
	                                 .producers = 4, .receivers = 6,
	                                 .groups = 2 };
	double secs = hostile_seconds();
	pid_t vic[5], att;
	arena_t *a;
	struct fmt_chan *cb;

	bk = mmap(NULL, sizeof *bk, PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	hp = mmap(NULL, sizeof *hp, PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(bk != MAP_FAILED && hp != MAP_FAILED);
	o.perm_size = 1 << 20;
	o.proc_slots = 32;
	a = tu_create(tu_seg, 2 << 20, &o);
	ck_assert_int_eq(arena_chan_create(a, KEY, &cfg), 0);
	cb = arena_ptr(a, arena_lookup(a, KEY));
	snprintf(hp->name, sizeof hp->name, "%s", tu_seg);
	hp->off = (uint64_t)((unsigned char *)cb - tu_base(a));
	hp->desc_off = cb->desc_off;
	hp->data_off = cb->data_off;
	hp->slots = cb->slots;
	hp->np = cb->producers;
	hp->nr = cb->receivers;
	hp->ng = cb->groups;
	hp->seg = tu_stat(a).segment_size;

	for (unsigned i = 0; i < 5; i++)
		vic[i] = tu_fork(victim_main, (void *)(uintptr_t)i);
	att = tu_fork(attacker_main, NULL);
	tu_sleep_ms((unsigned)(secs * 1000));
	__atomic_store_n(&bk->stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < 6; i++) {
		pid_t pid = i < 5 ? vic[i] : att;
		double t0 = tu_now_ms();
		int st = 0;
		pid_t r;

		while ((r = waitpid(pid, &st, WNOHANG)) == 0 &&
		       tu_now_ms() - t0 < tu_ms(20000))
			tu_sleep_ms(5);
		if (r == 0) {
			finding("process %u does not stop (in %s)", i,
			        i < 5 ? phase_name(bk->phase[i]) : "attack");
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		} else if (WIFSIGNALED(st)) {
			finding("%s %u killed by signal %d (%s) in %s",
			        i < 5 ? "victim" : "attacker", i, WTERMSIG(st),
			        WTERMSIG(st) == SIGALRM ? "a hang" :
			        strsignal(WTERMSIG(st)),
			        i < 5 ? phase_name(bk->phase[i]) : "attack");
		} else if (WEXITSTATUS(st) != 0) {
			finding("process %u exited with %d", i, WEXITSTATUS(st));
		}
	}
	fprintf(stderr, "chan hostile_peer: %.1f s: %llu calls (%llu failed "
	        "as they may), %llu claims, %llu messages read, %llu opens "
	        "(%llu refused), %llu attacker writes\n", secs,
	        (unsigned long long)bk->calls, (unsigned long long)bk->fails,
	        (unsigned long long)bk->claims, (unsigned long long)bk->msgs,
	        (unsigned long long)bk->opens,
	        (unsigned long long)bk->open_fails,
	        (unsigned long long)bk->writes);
	ck_assert_msg(bk->findings == 0, "%u finding(s); the first: %s",
	              bk->findings, bk->first);
	ck_assert_msg(bk->calls > 100, "only %llu calls",
	              (unsigned long long)bk->calls);
	ck_assert_int_eq(arena_detach(a), 0);
	munmap(hp, sizeof *hp);
	munmap(bk, sizeof *bk);
}
END_TEST

/* ---- mutations ----------------------------------------------------------- */

static unsigned fuzz_seeds(void)
{
	const char *e = getenv("CHAN_FUZZ_SEEDS");
	const char *slow = getenv("CK_TIMEOUT_MULTIPLIER");
	long def = slow != NULL && atof(slow) > 1 ? 400 : 4000; /* valgrind */
	long n = e != NULL ? atol(e) : def;

	return n > 0 ? (unsigned)n : (unsigned)def;
}

static volatile uint64_t cur_seed;

static void on_crash(int sig)
{
	char buf[96];
	int n = snprintf(buf, sizeof buf, "chan mutations: signal %d at seed "
	                 "%llu\n", sig, (unsigned long long)cur_seed);

	if (write(2, buf, (size_t)n) < 0)
		_exit(3);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* mutate -- 1 to 8 damages to the control block CH of CTL bytes. */
static void mutate(unsigned char *ch, uint32_t ctl, uint32_t desc_off,
                   uint64_t *rng)
{
	unsigned n = 1 + (unsigned)(tu_rand(rng) % 8);
	uint64_t tail;

	memcpy(&tail, ch + 64, 8);
	for (unsigned i = 0; i < n; i++) {
		uint64_t r = tu_rand(rng);
		uint32_t at;

		/* Mostly the live words: tail, entries, descriptors. */
		switch (r % 6) {
		case 0: at = (uint32_t)((r >> 8) % ctl); break;
		case 1: at = 64; break;
		case 2: at = 128 + 8 * (uint32_t)((r >> 8) % 3); break;
		case 3: at = 256 + 8 * (uint32_t)((r >> 8) % ((desc_off - 256) / 8));
		        break;
		default: at = desc_off + 8 * (uint32_t)((r >> 8) %
		                                        ((ctl - desc_off) / 8));
		}
		switch ((r >> 40) % 5) {
		case 0:
			ch[at] = (unsigned char)(r >> 48);
			break;
		case 1:
			ch[at] ^= (unsigned char)(1u << ((r >> 48) % 8));
			break;
		default: {
			uint64_t v = evil(rng, tail);

			at &= ~7u;
			if (at + 8 <= ctl)
				memcpy(ch + at, &v, 8);
		}
		}
	}
}

START_TEST(mutations)
{
	struct arena_options o = { 0 };
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 16,
	                                 .producers = 2, .receivers = 3,
	                                 .groups = 2 };
	unsigned seeds = fuzz_seeds(), opened = 0, refused = 0, got = 0;
	arena_t *a;
	arena_chan_t *p, *s, *g;
	struct fmt_chan *cb;
	unsigned char *saved;
	uint32_t ctl;
	struct ctx x;
	void *base;
	struct arena_msg m;

	bk = mmap(NULL, sizeof *bk, PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(bk != MAP_FAILED);
	o.perm_size = 1 << 20;
	a = tu_create(tu_seg, 2 << 20, &o);
	ck_assert_int_eq(arena_chan_create(a, KEY, &cfg), 0);
	cb = arena_ptr(a, arena_lookup(a, KEY));
	ctl = cb->data_off;
	x.a = a;
	(void)arena_mapping(a, &base, &x.maplen);
	x.base = base;
	x.max_msg = 4096 / 4;
	x.who = "mutations";
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	saved = malloc(ctl);
	ck_assert_ptr_nonnull(saved);
	memcpy(saved, cb, ctl);         /* no entry in use */
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		uint64_t rng = tu_mix(seed);
		char msg[64];

		cur_seed = seed;
		/* The same state each round: the saved block, three handles
		 * joined, ten messages sent, one held by each receiver. */
		memcpy(cb, saved, ctl);
		p = arena_chan_open(a, KEY, ARENA_CHAN_PRODUCER, NULL);
		s = arena_chan_open(a, KEY, ARENA_CHAN_SUBSCRIBER, NULL);
		g = arena_chan_open(a, KEY, ARENA_CHAN_MEMBER, "grp");
		ck_assert_msg(p != NULL && s != NULL && g != NULL,
		              "seed %llu: open: %s", (unsigned long long)seed,
		              strerror(errno));
		for (int i = 0; i < 10; i++) {
			memset(msg, 'a' + i, sizeof msg);
			ck_assert_int_eq(arena_chan_send(p, msg,
			                 (size_t)(i * 7) % 64, &zero), 0);
		}
		ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
		ck_assert_int_eq(arena_chan_recv(g, &m, &zero), 0);
		mutate((unsigned char *)cb, ctl, cb->desc_off, &rng);
		stat_checked(&x);
		for (int i = 0; i < 3; i++) {
			produce(&x, p, &rng, &zero);
			consume(&x, s, &rng, &zero);
			consume(&x, g, &rng, &zero);
		}
		{
			static const unsigned roles[3] = {
				ARENA_CHAN_PRODUCER, ARENA_CHAN_SUBSCRIBER,
				ARENA_CHAN_MEMBER };
			arena_chan_t *c = open_checked(&x, roles[seed % 3]);

			if (c != NULL) {
				opened++;
				if (seed % 3 == 0)
					produce(&x, c, &rng, &zero);
				else
					consume(&x, c, &rng, &zero);
				if (arena_chan_close(c) < 0)
					finding("close: %s", strerror(errno));
			} else {
				refused++;
			}
		}
		got += (unsigned)bk->msgs;
		bk->msgs = 0;
		if (arena_chan_close(p) < 0 || arena_chan_close(s) < 0 ||
		    arena_chan_close(g) < 0)
			finding("close: %s", strerror(errno));
		if (bk->findings != 0)
			break;
	}
	memcpy(cb, saved, ctl);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	fprintf(stderr, "chan mutations: %u seeds, %u opens after damage "
	        "(%u refused), %u messages read, %llu claims\n", seeds, opened,
	        refused, got, (unsigned long long)bk->claims);
	ck_assert_msg(bk->findings == 0, "seed %llu: %u finding(s); the first: "
	              "%s", (unsigned long long)cur_seed, bk->findings,
	              bk->first);
	/* Put back, the channel works. */
	p = arena_chan_open(a, KEY, ARENA_CHAN_PRODUCER, NULL);
	s = arena_chan_open(a, KEY, ARENA_CHAN_SUBSCRIBER, NULL);
	ck_assert(p != NULL && s != NULL);
	ck_assert_int_eq(arena_chan_send(p, "ok", 3, &zero), 0);
	ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
	ck_assert_str_eq(m.data, "ok");
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	free(saved);
	ck_assert_int_eq(arena_detach(a), 0);
	munmap(bk, sizeof *bk);
}
END_TEST

static Suite *chan_hostile_suite(void)
{
	Suite *s = suite_create("chanhostile");
	TCase *tc = tu_tcase(s, "hostile", hostile_seconds() + 60);

	tcase_add_test(tc, hostile_peer);
	tc = tu_tcase(s, "mutations", 120);
	tcase_add_test(tc, mutations);
	return s;
}

int main(void)
{
	return tu_main(chan_hostile_suite(), "chanhostile");
}
