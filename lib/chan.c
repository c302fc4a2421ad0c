/*
 * chan.c - channels: a message log inside the permanent part (arena(7),
 * "Channels").
 *
 * The data path is lock-free and makes no system call while messages flow.
 * A producer claims {sequence numbers, bytes} with one compare-and-swap on
 * the tail word, having first written its intent in its own entry (so that
 * receivers can tell a dead claimer's claim from a live one's), writes the
 * messages in place and commits each one by writing its descriptor, the
 * word that carries the sequence number last.  A receiver reads the
 * descriptor of its next sequence number: the stamp says whether it is
 * committed.  Receivers publish their positions in their own entries;
 * producers keep a private floor, the slowest live receiver's position,
 * and look at the entries again only when that floor says the ring is
 * full.  Sleepers count themselves, run membarrier(2) (or producers that
 * could not register fence), look again and sleep on a futex; the other
 * side looks at the count after its plain store, as arena_section_enter()
 * does.
 *
 * Joining and leaving are rare and take the channel's admin lock: an OFD
 * lock on the object's first byte, which the kernel drops if its holder
 * dies, plus a process-wide mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * Spinning.  A waiting receiver polls CHAN_SPIN_FAST times back to back,
 * then with CHAN_SPIN_PAUSE pauses between polls (polling a line a
 * producer is writing takes it from the producer each time), yielding the
 * processor every CHAN_YIELD slow polls, before it sleeps.  How many slow
 * polls adapts, per handle, between CHAN_SPIN_MIN and CHAN_SPIN_MAX (about
 * 30 us to 2 ms here): doubled after a sleep that a message ended within
 * CHAN_SPIN_SHORT (a longer spin would have caught it, without the
 * membarrier and the wake-up call that a sleep costs both sides), halved
 * after a longer one (traffic is sparse: spinning burns a processor).
 * Four producers sharing a processor, whose claims a preemption can leave
 * uncommitted for a while, ran at 19 M messages/s of 64 bytes with a fixed
 * 100 us spin and 39 to 43 with 1 ms.  A producer facing a full ring spins
 * CHAN_SPIN_PROD polls, looking at the receivers' positions every 16.
 */
#define CHAN_SPIN_FAST   32u
#define CHAN_SPIN_PAUSE  16u
#define CHAN_SPIN_MIN    64u
#define CHAN_SPIN_START  256u
#define CHAN_SPIN_MAX    4096u
#define CHAN_SPIN_SHORT  2000000L   /* ns */
#define CHAN_SPIN_PROD   2000u
#define CHAN_YIELD       16u
#define CHAN_DEAD_POLLS  2000u      /* zero-timeout polls between looks for
                                       a dead claimer */
#define CHAN_PUBLISH     32u        /* a subscriber's position is stored
                                       at least this often (messages) */
#define LIVE_CACHE_NS    1000000L   /* a live verdict is trusted 1 ms */
#define DEF_CAPACITY     (1u << 20)
#define MIN_CAPACITY     4096u
#define MAX_CAPACITY     (1u << 30)
#define MAX_SLOTS        (1u << 24)
#define MAX_ENTRIES      256u
#define MAX_GROUPS       64u

struct arena_chan {
	struct arena *a;
	struct fmt_chan *cb;
	struct fmt_chan_prod *prods;
	struct fmt_chan_recv *recvs;
	struct fmt_chan_group *groups;
	struct fmt_chan_desc *desc;
	unsigned char *data;
	uint64_t off;              /* the object's offset in the segment */
	uint32_t cap_u;            /* capacity in 8-byte units */
	uint32_t slots, max_msg;
	uint32_t nprod, nrecv, ngroup;
	unsigned role;
	uint32_t idx;              /* our entry */
	uint32_t gidx;             /* members: our group */
	bool fence;                /* not registered for membarrier */
	/* producers */
	uint32_t fseq, fbpos;      /* cached floor */
	uint32_t cl_seq, cl_n;     /* open claim: first seq, count */
	uint32_t cl_pos[ARENA_CHAN_BATCH_MAX];
	uint32_t cl_len[ARENA_CHAN_BATCH_MAX];
	uint64_t msgs, bytes, aborted;
	/* receivers */
	uint32_t rseq, rbpos;      /* next message (subscribers) */
	uint32_t held;             /* messages the last receive returned */
	uint32_t nseq, nbpos;      /* where those end */
	uint32_t unpub;            /* released, position not yet published */
	uint32_t pub_bpos;         /* the byte position last published */
	uint32_t pub_msgs, pub_units; /* publish after this much released */
	uint32_t stuck_seq, stuck_n; /* polls that found S not committed */
	uint32_t spin;             /* slow polls before a sleep (adaptive) */
	uint64_t rmsgs, rgaps;
	/* liveness verdicts, by entry: producers then receivers */
	struct live_memo { uint32_t owner; uint64_t procw; int64_t at; bool live; }
	        *memo;
};

/* ---------------------------------------------------------------- geometry */

struct geom {
	uint32_t capacity, slots, nprod, nrecv, ngroup;
	uint32_t desc_off, data_off;
	uint64_t total;
};

static uint64_t chan_checksum(const struct fmt_chan *cb)
{
	const unsigned char *p = (const unsigned char *)cb;
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < FMT_CHAN_ID; i++) {
		h ^= p[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static bool pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* layout -- offsets and size of a channel of G's counts; false when they
 * are out of range. */
static bool layout(struct geom *g)
{
	uint64_t d;

	if (!pow2(g->capacity) || g->capacity < MIN_CAPACITY ||
	    g->capacity > MAX_CAPACITY || !pow2(g->slots) || g->slots < 8 ||
	    g->slots > MAX_SLOTS || g->nprod < 1 || g->nprod > MAX_ENTRIES ||
	    g->nrecv < 1 || g->nrecv > MAX_ENTRIES || g->ngroup > MAX_GROUPS)
		return false;
	d = sizeof(struct fmt_chan) +
	    64u * ((uint64_t)g->nprod + g->nrecv + g->ngroup);
	g->desc_off = (uint32_t)d;
	d += (uint64_t)g->slots * sizeof(struct fmt_chan_desc);
	d = (d + FMT_PAGE - 1) & ~(uint64_t)(FMT_PAGE - 1);
	g->data_off = (uint32_t)d;
	g->total = d + g->capacity;
	return true;
}

/* The entry tables of the channel whose control block is CB: they follow
 * it, producers, receivers, then groups. */
struct tables {
	struct fmt_chan_prod *prods;
	struct fmt_chan_recv *recvs;
	struct fmt_chan_group *groups;
};

static struct tables chan_tables(struct fmt_chan *cb, const struct geom *g)
{
	struct tables tb;

	tb.prods = (struct fmt_chan_prod *)(void *)(cb + 1);
	tb.recvs = (struct fmt_chan_recv *)(void *)(tb.prods + g->nprod);
	tb.groups = (struct fmt_chan_group *)(void *)(tb.recvs + g->nrecv);
	return tb;
}

/* chan_find -- the control block of channel KEY, checked against the
 * permanent part's bounds; *G its private geometry. */
static struct fmt_chan *chan_find(const struct arena *a, const char *key,
                                  struct geom *g, uint64_t *offp)
{
	arena_ref_t r = arena_lookup(a, key);
	struct fmt_chan *cb;
	uint64_t off;

	if (r == ARENA_NULL) {
		if (errno == ESTALE || errno == EFAULT)
			errno = ENOENT;
		return NULL;
	}
	off = FMT_OFF(r);
	if (!ref_permanent(a, r) || (off & (FMT_PAGE - 1)) != 0 ||
	    a->hdr_size - off < sizeof(struct fmt_chan)) {
		errno = EMEDIUMTYPE;
		return NULL;
	}
	cb = (struct fmt_chan *)(void *)(a->base + off);
	if (uatomic_read(&cb->magic) != FMT_CHAN_MAGIC) {
		errno = EMEDIUMTYPE;
		return NULL;
	}
	cmm_smp_rmb();
	if (cb->version != FMT_CHAN_VERSION) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	g->capacity = cb->capacity;
	g->slots = cb->slots;
	g->nprod = cb->producers;
	g->nrecv = cb->receivers;
	g->ngroup = cb->groups;
	if (chan_checksum(cb) != cb->checksum || !layout(g) ||
	    g->desc_off != cb->desc_off || g->data_off != cb->data_off ||
	    g->total != cb->total || cb->max_msg != g->capacity / 4 ||
	    g->total > a->hdr_size - off) {
		errno = EBADMSG;
		return NULL;
	}
	*offp = off;
	return cb;
}

/* ---------------------------------------------------------------- liveness */

/* owner_live -- whether the entry owned by process slot O - 1 with table
 * word W belongs to a live handle: the slot's lock is held and the table
 * still holds W (a new holder of the slot writes its own word). */
static bool owner_live(const struct arena *a, uint32_t o, uint64_t w)
{
	if (o == 0 || o - 1 >= a->proc_slots)
		return false;
	if ((int)(o - 1) == a->slot)
		return w == a->proc_word;
	return uatomic_read(&a->procs[o - 1]) == w && proc_slot_alive(a, o - 1);
}

/* live -- owner_live() for entry I (producers first, then receivers),
 * remembering a live verdict for LIVE_CACHE_NS: producers ask on every
 * floor scan.  A dead verdict never changes (the word would). */
static bool live(struct arena_chan *c, uint32_t i, uint32_t o, uint64_t w)
{
	struct live_memo *m = &c->memo[i];
	int64_t now;

	if (o == 0)
		return false;
	if (m->owner == o && m->procw == w) {
		if (!m->live)
			return false;
		now = wait_now_ns();
		if (now - m->at < LIVE_CACHE_NS)
			return true;
	} else {
		now = wait_now_ns();
	}
	m->owner = o;
	m->procw = w;
	m->at = now;
	m->live = owner_live(c->a, o, w);
	return m->live;
}

/* ------------------------------------------------------------------ admin */

static pthread_mutex_t admin_mutex = PTHREAD_MUTEX_INITIALIZER;

static int ofd_lock(struct arena *a, uint64_t off, short type)
{
	struct flock fl;

	if (a->lock_fd < 0)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)off;
	fl.l_len = 1;
	while (fcntl(a->lock_fd, F_OFD_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int admin_lock(struct arena *a, uint64_t off)
{
	pthread_mutex_lock(&admin_mutex);
	if (ofd_lock(a, off, F_WRLCK) < 0) {
		int e = errno;

		pthread_mutex_unlock(&admin_mutex);
		errno = e;
		return -1;
	}
	return 0;
}

static void admin_unlock(struct arena *a, uint64_t off)
{
	(void)ofd_lock(a, off, F_UNLCK);
	pthread_mutex_unlock(&admin_mutex);
}

/* reap -- free the entries of dead owners (under the admin lock); a dead
 * member's held messages are counted lost for its group.  Then free the
 * groups no entry names. */
static void reap(struct arena_chan *c)
{
	struct arena *a = c->a;
	bool used[MAX_GROUPS] = { false };

	for (uint32_t i = 0; i < c->nprod; i++) {
		struct fmt_chan_prod *p = &c->prods[i];
		uint32_t o = uatomic_read(&p->owner);

		if (o != 0 && !owner_live(a, o, uatomic_read(&p->procw)))
			(void)uatomic_cmpxchg(&p->owner, o, 0);
	}
	for (uint32_t i = 0; i < c->nrecv; i++) {
		struct fmt_chan_recv *r = &c->recvs[i];
		uint32_t o = uatomic_read(&r->owner);
		uint32_t g = uatomic_read(&r->group);

		if (o == 0)
			continue;
		if (owner_live(a, o, uatomic_read(&r->procw))) {
			if (g != 0 && g - 1 < c->ngroup)
				used[g - 1] = true;
			continue;
		}
		if (uatomic_cmpxchg(&r->owner, o, 0) != o)
			continue;
		if (g != 0 && g - 1 < c->ngroup) {
			uint32_t n = uatomic_read(&r->hold_n);

			/* Taking or taken: lost for the group (arena(7)). */
			n &= ~FMT_CHAN_TAKING;
			if (n != 0)
				(void)uatomic_add_return(&c->groups[g - 1].lost, n);
		}
	}
	for (uint32_t i = 0; i < c->ngroup; i++)
		if (!used[i] && c->groups[i].name[0] != 0)
			uatomic_set(&c->groups[i].name[0], 0);
}

/* ----------------------------------------------------------------- waiting */

/* publish_done -- after a store others may wait for (a commit, or a
 * release of space): if they sleep, wake them.  Our store is ordered
 * before the load of the count by their membarrier, or by our fence. */
static void publish_done(struct arena_chan *c, uint32_t *seq, uint32_t *waiters)
{
	if (c->fence)
		cmm_smp_mb();
	else
		cmm_barrier();
	if (caa_unlikely(CMM_LOAD_SHARED(*waiters) != 0)) {
		(void)uatomic_add_return(seq, 1);
		futex_wake_all(seq);
	}
}

/* nap -- sleep on SEQ, counted in WAITERS, until READY(C) or deadline D
 * (at most CAP ns a sleep).  Counted (a full barrier), then membarrier
 * so that every registered peer's last store is seen, then the look, then
 * the sleep if the sequence word has not moved.  1 when READY, 0 after a
 * sleep (look again), -1 ETIMEDOUT. */
static int nap(struct arena_chan *c, uint32_t *seq, uint32_t *waiters,
               bool (*ready)(struct arena_chan *), int64_t d, long cap)
{
	long ns = wait_left(d, cap);
	uint32_t v;
	int ret = 0;

	if (ns == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	(void)uatomic_add_return(waiters, 1);
	if (memb_all() < 0 && cap > POLL_MIN_NS)
		ns = ns < POLL_MIN_NS ? ns : POLL_MIN_NS;  /* poll instead */
	v = uatomic_read(seq);
	cmm_smp_mb();
	if (ready(c))
		ret = 1;
	else
		futex_sleep(seq, v, ns);
	(void)uatomic_add_return(waiters, -1);
	return ret;
}

/* spin_yield -- let another task of this CPU run during a long spin: a
 * receiver sharing its CPU with the peer it waits for would otherwise
 * hold it until preempted. */
static void spin_yield(void)
{
	(void)sched_yield();
}

/* spin_pause -- N pause instructions: a poll's back-off. */
static void spin_pause(unsigned n)
{
	while (n-- != 0)
		caa_cpu_relax();
}

/* --------------------------------------------------------------- producer */

/* behind -- how far position X is behind T (modulo 2^32); 0 when ahead. */
static uint32_t behind(uint32_t t, uint32_t x)
{
	uint32_t d = t - x;

	return (int32_t)d < 0 ? 0 : d;
}

/* How far position word W is behind the tail T: messages, 8-byte units. */
struct lag {
	uint32_t s, b;
};

static struct lag lag_of(uint64_t t, uint64_t w)
{
	return (struct lag){ behind(FMT_CHAN_SEQ(t), FMT_CHAN_SEQ(w)),
	                     behind(FMT_CHAN_BPOS(t), FMT_CHAN_BPOS(w)) };
}

/* widen -- *M becomes the larger of *M and L, field by field. */
static void widen(struct lag *m, struct lag l)
{
	if (l.s > m->s)
		m->s = l.s;
	if (l.b > m->b)
		m->b = l.b;
}

/* too_far -- whether L is more than a ring of SLOTS descriptors and CAP_U
 * units can hold: no live receiver can be that far behind. */
static bool too_far(struct lag l, uint32_t slots, uint32_t cap_u)
{
	return l.s > slots || l.b > cap_u;
}

/*
 * floor_scan -- the slowest live receiver's position: tail T first (the
 * floor when no receiver counts), then the groups' next positions, then
 * the entries (a member's hold is written before its group's next moves).
 * A live position further behind than the ring allows makes the ring
 * full.  -1 EBADMSG when an entry names a group that does not exist.
 */
static int floor_scan(struct arena_chan *c, uint64_t t)
{
	const struct lag full = { c->slots, c->cap_u };
	struct lag m = { 0, 0 }, l;
	uint64_t gnext[MAX_GROUPS];
	bool glive[MAX_GROUPS];

	for (uint32_t i = 0; i < c->ngroup; i++) {
		gnext[i] = uatomic_read(&c->groups[i].next);
		glive[i] = false;
	}
	cmm_smp_rmb();
	for (uint32_t i = 0; i < c->nrecv; i++) {
		struct fmt_chan_recv *r = &c->recvs[i];
		uint32_t o = uatomic_read(&r->owner);
		uint64_t w;
		uint32_t g;

		if (o == 0)
			continue;
		cmm_smp_rmb();
		if (!live(c, c->nprod + i, o, uatomic_read(&r->procw)))
			continue;
		g = uatomic_read(&r->group);
		if (g == 0) {
			w = uatomic_read(&r->pos);
		} else {
			if (g - 1 >= c->ngroup)
				goto bad;
			if (uatomic_read(&r->hold_n) == 0) {
				glive[g - 1] = true;
				continue;
			}
			cmm_smp_rmb();
			w = uatomic_read(&r->hold);
		}
		l = lag_of(t, w);
		if (too_far(l, c->slots, c->cap_u)) {
			/* Further behind than the ring allows: a receiver
			 * that died since our live verdict (others then
			 * moved on without it), or one joining (its start
			 * is written after its entry).  Dead by a fresh
			 * look: skip it.  Else count the ring full: a
			 * joiner's start comes at once, and a peer's
			 * scribble makes us wait, never overwrite. */
			c->memo[c->nprod + i].live = owner_live(c->a, o,
			                        uatomic_read(&r->procw));
			if (!c->memo[c->nprod + i].live)
				continue;
			l = full;
		}
		if (g != 0)
			glive[g - 1] = true;
		widen(&m, l);
	}
	for (uint32_t i = 0; i < c->ngroup; i++) {
		if (!glive[i])
			continue;
		l = lag_of(t, gnext[i]);
		/* A group left behind while it had no live member (a joiner
		 * restarts it), or a scribble: full. */
		widen(&m, too_far(l, c->slots, c->cap_u) ? full : l);
	}
	c->fseq = FMT_CHAN_SEQ(t) - m.s;
	c->fbpos = FMT_CHAN_BPOS(t) - m.b;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

/* place -- lay out N messages of LENS from tail T: their start positions
 * in c->cl_pos; the new tail's bpos.  Returns how many fit the floor
 * (all, or fewer). */
static size_t place(struct arena_chan *c, uint64_t t, size_t n,
                    const size_t *lens, uint32_t *end)
{
	uint32_t s = FMT_CHAN_SEQ(t), b = FMT_CHAN_BPOS(t);
	size_t k;

	for (k = 0; k < n; k++) {
		uint32_t f = (uint32_t)((lens[k] + 7) / 8), lap = b & (c->cap_u - 1);
		uint32_t start = lap + f > c->cap_u ? b + (c->cap_u - lap) : b;

		if (start + f - c->fbpos > c->cap_u ||
		    s + (uint32_t)k + 1 - c->fseq > c->slots)
			break;
		c->cl_pos[k] = start;
		c->cl_len[k] = (uint32_t)lens[k];
		b = start + f;
	}
	*end = b;
	return k;
}

static bool space_ready(struct arena_chan *c)
{
	uint64_t t = uatomic_read(&c->cb->tail);
	uint32_t end;

	if (floor_scan(c, t) < 0)
		return true;            /* let the caller see the error */
	return place(c, t, 1, (size_t[]){ c->cl_len[0] }, &end) == 1;
}

int arena_chan_claimv(arena_chan_t *c, size_t n, const size_t *lens,
                      void **msgs, const struct timespec *timeout)
{
	struct fmt_chan_prod *me;
	int64_t d = -3;
	long poll = POLL_MIN_NS;

	if (c == NULL || c->role != ARENA_CHAN_PRODUCER || n == 0 ||
	    lens == NULL || msgs == NULL ||
	    (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
	                         timeout->tv_nsec >= NSEC))) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(c->a)) {
		errno = EROFS;
		return -1;
	}
	if (c->cl_n != 0) {
		errno = EBUSY;
		return -1;
	}
	if (n > ARENA_CHAN_BATCH_MAX)
		n = ARENA_CHAN_BATCH_MAX;
	for (size_t i = 0; i < n; i++)
		if (lens[i] > c->max_msg) {
			if (i == 0) {
				errno = EMSGSIZE;
				return -1;
			}
			n = i;
			break;
		}
	me = &c->prods[c->idx];
	for (;;) {
		uint64_t t = uatomic_read(&c->cb->tail), nt;
		uint32_t end;
		size_t k = place(c, t, n, lens, &end);

		if (k == 0) {
			/* Full by the cached floor: look at the receivers. */
			if (floor_scan(c, t) < 0)
				return -1;
			k = place(c, t, n, lens, &end);
		}
		if (k == 0 && d == -3 && !(timeout != NULL &&
		                           timeout->tv_sec == 0 &&
		                           timeout->tv_nsec == 0)) {
			/* Still full: spin a while before the sleep (whose
			 * membarrier would interrupt the receivers we wait
			 * for). */
			for (unsigned i = 1; i <= CHAN_SPIN_PROD && k == 0; i++) {
				caa_cpu_relax();
				if (i % (CHAN_YIELD * 16) == 0)
					spin_yield();
				if (i % 16 != 0)
					continue;
				t = uatomic_read(&c->cb->tail);
				if (floor_scan(c, t) < 0)
					return -1;
				k = place(c, t, n, lens, &end);
			}
		}
		if (k == 0) {
			int r;

			if (timeout != NULL && timeout->tv_sec == 0 &&
			    timeout->tv_nsec == 0) {
				errno = EAGAIN;
				return -1;
			}
			if (d == -3) {
				d = wait_deadline(timeout);
				if (d == -2)
					return -1;
			}
			c->cl_len[0] = (uint32_t)lens[0];
			r = nap(c, &c->cb->tx_seq, &c->cb->tx_waiters,
			        space_ready, d, poll);
			if (r < 0)
				return -1;
			if (r == 0 && poll < POLL_MAX_NS)
				poll *= 2;      /* a dead receiver wakes no one */
			continue;
		}
		uatomic_set(&me->intent, ((uint64_t)FMT_CHAN_SEQ(t) << 32) | k);
		nt = FMT_CHAN_POS(FMT_CHAN_SEQ(t) + (uint32_t)k, end);
		if (uatomic_cmpxchg(&c->cb->tail, t, nt) != t) {
			/* Not ours: a stale intent would make receivers wait
			 * for us on another producer's dead claim. */
			uatomic_set(&me->intent, 0);
			continue;
		}
		c->cl_seq = FMT_CHAN_SEQ(t);
		c->cl_n = (uint32_t)k;
		for (size_t i = 0; i < k; i++)
			msgs[i] = c->data + (size_t)(c->cl_pos[i] & (c->cap_u - 1)) * 8;
		return (int)k;
	}
}

void *arena_chan_claim(arena_chan_t *c, size_t len,
                       const struct timespec *timeout)
{
	void *p;

	return arena_chan_claimv(c, 1, &len, &p, timeout) == 1 ? p : NULL;
}

static int finish(arena_chan_t *c, bool abort)
{
	struct fmt_chan_prod *me;
	uint64_t bytes = 0;

	if (c == NULL || c->role != ARENA_CHAN_PRODUCER || c->cl_n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(c->a)) {             /* a fork child's copy of the handle */
		errno = EROFS;
		return -1;
	}
	me = &c->prods[c->idx];
	for (uint32_t i = 0; i < c->cl_n; i++) {
		uint32_t s = c->cl_seq + i;
		struct fmt_chan_desc *d = &c->desc[s & (c->slots - 1)];

		d->pos = c->cl_pos[i];
		d->prod = (uint16_t)c->idx;
		d->flags = abort ? FMT_CHAN_ABORTED : 0;
		cmm_smp_wmb();          /* the message and the above first */
		uatomic_set(&d->word, ((uint64_t)c->cl_len[i] << 32) | s);
		bytes += c->cl_len[i];
	}
	cmm_smp_wmb();
	uatomic_set(&me->intent, 0);
	if (abort) {
		c->aborted += c->cl_n;
		uatomic_set(&me->aborted, c->aborted);
	} else {
		c->msgs += c->cl_n;
		c->bytes += bytes;
		uatomic_set(&me->msgs, c->msgs);
		uatomic_set(&me->bytes, c->bytes);
	}
	c->cl_n = 0;
	publish_done(c, &c->cb->rx_seq, &c->cb->rx_waiters);
	return 0;
}

int arena_chan_commit(arena_chan_t *c)
{
	return finish(c, false);
}

int arena_chan_abort(arena_chan_t *c)
{
	return finish(c, true);
}

int arena_chan_send(arena_chan_t *c, const void *p, size_t len,
                    const struct timespec *timeout)
{
	void *m;

	if (p == NULL && len != 0) {
		errno = EINVAL;
		return -1;
	}
	m = arena_chan_claim(c, len, timeout);
	if (m == NULL)
		return -1;
	if (len != 0)
		memcpy(m, p, len);
	return arena_chan_commit(c);
}

/* --------------------------------------------------------------- receiver */

/* stamp_old -- whether descriptor stamp ST is from an earlier lap than
 * sequence S (not yet rewritten for S); a newer one is a scribble. */
static bool stamp_old(uint32_t st, uint32_t s)
{
	return (int32_t)(st - s) < 0;
}

/* publish_pos -- store a subscriber's position for producers to see, and
 * wake those that wait for space. */
static void publish_pos(struct arena_chan *c)
{
	struct fmt_chan_recv *me = &c->recvs[c->idx];

	c->unpub = 0;
	c->pub_bpos = c->rbpos;
	uatomic_set(&me->pos, FMT_CHAN_POS(c->rseq, c->rbpos));
	uatomic_set(&me->msgs, c->rmsgs);
	publish_done(c, &c->cb->tx_seq, &c->cb->tx_waiters);
}

/*
 * catch_up -- nothing is claimed from S on, and the tail's byte position
 * is B: every byte before B belongs to messages before S, which we have
 * passed.  Gaps leave a receiver's byte position behind (their lengths are
 * unknown): move it to B, or producers would count the gaps' space held
 * for good.
 */
static void catch_up(struct arena_chan *c, uint32_t s, uint32_t b)
{
	if (c->role == ARENA_CHAN_SUBSCRIBER) {
		if (c->rseq == s && c->held == 0 && c->rbpos != b &&
		    b - c->rbpos <= c->cap_u) {
			c->rbpos = b;
			publish_pos(c);
		}
	} else {
		struct fmt_chan_group *g = &c->groups[c->gidx];
		uint64_t nx = uatomic_read(&g->next);

		if (FMT_CHAN_SEQ(nx) == s && FMT_CHAN_BPOS(nx) != b &&
		    b - FMT_CHAN_BPOS(nx) <= c->cap_u &&
		    uatomic_cmpxchg(&g->next, nx, FMT_CHAN_POS(s, b)) == nx)
			publish_done(c, &c->cb->tx_seq, &c->cb->tx_waiters);
	}
}

/*
 * claim_dead -- whether sequence S, not committed (its descriptor's word
 * is W), was claimed by a producer that is gone: the tail is past S, and
 * no live producer's intent covers S.  The descriptor is then turned into
 * a gap with a compare-and-swap; its winner counts it.
 */
static bool claim_dead(struct arena_chan *c, uint32_t s, uint64_t w)
{
	uint64_t t = uatomic_read(&c->cb->tail);
	struct fmt_chan_desc *d = &c->desc[s & (c->slots - 1)];

	if (FMT_CHAN_SEQ(t) == s) {
		catch_up(c, s, FMT_CHAN_BPOS(t));
		return false;   /* not claimed yet */
	}
	if (FMT_CHAN_SEQ(t) - s - 1 >= c->slots)
		return false;   /* nonsense: wait */
	cmm_smp_rmb();
	for (uint32_t i = 0; i < c->nprod; i++) {
		struct fmt_chan_prod *p = &c->prods[i];
		uint32_t o = uatomic_read(&p->owner);
		uint64_t in;

		if (o == 0)
			continue;
		cmm_smp_rmb();
		in = uatomic_read(&p->intent);
		if ((uint32_t)in != 0 && s - (uint32_t)(in >> 32) < (uint32_t)in &&
		    live(c, i, o, uatomic_read(&p->procw)))
			return false;   /* a live claimer: it will commit */
	}
	cmm_smp_rmb();
	if (uatomic_read(&d->word) != w)
		return false;   /* committed meanwhile: look again */
	if (uatomic_cmpxchg(&d->word, w,
	                    ((uint64_t)FMT_CHAN_GAP << 32) | s) == w)
		(void)uatomic_add_return(&c->cb->gaps, 1);
	return true;
}

/* release_held -- the messages of the last receive are done with.  A
 * subscriber publishes its position once it has released CHAN_PUBLISH
 * messages (fewer in a channel of few slots) or an eighth of the ring,
 * when a producer sleeps for space, before it waits, and when FORCE: a
 * position published late only holds space a little longer, and producers
 * read the line it is on less often.  A member's hold is given up at once
 * (its group's position has moved). */
static void release_held(struct arena_chan *c, bool force)
{
	struct fmt_chan_recv *me = &c->recvs[c->idx];

	if (c->held == 0) {
		if (force && c->unpub != 0)
			publish_pos(c);
		return;
	}
	release_fence();        /* our reads of the messages come first */
	if (c->role == ARENA_CHAN_SUBSCRIBER) {
		c->rseq = c->nseq;
		c->rbpos = c->nbpos;
		c->unpub += c->held;
		c->held = 0;
		if (force || c->unpub >= c->pub_msgs ||
		    c->rbpos - c->pub_bpos >= c->pub_units ||
		    CMM_LOAD_SHARED(c->cb->tx_waiters) != 0)
			publish_pos(c);
		return;
	}
	c->held = 0;
	uatomic_set(&me->hold_n, 0);
	uatomic_set(&me->msgs, c->rmsgs);
	publish_done(c, &c->cb->tx_seq, &c->cb->tx_waiters);
}

/* take -- read up to N committed messages from sequence S, byte position B
 * on: fills M, returns how many; *S and *B move past them and past any
 * skipped (gap or aborted) ones.  -1 EBADMSG for a damaged descriptor; 0
 * when the next one is not committed (*W its word). */
static int take(struct arena_chan *c, uint32_t *sp, uint32_t *bp,
                struct arena_msg *m, size_t n, uint64_t *wp, uint32_t *skipped)
{
	uint32_t s = *sp, b = *bp;
	size_t k = 0;

	while (k < n) {
		struct fmt_chan_desc *d = &c->desc[s & (c->slots - 1)];
		uint64_t w = uatomic_read(&d->word);
		uint32_t len = (uint32_t)(w >> 32), pos, f;

		if ((uint32_t)w != s) {
			*wp = w;
			if (!stamp_old((uint32_t)w, s) && k == 0) {
				errno = EBADMSG;
				return -1;
			}
			break;
		}
		cmm_smp_rmb();
		if (len == FMT_CHAN_GAP) {
			s++;            /* its length is unknown: b stays */
			(*skipped)++;
			continue;
		}
		pos = uatomic_read(&d->pos);
		f = (len + 7) / 8;
		if (len > c->max_msg || pos - b > c->cap_u ||
		    (pos & (c->cap_u - 1)) + f > c->cap_u || pos - b + f > c->cap_u) {
			if (k != 0)
				break;
			errno = EBADMSG;
			return -1;
		}
		s++;
		b = pos + f;
		if (uatomic_read(&d->flags) & FMT_CHAN_ABORTED)
			continue;
		m[k].data = c->data + (size_t)(pos & (c->cap_u - 1)) * 8;
		m[k].len = len;
		m[k].seq = s - 1;
		m[k].producer = uatomic_read(&d->prod);
		m[k].reserved_ = 0;
		k++;
	}
	*sp = s;
	*bp = b;
	return (int)k;
}

/* The state a sleeping receiver waits for. */
static bool msg_ready(struct arena_chan *c)
{
	uint32_t s;

	if (c->role == ARENA_CHAN_SUBSCRIBER)
		s = c->rseq;
	else
		s = FMT_CHAN_SEQ(uatomic_read(&c->groups[c->gidx].next));
	return (uint32_t)uatomic_read(&c->desc[s & (c->slots - 1)].word) == s;
}

/* wait_msg -- the next message is not committed (word W of sequence S):
 * spin, look for a dead claimer, sleep.  0 to look again, -1 with errno. */
static int wait_msg(struct arena_chan *c, uint32_t s, uint64_t w,
                    const struct timespec *timeout, int64_t *d,
                    unsigned *round)
{
	struct fmt_chan_desc *dd = &c->desc[s & (c->slots - 1)];
	int64_t t0;
	long cap;
	int r;

	if (timeout != NULL && timeout->tv_sec == 0 && timeout->tv_nsec == 0) {
		/* Polling: look for a dead claimer only after as many polls
		 * as a waiting call spins, not on each (it reads the
		 * producers' lines). */
		if (c->stuck_seq != s) {
			c->stuck_seq = s;
			c->stuck_n = 0;
		} else if (++c->stuck_n >= CHAN_DEAD_POLLS) {
			c->stuck_n = 0;
			if (claim_dead(c, s, w))
				return 0;
		}
		errno = EAGAIN;
		return -1;
	}
	if (*round == 0) {
		for (unsigned i = 1; i <= CHAN_SPIN_FAST + c->spin; i++) {
			if (uatomic_read(&dd->word) != w)
				return 0;
			if (i <= CHAN_SPIN_FAST) {
				caa_cpu_relax();
				continue;
			}
			spin_pause(CHAN_SPIN_PAUSE);
			if (i % CHAN_YIELD == 0)
				spin_yield();
		}
		if (*d == -3) {
			*d = wait_deadline(timeout);
			if (*d == -2)
				return -1;
		}
	}
	if (claim_dead(c, s, w))
		return 0;
	/* A live claimer's commit wakes us; a dead one wakes no one. */
	cap = POLL_MIN_NS << (*round < 6 ? *round : 6);
	(*round)++;
	t0 = wait_now_ns();
	r = nap(c, &c->cb->rx_seq, &c->cb->rx_waiters, msg_ready, *d, cap);
	if (r == 0) {
		/* Spin longer if the message came soon after we gave up,
		 * shorter if the wait was long (see CHAN_SPIN_FAST). */
		if (wait_now_ns() - t0 < CHAN_SPIN_SHORT) {
			if (msg_ready(c) && c->spin < CHAN_SPIN_MAX)
				c->spin *= 2;
		} else if (c->spin > CHAN_SPIN_MIN) {
			c->spin /= 2;
		}
	}
	return r < 0 ? -1 : 0;
}

static int recv_sub(struct arena_chan *c, struct arena_msg *m, size_t n,
                    const struct timespec *timeout)
{
	struct fmt_chan_recv *me = &c->recvs[c->idx];
	int64_t d = -3;
	unsigned round = 0;

	for (;;) {
		uint32_t s = c->rseq, b = c->rbpos, skipped = 0;
		uint64_t w = 0;
		int k = take(c, &s, &b, m, n, &w, &skipped);

		if (k < 0)
			return -1;
		if (skipped != 0) {
			c->rgaps += skipped;
			uatomic_set(&me->gaps, c->rgaps);
		}
		if (k > 0) {
			c->held = (uint32_t)k;
			c->nseq = s;
			c->nbpos = b;
			c->rmsgs += (uint32_t)k;
			return k;
		}
		if (s != c->rseq) {     /* skipped some: publish that */
			c->rseq = s;
			c->rbpos = b;
			publish_pos(c);
			continue;
		}
		if (c->unpub != 0)      /* idle: let producers have the space */
			publish_pos(c);
		if (wait_msg(c, s, w, timeout, &d, &round) < 0)
			return -1;
	}
}

static int recv_member(struct arena_chan *c, struct arena_msg *m, size_t n,
                       const struct timespec *timeout)
{
	struct fmt_chan_recv *me = &c->recvs[c->idx];
	struct fmt_chan_group *g = &c->groups[c->gidx];
	int64_t d = -3;
	unsigned round = 0;

	for (;;) {
		uint64_t nx = uatomic_read(&g->next), w = 0;
		uint32_t s = FMT_CHAN_SEQ(nx), b = FMT_CHAN_BPOS(nx), skipped = 0;
		uint32_t s0 = s;
		int k;

		/* The group's position protects what we read here, while it
		 * is still NX: another member may have taken these messages
		 * and producers reused their descriptors since. */
		k = take(c, &s, &b, m, n, &w, &skipped);
		if (k < 0) {
			if (uatomic_read(&g->next) != nx)
				continue;
			return -1;
		}
		if (k == 0 && s == s0 && uatomic_read(&g->next) != nx)
			continue;
		if (k == 0 && s == s0) {
			if (wait_msg(c, s, w, timeout, &d, &round) < 0)
				return -1;
			continue;
		}
		/* Hold what we take before taking it (the compare-and-swap
		 * orders the stores): a producer that sees the group past
		 * the messages sees the hold.  Marked taking until the take
		 * is made; a member that dies so is counted as having lost
		 * them, which may be too many (arena(7)), never too few. */
		if (k > 0) {
			uatomic_set(&me->hold, nx);
			uatomic_set(&me->hold_n, FMT_CHAN_TAKING | (uint32_t)k);
		}
		if (uatomic_cmpxchg(&g->next, nx, FMT_CHAN_POS(s, b)) != nx) {
			if (k > 0) {    /* another member took them */
				uatomic_set(&me->hold_n, 0);
				/* A producer may sleep on our hold. */
				publish_done(c, &c->cb->tx_seq,
				             &c->cb->tx_waiters);
			}
			continue;
		}
		if (skipped != 0) {
			c->rgaps += skipped;
			uatomic_set(&me->gaps, c->rgaps);
		}
		if (k == 0)
			continue;
		uatomic_set(&me->hold_n, (uint32_t)k);
		c->held = (uint32_t)k;
		c->rmsgs += (uint32_t)k;
		return k;
	}
}

int arena_chan_recvv(arena_chan_t *c, struct arena_msg *m, size_t n,
                     const struct timespec *timeout)
{
	if (c == NULL || m == NULL || n == 0 ||
	    (c->role != ARENA_CHAN_SUBSCRIBER && c->role != ARENA_CHAN_MEMBER) ||
	    (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
	                         timeout->tv_nsec >= NSEC))) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(c->a)) {
		errno = EROFS;
		return -1;
	}
	release_held(c, false);
	if (n > ARENA_CHAN_BATCH_MAX)
		n = ARENA_CHAN_BATCH_MAX;
	return c->role == ARENA_CHAN_SUBSCRIBER ? recv_sub(c, m, n, timeout)
	                                        : recv_member(c, m, n, timeout);
}

int arena_chan_recv(arena_chan_t *c, struct arena_msg *m,
                    const struct timespec *timeout)
{
	return arena_chan_recvv(c, m, 1, timeout) == 1 ? 0 : -1;
}

int arena_chan_release(arena_chan_t *c)
{
	if (c == NULL ||
	    (c->role != ARENA_CHAN_SUBSCRIBER && c->role != ARENA_CHAN_MEMBER)) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(c->a)) {             /* a fork child's copy of the handle */
		errno = EROFS;
		return -1;
	}
	release_held(c, true);
	return 0;
}

ssize_t arena_chan_recv_copy(arena_chan_t *c, void *buf, size_t cap,
                             const struct timespec *timeout)
{
	struct arena_msg m;

	if (buf == NULL && cap != 0) {
		errno = EINVAL;
		return -1;
	}
	if (arena_chan_recv(c, &m, timeout) < 0)
		return -1;
	if (m.len > cap) {
		/* A subscriber's message is not consumed: the next receive
		 * returns it again.  A member cannot give a taken message
		 * back to its group: it stays held until the next call. */
		if (c->role == ARENA_CHAN_SUBSCRIBER) {
			c->held = 0;
			c->rmsgs--;
		}
		errno = EMSGSIZE;
		return -1;
	}
	if (m.len != 0)
		memcpy(buf, m.data, m.len);
	release_held(c, false);
	return (ssize_t)m.len;
}

/* ------------------------------------------------------------ create, open */

int arena_chan_create(arena_t *a, const char *key,
                      const struct arena_chan_config *cfg)
{
	struct arena_chan_config def = { 0 };
	struct geom g;
	struct fmt_chan *cb;
	struct fmt_chan_desc *desc;
	arena_ref_t r;
	size_t kl;
	int ret = -1;

	if (!handle_ok(a) || key == NULL) {
		errno = EINVAL;
		return -1;
	}
	kl = strnlen(key, ARENA_KEY_MAX + 1);
	if (kl == 0 || kl > ARENA_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	if (cfg == NULL)
		cfg = &def;
	if (cfg->capacity > MAX_CAPACITY) {
		errno = EINVAL;
		return -1;
	}
	g.capacity = cfg->capacity != 0 ? (uint32_t)cfg->capacity : DEF_CAPACITY;
	g.slots = cfg->slots != 0 ? cfg->slots
	          : g.capacity / 64 < 8 ? 8 : g.capacity / 64;
	g.nprod = cfg->producers != 0 ? cfg->producers : 16;
	g.nrecv = cfg->receivers != 0 ? cfg->receivers : 16;
	g.ngroup = cfg->groups != 0 ? cfg->groups : 4;
	if (!layout(&g)) {
		errno = EINVAL;
		return -1;
	}
	if (a->hdr_size == a->meta_size) {
		errno = ENOSPC;         /* no permanent part */
		return -1;
	}
	if (admin_lock(a, FMT_CHAN_CREATE_LOCK) < 0)
		return -1;
	if (arena_lookup(a, key) != ARENA_NULL) {
		errno = EEXIST;
		goto out;
	}
	r = arena_perm_alloc(a, g.total, FMT_PAGE);
	if (r == ARENA_NULL) {
		if (errno == ENOMEM)
			errno = ENOSPC;
		goto out;
	}
	cb = (struct fmt_chan *)(void *)(a->base + FMT_OFF(r));
	memset(cb, 0, g.data_off);
	cb->version = FMT_CHAN_VERSION;
	cb->cb_size = g.desc_off;
	cb->capacity = g.capacity;
	cb->slots = g.slots;
	cb->max_msg = g.capacity / 4;
	cb->producers = (uint16_t)g.nprod;
	cb->receivers = (uint16_t)g.nrecv;
	cb->groups = (uint16_t)g.ngroup;
	cb->desc_off = g.desc_off;
	cb->data_off = g.data_off;
	cb->total = g.total;
	cb->create_time = (int64_t)time(NULL);
	desc = (struct fmt_chan_desc *)(void *)((unsigned char *)cb + g.desc_off);
	/* Stamps of the lap before the first: nothing reads as committed. */
	for (uint32_t i = 0; i < g.slots; i++)
		desc[i].word = (uint32_t)(i - g.slots);
	cb->magic = FMT_CHAN_MAGIC;
	cb->checksum = chan_checksum(cb);
	/* arena_publish() has release order: the block is seen whole. */
	if (arena_publish(a, key, r) < 0)
		goto out;
	ret = 0;
out:
	admin_unlock(a, FMT_CHAN_CREATE_LOCK);
	return ret;
}

/* join -- take an entry for C's role (under the admin lock). */
static int join(struct arena_chan *c, const char *group)
{
	struct arena *a = c->a;
	uint32_t me = (uint32_t)a->slot + 1;
	uint64_t t;

	if ((c->role == ARENA_CHAN_MEMBER) != (group != NULL)) {
		errno = EINVAL;         /* arena_chan_open() saw to it */
		return -1;
	}
	reap(c);
	if (c->role == ARENA_CHAN_PRODUCER) {
		for (uint32_t i = 0; i < c->nprod; i++) {
			struct fmt_chan_prod *p = &c->prods[i];

			if (uatomic_read(&p->owner) != 0)
				continue;
			uatomic_set(&p->intent, 0);
			uatomic_set(&p->msgs, 0);
			uatomic_set(&p->bytes, 0);
			uatomic_set(&p->aborted, 0);
			uatomic_set(&p->pid, (uint32_t)getpid());
			uatomic_set(&p->procw, a->proc_word);
			cmm_smp_wmb();
			uatomic_set(&p->owner, me);
			c->idx = i;
			t = uatomic_read(&c->cb->tail);
			c->fseq = FMT_CHAN_SEQ(t) - c->slots;  /* "full": scan */
			c->fbpos = FMT_CHAN_BPOS(t) - c->cap_u;
			return 0;
		}
		errno = EUSERS;
		return -1;
	}
	for (uint32_t i = 0; i < c->nrecv; i++) {
		struct fmt_chan_recv *r = &c->recvs[i];
		struct fmt_chan_group *g = NULL;
		bool fresh = false;

		if (uatomic_read(&r->owner) != 0)
			continue;
		if (group != NULL) {
			uint32_t fr = UINT32_MAX, k;

			for (k = 0; k < c->ngroup; k++) {
				if (c->groups[k].name[0] == 0) {
					if (fr == UINT32_MAX)
						fr = k;
				} else if (strncmp(c->groups[k].name, group,
				                   sizeof(g->name)) == 0) {
					break;
				}
			}
			if (k == c->ngroup) {
				if (fr == UINT32_MAX) {
					errno = EUSERS;
					return -1;
				}
				k = fr;
				fresh = true;
			}
			g = &c->groups[k];
			c->gidx = k;
		}
		t = uatomic_read(&c->cb->tail);
		if (fresh && group != NULL) {
			uatomic_set(&g->next, t);
			uatomic_set(&g->lost, 0);
			memset(g->name, 0, sizeof(g->name));
			memcpy(g->name, group, strlen(group));
		}
		uatomic_set(&r->pos, t);
		uatomic_set(&r->hold_n, 0);
		uatomic_set(&r->group, g == NULL ? 0 : (uint16_t)(c->gidx + 1));
		uatomic_set(&r->msgs, 0);
		uatomic_set(&r->gaps, 0);
		uatomic_set(&r->pid, (uint32_t)getpid());
		uatomic_set(&r->procw, a->proc_word);
		cmm_smp_wmb();
		uatomic_set(&r->owner, me);
		/* A producer whose floor scan missed the entry read the tail
		 * before it: start where the tail is now, no earlier. */
		cmm_smp_mb();
		t = uatomic_read(&c->cb->tail);
		if (g == NULL)
			uatomic_set(&r->pos, t);
		else if (fresh)
			uatomic_set(&g->next, t);
		c->rseq = FMT_CHAN_SEQ(t);
		c->rbpos = FMT_CHAN_BPOS(t);
		c->pub_bpos = c->rbpos;
		c->pub_msgs = c->slots / 8 < CHAN_PUBLISH ? c->slots / 8
		                                          : CHAN_PUBLISH;
		c->pub_units = c->cap_u / 8;
		c->idx = i;
		/* A producer that saw our first start may wait for space. */
		publish_done(c, &c->cb->tx_seq, &c->cb->tx_waiters);
		return 0;
	}
	errno = EUSERS;
	return -1;
}

arena_chan_t *arena_chan_open(arena_t *a, const char *key, unsigned role,
                              const char *group)
{
	struct arena_chan *c;
	struct tables tb;
	struct fmt_chan *cb;
	struct geom g;
	uint64_t off;
	int e;

	if (!handle_ok(a) || key == NULL || role < ARENA_CHAN_PRODUCER ||
	    role > ARENA_CHAN_MEMBER ||
	    (role == ARENA_CHAN_MEMBER) != (group != NULL) ||
	    (group != NULL && (group[0] == 0 ||
	                       strnlen(group, ARENA_CHAN_GROUP_MAX + 1) >
	                       ARENA_CHAN_GROUP_MAX))) {
		errno = EINVAL;
		return NULL;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return NULL;
	}
	cb = chan_find(a, key, &g, &off);
	if (cb == NULL)
		return NULL;
	if (role == ARENA_CHAN_MEMBER && g.ngroup == 0) {
		errno = EUSERS;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->memo = calloc(g.nprod + g.nrecv, sizeof(*c->memo));
	if (c == NULL || c->memo == NULL) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->a = a;
	c->cb = cb;
	c->off = off;
	tb = chan_tables(cb, &g);
	c->prods = tb.prods;
	c->recvs = tb.recvs;
	c->groups = tb.groups;
	c->desc = (struct fmt_chan_desc *)(void *)((unsigned char *)cb +
	                                           g.desc_off);
	c->data = (unsigned char *)cb + g.data_off;
	c->cap_u = g.capacity / 8;
	c->slots = g.slots;
	c->max_msg = g.capacity / 4;
	c->nprod = g.nprod;
	c->nrecv = g.nrecv;
	c->ngroup = g.ngroup;
	c->role = role;
	c->spin = CHAN_SPIN_START;
	c->fence = memb_register() != 1;
	(void)prefault_range(a, off, g.total);
	if (admin_lock(a, off) < 0)
		goto fail;
	e = join(c, group);
	admin_unlock(a, off);
	if (e == 0) {
		(void)uatomic_add_return(&a->chans, 1);
		return c;
	}
fail:
	e = errno;
	free(c->memo);
	free(c);
	errno = e;
	return NULL;
}

int arena_chan_close(arena_chan_t *c)
{
	struct arena *a;

	if (c == NULL)
		return 0;
	a = c->a;
	if (!handle_ok(a)) {
		errno = EINVAL;
		return -1;
	}
	if (!rdonly(a)) {
		if (c->role == ARENA_CHAN_PRODUCER) {
			if (c->cl_n != 0)
				(void)finish(c, true);
		} else {
			release_held(c, true);
		}
		if (admin_lock(a, c->off) == 0) {
			if (c->role == ARENA_CHAN_PRODUCER)
				uatomic_set(&c->prods[c->idx].owner, 0);
			else
				uatomic_set(&c->recvs[c->idx].owner, 0);
			reap(c);        /* frees our group if we were its last */
			admin_unlock(a, c->off);
		}
		if (c->role != ARENA_CHAN_PRODUCER)
			publish_done(c, &c->cb->tx_seq, &c->cb->tx_waiters);
	}
	(void)uatomic_add_return(&a->chans, -1);
	free(c->memo);
	free(c);
	return 0;
}

/* ------------------------------------------------------------------ check */

int chan_check(const struct arena *a, const char *key,
               void (*emit)(void *, int, const char *), void *ctx)
{
	struct fmt_chan *cb;
	struct fmt_chan_prod *prods;
	struct fmt_chan_recv *recvs;
	struct tables tb;
	struct geom g;
	uint64_t off, t;
	uint32_t dead = 0, far = 0;
	char msg[160];

	cb = chan_find(a, key, &g, &off);
	if (cb == NULL) {
		if (errno == EMEDIUMTYPE || errno == ENOENT)
			return 0;
		snprintf(msg, sizeof(msg), "channel '%s': %s", key,
		         errno == EPROTONOSUPPORT ? "a channel version this "
		         "library does not know" : "control block damaged "
		         "(checksum or geometry)");
		emit(ctx, ARENA_CHECK_ERROR, msg);
		return 1;
	}
	tb = chan_tables(cb, &g);
	prods = tb.prods;
	recvs = tb.recvs;
	t = uatomic_read(&cb->tail);
	for (uint32_t i = 0; i < g.nprod; i++) {
		uint32_t o = uatomic_read(&prods[i].owner);

		if (o != 0 && !owner_live(a, o, uatomic_read(&prods[i].procw)))
			dead++;
	}
	for (uint32_t i = 0; i < g.nrecv; i++) {
		uint32_t o = uatomic_read(&recvs[i].owner);
		uint32_t gi = uatomic_read(&recvs[i].group);
		uint64_t w = uatomic_read(&recvs[i].pos);

		if (o == 0)
			continue;
		if (!owner_live(a, o, uatomic_read(&recvs[i].procw)))
			dead++;
		else if (gi == 0 ? too_far(lag_of(t, w), g.slots, g.capacity / 8)
		                 : gi - 1 >= g.ngroup)
			far++;
	}
	if (far != 0) {
		snprintf(msg, sizeof(msg), "channel '%s': %u receiver entries "
		         "hold positions the ring cannot have (producers count "
		         "the ring full and wait)", key, far);
		emit(ctx, ARENA_CHECK_ERROR, msg);
	}
	if (dead != 0) {
		snprintf(msg, sizeof(msg), "channel '%s': %u entries of dead "
		         "processes, not yet freed (the next join frees them; "
		         "they hold no space)", key, dead);
		emit(ctx, ARENA_CHECK_WARN, msg);
	}
	return far != 0;
}

/* ------------------------------------------------------------------- stat */

int arena_chan_stat(const arena_t *a, const char *key,
                    struct arena_chan_stat *st,
                    struct arena_chan_peer *peers, size_t *npeers)
{
	struct fmt_chan *cb;
	struct fmt_chan_prod *prods;
	struct fmt_chan_recv *recvs;
	struct fmt_chan_group *groups;
	struct tables tb;
	struct geom g;
	struct lag m = { 0, 0 };
	uint64_t off, t;
	size_t np = 0, cap = 0;
	bool glive[MAX_GROUPS] = { false };

	if (!handle_ok(a) || key == NULL || st == NULL ||
	    (peers != NULL && npeers == NULL)) {
		errno = EINVAL;
		return -1;
	}
	cb = chan_find(a, key, &g, &off);
	if (cb == NULL)
		return -1;
	if (peers != NULL)
		cap = *npeers;
	tb = chan_tables(cb, &g);
	prods = tb.prods;
	recvs = tb.recvs;
	groups = tb.groups;
	memset(st, 0, sizeof(*st));
	st->capacity = g.capacity;
	st->slots = g.slots;
	st->max_msg = g.capacity / 4;
	st->producers = g.nprod;
	st->receivers = g.nrecv;
	st->groups = g.ngroup;
	st->gaps = uatomic_read(&cb->gaps);
	st->create_time = cb->create_time;
	t = uatomic_read(&cb->tail);
	st->seq = FMT_CHAN_SEQ(t);

#define PEER(...) do { if (np < cap) peers[np] = (struct arena_chan_peer){ __VA_ARGS__ }; np++; } while (0)
	for (uint32_t i = 0; i < g.nprod; i++) {
		struct fmt_chan_prod *p = &prods[i];
		uint32_t o = uatomic_read(&p->owner);
		bool l;

		if (o == 0)
			continue;
		l = owner_live(a, o, uatomic_read(&p->procw));
		st->live_producers += l;
		st->msgs += uatomic_read(&p->msgs);
		st->bytes += uatomic_read(&p->bytes);
		PEER(.role = ARENA_CHAN_PRODUCER, .alive = l,
		     .pid = (pid_t)uatomic_read(&p->pid), .index = i,
		     .msgs = uatomic_read(&p->msgs),
		     .bytes = uatomic_read(&p->bytes));
	}
	for (uint32_t i = 0; i < g.nrecv; i++) {
		struct fmt_chan_recv *r = &recvs[i];
		uint32_t o = uatomic_read(&r->owner), gi = uatomic_read(&r->group);
		uint64_t w;
		struct lag lw;
		bool l;
		uint32_t held = 0;

		if (o == 0)
			continue;
		l = owner_live(a, o, uatomic_read(&r->procw));
		if (gi != 0 && gi - 1 >= g.ngroup)
			continue;       /* a scribble: not a receiver */
		if (gi == 0) {
			w = uatomic_read(&r->pos);
			st->live_subscribers += l;
		} else {
			held = uatomic_read(&r->hold_n);
			w = held ? uatomic_read(&r->hold)
			         : uatomic_read(&groups[gi - 1].next);
			held &= ~FMT_CHAN_TAKING;
			st->live_members += l;
			glive[gi - 1] |= l;
		}
		lw = lag_of(t, w);
		if (l)
			widen(&m, lw);
		PEER(.role = gi == 0 ? ARENA_CHAN_SUBSCRIBER : ARENA_CHAN_MEMBER,
		     .alive = l, .pid = (pid_t)uatomic_read(&r->pid), .index = i,
		     .seq = FMT_CHAN_SEQ(w), .lag = lw.s,
		     .lag_bytes = (uint64_t)lw.b * 8,
		     .msgs = uatomic_read(&r->msgs), .gaps = uatomic_read(&r->gaps),
		     .held = held);
		if (gi != 0 && np <= cap)
			memcpy(peers[np - 1].group, groups[gi - 1].name,
			       ARENA_CHAN_GROUP_MAX);
	}
	for (uint32_t i = 0; i < g.ngroup; i++) {
		struct fmt_chan_group *gr = &groups[i];
		uint64_t w = uatomic_read(&gr->next);
		struct lag lw = lag_of(t, w);

		if (gr->name[0] == 0)
			continue;
		st->live_groups += glive[i];
		if (glive[i])
			widen(&m, lw);
		PEER(.role = ARENA_CHAN_GROUP, .alive = glive[i], .index = i,
		     .seq = FMT_CHAN_SEQ(w), .lag = lw.s,
		     .lag_bytes = (uint64_t)lw.b * 8,
		     .lost = uatomic_read(&gr->lost));
		if (np <= cap)
			memcpy(peers[np - 1].group, gr->name, ARENA_CHAN_GROUP_MAX);
	}
#undef PEER
	st->lag = m.s;
	st->lag_bytes = (uint64_t)m.b * 8;
	if (npeers != NULL)
		*npeers = np;
	return 0;
}
