/*
 * check.c - arena_check: the invariants of a live segment, read-only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	uint64_t w, top, hw, e;

	memcpy(&h, a->hdr, FMT_CHECKSUMMED + sizeof(h.checksum));
	if (h.checksum != fmt_checksum(&h))
		finding(r, ARENA_CHECK_ERROR, "header checksum mismatch: the "
		        "identity block was overwritten after attach");
	if (h.segment_size != a->seg_size || h.header_size != a->meta_size ||
	    h.perm_size != a->hdr_size - a->meta_size ||
	    h.perm_tag != a->perm_tag || h.perm_dir_slots != a->perm_dir_slots ||
	    h.proc_slots != a->proc_slots || h.dir_slots != a->dir_slots ||
	    h.sect_slots != a->sect_slots)
		finding(r, ARENA_CHECK_ERROR, "header geometry differs from what "
		        "attach validated");
	if (uatomic_read(&a->hdr->init_state) != FMT_READY)
		finding(r, ARENA_CHECK_ERROR, "init state is %#x, not READY",
		        (unsigned)uatomic_read(&a->hdr->init_state));
	w = uatomic_read(&a->hdr->state);
	top = FMT_OFF(w);
	if (top == FMT_TOP_TRIMMING) {
		uint64_t t = uatomic_read(&a->hdr->trim_owner);
		bool alive = proc_word_alive(a, t);

		if (t == 0)
			finding(r, ARENA_CHECK_ERROR, "state word top is 0 (held "
			        "for a trim) but no trimmer is recorded: the arena "
			        "is full until a reset");
		else if (!alive && pid_running(t))
			/* A trimmer is attached while it trims: a running
			 * process with no live entry never trimmed here. */
			finding(r, ARENA_CHECK_ERROR, "state word top is 0 (held "
			        "for a trim) by pid %u, which runs but is not "
			        "attached: the arena is full until a reset",
			        FMT_PROC_PID(t));
		else if (alive)
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
	/* A resetter announces its generation before it starts it, and may
	 * die between the two, or announce one that a faster reset has
	 * already passed: any generation but 0 can be left there. */
	e = uatomic_read(&a->hdr->epoch);
	if (FMT_GEN(e) == 0)
		finding(r, ARENA_CHECK_ERROR, "epoch names generation 0, which "
		        "is never used");
	else if (FMT_GEN(e) != FMT_GEN(w))
		finding(r, ARENA_CHECK_WARN, "a reset to generation %llu was "
		        "announced but not made (its process died, or it is under "
		        "way): per-thread caches allocate directly until the next "
		        "reset", (unsigned long long)FMT_GEN(e));
	hw = uatomic_read(&a->hdr->high_water);
	if (hw > a->seg_size - a->hdr_size)
		finding(r, ARENA_CHECK_ERROR, "high water %llu exceeds the "
		        "capacity %llu", (unsigned long long)hw,
		        (unsigned long long)(a->seg_size - a->hdr_size));
	/* 253402300799: the last second of year 9999, as far as a calendar
	 * (and arenactl) can show it. */
	if (h.create_time <= 0 || h.create_time > INT64_C(253402300799))
		finding(r, ARENA_CHECK_ERROR, "creation time %lld is not a "
		        "date", (long long)h.create_time);
	else if (h.create_time > (int64_t)time(NULL) + 86400)
		finding(r, ARENA_CHECK_WARN, "creation time lies in the future");
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
		else if (!proc_slot_alive(a, i))
			finding(r, ARENA_CHECK_WARN, "process slot %u: pid %u is "
			        "dead (its lock is free; reaped at the next attach "
			        "or reset)", i, FMT_PROC_PID(w));
	}
}

/* check_perm -- the permanent part's top. */
static void check_perm(const struct arena *a, struct report *r)
{
	uint64_t t = uatomic_read(&a->hdr->perm_top);

	if (!perm_top_ok(a, t))
		finding(r, ARENA_CHECK_ERROR, "permanent part's top %llu lies "
		        "outside the part [%llu, %llu]", (unsigned long long)t,
		        (unsigned long long)a->meta_size,
		        (unsigned long long)a->hdr_size);
}

static void chan_finding(void *ctx, int sev, const char *msg)
{
	finding(ctx, sev, "%s", msg);
}

/* check_chans -- the channels bound in the permanent directory. */
static void check_chans(const struct arena *a, struct report *r)
{
	for (uint32_t i = 0; i < a->perm_dir_slots; i++) {
		uint64_t t = uatomic_read(&a->perm_dir[i].tag);
		char key[ARENA_KEY_MAX + 1];

		if (FMT_DIR_GEN(t) != a->perm_tag ||
		    dir_state(a, t) != FMT_DIR_READY)
			continue;
		memcpy(key, a->perm_dir[i].key, ARENA_KEY_MAX);
		key[ARENA_KEY_MAX] = 0;
		if (key[0] != 0)
			(void)chan_check(a, key, chan_finding, r);
	}
}

/* check_sections -- the pending reset and the section table. */
static void check_sections(const struct arena *a, struct report *r)
{
	uint64_t g = uatomic_read(&a->hdr->grace);
	uint32_t dead = 0;

	if (g != 0) {
		uint32_t s = FMT_GRACE_SLOT(g);

		if (FMT_GRACE_GEN(g) == 0 || s >= a->proc_slots)
			finding(r, ARENA_CHECK_ERROR, "pending reset word %#llx "
			        "names no process slot", (unsigned long long)g);
		else if (!proc_slot_alive(a, s))
			finding(r, ARENA_CHECK_WARN, "a waiting reset of process "
			        "slot %u is pending, but its process is gone (the "
			        "next section or reset clears it)", s);
	}
	for (uint32_t i = 0; i < a->sect_slots; i++) {
		uint32_t o = uatomic_read(&a->sects[i].owner);
		uint64_t w = uatomic_read(&a->sects[i].word);

		if (o == 0)
			continue;
		if (o - 1 >= a->proc_slots)
			finding(r, ARENA_CHECK_ERROR, "section entry %u: owner %u "
			        "names no process slot", i, o);
		else if (w != 0 && w != FMT_SECT_IN(FMT_GEN(w)))
			finding(r, ARENA_CHECK_ERROR, "section entry %u: word "
			        "%#llx is neither 0 nor {generation | 1}", i,
			        (unsigned long long)w);
		else if (!proc_slot_alive(a, o - 1))
			dead++;
	}
	if (dead != 0)
		finding(r, ARENA_CHECK_WARN, "%u section entr%s of dead handles "
		        "(taken back by the next claim)", dead,
		        dead == 1 ? "y" : "ies");
}

/* One bound key, privately copied, for the duplicate search. */
struct bound {
	uint32_t hash;
	uint32_t slot;
	char key[32];
};

/* bound_cmp -- order by hash, then key. */
static int bound_cmp(const void *x, const void *y)
{
	const struct bound *p = x, *q = y;

	if (p->hash != q->hash)
		return p->hash < q->hash ? -1 : 1;
	return memcmp(p->key, q->key, sizeof(p->key));
}

/* tag_at -- directory slot I's tag. */
static uint64_t tag_at(const struct arena *a, uint32_t i)
{
	return uatomic_read(&((struct fmt_dirent *)(uintptr_t)&a->dir[i])->tag);
}

/* check_slot -- one slot of the current generation G; its key (copied) into
 * B when it is a sound READY binding, else false. */
static bool check_slot(const struct arena *a, struct report *r, uint32_t i,
                       uint64_t t, uint64_t g, uint64_t top, struct bound *b)
{
	const struct fmt_dirent *s = &a->dir[i];
	uint64_t ref, off;
	size_t n;

	if (FMT_DIR_STATE(t) == FMT_DIR_BUSY) {
		finding(r, ARENA_CHECK_WARN, "directory slot %u: claimed but "
		        "never completed (publisher died?)", i);
		return false;
	}
	if (FMT_DIR_STATE(t) == FMT_DIR_DEAD)
		return false;
	if (FMT_DIR_STATE(t) != FMT_DIR_READY) {
		finding(r, ARENA_CHECK_ERROR, "directory slot %u: invalid "
		        "state %u", i, FMT_DIR_STATE(t));
		return false;
	}
	cmm_smp_rmb();
	memcpy(b->key, s->key, sizeof(b->key));
	n = strnlen(b->key, sizeof(b->key));
	if (n == 0 || n > ARENA_KEY_MAX) {
		finding(r, ARENA_CHECK_ERROR, "directory slot %u: key %s", i,
		        n == 0 ? "empty" : "not terminated");
		return false;
	}
	/* Lookups compare all 32 bytes: a key is NUL-padded. */
	for (size_t k = n; k < sizeof(b->key); k++) {
		if (b->key[k] != '\0') {
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: key "
			        "\"%s\" has bytes after its end (lookups cannot "
			        "find it)", i, b->key);
			return false;
		}
	}
	b->hash = fmt_key_hash(b->key, n);
	b->slot = i;
	if (b->hash != FMT_DIR_HASH(t))
		finding(r, ARENA_CHECK_ERROR, "directory slot %u: key \"%s\" "
		        "does not match its hash", i, b->key);
	ref = uatomic_read(&((struct fmt_dirent *)(uintptr_t)s)->ref);
	off = FMT_OFF(ref);
	if (FMT_GEN(ref) != g)
		finding(r, ARENA_CHECK_ERROR, "directory slot %u: \"%s\" refers "
		        "to generation %llu, current is %llu", i, b->key,
		        (unsigned long long)FMT_GEN(ref), (unsigned long long)g);
	else if (off < top || off >= a->seg_size)
		finding(r, ARENA_CHECK_ERROR, "directory slot %u: \"%s\" refers "
		        "to offset %llu, outside the allocated [%llu, %llu)", i,
		        b->key, (unsigned long long)off, (unsigned long long)top,
		        (unsigned long long)a->seg_size);
	return b->hash == FMT_DIR_HASH(t);
}

/*
 * check_dir -- every directory slot: sound, and reachable by a lookup,
 * which looks at the first dir_probe slots from the key's hash; then
 * duplicate keys, by sorting private copies.  Linear, plus the sort.
 */
static void check_dir(const struct arena *a, struct report *r, uint64_t w)
{
	uint64_t g = FMT_GEN(w), top = FMT_OFF(w);
	uint64_t dp = uatomic_read(&a->hdr->dir_probe);
	uint32_t n = a->dir_slots, limit = dir_probe_limit(a, g), nb = 0;
	struct bound *bs;

	if (n == 0)
		return;
	if (FMT_GEN(dp) == g && FMT_OFF(dp) > n)
		finding(r, ARENA_CHECK_ERROR, "directory probe length %llu "
		        "exceeds the %u slots", (unsigned long long)FMT_OFF(dp), n);
	if (!state_ok(a, w))
		top = top == FMT_TOP_TRIMMING ? a->seg_size : a->hdr_size;
	bs = malloc((size_t)n * sizeof(*bs));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = tag_at(a, i);
		struct bound b;
		uint32_t start, dist;

		if (t != 0 && FMT_DIR_STATE(t) == FMT_DIR_BUSY &&
		    FMT_DIR_CLAIMANT(t) >= a->proc_slots) {
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: claimed "
			        "by process slot %u, which does not exist", i,
			        FMT_DIR_CLAIMANT(t));
			continue;
		}
		if (t == 0 || FMT_DIR_GEN(t) != g)
			continue;
		if (!check_slot(a, r, i, t, g, top, &b))
			continue;
		start = b.hash % n;
		dist = i >= start ? i - start : i + n - start;
		if (dist >= limit)
			finding(r, ARENA_CHECK_ERROR, "directory slot %u: \"%s\" "
			        "unreachable by lookup (%u slots from its start, "
			        "lookups look at %u)", i, b.key, dist, limit);
		if (bs != NULL)
			bs[nb++] = b;
	}
	if (bs == NULL) {
		finding(r, ARENA_CHECK_WARN, "duplicate keys not checked: out of "
		        "memory");
		return;
	}
	qsort(bs, nb, sizeof(*bs), bound_cmp);
	for (uint32_t k = 1; k < nb; k++)
		if (bound_cmp(&bs[k - 1], &bs[k]) == 0)
			finding(r, ARENA_CHECK_ERROR, "directory slots %u and %u: "
			        "duplicate key \"%s\"", bs[k - 1].slot, bs[k].slot,
			        bs[k].key);
	free(bs);
}

int arena_check(const arena_t *a, arena_check_fn *fn, void *ctx)
{
	struct report r = { fn, ctx, 0 };
	uint64_t w;

	if (!handle_ok(a)) {
		errno = EINVAL;
		return -1;
	}
	w = check_header(a, &r);
	check_procs(a, &r);
	check_sections(a, &r);
	check_perm(a, &r);
	check_chans(a, &r);
	check_dir(a, &r, w);
	return r.errors;
}
