/*
 * fuzz_ref - the checked accessors on arbitrary references and lengths.
 *
 * One arena is made once, with objects, strings and a last object with no
 * NUL up to the end of the segment.  Each input is read as (reference,
 * length, key bytes); every call must fail with an error or return memory
 * wholly inside the allocated part of the region.
 *
 * A new arena starts at a random generation: an input's generation G is
 * taken to mean the arena's first generation plus G - 1 (0 stays 0, the
 * wrap after ARENA_GEN_MASK skips 0 as resets do), so that 1 is the stale
 * generation and 2 the current one in every run, as the seeds have them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"

static arena_t *a;
static char name[64];
static struct arena_stat st;
static uint64_t first_gen;

static void cleanup(void)
{
	arena_detach(a);
	arena_unlink(name);
}

/* setup -- the arena every input is tried against. */
static void setup(void)
{
	struct arena_options o = { 0 };

	snprintf(name, sizeof(name), "arena-test-fuzzref-%d", (int)getpid());
	arena_unlink(name);
	o.dir_slots = 8;
	a = arena_create(name, 8192, &o);
	if (a == NULL)
		abort();
	atexit(cleanup);
	arena_stat(a, &st);
	first_gen = st.generation;
	/* The first object sits at the very end: no NUL after it. */
	memset(arena_ptr(a, arena_alloc(a, 64, 1)), 'x', 64);
	arena_publish(a, "s", arena_strdup(a, "hello"));
	arena_calloc(a, 10, 24, 8);
	arena_reset(a, 0);              /* input generation 2: 1 is stale */
	memset(arena_ptr(a, arena_alloc(a, 64, 1)), 'y', 64);
	arena_publish(a, "t", arena_strdup(a, "world"));
	arena_alloc(a, 100, 64);
	arena_stat(a, &st);
}

/* base -- the mapping's address (arena_ptr of offset 1, less 1: offset
 * 0 gives NULL). */
static const unsigned char *base(void)
{
	return (const unsigned char *)arena_ptr(a, 1) - 1;
}

/* inside -- P and LEN lie in the allocated part of the region. */
static void inside(const void *p, size_t len)
{
	const unsigned char *b = base();
	const unsigned char *q = p;

	if (q < b + st.segment_size - st.used || q + len > b + st.segment_size ||
	    len > st.used)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t ref = 0, len = 0;
	char key[64];
	const char *s;
	void *p;

	if (a == NULL)
		setup();
	if (size > 0)
		memcpy(&ref, data, size < 8 ? size : 8);
	if (size > 8)
		memcpy(&len, data + 8, size - 8 < 8 ? size - 8 : 8);
	if (ARENA_REF_GENERATION(ref) != 0)
		ref = ((first_gen - 1 + ARENA_REF_GENERATION(ref) - 1) %
		       ARENA_GEN_MASK + 1) << ARENA_OFFSET_BITS |
		      ARENA_REF_OFFSET(ref);
	p = arena_get(a, ref, (size_t)len);
	if (p != NULL)
		inside(p, (size_t)len);
	else if (errno != EINVAL && errno != ESTALE && errno != EFAULT)
		abort();
	s = arena_get_str(a, ref);
	if (s != NULL)
		inside(s, strlen(s) + 1);
	p = arena_get(a, ref, 0);
	if (p != NULL && arena_ref(a, p) != ref)
		abort();
	if (arena_ref(a, base() + (ref & 0xffff)) != ARENA_NULL &&
	    (ref & 0xffff) < st.header_size)
		abort();
	if (size > 16) {
		size_t n = size - 16 < sizeof(key) - 1 ? size - 16 : sizeof(key) - 1;

		memcpy(key, data + 16, n);
		key[n] = '\0';
		if (arena_lookup(a, key) != ARENA_NULL &&
		    strcmp(key, "t") != 0)
			abort();
	}
	return 0;
}
