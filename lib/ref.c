/*
 * ref.c - references: checked conversion of a generation-tagged offset to
 * an address (arena_get, arena_get_str) and back (arena_ref).  Every bound
 * comes from the handle's private geometry; the shared state word is read
 * once, for the generation and the top, and checked before use.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

uint64_t ref_check(const struct arena *a, arena_ref_t r, size_t len)
{
	uint64_t w, off, top;

	if (!handle_ok(a) || r == ARENA_NULL) {
		errno = EINVAL;
		return 0;
	}
	off = FMT_OFF(r);
	if (ref_permanent(a, r)) {
		/* The permanent part: allocated is [perm_top, its end), and an
		 * object stays inside the part. */
		top = uatomic_read(&a->hdr->perm_top);
		if (FMT_GEN(r) != a->perm_tag) {
			errno = ESTALE;
			return 0;
		}
		if (!perm_top_ok(a, top)) {
			errno = EBADMSG;
			return 0;
		}
		if (off < top || len > a->hdr_size - off) {
			errno = EFAULT;
			return 0;
		}
		return off;
	}
	w = uatomic_read(&a->hdr->state);
	if (FMT_GEN(r) != FMT_GEN(w)) {
		errno = ESTALE;
		return 0;
	}
	top = FMT_OFF(w);
	/* Allocated space is [top, seg_size).  A trim holds the generation
	 * with nothing allocated (top 0); any other top outside the region
	 * is a corrupt state word, which allocates nothing either. */
	if (!state_ok(a, w)) {
		errno = top == FMT_TOP_TRIMMING ? EFAULT : EBADMSG;
		return 0;
	}
	if (off < top || off >= a->seg_size || len > a->seg_size - off) {
		errno = EFAULT;
		return 0;
	}
	return off;
}

void *arena_get(const arena_t *a, arena_ref_t r, size_t len)
{
	uint64_t off = ref_check(a, r, len);

	return off != 0 ? a->base + off : NULL;
}

const char *arena_get_str(const arena_t *a, arena_ref_t r)
{
	uint64_t off = ref_check(a, r, 1);

	if (off == 0)
		return NULL;
	if (memchr(a->base + off, '\0', ref_end(a, r) - off) == NULL) {
		errno = EFAULT;
		return NULL;
	}
	return (const char *)(a->base + off);
}

const char *arena_get_strn(const arena_t *a, arena_ref_t r, size_t max,
                           size_t *len)
{
	uint64_t off;
	size_t room;
	const char *p, *nul;

	if (len == NULL || max == 0) {
		errno = EINVAL;
		return NULL;
	}
	off = ref_check(a, r, 1);
	if (off == 0)
		return NULL;
	p = (const char *)(a->base + off);
	room = ref_end(a, r) - off < max ? (size_t)(ref_end(a, r) - off) : max;
	nul = memchr(p, '\0', room);
	if (nul == NULL && room < max) {
		errno = EFAULT;     /* the mapping ends first, and no NUL */
		return NULL;
	}
	*len = nul != NULL ? (size_t)(nul - p) : max;
	return p;
}

arena_ref_t arena_ref(const arena_t *a, const void *p)
{
	uintptr_t q = (uintptr_t)p, b;

	if (!handle_ok(a) || p == NULL) {
		errno = EINVAL;
		return ARENA_NULL;
	}
	b = (uintptr_t)a->base;
	if (q < b + a->meta_size || q >= b + a->seg_size) {
		errno = EFAULT;
		return ARENA_NULL;
	}
	if (q < b + a->hdr_size)
		return FMT_WORD(a->perm_tag, q - b);
	return FMT_WORD(FMT_GEN(uatomic_read(&a->hdr->state)), q - b);
}
