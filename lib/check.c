/*
 * check.c - arena_check: the invariants of a live segment, read-only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct report {
	arena_check_fn *fn;
	void *ctx;
	int errors;
};

/* finding -- format one finding and pass it on. */
__attribute__((format(printf, 3, 4)))
static void finding(struct report *r, int sev, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (sev == ARENA_CHECK_ERROR)
		r->errors++;
	if (r->fn == NULL)
		return;
	va_start(ap, fmt);
	/* clang-tidy 14 reports ap uninitialised right after va_start: a
	 * known false positive of its valist checker. */
	vsnprintf(msg, sizeof(msg), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	r->fn(r->ctx, sev, msg);
}

/* check_header -- identity block, init state, state word, statistics. */
static uint64_t check_header(const struct arena *a, struct report *r)
{
	struct fmt_header h;
	uint64_t w, top, hw;

	memcpy(&h, a->hdr, FMT_CHECKSUMMED + sizeof(h.checksum));
	if (h.checksum != fmt_checksum(&h))
		finding(r, ARENA_CHECK_ERROR, "header checksum mismatch: the "
		        "identity block was overwritten after attach");
	if (h.segment_size != a->seg_size || h.header_size != a->hdr_size ||
	    h.proc_slots != a->proc_slots || h.dir_slots != a->dir_slots)
		finding(r, ARENA_CHECK_ERROR, "header geometry differs from what "
		        "attach validated");
	if (uatomic_read(&a->hdr->init_state) != FMT_READY)
		finding(r, ARENA_CHECK_ERROR, "init state is %#x, not READY",
		        (unsigned)uatomic_read(&a->hdr->init_state));
	w = uatomic_read(&a->hdr->state);
	top = FMT_OFF(w);
	if (top == FMT_TOP_TRIMMING) {
		uint64_t t = uatomic_read(&a->hdr->trim_owner);

		if (t != 0 && proc_word_alive(t))
			finding(r, ARENA_CHECK_WARN, "a trimming reset by pid %u is "
			        "in progress: the arena is full until it ends",
			        FMT_PROC_PID(t));
		else
			finding(r, ARENA_CHECK_WARN, "a trimming reset was abandoned "
			        "(its process died): the arena stays full until "
			        "the next reset");
	} else if (!state_ok(a, w))
		finding(r, ARENA_CHECK_ERROR, "state word top %llu outside the "
		        "region [%llu, %llu]", (unsigned long long)top,
		        (unsigned long long)a->hdr_size,
		        (unsigned long long)a->seg_size);
	if (FMT_GEN(w) == 0)
		finding(r, ARENA_CHECK_ERROR, "generation 0 is never used");
	hw = uatomic_read(&a->hdr->high_water);
	if (hw > a->seg_size - a->hdr_size)
		finding(r, ARENA_CHECK_ERROR, "high water %llu exceeds the "
		        "capacity %llu", (unsigned long long)hw,
		        (unsigned long long)(a->seg_size - a->hdr_size));
	if (uatomic_read(&a->hdr->last_reset) > (int64_t)time(NULL) + 86400)
		finding(r, ARENA_CHECK_WARN, "last reset lies in the future");
	return w;
}

/* check_procs -- every occupied process-table slot. */
static void check_procs(const struct arena *a, struct report *r)
{
	for (uint32_t i = 0; i < a->proc_slots; i++) {
		uint64_t w = uatomic_read(&a->procs[i]);

		if (w == 0)
			continue;
		if (FMT_PROC_PID(w) == 0 || FMT_PROC_PID(w) > (1u << 22))
			finding(r, ARENA_CHECK_ERROR, "process slot %u: invalid "
			        "pid %u", i, FMT_PROC_PID(w));
		else if (!proc_word_alive(w))
			finding(r, ARENA_CHECK_WARN, "process slot %u: pid %u is "
			        "dead (reaped at the next attach or reset)", i,
			        FMT_PROC_PID(w));
	}
}

/* check_dir -- every directory slot of the current generation. */
static void check_dir(const struct arena *a, struct report *r, uint64_t w)
{
	uint64_t g = FMT_GEN(w), top = FMT_OFF(w);

	if (!state_ok(a, w))
		top = a->hdr_size;
	for (uint32_t i = 0; i < a->dir_slots; i++) {
		const struct fmt_dirent *s = &a->dir[i];
		uint64_t t = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->tag);
		char key[sizeof(s->key) + 1];
		uint64_t ref, off;
		uint32_t h, start;
		size_t n;

		if (t == 0 || FMT_DIR_GEN(t) != g)
			continue;
		if (FMT_DIR_STATE(t) == FMT_DIR_BUSY) {
			finding(r, ARENA_CHECK_WARN, "directory slot %u: claimed "
			        "but never completed (publisher died?)", i);
			continue;
		}
		if (FMT_DIR_STATE(t) != FMT_DIR_READY) {
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: invalid "
			        "state %u", i, FMT_DIR_STATE(t));
			continue;
		}
		cmm_smp_rmb();
		memcpy(key, s->key, sizeof(s->key));
		key[sizeof(s->key)] = '\0';
		n = strlen(key);
		if (n == 0 || n > ARENA_KEY_MAX) {
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: key %s",
			        i, n == 0 ? "empty" : "not terminated");
			continue;
		}
		h = fmt_key_hash(key, n);
		if (h != FMT_DIR_HASH(t))
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: key "
			        "\"%s\" does not match its hash", i, key);
		ref = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->ref);
		off = FMT_OFF(ref);
		if (FMT_GEN(ref) != g)
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: \"%s\" "
			        "refers to generation %llu, current is %llu", i,
			        key, (unsigned long long)FMT_GEN(ref),
			        (unsigned long long)g);
		else if (off < top || off >= a->seg_size)
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: \"%s\" "
			        "refers to offset %llu, outside the allocated "
			        "[%llu, %llu)", i, key, (unsigned long long)off,
			        (unsigned long long)top,
			        (unsigned long long)a->seg_size);
		/* Lookup stops at the first free slot from the hash. */
		start = h % a->dir_slots;
		for (uint32_t j = start; j != i; j = (j + 1) % a->dir_slots) {
			uint64_t tj = uatomic_read(
				&((struct fmt_dirent *)(uintptr_t)&a->dir[j])->tag);

			if (tj == 0 || FMT_DIR_GEN(tj) != g) {
				finding(r, ARENA_CHECK_ERROR, "directory slot %u: "
				        "\"%s\" unreachable by lookup (free slot %u "
				        "before it)", i, key, j);
				break;
			}
			if (FMT_DIR_STATE(tj) == FMT_DIR_READY &&
			    FMT_DIR_HASH(tj) == h &&
			    memcmp(a->dir[j].key, s->key, sizeof(s->key)) == 0) {
				finding(r, ARENA_CHECK_ERROR, "directory slots %u "
				        "and %u: duplicate key \"%s\"", j, i, key);
				break;
			}
		}
	}
}

int arena_check(const arena_t *a, arena_check_fn *fn, void *ctx)
{
	struct report r = { fn, ctx, 0 };
	uint64_t w;

	if (a == NULL) {
		errno = EINVAL;
		return -1;
	}
	w = check_header(a, &r);
	check_procs(a, &r);
	check_dir(a, &r, w);
	return r.errors;
}
