/*
 * header_only.c - include/arena.h compiles alone as C11 -pedantic, and its
 * macros and inline functions expand to valid code (compiled, not run).
 */
#include "arena.h"

struct point {
	double x, y;
};

/* Types as the header declares them. */
_Static_assert(sizeof(arena_ref_t) == 8, "arena_ref_t is 64 bits");
_Static_assert(ARENA_NULL == 0, "the null reference is 0");
_Static_assert(ARENA_REF_OFFSET(((arena_ref_t)3 << ARENA_OFFSET_BITS) | 42)
               == 42, "ARENA_REF_OFFSET");
_Static_assert(ARENA_REF_GENERATION(((arena_ref_t)3 << ARENA_OFFSET_BITS) |
                                    42) == 3, "ARENA_REF_GENERATION");
_Static_assert(ARENA_MAX_SEGMENT == ARENA_OFFSET_MASK, "limits");

struct point *header_only_c(arena_t *a, size_t n);
uint64_t header_only_c_offset(arena_ref_t r);

struct point *header_only_c(arena_t *a, size_t n)
{
	arena_ref_t one = ARENA_NEW(a, struct point);
	arena_ref_t many = ARENA_NEW_ARRAY(a, struct point, n);
	struct point *p;

	if (one == ARENA_NULL || many == ARENA_NULL)
		return NULL;
	p = (struct point *)arena_ptr(a, one);
	p->x = (double)ARENA_REF_OFFSET(many);
	p->y = (double)ARENA_REF_GENERATION(many);
	return (struct point *)arena_ptr(a, many);
}

uint64_t header_only_c_offset(arena_ref_t r)
{
	return ARENA_REF_OFFSET(r) & ARENA_OFFSET_MASK;
}
