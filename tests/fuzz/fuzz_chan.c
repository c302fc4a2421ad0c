/*
 * fuzz_chan - a channel whose control block, tables and descriptors a peer
 * has overwritten, then used in every role.
 *
 * One arena with one small channel, holding a few messages, is made once;
 * its channel object's bytes before the data ring are saved.  Each input
 * is XORed onto those bytes (so that an empty input, or zeros, leave a
 * valid channel, and the fuzzer works outward from it); when the first
 * byte is odd the identity checksum is recomputed, so that the fuzzer gets
 * past it to the geometry, positions, entries and descriptors.  Then
 * arena_chan_stat(), arena_check(), and a subscriber, a member and a
 * producer each open, receive or claim, and close, with zero timeouts.
 * Whatever the bytes, calls must fail with an error or return messages
 * inside the mapping; the saved bytes are put back after each input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"

static char name[64];
static arena_t *arena;
static unsigned char *obj, saved[4096];
static size_t objlen;
static unsigned char *map_lo, *map_hi;
static volatile unsigned sink;   /* reads of messages, kept */

static void cleanup(void)
{
	arena_unlink(name);
}

/* fnv -- the channel's identity checksum (arena(7)). */
static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t x = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		x ^= p[i];
		x *= UINT64_C(0x100000001b3);
	}
	return x;
}

static void setup(void)
{
	struct arena_options o = { 0 };
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 8,
	                                 .producers = 2, .receivers = 3,
	                                 .groups = 1 };
	static const struct timespec zero = { 0, 0 };
	arena_chan_t *p, *s;
	void *base;
	size_t len;

	snprintf(name, sizeof(name), "arena-test-fuzzchan-%d", (int)getpid());
	arena_unlink(name);
	atexit(cleanup);
	o.perm_size = 16384;
	arena = arena_create(name, 1 << 16, &o);
	if (arena == NULL || arena_chan_create(arena, "c", &cfg) != 0)
		abort();
	/* A few messages committed, one subscriber that read one. */
	p = arena_chan_open(arena, "c", ARENA_CHAN_PRODUCER, NULL);
	s = arena_chan_open(arena, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	if (p == NULL || s == NULL)
		abort();
	for (int i = 0; i < 4; i++)
		if (arena_chan_send(p, "message", 8, &zero) != 0)
			abort();
	arena_chan_close(p);
	arena_chan_close(s);
	if (arena_mapping(arena, &base, &len) != 0)
		abort();
	map_lo = base;
	map_hi = map_lo + len;
	obj = arena_ptr(arena, arena_lookup(arena, "c"));
	if (obj == NULL)
		abort();
	objlen = sizeof(saved);         /* the block, tables, descriptors */
	memcpy(saved, obj, objlen);
}

/* inside -- a message must lie in the mapping. */
static void inside(const struct arena_msg *m)
{
	const unsigned char *d = m->data;

	if (d < map_lo || d > map_hi || m->len > (size_t)(map_hi - d))
		abort();
	if (m->len != 0)
		sink += d[0] + d[m->len - 1];   /* both ends read (ASan) */
}

static void use(unsigned role, size_t want)
{
	static const struct timespec zero = { 0, 0 };
	arena_chan_t *c = arena_chan_open(arena, "c", role,
	                                  role == ARENA_CHAN_MEMBER ? "g" : NULL);
	struct arena_msg m[4];

	if (c == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		if (role == ARENA_CHAN_PRODUCER) {
			void *q = arena_chan_claim(c, want, &zero);

			if (q == NULL)
				continue;
			if ((unsigned char *)q < map_lo ||
			    (unsigned char *)q + want > map_hi)
				abort();
			memset(q, 0x33, want);
			if (i == 1)
				arena_chan_abort(c);
			else
				arena_chan_commit(c);
		} else {
			int k = arena_chan_recvv(c, m, 4, &zero);

			for (int j = 0; j < k; j++)
				inside(&m[j]);
		}
	}
	arena_chan_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena_chan_stat st;
	struct arena_chan_peer peers[8];
	size_t np = 8, n = size < objlen ? size : objlen;

	if (arena == NULL)
		setup();
	for (size_t i = 0; i < n; i++)
		obj[i] ^= data[i];
	if (size > 0 && (data[0] & 1)) {
		obj[0] = saved[0];      /* keep the magic attainable */
		memcpy(obj + 56, &(uint64_t){ fnv(obj, 56) }, 8);
	}
	arena_chan_stat(arena, "c", &st, peers, &np);
	arena_check(arena, NULL, NULL);
	use(ARENA_CHAN_SUBSCRIBER, 0);
	use(ARENA_CHAN_MEMBER, 0);
	use(ARENA_CHAN_PRODUCER, size > 2 ? (size_t)data[1] * 4 : 8);
	memcpy(obj, saved, objlen);
	return 0;
}
