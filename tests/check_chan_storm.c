/*
 * check_chan_storm.c - the crash storm for channels (issue 10, "Proof"):
 * producers, subscribers and group members in forked processes that attach
 * the arena by name, SIGKILLed at random moments and replaced, while the
 * test checks what every receiver gets.
 *
 * Producers (NPROD at once) send messages numbered per producer
 * incarnation (each replacement is a new incarnation): a 16-byte header
 * {incarnation, number, length, checksum} and a payload whose pattern
 * follows from (incarnation, number); lengths follow from the same pair:
 * some 0 (no header: such messages are identified by their channel
 * sequence number only), some near max_msg, most small.  They claim in
 * random batches with arena_chan_claimv(), abort some batches, and now and
 * then dawdle between claim and commit (sleep or spin), so that kills land
 * there; the killer aims at such producers half of the time.
 *
 * Receivers: two subscribers that live through the whole run (A and B),
 * two subscribers that are killed and replaced, and a group of three
 * members (killed and replaced, never the last live one, so that the group
 * is never freed).  Each checks every message it gets: inside the mapping,
 * intact, from the producer entry its incarnation joined as, and, per
 * incarnation, numbered above the last one it got (in order, no
 * duplicate); channel sequence numbers increase.  A, B and the members
 * record what they got in tables in shared memory (mmap MAP_SHARED before
 * forking): by (incarnation, number), and by channel sequence number.
 *
 * Producers record each message's fate there too: in doubt from before
 * the claim until the commit (or abort) returned, then committed (or
 * aborted).  At the end (producers stopped, receivers drained):
 * - every committed message reached A and B, no aborted one reached
 *   anyone, and A and B got the same messages, those in doubt included
 *   (a commit is one store per message: a message is committed for all or
 *   for none);
 * - A's holes in the channel's sequence numbers are the aborted messages
 *   and the gaps: the channel's gaps counter (arena_chan_stat) lies
 *   between holes - aborted in doubt - aborted and holes - aborted, and
 *   equals the gaps A and B counted; no gap without a producer killed
 *   mid-claim;
 * - the group got each message at most once, and every message A got
 *   exactly once unless a member died holding it: missing <= the group's
 *   lost count <= missing + what members held, or were taking (as many
 *   as they asked for), when killed: a member killed between recording a
 *   take and making it is counted as having lost messages another member
 *   then receives (arena(7)).
 * Nothing may hang: every wait has a timeout, and the test bounds every
 * phase.  One line of figures goes to stderr.
 *
 * CHAN_STORM_SECONDS sets the duration (5 s by default; make stress runs
 * longer), CHAN_STORM_SEED the seed (printed).
 */
#include <limits.h>
#include <sched.h>
#include <stdarg.h>

#include "testutil.h"

#define KEY        "storm"
#define GROUP      "storm"
#define CAPACITY   (64u << 10)
#define MAX_MSG    (CAPACITY / 4)
#define SLOTS      256u
#define HDR        16u
#define BATCH      32u          /* most messages a producer claims at once */

#define NPROD      4            /* producer processes at once */
#define NSUBL      2            /* subscribers living through the run */
#define NSUBK      2            /* subscribers killed and replaced */
#define NMEMB      3            /* members of the group */
#define W_PROD     0
#define W_SUBL     (W_PROD + NPROD)
#define W_SUBK     (W_SUBL + NSUBL)
#define W_MEMB     (W_SUBK + NSUBK)
#define NW         (W_MEMB + NMEMB)

#define MAX_INC    8192u        /* producer incarnations in one run */
#define PER_INC    4096u        /* messages one incarnation sends at most */
#define SEQ_MAX    (1u << 24)   /* channel sequence numbers tracked */

/* A message's fate, as its producer records it. */
enum { ST_NONE, ST_DOUBT, ST_COMMITTED, ST_ABORTING, ST_ABORTED };
enum { PH_IDLE, PH_CLAIMING, PH_CLAIMED, PH_COMMITTING };

struct mrec {                   /* by (incarnation, number) */
	uint8_t st;             /* ST_* */
	uint8_t sub;            /* bit k: long subscriber k got it */
	uint8_t g;              /* members that got it */
	uint8_t pad;
};
struct srec {                   /* by channel sequence number */
	uint8_t sub;
	uint8_t g;
};

struct inc {
	int32_t entry;          /* its producer entry, -1 before it knows */
	uint32_t next;          /* numbers below were (maybe) claimed */
	uint8_t killed;
	uint8_t killed_phase;   /* PH_* when killed */
};

struct worker {
	pid_t pid;
	uint32_t inc;           /* producers: incarnation */
	uint32_t phase;         /* producers: PH_* */
	uint32_t ready;         /* joined */
	uint32_t drained;       /* receivers: timed out after the drain */
	uint32_t held;          /* members: taken and not released, or (in
	                           a receive) as many as asked for */
	uint64_t msgs, zeros, timeouts;
};

struct storm {
	int stop, drain, finish;
	uint64_t seed;
	uint32_t ninc;
	uint32_t errors;
	char first[TU_FIRST_LEN];
	struct worker w[NW];
	struct inc incs[MAX_INC];
};

static struct storm *sh;
static struct mrec *mtab;
static struct srec *stab;

/* ---- helpers ------------------------------------------------------------ */

__attribute__((format(printf, 1, 2)))
static void sfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tu_vrecord(&sh->errors, sh->first, "chan storm", fmt, ap);
	va_end(ap);
}

static double storm_seconds(void)
{
	const char *e = getenv("CHAN_STORM_SECONDS");
	double s = e != NULL ? atof(e) : 5;

	return s > 0 ? s : 5;
}

static struct mrec *mr(uint32_t inc, uint32_t n)
{
	return &mtab[(size_t)inc * PER_INC + n];
}

/* plan_len -- the length of message N of incarnation INC. */
static size_t plan_len(uint32_t inc, uint32_t n)
{
	uint64_t h = tu_mix(sh->seed ^ (((uint64_t)inc << 32) | n));
	unsigned r = (unsigned)(h % 100);
	uint32_t x = (uint32_t)(h >> 32);

	if (r < 4)
		return 0;
	if (r < 6)
		return MAX_MSG - x % 40;                /* near the largest */
	if (r < 9)
		return HDR + x % (MAX_MSG - HDR);
	return HDR + x % 600;
}

static uint64_t msg_key(uint32_t inc, uint32_t n)
{
	return ((uint64_t)inc << 32) | n;
}

static uint32_t msg_sum(const unsigned char *m, size_t len)
{
	return (uint32_t)(tu_fnv1a64(m, 12) ^ tu_fnv1a64(m + HDR, len - HDR) ^
	                  (tu_fnv1a64(m + HDR, len - HDR) >> 32));
}

static void msg_write(void *p, uint32_t inc, uint32_t n, size_t len)
{
	unsigned char *m = p;
	uint32_t h[4] = { inc, n, (uint32_t)len, 0 };

	if (len == 0)
		return;
	memcpy(m, h, 12);
	tu_fill(m + HDR, len - HDR, msg_key(inc, n));
	h[3] = msg_sum(m, len);
	memcpy(m + 12, &h[3], 4);
}

/* msg_check -- 0 for a message of length 0, 1 for an intact one (*INC,
 * *N its identity), -1 (reported) for anything else. */
static int msg_check(const struct arena_msg *m, const unsigned char *base,
                     size_t maplen, uint32_t *incp, uint32_t *np)
{
	const unsigned char *d = m->data;
	uint32_t h[4];
	int32_t entry;

	if (d < base || m->len > maplen || d - base > (ptrdiff_t)(maplen - m->len)) {
		sfail("message %u outside the mapping: %p + %zu, mapping %p + %zu",
		     m->seq, m->data, m->len, (void *)base, maplen);
		return -1;
	}
	if (m->len == 0)
		return 0;
	if (m->len < HDR || m->len > MAX_MSG) {
		sfail("message %u: length %zu", m->seq, m->len);
		return -1;
	}
	memcpy(h, d, sizeof h);
	if (h[0] >= MAX_INC || h[0] >= __atomic_load_n(&sh->ninc, __ATOMIC_ACQUIRE) ||
	    h[1] >= PER_INC || h[2] != m->len || plan_len(h[0], h[1]) != m->len) {
		sfail("message %u: header {%u, %u, %u} with length %zu", m->seq,
		     h[0], h[1], h[2], m->len);
		return -1;
	}
	if (msg_sum(d, m->len) != h[3] ||
	    tu_check_fill(d + HDR, m->len - HDR, msg_key(h[0], h[1])) !=
	    m->len - HDR) {
		sfail("message %u (%u.%u, %zu bytes): damaged", m->seq, h[0],
		     h[1], m->len);
		return -1;
	}
	entry = __atomic_load_n(&sh->incs[h[0]].entry, __ATOMIC_RELAXED);
	if (entry != (int32_t)m->producer) {
		sfail("message %u (%u.%u): producer entry %u, its sender's is %d",
		     m->seq, h[0], h[1], m->producer, entry);
		return -1;
	}
	*incp = h[0];
	*np = h[1];
	return 1;
}

/* own_entry -- the producer entry index of this process on KEY. */
static int own_entry(arena_t *a)
{
	struct arena_chan_stat st;
	struct arena_chan_peer peers[64];
	size_t np = 64;

	if (arena_chan_stat(a, KEY, &st, peers, &np) < 0)
		return -1;
	for (size_t i = 0; i < np && i < 64; i++)
		if (peers[i].role == ARENA_CHAN_PRODUCER &&
		    peers[i].pid == getpid() && peers[i].alive)
			return (int)peers[i].index;
	return -1;
}

/* diag -- the channel's peers, on stderr (after an unexpected error). */
static void diag(arena_t *a)
{
	struct arena_chan_stat st;
	struct arena_chan_peer peers[64];
	size_t np = 64;

	if (arena_chan_stat(a, KEY, &st, peers, &np) < 0)
		return;
	fprintf(stderr, "  channel: seq %u, lag %u (%llu bytes), gaps %llu\n",
	        st.seq, st.lag, (unsigned long long)st.lag_bytes,
	        (unsigned long long)st.gaps);
	for (size_t i = 0; i < np && i < 64; i++)
		fprintf(stderr, "  peer role %u index %u pid %d alive %d seq %u "
		        "lag %u lag_bytes %llu held %u\n", peers[i].role,
		        peers[i].index, (int)peers[i].pid, peers[i].alive,
		        peers[i].seq, peers[i].lag,
		        (unsigned long long)peers[i].lag_bytes, peers[i].held);
}

static void spin_us(unsigned us)
{
	double t = tu_now_ms() + us / 1000.0;

	while (tu_now_ms() < t)
		;
}

/* ---- producers ---------------------------------------------------------- */

static int producer_main(void *arg)
{
	unsigned slot = (unsigned)(uintptr_t)arg;
	struct worker *w = &sh->w[slot];
	uint32_t inc = w->inc, n = 0;
	struct inc *ic = &sh->incs[inc];
	uint64_t rng = tu_mix(sh->seed + 7919u * inc + 1);
	const struct timespec tmo = { 0, 100000000 };
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *p;
	int e;

	if (a == NULL) {
		sfail("producer %u: attach: %s", inc, strerror(errno));
		return 1;
	}
	p = arena_chan_open(a, KEY, ARENA_CHAN_PRODUCER, NULL);
	if (p == NULL) {
		sfail("producer %u: open: %s", inc, strerror(errno));
		return 1;
	}
	e = own_entry(a);
	if (e < 0) {
		sfail("producer %u: no entry of its own in arena_chan_stat", inc);
		return 1;
	}
	__atomic_store_n(&ic->entry, e, __ATOMIC_RELEASE);
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED) &&
	       n + BATCH <= PER_INC) {
		size_t lens[BATCH];
		void *ms[BATCH];
		uint64_t r = tu_rand(&rng);
		unsigned want = r % 4 == 0 ? 1 + (unsigned)(r >> 8) % BATCH
		                           : 1 + (unsigned)(r >> 8) % 3;
		int k;

		for (unsigned i = 0; i < want; i++) {
			lens[i] = plan_len(inc, n + i);
			__atomic_store_n(&mr(inc, n + i)->st, ST_DOUBT,
			                 __ATOMIC_RELAXED);
		}
		__atomic_store_n(&ic->next, n + want, __ATOMIC_RELEASE);
		__atomic_store_n(&w->phase, PH_CLAIMING, __ATOMIC_RELEASE);
		k = arena_chan_claimv(p, want, lens, ms, &tmo);
		if (k < 0) {
			if (errno != EAGAIN && errno != ETIMEDOUT) {
				sfail("producer %u: claimv(%u): %s", inc, want,
				     strerror(errno));
				diag(a);
			}
			w->timeouts++;
			k = 0;
		} else if (k == 0 || (unsigned)k > want) {
			sfail("producer %u: claimv(%u) returned %d", inc, want, k);
			return 1;
		}
		for (unsigned i = (unsigned)k; i < want; i++)
			__atomic_store_n(&mr(inc, n + i)->st, ST_NONE,
			                 __ATOMIC_RELAXED);
		__atomic_store_n(&ic->next, n + (unsigned)k, __ATOMIC_RELEASE);
		if (k == 0) {
			__atomic_store_n(&w->phase, PH_IDLE, __ATOMIC_RELEASE);
			continue;
		}
		__atomic_store_n(&w->phase, PH_CLAIMED, __ATOMIC_RELEASE);
		r = tu_rand(&rng);
		if (r % 16 == 0)
			tu_sleep_ms(1 + (unsigned)(r >> 8) % 3);  /* preempted */
		else if (r % 16 == 1)
			spin_us(50 + (unsigned)(r >> 8) % 500);
		for (int i = 0; i < k; i++)
			msg_write(ms[i], inc, n + (unsigned)i, lens[i]);
		if ((r >> 40) % 32 == 0) {
			for (int i = 0; i < k; i++)
				__atomic_store_n(&mr(inc, n + (unsigned)i)->st,
				                 ST_ABORTING, __ATOMIC_RELAXED);
			__atomic_store_n(&w->phase, PH_COMMITTING, __ATOMIC_RELEASE);
			if (arena_chan_abort(p) < 0)
				sfail("producer %u: abort: %s", inc, strerror(errno));
			for (int i = 0; i < k; i++)
				__atomic_store_n(&mr(inc, n + (unsigned)i)->st,
				                 ST_ABORTED, __ATOMIC_RELAXED);
		} else {
			__atomic_store_n(&w->phase, PH_COMMITTING, __ATOMIC_RELEASE);
			if (arena_chan_commit(p) < 0)
				sfail("producer %u: commit: %s", inc, strerror(errno));
			for (int i = 0; i < k; i++)
				__atomic_store_n(&mr(inc, n + (unsigned)i)->st,
				                 ST_COMMITTED, __ATOMIC_RELAXED);
			w->msgs += (unsigned)k;
		}
		__atomic_store_n(&w->phase, PH_IDLE, __ATOMIC_RELEASE);
		n += (unsigned)k;
	}
	if (arena_chan_close(p) < 0 || arena_detach(a) < 0)
		sfail("producer %u: close/detach: %s", inc, strerror(errno));
	return 0;
}

/* ---- receivers ---------------------------------------------------------- */

static int receiver_main(void *arg)
{
	unsigned slot = (unsigned)(uintptr_t)arg;
	struct worker *w = &sh->w[slot];
	int member = slot >= W_MEMB, longsub = slot >= W_SUBL && slot < W_SUBK;
	uint8_t bit = (uint8_t)(1u << (slot - W_SUBL));
	uint64_t rng = tu_mix(sh->seed ^ ((uint64_t)getpid() << 20));
	const struct timespec tmo = { 0, 50000000 };
	int32_t *last = malloc(MAX_INC * sizeof *last);
	int64_t lastseq = -1;
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *c;
	void *base;
	size_t maplen;

	if (a == NULL || last == NULL) {
		sfail("receiver %u: attach: %s", slot, strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < MAX_INC; i++)
		last[i] = -1;
	(void)arena_mapping(a, &base, &maplen);
	c = arena_chan_open(a, KEY, member ? ARENA_CHAN_MEMBER
	                                   : ARENA_CHAN_SUBSCRIBER,
	                    member ? GROUP : NULL);
	if (c == NULL) {
		sfail("receiver %u: open: %s", slot, strerror(errno));
		return 1;
	}
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&sh->finish, __ATOMIC_RELAXED)) {
		struct arena_msg m[16];
		uint64_t r = tu_rand(&rng);
		size_t want = r % 2 ? 1 : 1 + (r >> 8) % 16;
		int k;

		if (__atomic_load_n(&w->drained, __ATOMIC_RELAXED)) {
			tu_sleep_ms(5);
			continue;
		}
		/* A member killed inside the receive may have recorded a take
		 * of up to WANT messages (counted lost: arena(7)). */
		if (member)
			__atomic_store_n(&w->held, (uint32_t)want, __ATOMIC_RELAXED);
		k = arena_chan_recvv(c, m, want, &tmo);
		if (k < 0 && member)
			__atomic_store_n(&w->held, 0, __ATOMIC_RELAXED);
		if (k < 0) {
			if (errno != EAGAIN && errno != ETIMEDOUT) {
				sfail("receiver %u: recvv: %s", slot,
				     strerror(errno));
				tu_sleep_ms(10);
			} else if (__atomic_load_n(&sh->drain, __ATOMIC_ACQUIRE)) {
				__atomic_store_n(&w->drained, 1, __ATOMIC_RELEASE);
			}
			w->timeouts++;
			continue;
		}
		if (k == 0 || (size_t)k > want) {
			sfail("receiver %u: recvv(%zu) returned %d", slot, want, k);
			continue;
		}
		if (member)
			__atomic_store_n(&w->held, (uint32_t)k, __ATOMIC_RELAXED);
		for (int i = 0; i < k; i++) {
			uint32_t inc = 0, n = 0;
			int v = msg_check(&m[i], base, maplen, &inc, &n);

			if ((int64_t)m[i].seq <= lastseq)
				sfail("receiver %u: sequence %u after %lld", slot,
				     m[i].seq, (long long)lastseq);
			lastseq = m[i].seq;
			w->msgs++;
			if (v < 0)
				continue;
			if (v == 0) {
				w->zeros++;
			} else {
				if ((int32_t)n <= last[inc])
					sfail("receiver %u: message %u.%u after "
					     "%u.%d (duplicate or out of order)",
					     slot, inc, n, inc, last[inc]);
				last[inc] = (int32_t)n;
				if (longsub)
					__atomic_fetch_or(&mr(inc, n)->sub, bit,
					                  __ATOMIC_RELAXED);
				else if (member &&
				         __atomic_fetch_add(&mr(inc, n)->g, 1,
				                            __ATOMIC_RELAXED) != 0)
					sfail("group: message %u.%u delivered twice",
					     inc, n);
			}
			if (m[i].seq < SEQ_MAX) {
				if (longsub)
					__atomic_fetch_or(&stab[m[i].seq].sub, bit,
					                  __ATOMIC_RELAXED);
				else if (member &&
				         __atomic_fetch_add(&stab[m[i].seq].g, 1,
				                            __ATOMIC_RELAXED) != 0)
					sfail("group: sequence %u delivered twice",
					     m[i].seq);
			}
		}
		r = tu_rand(&rng);
		if (member && r % 8 == 0)
			tu_sleep_ms(1);         /* working on what it holds */
		if (r % 4 == 0 || member) {
			arena_chan_release(c);
			__atomic_store_n(&w->held, 0, __ATOMIC_RELAXED);
		}
	}
	if (arena_chan_close(c) < 0 || arena_detach(a) < 0)
		sfail("receiver %u: close/detach: %s", slot, strerror(errno));
	free(last);
	return 0;
}

/* ---- the test ----------------------------------------------------------- */

static pid_t spawn(unsigned slot)
{
	struct worker *w = &sh->w[slot];

	w->ready = 0;
	w->phase = PH_IDLE;
	w->held = 0;
	if (slot < W_SUBL) {
		uint32_t inc = __atomic_load_n(&sh->ninc, __ATOMIC_RELAXED);

		sh->incs[inc].entry = -1;
		sh->incs[inc].next = 0;
		w->inc = inc;
		__atomic_store_n(&sh->ninc, inc + 1, __ATOMIC_RELEASE);
		w->pid = tu_fork(producer_main, (void *)(uintptr_t)slot);
	} else {
		w->pid = tu_fork(receiver_main, (void *)(uintptr_t)slot);
	}
	return w->pid;
}

/* wait_bounded -- waitpid PID for at most MS; the status, or -1 (then it
 * was killed: reported). */
static int wait_bounded(pid_t pid, double ms, const char *what)
{
	double t0 = tu_now_ms();
	int st;
	pid_t r;

	while ((r = waitpid(pid, &st, WNOHANG)) == 0 &&
	       tu_now_ms() - t0 < tu_ms(ms))
		tu_sleep_ms(2);
	if (r == pid)
		return st;
	sfail("%s (pid %ld) does not end after %.0f ms", what, (long)pid, ms);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int live_members(void)
{
	int n = 0;

	for (unsigned i = W_MEMB; i < W_MEMB + NMEMB; i++)
		n += __atomic_load_n(&sh->w[i].ready, __ATOMIC_ACQUIRE) != 0;
	return n;
}

START_TEST(storm)
{
	const char *se = getenv("CHAN_STORM_SEED");
	double secs = storm_seconds(), t0, tstart, tend, tend_real;
	struct arena_options o = { 0 };
	struct arena_chan_config cfg = { .capacity = CAPACITY, .slots = SLOTS,
	                                 .producers = 8, .receivers = 16,
	                                 .groups = 2 };
	struct arena_chan_stat st;
	struct arena_chan_peer peers[64];
	size_t np = 64;
	arena_t *a;
	arena_chan_t *gm;
	uint64_t rng;
	unsigned kills_prod = 0, kills_claim = 0, kills_sub = 0, kills_memb = 0;
	unsigned retired = 0;
	uint64_t held_dead = 0, lost = ~(uint64_t)0, gaps_peer[NSUBL];
	uint32_t final_seq;
	size_t mlen = (size_t)MAX_INC * PER_INC * sizeof(struct mrec);
	size_t slen = (size_t)SEQ_MAX * sizeof(struct srec);

	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mtab = mmap(NULL, mlen, PROT_READ | PROT_WRITE,
	            MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	stab = mmap(NULL, slen, PROT_READ | PROT_WRITE,
	            MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert(sh != MAP_FAILED && mtab != MAP_FAILED && stab != MAP_FAILED);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sh->seed = se != NULL ? strtoull(se, NULL, 0)
		                      : tu_mix((uint64_t)ts.tv_nsec ^ (uint64_t)getpid());
	}
	rng = tu_mix(sh->seed ^ 0x5157);
	o.perm_size = 1 << 20;
	o.proc_slots = 64;
	a = tu_create(tu_seg, 4 << 20, &o);
	ck_assert_int_eq(arena_chan_create(a, KEY, &cfg), 0);

	/* Receivers first: A and B see the channel from its first message. */
	for (unsigned i = W_SUBL; i < NW; i++)
		spawn(i);
	t0 = tu_now_ms();
	for (unsigned i = W_SUBL; i < NW; i++)
		while (!__atomic_load_n(&sh->w[i].ready, __ATOMIC_ACQUIRE)) {
			ck_assert_msg(tu_now_ms() - t0 < tu_ms(10000),
			              "receiver %u never joined", i);
			tu_sleep_ms(1);
		}
	for (unsigned i = W_PROD; i < W_SUBL; i++)
		spawn(i);

	t0 = tu_now_ms();
	tstart = t0;
	tend = t0 + secs * 1000;
	while (tu_now_ms() < tend) {
		uint64_t r = tu_rand(&rng);
		unsigned v = NW, what = (unsigned)(r % 10);
		int status;
		pid_t pid;

		/* Producers that retired (PER_INC sent), or workers that
		 * failed: replace them. */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (unsigned i = 0; i < NW; i++) {
				if (sh->w[i].pid != pid)
					continue;
				if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
				    i >= W_SUBL)
					sfail("worker %u (pid %ld) ended: status %#x",
					     i, (long)pid, status);
				else
					retired++;
				if (i < W_SUBL || i >= W_SUBK)
					spawn(i);
			}
		}
		if (sh->errors != 0)
			break;
		if (sh->ninc + NPROD >= MAX_INC)
			break;
		if (arena_chan_stat(a, KEY, &st, NULL, NULL) == 0 &&
		    st.seq > SEQ_MAX - (1u << 20))
			break;
		tu_sleep_ms(1 + (unsigned)(r >> 8) % 20);
		if (what < 5) {
			/* A producer; half of the time one between claim and
			 * commit (waiting up to 20 ms for one). */
			if ((r >> 32) % 2 == 0) {
				double t1 = tu_now_ms();

				while (v == NW && tu_now_ms() - t1 < 20) {
					for (unsigned i = W_PROD; i < W_SUBL; i++)
						if (__atomic_load_n(&sh->w[i].phase,
						                    __ATOMIC_ACQUIRE) == PH_CLAIMED)
							v = i;
					if (v == NW)
						sched_yield();
				}
			}
			if (v == NW)
				v = W_PROD + (unsigned)(r >> 40) % NPROD;
		} else if (what < 7) {
			v = W_SUBK + (unsigned)(r >> 40) % NSUBK;
		} else {
			v = W_MEMB + (unsigned)(r >> 40) % NMEMB;
			/* Never the last live member: the group would be
			 * freed, and restart at the end when rejoined. */
			if (!sh->w[v].ready || live_members() < 2)
				continue;
		}
		{
			struct worker *w = &sh->w[v];
			uint32_t ph;

			if (kill(w->pid, SIGKILL) < 0)
				continue;       /* ended on its own: reaped above */
			status = tu_wait_status(w->pid);
			if (WIFEXITED(status)) {
				/* It ended on its own just before. */
				if (WEXITSTATUS(status) != 0 || v >= W_SUBL)
					sfail("worker %u ended: status %#x", v,
					     status);
				retired++;
				spawn(v);
				continue;
			}
			ph = w->phase;
			if (v < W_SUBL) {
				sh->incs[w->inc].killed = 1;
				sh->incs[w->inc].killed_phase = (uint8_t)ph;
				kills_prod++;
				if (ph != PH_IDLE)
					kills_claim++;
			} else if (v < W_MEMB) {
				kills_sub++;
			} else {
				held_dead += w->held;
				kills_memb++;
			}
			spawn(v);
		}
	}

	tend_real = tu_now_ms();
	/* Stop: producers finish their batch and leave. */
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = W_PROD; i < W_SUBL; i++) {
		int s = wait_bounded(sh->w[i].pid, 10000, "producer");

		if (s != -1 && (!WIFEXITED(s) || WEXITSTATUS(s) != 0))
			sfail("producer %u ended with status %#x", i, s);
	}
	/* Drain: every receiver reads until a receive times out. */
	__atomic_store_n(&sh->drain, 1, __ATOMIC_RELEASE);
	t0 = tu_now_ms();
	for (unsigned i = W_SUBL; i < NW; i++)
		while (!__atomic_load_n(&sh->w[i].drained, __ATOMIC_ACQUIRE)) {
			if (tu_now_ms() - t0 > tu_ms(15000)) {
				sfail("receiver %u does not drain", i);
				break;
			}
			tu_sleep_ms(2);
		}
	/* A join frees the entries of dead members and counts what they
	 * held as lost; the group lives on while members are in. */
	gm = arena_chan_open(a, KEY, ARENA_CHAN_MEMBER, GROUP);
	ck_assert_msg(gm != NULL, "open member: %s", strerror(errno));
	ck_assert_int_eq(arena_chan_stat(a, KEY, &st, peers, &np), 0);
	final_seq = st.seq;
	for (unsigned k = 0; k < NSUBL; k++)
		gaps_peer[k] = ~(uint64_t)0;
	for (size_t i = 0; i < np && i < 64; i++) {
		if (peers[i].role == ARENA_CHAN_GROUP &&
		    strcmp(peers[i].group, GROUP) == 0)
			lost = peers[i].lost;
		for (unsigned k = 0; k < NSUBL; k++)
			if (peers[i].role == ARENA_CHAN_SUBSCRIBER &&
			    peers[i].pid == sh->w[W_SUBL + k].pid)
				gaps_peer[k] = peers[i].gaps;
	}
	__atomic_store_n(&sh->finish, 1, __ATOMIC_RELEASE);
	for (unsigned i = W_SUBL; i < NW; i++) {
		int s = wait_bounded(sh->w[i].pid, 10000, "receiver");

		if (s != -1 && (!WIFEXITED(s) || WEXITSTATUS(s) != 0))
			sfail("receiver %u ended with status %#x", i, s);
	}
	ck_assert_int_eq(arena_chan_close(gm), 0);

	/* ---- the books ---- */
	{
		uint64_t committed = 0, zc = 0, big = 0, aborted = 0, aborting = 0;
		uint64_t doubt = 0, doubt_zero = 0, doubt_got = 0, gdel = 0;
		uint64_t gmiss = 0, holes[NSUBL], subs_msgs[NSUBL];
		unsigned killed_incs = 0;

		for (uint32_t inc = 0; inc < sh->ninc; inc++) {
			struct inc *ic = &sh->incs[inc];

			killed_incs += ic->killed;
			for (uint32_t n = 0; n < ic->next && n < PER_INC; n++) {
				struct mrec *e = mr(inc, n);
				int zero = plan_len(inc, n) == 0;

				switch (e->st) {
				case ST_COMMITTED:
					committed++;
					zc += zero;
					big += plan_len(inc, n) > MAX_MSG - 64;
					if (!zero && e->sub != (1u << NSUBL) - 1)
						sfail("committed message %u.%u not "
						     "received by subscriber(s) %#x",
						     inc, n, ~e->sub & 3u);
					break;
				case ST_DOUBT:
					doubt++;
					doubt_zero += zero;
					if (!ic->killed)
						sfail("message %u.%u in doubt, but its "
						     "producer was not killed", inc, n);
					if (!zero && e->sub != 0 &&
					    e->sub != (1u << NSUBL) - 1)
						sfail("message %u.%u (in doubt) reached "
						     "one long subscriber only (%#x)",
						     inc, n, e->sub);
					doubt_got += !zero && e->sub != 0;
					break;
				case ST_ABORTING:
				case ST_ABORTED:
					aborted += e->st == ST_ABORTED;
					aborting += e->st == ST_ABORTING;
					if (e->sub != 0 || e->g != 0)
						sfail("aborted message %u.%u delivered",
						     inc, n);
					break;
				default:
					if (e->sub != 0 || e->g != 0)
						sfail("message %u.%u delivered but "
						     "never claimed", inc, n);
				}
				if (!zero && e->g != 0 && e->sub == 0)
					sfail("message %u.%u reached the group, not "
					     "the subscribers", inc, n);
			}
		}
		for (uint32_t s = 0; s < final_seq && s < SEQ_MAX; s++) {
			struct srec *e = &stab[s];

			if (e->sub != 0 && e->sub != (1u << NSUBL) - 1)
				sfail("sequence %u reached one long subscriber only",
				     s);
			if (e->g > 1)
				sfail("sequence %u reached the group %u times", s,
				     e->g);
			if (e->g != 0 && e->sub == 0)
				sfail("sequence %u reached the group only", s);
			gdel += e->g != 0;
			gmiss += e->sub != 0 && e->g == 0;
		}
		for (unsigned k = 0; k < NSUBL; k++) {
			subs_msgs[k] = sh->w[W_SUBL + k].msgs;
			holes[k] = final_seq - subs_msgs[k];
			if (sh->w[W_SUBL + k].zeros < zc ||
			    sh->w[W_SUBL + k].zeros > zc + doubt_zero)
				sfail("subscriber %u got %llu messages of length 0; "
				     "%llu committed, %llu in doubt", k,
				     (unsigned long long)sh->w[W_SUBL + k].zeros,
				     (unsigned long long)zc,
				     (unsigned long long)doubt_zero);
			if (gaps_peer[k] != st.gaps)
				sfail("subscriber %u counted %llu gaps, the channel "
				     "%llu", k, (unsigned long long)gaps_peer[k],
				     (unsigned long long)st.gaps);
		}
		if (holes[0] != holes[1])
			sfail("long subscribers: %llu and %llu holes",
			     (unsigned long long)holes[0],
			     (unsigned long long)holes[1]);
		if (st.gaps > holes[0] - aborted ||
		    st.gaps + aborting < holes[0] - aborted)
			sfail("gaps %llu; holes %llu, aborted %llu (+%llu in doubt)",
			     (unsigned long long)st.gaps,
			     (unsigned long long)holes[0],
			     (unsigned long long)aborted,
			     (unsigned long long)aborting);
		if (st.gaps > doubt - doubt_got)
			sfail("gaps %llu, but only %llu messages in doubt never "
			     "arrived", (unsigned long long)st.gaps,
			     (unsigned long long)(doubt - doubt_got));
		if (st.gaps != 0 && kills_claim == 0)
			sfail("%llu gaps, no producer killed mid-claim",
			     (unsigned long long)st.gaps);
		if (lost == ~(uint64_t)0)
			sfail("the group is gone");
		else if (lost < gmiss)
			sfail("group: %llu messages missing, %llu counted lost",
			     (unsigned long long)gmiss, (unsigned long long)lost);
		else if (lost > gmiss + held_dead)
			sfail("group: %llu counted lost, but only %llu missing and "
			     "%llu held by members when killed",
			     (unsigned long long)lost, (unsigned long long)gmiss,
			     (unsigned long long)held_dead);
		fprintf(stderr, "chan storm: %.1f s, seed %#llx: %llu messages "
		        "committed (%llu of length 0, %llu near max_msg), %llu "
		        "aborted (+%llu in doubt), %llu in doubt (%llu of them "
		        "delivered); kills: %u producers (%u mid-claim), %u "
		        "subscribers, %u members; %u producer incarnations (%u "
		        "retired); long subscribers: %llu messages, %llu holes = "
		        "%llu gaps + %llu aborted; group: %llu delivered, lost %llu "
		        "(missing %llu, held by killed members %llu); tail seq %u\n",
		        (tend_real - tstart) / 1000, (unsigned long long)sh->seed,
		        (unsigned long long)committed, (unsigned long long)zc,
		        (unsigned long long)big, (unsigned long long)aborted,
		        (unsigned long long)aborting, (unsigned long long)doubt,
		        (unsigned long long)doubt_got, kills_prod, kills_claim,
		        kills_sub, kills_memb, sh->ninc, retired,
		        (unsigned long long)subs_msgs[0],
		        (unsigned long long)holes[0], (unsigned long long)st.gaps,
		        (unsigned long long)(holes[0] - st.gaps),
		        (unsigned long long)gdel, (unsigned long long)lost,
		        (unsigned long long)gmiss, (unsigned long long)held_dead,
		        final_seq);
		(void)killed_incs;
		ck_assert_msg(sh->errors == 0, "%u failure(s); the first: %s",
		              sh->errors, sh->first);
		ck_assert_msg(committed > 1000, "only %llu messages committed",
		              (unsigned long long)committed);
		ck_assert_msg(kills_prod + kills_sub + kills_memb >= 10,
		              "only %u kills", kills_prod + kills_sub + kills_memb);
	}
	ck_assert_int_eq(arena_detach(a), 0);
	munmap(stab, slen);
	munmap(mtab, mlen);
	munmap(sh, sizeof *sh);
}
END_TEST

static Suite *storm_suite(void)
{
	Suite *s = suite_create("chanstorm");
	TCase *tc = tu_tcase(s, "storm", storm_seconds() + 90);

	tcase_add_test(tc, storm);
	return s;
}

int main(void)
{
	return tu_main(storm_suite(), "chanstorm");
}
