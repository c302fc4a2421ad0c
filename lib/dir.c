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

/*
 * A table: the directory, emptied by every reset (its tags carry the
 * generation), or the permanent directory, which only references into the
 * permanent part may use and no reset empties (its "generation" is the
 * permanent tag, which never ends).
 */
struct dtab {
	struct fmt_dirent *slot;
	uint32_t n;
	uint64_t *probe;           /* the table's dir_probe word */
	bool perm;
};

static struct dtab tab_gen(const struct arena *a)
{
	struct dtab t = { a->dir, a->dir_slots, &a->hdr->dir_probe, false };

	return t;
}

static struct dtab tab_perm(const struct arena *a)
{
	struct dtab t = { a->perm_dir, a->perm_dir_slots, &a->hdr->perm_probe,
	                  true };

	return t;
}

/* gen_current -- whether G is still the current generation of table T
 * (always, for the permanent directory). */
static bool gen_current(const struct arena *a, const struct dtab *t,
                        uint64_t g)
{
	return t->perm || FMT_GEN(uatomic_read(&a->hdr->state)) == g;
}

static uint32_t probe_limit(const struct dtab *t, uint64_t g)
{
	uint64_t w = uatomic_read(t->probe);

	if (FMT_GEN(w) != g)
		return 0;
	return FMT_OFF(w) < t->n ? (uint32_t)FMT_OFF(w) : t->n;
}

uint32_t dir_probe_limit(const struct arena *a, uint64_t g)
{
	struct dtab t = tab_gen(a);

	return probe_limit(&t, g);
}

/*
 * probe_raise -- make lookups of generation G look at LEN slots at least.
 * A publisher whose generation has ended leaves the word alone: it would
 * otherwise shorten the probes of a newer one.
 */
static void probe_raise(struct arena *a, const struct dtab *tb, uint64_t g,
                        uint32_t len)
{
	uint64_t w = uatomic_read(tb->probe);

	for (;;) {
		uint64_t cur;

		if (FMT_GEN(w) == g && FMT_OFF(w) >= len)
			return;
		if (FMT_GEN(w) != g && !gen_current(a, tb, g))
			return;
		cur = uatomic_cmpxchg(tb->probe, w, FMT_WORD(g, len));
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
static int publish_scan(struct arena *a, const struct dtab *tb,
                        const char kb[32], uint32_t h, uint64_t g,
                        arena_ref_t r, uint32_t *pick, uint64_t *pick_t,
                        unsigned *waited)
{
	uint32_t limit = probe_limit(tb, g);
	bool found = false;

	for (uint32_t i = 0; i < tb->n; i++) {
		struct fmt_dirent *s = &tb->slot[fmt_probe(h, i, tb->n)];
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
				if (FMT_GEN(old) != g && !gen_current(a, tb, g)) {
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

/* bound_in -- whether key KB (hash H) is bound in table TB for G. */
static bool bound_in(const struct arena *a, const struct dtab *tb,
                     const char kb[32], uint32_t h, uint64_t g);

int arena_publish(arena_t *a, const char *key, arena_ref_t r)
{
	char kb[32];
	uint32_t h, i = 0;
	uint64_t g, t = 0, busy, cur;
	unsigned waited = 0;    /* in all, for this call: bounded whatever
	                           the slots hold */
	struct fmt_dirent *s;
	struct dtab tb, other;

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
	/* A reference into the permanent part goes to the permanent
	 * directory; a key is bound in one of the two only. */
	if (ref_permanent(a, r)) {
		tb = tab_perm(a);
		other = tab_gen(a);
		if (tb.n == 0) {
			errno = ENOSPC;
			return -1;
		}
		if (bound_in(a, &other, kb, h,
		             FMT_GEN(uatomic_read(&a->hdr->state)))) {
			errno = EEXIST;
			return -1;
		}
	} else {
		tb = tab_gen(a);
		other = tab_perm(a);
		if (bound_in(a, &other, kb, h, a->perm_tag)) {
			errno = EEXIST;
			return -1;
		}
	}
	busy = FMT_DIR_TAG(g, FMT_DIR_BUSY, FMT_DIR_BUSY_LOW(a->slot, h));
	for (;;) {
		switch (publish_scan(a, &tb, kb, h, g, r, &i, &t, &waited)) {
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
		if (t != 0 && !gen_current(a, &tb, g)) {
			errno = ESTALE;
			return -1;
		}
		s = &tb.slot[fmt_probe(h, i, tb.n)];
		if (uatomic_cmpxchg(&s->tag, t, busy) == t)
			break;
		/* Lost the slot to another publisher, perhaps of our key. */
	}
	if (dir_claim_hook != NULL)
		dir_claim_hook();
	/* Ours until READY, even across resets: nobody takes a BUSY slot. */
	probe_raise(a, &tb, g, i + 1);
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
	if (!gen_current(a, &tb, g)) {
		errno = ESTALE;   /* bound in an ended generation */
		return -1;
	}
	return 0;
}

static void cancel_claims(const struct dtab *tb, uint32_t slot)
{
	for (uint32_t i = 0; i < tb->n; i++) {
		uint64_t t = uatomic_read(&tb->slot[i].tag);

		if (FMT_DIR_STATE(t) == FMT_DIR_BUSY &&
		    FMT_DIR_CLAIMANT(t) == slot)
			(void)uatomic_cmpxchg(&tb->slot[i].tag, t,
			        FMT_DIR_TAG(FMT_DIR_GEN(t), FMT_DIR_DEAD, 0));
	}
}

void dir_cancel_claims(struct arena *a, uint32_t slot)
{
	struct dtab g = tab_gen(a), p = tab_perm(a);

	cancel_claims(&g, slot);
	cancel_claims(&p, slot);
}

/* dir_ref -- the reference slot S binds in generation G, or ARENA_NULL. */
static arena_ref_t dir_ref(const struct fmt_dirent *s, uint64_t g)
{
	arena_ref_t r = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->ref);

	cmm_smp_rmb();   /* acquire: pairs with the publisher's barrier */
	return FMT_GEN(r) == g ? r : ARENA_NULL;
}

/* find -- the slot of table TB binding key KB (hash H) in generation G,
 * or NULL. */
static const struct fmt_dirent *find(const struct dtab *tb, const char kb[32],
                                     uint32_t h, uint64_t g)
{
	uint32_t limit = probe_limit(tb, g);

	for (uint32_t i = 0; i < limit; i++) {
		const struct fmt_dirent *s = &tb->slot[fmt_probe(h, i, tb->n)];
		uint64_t t = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->tag);

		if (FMT_DIR_GEN(t) != g || FMT_DIR_HASH(t) != h ||
		    FMT_DIR_STATE(t) != FMT_DIR_READY)
			continue;
		cmm_smp_rmb();
		if (memcmp(s->key, kb, 32) != 0)
			continue;
		return s;
	}
	return NULL;
}

static bool bound_in(const struct arena *a, const struct dtab *tb,
                     const char kb[32], uint32_t h, uint64_t g)
{
	(void)a;
	return tb->n != 0 && find(tb, kb, h, g) != NULL;
}

arena_ref_t arena_lookup(const arena_t *a, const char *key)
{
	char kb[32];
	uint32_t h;
	struct dtab tb[2];
	uint64_t g[2];

	if (!handle_ok(a) || key_load(key, kb, &h) < 0) {
		if (!handle_ok(a))
			errno = EINVAL;
		return ARENA_NULL;
	}
	tb[0] = tab_perm(a);
	g[0] = a->perm_tag;
	tb[1] = tab_gen(a);
	g[1] = FMT_GEN(uatomic_read(&a->hdr->state));
	for (int k = 0; k < 2; k++) {
		const struct fmt_dirent *s;
		arena_ref_t r;

		if (tb[k].n == 0 || (s = find(&tb[k], kb, h, g[k])) == NULL)
			continue;
		r = dir_ref(s, g[k]);
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
	struct dtab tb[2];
	uint64_t g[2];
	int count = 0;

	if (!handle_ok(a) || (out == NULL && n != 0)) {
		errno = EINVAL;
		return -1;
	}
	tb[0] = tab_perm(a);
	g[0] = a->perm_tag;
	tb[1] = tab_gen(a);
	g[1] = FMT_GEN(uatomic_read(&a->hdr->state));
	for (int k = 0; k < 2; k++) {
		for (uint32_t i = 0; i < tb[k].n; i++) {
			const struct fmt_dirent *s = &tb[k].slot[i];
			uint64_t t = uatomic_read(
			        &((struct fmt_dirent *)(uintptr_t)s)->tag);
			arena_ref_t r;

			if (FMT_DIR_GEN(t) != g[k] ||
			    FMT_DIR_STATE(t) != FMT_DIR_READY)
				continue;
			cmm_smp_rmb();
			r = dir_ref(s, g[k]);
			if (r == ARENA_NULL || ref_check(a, r, 1) == 0)
				continue;  /* nothing arena_get() would refuse */
			if ((size_t)count < n) {
				/* A peer may leave no NUL: never read past the
				 * slot. */
				memcpy(out[count].key, s->key, ARENA_KEY_MAX);
				out[count].key[ARENA_KEY_MAX] = '\0';
				out[count].ref = r;
				/* Permanent slots follow the directory's. */
				out[count].slot = k == 0 ? a->dir_slots + i : i;
			}
			count++;
		}
	}
	return count;
}

uint32_t perm_dir_count(const struct arena *a)
{
	struct dtab tb = tab_perm(a);
	uint32_t count = 0;

	for (uint32_t i = 0; i < tb.n; i++) {
		const struct fmt_dirent *s = &tb.slot[i];
		uint64_t t = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->tag);
		arena_ref_t r;

		if (FMT_DIR_GEN(t) != a->perm_tag ||
		    FMT_DIR_STATE(t) != FMT_DIR_READY)
			continue;
		cmm_smp_rmb();
		r = dir_ref(s, a->perm_tag);
		if (r != ARENA_NULL && ref_check(a, r, 1) != 0)
			count++;
	}
	return count;
}
