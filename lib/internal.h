/*
 * internal.h - the attachment handle and helpers shared by the library's
 * sources (private).
 */
#ifndef ARENA_INTERNAL_H
#define ARENA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <urcu/uatomic.h>
#include <urcu/arch.h>
#include <urcu/compiler.h>

#include "arena.h"
#include "format.h"

/*
 * One attachment.  Geometry is a private copy taken at attach after
 * validation; the shared header is never trusted again for bounds.
 */
struct arena {
	/* These four are struct arena_base_ (arena.h), in its order. */
	unsigned char *base;
	uint64_t *state_rw;        /* &hdr->state; NULL when read-only */
	uint64_t hdr_size;         /* the bump region's floor: the header and
	                              the permanent part end there */
	uint64_t seg_size;
	struct fmt_header *hdr;    /* == base */
	uint32_t proc_slots;
	uint32_t dir_slots;
	uint64_t *procs;           /* process table in the mapping */
	struct fmt_dirent *dir;    /* directory in the mapping */
	struct fmt_sect *sects;    /* section table in the mapping */
	uint32_t sect_slots;
	uint64_t meta_size;        /* the header proper: the permanent part
	                              is [meta_size, hdr_size) */
	struct fmt_dirent *perm_dir; /* permanent directory in the mapping */
	uint32_t perm_dir_slots;
	uint32_t perm_tag;         /* generation field of permanent refs */
	uint64_t grace_mark;       /* our prepared reset's grace word, 0 none */
	uint32_t flags;            /* ARENA_CREATE_* recorded at create */
	uint32_t creator_uid;
	int64_t create_time;
	int slot;                  /* our process-table slot, -1 for none */
	uint64_t proc_word;        /* what we wrote into it */
	int fd;                    /* memfd arenas: kept for passing; else -1 */
	int lock_fd;               /* an open file description of our own on
	                              the object: process-table locks */
	uint32_t proc_off;         /* process table offset (its lock bytes) */
	dev_t dev;                 /* the object, to tell our handles of it */
	ino_t ino;
	uint32_t chans;            /* channel handles open on it */
	uint32_t magic;            /* HANDLE_MAGIC while attached */
	struct arena *next;        /* the process's list of live handles */
	char name[ARENA_NAME_MAX + 1];
};

#define HANDLE_MAGIC 0x41524e41u   /* "ANRA" */

/* handle_ok -- whether A is a handle not yet detached (a cheap check that
 * catches the common misuse; a freed handle is undefined, as for free(3)). */
static inline bool handle_ok(const struct arena *a)
{
	return a != NULL && a->magic == HANDLE_MAGIC;
}

_Static_assert(offsetof(struct arena, base) ==
               offsetof(struct arena_base_, base), "base");
_Static_assert(offsetof(struct arena, state_rw) ==
               offsetof(struct arena_base_, state_), "state");
_Static_assert(offsetof(struct arena, hdr_size) ==
               offsetof(struct arena_base_, floor_), "floor");
_Static_assert(offsetof(struct arena, seg_size) ==
               offsetof(struct arena_base_, end_), "end");

/* fmt_checksum -- FNV-1a 64 of the identity block. */
uint64_t fmt_checksum(const struct fmt_header *h);

/* name_norm -- validate NAME, write it with its leading '/' to OUT. */
int name_norm(const char *name, char out[ARENA_NAME_MAX + 1]);

/* proc_self_word -- this process's table word: pid and start time (0
 * when /proc/self/stat cannot be read; the word is for display). */
uint64_t proc_self_word(void);
/* proc_slot_alive -- whether a live handle holds process slot I (its
 * lock is held; our own handle's slot counts as live). */
bool proc_slot_alive(const struct arena *a, uint32_t i);
/* proc_word_alive -- whether table word W is in a live slot. */
bool proc_word_alive(const struct arena *a, uint64_t w);
/* pid_running -- whether the process word W names runs, judged by /proc
 * (a diagnosis for arena_check(), not liveness). */
bool pid_running(uint64_t w);
/* handles_own_slot -- whether a live handle of this process holds process
 * slot I of A's segment. */
bool handles_own_slot(const struct arena *a, uint32_t i);
/* proc_register -- take a slot for this handle; -1/EUSERS when full. */
int proc_register(struct arena *a);
/* proc_release -- give back this handle's slot. */
void proc_release(struct arena *a);
/* proc_fingerprint -- a hash of the live entries (slot and word), never
 * 0 unless memory ran out. */
uint64_t proc_fingerprint(const struct arena *a);
/* procs_changed -- an entry was taken or given back: wake peer watchers. */
void procs_changed(struct arena *a);
/* proc_scan -- count live entries not of this process; reap dead ones
 * when the handle can write.  Returns the number of live others. */
unsigned proc_scan(struct arena *a, unsigned *live_total);

/* dir_state -- the state of directory tag T; a claim naming a process
 * slot that does not exist is no claim (a peer wrote it) and counts as
 * DEAD. */
static inline unsigned dir_state(const struct arena *a, uint64_t t)
{
	unsigned st = FMT_DIR_STATE(t);

	return st == FMT_DIR_BUSY && FMT_DIR_CLAIMANT(t) >= a->proc_slots
	       ? FMT_DIR_DEAD : st;
}

/* dir_free -- whether directory tag T leaves its slot free for a publisher
 * of generation G: never used, DEAD, or a completed slot of another
 * generation; never a claim (BUSY), whatever its generation. */
static inline bool dir_free(const struct arena *a, uint64_t t, uint64_t g)
{
	unsigned st = dir_state(a, t);

	return t == 0 || st == FMT_DIR_DEAD ||
	       (FMT_DIR_GEN(t) != g && st != FMT_DIR_BUSY);
}

/* dir_probe_limit -- how many slots of a probe sequence lookups of
 * generation G look at (dir_probe, at most the directory's size). */
uint32_t dir_probe_limit(const struct arena *a, uint64_t g);

/* perm_dir_count -- the keys bound in the permanent directory (as
 * arena_dir_list() would list them). */
uint32_t perm_dir_count(const struct arena *a);

/* dir_cancel_claims -- turn the directory claims of process-table slot
 * SLOT DEAD: called by the handle that has just taken that slot, so their
 * publisher's handle is gone. */
void dir_cancel_claims(struct arena *a, uint32_t slot);

/* dir_claim_hook -- tests only: called by arena_publish() right after it
 * claims a slot, before it writes the key. */
extern void (*dir_claim_hook)(void);

/* ref_check -- the offset of R if LEN bytes from it are allocated in the
 * current generation; 0 and errno (EINVAL, ESTALE, EFAULT) otherwise. */
uint64_t ref_check(const struct arena *a, arena_ref_t r, size_t len);

/* ref_permanent -- whether R's offset lies in the permanent part. */
static inline bool ref_permanent(const struct arena *a, arena_ref_t r)
{
	return FMT_OFF(r) >= a->meta_size && FMT_OFF(r) < a->hdr_size;
}

/* ref_end -- where the part R lies in ends: an object, or a string's NUL,
 * stays inside it. */
static inline uint64_t ref_end(const struct arena *a, arena_ref_t r)
{
	return ref_permanent(a, r) ? a->hdr_size : a->seg_size;
}

/* perm_top_ok -- the permanent top word, validated against the private
 * geometry (a peer may write anything into it). */
static inline bool perm_top_ok(const struct arena *a, uint64_t w)
{
	return w >= a->meta_size && w <= a->hdr_size;
}

/* state_ok -- the state word, validated against the private geometry;
 * false (errno EBADMSG) when a peer wrote nonsense into it. */
static inline bool state_ok(const struct arena *a, uint64_t w)
{
	uint64_t top = FMT_OFF(w);
	return top >= a->hdr_size && top <= a->seg_size;
}

/*
 * alloc_top -- move the top down by SIZE at ALIGN (checked by the caller)
 * with one compare-and-swap.  ARENA_NULL with errno ENOMEM (not counted)
 * or EBADMSG (the shared top is out of bounds).
 */
static inline arena_ref_t alloc_top(struct arena *a, uint64_t size,
                                    uint64_t align)
{
	uint64_t cap = a->seg_size - a->hdr_size;
	uint64_t old = uatomic_read(&a->hdr->state);

	for (;;) {
		uint64_t top = FMT_OFF(old), nt, cur;

		if (caa_unlikely(top - a->hdr_size > cap)) {
			/* A trim in progress, or a peer scribbled on the header. */
			errno = top == FMT_TOP_TRIMMING ? ENOMEM : EBADMSG;
			return ARENA_NULL;
		}
		if (caa_unlikely(size > top - a->hdr_size)) {
			errno = ENOMEM;
			return ARENA_NULL;
		}
		nt = (top - size) & ~(align - 1);
		if (caa_unlikely(nt < a->hdr_size)) {
			errno = ENOMEM;
			return ARENA_NULL;
		}
		nt |= old & ~FMT_OFF_MASK;
		cur = uatomic_cmpxchg(&a->hdr->state, old, nt);
		if (caa_likely(cur == old))
			return nt;
		old = cur;
	}
}

/* The copying calls for any allocator (alloc.c): ALLOC takes SIZE bytes
 * at ALIGN from SRC; A turns the reference into an address. */
typedef arena_ref_t alloc_fn(void *src, size_t size, size_t align);
arena_ref_t copy_calloc(alloc_fn *alloc, void *src, const arena_t *a,
                        size_t n, size_t size, size_t align);
arena_ref_t copy_mem(alloc_fn *alloc, void *src, const arena_t *a,
                     const void *p, size_t n, size_t align);
arena_ref_t copy_strn(alloc_fn *alloc, void *src, const arena_t *a,
                      const char *s, size_t n);

/* alloc_fail -- count a refused allocation; ARENA_NULL, errno ENOMEM. */
arena_ref_t alloc_fail(struct arena *a);

/* Sections (section.c). */
/* sect_release -- give back cache L's section entry (not inside one). */
void sect_release(struct arena_local *l);
/* sect_cancel -- free the section entries of process slot SLOT: called by
 * the handle that has just taken that slot. */
void sect_cancel(struct arena *a, uint32_t slot);
/* sect_count -- entries of live handles (of process slot SLOT only, when
 * SLOT >= 0) in a section now; *CLAIMED, if not NULL, receives how many
 * they hold. */
uint32_t sect_count(const struct arena *a, int slot, uint32_t *claimed);
/* grace_cancel_slot -- end a pending reset of process slot SLOT: called by
 * the handle that has just taken that slot, so its resetter is gone. */
void grace_cancel_slot(struct arena *a, uint32_t slot);
/* sect_own_thread_open -- whether a section is open in an entry of A's
 * handle claimed by the calling thread (a reset waiting for it would wait
 * for its own caller). */
bool sect_own_thread_open(const struct arena *a);
/* sect_fork_child -- in a child after fork(): register for membarrier(2)
 * again before its first section. */
void sect_fork_child(void);
/* grace_owner -- the process slot of the live resetter whose waiting
 * reset is pending, or -1. */
int grace_owner(const struct arena *a);
/* grace_begin -- mark a reset of the current generation pending (EBUSY if
 * a live resetter has one pending) and make every open section visible;
 * *G receives the mark for grace_end(). */
int grace_begin(struct arena *a, uint64_t *g);
/* grace_quiesce -- wait until no live section is open, at most TIMEOUT
 * (NULL forever); -1 and errno BUSY when they stay open. */
int grace_quiesce(struct arena *a, const struct timespec *timeout, int busy);
/* grace_end -- end the pending reset G and wake its waiters. */
void grace_end(struct arena *a, uint64_t g);
/* reset_wake -- a reset happened: wake generation waiters. */
void reset_wake(struct arena *a);

/* Waiting (section.c).  Sleeps that poll for a dead peer (a dead process
 * wakes no one) poll this often at first, then less. */
#define POLL_MIN_NS  1000000L     /* 1 ms */
#define POLL_MAX_NS  64000000L    /* 64 ms */
#define NSEC         1000000000L
/* memb_register -- register this process for membarrier(2)
 * GLOBAL_EXPEDITED once: 1 registered, 2 refused (its fast paths must then
 * fence on their own). */
int memb_register(void);
/* memb_all -- a full barrier in every thread of every registered process
 * (the slow global command if the expedited one is refused); -1 if
 * neither works. */
int memb_all(void);
/* futex_sleep -- sleep on the shared word W while it holds V, at most NS
 * nanoseconds; futex_wake_all wakes every sleeper on W. */
void futex_sleep(uint32_t *w, uint32_t v, long ns);
void futex_wake_all(uint32_t *w);
/* wait_now_ns -- CLOCK_MONOTONIC in nanoseconds. */
int64_t wait_now_ns(void);
/* wait_deadline -- the deadline of relative timeout T: -1 for none (T
 * NULL), -2 and EINVAL for a malformed one. */
int64_t wait_deadline(const struct timespec *t);
/* wait_left -- nanoseconds to sleep before deadline D, at most CAP; 0 when
 * it has passed. */
long wait_left(int64_t d, long cap);

/* prefault_range -- fault in [OFF, OFF + N) of A's mapping (page-aligned
 * OFF) for writing (reading, read-only handles); 0 or -1 and errno. */
int prefault_range(struct arena *a, uint64_t off, uint64_t n);

/* release_fence -- earlier loads and stores before later stores: a
 * compiler barrier where the hardware keeps that order (x86), else a full
 * barrier (liburcu 0.13 has no release fence). */
#if defined(__x86_64__) || defined(__i386__)
#define release_fence() cmm_barrier()
#else
#define release_fence() cmm_smp_mb()
#endif

/* chan_check -- arena_check()'s findings on channel KEY (none if KEY
 * names no channel) through EMIT; the number of errors. */
int chan_check(const struct arena *a, const char *key,
               void (*emit)(void *, int, const char *), void *ctx);

/* rdonly -- whether A is a read-only handle (it has no state word to
 * write). */
static inline bool rdonly(const struct arena *a)
{
	return a->state_rw == NULL;
}

#define ARENA_MUT(a) ((struct arena *)(uintptr_t)(a))

#endif /* ARENA_INTERNAL_H */
