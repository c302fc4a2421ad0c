/*
 * local.c - per-thread allocation caches (struct arena_local): the slow
 * path of arena_local_alloc(), which checks arguments and takes chunks from
 * the shared top, and arena_local_flush().  The fast path is inline in
 * arena.h.
 */
#include <errno.h>
#include <stdint.h>

#include "internal.h"

#define CHUNK_MIN     ((size_t)256)
#define CHUNK_FIRST   ((size_t)4096)
/* The largest adaptive chunk.  Two caches writing at once into chunks
 * that interleave lose write throughput the smaller the chunks are: with
 * 256 KiB chunks two processes got 1.67x the throughput of one where
 * private bump pointers over contiguous halves got 1.97x; with 1 MiB
 * 1.81x (issue 9; tests/bench/scale_probe.c). */
#define CHUNK_MAX     ((size_t)1024 * 1024)

int arena_local_init(struct arena_local *l, arena_t *a, size_t chunk)
{
	uint64_t cap;

	if (l == NULL || !handle_ok(a)) {
		errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	cap = a->seg_size - a->hdr_size;
	if (chunk != 0 && (chunk < CHUNK_MIN || chunk > cap)) {
		errno = EINVAL;
		return -1;
	}
	l->epoch_ = &a->hdr->epoch;
	l->stamp_ = 0;
	l->cur_ = l->lo_ = ARENA_LOCAL_EMPTY_;   /* the first call refills */
	l->arena_ = a;
	l->sect_ = NULL;
	l->nest_ = 0;
	l->fence_ = 0;
	if (chunk != 0) {
		l->chunk_ = l->chunk_max_ = chunk;
	} else {
		l->chunk_max_ = cap / 32 < CHUNK_MAX ? (size_t)(cap / 32) : CHUNK_MAX;
		if (l->chunk_max_ < CHUNK_MIN)
			l->chunk_max_ = CHUNK_MIN;
		l->chunk_ = l->chunk_max_ < CHUNK_FIRST ? l->chunk_max_ : CHUNK_FIRST;
	}
	return 0;
}

/* cache_drop -- empty L, first giving its unused [lo, cur) back if the
 * chunk is still the arena's last allocation (the compare-and-swap fails
 * when anything came after it, or when a reset made the chunk stale; the
 * epoch check first, since 2^24 - 1 resets bring the generation back and
 * the top may then sit at our floor by chance).  Nothing goes back through
 * a read-only handle: one inherited across fork(), whose chunk is the
 * parent's. */
static void cache_drop(struct arena_local *l)
{
	uint64_t g = l->stamp_ & ~FMT_OFF_MASK;

	if (l->cur_ > l->lo_ && !rdonly(l->arena_) &&
	    uatomic_read(l->epoch_) == l->stamp_)
		(void)uatomic_cmpxchg(&l->arena_->hdr->state, g | l->lo_,
		                      g | l->cur_);
	l->cur_ = l->lo_ = ARENA_LOCAL_EMPTY_;
	l->stamp_ = 0;
}

arena_ref_t arena_local_refill(struct arena_local *l, size_t size,
                               size_t align)
{
	struct arena *a;
	arena_ref_t r;
	uint64_t chunk, stamp;

	if (l == NULL || !handle_ok(l->arena_) || size == 0 ||
	    align - 1 >= ARENA_MAX_ALIGN || (align & (align - 1))) {
		errno = EINVAL;
		return ARENA_NULL;
	}
	a = l->arena_;
	cache_drop(l);
	if (rdonly(a)) {            /* a cache inherited across fork() */
		errno = EROFS;
		return ARENA_NULL;
	}
	/* A request too big for the chunk size grows it, up to the largest;
	 * bigger ones still bypass the cache: no chunk is wasted on them. */
	while ((size > l->chunk_ / 2 || align > l->chunk_ / 4) &&
	       l->chunk_ < l->chunk_max_)
		l->chunk_ = l->chunk_ * 2 < l->chunk_max_ ? l->chunk_ * 2
		                                          : l->chunk_max_;
	if (size > l->chunk_ / 2 || align > l->chunk_ / 4)
		goto direct;
	chunk = l->chunk_;
	/* The epoch first (format.h): a reset announced after this read
	 * changes it, so the fast path notices; one announced before it
	 * names a generation our chunk is not of, unless the chunk is
	 * already of that generation. */
	stamp = uatomic_read(&a->hdr->epoch);
	cmm_smp_rmb();
	r = alloc_top(a, chunk, 1);
	if (r == ARENA_NULL) {
		if (errno != ENOMEM)
			return ARENA_NULL;
		goto direct;    /* no room for a chunk: maybe for this request */
	}
	if (FMT_GEN(r) != FMT_GEN(stamp)) {
		/* A reset is under way (or its resetter died half-way: then
		 * until the next reset).  Give the chunk back if we can and
		 * allocate directly. */
		(void)uatomic_cmpxchg(&a->hdr->state, r, r + chunk);
		goto direct;
	}
	if (l->chunk_ < l->chunk_max_)
		l->chunk_ = l->chunk_ * 2 < l->chunk_max_ ? l->chunk_ * 2
		                                          : l->chunk_max_;
	l->stamp_ = stamp;
	l->lo_ = FMT_OFF(r);
	l->cur_ = l->lo_ + chunk;
	/* Fits: size <= chunk/2 and align <= chunk/4. */
	l->cur_ = (l->cur_ - size) & ~(uint64_t)(align - 1);
	return (stamp & ~FMT_OFF_MASK) | l->cur_;

direct:
	r = alloc_top(a, size, align);
	if (r == ARENA_NULL && errno == ENOMEM)
		return alloc_fail(a);
	return r;
}

int arena_local_flush(struct arena_local *l)
{
	if (l == NULL || !handle_ok(l->arena_)) {
		errno = EINVAL;
		return -1;
	}
	cache_drop(l);
	sect_release(l);
	return 0;
}

/* local_ok -- L is a prepared cache of a handle not yet detached. */
static bool local_ok(const struct arena_local *l)
{
	if (l == NULL || !handle_ok(l->arena_)) {
		errno = EINVAL;
		return false;
	}
	return true;
}

static arena_ref_t from_cache(void *l, size_t size, size_t align)
{
	return arena_local_alloc(l, size, align);
}

arena_ref_t arena_local_calloc(struct arena_local *l, size_t n, size_t size,
                               size_t align)
{
	if (!local_ok(l))
		return ARENA_NULL;
	return copy_calloc(from_cache, l, l->arena_, n, size, align);
}

arena_ref_t arena_local_memdup(struct arena_local *l, const void *p, size_t n,
                               size_t align)
{
	if (!local_ok(l))
		return ARENA_NULL;
	return copy_mem(from_cache, l, l->arena_, p, n, align);
}

arena_ref_t arena_local_strndup(struct arena_local *l, const char *s, size_t n)
{
	if (!local_ok(l))
		return ARENA_NULL;
	return copy_strn(from_cache, l, l->arena_, s, n);
}

arena_ref_t arena_local_strdup(struct arena_local *l, const char *s)
{
	return arena_local_strndup(l, s, SIZE_MAX);
}
