// header_only.cc - include/arena.h compiles alone as C++11 -pedantic, and
// its macros and inline functions work in C++ (compiled, not run).
#include "arena.h"

struct Point {
	double x, y;
};

static_assert(sizeof(arena_ref_t) == 8, "arena_ref_t is 64 bits");
static_assert(ARENA_REF_OFFSET((arena_ref_t(5) << ARENA_OFFSET_BITS) | 7) == 7,
              "ARENA_REF_OFFSET");
static_assert(ARENA_REF_GENERATION((arena_ref_t(5) << ARENA_OFFSET_BITS) |
                                   7) == 5, "ARENA_REF_GENERATION");

Point *header_only_cxx(arena_t *a, size_t n);

Point *header_only_cxx(arena_t *a, size_t n)
{
	arena_ref_t one = ARENA_NEW(a, Point);
	arena_ref_t many = ARENA_NEW_ARRAY(a, Point, n);
	if (one == ARENA_NULL || many == ARENA_NULL)
		return nullptr;
	Point *p = static_cast<Point *>(arena_ptr(a, one));
	p->x = static_cast<double>(ARENA_REF_OFFSET(many));
	p->y = static_cast<double>(ARENA_REF_GENERATION(many));
	return static_cast<Point *>(arena_get(a, many, n * sizeof(Point)));
}
