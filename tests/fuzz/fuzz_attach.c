/*
 * fuzz_attach - attach a segment made of arbitrary bytes, then use it.
 *
 * The input is the whole segment file.  When the first byte is odd and
 * the input is long enough, the identity checksum is recomputed first, so
 * that the fuzzer gets past it and reaches the geometry, state word,
 * process table and directory.  Whatever the bytes, attach must fail with
 * an error or give a handle whose every call stays inside the mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"

/* fnv -- the format's identity checksum (arena(7)). */
static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t x = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		x ^= p[i];
		x *= UINT64_C(0x100000001b3);
	}
	return x;
}

static char name[64];

static void cleanup(void)
{
	arena_unlink(name);
}

/* use -- every reading call on A, plus writing ones when RW. */
static void use(arena_t *a, int rw)
{
	struct arena_stat st;
	struct arena_proc procs[8];
	struct arena_dirent dir[8];

	if (arena_stat(a, &st) == 0) {
		if (st.used + st.available != st.capacity)
			abort();
	}
	int nd;

	arena_procs(a, procs, 8);
	nd = arena_dir_list(a, dir, 8);
	arena_check(a, NULL, NULL);
	arena_lookup(a, "key");
	for (int i = 0; i < nd && i < 8; i++) {
		const char *s = arena_get_str(a, dir[i].ref);

		(void)s;
	}
	if (rw) {
		arena_ref_t r = arena_alloc(a, 16, 8);

		if (r != ARENA_NULL) {
			memset(arena_ptr(a, r), 0xab, 16);
			arena_publish(a, "key", r);
		}
		arena_reset(a, ARENA_RESET_FORCE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	arena_t *a;
	int fd;

	if (name[0] == '\0') {
		snprintf(name, sizeof(name), "arena-test-fuzz-%d", (int)getpid());
		atexit(cleanup);
	}
	if (size > (1u << 20))
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (size >= 80 && (buf[0] & 1)) {
		buf[0] = 'A';   /* keep the magic's first byte attainable */
		uint64_t c = fnv(buf, 72);
		memcpy(buf + 72, &c, 8);
	}
	arena_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		free(buf);
		return 0;
	}
	if (size > 0 && write(fd, buf, size) != (ssize_t)size) {
		close(fd);
		free(buf);
		return 0;
	}
	close(fd);
	free(buf);
	a = arena_attach(name, ARENA_RDONLY | ARENA_NOWAIT);
	if (a != NULL) {
		use(a, 0);
		arena_detach(a);
	}
	a = arena_attach(name, ARENA_NOWAIT);
	if (a != NULL) {
		use(a, 1);
		arena_detach(a);
	}
	arena_unlink(name);
	return 0;
}
