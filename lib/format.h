/*
 * format.h - the segment layout, format 3 (private; documented in arena(7)).
 *
 * All fields are little-endian fixed-width integers at fixed offsets.  The
 * identity block [0, 88) never changes after create and is covered by the
 * checksum at 88.  Each mutable group sits on its own 64-byte line.
 */
#ifndef ARENA_FORMAT_H
#define ARENA_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libarena format 3 is defined for little-endian hosts only"
#endif

#define FMT_MAGIC        UINT64_C(0x31414e4552414e41) /* "ANARENA1" */
/*
 * Format 3 changed the directory's claim protocol (a claimed slot names its
 * claimant, and a claim of an ended generation is no longer free), which a
 * format 1 library would break, and added the section table, the words of
 * waiting and the permanent part, which move the init word and the
 * tables.  Format 2 was the claim change alone, in development builds
 * only.  Segments of formats 1 and 2 are refused (EPROTONOSUPPORT).
 */
#define FMT_VERSION      3u
#define FMT_PAGE         4096u

/* Feature masks: none are defined in format 3. */
#define FMT_COMPAT_KNOWN    0u
#define FMT_ROCOMPAT_KNOWN  0u
#define FMT_INCOMPAT_KNOWN  0u

/* init_state values. */
#define FMT_INITIALIZING 0u
#define FMT_READY        0x59444552u  /* "REDY" */

struct fmt_header {
	/* identity: written once, checksummed */
	uint64_t magic;           /*   0 */
	uint32_t version;         /*   8 */
	uint32_t header_size;     /*  12 multiple of FMT_PAGE */
	uint64_t segment_size;    /*  16 header_size + perm_size + capacity */
	uint32_t compat;          /*  24 */
	uint32_t rocompat;        /*  28 */
	uint32_t incompat;        /*  32 */
	uint32_t flags;           /*  36 ARENA_CREATE_* */
	int64_t  create_time;     /*  40 seconds since the epoch */
	uint32_t creator_uid;     /*  48 */
	uint32_t proc_slots;      /*  52 */
	uint32_t dir_slots;       /*  56 */
	uint32_t proc_offset;     /*  60 process table, from segment start */
	uint32_t dir_offset;      /*  64 directory, from segment start */
	uint32_t sect_slots;      /*  68 section table entries */
	uint64_t perm_size;       /*  72 bytes of the permanent part, a
	                             multiple of FMT_PAGE; 0 for none */
	uint32_t perm_dir_slots;  /*  80 slots of the permanent directory */
	uint32_t perm_tag;        /*  84 generation field of references into
	                             the permanent part: 1 .. 2^24 - 1 */
	uint64_t checksum;        /*  88 FNV-1a 64 of bytes [0, 88) */
	uint32_t init_state;      /*  96 FMT_INITIALIZING, then FMT_READY */
	uint8_t  pad0[128 - 100];
	/* line 2: the allocation hot word, alone */
	uint64_t state;           /* 128 {generation:24 | top:40} */
	uint8_t  pad1[192 - 136];
	/* line 3: statistics off the fast path */
	uint64_t failed_allocs;   /* 192 */
	uint64_t resets;          /* 200 */
	uint64_t high_water;      /* 208 bytes, max over ended generations */
	int64_t  last_reset;      /* 216 seconds since the epoch, 0 never */
	uint64_t trim_owner;      /* 224 process-table word of the process
	                             trimming, 0 none */
	uint64_t dir_probe;       /* 232 {generation:24 | longest probe:40}:
	                             lookups of that generation look at no
	                             more slots than this */
	uint64_t perm_top;        /* 240 the permanent part's top: offset of
	                             its lowest allocation (allocated from the
	                             part's end downwards); no reset moves it */
	uint64_t perm_probe;      /* 248 {perm_tag:24 | longest probe:40} of
	                             the permanent directory */
	/* line 4: read on every per-thread cache allocation, written only by
	 * resets: alone, so that allocation traffic never evicts it */
	uint64_t epoch;           /* 256 {generation:24 | resets:40}, see below */
	uint64_t grace;           /* 264 the pending waiting reset, 0 none:
	                             {generation:24 | 0:16 | slot + 1:24} */
	uint8_t  pad3[320 - 272];
	/* line 5: futex words of waiting (written only when someone waits) */
	uint32_t wake_seq;        /* 320 +1 at every reset and every end of a
	                             pending one; generation waiters sleep on it */
	uint32_t wake_waiters;    /* 324 sleepers on wake_seq */
	uint32_t grace_seq;       /* 328 +1 by a section that ends while a
	                             reset is pending; the resetter sleeps on it */
	uint32_t procs_seq;       /* 332 +1 at every attach and detach; peer
	                             watchers sleep on it */
	uint32_t procs_waiters;   /* 336 sleepers on procs_seq */
	uint32_t sect_owned;      /* 340 section-table entries with an owner
	                             (a hint: 0 lets attach and reset skip the
	                             table) */
	uint8_t  pad4[384 - 344];
	/* 384: process table, directory, section table */
};

#define FMT_CHECKSUMMED  88u
#define FMT_TABLES       384u

_Static_assert(offsetof(struct fmt_header, magic) == 0, "magic");
_Static_assert(offsetof(struct fmt_header, version) == 8, "version");
_Static_assert(offsetof(struct fmt_header, header_size) == 12, "header_size");
_Static_assert(offsetof(struct fmt_header, segment_size) == 16, "segment_size");
_Static_assert(offsetof(struct fmt_header, compat) == 24, "compat");
_Static_assert(offsetof(struct fmt_header, rocompat) == 28, "rocompat");
_Static_assert(offsetof(struct fmt_header, incompat) == 32, "incompat");
_Static_assert(offsetof(struct fmt_header, flags) == 36, "flags");
_Static_assert(offsetof(struct fmt_header, create_time) == 40, "create_time");
_Static_assert(offsetof(struct fmt_header, creator_uid) == 48, "creator_uid");
_Static_assert(offsetof(struct fmt_header, proc_slots) == 52, "proc_slots");
_Static_assert(offsetof(struct fmt_header, dir_slots) == 56, "dir_slots");
_Static_assert(offsetof(struct fmt_header, proc_offset) == 60, "proc_offset");
_Static_assert(offsetof(struct fmt_header, dir_offset) == 64, "dir_offset");
_Static_assert(offsetof(struct fmt_header, sect_slots) == 68, "sect_slots");
_Static_assert(offsetof(struct fmt_header, checksum) == FMT_CHECKSUMMED,
               "checksum");
_Static_assert(offsetof(struct fmt_header, perm_size) == 72, "perm_size");
_Static_assert(offsetof(struct fmt_header, perm_dir_slots) == 80, "perm_dir");
_Static_assert(offsetof(struct fmt_header, perm_tag) == 84, "perm_tag");
_Static_assert(offsetof(struct fmt_header, init_state) == 96, "init_state");
_Static_assert(offsetof(struct fmt_header, state) == 128, "state");
_Static_assert(offsetof(struct fmt_header, failed_allocs) == 192, "stats");
_Static_assert(offsetof(struct fmt_header, resets) == 200, "resets");
_Static_assert(offsetof(struct fmt_header, high_water) == 208, "high_water");
_Static_assert(offsetof(struct fmt_header, last_reset) == 216, "last_reset");
_Static_assert(offsetof(struct fmt_header, trim_owner) == 224, "trim_owner");
_Static_assert(offsetof(struct fmt_header, dir_probe) == 232, "dir_probe");
_Static_assert(offsetof(struct fmt_header, perm_top) == 240, "perm_top");
_Static_assert(offsetof(struct fmt_header, perm_probe) == 248, "perm_probe");
_Static_assert(offsetof(struct fmt_header, epoch) == 256, "epoch");
_Static_assert(offsetof(struct fmt_header, grace) == 264, "grace");
/* arena.h's inline arena_section_enter() finds grace right after epoch. */
_Static_assert(offsetof(struct fmt_header, grace) ==
               offsetof(struct fmt_header, epoch) + 8, "grace follows epoch");
_Static_assert(offsetof(struct fmt_header, wake_seq) == 320, "wake_seq");
_Static_assert(offsetof(struct fmt_header, wake_waiters) == 324, "waiters");
_Static_assert(offsetof(struct fmt_header, grace_seq) == 328, "grace_seq");
_Static_assert(offsetof(struct fmt_header, procs_seq) == 332, "procs_seq");
_Static_assert(offsetof(struct fmt_header, procs_waiters) == 336, "pwaiters");
_Static_assert(offsetof(struct fmt_header, sect_owned) == 340, "sect_owned");
_Static_assert(sizeof(struct fmt_header) == FMT_TABLES, "header size");

/* State word and references: {generation:24 | offset:40}. */
#define FMT_OFF_BITS 40
#define FMT_OFF_MASK ((UINT64_C(1) << FMT_OFF_BITS) - 1)
#define FMT_GEN_MASK ((UINT64_C(1) << 24) - 1)
#define FMT_GEN(w)   ((w) >> FMT_OFF_BITS)
#define FMT_OFF(w)   ((w) & FMT_OFF_MASK)
#define FMT_WORD(g, o) (((uint64_t)(g) << FMT_OFF_BITS) | (uint64_t)(o))

/*
 * The epoch word announces resets: before a reset's compare-and-swap on the
 * state word it sets the epoch to {the generation it is about to start |
 * one more than the epoch's count}, with a compare-and-swap (a full
 * barrier).  A per-thread cache reads the epoch before taking a chunk,
 * keeps the chunk only if the epoch names the chunk's generation, and
 * then checks on every allocation that the epoch is unchanged: one load of
 * a word no allocation writes.  Generation and count together repeat only
 * after (2^24 - 1) * 2^40 resets.  A resetter that dies between the two
 * steps leaves the epoch one generation ahead: caches then allocate
 * directly from the state word until the next reset.
 */
#define FMT_EPOCH_COUNT(e) ((e) & FMT_OFF_MASK)

/*
 * A trimming reset holds the new generation with top 0 (an offset inside
 * the header, so never a real top) while it drops the region's pages:
 * allocations see a full arena, other resets see a trim in progress.
 */
#define FMT_TOP_TRIMMING 0

/*
 * Process table slot: one 64-bit word {pid:32 | start_time low 32 bits:32}
 * (start time: field 22 of /proc/PID/stat, in clock ticks since boot, 0
 * when unknown), for display.  The entry is live while an open-file-
 * description write lock (F_OFD_SETLK) is held on the slot's first byte of
 * the object (FMT_PROC_LOCK), by the handle's own open file description;
 * a word with no lock is dead, whatever its pid.  The word is claimed
 * (under the lock) and released with one compare-and-swap; 0 is free.
 */
#define FMT_PROC_SLOT   8u
#define FMT_PROC_LOCK(proc_offset, i) ((uint64_t)(proc_offset) + \
                                       (uint64_t)(i) * FMT_PROC_SLOT)
#define FMT_PROC_WORD(pid, st) (((uint64_t)(uint32_t)(pid) << 32) | (uint32_t)(st))
#define FMT_PROC_PID(w)   ((uint32_t)((w) >> 32))
#define FMT_PROC_START(w) ((uint32_t)(w))

/*
 * Directory slot: a tag, the bound reference, and the NUL-padded key.
 * Tag: {generation:24 | state:8 | low:32}; low is the key's hash, except in
 * a BUSY tag, where it is {claimant:16 | hash:16} (claimant: the process-
 * table slot of the publisher's handle).  A publisher claims a slot with one
 * compare-and-swap to BUSY, raises dir_probe to cover it, writes key and
 * reference, and makes it READY with a compare-and-swap (release order).
 *
 * Free (a publisher of generation G may claim it): tag 0, a DEAD tag, or a
 * READY tag of another generation.  A BUSY tag is never free, whatever its
 * generation: its publisher may still be writing the key (it stalled across
 * a reset).  It stays until its publisher completes it or the handle that
 * owned the claimant's process-table slot is gone: whoever takes that slot
 * next turns its claims DEAD.  A DEAD slot never matches a key.
 *
 * Since a slot may become free in the middle of a probe sequence (a stale
 * claim completing in its ended generation), a lookup does not stop at a
 * free slot: it looks at the first dir_probe slots of the sequence, the
 * longest any publisher of the current generation has used.
 */
struct fmt_dirent {
	uint64_t tag;   /* 0 */
	uint64_t ref;   /* 8 */
	char     key[32]; /* 16 */
};
_Static_assert(sizeof(struct fmt_dirent) == 48, "dirent size");
_Static_assert(offsetof(struct fmt_dirent, ref) == 8, "dirent ref");
_Static_assert(offsetof(struct fmt_dirent, key) == 16, "dirent key");

/* A key's hash: FNV-1a 32 over its bytes (no NUL).  Lookup and publish
 * probe linearly from slot hash % dir_slots (fmt_probe). */
static inline uint32_t fmt_key_hash(const char *key, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

/* fmt_probe -- the I-th slot (0 <= I < N) of the probe sequence of hash H
 * in a directory of N slots, with no intermediate wrap. */
static inline uint32_t fmt_probe(uint32_t h, uint32_t i, uint32_t n)
{
	uint64_t s = (uint64_t)(h % n) + i;

	return (uint32_t)(s >= n ? s - n : s);
}

#define FMT_DIR_BUSY  1u
#define FMT_DIR_READY 2u
#define FMT_DIR_DEAD  3u
#define FMT_DIR_TAG(g, st, h) (((uint64_t)(g) << 40) | ((uint64_t)(st) << 32) | (uint32_t)(h))
#define FMT_DIR_GEN(t)   ((t) >> 40)
#define FMT_DIR_STATE(t) ((unsigned)(((t) >> 32) & 0xff))
#define FMT_DIR_HASH(t)  ((uint32_t)(t))
/* The low word of a BUSY tag: claimant's process slot and hash low 16. */
#define FMT_DIR_BUSY_LOW(slot, h) (((uint32_t)(slot) << 16) | ((uint32_t)(h) & 0xffffu))
#define FMT_DIR_CLAIMANT(t) ((uint32_t)((t) >> 16) & 0xffffu)
#define FMT_DIR_HASH16(t)   ((uint32_t)(t) & 0xffffu)

/*
 * Section table: sect_slots entries of 64 bytes (one cache line each, so
 * that threads entering and leaving sections never share a line), from
 * FMT_SECT_OFFSET.  An entry belongs to one per-thread cache of one handle:
 * owner is that handle's process-table slot + 1 (0: free), tid the
 * thread's id for display, and word is 0 outside a section, else
 * {generation:24 | 1} (the generation the epoch named at entry).  An entry
 * whose owner's process slot is dead (no lock held) counts as free and
 * outside any section; whoever takes that process slot next frees them.
 *
 * A waiting reset of generation G sets grace to {G | its slot + 1} with a
 * compare-and-swap, runs membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), then
 * waits until no entry of a live owner is in a section.  A section's entry
 * is store(word) ; compiler barrier ; load(grace): the membarrier orders
 * the two in every registered reader, so each reader either is seen by the
 * scan or sees grace and backs out.  Readers that could not register fence.
 */
#define FMT_SECT_ENTRY  64u
#define FMT_SECT_OFFSET(dir_offset, dir_slots) \
	(((uint64_t)(dir_offset) + (uint64_t)(dir_slots) * 48u + 63u) & ~UINT64_C(63))
struct fmt_sect {
	uint32_t owner;   /* 0 process slot + 1, 0 free */
	uint32_t tid;     /* 4 display */
	uint64_t word;    /* 8 0, or {generation:24 | 1} */
	uint8_t  pad[48];
};
_Static_assert(sizeof(struct fmt_sect) == FMT_SECT_ENTRY, "sect size");
_Static_assert(offsetof(struct fmt_sect, word) == 8, "sect word");
#define FMT_SECT_IN(g)  (((uint64_t)(g) << 40) | 1u)
/*
 * The permanent part (optional): perm_size bytes right after the header,
 * [header_size, header_size + perm_size), allocated downwards from its end
 * by compare-and-swap on perm_top and never freed; the bump region is the
 * rest, [header_size + perm_size, segment_size).  References into the
 * part carry perm_tag, which no reset changes, so they never go stale.
 * The permanent directory (perm_dir_slots entries, the layout of the
 * directory's, after the section table) binds keys to such references;
 * its tags carry perm_tag as their generation, so no reset frees them.
 */
#define FMT_PERM_DIR_OFFSET(dir_offset, dir_slots, sect_slots) \
	(FMT_SECT_OFFSET(dir_offset, dir_slots) + (uint64_t)(sect_slots) * 64u)

#define FMT_GRACE(g, slot) (((uint64_t)(g) << 40) | ((uint64_t)(slot) + 1))
#define FMT_GRACE_SLOT(w)  ((uint32_t)((w) & 0xffffffu) - 1)  /* if w != 0 */
#define FMT_GRACE_GEN(w)   ((w) >> 40)

/*
 * Channels (arena_chan_create(3)): a message log that is one object of the
 * permanent part, bound to its key in the permanent directory, 4096-aligned.
 * The object: the control block (struct fmt_chan), the producer, receiver
 * and group tables (64 bytes an entry), the descriptor ring (slots entries
 * of 16 bytes, from desc_off) and the data ring (capacity bytes, from
 * data_off, page-aligned).  Positions are 32-bit and wrap: {seq:32 |
 * bpos:32} words hold a message's sequence number in the high half and a
 * byte position in 8-byte units in the low half.  The protocol is in
 * arena(7) and lib/chan.c.
 */
#define FMT_CHAN_MAGIC   UINT64_C(0x314e4148434e5241)   /* "ARNCHAN1" */
#define FMT_CHAN_VERSION 1u
#define FMT_CHAN_ID      56u    /* bytes the checksum covers */

struct fmt_chan {
	/* line 0: identity, written once before the key is bound */
	uint64_t magic;           /*   0 */
	uint32_t version;         /*   8 */
	uint32_t cb_size;         /*  12 bytes before the descriptor ring */
	uint32_t capacity;        /*  16 data ring bytes, power of two */
	uint32_t slots;           /*  20 descriptors, power of two */
	uint32_t max_msg;         /*  24 largest message, capacity / 4 */
	uint16_t producers;       /*  28 producer entries */
	uint16_t receivers;       /*  30 receiver entries */
	uint16_t groups;          /*  32 group entries */
	uint16_t pad0;            /*  34 */
	uint32_t desc_off;        /*  36 descriptor ring, from the object */
	uint32_t data_off;        /*  40 data ring, from the object */
	uint32_t pad1;            /*  44 */
	uint64_t total;           /*  48 object bytes */
	uint64_t checksum;        /*  56 FNV-1a 64 of bytes [0, 56) */
	/* line 1: the producers' word, alone */
	uint64_t tail;            /*  64 {seq | bpos} of the next claim */
	uint8_t  pad2[128 - 72];
	/* line 2: waiting, written only by those who sleep; gaps */
	uint32_t rx_seq;          /* 128 +1 by a commit that finds sleepers */
	uint32_t rx_waiters;      /* 132 receivers asleep on rx_seq */
	uint32_t tx_seq;          /* 136 +1 by a release that finds sleepers */
	uint32_t tx_waiters;      /* 140 producers asleep on tx_seq */
	uint64_t gaps;            /* 144 dead producers' claims skipped */
	uint8_t  pad3[192 - 152];
	/* line 3: for display */
	int64_t  create_time;     /* 192 seconds since the epoch */
	uint8_t  pad4[256 - 200];
};
_Static_assert(offsetof(struct fmt_chan, version) == 8, "chan version");
_Static_assert(offsetof(struct fmt_chan, capacity) == 16, "chan capacity");
_Static_assert(offsetof(struct fmt_chan, slots) == 20, "chan slots");
_Static_assert(offsetof(struct fmt_chan, max_msg) == 24, "chan max_msg");
_Static_assert(offsetof(struct fmt_chan, producers) == 28, "chan producers");
_Static_assert(offsetof(struct fmt_chan, groups) == 32, "chan groups");
_Static_assert(offsetof(struct fmt_chan, desc_off) == 36, "chan desc_off");
_Static_assert(offsetof(struct fmt_chan, data_off) == 40, "chan data_off");
_Static_assert(offsetof(struct fmt_chan, total) == 48, "chan total");
_Static_assert(offsetof(struct fmt_chan, checksum) == FMT_CHAN_ID, "chan sum");
_Static_assert(offsetof(struct fmt_chan, tail) == 64, "chan tail");
_Static_assert(offsetof(struct fmt_chan, rx_seq) == 128, "chan rx_seq");
_Static_assert(offsetof(struct fmt_chan, tx_waiters) == 140, "chan tx_w");
_Static_assert(offsetof(struct fmt_chan, gaps) == 144, "chan gaps");
_Static_assert(offsetof(struct fmt_chan, create_time) == 192, "chan time");
_Static_assert(sizeof(struct fmt_chan) == 256, "chan block size");

/* A producer's entry.  intent: {first seq:32 | count:32} of the claim it
 * is making or holds, count 0 for none; written before the claim's
 * compare-and-swap, cleared after its commit. */
struct fmt_chan_prod {
	uint32_t owner;           /*  0 process slot + 1, 0 free */
	uint32_t pid;             /*  4 display */
	uint64_t procw;           /*  8 the owner's process-table word */
	uint64_t intent;          /* 16 */
	uint64_t msgs;            /* 24 committed */
	uint64_t bytes;           /* 32 committed */
	uint64_t aborted;         /* 40 */
	uint8_t  pad[16];
};
/* A receiver's entry: a subscriber (group 0) or a member of group - 1. */
struct fmt_chan_recv {
	uint32_t owner;           /*  0 process slot + 1, 0 free */
	uint32_t pid;             /*  4 display */
	uint64_t procw;           /*  8 the owner's process-table word */
	uint64_t pos;             /* 16 subscriber: {seq | bpos} of the first
	                             message not released */
	uint64_t hold;            /* 24 member: {seq | bpos} of the first
	                             message held */
	uint32_t hold_n;          /* 32 member: messages held, 0 none;
	                             | FMT_CHAN_TAKING while taking */
	uint16_t group;           /* 36 group index + 1; 0 subscriber */
	uint16_t pad0;            /* 38 */
	uint64_t msgs;            /* 40 received */
	uint64_t gaps;            /* 48 dead claims skipped */
	uint8_t  pad[8];
};
/* A group: free while name[0] is 0. */
struct fmt_chan_group {
	uint64_t next;            /*  0 {seq | bpos} of the group's next message */
	uint64_t lost;            /*  8 messages members died holding */
	char     name[32];        /* 16 NUL-padded */
	uint8_t  pad[16];
};
/* A descriptor: committed for sequence s when the word's low half is s. */
struct fmt_chan_desc {
	uint64_t word;            /*  0 {len:32 | stamp:32}, written last */
	uint32_t pos;             /*  8 start bpos */
	uint16_t prod;            /* 12 producer index */
	uint16_t flags;           /* 14 FMT_CHAN_ABORTED */
};
_Static_assert(sizeof(struct fmt_chan_prod) == 64, "chan prod");
_Static_assert(offsetof(struct fmt_chan_prod, intent) == 16, "chan intent");
_Static_assert(sizeof(struct fmt_chan_recv) == 64, "chan recv");
_Static_assert(offsetof(struct fmt_chan_recv, pos) == 16, "chan pos");
_Static_assert(offsetof(struct fmt_chan_recv, hold_n) == 32, "chan hold_n");
_Static_assert(offsetof(struct fmt_chan_recv, msgs) == 40, "chan msgs");
_Static_assert(sizeof(struct fmt_chan_group) == 64, "chan group");
_Static_assert(offsetof(struct fmt_chan_group, name) == 16, "chan gname");
_Static_assert(sizeof(struct fmt_chan_desc) == 16, "chan desc");
_Static_assert(offsetof(struct fmt_chan_desc, pos) == 8, "chan desc pos");

#define FMT_CHAN_GAP      0xffffffffu   /* len of a dead claim, skipped */
/* hold_n of a member that is taking (not yet taken): the hold protects the
 * messages, but a member that dies so holds none of them. */
#define FMT_CHAN_TAKING   0x80000000u
#define FMT_CHAN_ABORTED  1u            /* desc flags: skipped */
#define FMT_CHAN_POS(seq, bpos) (((uint64_t)(uint32_t)(seq) << 32) | (uint32_t)(bpos))
#define FMT_CHAN_SEQ(w)   ((uint32_t)((w) >> 32))
#define FMT_CHAN_BPOS(w)  ((uint32_t)(w))
/* The byte of the segment locked (F_OFD_SETLKW) while a channel is
 * created: in the header's padding, no table's lock byte. */
#define FMT_CHAN_CREATE_LOCK 383u

#endif /* ARENA_FORMAT_H */
