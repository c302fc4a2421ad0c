/*
 * dir.c - the directory: fixed slots binding short keys to references,
 * open addressing with linear probing from the key's hash.  A slot goes
 * free -> BUSY -> READY (or DEAD, when its publisher's handle is gone); a
 * READY slot of an older generation counts as free, which is how a reset
 * empties the directory without touching it.  A claim (BUSY) is never
 * free: its publisher, even one stalled across a reset, owns the key bytes
 * until it completes (format.h says how abandoned claims end).  Lookups
 * look at as many slots as the longest probe of the generation
 * (dir_probe), not up to the first free slot, since a stale claim that
 * completes frees a slot that newer keys were placed beyond.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* How long a publisher waits for a colliding claim to become READY. */
#define BUSY_WAIT_US 100000

/* key_load -- check KEY and copy it NUL-padded into BUF; its hash. */
static int key_load(const char *key, char buf[32], uint32_t *hash)
{
	size_t n;

	if (key == NULL) {
		errno = EINVAL;
		return -1;
	}
	n = strnlen(key, ARENA_KEY_MAX + 1);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n > ARENA_KEY_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(buf, 0, 32);
	memcpy(buf, key, n);
	*hash = fmt_key_hash(key, n);
	return 0;
}

/* gen_current -- whether G is still the current generation. */
static bool gen_current(const struct arena *a, uint64_t g)
{
	return FMT_GEN(uatomic_read(&a->hdr->state)) == g;
}

uint32_t dir_probe_limit(const struct arena *a, uint64_t g)
{
	uint64_t w = uatomic_read(&a->hdr->dir_probe);

	if (FMT_GEN(w) != g)
		return 0;
	return FMT_OFF(w) < a->dir_slots ? (uint32_t)FMT_OFF(w) : a->dir_slots;
}

/*
 * probe_raise -- make lookups of generation G look at LEN slots at least.
 * A publisher whose generation has ended leaves the word alone: it would
 * otherwise shorten the probes of a newer one.
 */
static void probe_raise(struct arena *a, uint64_t g, uint32_t len)
{
	uint64_t w = uatomic_read(&a->hdr->dir_probe);

	for (;;) {
		uint64_t cur;

		if (FMT_GEN(w) == g && FMT_OFF(w) >= len)
			return;
		if (FMT_GEN(w) != g && !gen_current(a, g))
			return;
		cur = uatomic_cmpxchg(&a->hdr->dir_probe, w, FMT_WORD(g, len));
		if (cur == w)
			return;
		w = cur;
	}
}

void (*dir_claim_hook)(void);

/* Where a publisher stands after looking at its probe sequence. */
enum { SCAN_CLAIM, SCAN_DONE, SCAN_FAIL };

/*
 * publish_scan -- look at the probe sequence of key KB (hash H) for
 * generation G: replace the reference of an existing binding (SCAN_DONE),
 * or find the first free slot (SCAN_CLAIM, *PICK and its tag *PICK_T);
 * SCAN_FAIL with errno otherwise.  *WAITED: microseconds spent waiting for
 * colliding claims, bounded for the whole call.
 */
static int publish_scan(struct arena *a, const char kb[32], uint32_t h,
                        uint64_t g, arena_ref_t r, uint32_t *pick,
                        uint64_t *pick_t, unsigned *waited)
{
	uint32_t limit = dir_probe_limit(a, g);
	bool found = false;

	for (uint32_t i = 0; i < a->dir_slots; i++) {
		struct fmt_dirent *s = &a->dir[fmt_probe(h, i, a->dir_slots)];
		uint64_t t;

		/* Past every binding of G: the key is not bound. */
		if (i >= limit && found)
			break;
		t = uatomic_read(&s->tag);
		for (;;) {
			if (dir_free(a, t, g)) {
				if (!found) {
					found = true;
					*pick = i;
					*pick_t = t;
				}
				break;
			}
			if (FMT_DIR_GEN(t) != g)
				break;     /* a claim of another generation */
			if (dir_state(a, t) == FMT_DIR_READY) {
				uint64_t old;

				if (FMT_DIR_HASH(t) != h)
					break;
				cmm_smp_rmb();
				if (memcmp(s->key, kb, 32) != 0)
					break;
				/* Replace, unless a newer generation took the slot
				 * since we read its tag: then our reference is
				 * stale.  The compare-and-swap is a full barrier
				 * (release of the object's contents). */
				old = uatomic_read(&s->ref);
				if (FMT_GEN(old) != g && !gen_current(a, g)) {
					errno = ESTALE;
					return SCAN_FAIL;
				}
				if (uatomic_cmpxchg(&s->ref, old, r) == old)
					return SCAN_DONE;
				t = uatomic_read(&s->tag);
				continue;
			}
			if (dir_state(a, t) != FMT_DIR_BUSY ||
			    FMT_DIR_HASH16(t) != (h & 0xffffu))
				break;
			/* BUSY with our hash: perhaps our key, being written. */
			if (*waited >= BUSY_WAIT_US) {
				errno = EAGAIN;
				return SCAN_FAIL;
			}
			if (*waited < 100)
				sched_yield();
			else
				usleep(1000);
			*waited += *waited < 100 ? 1 : 1000;
			t = uatomic_read(&s->tag);
		}
	}
	if (!found) {
		errno = ENOSPC;
		return SCAN_FAIL;
	}
	return SCAN_CLAIM;
}

int arena_publish(arena_t *a, const char *key, arena_ref_t r)
{
	char kb[32];
	uint32_t h, i = 0;
	uint64_t g, t = 0, busy, cur;
	unsigned waited = 0;    /* in all, for this call: bounded whatever
	                           the slots hold */
	struct fmt_dirent *s;

	if (!handle_ok(a) || key_load(key, kb, &h) < 0) {
		if (!handle_ok(a))
			errno = EINVAL;
		return -1;
	}
	if (rdonly(a)) {
		errno = EROFS;
		return -1;
	}
	if (ref_check(a, r, 1) == 0)
		return -1;
	g = FMT_GEN(r);
	busy = FMT_DIR_TAG(g, FMT_DIR_BUSY, FMT_DIR_BUSY_LOW(a->slot, h));
	for (;;) {
		switch (publish_scan(a, kb, h, g, r, &i, &t, &waited)) {
		case SCAN_DONE:
			return 0;
		case SCAN_FAIL:
			return -1;
		default:
			break;
		}
		/* A slot of another generation is free only if that one is
		 * older: once ours has ended (a reset raced this call) a newer
		 * one may be using it. */
		if (t != 0 && !gen_current(a, g)) {
			errno = ESTALE;
			return -1;
		}
		s = &a->dir[fmt_probe(h, i, a->dir_slots)];
		if (uatomic_cmpxchg(&s->tag, t, busy) == t)
			break;
		/* Lost the slot to another publisher, perhaps of our key. */
	}
	if (dir_claim_hook != NULL)
		dir_claim_hook();
	/* Ours until READY, even across resets: nobody takes a BUSY slot. */
	probe_raise(a, g, i + 1);
	memcpy(s->key, kb, sizeof(s->key));
	uatomic_set(&s->ref, r);
	/* Full barrier: key, reference and the object's contents before
	 * READY. */
	cur = uatomic_cmpxchg(&s->tag, busy, FMT_DIR_TAG(g, FMT_DIR_READY, h));
	if (cur != busy) {
		/* Our process-table slot was taken for dead, and its claims
		 * cancelled. */
		errno = EAGAIN;
		return -1;
	}
	if (!gen_current(a, g)) {
		errno = ESTALE;   /* bound in an ended generation */
		return -1;
	}
	return 0;
}

void dir_cancel_claims(struct arena *a, uint32_t slot)
{
	for (uint32_t i = 0; i < a->dir_slots; i++) {
		uint64_t t = uatomic_read(&a->dir[i].tag);

		if (FMT_DIR_STATE(t) == FMT_DIR_BUSY &&
		    FMT_DIR_CLAIMANT(t) == slot)
			(void)uatomic_cmpxchg(&a->dir[i].tag, t,
			        FMT_DIR_TAG(FMT_DIR_GEN(t), FMT_DIR_DEAD, 0));
	}
}

/* dir_ref -- the reference slot S binds in generation G, or ARENA_NULL. */
static arena_ref_t dir_ref(const struct fmt_dirent *s, uint64_t g)
{
	arena_ref_t r = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->ref);

	cmm_smp_rmb();   /* acquire: pairs with the publisher's barrier */
	return FMT_GEN(r) == g ? r : ARENA_NULL;
}

arena_ref_t arena_lookup(const arena_t *a, const char *key)
{
	char kb[32];
	uint32_t h, limit;
	uint64_t g;

	if (!handle_ok(a) || key_load(key, kb, &h) < 0) {
		if (!handle_ok(a))
			errno = EINVAL;
		return ARENA_NULL;
	}
	g = FMT_GEN(uatomic_read(&a->hdr->state));
	limit = dir_probe_limit(a, g);
	for (uint32_t i = 0; i < limit; i++) {
		struct fmt_dirent *s = &a->dir[fmt_probe(h, i, a->dir_slots)];
		uint64_t t = uatomic_read(&s->tag);
		arena_ref_t r;

		if (FMT_DIR_GEN(t) != g || FMT_DIR_HASH(t) != h ||
		    FMT_DIR_STATE(t) != FMT_DIR_READY)
			continue;
		cmm_smp_rmb();
		if (memcmp(s->key, kb, sizeof(kb)) != 0)
			continue;
		r = dir_ref(s, g);
		if (r == ARENA_NULL)
			break;
		/* A peer may have bound anything: only what arena_get()
		 * accepts is returned. */
		return ref_check(a, r, 1) != 0 ? r : ARENA_NULL;
	}
	errno = ENOENT;
	return ARENA_NULL;
}

int arena_dir_list(const arena_t *a, struct arena_dirent *out, size_t n)
{
	uint64_t g;
	int count = 0;

	if (!handle_ok(a) || (out == NULL && n != 0)) {
		errno = EINVAL;
		return -1;
	}
	g = FMT_GEN(uatomic_read(&a->hdr->state));
	for (uint32_t i = 0; i < a->dir_slots; i++) {
		const struct fmt_dirent *s = &a->dir[i];
		uint64_t t = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->tag);
		arena_ref_t r;

		if (FMT_DIR_GEN(t) != g || FMT_DIR_STATE(t) != FMT_DIR_READY)
			continue;
		cmm_smp_rmb();
		r = dir_ref(s, g);
		if (r == ARENA_NULL || ref_check(a, r, 1) == 0)
			continue;  /* nothing arena_get() would refuse */
		if ((size_t)count < n) {
			/* A peer may leave no NUL: never read past the slot. */
			memcpy(out[count].key, s->key, ARENA_KEY_MAX);
			out[count].key[ARENA_KEY_MAX] = '\0';
			out[count].ref = r;
			out[count].slot = i;
		}
		count++;
	}
	return count;
}
