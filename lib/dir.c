/*
 * dir.c - the directory: fixed slots binding short keys to references,
 * open addressing with linear probing from the key's hash.  Within a
 * generation a slot only ever goes free -> BUSY -> READY, so a lookup may
 * stop at the first free slot; a slot of an older generation counts as
 * free, which is how a reset empties the directory without touching it.
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

/* slot_free -- whether tag T leaves its slot free in generation G. */
static bool slot_free(uint64_t t, uint64_t g)
{
	return t == 0 || FMT_DIR_GEN(t) != g;
}

/* gen_current -- whether G is still the current generation. */
static bool gen_current(const struct arena *a, uint64_t g)
{
	return FMT_GEN(uatomic_read(&a->hdr->state)) == g;
}

int arena_publish(arena_t *a, const char *key, arena_ref_t r)
{
	char kb[32];
	uint32_t h;
	uint64_t g;
	unsigned waited = 0;    /* in all, for this call: bounded whatever
	                           the slots hold */

	if (a == NULL || key_load(key, kb, &h) < 0) {
		if (a == NULL)
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
	for (uint32_t i = 0; i < a->dir_slots; i++) {
		struct fmt_dirent *s = &a->dir[(h + i) % a->dir_slots];
		uint64_t t = uatomic_read(&s->tag);

		for (;;) {
			if (slot_free(t, g)) {
				uint64_t busy = FMT_DIR_TAG(g, FMT_DIR_BUSY, h), cur;

				/* A slot of another generation is free only if that
				 * one is older: once ours has ended (a reset raced
				 * this call) a newer one may be using it. */
				if (t != 0 && !gen_current(a, g)) {
					errno = ESTALE;
					return -1;
				}
				cur = uatomic_cmpxchg(&s->tag, t, busy);
				if (cur != t) {
					t = cur;   /* lost the race: look again */
					continue;
				}
				memcpy(s->key, kb, sizeof(s->key));
				uatomic_set(&s->ref, r);
				cmm_smp_wmb();
				uatomic_set(&s->tag, FMT_DIR_TAG(g, FMT_DIR_READY, h));
				return 0;
			}
			if (FMT_DIR_HASH(t) != h)
				break;
			if (FMT_DIR_STATE(t) == FMT_DIR_READY) {
				uint64_t old;

				cmm_smp_rmb();
				if (memcmp(s->key, kb, sizeof(kb)) != 0)
					break;
				/* Replace, unless a newer generation took the slot
				 * since we read its tag: then our reference is
				 * stale.  The compare-and-swap is a full barrier
				 * (release of the object's contents). */
				old = uatomic_read(&s->ref);
				if (FMT_GEN(old) != g && !gen_current(a, g)) {
					errno = ESTALE;
					return -1;
				}
				if (uatomic_cmpxchg(&s->ref, old, r) == old)
					return 0;
				t = uatomic_read(&s->tag);
				continue;
			}
			/* BUSY with our hash: perhaps our key, being written. */
			if (waited >= BUSY_WAIT_US) {
				errno = EAGAIN;
				return -1;
			}
			if (waited < 100)
				sched_yield();
			else
				usleep(1000);
			waited += waited < 100 ? 1 : 1000;
			t = uatomic_read(&s->tag);
		}
	}
	errno = ENOSPC;
	return -1;
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
	uint32_t h;
	uint64_t g;

	if (a == NULL || key_load(key, kb, &h) < 0) {
		if (a == NULL)
			errno = EINVAL;
		return ARENA_NULL;
	}
	g = FMT_GEN(uatomic_read(&a->hdr->state));
	for (uint32_t i = 0; i < a->dir_slots; i++) {
		struct fmt_dirent *s = &a->dir[(h + i) % a->dir_slots];
		uint64_t t = uatomic_read(&s->tag);
		arena_ref_t r;

		if (slot_free(t, g))
			break;
		if (FMT_DIR_HASH(t) != h || FMT_DIR_STATE(t) != FMT_DIR_READY)
			continue;
		cmm_smp_rmb();
		if (memcmp(s->key, kb, sizeof(kb)) != 0)
			continue;
		r = dir_ref(s, g);
		if (r != ARENA_NULL)
			return r;
		break;
	}
	errno = ENOENT;
	return ARENA_NULL;
}

int arena_dir_list(const arena_t *a, struct arena_dirent *out, size_t n)
{
	uint64_t g;
	int count = 0;

	if (a == NULL || (out == NULL && n != 0)) {
		errno = EINVAL;
		return -1;
	}
	g = FMT_GEN(uatomic_read(&a->hdr->state));
	for (uint32_t i = 0; i < a->dir_slots; i++) {
		const struct fmt_dirent *s = &a->dir[i];
		uint64_t t = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->tag);
		arena_ref_t r;

		if (slot_free(t, g) || FMT_DIR_STATE(t) != FMT_DIR_READY)
			continue;
		cmm_smp_rmb();
		r = dir_ref(s, g);
		if (r == ARENA_NULL)
			continue;
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
