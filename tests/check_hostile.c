/*
 * check_hostile.c - untrusted shared memory: nothing a peer writes into a
 * segment, and no single damaged byte of a header at rest, makes a library
 * call crash, hang or hand out a pointer outside the mapping; and every
 * damage that leaves the segment in a state the library can never reach is
 * refused by arena_attach() or reported by arena_check() as an ERROR.
 *
 * hostile_peer: while an attacker process, mapping /dev/shm/NAME on its
 * own with open() and mmap(), keeps writing adversarial values into every
 * mutable shared field (state word, statistics line, init state, probe
 * length, reset epoch, process table, directory slots, the region's last
 * bytes), forked victims, three attached read-write and one read-only,
 * call every public function over and over and check what they get:
 * allocations inside the region, pointers inside the mapping, strings
 * terminated inside it, statistics consistent with the geometry.
 * Meanwhile arenactl's inspection commands (tools/arenactl, or $ARENACTL)
 * run against the segment under timeout(1): no crash, no hang.  Every
 * victim round is bounded by alarm(): a hang is a SIGALRM.
 * HOSTILE_SECONDS sets the duration (3 s by default; make hostile: 60).
 *
 * damage_at_rest: for two geometries, every byte of the header, four
 * damages each (xor 0xff, set 0, set 0xff, +1), each on a fresh copy of a
 * pristine segment: arena_check() on handles attached before the damage,
 * then attach read-only and read-write and make every call through what
 * attached, and through the read-write handle attached before.  Damages
 * that leave an unreachable state (must_report() says which, and why)
 * must be refused by attach or reported by arena_check() as an ERROR.
 * Forked workers run batches of cases; a crash or a hang ends the worker
 * and is recorded with its case and call, and a new worker goes on with
 * the next case.
 *
 * Findings are collected in shared memory by kind and reported together
 * (first example of each kind), so one run shows every defect at once.
 */
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>

#include "testutil.h"
#include "../lib/format.h"

/* ---- findings ---------------------------------------------------------- */

#define BOOK_KINDS 48

/* What one process found: counts by kind, and the first message of each.
 * One writer per book (the process it belongs to); read by the test after
 * the writer ended. */
struct fbook {
	unsigned long total;     /* findings: defects, the test fails */
	unsigned long notes;     /* notes: reported, the test passes */
	unsigned long dropped;   /* findings of kinds beyond BOOK_KINDS */
	unsigned nkinds;
	struct {
		char kind[128];
		int note;
		unsigned long count;
		char first[400];
	} k[BOOK_KINDS];
};

__attribute__((format(printf, 4, 5)))
static void book_add(struct fbook *b, int note, const char *kind,
                     const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	if (note)
		b->notes++;
	else
		b->total++;
	for (i = 0; i < b->nkinds; i++)
		if (b->k[i].note == note && strcmp(b->k[i].kind, kind) == 0)
			break;
	if (i == b->nkinds) {
		if (b->nkinds == BOOK_KINDS) {
			b->dropped++;
			return;
		}
		b->nkinds++;
		snprintf(b->k[i].kind, sizeof b->k[i].kind, "%s", kind);
		b->k[i].note = note;
		b->k[i].count = 0;
	}
	if (b->k[i].count++ == 0) {
		va_start(ap, fmt);
		vsnprintf(b->k[i].first, sizeof b->k[i].first, fmt, ap);
		va_end(ap);
	}
}

/* books_report -- print the N books merged by kind; the number of
 * findings (notes not counted).  TITLE heads the report. */
static unsigned long books_report(struct fbook *books, unsigned n,
                                  const char *title)
{
	unsigned long total = 0, notes = 0, dropped = 0;

	for (unsigned i = 0; i < n; i++) {
		total += books[i].total;
		notes += books[i].notes;
		dropped += books[i].dropped;
	}
	if (total == 0 && notes == 0)
		return 0;
	fprintf(stderr, "%s: %lu finding(s), %lu note(s)\n", title, total,
	        notes);
	for (int note = 0; note <= 1; note++) {
		for (unsigned i = 0; i < n; i++) {
			for (unsigned j = 0; j < books[i].nkinds; j++) {
				unsigned long count = 0;
				if (books[i].k[j].note != note ||
				    books[i].k[j].count == 0)
					continue;
				/* merge the same kind of later books */
				for (unsigned i2 = i; i2 < n; i2++)
					for (unsigned j2 = 0; j2 < books[i2].nkinds;
					     j2++) {
						if (books[i2].k[j2].note == note &&
						    books[i2].k[j2].count != 0 &&
						    strcmp(books[i2].k[j2].kind,
						           books[i].k[j].kind) == 0 &&
						    (i2 != i || j2 != j)) {
							count += books[i2].k[j2].count;
							books[i2].k[j2].count = 0;
						}
					}
				count += books[i].k[j].count;
				fprintf(stderr, "  [%s] %s: %lu time(s); first: %s\n",
				        note ? "note" : "FINDING", books[i].k[j].kind,
				        count, books[i].k[j].first);
				books[i].k[j].count = 0;
			}
		}
	}
	if (dropped != 0)
		fprintf(stderr, "  and %lu finding(s) of further kinds\n", dropped);
	return total;
}

/*
 * alarm_default -- in a worker: SIGALRM kills this process alone.  A forked
 * worker inherits Check's handler, which kills the whole process group
 * (the test with it) on its own timeout.
 */
static void alarm_default(void)
{
	sigset_t set;

	signal(SIGALRM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* alarm_s -- S seconds, stretched by CK_TIMEOUT_MULTIPLIER (tu_ms). */
static unsigned alarm_s(unsigned s)
{
	return (unsigned)(tu_ms(s * 1000.0) / 1000);
}

static void *shared_area(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap %zu: %s", n, strerror(errno));
	return p;
}

/* ---- the calls, for reporting where a process died ---------------------- */

#define CALLS(X) \
	X(SETUP, "setup") \
	X(RESTORE, "restoring the segment (test code)") \
	X(CHECK_PRE, "arena_check on a handle attached before the damage") \
	X(ATTACH_RO, "arena_attach(ARENA_RDONLY)") \
	X(ATTACH_RW, "arena_attach(0)") \
	X(DETACH, "arena_detach") \
	X(CHECK, "arena_check") \
	X(STAT, "arena_stat") \
	X(LOOKUP, "arena_lookup") \
	X(GET, "arena_get") \
	X(GET_STR, "arena_get_str") \
	X(DIR_LIST, "arena_dir_list") \
	X(PROCS, "arena_procs") \
	X(REF, "arena_ref") \
	X(ALLOC, "arena_alloc") \
	X(CALLOC, "arena_calloc") \
	X(STRDUP, "arena_strdup") \
	X(MEMDUP, "arena_memdup") \
	X(LOCAL_INIT, "arena_local_init") \
	X(LOCAL_ALLOC, "arena_local_alloc") \
	X(LOCAL_FLUSH, "arena_local_flush") \
	X(PUBLISH, "arena_publish") \
	X(RESET, "arena_reset") \
	X(SECTION_ENTER, "arena_section_enter") \
	X(SECTION_LEAVE, "arena_section_leave") \
	X(RESET_WAIT, "arena_reset_wait") \
	X(WAIT_GEN, "arena_wait_generation") \
	X(USE, "using memory the library returned (test code)") \
	X(ATTACK, "attacking (test code)") \
	X(ARENACTL, "running arenactl")

#define CALL_ENUM(id, s) PH_##id,
#define CALL_NAME(id, s) s,
enum { CALLS(CALL_ENUM) PH_COUNT };
static const char *const call_names[] = { CALLS(CALL_NAME) };

static const char *call_name(int ph)
{
	return ph >= 0 && ph < PH_COUNT ? call_names[ph] : "?";
}

/* ---- checking what the library returns --------------------------------- */

/* The mapping as this process sees it, where findings go, and the
 * situation, for messages. */
struct view {
	const unsigned char *base;
	uint64_t size;           /* real size of the object */
	uint64_t hdr;            /* header size */
	struct fbook *fb;
	const char *where;
};

/* view_of -- the view of handle A over a segment of SIZE bytes. */
static struct view view_of(const arena_t *a, uint64_t size, uint64_t hdr,
                           struct fbook *fb, const char *where)
{
	struct view v;
	v.base = tu_base(a);
	v.size = size;
	v.hdr = hdr;
	v.fb = fb;
	v.where = where;
	return v;
}

/* region_ptr -- whether [P, P+LEN) lies inside the region (past the
 * header, before the end of the mapping). */
static int region_ptr(const struct view *v, const void *p, uint64_t len)
{
	uintptr_t q = (uintptr_t)p, b = (uintptr_t)v->base;

	return q >= b + v->hdr && q - b <= v->size && len <= v->size - (q - b);
}

/* check_ptr -- P from CALL, for LEN bytes at reference R (0: unknown):
 * NULL, or inside the region at R's offset.  0 when it is not. */
static int check_ptr(const struct view *v, const char *call, const void *p,
                     uint64_t len, arena_ref_t r)
{
	if (p == NULL)
		return 1;
	if (!region_ptr(v, p, len)) {
		book_add(v->fb, 0, "pointer outside the mapping's region",
		         "%s: %s returned %p for %llu bytes (reference %#llx); "
		         "the region is [%p, %p)", v->where, call, p,
		         (unsigned long long)len, (unsigned long long)r,
		         (const void *)(v->base + v->hdr),
		         (const void *)(v->base + v->size));
		return 0;
	}
	if (r != ARENA_NULL &&
	    (const unsigned char *)p != v->base + ARENA_REF_OFFSET(r)) {
		book_add(v->fb, 0, "pointer not at the reference's offset",
		         "%s: %s returned %p for reference %#llx, expected %p",
		         v->where, call, p, (unsigned long long)r,
		         (const void *)(v->base + ARENA_REF_OFFSET(r)));
		return 0;
	}
	return 1;
}

/*
 * check_str -- S from CALL (arena_get_str of R through A): NULL, or inside
 * the region with its NUL inside the mapping.  The NUL is the library's
 * finding as of the call: a peer may overwrite it before we look (the
 * attacker does), so a string found unterminated is asked for again, and
 * only one that comes back unterminated three times in a row counts.
 */
static int check_str(const struct view *v, const arena_t *a,
                     const char *call, const char *s, arena_ref_t r)
{
	for (int tries = 0; s != NULL; tries++) {
		if (!check_ptr(v, call, s, 1, r))
			return 0;
		if (memchr(s, '\0', (size_t)(v->base + v->size -
		                             (const unsigned char *)s)) != NULL)
			return 1;
		if (tries == 2) {
			book_add(v->fb, 0, "string not terminated inside the "
			         "mapping", "%s: %s returned %p (reference "
			         "%#llx) with no NUL before the end of the "
			         "mapping, three times in a row", v->where, call,
			         (const void *)s, (unsigned long long)r);
			return 0;
		}
		s = arena_get_str(a, r);
	}
	return 1;
}

/* check_ref -- reference R returned by CALL (a lookup, a listing): 0, or
 * of a generation that exists with an offset inside the region. */
static int check_ref(const struct view *v, const char *call, arena_ref_t r)
{
	uint64_t off = ARENA_REF_OFFSET(r);

	if (r == ARENA_NULL)
		return 1;
	if (ARENA_REF_GENERATION(r) == 0)
		book_add(v->fb, 1, "reference of generation 0 returned",
		         "%s: %s returned reference %#llx: generation 0 is never "
		         "used (the state word's generation was 0, and was not "
		         "refused as corrupt)", v->where, call,
		         (unsigned long long)r);
	if (off < v->hdr || off >= v->size) {
		book_add(v->fb, 0, "reference outside the region returned",
		         "%s: %s returned reference %#llx (generation %llu, "
		         "offset %llu); the region is [%llu, %llu)", v->where,
		         call, (unsigned long long)r,
		         (unsigned long long)ARENA_REF_GENERATION(r),
		         (unsigned long long)off, (unsigned long long)v->hdr,
		         (unsigned long long)v->size);
		return 0;
	}
	return 1;
}

/* check_alloc -- reference R from allocating SIZE bytes at ALIGN with
 * CALL: ARENA_NULL, or inside the region, aligned, and arena_ptr() agrees.
 * The object's address when it may be used, else NULL. */
static unsigned char *check_alloc(const struct view *v, const arena_t *a,
                                  const char *call, arena_ref_t r,
                                  uint64_t size, uint64_t align)
{
	uint64_t off = ARENA_REF_OFFSET(r);

	if (r == ARENA_NULL)
		return NULL;
	if (ARENA_REF_GENERATION(r) == 0)
		book_add(v->fb, 1, "allocation of generation 0",
		         "%s: %s returned reference %#llx: generation 0 is never "
		         "used (the state word's generation was 0, and was not "
		         "refused as corrupt, EBADMSG)", v->where, call,
		         (unsigned long long)r);
	if (off < v->hdr || off >= v->size || size > v->size - off ||
	    off % align != 0) {
		book_add(v->fb, 0, "allocation outside the region",
		         "%s: %s(%llu bytes, align %llu) returned reference "
		         "%#llx (offset %llu); the region is [%llu, %llu)",
		         v->where, call, (unsigned long long)size,
		         (unsigned long long)align, (unsigned long long)r,
		         (unsigned long long)off, (unsigned long long)v->hdr,
		         (unsigned long long)v->size);
		return NULL;
	}
	if ((const unsigned char *)arena_ptr(a, r) != v->base + off) {
		book_add(v->fb, 0, "arena_ptr disagrees with the mapping",
		         "%s: arena_ptr(%#llx) = %p, mapping at %p",
		         v->where, (unsigned long long)r, arena_ptr(a, r),
		         (const void *)v->base);
		return NULL;
	}
	return (unsigned char *)v->base + off;
}

/* check_stat -- arena_stat's answer agrees with the real geometry. */
static void check_stat(const struct view *v, const arena_t *a, int rc,
                       const struct arena_stat *st)
{
	if (rc != 0) {
		book_add(v->fb, 0, "arena_stat failed", "%s: arena_stat: %s",
		         v->where, strerror(errno));
		return;
	}
	if (st->segment_size != v->size || st->header_size != v->hdr ||
	    st->capacity != v->size - v->hdr || st->used > st->capacity ||
	    st->used + st->available != st->capacity ||
	    st->generation > ARENA_GEN_MASK ||
	    st->dir_entries > st->dir_slots ||
	    st->attached > st->proc_slots)
		book_add(v->fb, 0, "arena_stat inconsistent",
		         "%s: arena_stat: segment %llu header %llu capacity "
		         "%llu used %llu available %llu generation %llu "
		         "entries %u/%u attached %u/%u (real segment %llu, "
		         "header %llu)", v->where,
		         (unsigned long long)st->segment_size,
		         (unsigned long long)st->header_size,
		         (unsigned long long)st->capacity,
		         (unsigned long long)st->used,
		         (unsigned long long)st->available,
		         (unsigned long long)st->generation, st->dir_entries,
		         st->dir_slots, st->attached, st->proc_slots,
		         (unsigned long long)v->size,
		         (unsigned long long)v->hdr);
	(void)a;
}

/* check_errno -- after CALL failed: errno is one of the N in OK[]; else a
 * note (an undocumented code is no memory-safety defect). */
static void check_errno(const struct view *v, const char *call, int e,
                        const int *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e == ok[i])
			return;
	{
		char kind[128];
		snprintf(kind, sizeof kind, "%s failed with errno %s", call,
		         strerrorname_np(e) ? strerrorname_np(e) : "?");
		book_add(v->fb, 1, kind, "%s: %s: errno %d (%s), not among the "
		         "documented codes", v->where, call, e, strerror(e));
	}
}

#define ERRNOS(...) (const int[]){ __VA_ARGS__ }, \
	sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int)

/* adversarial_gets -- arena_get and arena_get_str on references near the
 * edges of the region and beyond, of generation GEN: inside or NULL. */
static void adversarial_gets(const struct view *v, const arena_t *a,
                             uint64_t gen, volatile int *ph, uint64_t *seed)
{
	const uint64_t offs[] = { 1, v->hdr - 1, v->hdr, v->size - 1, v->size,
	                          v->size + 1, ARENA_OFFSET_MASK,
	                          v->hdr + tu_rand(seed) % (v->size - v->hdr),
	                          tu_rand(seed) & ARENA_OFFSET_MASK };
	const size_t lens[] = { 1, 8, 4096, (size_t)(v->size - v->hdr),
	                        SIZE_MAX, (size_t)tu_rand(seed) };
	const uint64_t gens[] = { gen, (gen + 1) & ARENA_GEN_MASK, 0,
	                          tu_rand(seed) & ARENA_GEN_MASK };

	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		uint64_t g = gens[(i + tu_rand(seed)) % 4];
		arena_ref_t r = (g << ARENA_OFFSET_BITS) | offs[i];
		size_t len = lens[tu_rand(seed) % (sizeof lens / sizeof lens[0])];
		const void *p;
		const char *s;

		*ph = PH_GET;
		p = arena_get(a, r, len);
		*ph = PH_USE;
		check_ptr(v, "arena_get", p, len, r);
		*ph = PH_GET_STR;
		s = arena_get_str(a, r);
		*ph = PH_USE;
		check_str(v, a, "arena_get_str", s, r);
	}
}

/* ---- damage at rest ------------------------------------------------------ */

#define DMG_VALUES 4
static const char *const dmg_names[DMG_VALUES] = {
	"xor 0xff", "set 0", "set 0xff", "+1"
};

static unsigned char dmg_apply(unsigned char b, unsigned v)
{
	switch (v) {
	case 0: return (unsigned char)(b ^ 0xff);
	case 1: return 0;
	case 2: return 0xff;
	default: return (unsigned char)(b + 1);
	}
}

#define MAX_KEYS 8

/* A pristine segment: its bytes and geometry, and what was published. */
struct pristine {
	const char *geometry;
	unsigned char *img;
	size_t size;
	uint64_t hdr, seg;
	uint32_t proc_off, proc_slots, dir_off, dir_slots;
	unsigned nkeys;
	char keys[MAX_KEYS][ARENA_KEY_MAX + 1];
	arena_ref_t refs[MAX_KEYS];
};

/* Header fields by offset, for messages. */
static const struct {
	size_t off, len;
	const char *name;
} hfields[] = {
#define HF(f) { offsetof(struct fmt_header, f), \
	        sizeof(((struct fmt_header *)0)->f), #f }
	HF(magic), HF(version), HF(header_size), HF(segment_size),
	HF(compat), HF(rocompat), HF(incompat), HF(flags), HF(create_time),
	HF(creator_uid), HF(proc_slots), HF(dir_slots), HF(proc_offset),
	HF(dir_offset), HF(sect_slots), HF(perm_size), HF(perm_dir_slots),
	HF(perm_tag), HF(checksum), HF(init_state),
	HF(pad0), HF(state), HF(pad1), HF(failed_allocs), HF(resets),
	HF(high_water), HF(last_reset), HF(trim_owner), HF(dir_probe),
	HF(perm_top), HF(perm_probe), HF(epoch), HF(grace), HF(pad3), HF(wake_seq),
	HF(wake_waiters), HF(grace_seq), HF(procs_seq), HF(procs_waiters), HF(sect_owned),
	HF(pad4),
#undef HF
};

/* field_name -- "state+2", "proc[1]+5", "dir[3].key+0" for byte OFF. */
static void field_name(const struct pristine *p, size_t off, char *out,
                       size_t n)
{
	if (off < FMT_TABLES) {
		for (size_t i = 0; i < sizeof hfields / sizeof hfields[0]; i++)
			if (off >= hfields[i].off &&
			    off < hfields[i].off + hfields[i].len) {
				snprintf(out, n, "%s+%zu", hfields[i].name,
				         off - hfields[i].off);
				return;
			}
		snprintf(out, n, "header line byte %zu", off);
	} else if (off >= p->proc_off &&
	           off < p->proc_off + (size_t)p->proc_slots * FMT_PROC_SLOT) {
		size_t k = off - p->proc_off;
		snprintf(out, n, "proc[%zu]+%zu", k / FMT_PROC_SLOT,
		         k % FMT_PROC_SLOT);
	} else if (off >= p->dir_off &&
	           off < p->dir_off + (size_t)p->dir_slots *
	                 sizeof(struct fmt_dirent)) {
		size_t k = off - p->dir_off, i = k / sizeof(struct fmt_dirent);
		size_t b = k % sizeof(struct fmt_dirent);
		snprintf(out, n, "dir[%zu].%s+%zu", i,
		         b < offsetof(struct fmt_dirent, ref) ? "tag" :
		         b < offsetof(struct fmt_dirent, key) ? "ref" : "key",
		         b < offsetof(struct fmt_dirent, ref) ? b :
		         b < offsetof(struct fmt_dirent, key) ? b - 8 : b - 16);
	} else if (off >= FMT_SECT_OFFSET(p->dir_off, p->dir_slots) &&
	           off < FMT_SECT_OFFSET(p->dir_off, p->dir_slots) +
	                 (size_t)((const struct fmt_header *)(const void *)
	                          p->img)->sect_slots * FMT_SECT_ENTRY) {
		size_t k = off - FMT_SECT_OFFSET(p->dir_off, p->dir_slots);
		size_t b = k % FMT_SECT_ENTRY;
		snprintf(out, n, "sect[%zu].%s+%zu", k / FMT_SECT_ENTRY,
		         b < 4 ? "owner" : b < 8 ? "tid" : b < 16 ? "word" : "pad",
		         b < 4 ? b : b < 8 ? b - 4 : b < 16 ? b - 8 : b - 16);
	} else {
		snprintf(out, n, "unused header tail byte %zu", off);
	}
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return x;
}

/* pid_ok -- a pid Linux can give (pid_max is at most 2^22). */
static int pid_ok(uint32_t pid)
{
	return pid >= 1 && pid <= (1u << 22);
}

/*
 * must_report -- whether header IMG (the first hdr bytes of a segment) is
 * a state that no run of the library can produce, so that arena_attach()
 * must refuse it or arena_check() must report an ERROR.  WHY says which
 * rule.  Deliberately conservative: where a damaged value could also have
 * been written by some interleaving of live or dying processes, it is
 * not required.  The rules, by field (offsets from lib/format.h):
 *
 *   [0, offsetof(checksum) + 8)  identity block and its checksum: written
 *       once at create; FNV-1a detects every single-byte change, so the
 *       block no longer matches its checksum.  Must be refused at attach
 *       (a handle attached before must report it: arena_check compares).
 *   init_state (96, 4 bytes)  anything but READY: a segment is READY from
 *       create on; no READY byte is 0, so no single damage gives
 *       INITIALIZING.
 *   state (128, 8 bytes)  generation 0 (never used); a top outside
 *       [header_size, segment_size] other than 0; top 0 (held for a trim)
 *       while trim_owner is 0 or names no possible pid: a trimmer records
 *       itself in trim_owner before it holds the top at 0 and clears it
 *       only after reopening.  A top raised above a published object is
 *       caught by the directory rule below; a top lowered (space leaked)
 *       and any other generation are valid states.
 *   high_water (208)  above the capacity.
 *   epoch (256)  naming generation 0 (resets announce the generation they
 *       start, never 0).  Not an epoch of another generation than the
 *       state word's: a resetter that read the state word, stalled while
 *       others reset, announced its stale generation and was killed before
 *       retrying leaves the epoch behind the state word.
 *   process table (proc_offset, 8 bytes a slot)  a non-zero word whose
 *       pid is 0 or above 2^22 (a dead or unknown pid is valid: a peer
 *       that died).
 *   grace (264)  non-zero and naming generation 0 or a process slot
 *       that does not exist (a resetter writes {generation | its slot}).
 *   perm_top (240)  anything but the header's end: these segments have
 *       no permanent part, whose top starts at its end and only falls.
 *   section table (after the directory, 64 bytes an entry)  an owner
 *       naming a process slot that does not exist; an owned entry whose
 *       word is neither 0 nor {generation | 1}.
 *   dir_probe (232)  of the current generation and longer than the
 *       directory (a publisher raises it to its probe length at most).
 *   directory (dir_offset, 48 bytes a slot): a BUSY tag (any generation)
 *       naming a process slot that does not exist; in the slots of the
 *       current generation, a state other than BUSY, READY, DEAD; a READY
 *       slot whose key is empty, not NUL-terminated, or not NUL-padded
 *       (format.h: "the NUL-padded key"; lookups compare all 32 bytes),
 *       whose hash does not match its key, whose reference is of another
 *       generation or outside the allocated [top, segment_size), that
 *       lookups cannot reach (lookups look at the first dir_probe slots
 *       from the hash's start, none when dir_probe is of another
 *       generation: a publisher raises it before it completes a slot), or
 *       that binds the same key as another sound READY slot.
 *
 * Not required (valid states, or harmless and indistinguishable from
 * them): the padding of the header lines, failed_allocs, resets,
 * last_reset, trim_owner while the top is not held, a generation change,
 * a lowered top, a longer dir_probe (within the directory), or one of
 * another generation when no binding needs it, dead or foreign pids in
 * the process table, free directory slots' key and reference bytes, tags
 * of other generations (other than a BUSY with an impossible claimant),
 * BUSY and DEAD slots, the unused tail of the header page.
 *
 * A read-write attach may repair a damage (it takes over a process slot
 * holding no live process): for that handle the header is judged as the
 * attach left it.
 */
static int must_report(const struct pristine *p, const unsigned char *img,
                       char *why, size_t n)
{
	size_t idend = offsetof(struct fmt_header, checksum) + 8;
	uint64_t w = rd64(img + offsetof(struct fmt_header, state));
	uint64_t g = FMT_GEN(w), top = FMT_OFF(w);
	uint64_t trim = rd64(img + offsetof(struct fmt_header, trim_owner));
	uint64_t hw = rd64(img + offsetof(struct fmt_header, high_water));
	uint64_t probe = rd64(img + offsetof(struct fmt_header, dir_probe));
	uint64_t epoch = rd64(img + offsetof(struct fmt_header, epoch));
	uint32_t limit;
	uint64_t lo;
	const struct fmt_dirent *d;
	uint32_t ns = p->dir_slots;
	int sound[ARENA_MAX_SLOTS > 4096 ? 4096 : ARENA_MAX_SLOTS];

	if (memcmp(img, p->img, idend) != 0) {
		snprintf(why, n, "identity block or checksum changed");
		return 1;
	}
	if (rd32(img + offsetof(struct fmt_header, init_state)) != FMT_READY) {
		snprintf(why, n, "init_state is not READY");
		return 1;
	}
	if (g == 0) {
		snprintf(why, n, "generation 0");
		return 1;
	}
	if (FMT_GEN(epoch) == 0) {
		snprintf(why, n, "epoch names generation 0");
		return 1;
	}
	if (top == FMT_TOP_TRIMMING) {
		if (trim == 0 || !pid_ok(FMT_PROC_PID(trim))) {
			snprintf(why, n, "top held for a trim (0) with trim_owner "
			         "%#llx", (unsigned long long)trim);
			return 1;
		}
	} else if (top < p->hdr || top > p->seg) {
		snprintf(why, n, "top %llu outside [%llu, %llu]",
		         (unsigned long long)top, (unsigned long long)p->hdr,
		         (unsigned long long)p->seg);
		return 1;
	}
	if (hw > p->seg - p->hdr) {
		snprintf(why, n, "high_water %llu above the capacity",
		         (unsigned long long)hw);
		return 1;
	}
	{
		uint64_t gw = rd64(img + offsetof(struct fmt_header, grace));
		uint64_t pt = rd64(img + offsetof(struct fmt_header, perm_top));
		size_t so = FMT_SECT_OFFSET(p->dir_off, p->dir_slots);
		uint32_t nsect = rd32(img + offsetof(struct fmt_header,
		                                     sect_slots));

		if (gw != 0 && (FMT_GRACE_GEN(gw) == 0 ||
		                FMT_GRACE_SLOT(gw) >= p->proc_slots)) {
			snprintf(why, n, "pending-reset word %#llx names no "
			         "process slot", (unsigned long long)gw);
			return 1;
		}
		/* No permanent part here: its top is its end, the header's. */
		if (pt != p->hdr) {
			snprintf(why, n, "permanent top %llu, the part is empty "
			         "at %llu", (unsigned long long)pt,
			         (unsigned long long)p->hdr);
			return 1;
		}
		for (uint32_t i = 0; i < nsect && i < 4096; i++) {
			uint32_t o = rd32(img + so + (size_t)i * FMT_SECT_ENTRY);
			uint64_t sw = rd64(img + so + (size_t)i * FMT_SECT_ENTRY + 8);

			if (o != 0 && o - 1 >= p->proc_slots) {
				snprintf(why, n, "section entry %u: owner %u", i, o);
				return 1;
			}
			if (o != 0 && sw != 0 && sw != FMT_SECT_IN(FMT_GEN(sw))) {
				snprintf(why, n, "section entry %u: word %#llx", i,
				         (unsigned long long)sw);
				return 1;
			}
		}
	}
	for (uint32_t i = 0; i < p->proc_slots; i++) {
		uint64_t pw = rd64(img + p->proc_off + (size_t)i * FMT_PROC_SLOT);
		if (pw != 0 && !pid_ok(FMT_PROC_PID(pw))) {
			snprintf(why, n, "process slot %u holds pid %u", i,
			         FMT_PROC_PID(pw));
			return 1;
		}
	}
	/* the directory (make_pristine made sure it fits SOUND) */
	if (ns > sizeof sound / sizeof sound[0])
		ns = sizeof sound / sizeof sound[0];
	d = (const struct fmt_dirent *)(const void *)(img + p->dir_off);
	if (FMT_GEN(probe) == g && FMT_OFF(probe) > ns) {
		snprintf(why, n, "dir_probe %llu longer than the %u slots",
		         (unsigned long long)FMT_OFF(probe), ns);
		return 1;
	}
	limit = FMT_GEN(probe) != g ? 0 : (uint32_t)FMT_OFF(probe);
	lo = (top >= p->hdr && top <= p->seg) ? top : p->hdr;
	for (uint32_t i = 0; i < ns; i++) {
		uint64_t t = d[i].tag, ref = d[i].ref;
		unsigned st = FMT_DIR_STATE(t);
		const char *key = d[i].key;
		size_t kl;

		sound[i] = 0;
		if (t != 0 && st == FMT_DIR_BUSY &&
		    FMT_DIR_CLAIMANT(t) >= p->proc_slots) {
			snprintf(why, n, "directory slot %u: BUSY tag claimed by "
			         "process slot %u", i, FMT_DIR_CLAIMANT(t));
			return 1;
		}
		if (t == 0 || FMT_DIR_GEN(t) != g)
			continue;
		if (st != FMT_DIR_BUSY && st != FMT_DIR_READY &&
		    st != FMT_DIR_DEAD) {
			snprintf(why, n, "directory slot %u: state %u", i, st);
			return 1;
		}
		if (st != FMT_DIR_READY)
			continue;
		kl = strnlen(key, sizeof d[i].key);
		if (kl == 0 || kl > ARENA_KEY_MAX) {
			snprintf(why, n, "directory slot %u: key %s", i,
			         kl == 0 ? "empty" : "not terminated");
			return 1;
		}
		for (size_t j = kl; j < sizeof d[i].key; j++)
			if (key[j] != '\0') {
				snprintf(why, n, "directory slot %u: key not "
				         "NUL-padded (byte %zu)", i, j);
				return 1;
			}
		if (fmt_key_hash(key, kl) != FMT_DIR_HASH(t)) {
			snprintf(why, n, "directory slot %u: hash does not "
			         "match key \"%s\"", i, key);
			return 1;
		}
		if (FMT_GEN(ref) != g) {
			snprintf(why, n, "directory slot %u: reference of "
			         "generation %llu", i,
			         (unsigned long long)FMT_GEN(ref));
			return 1;
		}
		if (top != FMT_TOP_TRIMMING &&
		    (FMT_OFF(ref) < lo || FMT_OFF(ref) >= p->seg)) {
			snprintf(why, n, "directory slot %u: offset %llu outside "
			         "the allocated [%llu, %llu)", i,
			         (unsigned long long)FMT_OFF(ref),
			         (unsigned long long)lo,
			         (unsigned long long)p->seg);
			return 1;
		}
		sound[i] = 1;
	}
	/* Lookups look at the first dir_probe slots of a key's sequence
	 * (format.h): a sound binding beyond them cannot be found. */
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t start, dist;

		if (!sound[i])
			continue;
		start = FMT_DIR_HASH(d[i].tag) % ns;
		dist = i >= start ? i - start : i + ns - start;
		if (dist >= limit) {
			snprintf(why, n, "directory slot %u: %u slots from its "
			         "start, lookups look at %u", i, dist, limit);
			return 1;
		}
		for (uint32_t j = i + 1; j < ns; j++)
			if (sound[j] && memcmp(d[j].key, d[i].key,
			                       sizeof d[i].key) == 0) {
				snprintf(why, n, "directory slots %u and %u: the "
				         "same key", i, j);
				return 1;
			}
	}
	return 0;
}

/* Shared between the test and its damage workers. */
struct dmg_prog {
	volatile unsigned cur;   /* the case under way */
	volatile int phase;      /* the call under way */
	unsigned long cases, noops, must, refused_rw, refused_ro,
	              errors_on_valid;
};

struct dmg_worker {
	const struct pristine *p;
	char name[TU_NAME_LEN];
	unsigned begin, end;
	struct dmg_prog *prog;
	struct fbook *fb;
};

/* Per worker process. */
struct dmg_env {
	unsigned char *map;      /* the copy, mapped with mmap() */
	unsigned char *dimg;     /* the damaged header, for must_report */
	unsigned char *dimg2;    /* the header after a read-write attach */
	arena_t *pre;            /* attached read-only before any damage */
	arena_t *pre_rw;         /* attached read-write before any damage */
};

#define DMG_ALARM 10             /* seconds for one case (see alarm_s) */
#define PH(x) (w->prog->phase = PH_##x)

/* dmg_read_ops -- the calls any handle can make, checked; ECHECK is what
 * arena_check said of the handle. */
static void dmg_read_ops(struct dmg_worker *w, arena_t *a,
                         const struct view *v, int echeck, uint64_t *seed)
{
	const struct pristine *p = w->p;
	struct arena_dirent ents[80];
	struct arena_proc procs[80];
	struct arena_stat st;
	const char *absent = "no-such-key";
	int n, rc;

	PH(STAT);
	memset(&st, 0, sizeof st);
	rc = arena_stat(a, &st);
	PH(USE);
	check_stat(v, a, rc, &st);
	for (unsigned i = 0; i <= p->nkeys; i++) {
		const char *key = i < p->nkeys ? p->keys[i] : absent;
		arena_ref_t r;
		const char *s;
		const void *q;

		PH(LOOKUP);
		r = arena_lookup(a, key);
		PH(USE);
		check_ref(v, "arena_lookup", r);
		if (r == ARENA_NULL)
			continue;
		PH(GET_STR);
		s = arena_get_str(a, r);
		PH(USE);
		check_str(v, a, "arena_get_str of a looked-up reference", s, r);
		PH(GET);
		q = arena_get(a, r, 1);
		PH(USE);
		check_ptr(v, "arena_get of a looked-up reference", q, 1, r);
		/* nothing moves between the two calls here: a lookup gives
		 * only what arena_get() accepts (allocated, current) */
		if (q == NULL)
			book_add(v->fb, 0, "lookup returns what arena_get refuses",
			         "%s: arena_lookup(\"%s\") = %#llx, arena_get of "
			         "it: %s", v->where, key, (unsigned long long)r,
			         strerror(errno));
	}
	PH(DIR_LIST);
	n = arena_dir_list(a, ents, 80);
	PH(USE);
	if (n < 0 || (uint32_t)n > p->dir_slots)
		book_add(v->fb, 0, "arena_dir_list count", "%s: arena_dir_list "
		         "returned %d for %u slots", v->where, n, p->dir_slots);
	for (int i = 0; i < n && i < 80; i++) {
		const char *s;
		arena_ref_t r;

		if (memchr(ents[i].key, '\0', sizeof ents[i].key) == NULL ||
		    ents[i].slot >= p->dir_slots) {
			book_add(v->fb, 0, "arena_dir_list entry malformed",
			         "%s: entry %d: key not terminated or slot %u",
			         v->where, i, ents[i].slot);
			continue;
		}
		if (!check_ref(v, "arena_dir_list", ents[i].ref))
			continue;
		PH(GET_STR);
		s = arena_get_str(a, ents[i].ref);
		PH(USE);
		check_str(v, a, "arena_get_str of a listed reference", s,
		          ents[i].ref);
		PH(GET);
		if (arena_get(a, ents[i].ref, 1) == NULL)
			book_add(v->fb, 0, "arena_dir_list lists what arena_get "
			         "refuses", "%s: \"%s\" -> %#llx: %s", v->where,
			         ents[i].key, (unsigned long long)ents[i].ref,
			         strerror(errno));
		PH(USE);
		if (echeck == 0) {
			/* arena_check found nothing wrong: every bound key is
			 * reachable by lookup (its documented promise). */
			PH(LOOKUP);
			r = arena_lookup(a, ents[i].key);
			PH(USE);
			if (r != ents[i].ref)
				book_add(v->fb, 0, "listed key not found by lookup, "
				         "arena_check silent",
				         "%s: arena_dir_list lists \"%s\" -> %#llx in "
				         "slot %u, arena_lookup gives %#llx (%s), and "
				         "arena_check reported no error", v->where,
				         ents[i].key,
				         (unsigned long long)ents[i].ref,
				         ents[i].slot, (unsigned long long)r,
				         r == ARENA_NULL ? strerror(errno) : "other");
		}
	}
	PH(PROCS);
	n = arena_procs(a, procs, 80);
	PH(USE);
	if (n < 0 || (uint32_t)n > p->proc_slots)
		book_add(v->fb, 0, "arena_procs count", "%s: arena_procs "
		         "returned %d for %u slots", v->where, n, p->proc_slots);
	for (int i = 0; i < n && i < 80; i++)
		if (procs[i].slot >= p->proc_slots)
			book_add(v->fb, 0, "arena_procs slot", "%s: arena_procs "
			         "entry in slot %u of %u", v->where, procs[i].slot,
			         p->proc_slots);
	adversarial_gets(v, a, st.generation, &w->prog->phase, seed);
	{
		arena_ref_t r;

		PH(REF);
		r = arena_ref(a, v->base + v->size - 1);
		if (r != ARENA_NULL && ARENA_REF_OFFSET(r) != v->size - 1)
			book_add(v->fb, 0, "arena_ref", "%s: arena_ref of the last "
			         "byte gave offset %llu", v->where,
			         (unsigned long long)ARENA_REF_OFFSET(r));
		r = arena_ref(a, v->base + v->size);
		if (r != ARENA_NULL)
			book_add(v->fb, 0, "arena_ref", "%s: arena_ref of the end "
			         "of the mapping succeeded (%#llx)", v->where,
			         (unsigned long long)r);
		r = arena_ref(a, v->base + v->hdr - 1);
		if (r != ARENA_NULL)
			book_add(v->fb, 0, "arena_ref", "%s: arena_ref of the last "
			         "header byte succeeded (%#llx)", v->where,
			         (unsigned long long)r);
	}
}

/* dmg_write_ops -- the calls of a read-write handle, checked. */
static void dmg_write_ops(struct dmg_worker *w, arena_t *a,
                          const struct view *v, unsigned c)
{
	static const char text[] = "damage at rest";
	unsigned char buf[40];
	struct arena_local l;
	arena_ref_t r, rs = ARENA_NULL;
	unsigned char *q;
	int rc, trim = c % 64 == 0;

	memset(buf, 0x5a, sizeof buf);
	PH(ALLOC);
	r = arena_alloc(a, 24, 8);
	PH(USE);
	if ((q = check_alloc(v, a, "arena_alloc", r, 24, 8)) != NULL)
		memset(q, 0xa5, 24);
	else if (r == ARENA_NULL)
		check_errno(v, "arena_alloc", errno, ERRNOS(ENOMEM, EBADMSG));
	PH(CALLOC);
	r = arena_calloc(a, 3, 16, 64);
	PH(USE);
	if ((q = check_alloc(v, a, "arena_calloc", r, 48, 64)) != NULL) {
		for (int i = 0; i < 48; i++)
			if (q[i] != 0) {
				book_add(v->fb, 0, "arena_calloc not zeroed",
				         "%s: byte %d is %#x", v->where, i, q[i]);
				break;
			}
	}
	PH(STRDUP);
	r = arena_strdup(a, text);
	PH(USE);
	if (check_alloc(v, a, "arena_strdup", r, sizeof text, 1) != NULL) {
		const char *s;
		PH(GET_STR);
		s = arena_get_str(a, r);
		PH(USE);
		if (s == NULL || !check_str(v, a, "arena_get_str", s, r) ||
		    strcmp(s, text) != 0)
			book_add(v->fb, 0, "own fresh string refused",
			         "%s: arena_get_str(%#llx) of a string just "
			         "made: %s", v->where, (unsigned long long)r,
			         s == NULL ? strerror(errno) : "wrong bytes");
		else
			rs = r;
	}
	PH(MEMDUP);
	r = arena_memdup(a, buf, sizeof buf, 4);
	PH(USE);
	check_alloc(v, a, "arena_memdup", r, sizeof buf, 4);
	PH(LOCAL_INIT);
	if (arena_local_init(&l, a, 0) == 0) {
		for (int i = 0; i < 3; i++) {
			PH(LOCAL_ALLOC);
			r = arena_local_alloc(&l, 48, 16);
			PH(USE);
			if ((q = check_alloc(v, a, "arena_local_alloc", r, 48,
			                     16)) != NULL)
				memset(q, i, 48);
		}
		PH(LOCAL_FLUSH);
		arena_local_flush(&l);
	} else {
		book_add(v->fb, 0, "arena_local_init failed", "%s: %s",
		         v->where, strerror(errno));
	}
	if (rs != ARENA_NULL) {
		PH(PUBLISH);
		rc = arena_publish(a, "dmg-new", rs);
		if (rc == 0) {
			PH(LOOKUP);
			r = arena_lookup(a, "dmg-new");
			PH(USE);
			if (r != rs)
				book_add(v->fb, 0, "published key not found",
				         "%s: arena_publish(\"dmg-new\", %#llx) "
				         "succeeded, arena_lookup gives %#llx",
				         v->where, (unsigned long long)rs,
				         (unsigned long long)r);
		} else {
			check_errno(v, "arena_publish", errno,
			            ERRNOS(ENOSPC, EAGAIN, ESTALE, EFAULT,
			                   EBADMSG));
		}
		PH(PUBLISH);
		(void)arena_publish(a, w->p->keys[0], rs);
	}
	PH(RESET);
	(void)arena_reset(a, 0);   /* reaps the dead peer first */
	PH(RESET);
	rc = arena_reset(a, ARENA_RESET_FORCE | (trim ? ARENA_RESET_TRIM : 0));
	PH(USE);
	if (rc == 0) {
		PH(ALLOC);
		r = arena_alloc(a, 64, 8);
		PH(USE);
		if (r == ARENA_NULL)
			book_add(v->fb, 0, "allocation fails after a reset",
			         "%s: arena_reset(FORCE%s) succeeded, then "
			         "arena_alloc(64, 8): %s", v->where,
			         trim ? "|TRIM" : "", strerror(errno));
		else
			check_alloc(v, a, "arena_alloc after reset", r, 64, 8);
		PH(LOOKUP);
		r = arena_lookup(a, "dmg-new");
		PH(USE);
		if (r != ARENA_NULL)
			book_add(v->fb, 0, "key survives a reset",
			         "%s: \"dmg-new\" still bound to %#llx after "
			         "arena_reset", v->where, (unsigned long long)r);
	} else {
		check_errno(v, "arena_reset(FORCE)", errno, ERRNOS(EBUSY));
	}
	PH(CHECK);
	(void)arena_check(a, NULL, NULL);
}

/* first_error -- arena_check callback: keep the first ERROR message. */
static void first_error(void *ctx, int severity, const char *msg)
{
	char *buf = ctx;

	if (severity == ARENA_CHECK_ERROR && buf[0] == '\0')
		snprintf(buf, 200, "%s", msg);
}

/*
 * dmg_case -- case C: damage one byte of a fresh copy, then arena_check on
 * the two handles attached before (read-only, read-write), then attach
 * read-only and read-write and make every call, then every call again
 * through the read-write handle attached before (on the damage alone:
 * the copy is restored and damaged again).  A damage that leaves the byte
 * as it was is the pristine state, checked once by the test itself (the
 * baseline): not run again.
 */
static void dmg_case(struct dmg_worker *w, struct dmg_env *e, unsigned c,
                     uint64_t *seed)
{
	const struct pristine *p = w->p;
	size_t off = c / DMG_VALUES;
	unsigned v = c % DMG_VALUES;
	unsigned char old = p->img[off], nv = dmg_apply(old, v);
	char field[64], kind[128], where[256], where_pre[320], why[200];
	char why_rw[200];
	char msg[200] = "";
	int must, must_rw = 0, epre, epre_rw, ero = -2, erw = -2;
	int e_ro = 0, e_rw = 0;
	char *plus;
	arena_t *a;

	if (nv == old) {
		w->prog->noops++;
		return;
	}
	field_name(p, off, field, sizeof field);
	snprintf(where, sizeof where, "geometry %s, header byte %zu (%s) %s: "
	         "%#04x -> %#04x", p->geometry, off, field, dmg_names[v], old,
	         nv);
	plus = strchr(field, '+');    /* the field without its byte, for kinds */
	if (plus != NULL)
		*plus = '\0';
	w->prog->cases++;
	PH(RESTORE);
	memcpy(e->map, p->img, p->size);
	e->map[off] = nv;
	e->dimg[off] = nv;
	why[0] = why_rw[0] = '\0';
	must = must_report(p, e->dimg, why, sizeof why);
	e->dimg[off] = old;
	if (must)
		w->prog->must++;

	PH(CHECK_PRE);
	epre = arena_check(e->pre, NULL, NULL);
	PH(CHECK_PRE);
	epre_rw = arena_check(e->pre_rw, NULL, NULL);

	PH(ATTACH_RO);
	a = arena_attach(w->name, ARENA_RDONLY);
	if (a != NULL) {
		struct view vw = view_of(a, p->size, p->hdr, w->fb, where);
		PH(CHECK);
		ero = arena_check(a, NULL, NULL);
		dmg_read_ops(w, a, &vw, ero, seed);
		PH(ALLOC);
		if (arena_alloc(a, 8, 8) != ARENA_NULL || errno != EROFS)
			book_add(w->fb, 0, "read-only handle allocates",
			         "%s: arena_alloc on a read-only handle", where);
		PH(DETACH);
		arena_detach(a);
	} else {
		e_ro = errno;
		w->prog->refused_ro++;
	}

	PH(ATTACH_RW);
	a = arena_attach(w->name, 0);
	if (a != NULL) {
		struct view vw = view_of(a, p->size, p->hdr, w->fb, where);
		/* Attaching read-write may repair: it takes over a process
		 * slot that holds no live process.  What it must report is
		 * judged on the header as attach left it. */
		PH(USE);
		memcpy(e->dimg2, e->map, p->hdr);
		must_rw = must_report(p, e->dimg2, why_rw, sizeof why_rw);
		PH(CHECK);
		erw = arena_check(a, NULL, NULL);
		dmg_read_ops(w, a, &vw, erw, seed);
		dmg_write_ops(w, a, &vw, c);
		PH(DETACH);
		arena_detach(a);
	} else {
		e_rw = errno;
		w->prog->refused_rw++;
	}

	/* The handle attached read-write before the damage: it meets what
	 * attach refuses, as if a peer had written the byte. */
	PH(RESTORE);
	memcpy(e->map, p->img, p->size);
	e->map[off] = nv;
	snprintf(where_pre, sizeof where_pre, "%s, handle attached "
	         "read-write before the damage", where);
	{
		struct view vw = view_of(e->pre_rw, p->size, p->hdr, w->fb,
		                         where_pre);
		dmg_read_ops(w, e->pre_rw, &vw, epre_rw, seed);
		dmg_write_ops(w, e->pre_rw, &vw, c);
	}
	PH(USE);

	if (must) {
		snprintf(kind, sizeof kind, "damage not reported: %s", field);
		if (epre < 1)
			book_add(w->fb, 0, kind, "%s (%s): arena_check on a handle "
			         "attached read-only before the damage returned %d",
			         where, why, epre);
		if (epre_rw < 1)
			book_add(w->fb, 0, kind, "%s (%s): arena_check on a handle "
			         "attached read-write before the damage returned "
			         "%d", where, why, epre_rw);
		if (ero != -2 && ero < 1)
			book_add(w->fb, 0, kind, "%s (%s): attached read-only and "
			         "arena_check returned %d", where, why, ero);
		if (erw != -2 && must_rw && erw < 1)
			book_add(w->fb, 0, kind, "%s (%s): attached read-write and "
			         "arena_check returned %d", where, why_rw, erw);
		if (ero == -2)
			check_errno(&(struct view){ NULL, 0, 0, w->fb, where },
			            "arena_attach(RDONLY) of a damaged segment",
			            e_ro, ERRNOS(EBADMSG, EMEDIUMTYPE,
			                         EPROTONOSUPPORT));
		if (erw == -2)
			check_errno(&(struct view){ NULL, 0, 0, w->fb, where },
			            "arena_attach of a damaged segment", e_rw,
			            ERRNOS(EBADMSG, EMEDIUMTYPE, EPROTONOSUPPORT));
		return;
	}
	if (ero == -2 || erw == -2) {
		snprintf(kind, sizeof kind, "valid state refused at attach: %s",
		         field);
		book_add(w->fb, 1, kind, "%s: arena_attach refused it: %s%s%s",
		         where, ero == -2 ? "read-only: " : "",
		         ero == -2 ? strerror(e_ro) : "",
		         erw == -2 ? strerror(e_rw) : "");
	}
	if (epre > 0 || epre_rw > 0 || ero > 0 || erw > 0) {
		/* allowed (a check may be stricter than this judgement), but
		 * say what it was */
		w->prog->errors_on_valid++;
		memcpy(e->map, p->img, p->size);
		e->map[off] = nv;
		(void)arena_check(e->pre, first_error, msg);
		snprintf(kind, sizeof kind, "valid state reported as an error: "
		         "%s", field);
		book_add(w->fb, 1, kind, "%s: arena_check: %s", where,
		         msg[0] != '\0' ? msg : "(only after attach)");
	}
}

static int dmg_worker_main(void *arg)
{
	struct dmg_worker *w = arg;
	const struct pristine *p = w->p;
	struct dmg_env e;
	char path[TU_NAME_LEN + 16];
	uint64_t seed = 0x9e3779b97f4a7c15u ^ w->begin;
	int fd;

	w->prog->phase = PH_SETUP;
	alarm_default();
	tu_path(path, sizeof path, w->name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return tu_fail(2, "open %s: %s", path, strerror(errno));
	e.map = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (e.map == MAP_FAILED)
		return tu_fail(3, "mmap: %s", strerror(errno));
	e.dimg = malloc(p->hdr);
	e.dimg2 = malloc(p->hdr);
	if (e.dimg == NULL || e.dimg2 == NULL)
		return tu_fail(4, "malloc");
	memcpy(e.dimg, p->img, p->hdr);
	memcpy(e.map, p->img, p->size);
	e.pre = arena_attach(w->name, ARENA_RDONLY);
	e.pre_rw = arena_attach(w->name, 0);
	if (e.pre == NULL || e.pre_rw == NULL)
		return tu_fail(5, "attach of the pristine copy: %s",
		               strerror(errno));
	for (unsigned c = w->begin; c < w->end; c++) {
		w->prog->cur = c;
		alarm(alarm_s(DMG_ALARM));
		dmg_case(w, &e, c, &seed);
	}
	alarm(0);
	w->prog->cur = w->end;
	arena_detach(e.pre_rw);
	arena_detach(e.pre);
	return 0;
}

/* dead_word -- the process-table word of a process that has exited. */
static uint64_t dead_word(void)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return FMT_PROC_WORD(pid, 4242);
}

/* make_pristine -- geometry G's segment NAME, at rest: its creator has
 * detached, and a peer that died attached holds process slot 0 (a live
 * one would cost every liveness test a read of /proc).  In it: an object at
 * the very end, a string, a zeroed object, two keys colliding at the last
 * directory slot (so the second wraps to slot 0), and a filler that brings
 * the top to a round value and is itself published (a raised top then
 * leaves a published object unallocated).  In the default geometry the
 * top is 0x3000, one non-zero byte: zeroing it holds the top at 0 as a
 * trim does, with no trimmer recorded.  The generation, random in a new
 * arena, is set to 1 before anything is allocated: one non-zero byte too,
 * so that zeroing it in the state or the epoch word gives generation 0,
 * and a +1 on a free directory tag's generation makes a slot of the
 * current generation with state 0, both of which must be reported. */
static void make_pristine(int g, const char *name, struct pristine *p)
{
	struct arena_options o;
	arena_t *a;
	arena_ref_t r;
	struct arena_stat st;
	uint64_t target;
	char ka[16] = "", kb[16] = "";
	size_t cap;

	memset(&o, 0, sizeof o);
	memset(p, 0, sizeof *p);
	/* Four section entries: every byte of the header is a case, and 128
	 * entries would triple the header for nothing new. */
	o.sect_slots = 4;
	if (g == 0) {
		p->geometry = "defaults, 4 section entries";
		cap = 0x2000;
	} else {
		p->geometry = "proc_slots 3, dir_slots 5, 4 section entries";
		o.proc_slots = 3;
		o.dir_slots = 5;
		cap = 0x2345;
	}
	a = tu_create(name, cap, &o);
	st = tu_stat(a);
	{
		uint64_t w = FMT_WORD(1, st.segment_size), e = FMT_WORD(1, 0);

		tu_pwrite(name, &e, 8, offsetof(struct fmt_header, epoch));
		tu_pwrite(name, &w, 8, offsetof(struct fmt_header, state));
		ck_assert_uint_eq(tu_stat(a).generation, 1);
	}
	p->hdr = st.header_size;
	p->seg = st.segment_size;
	p->proc_slots = st.proc_slots;
	p->dir_slots = st.dir_slots;
	ck_assert_uint_le(p->dir_slots, 4096);

	/* two keys whose probe starts at the last slot */
	for (unsigned i = 0; kb[0] == '\0'; i++) {
		char k[16];
		snprintf(k, sizeof k, "c%u", i);
		if (fmt_key_hash(k, strlen(k)) % p->dir_slots != p->dir_slots - 1)
			continue;
		if (ka[0] == '\0')
			memcpy(ka, k, sizeof k);
		else
			memcpy(kb, k, sizeof k);
	}
#define PUBLISH(key, ref) do {                                               \
		arena_ref_t pr_ = (ref);                                     \
		ck_assert(pr_ != ARENA_NULL);                                \
		ck_assert_int_eq(arena_publish(a, (key), pr_), 0);           \
		snprintf(p->keys[p->nkeys], sizeof p->keys[0], "%s", (key)); \
		p->refs[p->nkeys++] = pr_;                                   \
	} while (0)
	r = arena_alloc(a, 8, 1);
	ck_assert(r != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_OFFSET(r), p->seg - 8);
	memset(arena_ptr(a, r), 'R', 8);
	PUBLISH("raw", r);
	PUBLISH(ka, arena_strdup(a, "alpha"));
	PUBLISH(kb, arena_strdup(a, "beta"));
	if (g == 0) {
		PUBLISH("str", arena_strdup(a, "hello, hostile world"));
		PUBLISH("obj", arena_calloc(a, 4, 16, 16));
		target = 0x3000;            /* one non-zero byte: 0x30 */
	} else {
		target = (tu_stat(a).segment_size - tu_stat(a).used - 5);
	}
	st = tu_stat(a);
	r = arena_alloc(a, p->seg - st.used - target, 1);
	ck_assert(r != ARENA_NULL);
	ck_assert_uint_eq(ARENA_REF_OFFSET(r), target);
	memset(arena_ptr(a, r), 0, p->seg - st.used - target);  /* "" */
	PUBLISH("fill", r);
#undef PUBLISH
	ck_assert_uint_le(p->nkeys, p->dir_slots);
	ck_assert_int_eq(arena_detach(a), 0);
	p->img = tu_read_shm(name, &p->size);
	ck_assert_uint_eq(p->size, p->seg);
	{
		const struct fmt_header *h = (const void *)p->img;
		uint64_t dead = dead_word();

		p->proc_off = h->proc_offset;
		p->dir_off = h->dir_offset;
		ck_assert_uint_eq(h->version, st.format_version);
		ck_assert_uint_eq(rd64(p->img + p->proc_off), 0);
		memcpy(p->img + p->proc_off, &dead, sizeof dead);
		tu_pwrite(name, &dead, sizeof dead, (off_t)p->proc_off);
	}
}


static const char *sig_name(int sig)
{
	const char *s = sigabbrev_np(sig);
	return s != NULL ? s : "?";
}

#define DMG_MAX_WORKERS 4
#define DMG_MAX_RESTARTS 400

START_TEST(damage_at_rest)
{
	struct pristine p;
	struct dmg_worker wk[DMG_MAX_WORKERS];
	pid_t pid[DMG_MAX_WORKERS];
	struct dmg_prog *prog;
	struct fbook *fb;
	unsigned nw, cases, restarts = 0, running = 0;
	unsigned long total;
	char why[200];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double t0 = tu_now_ms();
	arena_t *a;
	int errs;

	make_pristine(_i, tu_seg, &p);
	/* the baseline: sound by both judgements */
	ck_assert_msg(!must_report(&p, p.img, why, sizeof why),
	              "pristine segment judged unsound: %s", why);
	a = tu_attach(tu_seg, ARENA_RDONLY);
	errs = arena_check(a, NULL, NULL);
	ck_assert_msg(errs == 0, "arena_check of the pristine segment: %d "
	              "error(s)", errs);
	for (unsigned i = 0; i < p.nkeys; i++)
		ck_assert_uint_eq(arena_lookup(a, p.keys[i]), p.refs[i]);
	ck_assert_ptr_null(arena_get_str(a, arena_lookup(a, "raw")));

	nw = ncpu < 2 ? 2 : ncpu > DMG_MAX_WORKERS ? DMG_MAX_WORKERS :
	     (unsigned)ncpu;
	cases = (unsigned)p.hdr * DMG_VALUES;
	prog = shared_area(sizeof *prog * nw);
	fb = shared_area(sizeof *fb * (nw + 1));
	for (unsigned i = 0; i < nw; i++) {
		tu_name(wk[i].name);
		tu_write_shm(wk[i].name, p.img, p.size);
		wk[i].p = &p;
		wk[i].begin = cases / nw * i;
		wk[i].end = i + 1 == nw ? cases : cases / nw * (i + 1);
		wk[i].prog = &prog[i];
		wk[i].fb = &fb[i];
		prog[i].cur = wk[i].begin;
		pid[i] = tu_fork(dmg_worker_main, &wk[i]);
		running++;
	}
	while (running > 0) {
		int st;
		pid_t r = waitpid(-1, &st, 0);
		unsigned i;

		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r > 0, "waitpid: %s", strerror(errno));
		for (i = 0; i < nw && pid[i] != r; i++)
			;
		if (i == nw)
			continue;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			running--;
			pid[i] = 0;
			continue;
		}
		{
			unsigned c = prog[i].cur;
			size_t off = c / DMG_VALUES;
			unsigned v = c % DMG_VALUES;
			char field[64], kind[128];

			field_name(&p, off < p.hdr ? off : 0, field, sizeof field);
			if (WIFSIGNALED(st))
				snprintf(kind, sizeof kind, "%s in %s",
				         WTERMSIG(st) == SIGALRM ? "hang (SIGALRM)" :
				         "crash", call_name(prog[i].phase));
			else
				snprintf(kind, sizeof kind, "worker exit %d",
				         WEXITSTATUS(st));
			book_add(&fb[nw], 0, kind, "geometry %s, header byte %zu "
			         "(%s) %s: %#04x -> %#04x: %s during %s",
			         p.geometry, off, field, dmg_names[v],
			         off < p.hdr ? p.img[off] : 0,
			         off < p.hdr ? dmg_apply(p.img[off], v) : 0,
			         WIFSIGNALED(st) ? sig_name(WTERMSIG(st)) : "exit",
			         call_name(prog[i].phase));
			if (!WIFSIGNALED(st) || c + 1 >= wk[i].end ||
			    ++restarts > DMG_MAX_RESTARTS) {
				running--;
				pid[i] = 0;
				continue;
			}
			wk[i].begin = c + 1;
			prog[i].cur = c + 1;
			pid[i] = tu_fork(dmg_worker_main, &wk[i]);
		}
	}
	{
		unsigned long sc = 0, noop = 0, must = 0, rrw = 0, rro = 0, eov = 0;
		for (unsigned i = 0; i < nw; i++) {
			sc += prog[i].cases;
			noop += prog[i].noops;
			must += prog[i].must;
			rrw += prog[i].refused_rw;
			rro += prog[i].refused_ro;
			eov += prog[i].errors_on_valid;
		}
		fprintf(stderr, "damage_at_rest (%s): %lu cases in %.1f s, %u "
		        "workers, %u restarts: %lu run, %lu no-ops (the "
		        "baseline), %lu must be reported, attach refused %lu rw "
		        "/ %lu ro; %lu valid damages reported as errors "
		        "anyway\n", p.geometry, sc + noop,
		        (tu_now_ms() - t0) / 1000, nw, restarts, sc, noop, must, rrw,
		        rro, eov);
		{
			char title[96];
			snprintf(title, sizeof title, "damage_at_rest (%s)",
			         p.geometry);
			total = books_report(fb, nw + 1, title);
		}
		ck_assert_msg(total == 0, "damage at rest (%s): %lu finding(s), "
		              "see stderr", p.geometry, total);
		ck_assert_msg(sc + noop == cases, "only %lu of %u cases run",
		              sc + noop, cases);
	}
	munmap(fb, sizeof *fb * (nw + 1));
	munmap(prog, sizeof *prog * nw);
	free(p.img);
	arena_detach(a);
}
END_TEST

/* ---- hostile peer -------------------------------------------------------- */

#define H_RW 3                    /* read-write victims */
#define H_RO 1                    /* read-only victims */
#define H_VICTIMS (H_RW + H_RO)
#define H_ATTACKER H_VICTIMS
#define H_CTL (H_VICTIMS + 1)
#define H_PROCS (H_VICTIMS + 2)
#define H_KEYS 8
#define H_ALARM 10                /* seconds for one victim iteration */

struct hctl {
	volatile int stop;
	uint64_t seg, hdr;
	uint64_t gen0;                /* the arena's first generation */
	uint32_t proc_off, proc_slots, dir_off, dir_slots;
	char name[TU_NAME_LEN];
	char arenactl[256];
	pid_t pids[H_PROCS];
	volatile int phase[H_PROCS];
	unsigned long iters[H_PROCS];
	unsigned long attached[H_PROCS], attach_failed[H_PROCS];
	unsigned long allocs[H_PROCS];
	unsigned long ctl_runs[8];
	struct fbook fb[H_PROCS + 1];
};

static const char *h_key(unsigned i)
{
	static const char *const keys[H_KEYS] = {
		"k0", "k1", "shared", "victim", "a-longer-key-of-31-bytes-xxxxx",
		"x", "node/7", "zz"
	};
	return keys[i % H_KEYS];
}

struct victim {
	struct hctl *c;
	int id;
};

#define VPH(x) (c->phase[id] = PH_##x)

/* victim_iter -- one round of every call, checked. */
static void victim_iter(struct hctl *c, int id, arena_t *a,
                        struct arena_local *l, int have_local,
                        uint64_t *seed, unsigned long it)
{
	const int rw = id < H_RW;
	struct view v = view_of(a, c->seg, c->hdr, &c->fb[id],
	                        rw ? "read-write victim under attack" :
	                        "read-only victim under attack");
	arena_ref_t mine[8];
	size_t mine_len[8];
	unsigned nmine = 0;
	struct arena_stat st;
	arena_ref_t r;
	unsigned char *q;
	int rc;

	VPH(STAT);
	memset(&st, 0, sizeof st);
	rc = arena_stat(a, &st);
	VPH(USE);
	check_stat(&v, a, rc, &st);

	if (rw) {
		size_t size = 1 + tu_rand(seed) % 300;
		size_t align = (size_t)1 << (tu_rand(seed) % 13);
		char s[64];

		VPH(ALLOC);
		r = arena_alloc(a, size, align);
		VPH(USE);
		if ((q = check_alloc(&v, a, "arena_alloc", r, size, align))) {
			memset(q, id, size);
			mine[nmine] = r;
			mine_len[nmine++] = size;
			c->allocs[id]++;
		} else if (r == ARENA_NULL) {
			check_errno(&v, "arena_alloc", errno,
			            ERRNOS(ENOMEM, EBADMSG));
		}
		size_t cn = 1 + tu_rand(seed) % 8;

		VPH(CALLOC);
		r = arena_calloc(a, cn, 8, 16);
		VPH(USE);
		check_alloc(&v, a, "arena_calloc", r, cn * 8, 16);
		snprintf(s, sizeof s, "victim %d string %lu", id, it);
		VPH(STRDUP);
		r = arena_strdup(a, s);
		VPH(USE);
		if (check_alloc(&v, a, "arena_strdup", r, strlen(s) + 1, 1)) {
			mine[nmine] = r;
			mine_len[nmine++] = strlen(s) + 1;
		}
		VPH(MEMDUP);
		r = arena_memdup(a, s, 16, 8);
		VPH(USE);
		check_alloc(&v, a, "arena_memdup", r, 16, 8);
		int in_section = 0;

		if (have_local && it % 2 == 0) {
			VPH(SECTION_ENTER);
			if (arena_section_enter(l) == 0)
				in_section = 1;
			else
				check_errno(&v, "arena_section_enter", errno,
				            ERRNOS(EUSERS));
			VPH(USE);
		}
		if (have_local) {
			for (int i = 0; i < 4; i++) {
				size_t ls = 1 + tu_rand(seed) % 200;
				VPH(LOCAL_ALLOC);
				r = arena_local_alloc(l, ls, 8);
				VPH(USE);
				if ((q = check_alloc(&v, a, "arena_local_alloc", r,
				                     ls, 8))) {
					memset(q, 0x40 + id, ls);
					if (nmine < 8) {
						mine[nmine] = r;
						mine_len[nmine++] = ls;
					}
				}
			}
			if (in_section) {
				VPH(SECTION_LEAVE);
				if (arena_section_leave(l) != 0)
					book_add(v.fb, 0, "arena_section_leave failed",
					         "%s: %s", v.where, strerror(errno));
				VPH(USE);
			}
			if (it % 7 == 0) {
				VPH(LOCAL_FLUSH);
				arena_local_flush(l);
			}
		}
	} else {
		VPH(ALLOC);
		r = arena_alloc(a, 8, 8);
		VPH(USE);
		if (r != ARENA_NULL || errno != EROFS)
			book_add(v.fb, 0, "read-only handle allocates",
			         "%s: arena_alloc gave %#llx", v.where,
			         (unsigned long long)r);
		VPH(STRDUP);
		if (arena_strdup(a, "x") != ARENA_NULL || errno != EROFS)
			book_add(v.fb, 0, "read-only handle allocates",
			         "%s: arena_strdup", v.where);
		VPH(RESET);
		if (arena_reset(a, ARENA_RESET_FORCE) == 0 || errno != EROFS)
			book_add(v.fb, 0, "read-only handle resets",
			         "%s: arena_reset", v.where);
		VPH(LOCAL_INIT);
		if (arena_local_init(l, a, 0) == 0 || errno != EROFS)
			book_add(v.fb, 0, "read-only handle allocates",
			         "%s: arena_local_init", v.where);
	}

	/* our own fresh references: checked, then arena_ptr on them */
	for (unsigned i = 0; i < nmine; i++) {
		const unsigned char *p;
		VPH(GET);
		p = arena_get(a, mine[i], mine_len[i]);
		VPH(USE);
		if (check_ptr(&v, "arena_get", p, mine_len[i], mine[i]) &&
		    p != NULL) {
			volatile unsigned char x = p[mine_len[i] - 1];
			(void)x;
			if ((const unsigned char *)arena_ptr(a, mine[i]) != p)
				book_add(v.fb, 0, "arena_ptr disagrees with arena_get",
				         "%s: %#llx", v.where,
				         (unsigned long long)mine[i]);
		}
		VPH(GET_STR);
		check_str(&v, a, "arena_get_str", arena_get_str(a, mine[i]),
		          mine[i]);
		VPH(REF);
		r = arena_ref(a, v.base + ARENA_REF_OFFSET(mine[i]));
		VPH(USE);
		if (r != ARENA_NULL && ARENA_REF_OFFSET(r) !=
		    ARENA_REF_OFFSET(mine[i]))
			book_add(v.fb, 0, "arena_ref", "%s: arena_ref gave offset "
			         "%llu for %llu", v.where,
			         (unsigned long long)ARENA_REF_OFFSET(r),
			         (unsigned long long)ARENA_REF_OFFSET(mine[i]));
		if (rw && i == 0) {
			VPH(PUBLISH);
			if (arena_publish(a, h_key((unsigned)tu_rand(seed)),
			                  mine[i]) != 0)
				check_errno(&v, "arena_publish", errno,
				            ERRNOS(ENOSPC, EAGAIN, ESTALE, EFAULT,
				                   EBADMSG));
		}
	}
	for (unsigned k = 0; k < H_KEYS; k++) {
		VPH(LOOKUP);
		r = arena_lookup(a, h_key(k));
		VPH(USE);
		if (!check_ref(&v, "arena_lookup", r) || r == ARENA_NULL)
			continue;
		VPH(GET_STR);
		check_str(&v, a, "arena_get_str of a looked-up reference",
		          arena_get_str(a, r), r);
		VPH(GET);
		check_ptr(&v, "arena_get of a looked-up reference",
		          arena_get(a, r, 16), 16, r);
	}
	{
		struct arena_dirent ents[64];
		int n;
		VPH(DIR_LIST);
		n = arena_dir_list(a, ents, 64);
		VPH(USE);
		if (n < 0 || (uint32_t)n > c->dir_slots)
			book_add(v.fb, 0, "arena_dir_list count", "%s: %d for %u "
			         "slots", v.where, n, c->dir_slots);
		for (int i = 0; i < n && i < 64; i++) {
			if (memchr(ents[i].key, '\0', sizeof ents[i].key) == NULL ||
			    ents[i].slot >= c->dir_slots)
				book_add(v.fb, 0, "arena_dir_list entry malformed",
				         "%s: slot %u", v.where, ents[i].slot);
			if (!check_ref(&v, "arena_dir_list", ents[i].ref))
				continue;
			VPH(GET_STR);
			check_str(&v, a, "arena_get_str of a listed reference",
			          arena_get_str(a, ents[i].ref), ents[i].ref);
		}
	}
	{
		struct arena_proc procs[64];
		int n;
		VPH(PROCS);
		n = arena_procs(a, procs, 64);
		VPH(USE);
		if (n < 0 || (uint32_t)n > c->proc_slots)
			book_add(v.fb, 0, "arena_procs count", "%s: %d for %u slots",
			         v.where, n, c->proc_slots);
		for (int i = 0; i < n && i < 64; i++)
			if (procs[i].slot >= c->proc_slots)
				book_add(v.fb, 0, "arena_procs slot", "%s: slot %u",
				         v.where, procs[i].slot);
	}
	adversarial_gets(&v, a, st.generation, &c->phase[id], seed);
	if (it % 8 == 0) {
		VPH(CHECK);
		rc = arena_check(a, NULL, NULL);
		VPH(USE);
		if (rc < 0)
			book_add(v.fb, 0, "arena_check failed", "%s: %s", v.where,
			         strerror(errno));
	}
	if (rw && it % 16 == 5) {
		unsigned flags = it % 128 == 5 ? ARENA_RESET_FORCE | ARENA_RESET_TRIM :
		                 it % 32 == 5 ? ARENA_RESET_FORCE : 0;
		VPH(RESET);
		if (arena_reset(a, flags) != 0)
			check_errno(&v, "arena_reset", errno, ERRNOS(EBUSY));
		VPH(USE);
	}
	if (rw && it % 32 == 9) {
		struct timespec t = { 0, 2000000 };
		VPH(RESET_WAIT);
		if (arena_reset_wait(a, it % 128 == 9 ? ARENA_RESET_TRIM : 0,
		                     &t) != 0)
			check_errno(&v, "arena_reset_wait", errno,
			            ERRNOS(ETIMEDOUT, EBUSY));
		VPH(USE);
	}
	if (it % 32 == 13) {
		struct timespec t = { 0, 500000 };
		VPH(WAIT_GEN);
		if (arena_wait_generation(a, st.generation ? st.generation : 1,
		                          &t) != 0)
			check_errno(&v, "arena_wait_generation", errno,
			            ERRNOS(ETIMEDOUT));
		VPH(USE);
	}
}

static int victim_main(void *arg)
{
	struct victim *vi = arg;
	struct hctl *c = vi->c;
	const int id = vi->id, rw = id < H_RW;
	uint64_t seed = 0x51ed2701u * (uint64_t)(id + 1);
	struct arena_local l;
	int have_local = 0;
	arena_t *a = NULL;
	unsigned long it = 0;

	c->phase[id] = PH_SETUP;
	alarm_default();
	while (!c->stop) {
		alarm(alarm_s(H_ALARM));
		if (a == NULL) {
			c->phase[id] = rw ? PH_ATTACH_RW : PH_ATTACH_RO;
			a = arena_attach(c->name, rw ? 0 : ARENA_RDONLY);
			VPH(USE);
			if (a == NULL) {
				c->attach_failed[id]++;
				check_errno(&(struct view){ NULL, 0, 0, &c->fb[id],
				            "victim attaching under attack" },
				            "arena_attach", errno,
				            ERRNOS(EBADMSG, EUSERS, ETIMEDOUT, EAGAIN));
				tu_sleep_ms(1);
				continue;
			}
			c->attached[id]++;
			have_local = 0;
			if (rw) {
				VPH(LOCAL_INIT);
				have_local = arena_local_init(&l, a, 0) == 0;
				if (!have_local)
					book_add(&c->fb[id], 0, "arena_local_init failed",
					         "victim: %s", strerror(errno));
			}
		}
		victim_iter(c, id, a, &l, have_local, &seed, it++);
		c->iters[id]++;
		if (it % 200 == 199) {
			if (have_local) {
				VPH(LOCAL_FLUSH);
				arena_local_flush(&l);
			}
			VPH(DETACH);
			arena_detach(a);
			a = NULL;
		}
	}
	alarm(alarm_s(H_ALARM));
	if (a != NULL) {
		if (have_local) {
			VPH(LOCAL_FLUSH);
			arena_local_flush(&l);
		}
		VPH(DETACH);
		arena_detach(a);
	}
	alarm(0);
	return 0;
}

/* proc_word -- the table word of PID (0 when /proc has no start time). */
static uint64_t proc_word(pid_t pid)
{
	return FMT_PROC_WORD(pid, tu_proc_starttime(pid));
}

/* pick_top -- an adversarial or plausible top. */
static uint64_t pick_top(const struct hctl *c, uint64_t cur, uint64_t *s)
{
	switch (tu_rand(s) % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return c->hdr - 1;
	case 3: return c->hdr;
	case 4: return c->seg;
	case 5: return c->seg + 1;
	case 6: return ARENA_OFFSET_MASK;
	case 7: return tu_rand(s) & ARENA_OFFSET_MASK;
	case 8: return c->hdr + tu_rand(s) % (c->seg - c->hdr);
	case 9: return c->seg - tu_rand(s) % 64;
	case 10: return cur + 1 + tu_rand(s) % 4096;   /* above real objects */
	default: return cur;
	}
}

static uint64_t pick_gen(uint64_t cur, uint64_t *s)
{
	switch (tu_rand(s) % 6) {
	case 0: return 0;
	case 1: return (cur + 1) & ARENA_GEN_MASK;
	case 2: return tu_rand(s) & ARENA_GEN_MASK;
	case 3: return ARENA_GEN_MASK;
	default: return cur;
	}
}

/* pick_len -- a probe length for a directory of N slots. */
static uint64_t pick_len(uint32_t n, uint64_t *s)
{
	switch (tu_rand(s) % 6) {
	case 0: return 0;
	case 1: return 1;
	case 2: return n;
	case 3: return (uint64_t)n + 1;
	case 4: return ARENA_OFFSET_MASK;
	default: return tu_rand(s) % (n + 1);
	}
}

/* pick_word -- a process-table word: garbage, 0, live or dead ones. */
static uint64_t pick_word(const struct hctl *c, uint64_t own, uint64_t init,
                          uint64_t *s)
{
	switch (tu_rand(s) % 9) {
	case 0: return 0;
	case 1: return tu_rand(s);
	case 2: return own;
	case 3: return init;
	case 4: return proc_word(c->pids[tu_rand(s) % H_VICTIMS]);
	case 5: return FMT_PROC_WORD(tu_rand(s) % (1u << 22), 0);
	case 6: return FMT_PROC_WORD(0, tu_rand(s));
	case 7: return FMT_PROC_WORD((1u << 22) + 1 + tu_rand(s) % 1000, 1);
	default: return own ^ 1;    /* our pid, a wrong start time */
	}
}

/* attack_dir -- write one directory slot. */
static void attack_dir(const struct hctl *c, unsigned char *m, uint64_t gen,
                       uint64_t *s)
{
	struct fmt_dirent *d = (struct fmt_dirent *)(void *)(m + c->dir_off) +
	                       tu_rand(s) % c->dir_slots;
	const char *key = h_key((unsigned)tu_rand(s));
	uint32_t h = fmt_key_hash(key, strlen(key));
	uint64_t g = tu_rand(s) % 4 == 0 ? tu_rand(s) & ARENA_GEN_MASK : gen;
	uint64_t t, r;

	switch (tu_rand(s) % 9) {
	case 0: t = 0; break;
	case 1: t = tu_rand(s); break;
	case 2: t = FMT_DIR_TAG(g, FMT_DIR_BUSY,
	                        FMT_DIR_BUSY_LOW(tu_rand(s) % (c->proc_slots + 2),
	                                         h));
	        break;
	case 3: t = FMT_DIR_TAG(g, FMT_DIR_DEAD, tu_rand(s)); break;
	case 4: t = FMT_DIR_TAG(g, tu_rand(s) & 0xff, h); break;
	default: t = FMT_DIR_TAG(g, FMT_DIR_READY, h); break;
	}
	switch (tu_rand(s) % 9) {
	case 0: r = 0; break;
	case 1: r = tu_rand(s); break;
	case 2: r = FMT_WORD(gen, ARENA_OFFSET_MASK); break;
	case 3: r = FMT_WORD(gen, c->seg - 1); break;
	case 4: r = FMT_WORD(gen, c->hdr - 1); break;
	case 5: r = FMT_WORD(gen, c->seg); break;
	case 6: r = FMT_WORD(gen, 0); break;
	default: r = FMT_WORD(gen, c->hdr + tu_rand(s) % (c->seg - c->hdr));
	         break;
	}
	switch (tu_rand(s) % 5) {
	case 0:   /* no NUL at all */
		memset(d->key, 'A' + (int)(tu_rand(s) % 26), sizeof d->key);
		break;
	case 1:   /* the key, garbage after its NUL */
		memset(d->key, 'g', sizeof d->key);
		memcpy(d->key, key, strlen(key) + 1);
		break;
	case 2:
		for (size_t i = 0; i < sizeof d->key; i++)
			d->key[i] = (char)tu_rand(s);
		break;
	default:
		memset(d->key, 0, sizeof d->key);
		memcpy(d->key, key, strlen(key));
		break;
	}
	__atomic_store_n(&d->ref, r, __ATOMIC_RELEASE);
	__atomic_store_n(&d->tag, t, __ATOMIC_RELEASE);
}

/* attack_sections -- the grace word, the futex words and the section
 * table.  A grace word naming a live victim is taken back 2 ms later (a
 * live peer may hold sections off as long as it lives; a hang is not what
 * this looks for). */
static void attack_sections(struct hctl *c, unsigned char *m,
                            struct fmt_header *h, uint64_t gen, uint64_t *s)
{
	struct fmt_sect *e = (struct fmt_sect *)(void *)(m +
	        FMT_SECT_OFFSET(c->dir_off, c->dir_slots));
	uint32_t n = h->sect_slots < 8 ? h->sect_slots : 8;
	struct timespec ts = { 0, 2000000 };

	switch (tu_rand(s) % 5) {
	case 0:
		__atomic_store_n(&h->grace, FMT_GRACE(gen, tu_rand(s) %
		                 c->proc_slots), __ATOMIC_RELAXED);
		nanosleep(&ts, NULL);
		__atomic_store_n(&h->grace, 0, __ATOMIC_RELAXED);
		break;
	case 1:
		__atomic_store_n(&h->grace, tu_rand(s) % 2 ? tu_rand(s) :
		                 FMT_GRACE(tu_rand(s), c->proc_slots +
		                           tu_rand(s) % 100), __ATOMIC_RELAXED);
		break;
	case 2:
		__atomic_store_n(&h->wake_seq, (uint32_t)tu_rand(s),
		                 __ATOMIC_RELAXED);
		__atomic_store_n(&h->wake_waiters, (uint32_t)tu_rand(s),
		                 __ATOMIC_RELAXED);
		__atomic_store_n(&h->grace_seq, (uint32_t)tu_rand(s),
		                 __ATOMIC_RELAXED);
		break;
	default:
		if (n == 0)
			break;
		e += tu_rand(s) % n;
		__atomic_store_n(&e->owner, tu_rand(s) % 3 == 0 ?
		                 (uint32_t)tu_rand(s) :
		                 (uint32_t)(tu_rand(s) % (c->proc_slots + 2)),
		                 __ATOMIC_RELAXED);
		__atomic_store_n(&e->word, tu_rand(s) % 2 ? 0 : tu_rand(s),
		                 __ATOMIC_RELAXED);
		break;
	}
}

static int attacker_main(void *arg)
{
	struct hctl *c = arg;
	const int id = H_ATTACKER;
	char path[TU_NAME_LEN + 16];
	uint64_t seed = 0xbadc0ffee0ddf00du, own = proc_word(getpid());
	uint64_t init = proc_word(1);
	struct fmt_header *h;
	unsigned char *m;
	unsigned long n = 0;
	int fd;

	VPH(SETUP);
	tu_path(path, sizeof path, c->name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return tu_fail(2, "attacker: open %s: %s", path, strerror(errno));
	m = mmap(NULL, c->seg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return tu_fail(3, "attacker: mmap: %s", strerror(errno));
	h = (struct fmt_header *)(void *)m;
	VPH(ATTACK);
	while (!c->stop) {
		uint64_t w = __atomic_load_n(&h->state, __ATOMIC_RELAXED);
		uint64_t gen = FMT_GEN(w), top = FMT_OFF(w);
		uint64_t *proc = (uint64_t *)(void *)(m + c->proc_off);

		switch (tu_rand(&seed) % 18) {
		case 0: case 1: case 2:
			__atomic_store_n(&h->state,
			                 FMT_WORD(pick_gen(gen, &seed),
			                          pick_top(c, top, &seed) &
			                          ARENA_OFFSET_MASK),
			                 __ATOMIC_RELAXED);
			break;
		case 3:
			__atomic_store_n(&h->failed_allocs, tu_rand(&seed),
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&h->resets, tu_rand(&seed) % 3 == 0 ?
			                 tu_rand(&seed) : h->resets + 1,
			                 __ATOMIC_RELAXED);
			break;
		case 4:
			__atomic_store_n(&h->high_water, tu_rand(&seed) % 2 ?
			                 tu_rand(&seed) : c->seg - c->hdr + 1,
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&h->last_reset, (int64_t)tu_rand(&seed),
			                 __ATOMIC_RELAXED);
			break;
		case 5: case 6:
			__atomic_store_n(&h->trim_owner,
			                 pick_word(c, own, init, &seed),
			                 __ATOMIC_RELAXED);
			break;
		case 7:
			/* mostly READY: an arena never READY attaches nothing */
			__atomic_store_n(&h->init_state,
			                 tu_rand(&seed) % 4 != 0 ? FMT_READY :
			                 tu_rand(&seed) % 2 ? (uint32_t)tu_rand(&seed) :
			                 tu_rand(&seed) % 2 ? FMT_READY ^ 1 :
			                 FMT_INITIALIZING, __ATOMIC_RELAXED);
			break;
		case 8: case 9:
			__atomic_store_n(&proc[tu_rand(&seed) % c->proc_slots],
			                 pick_word(c, own, init, &seed),
			                 __ATOMIC_RELAXED);
			break;
		case 10: case 11: case 12:
			attack_dir(c, m, gen, &seed);
			break;
		case 13:
			/* the region's last bytes: no NUL before the end */
			memset(m + c->seg - 64, 'Z', 64);
			break;
		case 15:
			/* the directory's probe length and the reset epoch */
			__atomic_store_n(&h->dir_probe, FMT_WORD(
			                 tu_rand(&seed) % 4 ? gen : tu_rand(&seed),
			                 pick_len(c->dir_slots, &seed)),
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&h->epoch, tu_rand(&seed) % 4 == 0 ?
			                 tu_rand(&seed) : FMT_WORD(pick_gen(gen, &seed),
			                 tu_rand(&seed) & FMT_OFF_MASK),
			                 __ATOMIC_RELAXED);
			break;
		case 14:
			/* a sane state now and then, so that victims also get
			 * through the paths past the validations */
			__atomic_store_n(&h->state, FMT_WORD(gen ? gen : 1,
			                 c->seg - tu_rand(&seed) % 65536),
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&h->init_state, FMT_READY,
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&h->epoch, FMT_WORD(gen ? gen : 1,
			                 tu_rand(&seed) & FMT_OFF_MASK),
			                 __ATOMIC_RELAXED);
			break;
		case 16:
			attack_sections(c, m, h, gen, &seed);
			break;
		default:
			sched_yield();
			break;
		}
		if (++n % 64 == 0) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
	}
	c->iters[id] = n;
	munmap(m, c->seg);
	return 0;
}

/* ctl_main -- arenactl's inspection commands, over and over, under
 * timeout(1): no crash (128+signal), no hang (124). */
static int ctl_main(void *arg)
{
	struct hctl *c = arg;
	const int id = H_CTL;
	static const char *const cmds[] = { "info", "check", "dir", "list",
	                                    "dump", "dump-str", "info-json" };
	uint64_t seed = 0xc0ffee;
	unsigned long n = 0;

	VPH(ARENACTL);
	while (!c->stop) {
		unsigned k = (unsigned)(n++ % (sizeof cmds / sizeof cmds[0]));
		char ref[32];
		const char *argv[10];
		int argc = 0, st;
		pid_t pid;

		snprintf(ref, sizeof ref, "%#llx", (unsigned long long)
		         FMT_WORD(tu_gen_add(c->gen0, tu_rand(&seed) % 4),
		                  c->seg - 1 - tu_rand(&seed) % 128));
		argv[argc++] = "timeout";
		argv[argc++] = "-k";
		argv[argc++] = "2";
		argv[argc++] = "10";
		argv[argc++] = c->arenactl;
		if (k == 4 || k == 5)
			argv[argc++] = "dump";
		else if (k == 6)
			argv[argc++] = "info";
		else
			argv[argc++] = cmds[k];
		if (k != 3)
			argv[argc++] = c->name;
		if (k == 4 || k == 5)
			argv[argc++] = ref;
		if (k == 5)
			argv[argc++] = "--str";
		if (k == 6)
			argv[argc++] = "--json";
		argv[argc] = NULL;
		pid = fork();
		if (pid < 0) {
			book_add(&c->fb[id], 0, "fork failed", "%s", strerror(errno));
			break;
		}
		if (pid == 0) {
			int dn = open("/dev/null", O_RDWR);
			if (dn >= 0) {
				dup2(dn, 0);
				dup2(dn, 1);
				dup2(dn, 2);
			}
			execvp("timeout", (char *const *)(uintptr_t)argv);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		c->ctl_runs[k]++;
		if (WIFEXITED(st) && WEXITSTATUS(st) <= 1)
			continue;
		{
			char kind[128];
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			if (code == 124 || code == 137)
				snprintf(kind, sizeof kind, "arenactl %s hangs",
				         cmds[k]);
			else if (code > 128)
				snprintf(kind, sizeof kind, "arenactl %s crashes (%s)",
				         cmds[k], sig_name(code - 128));
			else
				snprintf(kind, sizeof kind, "arenactl %s exit %d",
				         cmds[k], code);
			book_add(&c->fb[id], 0, kind, "timeout -k 2 10 %s %s %s%s%s "
			         "under attack: exit status %d%s", c->arenactl,
			         argv[5], k != 3 ? c->name : "",
			         k == 4 || k == 5 ? " " : "",
			         k == 4 || k == 5 ? ref : "", code,
			         code == 127 ? " (not found?)" : "");
		}
	}
	return 0;
}

/* hostile_seconds -- HOSTILE_SECONDS, 3 by default. */
static double hostile_seconds(void)
{
	const char *e = getenv("HOSTILE_SECONDS");
	double s = e != NULL ? atof(e) : 3;
	return s > 0 ? s : 3;
}

START_TEST(hostile_peer)
{
	struct hctl *c = shared_area(sizeof *c);
	struct arena_options o;
	struct victim vi[H_VICTIMS];
	const char *ctl = getenv("ARENACTL");
	double secs = hostile_seconds(), t0;
	unsigned long total;
	arena_t *a;

	memset(&o, 0, sizeof o);
	o.proc_slots = 8;
	o.dir_slots = 16;
	a = tu_create(tu_seg, 1u << 20, &o);
	{
		struct arena_stat st = tu_stat(a);
		const struct fmt_header *h = (const void *)tu_base(a);
		c->seg = st.segment_size;
		c->hdr = st.header_size;
		c->gen0 = st.generation;
		c->proc_slots = st.proc_slots;
		c->dir_slots = st.dir_slots;
		c->proc_off = h->proc_offset;
		c->dir_off = h->dir_offset;
	}
	for (unsigned k = 0; k < H_KEYS; k++)
		ck_assert_int_eq(arena_publish(a, h_key(k),
		                               arena_strdup(a, h_key(k))), 0);
	arena_detach(a);
	snprintf(c->name, sizeof c->name, "%s", tu_seg);
	snprintf(c->arenactl, sizeof c->arenactl, "%s",
	         ctl != NULL ? ctl : "tools/arenactl");
	ck_assert_msg(access(c->arenactl, X_OK) == 0, "%s: %s (build it with "
	              "make, or set ARENACTL)", c->arenactl, strerror(errno));

	for (int i = 0; i < H_VICTIMS; i++) {
		vi[i].c = c;
		vi[i].id = i;
		c->pids[i] = tu_fork(victim_main, &vi[i]);
	}
	c->pids[H_ATTACKER] = tu_fork(attacker_main, c);
	c->pids[H_CTL] = tu_fork(ctl_main, c);
	t0 = tu_now_ms();
	while (tu_now_ms() - t0 < secs * 1000) {
		/* a victim that died early: no need to wait for the end */
		int st;
		pid_t r = waitpid(-1, &st, WNOHANG);
		if (r > 0) {
			for (int i = 0; i < H_PROCS; i++)
				if (c->pids[i] == r) {
					c->pids[i] = -c->pids[i];
					book_add(&c->fb[H_PROCS], 0,
					         !WIFSIGNALED(st) ? "process ended early" :
					         WTERMSIG(st) == SIGALRM ?
					         "victim hangs (SIGALRM)" : "victim died",
					         "process %d (%s) ended during the "
					         "attack: %s %d in %s", i,
					         i < H_RW ? "read-write victim" :
					         i < H_VICTIMS ? "read-only victim" :
					         i == H_ATTACKER ? "attacker" :
					         "arenactl runner",
					         WIFSIGNALED(st) ? sig_name(WTERMSIG(st)) :
					         "exit", WIFSIGNALED(st) ? WTERMSIG(st) :
					         WEXITSTATUS(st), call_name(c->phase[i]));
				}
		}
		tu_sleep_ms(20);
	}
	c->stop = 1;
	/* bounded wait for everyone */
	for (int i = 0; i < H_PROCS; i++) {
		double t1 = tu_now_ms();
		int st = 0;
		pid_t r = 0;

		if (c->pids[i] <= 0)
			continue;
		while ((r = waitpid(c->pids[i], &st, WNOHANG)) == 0 &&
		       tu_now_ms() - t1 < tu_ms(30000))
			tu_sleep_ms(10);
		if (r == 0) {
			book_add(&c->fb[H_PROCS], 0, "process does not stop",
			         "process %d still runs 30 s after the stop, in %s",
			         i, call_name(c->phase[i]));
			kill(c->pids[i], SIGKILL);
			waitpid(c->pids[i], &st, 0);
			continue;
		}
		if (WIFSIGNALED(st))
			book_add(&c->fb[H_PROCS], 0, WTERMSIG(st) == SIGALRM ?
			         "victim hangs (SIGALRM)" : "victim died",
			         "process %d (%s) killed by %s (signal %d) in %s", i,
			         i < H_RW ? "read-write victim" :
			         i < H_VICTIMS ? "read-only victim" :
			         i == H_ATTACKER ? "attacker" : "arenactl runner",
			         sig_name(WTERMSIG(st)), WTERMSIG(st),
			         call_name(c->phase[i]));
		else if (WEXITSTATUS(st) != 0)
			book_add(&c->fb[H_PROCS], 0, "process failed",
			         "process %d exited with %d", i, WEXITSTATUS(st));
	}
	fprintf(stderr, "hostile_peer: %.1f s; iterations rw %lu %lu %lu, ro "
	        "%lu; allocations %lu; attaches %lu (refused %lu); attacker "
	        "writes %lu; arenactl runs %lu\n", secs, c->iters[0],
	        c->iters[1], c->iters[2], c->iters[3],
	        c->allocs[0] + c->allocs[1] + c->allocs[2],
	        c->attached[0] + c->attached[1] + c->attached[2] + c->attached[3],
	        c->attach_failed[0] + c->attach_failed[1] +
	        c->attach_failed[2] + c->attach_failed[3],
	        c->iters[H_ATTACKER],
	        c->ctl_runs[0] + c->ctl_runs[1] + c->ctl_runs[2] +
	        c->ctl_runs[3] + c->ctl_runs[4] + c->ctl_runs[5] +
	        c->ctl_runs[6]);
	total = books_report(c->fb, H_PROCS + 1, "hostile_peer");
	ck_assert_msg(total == 0, "hostile peer: %lu finding(s), see stderr",
	              total);
	for (int i = 0; i < H_VICTIMS; i++)
		ck_assert_msg(c->iters[i] > 0, "victim %d made no round", i);
	munmap(c, sizeof *c);
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tu_tcase(s, "hostile", hostile_seconds() + 60);

	tcase_add_test(tc, hostile_peer);
	tc = tu_tcase(s, "damage", 120);
	tcase_add_loop_test(tc, damage_at_rest, 0, 2);
	return s;
}

int main(void)
{
	return tu_main(hostile_suite(), "hostile");
}
