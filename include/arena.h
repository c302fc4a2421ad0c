/*
 * arena.h - libarena: a lock-free bump arena in named POSIX shared memory.
 *
 * A segment is a named shared-memory object: a header (the identity and
 * shared words, the process table, the directory, the section table and
 * the permanent directory, in whole pages), an optional permanent part
 * that no reset frees (arena_perm_alloc()), and the bump region.  Processes
 * attach by name and allocate with one compare-and-swap on a 64-bit state
 * word {generation:24 | top:40}, moving the top downwards.  An allocation
 * yields a reference: (generation << 40) | offset.  References, never
 * pointers, are what processes exchange; each process maps the segment at
 * its own address.  The whole arena is freed at once by arena_reset(), which
 * starts a new generation, so references from before it are recognisably
 * stale.  See arena(7) for the format and the guarantees.
 *
 * Conventions: functions returning int give 0 on success, -1 and errno on
 * failure; functions returning a pointer or a reference give NULL or
 * ARENA_NULL and errno on failure.  No function aborts on bad input.
 *
 * Memory ordering: every access to a shared word goes through liburcu's
 * uatomic and cmm primitives (directory keys, written before their slot is
 * published and read after it, are plain bytes).  Allocation (one
 * uatomic_cmpxchg) is a full barrier; nothing in it orders the caller's
 * later writes to the object, so a reference handed to another process
 * must be handed over by something that orders memory: arena_publish()
 * (release) and arena_lookup() (acquire), or a pipe, socket or futex,
 * which are system calls.
 *
 * Thread safety: an arena_t may be shared by the threads of one process; all
 * functions taking one are safe to call concurrently except arena_detach(),
 * which must be the handle's last use.  fork(): the handles a child
 * inherits are read-only in the child.  arena_alloc() and its relatives,
 * arena_perm_alloc(), arena_publish(), every reset, arena_local_init()
 * and arena_section_enter() fail there with EROFS; reading (arena_ptr(), arena_get(), arena_get_str(),
 * arena_lookup(), arena_dir_list(), arena_stat(), arena_check()) goes on
 * working.  They hold no slot of the process table, and get an open file
 * description of their own for their lock queries, so they do not keep the
 * parent's entry live (unless the parent's handle locks through a
 * duplicate of its own descriptor: see arena_create()); arena_detach() of
 * one in the child only unmaps and closes (the slot stays the parent's).
 * A child that writes must attach on its own.
 * Per-thread caches (struct arena_local) copied into a child are not
 * covered: the inline fast path does not look at the handle, so a child
 * must not use a cache it inherited (it would allocate from the parent's
 * chunk).
 *
 * Link with -larena (pkg-config --cflags --libs libarena).
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <urcu/arch.h>
#include <urcu/compiler.h>
#include <urcu/uatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(ARENA_BUILD)
#define ARENA_API __attribute__((visibility("default")))
#else
#define ARENA_API
#endif

/* The library's version, and the segment format version it writes. */
#define ARENA_VERSION_MAJOR 2
#define ARENA_VERSION_MINOR 1
#define ARENA_VERSION_PATCH 0
#define ARENA_FORMAT_VERSION 3

typedef struct arena arena_t;   /* one attachment of one process (opaque) */
typedef uint64_t arena_ref_t;   /* generation-tagged offset */

#define ARENA_NULL ((arena_ref_t)0)

/* A reference packs a generation and an offset; so does the state word. */
#define ARENA_OFFSET_BITS 40
#define ARENA_OFFSET_MASK ((UINT64_C(1) << ARENA_OFFSET_BITS) - 1)
#define ARENA_GEN_MASK    ((UINT64_C(1) << 24) - 1)
#define ARENA_REF_OFFSET(r)     ((uint64_t)(r) & ARENA_OFFSET_MASK)
#define ARENA_REF_GENERATION(r) ((uint64_t)(r) >> ARENA_OFFSET_BITS)

/* Limits. */
#define ARENA_MAX_SEGMENT  ((UINT64_C(1) << ARENA_OFFSET_BITS) - 1) /* bytes */
#define ARENA_MAX_ALIGN    4096u   /* largest alignment honoured */
#define ARENA_KEY_MAX      31u     /* longest directory key, in bytes */
#define ARENA_NAME_MAX     255u    /* longest name, leading '/' included */
#define ARENA_MAX_SLOTS    65536u  /* largest process table or directory */
#define ARENA_DEFAULT_PROCS     64u
#define ARENA_DEFAULT_DIR_SLOTS 64u
#define ARENA_DEFAULT_SECTIONS  128u
#define ARENA_DEFAULT_PERM_DIR_SLOTS 16u
#define ARENA_DEFAULT_ATTACH_WAIT_MS 1000u

/* Flags of struct arena_options.flags. */
#define ARENA_CREATE_SPARSE (1u << 0) /* do not reserve memory at create:
                                         touching a page may then SIGBUS
                                         when /dev/shm is full */
#define ARENA_CREATE_PREFAULT (1u << 1) /* map every page in at create, as
                                         arena_prefault() (not recorded:
                                         it concerns the creator only) */

/*
 * Options for arena_create(); zero-initialise and set what you need.
 * A zero field means its default.
 */
struct arena_options {
	unsigned flags;        /* ARENA_CREATE_* */
	unsigned mode;         /* permission bits; default 0600, umask ignored */
	unsigned proc_slots;   /* process table slots; default 64 */
	unsigned dir_slots;    /* directory slots; default 64 (ARENA_DIR_NONE
	                          for none) */
	unsigned sect_slots;   /* section table entries (threads that may hold
	                          read-side sections at once); default 128 */
	size_t perm_size;      /* bytes of the permanent part, which no reset
	                          frees (rounded up to 4096); default 0, none */
	unsigned perm_dir_slots; /* permanent directory slots; default 16
	                          with a permanent part (ARENA_DIR_NONE for
	                          none), else 0 */
};
#define ARENA_DIR_NONE 0xffffffffu

/* Flags of arena_attach(). */
#define ARENA_RDONLY     (1u << 0) /* map read-only; the handle cannot
                                      allocate, reset or publish (EROFS),
                                      and is not entered in the process
                                      table */
#define ARENA_ANY_OWNER  (1u << 1) /* accept a segment owned by another uid */
#define ARENA_NOWAIT     (1u << 2) /* fail at once (EAGAIN) rather than wait
                                      for a segment still being created */
#define ARENA_PREFAULT   (1u << 3) /* map every page in before returning,
                                      as arena_prefault() */

/* Flags of arena_reset(). */
#define ARENA_RESET_FORCE (1u << 0) /* reset even with live peers attached */
#define ARENA_RESET_TRIM  (1u << 1) /* give the region's pages back */

/*
 * arena_create - create a segment NAME with CAPACITY usable bytes and attach
 * it read-write.  NAME follows shm_open(3): a leading '/' is added when
 * missing, no other '/' is allowed.  The segment is created exclusively,
 * with mode opts->mode (0600 by default) whatever the umask, and its memory
 * is reserved (posix_fallocate) unless ARENA_CREATE_SPARSE.  A capacity C
 * holds exactly C bytes of allocations at alignment 1.  Other processes
 * see the segment as READY only once it is wholly written.
 * The handle opens the object again through /proc/self/fd, in an open
 * file description of its own, for its process-table lock; when that
 * fails (no /proc, or a mode that denies the owner reading or writing,
 * such as 0444), it locks through a duplicate of its own descriptor
 * instead, whose description only it and its mapping hold.  That works
 * with one caveat: a child that inherits the mapping (fork()) then keeps
 * the handle's entry live while the child lives (until it exits, execs or
 * detaches the inherited handle).  So any mode will do, and /proc is not
 * needed.
 * Errors: EINVAL (bad name, capacity 0, bad options), ENAMETOOLONG, EFBIG
 * (segment would exceed ARENA_MAX_SEGMENT), EEXIST, EACCES (the object
 * may not be created), ENOSPC (memory could not be reserved), ENOMEM,
 * EMFILE, ENFILE (the handle keeps one more descriptor, for its lock),
 * ENOLCK (no lock could be allocated for the process-table slot), ENOSYS
 * (the kernel has no open-file-description locks: before Linux 3.15).
 * On failure nothing is left behind.
 */
ARENA_API arena_t *arena_create(const char *name, size_t capacity,
                                const struct arena_options *opts);

/*
 * arena_attach - attach the existing segment NAME.  FLAGS: ARENA_RDONLY,
 * ARENA_ANY_OWNER, ARENA_NOWAIT.  The object is opened non-blocking, and
 * anything but a regular file (a FIFO planted in /dev/shm, say) is refused
 * at once.  A segment still being created is waited
 * for, at most ARENA_DEFAULT_ATTACH_WAIT_MS (futex wait, no busy loop).
 * Validates magic, format version and feature masks, header checksum,
 * geometry against the object's real size, and the state word; keeps a
 * private copy of the geometry.  Every handle, read-only ones included,
 * opens the object again in an open file description of its own, through
 * /proc/self/fd, and keeps it until detached; when that fails (no /proc),
 * it keeps a duplicate of the descriptor it opened instead, with the
 * caveat given at arena_create() for a read-write handle.  A read-write
 * attachment takes a slot in
 * the process table (one slot per handle): it takes an open-file-
 * description write lock (F_OFD_SETLK) on the slot's first byte through
 * that description, then claims the slot's word; the entry is live while
 * the lock is held, and the kernel drops it when the description's last
 * descriptor is closed, and, for a duplicate, its mapping is gone (detach,
 * exit, death).  The word, pid and start time, is for display.
 * Errors: EINVAL (bad name or flags), ENAMETOOLONG, ENOENT, EACCES (mode
 * denies access), EPERM (owned by another uid, no ARENA_ANY_OWNER),
 * EMEDIUMTYPE (not an arena, or not a regular file), EPROTONOSUPPORT
 * (unknown format version, formats 1 and 2 included, or incompatible
 * feature),
 * EBADMSG (corrupt or truncated header), ETIMEDOUT
 * (never became ready: its creator died or stalls), EAGAIN (not ready and
 * ARENA_NOWAIT), EUSERS (no slot of the process table can be locked),
 * ENOMEM, EMFILE, ENFILE (one more descriptor for the lock), and, for a
 * read-write attachment, ENOLCK (no lock could be allocated for the slot)
 * and ENOSYS (the kernel has no open-file-description locks: before
 * Linux 3.15).  Nothing in the segment is written on failure.
 */
ARENA_API arena_t *arena_attach(const char *name, unsigned flags);

/*
 * arena_create_memfd - create an anonymous arena on a sealed memfd: as
 * arena_create(), but the object has no name in /dev/shm and is sealed
 * against shrinking and growing (F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SEAL),
 * so no process holding it can truncate it under another's mapping (a
 * truncated named segment makes every access past the new end a SIGBUS).
 * Share it by passing its descriptor (arena_fd(), arena_send_fd()).
 * LABEL (NULL for "arena") names it in /proc/PID/fd and arena_name() as
 * "memfd:LABEL"; opts->mode applies to the object.  Every handle opens
 * the file again through /proc/self/fd for its lock, with no fallback (the
 * memfd's own description travels with its descriptor to other
 * processes), so /proc must be mounted and the mode must let each process
 * open it: the creator's owner, and every receiver (one of another uid
 * needs a mode such as 0660 or 0666; 0600 lets only the owner's processes
 * attach).
 * Errors: as arena_create(), except the name errors; EINVAL (LABEL longer
 * than 249 bytes or holding '/'), EACCES (the mode denies the owner
 * reading or writing), ENOSYS (also when /proc is not mounted).
 */
ARENA_API arena_t *arena_create_memfd(const char *label, size_t capacity,
                                      const struct arena_options *opts);

/*
 * arena_attach_fd - attach the arena open as FD, which must be sealed
 * against shrinking and growing (a memfd from arena_create_memfd()).  FD
 * stays the caller's; the handle keeps a duplicate.  The owner is not
 * checked (the descriptor was handed over on purpose), but the file's mode
 * is: the handle opens it again through /proc/self/fd for its lock, with
 * no fallback (see arena_create_memfd()).
 * FLAGS, validation and process table as arena_attach().
 * Errors: EBADF, EINVAL (flags), ENOTSUP (FD is not sealed against
 * shrinking and growing), ENOSYS (/proc is not mounted, read-only
 * attachments included), EACCES also when the mode denies the caller the
 * access asked (a receiver of another uid, mode 0600), and those of
 * arena_attach() after shm_open, ENOLCK and ENOSYS included.
 */
ARENA_API arena_t *arena_attach_fd(int fd, unsigned flags);

/*
 * arena_fd - the descriptor of a memfd arena (owned by the handle: do not
 * close it).  Errors: EINVAL (NULL), EBADF (a named arena).
 */
ARENA_API int arena_fd(const arena_t *a);

/*
 * arena_send_fd - send the descriptor of memfd arena A over the connected
 * UNIX socket SOCK (SCM_RIGHTS, with a one-byte message).
 * arena_recv_fd - receive one such descriptor from SOCK; the caller owns
 * it (close-on-exec set) and passes it to arena_attach_fd().
 * Errors: those of arena_fd(), sendmsg(2), recvmsg(2); ENOTCONN (peer
 * closed), EPROTO (a message that does not carry one descriptor).
 */
ARENA_API int arena_send_fd(int sock, const arena_t *a);
ARENA_API int arena_recv_fd(int sock);

/*
 * arena_detach - release the process-table slot (its word back to 0, then
 * its lock dropped), unmap, and close the descriptor that holds the lock
 * and the one a memfd handle keeps.  Every pointer obtained through the
 * handle dies with it (references stay valid for other handles).  A NULL handle
 * is a no-op.  Must be the last use of the handle: a second detach of it
 * fails with EINVAL (the library keeps a list of its live handles), but any
 * other use of a detached handle, or of a per-thread cache made from it, is
 * undefined, as for memory after free(3).  Returns 0, or -1: EINVAL, EBUSY
 * (channel handles opened through it are still open: arena_chan_close()
 * them first; nothing changed).
 */
ARENA_API int arena_detach(arena_t *a);

/*
 * arena_unlink - remove NAME; attached processes keep their mappings.
 * Errors: EINVAL, ENAMETOOLONG, ENOENT, EACCES.
 */
ARENA_API int arena_unlink(const char *name);

#if defined(__GNUC__)
#define ARENA_LIKELY_(x) __builtin_expect(!!(x), 1)
#define ARENA_SMALL_CONST_(n) (__builtin_constant_p(n) && (n) <= 2048)
#else
#define ARENA_LIKELY_(x) (x)
#define ARENA_SMALL_CONST_(n) 0
#endif

/*
 * The first members of every arena_t, public only so that arena_ptr() and
 * the fast path of arena_alloc() can be inline: the mapping's address, the
 * state word (NULL for a read-only handle), and the private copy of the
 * bounds of the region.  Never write to them.
 */
struct arena_base_ {
	unsigned char *base;
	uint64_t *state_;
	uint64_t floor_;        /* header size: the region's first offset */
	uint64_t end_;          /* segment size: one past its last */
};

/* The slow path of arena_alloc(): argument checks, errors, counting. */
ARENA_API arena_ref_t arena_alloc_slow(arena_t *a, size_t size, size_t align);

/*
 * arena_alloc - SIZE bytes aligned to ALIGN (a power of two, at most
 * ARENA_MAX_ALIGN).  Lock-free: one read and one compare-and-swap on the
 * state word, retried only when another allocation or a reset won the race.
 * Inline; with constant SIZE and ALIGN the argument checks fold away, and
 * anything out of the ordinary goes to arena_alloc_slow(), which sets errno.
 * The memory is not zeroed (a fresh segment is zero; a reset one is not).
 * Safe in any number of threads and processes at once; implies a full
 * memory barrier.
 * Errors: EINVAL (size 0, bad alignment, NULL handle), EROFS (read-only
 * handle, or a handle inherited across fork()), ENOMEM (not enough room,
 * or a trimming reset holds the arena; counted in failed_allocs), EBADMSG
 * (the shared state word is corrupt).
 */
static inline arena_ref_t arena_alloc(arena_t *a, size_t size, size_t align)
{
	const struct arena_base_ *b = (const struct arena_base_ *)(void *)a;

	if (ARENA_LIKELY_(a != NULL && b->state_ != NULL && size != 0 &&
	                  align - 1 < ARENA_MAX_ALIGN &&
	                  (align & (align - 1)) == 0)) {
		uint64_t old = uatomic_read(b->state_), top, nt, cur;

		for (;;) {
			top = old & ARENA_OFFSET_MASK;
			/* In the region, with room: else the slow path says why. */
			if (top - b->floor_ > b->end_ - b->floor_ ||
			    size > top - b->floor_)
				break;
			nt = (top - size) & ~(uint64_t)(align - 1);
			if (nt < b->floor_)
				break;
			nt |= old & ~ARENA_OFFSET_MASK;
			cur = uatomic_cmpxchg(b->state_, old, nt);
			if (ARENA_LIKELY_(cur == old))
				return nt;
			old = cur;
		}
	}
	return arena_alloc_slow(a, size, align);
}

/* arena_calloc - N zeroed objects of SIZE bytes; EOVERFLOW if N * SIZE
 * overflows; otherwise as arena_alloc(). */
ARENA_API arena_ref_t arena_calloc(arena_t *a, size_t n, size_t size,
                                   size_t align);

/* arena_memdup - a copy of the N bytes at P; as arena_alloc(), and EINVAL
 * if P is NULL. */
ARENA_API arena_ref_t arena_memdup(arena_t *a, const void *p, size_t n,
                                   size_t align);

/* arena_strdup, arena_strndup - a NUL-terminated copy of S (at most N bytes
 * of it); alignment 1.  EINVAL if S is NULL. */
ARENA_API arena_ref_t arena_strdup(arena_t *a, const char *s);
ARENA_API arena_ref_t arena_strndup(arena_t *a, const char *s, size_t n);

/* One zeroed T, aligned for T; N zeroed Ts (EOVERFLOW when N * sizeof(T)
 * overflows). */
#ifdef __cplusplus
#define ARENA_NEW(a, T)          arena_calloc((a), 1, sizeof(T), alignof(T))
#define ARENA_NEW_ARRAY(a, T, n) arena_calloc((a), (n), sizeof(T), alignof(T))
#else
#define ARENA_NEW(a, T)          arena_calloc((a), 1, sizeof(T), _Alignof(T))
#define ARENA_NEW_ARRAY(a, T, n) arena_calloc((a), (n), sizeof(T), _Alignof(T))
#endif

/*
 * arena_ptr - the address of reference R in this process: one mask and one
 * add, and NULL for ARENA_NULL (any reference with offset 0); no other
 * check.  R must be a reference of the current generation from this
 * segment; anything else gives a wild pointer.  Use arena_get() for
 * references that may be stale or untrusted.
 */
static inline void *arena_ptr(const arena_t *a, arena_ref_t r)
{
	uint64_t off = r & ARENA_OFFSET_MASK;

	/* Offset 0 lies in the header: ARENA_NULL gives NULL, never the
	 * header's address, so an unchecked failed allocation faults. */
	return off != 0 ? ((const struct arena_base_ *)(const void *)a)->base + off
	                : NULL;
}

/*
 * arena_get - the address of reference R, checked: R is not ARENA_NULL, its
 * generation is the current one, and the LEN bytes from its offset lie
 * inside the allocated part of the region (overflow-safe).  The check is as
 * of the call: a reset afterwards makes R stale again.  The memory is
 * shared: a peer can still rewrite it, so read untrusted contents with a
 * bound, or copy them, before relying on them.
 * Errors: EINVAL (ARENA_NULL or NULL handle), ESTALE (older or newer
 * generation), EFAULT (out of range, or nothing is allocated: a trim holds
 * the arena), EBADMSG (the shared state word is corrupt: nothing counts as
 * allocated).
 */
ARENA_API void *arena_get(const arena_t *a, arena_ref_t r, size_t len);

/* arena_get_str - as arena_get(), and the string's NUL lies inside the
 * segment (for a permanent reference, inside the permanent part; EFAULT
 * otherwise).  A peer may remove the NUL afterwards: never read the string
 * again without a bound (the bytes to the segment's end). */
ARENA_API const char *arena_get_str(const arena_t *a, arena_ref_t r);

/*
 * The permanent part (arena_options.perm_size): memory next to the bump
 * region that no reset frees, for what a program keeps for the arena's
 * whole life (configuration, lookup tables, control blocks).
 * arena_perm_alloc() takes SIZE bytes at ALIGN from it with one compare-
 * and-swap (downwards from the part's end); nothing is ever given back,
 * except by creating the arena anew.  Its references never go stale: they
 * carry the part's own tag instead of a generation, and arena_get(),
 * arena_get_str(), arena_ref() and arena_publish() accept them in every
 * generation.  arena_publish() binds such a reference in the permanent
 * directory, which no reset empties.  arena_perm_strdup() copies a string.
 * Errors: EINVAL (NULL handle or string, size 0, bad alignment), EROFS,
 * ENOMEM (the part is full, or the arena has none), EBADMSG (a peer wrote
 * nonsense into the part's top).
 */
ARENA_API arena_ref_t arena_perm_alloc(arena_t *a, size_t size, size_t align);
ARENA_API arena_ref_t arena_perm_strdup(arena_t *a, const char *s);

/*
 * arena_get_strn - a bounded string: as arena_get(), and it looks for the
 * string's NUL in one pass over at most MAX bytes, never past the end of
 * the mapping.  *LEN receives the string's length when a NUL lies in the
 * first MAX bytes, else MAX (the string is longer; the MAX bytes are all
 * readable, so a copy of *LEN bytes is safe either way).
 * Errors: EINVAL (NULL handle or LEN, MAX 0, ARENA_NULL), ESTALE, EFAULT
 * (out of the allocated part, or the mapping ends within MAX bytes with
 * no NUL).
 */
ARENA_API const char *arena_get_strn(const arena_t *a, arena_ref_t r,
                                     size_t max, size_t *len);

/* arena_ref - the reference, in the current generation, of address P inside
 * the bump region, or the permanent reference of an address in the
 * permanent part.  Errors: EINVAL (NULL), EFAULT (P in the header or
 * outside the mapping). */
ARENA_API arena_ref_t arena_ref(const arena_t *a, const void *p);

/*
 * arena_reset - free everything at once: the generation and the top change
 * in one compare-and-swap, so an allocation racing the reset lands wholly
 * before it (and is stale after) or wholly after it.  Refused with EBUSY
 * while another process has the segment attached read-write (a live slot
 * of the process table that is not one of this process's own handles),
 * unless ARENA_RESET_FORCE; dead entries, whose lock is free, are reaped
 * first.  Live slots are found with F_OFD_GETLK over ranges of the table,
 * at most one call more than twice the number of locked slots.  The check
 * for peers is made once, before the reset: a peer attaching during it is
 * not refused, and its older references are simply stale.
 * ARENA_RESET_TRIM gives the region's pages back to the system
 * (MADV_REMOVE): the new generation is first held full (allocations in
 * other processes fail with ENOMEM meanwhile), the pages are dropped, and
 * only then is the space opened, so memory that a new allocation owns is
 * never zeroed.  One trim at a time: while a live process trims, every
 * other reset, forced or not, fails with EBUSY; a trimmer that dies leaves
 * the arena full until the next reset, which takes over.  A trimmer counts
 * only while its word is in a live slot of the process table, so a trim
 * owner planted by a peer blocks nothing.  After a trim the
 * memory is no longer reserved, as with ARENA_CREATE_SPARSE.
 * A state word that a peer corrupted is simply overwritten: reset repairs it.
 * Without ARENA_RESET_FORCE it is also refused while a read-side section
 * of a live process is open (this thread's included; see
 * arena_section_enter()) or a waiting reset is pending: it is a waiting
 * reset that does not wait.  ARENA_RESET_FORCE ignores sections.  The
 * permanent part, its references and the permanent directory are left
 * alone by every reset.
 * Errors: EINVAL (NULL handle, unknown flag), EROFS, EBUSY (a live peer or
 * an open section without ARENA_RESET_FORCE, a waiting reset pending, or a
 * trim in progress elsewhere), ENOSYS or EPERM (membarrier(2) refused while
 * section entries are claimed).
 */
ARENA_API int arena_reset(arena_t *a, unsigned flags);

/*
 * Statistics.  used and available are exact at the moment the state word
 * is read; high_water is the most ever used in one generation; attached
 * counts live slots of the process table, that is live read-write handles
 * (one per handle, this process's own included; read-only handles are not
 * counted).
 */
struct arena_stat {
	uint64_t capacity;       /* bytes of the bump region: segment_size -
	                            header_size - perm_size */
	uint64_t used;           /* bytes allocated in this generation,
	                            alignment padding included */
	uint64_t available;      /* capacity - used */
	uint64_t generation;     /* current generation (random at create) */
	uint64_t high_water;     /* largest used ever seen */
	uint64_t failed_allocs;  /* allocations refused for want of room */
	uint64_t resets;         /* resets since creation */
	uint64_t segment_size;   /* bytes of the shared-memory object */
	uint64_t header_size;    /* bytes of the header (the permanent part,
	                            if any, follows it) */
	int64_t  create_time;    /* seconds since the epoch */
	uint32_t creator_uid;
	uint32_t format_version;
	uint32_t flags;          /* ARENA_CREATE_* given at create */
	uint32_t attached;       /* live read-write handles */
	uint32_t proc_slots;     /* process table size */
	uint32_t dir_slots;      /* directory size */
	uint32_t dir_entries;    /* keys bound in this generation (the
	                            permanent directory's not included) */
	uint32_t rdonly;         /* this handle is read-only */
	uint32_t sect_slots;     /* section table size */
	uint32_t sect_claimed;   /* entries held by live handles' caches */
	uint32_t sections;       /* of those, in a section now */
	uint32_t reset_pending;  /* 1: a live process's waiting reset is
	                            waiting for sections to end */
	uint64_t perm_size;      /* bytes of the permanent part (0: none) */
	uint64_t perm_used;      /* of which allocated, padding included */
	uint32_t perm_dir_slots; /* permanent directory size */
	uint32_t perm_dir_entries; /* keys bound in it */
};

/*
 * arena_stat - fill ST.  On a read-write handle it also reaps the
 * process-table entries of dead processes (the only write it makes).
 * Errors: EINVAL (NULL argument).
 */
ARENA_API int arena_stat(const arena_t *a, struct arena_stat *st);

/* One attached handle, as arena_procs() reports it.  pid and start_time
 * are for display; the slot's lock decides alive. */
struct arena_proc {
	pid_t    pid;         /* in the process's own pid namespace */
	uint32_t start_time;  /* low 32 bits of the start time, clock ticks;
	                         0 when unknown */
	int      alive;       /* 1 live (a write lock is held on the slot),
	                         0 dead (not yet reaped) */
	unsigned slot;        /* index in the process table */
	unsigned sections;    /* its caches' sections open now */
	int      resetting;   /* 1: its waiting reset is pending */
};

/*
 * arena_procs - the occupied process-table slots, at most N of them into
 * OUT (OUT may be NULL when N is 0, to count); returns how many slots are
 * occupied (may exceed N), or -1 (EINVAL).
 * Reads only: dead entries are reported, not reaped.
 */
ARENA_API int arena_procs(const arena_t *a, struct arena_proc *out, size_t n);

/*
 * arena_procs_wait - wait until the set of live handles of A's segment
 * differs from the one *TOKEN describes: a handle attached, detached or
 * died (its process ended).  *TOKEN is a fingerprint of the set; start
 * with 0, which matches no set, so the first call returns at once with the
 * current one.  On return *TOKEN describes the set found; call
 * arena_procs() to learn what it is.  No change is lost between calls:
 * one that happened since *TOKEN was taken returns at once.  Attaches and
 * detaches wake the call at once (futex); a death is noticed within 20 ms
 * (polled: a dead process wakes no one).  TIMEOUT: relative, NULL for
 * ever.
 * Returns 0, or -1 and errno: EINVAL (NULL handle or token, malformed
 * timeout), ETIMEDOUT (the set is still the one *TOKEN describes).
 */
ARENA_API int arena_procs_wait(arena_t *a, uint64_t *token,
                               const struct timespec *timeout);

/*
 * arena_publish - bind KEY (1 to ARENA_KEY_MAX bytes) to reference R in the
 * directory, replacing an earlier binding of the same generation.  Release
 * order: writes made before the call are visible to any process whose
 * arena_lookup() returns R.  Lock-free; a binding lives until the next reset.
 * Two processes publishing the same new key at once: one slot is used, the
 * last write wins.  A permanent reference (arena_perm_alloc()) is bound in
 * the permanent directory, which no reset empties; a key is bound in one of
 * the two directories only (EEXIST), except that a permanent and a
 * generation binding published at the same moment may both succeed, and
 * lookups then see the permanent one.
 * A reset during the call never lets it touch a newer generation's
 * binding: a slot it has claimed stays its own until it completes, and it
 * then returns ESTALE, its binding being of an ended generation.
 * Errors: EINVAL (NULL, empty key, ARENA_NULL), ENAMETOOLONG (key too
 * long), EROFS, ESTALE (R of another generation, or a reset came during
 * the call), EFAULT (R out of range), EBADMSG (corrupt state word),
 * ENOSPC (directory full, or no permanent directory for a permanent
 * reference), EEXIST (the key is bound in the other directory), EAGAIN (a
 * publisher of a colliding key died
 * half-way, retry after the next reset; or this handle's process-table
 * entry was taken for dead and its claim cancelled).
 */
ARENA_API int arena_publish(arena_t *a, const char *key, arena_ref_t r);

/*
 * arena_lookup - the reference bound to KEY in the permanent directory,
 * else in the current generation's, only if arena_get() would accept it for one byte (a peer can bind a key
 * to anything): arena_ptr() on the result points into the allocated part.
 * Acquire order (pairs with arena_publish()).  Wait-free: it looks at no
 * more slots than the longest probe of the current generation, at most one
 * pass over the directory.
 * Errors: EINVAL, ENAMETOOLONG, ENOENT (no such key in this generation),
 * and arena_get()'s ESTALE, EFAULT, EBADMSG for a bound reference it
 * refuses.
 */
ARENA_API arena_ref_t arena_lookup(const arena_t *a, const char *key);

/* One directory entry, as arena_dir_list() reports it. */
struct arena_dirent {
	char        key[ARENA_KEY_MAX + 1];
	arena_ref_t ref;
	unsigned    slot;
};

/*
 * arena_dir_list - the entries of the permanent directory (slot numbers
 * from dir_slots on), then those visible in the current generation, at most N
 * of them into OUT (OUT may be NULL when N is 0, to count); returns how many
 * there are (may exceed N), or -1 (EINVAL).  Acquire order, as
 * arena_lookup().  Entries bound to a reference that arena_get() refuses
 * are left out.
 */
ARENA_API int arena_dir_list(const arena_t *a, struct arena_dirent *out,
                             size_t n);

/*
 * arena_check - verify the segment's invariants beyond what arena_attach()
 * validated: the identity block unchanged since attach (and a creation
 * time that is a date), the state word (a trim hold needs a live, attached
 * trimmer), the statistics, every process-table entry, every directory slot
 * (state, claimant, key, hash, reference in range and of the current
 * generation, reachable by lookup, no duplicate key) and the probe length,
 * the pending-reset word and the section table, and the permanent part's
 * top (the permanent directory's slots are not examined).
 * Linear in the directory's size (plus a sort).  Reads only; safe on a read-only handle and
 * concurrently with any other call (a check racing writers may report a
 * transient finding, e.g. a directory slot being published).  FN, if not
 * NULL, is called once per finding with its severity and a one-line
 * description.  Returns the number of ARENA_CHECK_ERROR findings, or -1
 * (EINVAL).
 */
#define ARENA_CHECK_WARN  0  /* unusual but harmless: a dead peer not yet
                                reaped, a publisher that died half-way */
#define ARENA_CHECK_ERROR 1  /* the segment is not sound */
typedef void arena_check_fn(void *ctx, int severity, const char *msg);
ARENA_API int arena_check(const arena_t *a, arena_check_fn *fn, void *ctx);

/*
 * Per-thread allocation caches.  A struct arena_local belongs to one thread
 * (the caller owns it; there are no hidden thread-locals).  It takes chunks
 * from the shared top with one compare-and-swap each and allocates inside
 * the chunk with no atomic read-modify-write at all: the inline fast path
 * is a subtraction, a mask, two compares and one plain load of the shared
 * epoch word, which every reset changes before it starts a generation and
 * no allocation writes.  After a reset the next allocation drops the chunk
 * (it belongs to the old generation) and takes a new one, so no memory of
 * an old generation is ever handed out again, even when 2^24 - 1 resets
 * have brought the same generation back (the epoch also counts resets).  Nothing a peer writes into shared
 * memory makes the cache hand out memory outside its chunk, which lies in
 * the region.  References are ordinary references.
 *
 * Chunks are not padded (alignment 1), so a cache wastes no space between
 * chunks; two caches share at most the one cache line where their chunks
 * meet.  Chunk size: CHUNK bytes given to arena_local_init(), or, with 0,
 * adaptive: 4 KiB doubling at each refill up to 1 MiB, and never more
 * than 1/32 of the capacity.  When a request does not fit the rest of the
 * chunk, that rest is given back if nothing was allocated after the chunk;
 * then a request larger than half a chunk (or aligned to more than a
 * quarter of one) makes the chunks grow, up to the largest; one too big
 * even for that goes straight to arena_alloc(), as does the last request
 * that no chunk can hold any more, so a cache never fails where
 * arena_alloc() would succeed.
 * Worst-case waste: the unused tail of one chunk per cache, plus alignment
 * padding; arena_local_flush() gives the tail back when no allocation came
 * after the chunk.  Statistics: a chunk counts as used (in arena_stat()'s
 * used and high_water) from the moment it is taken, whether or not its
 * space has been handed out yet.
 *
 * The fields are public only so that arena_local_alloc() can be inline;
 * treat them as private.
 */
struct arena_local {
	const uint64_t *epoch_;  /* the shared epoch word (arena(7)) */
	uint64_t stamp_;         /* its value when the chunk was taken; its
	                            generation bits are the chunk's */
	uint64_t cur_;           /* chunk's current top (offset) */
	uint64_t lo_;            /* chunk's floor (offset) */
	arena_t *arena_;
	size_t chunk_;           /* size of the next chunk */
	size_t chunk_max_;       /* largest chunk */
	uint64_t *sect_;         /* our entry's word in the section table;
	                            NULL until the first section */
	uint32_t nest_;          /* sections open in this cache (nesting) */
	uint32_t fence_;         /* 1: this process could not register for
	                            membarrier(2); sections fence */
};

/* cur_ and lo_ of a cache that holds no chunk: no size passes the bounds
 * test of arena_local_alloc() against it, whatever the shared words say. */
#define ARENA_LOCAL_EMPTY_ UINT64_MAX

/*
 * arena_local_init - prepare cache L for handle A (read-write).  CHUNK: 0
 * for adaptive chunks, else a fixed chunk size from 256 bytes up to the
 * capacity.  Takes no memory until the first allocation.
 * Errors: EINVAL (NULL, chunk out of range), EROFS (read-only handle, or a
 * handle inherited across fork()).
 */
ARENA_API int arena_local_init(struct arena_local *l, arena_t *a,
                               size_t chunk);

/* The slow path of arena_local_alloc(): argument checks, refills. */
ARENA_API arena_ref_t arena_local_refill(struct arena_local *l, size_t size,
                                         size_t align);

/*
 * arena_local_alloc - as arena_alloc(), from the cache L.  Not thread-safe
 * on one L (one cache per thread); any number of caches in any number of
 * threads and processes may allocate at once.  No barrier is implied on
 * the fast path: hand references over as described at the top of this
 * file.  With constant SIZE and ALIGN the argument checks fold away.
 * Unlike every other function, it does not check L itself: L must point to
 * a cache that arena_local_init() prepared.
 * Errors: EINVAL (size 0, bad alignment), ENOMEM, EBADMSG, as arena_alloc().
 */
static inline arena_ref_t arena_local_alloc(struct arena_local *l,
                                            size_t size, size_t align)
{
	uint64_t nt = (l->cur_ - size) & ~(uint64_t)(align - 1);

	/*
	 * size <= cur_ - lo_ keeps cur_ - size from wrapping.  For a constant
	 * size of at most 2048 it cannot wrap: a live chunk's floor lo_ is
	 * at least the header size, 4096 (checked against the handle's
	 * private bounds when the chunk was taken), and an empty cache has
	 * cur_ = lo_ = ARENA_LOCAL_EMPTY_, below which any nt falls.  There
	 * the test is left out, which measurably speeds the loop; nothing a
	 * peer writes into shared memory enters it.
	 * A reset is noticed by the epoch word, which every reset changes
	 * before it starts its generation and no allocation writes.
	 */
	if (ARENA_LIKELY_(size != 0 && align - 1 < ARENA_MAX_ALIGN &&
	                  (align & (align - 1)) == 0 &&
	                  (ARENA_SMALL_CONST_(size) || size <= l->cur_ - l->lo_) &&
	                  nt >= l->lo_ && uatomic_read(l->epoch_) == l->stamp_)) {
		l->cur_ = nt;
		return (l->stamp_ & ~ARENA_OFFSET_MASK) | nt;
	}
	return arena_local_refill(l, size, align);
}

/*
 * arena_local_calloc, arena_local_memdup, arena_local_strdup,
 * arena_local_strndup, ARENA_LOCAL_NEW, ARENA_LOCAL_NEW_ARRAY - as
 * arena_calloc(), arena_memdup(), arena_strdup(), arena_strndup(),
 * ARENA_NEW() and ARENA_NEW_ARRAY(), from the cache L: nothing goes through
 * the shared top but the cache's refills.  Unlike arena_local_alloc()
 * they check L: EINVAL for NULL or a cache of a detached handle.
 */
ARENA_API arena_ref_t arena_local_calloc(struct arena_local *l, size_t n,
                                         size_t size, size_t align);
ARENA_API arena_ref_t arena_local_memdup(struct arena_local *l, const void *p,
                                         size_t n, size_t align);
ARENA_API arena_ref_t arena_local_strdup(struct arena_local *l, const char *s);
ARENA_API arena_ref_t arena_local_strndup(struct arena_local *l, const char *s,
                                          size_t n);
#ifdef __cplusplus
#define ARENA_LOCAL_NEW(l, T) arena_local_calloc((l), 1, sizeof(T), alignof(T))
#define ARENA_LOCAL_NEW_ARRAY(l, T, n) \
	arena_local_calloc((l), (n), sizeof(T), alignof(T))
#else
#define ARENA_LOCAL_NEW(l, T) arena_local_calloc((l), 1, sizeof(T), _Alignof(T))
#define ARENA_LOCAL_NEW_ARRAY(l, T, n) \
	arena_local_calloc((l), (n), sizeof(T), _Alignof(T))
#endif

/*
 * arena_local_flush - give the unused tail of L's chunk back to the arena
 * when nothing was allocated after the chunk (else it stays allocated
 * until the next reset), and empty L; outside a section, also give back
 * L's entry of the section table.  L stays usable.  Returns 0, or -1
 * (EINVAL).  Call it before a thread stops allocating for good.
 */
ARENA_API int arena_local_flush(struct arena_local *l);

/*
 * Read-side sections (arena(7), GRACE PERIODS).
 *
 * arena_section_enter(L) says "this thread uses the current generation"
 * and arena_section_leave(L) "it no longer does", through its per-thread
 * cache L (one cache per thread and arena; a thread that only reads may
 * keep a cache just for this).  Sections nest per cache; only the
 * outermost pair touches shared memory: one plain store each and no fence
 * (the reset that waits issues membarrier(2) instead).
 *
 * The contract: from the return of the outermost enter until the matching
 * leave, no reset that respects sections (arena_reset() without
 * ARENA_RESET_FORCE, arena_reset_wait()) can complete, so every object of
 * the generation the section entered stays allocated and unchanged by the
 * arena, and references taken in the section stay valid in it.  A forced
 * reset ignores sections.  While a waiting reset is pending the outermost
 * enter blocks until it completes or gives up (at most its timeout; a dead
 * resetter is noticed within 64 ms).  Allocation needs no section: outside
 * one it behaves as it always did (a reset may come between allocating an
 * object and using it, and the reference then reports ESTALE).
 *
 * A thread must not call arena_reset_wait() inside its own section (it
 * fails with EDEADLK when it can tell), nor enter a section through a
 * second cache of the same arena while in one (it could wait for a reset
 * that waits for its first section).  A process that dies in a section
 * holds no reset off: its sections end with its handle.
 *
 * The first section of a cache takes an entry of the section table
 * (ARENA_DEFAULT_SECTIONS, or arena_options.sect_slots); arena_local_flush()
 * outside a section gives it back, and so does arena_detach().
 *
 * Errors of the enter: EINVAL (cache not prepared, handle detached), EROFS
 * (a handle inherited across fork()), EUSERS (the section table is full),
 * EOVERFLOW (2^32 - 1 nested sections).  Of the leave: EINVAL (no section
 * open).  Memory order: what the thread reads and writes between the
 * outermost enter and its leave happens after every store of the
 * generation before the last reset and before any store of a generation
 * a later reset starts: the reset that waits issues membarrier(2) before
 * it looks at the sections and again once they have ended, and the enter
 * and leave are compiler barriers (full fences in a process whose
 * registration for membarrier(2) was refused).  Sections need a read-
 * write handle (the entry is written): a read-only handle cannot make a
 * cache, so its readers are not protected by the waiting reset.  A cache
 * whose thread ends without arena_local_flush() keeps its entry until its
 * handle detaches.
 */
ARENA_API int arena_section_enter_slow(struct arena_local *l);
ARENA_API int arena_section_leave_slow(struct arena_local *l);

static inline int arena_section_enter(struct arena_local *l)
{
	const struct arena_base_ *b = (const struct arena_base_ *)(void *)l->arena_;

	if (l->nest_ != 0) {
		if (ARENA_LIKELY_(l->nest_ != UINT32_MAX)) {
			l->nest_++;
			return 0;
		}
	} else if (ARENA_LIKELY_(l->sect_ != NULL && b->state_ != NULL)) {
		/* {generation | 1}; grace (the word after the epoch) is 0
		 * unless a reset is pending; the epoch is read again after
		 * it.  The resetter's membarrier(2)
		 * orders both accesses, and the section's own, in this thread
		 * at the hardware level; the compiler barriers keep the
		 * compiler from moving them (liburcu's membarrier flavour
		 * does the same). */
		uint64_t e = uatomic_read(l->epoch_);

		uatomic_set(l->sect_, (e & ~ARENA_OFFSET_MASK) | 1);
		if (l->fence_)
			cmm_smp_mb();
		else
			cmm_barrier();
		/* No reset pending, and none came and went since the epoch
		 * was read (the word then names the generation entered). */
		if (ARENA_LIKELY_(uatomic_read(l->epoch_ + 1) == 0)) {
			cmm_smp_rmb();
			if (ARENA_LIKELY_(uatomic_read(l->epoch_) == e)) {
				cmm_barrier();
				l->nest_ = 1;
				return 0;
			}
		}
	}
	return arena_section_enter_slow(l);
}

static inline int arena_section_leave(struct arena_local *l)
{
	const struct arena_base_ *b = (const struct arena_base_ *)(void *)l->arena_;

	if (l->nest_ > 1) {
		l->nest_--;
		return 0;
	}
	if (ARENA_LIKELY_(l->nest_ == 1 && b->state_ != NULL)) {
		/* The section's accesses before the store that ends it. */
		if (l->fence_)
			cmm_smp_mb();
		else
			cmm_barrier();
		uatomic_set(l->sect_, 0);
		if (l->fence_)
			cmm_smp_mb();
		else
			cmm_barrier();
		if (ARENA_LIKELY_(uatomic_read(l->epoch_ + 1) == 0)) {
			l->nest_ = 0;
			return 0;
		}
	}
	return arena_section_leave_slow(l);
}

/*
 * arena_reset_wait - reset A once no section is open.  It marks the reset pending (new sections wait, see
 * arena_section_enter()), waits until every section of a live process has
 * ended (futex wake-ups; a section of a process that dies stops counting
 * within 64 ms), then starts the next generation, whatever handles are
 * attached.  TIMEOUT: relative, NULL to wait for ever.  FLAGS: 0 or
 * ARENA_RESET_TRIM.  All or nothing: on ETIMEDOUT nothing has changed.
 * Returns 0, or -1 and errno: EINVAL (NULL handle, unknown flag, malformed
 * timeout), EROFS (read-only handle), ETIMEDOUT, EDEADLK (the calling
 * thread is itself in a section of A: a cache whose entry it claimed has
 * one open), EBUSY (a live process, this one included, has a waiting reset
 * pending, or a trim holds the arena), ENOSYS or EPERM (membarrier(2) unavailable
 * while sections are in use).
 */
ARENA_API int arena_reset_wait(arena_t *a, unsigned flags,
                               const struct timespec *timeout);

/*
 * arena_reset_prepare, arena_reset_commit, arena_reset_cancel - a waiting
 * reset in two steps, for a resetter that has something to do between the
 * end of the sections and the new generation: typically a collector that
 * must take in the references producers sent from inside their sections
 * (they are all sent once the sections have ended, and all still valid
 * until the commit).  arena_reset_prepare() does what arena_reset_wait()
 * does up to the reset itself: it marks the reset pending and waits, at
 * most TIMEOUT, until no section of a live process is open; from its
 * return until the commit or the cancel, no section can enter (they wait),
 * so the caller must not enter one itself, and should be quick.
 * arena_reset_commit() then starts the next generation (FLAGS: 0 or
 * ARENA_RESET_TRIM) and ends the mark; arena_reset_cancel() ends the mark
 * and changes nothing.  arena_detach() cancels a prepared reset, and a
 * process that dies with one prepared holds sections off until they see it
 * dead (within 64 ms).  One prepared reset per handle.
 * Errors: of the prepare, those of arena_reset_wait() and EALREADY (this
 * handle has one prepared); of the commit and the cancel, EINVAL (none
 * prepared, unknown flag); of the commit, ECANCELED (a peer ended the
 * pending reset meanwhile, as when it took this process for dead: nothing
 * was reset, prepare again) and EBUSY (a trim holds the arena).
 */
ARENA_API int arena_reset_prepare(arena_t *a, const struct timespec *timeout);
ARENA_API int arena_reset_commit(arena_t *a, unsigned flags);
ARENA_API int arena_reset_cancel(arena_t *a);

/*
 * arena_wait_generation - block until A's generation is no longer GEN (a
 * reset started the next one and no trim holds it), at most TIMEOUT
 * (relative; NULL for ever).  A producer that got ENOMEM passes the
 * generation it allocated in (arena_stat(), or ARENA_REF_GENERATION() of
 * a reference) and sleeps until the consumer has reset: no wake-up is
 * lost, however the reset and the call interleave.  Read-only handles
 * poll every 4 ms instead of sleeping until woken.
 * Returns 0 at once if the generation is already another, else 0 when it
 * moves; -1 and errno: EINVAL (NULL handle, GEN 0 or above 2^24 - 1,
 * malformed timeout), ETIMEDOUT.
 */
ARENA_API int arena_wait_generation(arena_t *a, uint64_t gen,
                                    const struct timespec *timeout);

/*
 * arena_prefault - map every page of A's segment into the calling process
 * now (MADV_POPULATE_WRITE, or _READ for a read-only handle, where the
 * kernel has it, Linux 5.14, then a read of each page, which hypervisors
 * that shadow page tables need; else one access per page, which changes no
 * byte), so that first touches later take no page faults.  Worth it for a
 * process that will use much of the arena; it costs the time to fault the
 * whole segment, and memory for all of it.  Also ARENA_PREFAULT at attach
 * and ARENA_CREATE_PREFAULT at create.  A trimming reset gives the pages
 * back, after which they fault in again.
 * Errors: EINVAL (NULL handle), ENOMEM or EFAULT (no memory behind a page,
 * e.g. an ARENA_CREATE_SPARSE arena on a full /dev/shm; without
 * MADV_POPULATE_* that is SIGBUS instead).
 */
ARENA_API int arena_prefault(arena_t *a);

/*
 * arena_mapping - the address at which A's segment is mapped in this
 * process and its length (header included), for madvise(2), mlock(2) or
 * a debugger.  Errors: EINVAL (a NULL argument).
 */
ARENA_API int arena_mapping(const arena_t *a, void **addr, size_t *len);

/*
 * arena_name - the segment's name as attached, with its leading '/'; for a
 * memfd arena "memfd:LABEL".  Errors: EINVAL (NULL).
 */
ARENA_API const char *arena_name(const arena_t *a);

/*
 * For language bindings (arena_layout(3)).  A binding that calls the
 * library through a foreign-function interface (Python's ctypes) cannot
 * use what is inline here, and describes the public structures by hand;
 * these give it what it needs.
 *
 * arena_ptr_fn, arena_alloc_fn, arena_local_alloc_fn,
 * arena_section_enter_fn, arena_section_leave_fn - arena_ptr(),
 * arena_alloc(), arena_local_alloc(), arena_section_enter() and
 * arena_section_leave() as exported functions, with their contracts and
 * errors, and EINVAL for a NULL handle or cache (arena_ptr_fn() then
 * returns NULL).
 *
 * arena_version - the library's version as "MAJOR.MINOR.PATCH" (a static
 * string), and its parts into MAJOR, MINOR, PATCH where not NULL: that of
 * the library loaded, which a program built against another arena.h may
 * not share.
 *
 * arena_layout - the layout of a public structure as this library was
 * compiled: for NAME "arena_stat" (the tag without "struct"), its size in
 * *SIZE and 0 in *OFFSET; for "arena_stat.used", the member's size and
 * offset (arrays: the whole array).  Every structure of this header is
 * known, with every member except those of struct arena_local (its size
 * only: its members are private).  SIZE and OFFSET may be NULL.  Returns
 * 0, or -1 and errno: EINVAL (NAME is NULL), ENOENT (no such structure or
 * member).  All of these are thread-safe and write no shared memory.
 */
ARENA_API void *arena_ptr_fn(const arena_t *a, arena_ref_t r);
ARENA_API arena_ref_t arena_alloc_fn(arena_t *a, size_t size, size_t align);
ARENA_API arena_ref_t arena_local_alloc_fn(struct arena_local *l, size_t size,
                                           size_t align);
ARENA_API int arena_section_enter_fn(struct arena_local *l);
ARENA_API int arena_section_leave_fn(struct arena_local *l);
ARENA_API const char *arena_version(int *major, int *minor, int *patch);
ARENA_API int arena_layout(const char *name, size_t *size, size_t *offset);

/*
 * Channels: a message log inside the arena (arena_chan_create(3) and the
 * pages it names, arena(7)).
 *
 * A channel lives in the permanent part (so it needs an arena created with
 * one, ARENA_CREATE options perm_size) and is found by its key.  Producers
 * claim space with one compare-and-swap, write the message in place and
 * commit it; subscribers each see every message, in one order per channel
 * (per producer, the order of its commits); members of a group share the
 * messages, each message going to one member.  Space is reused as soon as
 * every live receiver has moved past it; a producer a whole capacity ahead
 * of the slowest live receiver waits or gets EAGAIN.  No system call is
 * made while messages flow: a receiver spins briefly, then sleeps on a
 * futex that a commit wakes only when someone sleeps.  A producer that dies
 * between claim and commit leaves a gap that receivers skip (and count)
 * once its process is seen dead; a receiver that dies stops holding space.
 * A message a group member took and died holding is lost for the group,
 * and counted (the count may exceed what was lost, never fall short:
 * arena_chan_open(3)).  Handles are for one thread at a time; close them
 * before arena_detach(), which fails with EBUSY while any is open.
 *
 * TIMEOUT arguments are relative: NULL waits for ever, a zero timespec
 * does not wait (EAGAIN).
 */
typedef struct arena_chan arena_chan_t;

/* Geometry of a new channel; a zero field takes its default. */
struct arena_chan_config {
	size_t   capacity;   /* data bytes, a power of two, 4 KiB to 1 GiB;
	                        default 1 MiB.  Messages up to capacity / 4 */
	uint32_t slots;      /* messages in flight at most, a power of two,
	                        8 to 2^24; default capacity / 64 */
	uint16_t producers;  /* producer handles at once, 1..256; default 16 */
	uint16_t receivers;  /* subscriber and member handles, 1..256; 16 */
	uint16_t groups;     /* groups, 0..64 (0 means the default, 4) */
};

#define ARENA_CHAN_PRODUCER   1u
#define ARENA_CHAN_SUBSCRIBER 2u
#define ARENA_CHAN_MEMBER     3u
#define ARENA_CHAN_GROUP      4u   /* arena_chan_peer.role of a group */
#define ARENA_CHAN_GROUP_MAX  31u  /* longest group name, in bytes */
#define ARENA_CHAN_BATCH_MAX  256u /* most messages one claimv() claims */

/* A received message: DATA points into the arena, valid until the
 * handle's next receive, arena_chan_release() or arena_chan_close(). */
struct arena_msg {
	const void *data;
	size_t   len;
	uint32_t seq;        /* the channel's sequence number (wraps) */
	uint16_t producer;   /* index of the producer entry that sent it */
	uint16_t reserved_;
};

/*
 * arena_chan_create - create a channel bound to KEY (1 to ARENA_KEY_MAX
 * bytes) in the permanent directory, with geometry CFG (NULL: defaults).
 * Errors: EINVAL (bad argument or geometry), EROFS, EEXIST (KEY is bound),
 * ENOSPC (no permanent part, or too little of it left), EBADMSG.
 */
ARENA_API int arena_chan_create(arena_t *a, const char *key,
                                const struct arena_chan_config *cfg);

/*
 * arena_chan_open - join channel KEY as ROLE: ARENA_CHAN_PRODUCER,
 * ARENA_CHAN_SUBSCRIBER (starts at the current end) or ARENA_CHAN_MEMBER
 * of group GROUP (1 to ARENA_CHAN_GROUP_MAX bytes; created at its first
 * member's join, starting at the current end; freed when its last member
 * leaves or dies).  Faults the channel's pages in.
 * Errors: EINVAL, EROFS (read-only handle, or a fork child's), ENOENT (KEY
 * unbound), EMEDIUMTYPE (KEY names something else), EPROTONOSUPPORT (a
 * channel of another version), EBADMSG (its control block is damaged),
 * EUSERS (no free entry or group), ENOMEM.
 */
ARENA_API arena_chan_t *arena_chan_open(arena_t *a, const char *key,
                                        unsigned role, const char *group);

/*
 * arena_chan_close - leave the channel: an open claim is aborted, held
 * messages are released.  NULL is a no-op.  Errors: EINVAL.
 */
ARENA_API int arena_chan_close(arena_chan_t *c);

/*
 * arena_chan_claim - claim LEN bytes (0 to capacity / 4) for one message;
 * returns where to write it (8-byte aligned), until arena_chan_commit()
 * or arena_chan_abort().  arena_chan_claimv() claims up to N messages of
 * LENS[i] bytes at once (one atomic step), stores their addresses in MSGS
 * and returns how many it claimed (at least 1).
 * Errors (NULL or -1): EINVAL, EMSGSIZE, EBUSY (a claim is open), EAGAIN
 * (full and TIMEOUT zero), ETIMEDOUT, EBADMSG (a peer damaged the channel).
 */
ARENA_API void *arena_chan_claim(arena_chan_t *c, size_t len,
                                 const struct timespec *timeout);
ARENA_API int arena_chan_claimv(arena_chan_t *c, size_t n, const size_t *lens,
                                void **msgs, const struct timespec *timeout);
/* arena_chan_commit - publish the open claim's messages (release order:
 * what was written is visible to whoever receives them); arena_chan_abort
 * - withdraw them (receivers skip them).  Errors: EINVAL (no open claim). */
ARENA_API int arena_chan_commit(arena_chan_t *c);
ARENA_API int arena_chan_abort(arena_chan_t *c);
/* arena_chan_send - claim, copy LEN bytes from P, commit. */
ARENA_API int arena_chan_send(arena_chan_t *c, const void *p, size_t len,
                              const struct timespec *timeout);

/*
 * arena_chan_recv - the next message, in place (see struct arena_msg);
 * arena_chan_recvv() up to N consecutive ones, returning how many (at
 * least 1).  Each call first releases what the previous one returned.
 * Errors (-1): EINVAL, EAGAIN (none and TIMEOUT zero), ETIMEDOUT,
 * EBADMSG (a peer damaged the channel; the same call fails again).
 */
ARENA_API int arena_chan_recv(arena_chan_t *c, struct arena_msg *m,
                              const struct timespec *timeout);
ARENA_API int arena_chan_recvv(arena_chan_t *c, struct arena_msg *m, size_t n,
                               const struct timespec *timeout);
/* arena_chan_release - release the messages the last receive returned. */
ARENA_API int arena_chan_release(arena_chan_t *c);
/* arena_chan_recv_copy - receive one message into BUF (CAP bytes); its
 * length, or -1: as arena_chan_recv(), and EMSGSIZE (longer than CAP: a
 * subscriber's next receive returns it again; a member has taken it from
 * its group, and its next call drops it). */
ARENA_API ssize_t arena_chan_recv_copy(arena_chan_t *c, void *buf, size_t cap,
                                       const struct timespec *timeout);

/* What arena_chan_stat() reports of a channel. */
struct arena_chan_stat {
	uint64_t capacity;        /* data ring bytes */
	uint32_t slots;           /* messages in flight at most */
	uint32_t max_msg;         /* largest message */
	uint32_t producers, receivers, groups;  /* table sizes */
	uint32_t live_producers, live_subscribers, live_members, live_groups;
	uint32_t seq;             /* sequence number of the next claim */
	uint32_t lag;             /* messages the slowest live receiver is
	                             behind seq */
	uint64_t lag_bytes;       /* bytes it is behind */
	uint64_t msgs, bytes;     /* committed, summed over producer entries
	                             in use */
	uint64_t gaps;            /* dead producers' claims skipped */
	int64_t  create_time;
};
/* One producer, subscriber, member or group of a channel. */
struct arena_chan_peer {
	unsigned role;            /* ARENA_CHAN_PRODUCER ... ARENA_CHAN_GROUP */
	int      alive;           /* its process holds its entry (groups: it
	                             has a live member) */
	pid_t    pid;             /* 0 for a group */
	uint32_t index;           /* entry index (producer: arena_msg.producer) */
	char     group[ARENA_CHAN_GROUP_MAX + 1];
	uint32_t seq;             /* receivers, groups: next message */
	uint32_t lag;             /* messages behind the channel's seq */
	uint64_t lag_bytes;
	uint64_t msgs, bytes;     /* producers: committed; receivers: msgs
	                             received */
	uint64_t gaps;            /* receivers: dead claims skipped */
	uint64_t lost;            /* groups: messages members died holding
	                             (at most: see arena_chan_open(3)) */
	uint32_t held;            /* members: messages held, or being taken */
	uint32_t reserved_;
};

/*
 * arena_chan_stat - describe channel KEY into *ST and, if PEERS is not
 * NULL, up to *NPEERS of its producers, receivers and groups (in use
 * entries; *NPEERS receives how many there are).  Works on read-only
 * handles.  Errors: EINVAL, ENOENT, EMEDIUMTYPE, EPROTONOSUPPORT,
 * EBADMSG.
 */
ARENA_API int arena_chan_stat(const arena_t *a, const char *key,
                              struct arena_chan_stat *st,
                              struct arena_chan_peer *peers, size_t *npeers);

#ifdef __cplusplus
}
#endif

#endif /* ARENA_H */
