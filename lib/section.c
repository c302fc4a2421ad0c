/*
 * section.c - read-side sections across processes, the waiting reset and
 * the generation wait (arena(7), GRACE PERIODS).
 *
 * A thread in a section has stored {generation | 1} into its entry of the
 * section table, with no fence: the reset that waits for sections makes the
 * store visible with membarrier(2), as liburcu's membarrier flavour does
 * inside one process.  The protocol and its words are in format.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <urcu/futex.h>

#include "internal.h"

/* Sleeps that poll for a dead peer (a dead process wakes no one). */

static int sys_membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

/*
 * This process's registration for MEMBARRIER_CMD_GLOBAL_EXPEDITED: 0 not
 * tried, 1 registered, 2 refused (its sections then fence).  Threads may
 * race to register; registering twice is harmless.
 */
static int memb_state;

int memb_register(void)
{
	int s = uatomic_read(&memb_state);

	if (s == 0) {
		s = sys_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0
		    ? 1 : 2;
		uatomic_set(&memb_state, s);
	}
	return s;
}

void sect_fork_child(void)
{
	/* Whether a registration survives fork() is the kernel's business:
	 * register again in the child. */
	memb_state = 0;
}

/* memb_all -- a full barrier in every thread of every process that may be
 * in a section: expedited for registered processes (the rest fence on
 * their own); the slow global command if the expedited one is refused. */
int memb_all(void)
{
	if (sys_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0)
		return 0;
	if (sys_membarrier(MEMBARRIER_CMD_GLOBAL) == 0)
		return 0;
	return -1;
}

/* futex_sleep -- sleep on the shared word W while it holds V, at most NS
 * nanoseconds; returns when woken, on timeout, or at once if W moved. */
void futex_sleep(uint32_t *w, uint32_t v, long ns)
{
	struct timespec ts = { ns / NSEC, ns % NSEC };

	(void)futex_async((int32_t *)(void *)w, FUTEX_WAIT, (int32_t)v, &ts,
	                  NULL, 0);
}

void futex_wake_all(uint32_t *w)
{
	(void)futex_async((int32_t *)(void *)w, FUTEX_WAKE, INT32_MAX, NULL,
	                  NULL, 0);
}

/* Deadlines: CLOCK_MONOTONIC nanoseconds; -1 for none. */
int64_t wait_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* wait_deadline -- the deadline of relative timeout T (NULL: none, -1); -2 and
 * EINVAL for a malformed one. */
int64_t wait_deadline(const struct timespec *t)
{
	if (t == NULL)
		return -1;
	if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= NSEC) {
		errno = EINVAL;
		return -2;
	}
	if (t->tv_sec > (INT64_MAX / 2) / NSEC)
		return -1;              /* centuries: no deadline */
	return wait_now_ns() + (int64_t)t->tv_sec * NSEC + t->tv_nsec;
}

/* wait_left -- nanoseconds to sleep before deadline D, at most CAP; 0 when it
 * has passed. */
long wait_left(int64_t d, long cap)
{
	int64_t n;

	if (d < 0)
		return cap;
	n = d - wait_now_ns();
	return n <= 0 ? 0 : n < cap ? (long)n : cap;
}

/* reset_wake -- after a reset, or the end of a pending one: move wake_seq
 * (a full barrier) and wake its sleepers, if any. */
void reset_wake(struct arena *a)
{
	(void)uatomic_add_return(&a->hdr->wake_seq, 1);
	if (uatomic_read(&a->hdr->wake_waiters) != 0)
		futex_wake_all(&a->hdr->wake_seq);
}

/* owner_alive -- whether section-table owner value O names a live handle. */
static bool owner_alive(const struct arena *a, uint32_t o)
{
	return o != 0 && o - 1 < a->proc_slots && proc_slot_alive(a, o - 1);
}

/* grace_alive -- whether grace word G names a live resetter. */
static bool grace_alive(const struct arena *a, uint64_t g)
{
	uint32_t s = FMT_GRACE_SLOT(g);

	return FMT_GRACE_GEN(g) != 0 && s < a->proc_slots &&
	       proc_slot_alive(a, s);
}

/* grace_clear -- end the pending reset G (ours, or a dead resetter's) and
 * wake whoever waits for it. */
static void grace_clear(struct arena *a, uint64_t g)
{
	if (uatomic_cmpxchg(&a->hdr->grace, g, 0) == g)
		reset_wake(a);
}

/*
 * grace_wait -- wait until the pending reset G ends (or is seen to belong
 * to a dead process, or to be garbage, and is cleared).
 */
static void grace_wait(struct arena *a, uint64_t g)
{
	long poll = POLL_MIN_NS;

	(void)uatomic_add_return(&a->hdr->wake_waiters, 1);
	for (;;) {
		uint32_t s = uatomic_read(&a->hdr->wake_seq);

		cmm_smp_mb();
		if (uatomic_read(&a->hdr->grace) != g)
			break;
		if (!grace_alive(a, g)) {
			grace_clear(a, g);
			break;
		}
		futex_sleep(&a->hdr->wake_seq, s, poll);
		if (poll < POLL_MAX_NS)
			poll *= 2;
	}
	(void)uatomic_add_return(&a->hdr->wake_waiters, -1);
}

/* sect_kick -- a section ended while a reset is pending: tell it. */
static void sect_kick(struct arena *a)
{
	(void)uatomic_add_return(&a->hdr->grace_seq, 1);
	futex_wake_all(&a->hdr->grace_seq);
}

/* sect_claim -- give cache L an entry of the section table: a free one,
 * or one whose owner's handle is gone.  EUSERS when all are taken. */
static int sect_claim(struct arena_local *l)
{
	struct arena *a = l->arena_;
	uint32_t me = (uint32_t)a->slot + 1, n = a->sect_slots;
	uint32_t tid = (uint32_t)syscall(SYS_gettid), start = tid % n;

	l->fence_ = memb_register() != 1;
	for (uint32_t k = 0; k < n; k++) {
		struct fmt_sect *e = &a->sects[(start + k) % n];
		uint32_t o = uatomic_read(&e->owner);

		if (o != 0 && owner_alive(a, o))
			continue;
		if (uatomic_cmpxchg(&e->owner, o, me) != o)
			continue;
		/* Counted before the first section, a full barrier: a resetter
		 * that finds the count 0 is seen by our grace check. */
		if (o == 0)
			(void)uatomic_add_return(&a->hdr->sect_owned, 1);
		uatomic_set(&e->word, 0);
		uatomic_set(&e->tid, tid);
		/* A resetter may count the entry ours now, and wait for it. */
		cmm_smp_mb();
		if (uatomic_read(&a->hdr->grace) != 0)
			sect_kick(a);
		l->sect_ = &e->word;
		return 0;
	}
	errno = EUSERS;
	return -1;
}

/* sect_of -- the entry whose word is at W. */
static struct fmt_sect *sect_of(uint64_t *w)
{
	return (struct fmt_sect *)(void *)((unsigned char *)w -
	                                   offsetof(struct fmt_sect, word));
}

void sect_release(struct arena_local *l)
{
	struct arena *a = l->arena_;

	if (l->sect_ == NULL || l->nest_ != 0)
		return;
	if (!rdonly(a)) {
		uatomic_set(l->sect_, 0);
		if (uatomic_cmpxchg(&sect_of(l->sect_)->owner,
		                    (uint32_t)a->slot + 1, 0) ==
		    (uint32_t)a->slot + 1)
			(void)uatomic_add_return(&a->hdr->sect_owned, -1);
	}
	l->sect_ = NULL;
}

void grace_cancel_slot(struct arena *a, uint32_t slot)
{
	uint64_t g = uatomic_read(&a->hdr->grace);

	if (g != 0 && FMT_GRACE_SLOT(g) == slot)
		grace_clear(a, g);
}

void sect_cancel(struct arena *a, uint32_t slot)
{
	/* No entry owned by anyone: nothing to look at (attach is then
	 * spared the table's pages). */
	if (uatomic_read(&a->hdr->sect_owned) == 0)
		return;
	/* Only the owner: a claimer zeroes the word of what it takes. */
	for (uint32_t i = 0; i < a->sect_slots; i++)
		if (uatomic_cmpxchg(&a->sects[i].owner, slot + 1, 0) == slot + 1)
			(void)uatomic_add_return(&a->hdr->sect_owned, -1);
}

int arena_section_enter_slow(struct arena_local *l)
{
	struct arena *a;

	if (l == NULL || !handle_ok(l->arena_)) {
		errno = EINVAL;
		return -1;
	}
	a = l->arena_;
	if (l->nest_ != 0) {            /* nested: nothing shared to do */
		if (l->nest_ == UINT32_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
		l->nest_++;
		return 0;
	}
	if (rdonly(a)) {                /* read-only, or inherited by fork() */
		errno = EROFS;
		return -1;
	}
	if (l->sect_ == NULL && sect_claim(l) < 0)
		return -1;
	for (;;) {
		uint64_t g, e = uatomic_read(l->epoch_);

		uatomic_set(l->sect_, FMT_SECT_IN(FMT_GEN(e)));
		cmm_smp_mb();
		g = uatomic_read(&a->hdr->grace);
		cmm_smp_rmb();
		if (g == 0 && uatomic_read(l->epoch_) == e)
			break;
		if (g == 0)
			continue;       /* a reset came and went: name the new one */
		/* A reset is pending: stay out of its generation. */
		uatomic_set(l->sect_, 0);
		cmm_smp_mb();
		sect_kick(a);
		grace_wait(a, g);
	}
	l->nest_ = 1;
	return 0;
}

int arena_section_leave_slow(struct arena_local *l)
{
	if (l == NULL || !handle_ok(l->arena_) || l->sect_ == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (l->nest_ > 1) {
		l->nest_--;
		return 0;
	}
	if (l->nest_ == 0) {            /* not in a section */
		errno = EINVAL;
		return -1;
	}
	l->nest_ = 0;
	if (rdonly(l->arena_))          /* inherited: the entry is the parent's */
		return 0;
	cmm_smp_mb();                   /* the section's accesses first */
	uatomic_set(l->sect_, 0);
	cmm_smp_mb();
	if (uatomic_read(&l->arena_->hdr->grace) != 0)
		sect_kick(l->arena_);
	return 0;
}

/*
 * sections_open -- whether an entry of a live handle is in a section.  The
 * caller has published its grace word and run the membarrier.
 */
static bool sections_open(struct arena *a)
{
	for (uint32_t i = 0; i < a->sect_slots; i++) {
		struct fmt_sect *e = &a->sects[i];

		if (uatomic_read(&e->word) != 0 &&
		    owner_alive(a, uatomic_read(&e->owner)))
			return true;
	}
	return false;
}

bool sect_own_thread_open(const struct arena *a)
{
	uint32_t me = (uint32_t)a->slot + 1, tid = (uint32_t)syscall(SYS_gettid);

	for (uint32_t i = 0; i < a->sect_slots; i++) {
		const struct fmt_sect *e = &a->sects[i];

		if (uatomic_read(&e->owner) == me && uatomic_read(&e->tid) == tid &&
		    uatomic_read(&e->word) != 0)
			return true;
	}
	return false;
}

/* sections_claimed -- whether any entry has an owner: if none, no thread
 * can be in a section without first claiming one, a compare-and-swap and
 * an increment of sect_owned after which it sees our grace word, so no
 * membarrier is needed.  A count of 0 says so without the scan. */
static bool sections_claimed(struct arena *a)
{
	if (uatomic_read(&a->hdr->sect_owned) == 0)
		return false;
	for (uint32_t i = 0; i < a->sect_slots; i++)
		if (uatomic_read(&a->sects[i].owner) != 0)
			return true;
	return false;
}

int grace_begin(struct arena *a, uint64_t *gp)
{
	uint64_t me = FMT_GRACE(FMT_GEN(uatomic_read(&a->hdr->state)) &
	                        FMT_GEN_MASK, (uint32_t)a->slot);
	uint64_t g = uatomic_read(&a->hdr->grace);

	if (FMT_GRACE_GEN(me) == 0)
		me |= (uint64_t)1 << 40;    /* a broken state word: still a mark */
	for (;;) {
		uint64_t cur;

		if (g != 0 && grace_alive(a, g)) {
			errno = EBUSY;
			return -1;
		}
		cur = uatomic_cmpxchg(&a->hdr->grace, g, me);
		if (cur == g)
			break;
		g = cur;
	}
	if (g != 0)
		reset_wake(a);     /* a dead resetter's waiters */
	*gp = me;
	if (sections_claimed(a) && memb_all() < 0) {
		int err = errno;

		grace_clear(a, me);
		errno = err == EPERM ? EPERM : ENOSYS;
		return -1;
	}
	return 0;
}

void grace_end(struct arena *a, uint64_t g)
{
	grace_clear(a, g);
}

int grace_quiesce(struct arena *a, const struct timespec *timeout, int busy)
{
	int64_t d = wait_deadline(timeout);
	long poll = POLL_MIN_NS;

	if (d == -2)
		return -1;
	for (;;) {
		uint32_t f = uatomic_read(&a->hdr->grace_seq);
		long ns;

		cmm_smp_mb();
		if (!sections_open(a)) {
			if (!sections_claimed(a) || memb_all() == 0)
				return 0;
			errno = errno == EPERM ? EPERM : ENOSYS;
			return -1;
		}
		ns = wait_left(d, poll);
		if (ns == 0) {
			errno = busy;
			return -1;
		}
		futex_sleep(&a->hdr->grace_seq, f, ns);
		if (poll < POLL_MAX_NS)
			poll *= 2;
	}
}

uint32_t sect_count(const struct arena *a, int slot, uint32_t *claimed)
{
	uint32_t open = 0, held = 0;

	for (uint32_t i = 0; i < a->sect_slots; i++) {
		const struct fmt_sect *e = &a->sects[i];
		uint32_t o = uatomic_read(&e->owner);

		if ((slot >= 0 && o != (uint32_t)slot + 1) || !owner_alive(a, o))
			continue;
		held++;
		if (uatomic_read(&e->word) != 0)
			open++;
	}
	if (claimed != NULL)
		*claimed = held;
	return open;
}

int grace_owner(const struct arena *a)
{
	uint64_t g = uatomic_read(&a->hdr->grace);

	return g != 0 && grace_alive(a, g) ? (int)FMT_GRACE_SLOT(g) : -1;
}

/* generation_moved -- whether the arena is past generation G: another
 * generation, open (not held by a trim). */
static bool generation_moved(struct arena *a, uint64_t g)
{
	uint64_t w = uatomic_read(&a->hdr->state);

	return FMT_GEN(w) != g && FMT_OFF(w) != FMT_TOP_TRIMMING;
}

/*
 * sleep_until -- wait until DONE(A, CTX), sleeping on the futex word SEQ
 * (read before each look, after a full barrier, so a change made and
 * woken for after the look is not lost) at most CAP nanoseconds at a time,
 * until deadline D.  A read-write handle counts itself in *WAITERS, so
 * that changers wake it; a read-only one cannot, and polls every RO_CAP.
 * 0 when DONE, -1 ETIMEDOUT.
 */
static int sleep_until(struct arena *a, uint32_t *seq, uint32_t *waiters,
                       bool (*done)(struct arena *, void *), void *ctx,
                       int64_t d, long cap, long ro_cap)
{
	bool ro = rdonly(a);
	int ret = 0;

	if (!ro)
		(void)uatomic_add_return(waiters, 1);
	for (;;) {
		uint32_t v = uatomic_read(seq);
		long ns;

		cmm_smp_mb();
		if (done(a, ctx))
			break;
		ns = wait_left(d, ro ? ro_cap : cap);
		if (ns == 0) {
			errno = ETIMEDOUT;
			ret = -1;
			break;
		}
		futex_sleep(seq, v, ns);
	}
	if (!ro)
		(void)uatomic_add_return(waiters, -1);
	return ret;
}

static bool moved_past(struct arena *a, void *gen)
{
	return generation_moved(a, *(uint64_t *)gen);
}

int arena_wait_generation(arena_t *a, uint64_t gen,
                          const struct timespec *timeout)
{
	int64_t d;

	if (!handle_ok(a) || gen == 0 || gen > FMT_GEN_MASK) {
		errno = EINVAL;
		return -1;
	}
	d = wait_deadline(timeout);
	if (d == -2)
		return -1;
	/* The cap is a safety net only: every reset wakes the sleepers. */
	return sleep_until(a, &a->hdr->wake_seq, &a->hdr->wake_waiters,
	                   moved_past, &gen, d, NSEC, POLL_MIN_NS * 4);
}

/* procs_changed -- only when someone waits, so that an attach and detach
 * leave the header as they found it: a watcher counts itself in
 * procs_waiters (a full barrier) before it looks at the table, and we look
 * at procs_waiters after changing it, so one of the two sees the other. */
void procs_changed(struct arena *a)
{
	cmm_smp_mb();
	if (uatomic_read(&a->hdr->procs_waiters) != 0) {
		(void)uatomic_add_return(&a->hdr->procs_seq, 1);
		futex_wake_all(&a->hdr->procs_seq);
	}
}

/* A death wakes no one: watchers look again this often. */
#define PROCS_POLL_NS 20000000L    /* 20 ms */

/* set_changed -- whether the live set differs from *TOKEN; if so *TOKEN
 * becomes its fingerprint. */
static bool set_changed(struct arena *a, void *token)
{
	uint64_t f = proc_fingerprint(a);

	if (f == *(uint64_t *)token)
		return false;
	*(uint64_t *)token = f;
	return true;
}

int arena_procs_wait(arena_t *a, uint64_t *token,
                     const struct timespec *timeout)
{
	int64_t d;

	if (!handle_ok(a) || token == NULL) {
		errno = EINVAL;
		return -1;
	}
	d = wait_deadline(timeout);
	if (d == -2)
		return -1;
	return sleep_until(a, &a->hdr->procs_seq, &a->hdr->procs_waiters,
	                   set_changed, token, d, PROCS_POLL_NS, PROCS_POLL_NS);
}
