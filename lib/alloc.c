/*
 * alloc.c - allocation and reset: everything that moves the state word
 * {generation:24 | top:40}.  Allocation moves the top down with one
 * compare-and-swap; reset moves the generation on and the top back up in
 * one compare-and-swap, so the two linearize and a stale reading of the
 * state can never succeed (no ABA: the generation differs).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"

arena_ref_t alloc_fail(struct arena *a)
{
	uatomic_inc(&a->hdr->failed_allocs);
	errno = ENOMEM;
	return ARENA_NULL;
}

/* alloc_bad -- the reason a call cannot allocate at all. */
static arena_ref_t alloc_bad(const struct arena *a)
{
	errno = (handle_ok(a) && rdonly(a)) ? EROFS : EINVAL;
	return ARENA_NULL;
}

arena_ref_t arena_alloc_slow(arena_t *a, size_t size, size_t align)
{
	arena_ref_t r;

	if (caa_unlikely(!handle_ok(a) || rdonly(a) || size == 0 ||
	                 align - 1 >= ARENA_MAX_ALIGN || (align & (align - 1))))
		return alloc_bad(a);
	r = alloc_top(a, size, align);
	if (caa_unlikely(r == ARENA_NULL) && errno == ENOMEM)
		return alloc_fail(a);
	return r;
}

/*
 * The copying calls, for any allocator: ALLOC takes SIZE bytes at ALIGN
 * from SRC (a handle, a per-thread cache, the permanent part), and A is
 * the handle the reference is turned into an address with.
 */
arena_ref_t copy_calloc(alloc_fn *alloc, void *src, const arena_t *a,
                        size_t n, size_t size, size_t align)
{
	arena_ref_t r;

	if (size != 0 && n > SIZE_MAX / size) {
		errno = EOVERFLOW;
		return ARENA_NULL;
	}
	r = alloc(src, n * size, align);
	if (r != ARENA_NULL)
		memset(arena_ptr(a, r), 0, n * size);
	return r;
}

arena_ref_t copy_mem(alloc_fn *alloc, void *src, const arena_t *a,
                     const void *p, size_t n, size_t align)
{
	arena_ref_t r;

	if (p == NULL) {
		errno = EINVAL;
		return ARENA_NULL;
	}
	r = alloc(src, n, align);
	if (r != ARENA_NULL)
		memcpy(arena_ptr(a, r), p, n);
	return r;
}

arena_ref_t copy_strn(alloc_fn *alloc, void *src, const arena_t *a,
                      const char *s, size_t n)
{
	arena_ref_t r;
	char *d;

	if (s == NULL) {
		errno = EINVAL;
		return ARENA_NULL;
	}
	n = strnlen(s, n);
	if (n == SIZE_MAX) {
		errno = EOVERFLOW;
		return ARENA_NULL;
	}
	r = alloc(src, n + 1, 1);
	if (r != ARENA_NULL) {
		d = arena_ptr(a, r);
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return r;
}

static arena_ref_t from_handle(void *a, size_t size, size_t align)
{
	return arena_alloc(a, size, align);
}

arena_ref_t arena_calloc(arena_t *a, size_t n, size_t size, size_t align)
{
	return copy_calloc(from_handle, a, a, n, size, align);
}

arena_ref_t arena_memdup(arena_t *a, const void *p, size_t n, size_t align)
{
	return copy_mem(from_handle, a, a, p, n, align);
}

arena_ref_t arena_strndup(arena_t *a, const char *s, size_t n)
{
	return copy_strn(from_handle, a, a, s, n);
}

arena_ref_t arena_strdup(arena_t *a, const char *s)
{
	return arena_strndup(a, s, SIZE_MAX);
}

/* next_gen -- the generation after G; wraps after 2^24 - 1, skipping 0. */
static uint64_t next_gen(uint64_t g)
{
	g = (g + 1) & FMT_GEN_MASK;
	return g == 0 ? 1 : g;
}

/* high_water_raise -- keep the largest use seen in the statistics. */
static void high_water_raise(struct fmt_header *h, uint64_t used)
{
	uint64_t hw = uatomic_read(&h->high_water);

	while (used > hw) {
		uint64_t cur = uatomic_cmpxchg(&h->high_water, hw, used);

		if (cur == hw)
			break;
		hw = cur;
	}
}

/*
 * trim_lock -- become the one trimmer of the segment: claim trim_owner
 * with a compare-and-swap, taking it over from a dead trimmer.  EBUSY if a
 * live process (this one included, in another thread) trims.
 */
static int trim_lock(struct arena *a, uint64_t me)
{
	uint64_t w = uatomic_read(&a->hdr->trim_owner);

	for (;;) {
		uint64_t cur;

		/* A trimmer is attached while it trims: a word in no live
		 * slot was planted, or its process died. */
		if (proc_word_alive(a, w)) {
			errno = EBUSY;
			return -1;
		}
		cur = uatomic_cmpxchg(&a->hdr->trim_owner, w, me);
		if (cur == w)
			return 0;
		w = cur;
	}
}

/* trim_running -- whether a live process holds the segment for a trim. */
static bool trim_running(struct arena *a)
{
	return proc_word_alive(a, uatomic_read(&a->hdr->trim_owner));
}

/* announce -- tell per-thread caches that generation G is about to start
 * (format.h, the epoch word); a full barrier. */
static void announce(struct arena *a, uint64_t g)
{
	uint64_t e = uatomic_read(&a->hdr->epoch);

	for (;;) {
		uint64_t ne = FMT_WORD(g, (FMT_EPOCH_COUNT(e) + 1) & FMT_OFF_MASK);
		uint64_t cur = uatomic_cmpxchg(&a->hdr->epoch, e, ne);

		if (cur == e)
			return;
		e = cur;
	}
}

/*
 * reset_now -- start the next generation (TRIM: held while the region's
 * pages are dropped), whatever is attached.  EBUSY if a live trim holds
 * the arena.
 */
static int reset_now(struct arena *a, bool trim)
{
	uint64_t old, nw, cur, me = 0;

	if (trim) {
		me = a->proc_word;
		if (trim_lock(a, me) < 0)
			return -1;
	}
	/*
	 * With trim, the new generation starts held (top FMT_TOP_TRIMMING)
	 * so that no allocation can own a page while we drop it, and no other
	 * reset can open a generation under the drop: it gets EBUSY while we
	 * live, and takes over if we die.
	 */
	old = uatomic_read(&a->hdr->state);
	for (;;) {
		if (!trim && FMT_OFF(old) == FMT_TOP_TRIMMING && trim_running(a)) {
			errno = EBUSY;
			return -1;
		}
		nw = FMT_WORD(next_gen(FMT_GEN(old)),
		              trim ? FMT_TOP_TRIMMING : a->seg_size);
		announce(a, FMT_GEN(nw));
		cur = uatomic_cmpxchg(&a->hdr->state, old, nw);
		if (cur == old)
			break;
		old = cur;
	}
	/* A corrupt or held top (repaired by this reset) says nothing. */
	if (state_ok(a, old))
		high_water_raise(a->hdr, a->seg_size - FMT_OFF(old));
	uatomic_inc(&a->hdr->resets);
	uatomic_set(&a->hdr->last_reset, (int64_t)time(NULL));
	if (trim) {
		/* Best effort: a failure leaves the pages, not the arena, wrong. */
		(void)madvise(a->base + a->hdr_size, a->seg_size - a->hdr_size,
		              MADV_REMOVE);
		/* Open the space; nobody else can have moved the word. */
		(void)uatomic_cmpxchg(&a->hdr->state, nw,
		                      FMT_WORD(FMT_GEN(nw), a->seg_size));
		(void)uatomic_cmpxchg(&a->hdr->trim_owner, me, 0);
	}
	reset_wake(a);
	return 0;
}

/*
 * reset_graced -- reset once no live section is open: mark the reset
 * pending (no section enters the generation from then on), wait for the
 * open ones to end until TIMEOUT (NULL: forever), reset, end the mark.
 * BUSY: the errno when sections stay open.
 */
static int reset_graced(struct arena *a, bool trim,
                        const struct timespec *timeout, int busy)
{
	uint64_t g;
	int ret;

	if (grace_begin(a, &g) < 0)
		return -1;
	ret = grace_quiesce(a, timeout, busy);
	if (ret == 0)
		ret = reset_now(a, trim);
	{
		int err = errno;

		grace_end(a, g);
		errno = err;
	}
	return ret;
}

static const struct timespec no_wait;

int arena_reset(arena_t *a, unsigned flags)
{
	const unsigned known = ARENA_RESET_FORCE | ARENA_RESET_TRIM;
	bool trim = (flags & ARENA_RESET_TRIM) != 0;

	if (!handle_ok(a) || (flags & ~known)) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	if (flags & ARENA_RESET_FORCE)
		return reset_now(a, trim);
	if (proc_scan(a, NULL) > 0) {
		errno = EBUSY;
		return -1;
	}
	return reset_graced(a, trim, &no_wait, EBUSY);
}

/* timeout_ok -- T is NULL or a well-formed relative timeout. */
static bool timeout_ok(const struct timespec *t)
{
	return t == NULL || (t->tv_sec >= 0 && t->tv_nsec >= 0 &&
	                     t->tv_nsec < 1000000000L);
}

int arena_reset_prepare(arena_t *a, const struct timespec *timeout)
{
	uint64_t g;

	if (!handle_ok(a) || !timeout_ok(timeout)) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	if (a->grace_mark != 0) {
		errno = EALREADY;
		return -1;
	}
	if (sect_own_thread_open(a)) {
		errno = EDEADLK;
		return -1;
	}
	if (grace_begin(a, &g) < 0)
		return -1;
	if (grace_quiesce(a, timeout, ETIMEDOUT) < 0) {
		int err = errno;

		grace_end(a, g);
		errno = err;
		return -1;
	}
	a->grace_mark = g;
	return 0;
}

int arena_reset_commit(arena_t *a, unsigned flags)
{
	int ret, err;

	if (!handle_ok(a) || (flags & ~ARENA_RESET_TRIM) || a->grace_mark == 0) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	/* Still ours?  A peer that took us for dead (or wrote the word)
	 * may have ended the pending reset: sections may be open again. */
	if (uatomic_read(&a->hdr->grace) != a->grace_mark) {
		a->grace_mark = 0;
		errno = ECANCELED;
		return -1;
	}
	ret = reset_now(a, (flags & ARENA_RESET_TRIM) != 0);
	err = errno;
	grace_end(a, a->grace_mark);
	a->grace_mark = 0;
	errno = err;
	return ret;
}

int arena_reset_cancel(arena_t *a)
{
	if (!handle_ok(a) || a->grace_mark == 0) {
		errno = EINVAL;
		return -1;
	}
	grace_end(a, a->grace_mark);
	a->grace_mark = 0;
	return 0;
}

int arena_reset_wait(arena_t *a, unsigned flags,
                     const struct timespec *timeout)
{
	if (!handle_ok(a) || (flags & ~ARENA_RESET_TRIM) || !timeout_ok(timeout)) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	if (sect_own_thread_open(a)) {
		errno = EDEADLK;
		return -1;
	}
	return reset_graced(a, (flags & ARENA_RESET_TRIM) != 0, timeout,
	                    ETIMEDOUT);
}

arena_ref_t arena_perm_alloc(arena_t *a, size_t size, size_t align)
{
	uint64_t old;

	if (!handle_ok(a) || size == 0 || align - 1 >= ARENA_MAX_ALIGN ||
	    (align & (align - 1))) {
		errno = EINVAL;
		return ARENA_NULL;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return ARENA_NULL;
	}
	old = uatomic_read(&a->hdr->perm_top);
	for (;;) {
		uint64_t nt, cur;

		if (!perm_top_ok(a, old)) {
			errno = EBADMSG;
			return ARENA_NULL;
		}
		if (size > old - a->meta_size ||
		    ((old - size) & ~(uint64_t)(align - 1)) < a->meta_size) {
			errno = ENOMEM;
			return ARENA_NULL;
		}
		nt = (old - size) & ~(uint64_t)(align - 1);
		cur = uatomic_cmpxchg(&a->hdr->perm_top, old, nt);
		if (cur == old)
			return FMT_WORD(a->perm_tag, nt);
		old = cur;
	}
}

static arena_ref_t from_perm(void *a, size_t size, size_t align)
{
	return arena_perm_alloc(a, size, align);
}

arena_ref_t arena_perm_strdup(arena_t *a, const char *s)
{
	return copy_strn(from_perm, a, a, s, SIZE_MAX);
}
