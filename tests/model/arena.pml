/*
 * arena.pml - the libarena protocol, model-checked with spin (make model).
 *
 * What is modelled, and where it lives in the C code:
 *
 *   state           the 64-bit state word {generation:24 | top:40} at
 *                   header offset 128 (lib/format.h); here two variables
 *                   changed together inside one atomic step, which is what
 *                   one uatomic_cmpxchg() on the packed word does.
 *   allocator()     alloc_top() in lib/internal.h: read the word
 *                   (uatomic_read), compute the new top (one step: it is
 *                   private arithmetic), then compare-and-swap; retry on a
 *                   lost race, fail when the top would cross the floor.
 *   resetter()      arena_reset() in lib/alloc.c: the peer scan of
 *                   proc_scan() (lib/proc.c), slot by slot, reaping dead
 *                   entries with a compare-and-swap, refusing (EBUSY) on a
 *                   live peer unless forced; then one compare-and-swap to
 *                   {generation + 1 | full top}, or, with trim, to
 *                   {generation + 1 | floor}, the page drop (madvise), and a
 *                   second compare-and-swap that opens the space.
 *   chunk           an arena_local chunk (lib/local.c): the epoch word is
 *                   read first, then the chunk is taken like any
 *                   allocation and kept only if the epoch names its
 *                   generation (else given back at once); the inline fast
 *                   path's check is one read of the epoch; the unused tail
 *                   is given back with one compare-and-swap when the top
 *                   still sits at the chunk's floor in the same generation
 *                   (cache_drop).
 *   egen            the epoch word {generation | count} at header offset
 *                   256: a resetter announces the generation it is about
 *                   to start (one compare-and-swap) before its
 *                   compare-and-swap on the state word, and may be killed
 *                   between the two.  The count is left out: it only
 *                   tells apart announcements of one generation 2^24 - 1
 *                   resets apart, and the model never wraps (keeping it
 *                   multiplies the states by four).
 *   slot[]          the process table (one word per handle: pid and start
 *                   time; here a process number, 0 free).  proc_register()
 *                   claims a free or dead slot with a compare-and-swap,
 *                   proc_release() frees it with one; a killed process
 *                   leaves its word behind, to be reaped.
 *   owner[], ogen[] ghost state: which process holds each byte (cell) of
 *                   the region, and in which generation.  Not in the C
 *                   code: it is what the properties speak of.
 *
 * Properties checked (assertions; spin -a, then ./pan, exhaustive):
 *   P1 no overlap: a successful allocation only takes cells that no
 *      allocation of the same generation holds.
 *   P2 no straddling, no ABA: an allocation whose reading of the state
 *      predates a reset cannot succeed; every success is tagged with the
 *      generation that is current at its compare-and-swap.
 *   P3 trim never drops a cell that an allocation of the new generation,
 *      or of any newer one, holds, even with a second resetter (forced or
 *      not) running and the trimmer killed at any step.
 *   P4 an unforced reset never proceeds while a peer that was attached and
 *      alive for the whole scan is still attached and alive.
 *   P5 every allocation stays inside [FLOOR, TOP).
 *   P6 a per-thread cache whose epoch check passes holds a chunk of the
 *      current generation: no cache hands out memory of an ended one.
 *
 * Three small configurations (make model checks them all): 2 allocating
 * peers and 1 resetter; 1 peer and 2 resetters; and, with the epoch word
 * and the caches' use of it (EPOCH, P6), 1 peer and 2 resetters (with 2
 * peers as well the states outgrow a CI run).  Peers may be killed at any
 * step, resetters in a trim; each resetter is forced or not, trims or not,
 * chosen nondeterministically; the region has TOP - FLOOR cells.  The
 * trim lock (trim_lock() and the hold check in arena_reset(), lib/alloc.c)
 * is the compare-and-swap on trim_owner; a top of HELD is
 * FMT_TOP_TRIMMING.  The generation is not wrapped here: in C it
 * wraps after 2^24 - 1 resets (arena(7)), far beyond any model.
 *
 * With SECTIONS, a second model (at the end of this file): read-side
 * sections, the waiting reset and the generation wait (issue 9,
 * notes/sections-design.md; lib/section.c).  Allocation itself is left to
 * the model above: here memory is its generation.
 *
 *   reader()        a thread with a per-thread cache and an entry of the
 *                   section table (its slot).  Enter: e = load(epoch);
 *                   store(word, 1); compiler barrier; load(grace); if set,
 *                   store(word, 0), kick the resetter, wait (futex on
 *                   wake_seq, counted in wake_waiters, bounded sleeps)
 *                   until grace is 0 or names a dead resetter, which it
 *                   then clears, and retry; then load(epoch) again and
 *                   retry if it moved.  Inside: one allocation through
 *                   the cache (the fast path trusts a chunk whose
 *                   generation is the entered e, with no load of the
 *                   state word; a refill keeps a chunk only if the epoch
 *                   names its generation), and a read.  Leave: store(word,
 *                   0); compiler barrier; if grace is set, grace_seq += 1
 *                   and FUTEX_WAKE.
 *   store buffers   a reader's plain stores to its word are buffered
 *                   (pend[], bufv[]) and drain at any later time (env),
 *                   at a locked instruction of the reader, and when it
 *                   dies: its loads may pass its stores, as on x86-64
 *                   (TSO).  Loads are not reordered with loads (see
 *                   LOADREORDER below), the resetter and the waiter are
 *                   sequentially consistent (locked instructions, full
 *                   barriers).
 *   resetter()      arena_reset_wait(): CAS grace 0 -> {G | me};
 *                   membarrier(GLOBAL_EXPEDITED), a full barrier in every
 *                   reader at one point in time, i.e. all store buffers
 *                   drain at once; then f = grace_seq, scan (a slot counts
 *                   if its word is set and its owner live), futex_wait on
 *                   grace_seq with polling sleeps; announce the epoch, CAS
 *                   the state word to G + 1, clear grace, wake_seq += 1,
 *                   FUTEX_WAKE if wake_waiters.  A finite timeout or none,
 *                   chosen at the start: with one it may give up whenever
 *                   it sleeps (CAS grace back to 0, wake_seq += 1, wake).
 *   waiter()        (GENWAIT) arena_wait_generation(), no timeout:
 *                   wake_waiters += 1; loop { s = wake_seq; full barrier;
 *                   generation moved? ; futex_wait(wake_seq, s) in
 *                   bounded sleeps }.
 *   newcomer        (TAKEOVER) a second process that takes over slot 1 once
 *                   its owner is dead (CAS owner), clears the word the dead
 *                   owner may have left set and kicks a pending reset as
 *                   a leave does, then has a section or none, and stays
 *                   attached outside any section for good.
 *   env             kills readers, the newcomer and the resetter at any
 *                   step (a kill drains the victim's store buffer; its
 *                   word may stay set; liveness, the OFD lock, is alive[]),
 *                   drains store buffers, and may stop killing.
 *   sleeps          a futex sleep ends with a FUTEX_WAKE, or when its
 *                   bounded (polling) sleep runs out; the latter is
 *                   modelled only after a death since the sleeper's last
 *                   check (a wake-up that may never come), so that a lost
 *                   wake-up among live processes shows as a process asleep
 *                   for good rather than as a poll interval's delay.
 *
 * Properties (assertions; at the end, when nothing can move any more,
 * init's checks, plus spin's invalid end states):
 *   S1 a reader inside its section sees only memory of the generation it
 *      entered: the chunk its cache trusts, a chunk it takes, and what it
 *      reads before leaving are all of the generation current when its
 *      enter took effect (and, from the resetter's side, the state word
 *      never moves while a live reader is inside).
 *   S2 a reset never waits for a dead section: a reset with no timeout
 *      whose resetter lives has completed when nothing can move, whatever
 *      died in a section (or left a word set in a slot taken over).
 *   S3 after a timed-out reset nothing has changed: generation and epoch
 *      as before, grace clear.
 *   S4 no lost wake-up: the generation waiter is never left asleep after
 *      the generation moved, even when the resetter dies in between.
 *   and no reader is left waiting for good (behind a dead resetter's grace
 *   word, or a wake-up that never comes).
 *
 * Configurations (make model): SECTIONS,NR=2 (two readers, one section
 * each); SECTIONS,NR=1,NSECT=2 (a cache kept across two sections);
 * the same with GENWAIT; SECTIONS,NR=1,TAKEOVER.  Each has one waiting
 * resetter and one reset (two readers of two sections each take about 47
 * million states, too many for a CI run).  Not modelled: a second
 * resetter taking over a dead one's grace word (grace_begin()), a claim
 * of a free slot, ordering of the section's data accesses (the second
 * membarrier of lib/section.c), forced and plain resets.
 *
 * Mutations (make model checks that spin finds each; see MODEL_MUTANTS in
 * the Makefile): NOMB (no membarrier: S1), NORECHECK (no second epoch load:
 * a reset that ended between the first load and the grace load leaves
 * the cache trusting the old generation, S1), LOADREORDER (the second epoch
 * load passes the grace load, as a weakly ordered CPU may without an
 * acquire: S1), DEADCOUNT (the scan counts dead owners: S2), NOCLEAR
 * (readers do not clear a dead resetter's grace word: readers stuck),
 * NOREG (readers waiting on enter are not counted in wake_waiters: stuck,
 * the completed reset does not wake them), NOKICK (leave does not kick:
 * S2), NOBACKOUT (the slow path waits with its word set: reader and
 * resetter wait for each other), NOTAKECLEAR (a takeover leaves the dead
 * owner's word set: S2), TAKENOKICK (it clears the word but does not kick a
 * reset that counted it: S2), LATESEQ (the waiter reads wake_seq after its
 * check of the generation: S4), WAITFULL (the waiter sleeps unbounded, as
 * the design note had it: a resetter killed between its CAS and its wake
 * leaves it asleep, S4).
 */

#ifndef SECTIONS

#define FLOOR   1
#define TOP     6
#define HELD    0        /* FMT_TOP_TRIMMING: a trim holds the generation */
#ifndef NPEERS
#define NPEERS  2        /* allocating peers */
#endif
#ifndef NRESET
#define NRESET  1        /* resetters */
#endif
#define NSLOTS  3
#define NALLOC  2        /* allocations per peer */
#define NPROC   (NPEERS + NRESET + 1)

byte gen = 1;            /* state word: generation */
byte top = TOP;          /*             top */
byte trim_owner = 0;     /* header word trim_owner: 0 none */
byte egen = 1;           /* epoch word: announced generation */

byte slot[NSLOTS];       /* process table: 0 free, else process number */
bool alive[NPROC];       /* indexed by process number */
bool attached[NPROC];
byte session[NPROC];     /* ghost: attach count, to tell sessions apart */

byte owner[TOP];         /* ghost: process holding a cell, 0 none */
byte ogen[TOP];          /* ghost: generation of that holding */

/* A peer: attach, allocate up to NALLOC objects of 1 or 2 cells, detach;
 * it may be killed between any two steps (then it stays in slot[]). */
proctype allocator(byte me)
{
	byte i, g, t, nt, size, c, n = 0, sg;
	bool chunk;

	/* proc_register(): claim a free or dead slot */
	i = 0;
	do
	:: i < NSLOTS ->
		atomic {
			if
			:: slot[i] == 0 || !alive[slot[i]] ->
				slot[i] = me; attached[me] = true;
				session[me]++; break
			:: else -> skip
			fi
		}
		i++
	:: i >= NSLOTS -> goto done   /* EUSERS: table full */
	od;

	do
	:: n < NALLOC ->
		if
		:: size = 1; chunk = false
		:: size = 2; chunk = false
		:: size = 2; chunk = true   /* an arena_local chunk */
		fi;
		if
#ifdef EPOCH
		:: chunk -> sg = egen                   /* the stamp first */
#endif
		:: else -> skip
		fi;
retry:
		atomic { g = gen; t = top }                 /* uatomic_read */
		if
		:: t - FLOOR < size -> goto failed           /* ENOMEM */
		:: else -> nt = t - size
		fi;
		atomic {                                     /* uatomic_cmpxchg */
			if
			:: gen == g && top == t ->
				top = nt;
				/* P2: the reference carries the current generation */
				assert(g == gen);
				c = nt;
				do
				:: c < t ->
					/* P5 */
					assert(c >= FLOOR && c < TOP);
					/* P1 */
					assert(owner[c] == 0 || ogen[c] != g);
					owner[c] = me; ogen[c] = g; c++
				:: else -> break
				od
			:: else -> goto retry
			fi
		}
		/* arena_local: use the chunk's upper cell, then give the unused
		 * lower cell back (cache_drop in lib/local.c) if nothing was
		 * allocated after the chunk: top still at its floor. */
		if
#ifdef EPOCH
		:: chunk && g != sg ->
			/* a reset is under way: give the chunk back, allocate
			 * directly (not modelled) */
			atomic {
				if
				:: gen == g && top == nt ->
					top = t; owner[nt] = 0; owner[nt + 1] = 0
				:: else -> skip
				fi
			}
		:: chunk && g == sg ->
			/* the fast path, at any later time (P6), then the tail
			 * given back; one step, which keeps the state space
			 * small and still lets any reset come between the chunk
			 * and its use */
			atomic {
				if
				:: egen == sg -> assert(gen == g)
				:: else -> skip     /* a refill drops the chunk */
				fi;
				if
				:: gen == g && top == nt ->
					top = nt + 1; owner[nt] = 0
				:: else -> skip
				fi
			}
#else
		:: chunk ->
			atomic {
				if
				:: gen == g && top == nt ->
					top = nt + 1; owner[nt] = 0
				:: else -> skip
				fi
			}
#endif
		:: else -> skip
		fi;
failed:
		sg = 0;     /* dead from here: keeps the states few */
		n++
	:: n < NALLOC -> atomic { alive[me] = false }; goto done  /* SIGKILL */
	:: n >= NALLOC -> break
	od;
	/* proc_release(): free our own slot with a compare-and-swap */
	i = 0;
	do
	:: i < NSLOTS ->
		atomic {
			if
			:: slot[i] == me -> slot[i] = 0; attached[me] = false; break
			:: else -> skip
			fi
		}
		i++
	:: i >= NSLOTS -> break
	od;
	alive[me] = false;
done:
	skip
}

/* A resetter: process number ME > NPEERS, not in the process table.  It
 * may be killed at any step of a trim. */
proctype resetter(byte me)
{
	bool force, trim, busy = false;
	byte i, w, g, t, c, p;
	byte snap[NPROC];
	bool live0[NPROC];

	if
	:: force = true
	:: force = false
	fi;
	if
	:: trim = true
	:: trim = false
	fi;
	/* ghost: who is attached and alive as the scan begins */
	atomic {
		p = 1;
		do
		:: p <= NPEERS ->
			live0[p] = alive[p] && attached[p]; snap[p] = session[p]; p++
		:: else -> break
		od
	}
	/* proc_scan(): one slot at a time, reaping the dead */
	i = 0;
	do
	:: !force && i < NSLOTS ->
		w = slot[i];                                 /* uatomic_read */
		if
		:: w != 0 && !alive[w] ->
			atomic { if :: slot[i] == w -> slot[i] = 0 :: else -> skip fi }
		:: w != 0 && alive[w] -> busy = true
		:: else -> skip
		fi;
		i++
	:: force || i >= NSLOTS -> break
	od;
	if
	:: busy -> goto out                              /* EBUSY */
	:: else -> skip
	fi;
	/* trim_lock(): one trimmer at a time, a dead one is taken over */
	if
	:: trim ->
		atomic {
			if
			:: trim_owner == 0 || !alive[trim_owner] -> trim_owner = me
			:: else -> goto out                      /* EBUSY */
			fi
		}
	:: else -> skip
	fi;
	/* P4: no peer attached and alive since the scan began is still so */
	atomic {
		p = 1;
		do
		:: p <= NPEERS ->
			assert(force || !(live0[p] && alive[p] && attached[p] &&
			                  session[p] == snap[p]));
			p++
		:: else -> break
		od
	}
again:
	atomic { g = gen; t = top };
	/* a reset meeting a live trimmer's hold is refused */
	if
	:: !trim && t == HELD && trim_owner != 0 && alive[trim_owner] -> goto out
	:: else -> skip
	fi;
#ifdef EPOCH
	egen = g + 1;                                    /* announce() */
	/* killed between the announcement and the reset */
	if
	:: atomic { alive[me] = false }; goto out
	:: skip
	fi;
#endif
	atomic {
		if
		:: gen == g && top == t ->
			gen = g + 1;
			if
			:: trim -> top = HELD
			:: else -> top = TOP
			fi
		:: else -> goto again
		fi
	}
	if
	:: trim ->
		/* killed before the drop: the hold stays for another to take over */
		if
		:: atomic { alive[me] = false }; goto out
		:: skip
		fi;
		/* the page drop: no cell may belong to the new generation, nor
		 * to any newer one (P3) */
		c = FLOOR;
		do
		:: c < TOP -> assert(owner[c] == 0 || ogen[c] <= g); c++
		:: else -> break
		od;
		atomic { if :: gen == g + 1 && top == HELD -> top = TOP :: else -> skip fi };
		atomic { if :: trim_owner == me -> trim_owner = 0 :: else -> skip fi }
	:: else -> skip
	fi;
out:
	skip
}

init {
	byte k;

	atomic {
		k = 1;
		do
		:: k <= NPEERS -> alive[k] = true; run allocator(k); k++
		:: k > NPEERS && k < NPROC -> alive[k] = true; run resetter(k); k++
		:: k >= NPROC -> break
		od
	}
}

#endif /* !SECTIONS */

#ifdef SECTIONS
/*
 * Read-side sections, the waiting reset and the generation wait (issue 9;
 * the protocol of notes/sections-design.md).  What is shown is in the
 * comment at the top; this is the model itself.
 */
#ifndef NR
#define NR      2        /* readers: processes 1..NR, in section slots 1..NR */
#endif
#ifndef NSECT
#define NSECT   1        /* sections of reader 1 */
#endif
#ifndef NSECT2
#define NSECT2  1        /* sections of the other readers */
#endif
#define RS      (NR + 1) /* the resetter's process number */
#define WT      (NR + 2) /* the generation waiter's (GENWAIT) */
#define NEW     (NR + 3) /* a reader taking over slot 1 from a dead owner
                          * (TAKEOVER) */
#define NP      (NR + 4)

byte gen = 1;            /* state word: generation */
byte egen = 1;           /* epoch word: announced generation */
byte grace = 0;          /* grace word: 0, or the resetter's process number
                          * (its generation field adds nothing: one reset) */
byte grace_seq = 0;      /* futex word: +1 by a leave under a pending reset */
byte wake_seq = 0;       /* futex word: +1 by every end of a reset */
byte wake_waiters = 0;   /* sleepers (to be) on wake_seq */

byte sowner[NR + 1];     /* section slot owner: a process number */
bit word[NR + 1];        /* section words, as the resetter's scan sees them */
bit pend[NR + 1];        /* the owner's store to the word not yet visible */
bit bufv[NR + 1];        /* ... and its value: the store buffer */

bool alive[NP];          /* the kernel's view (the OFD lock is held) */
bool rsleep;             /* the resetter is asleep on grace_seq */
bool wsleep[NP];         /* readers and the waiter asleep on wake_seq */

/* ghost state, for the properties */
bool insec[NP];          /* reader inside its section */
byte ingen[NP];          /* the generation current when it got in */
byte deaths = 0;         /* kills so far: what a bounded sleep notices */
bool kills = true;       /* env may still kill */
bool rdone = false;      /* the resetter returned (reset done, or timed out) */
bool rtimed;             /* ... and had a finite timeout */
byte wg0 = 0;            /* the generation the waiter waits to move past */

/* A plain store by a slot's owner to its word goes to the owner's store
 * buffer; a store still buffered is made visible first (two stores to one
 * word leave the buffer in order). */
inline wstore(sl, v) {
	if
	:: pend[sl] -> word[sl] = bufv[sl]
	:: else -> skip
	fi;
	pend[sl] = 1; bufv[sl] = v
}
/* The buffer drains: at any time (env), by a locked instruction of the
 * owner, by the membarrier, when the owner is killed. */
inline flush(sl) {
	if
	:: pend[sl] -> word[sl] = bufv[sl]; pend[sl] = 0
	:: else -> skip
	fi
}
/* FUTEX_WAKE(wake_seq, INT_MAX) */
inline wake_all() {
	k = 1;
	do
	:: k < NP -> wsleep[k] = false; k++
	:: else -> break
	od;
	k = 0
}
/* The tail of leave: if a reset is pending, grace_seq += 1 (a locked
 * instruction: drains the buffer) and FUTEX_WAKE(grace_seq).  One step:
 * futex_wait compares and sleeps atomically, so splitting it adds no
 * outcome. */
inline tell_resetter() {
#ifndef NOKICK
	atomic {
		if
		:: grace != 0 -> flush(sl); grace_seq++; rsleep = false
		:: else -> skip
		fi
	}
#else
	skip
#endif
}

/*
 * A reader: process ME in section slot SL, NS sections; in each, one
 * allocation through its per-thread cache (kept from section to section)
 * and a read of it.  Killed at any step.
 */
proctype reader(byte me; byte sl; byte ns)
{
	byte eg, cg = 0, s, d, n = 0;
#ifdef LOADREORDER
	byte e2;
#define EPOCH2  e2       /* loaded before the grace word (see below) */
#else
#define EPOCH2  egen     /* the epoch word loaded again */
#endif

	{
#ifdef TAKEOVER
	if
	:: me == NEW ->
		/* take over the slot of a dead owner (CAS owner), whose word
		 * may still be set: clear it, as a leave does */
		atomic { !alive[sowner[sl]] -> sowner[sl] = me };
#ifndef NOTAKECLEAR
		atomic { wstore(sl, 0) };
#ifndef TAKENOKICK
		tell_resetter()
#endif
#endif
		skip
	:: else
	fi;
#endif
	do
	:: n < ns ->
enter:
		eg = egen;                       /* the generation to enter */
		atomic { wstore(sl, 1) };        /* word = {eg | 1} */
		/* a compiler barrier only: the load may pass the store */
#ifdef LOADREORDER
		/* on a CPU that reorders loads, with no acquire on the grace
		 * load: the second epoch load is done before it */
		e2 = egen;
#endif
		if
#ifndef NOBACKOUT
		:: atomic { grace != 0 -> wstore(sl, 0) } ->
			/* slow path: out again, tell the resetter, wait until
			 * the grace word clears, retry */
			tell_resetter();
#else
		:: grace != 0 ->         /* waits with its word still set */
#endif
#ifndef NOREG
			atomic { flush(sl); wake_waiters++ };
#endif
			do
			:: atomic { grace == 0 -> break }
#ifndef NOCLEAR
			:: atomic {              /* a dead resetter: clear */
				grace != 0 && !alive[grace] -> grace = 0 }
#endif
			:: atomic {
				/* s = wake_seq; full barrier; grace still set
				 * (and its owner live); futex_wait(wake_seq, s) */
#ifdef NOCLEAR
				grace != 0 ->
#else
				grace != 0 && alive[grace] ->
#endif
				s = wake_seq; d = deaths;
				wsleep[me] = true
			   };
				if
				:: !wsleep[me]                   /* FUTEX_WAKE */
				/* the bounded sleep runs out: matters only when
				 * a process died since the check (its wake-up
				 * may never come); at other times it is a
				 * spurious return the loop absorbs */
				:: atomic { wsleep[me] && deaths != d ->
					wsleep[me] = false }
				fi;
				s = 0; d = 0
			od;
#ifndef NOREG
			atomic { wake_waiters-- };
#endif
			goto enter
#ifdef NORECHECK
		:: else -> atomic { insec[me] = true; ingen[me] = gen }
#else
		:: else
		fi;
		/* a reset may have ended since eg was read: look again */
		if
		:: EPOCH2 != eg ->
			atomic { wstore(sl, 0) };
			tell_resetter();
			goto enter
		:: atomic { EPOCH2 == eg -> insec[me] = true; ingen[me] = gen }
#endif
		fi;
		/* inside: one allocation */
		if
		:: cg == eg ->
			/* the cache's fast path: its chunk is taken to be of
			 * the entered generation, no load of the state word */
			assert(cg == ingen[me])                        /* S1 */
		:: else ->
			/* refill: the epoch first, then a chunk taken at the
			 * state word's generation, kept if the two agree */
			atomic {
				cg = gen;
				assert(cg == ingen[me]);               /* S1 */
				if
				:: egen != cg -> cg = 0
				:: else -> skip
				fi
			}
		fi;
		/* a read of that memory, then leave: the memory is still of
		 * the entered generation (the generation only grows, so this
		 * covers the whole section) */
		atomic {
			assert(gen == ingen[me]);                      /* S1 */
			insec[me] = false; wstore(sl, 0)
		};
		tell_resetter();
		eg = 0;
		n++
#ifdef TAKEOVER
	:: me == NEW -> break            /* it may also never enter one */
#endif
	:: else -> break
	od;
#ifdef TAKEOVER
	if
	:: me == NEW ->
		/* stays attached, outside any section, for good: it must not
		 * hold a reset off (nor the dead owner's word through it) */
end_idle:	false
	:: else
	fi;
#endif
	atomic { flush(sl); alive[me] = false }      /* detach, exit */
	} unless { !alive[me] }
}

/*
 * The waiting reset, with a finite timeout or none (chosen at the start).
 * Killed at any step.
 */
proctype resetter()
{
	byte G, e0, f, d0, k;
	bool busy;

	{
	/* CAS grace 0 -> {G | me} (it is 0: one resetter) */
	if
	:: atomic { rtimed = true; G = gen; e0 = egen; grace = RS }
	:: atomic { rtimed = false; G = gen; e0 = egen; grace = RS }
	fi;
#ifndef NOMB
	/* membarrier(GLOBAL_EXPEDITED): a full barrier in every reader at one
	 * point in time: what each has stored is visible from here on */
	atomic {
		k = 1;
		do
		:: k <= NR -> flush(k); k++
		:: else -> break
		od;
		k = 0
	};
#endif
scan:
	atomic { f = grace_seq; d0 = deaths };      /* then a full barrier */
	/* slot by slot: the word, and if set, whether its owner is live */
#ifdef DEADCOUNT
	busy = word[1];
#if NR > 1
	busy = busy || word[2];
#endif
#else
	busy = word[1] && alive[sowner[1]];
#if NR > 1
	busy = busy || (word[2] && alive[sowner[2]]);
#endif
#endif
	if
	:: !busy -> goto reset
	:: else ->
		atomic {                 /* futex_wait(grace_seq, f) */
			if
			:: grace_seq == f -> rsleep = true
			:: else -> skip
			fi
		};
		if
		:: !rsleep                               /* FUTEX_WAKE */
		/* the polling sleep runs out: matters only when a process died
		 * since the scan (a dead section sends no wake-up) */
		:: atomic { deaths != d0 -> rsleep = false }
		/* the timeout runs out */
		:: atomic { rtimed -> rsleep = false }; goto giveup
		fi;
		f = 0; d0 = 0; busy = false;
		goto scan
	fi;
reset:
	egen = G + 1;                                /* announce */
	atomic {                                     /* CAS the state word */
		/* S1 from the resetter's side: no live reader is inside */
		k = 1;
		do
		:: k < NP -> assert(!(alive[k] && insec[k])); k++
		:: else -> break
		od;
		k = 0;
		gen = G + 1
	};
	grace = 0;
	atomic {                 /* wake_seq += 1; FUTEX_WAKE if waiters */
		wake_seq++;
		if
		:: wake_waiters != 0 -> wake_all()
		:: else -> skip
		fi
	};
	rdone = true;
	goto out;
giveup:
	atomic {                 /* CAS grace {G | me} -> 0 */
		if
		:: grace == RS -> grace = 0
		:: else -> skip
		fi;
		assert(gen == G && egen == e0 && grace == 0)   /* S3 */
	};
	atomic { wake_seq++; wake_all() };
	rdone = true;
out:
	skip
	} unless { !alive[RS] }
}

/*
 * A producer that got ENOMEM sleeps until the generation moves
 * (arena_wait_generation, here with no timeout).  Not killed: its death
 * ends its wait.
 */
proctype waiter()
{
	byte s, d;

	wg0 = gen;
	atomic { wake_waiters++ };
	do
	::
#ifndef LATESEQ
		atomic { s = wake_seq; d = deaths }  /* then a full barrier */
#else
		d = deaths
#endif
		;
		if
		:: gen != wg0 -> break
		:: else ->
#ifdef LATESEQ
			s = wake_seq;     /* read after the check (wrong) */
#endif
			atomic {          /* futex_wait(wake_seq, s) */
				if
				:: wake_seq == s -> wsleep[WT] = true
				:: else -> skip
				fi
			};
			/* the generation may never move (the reset timed out or
			 * died before its CAS): asleep here is a valid end,
			 * unless it moved (checked at the end: S4) */
end_asleep:		if
			:: !wsleep[WT]                       /* FUTEX_WAKE */
#ifndef WAITFULL
			/* bounded sleeps, the state word checked after each */
			:: atomic { wsleep[WT] && deaths != d ->
				wsleep[WT] = false }
#endif
			fi;
			s = 0; d = 0
		fi
	od;
	atomic { wake_waiters-- }
}

/* The rest of the world: store buffers drain, processes are killed (their
 * buffers drain as they die), until it stops killing. */
proctype env()
{
end:
	do
	:: atomic { pend[1] -> flush(1) }
#if NR > 1
	:: atomic { pend[2] -> flush(2) }
#endif
	:: atomic { kills && alive[1] -> flush(1); alive[1] = false; deaths++ }
#if NR > 1
	:: atomic { kills && alive[2] -> flush(2); alive[2] = false; deaths++ }
#endif
#ifdef TAKEOVER
	:: atomic { kills && alive[NEW] -> flush(1); alive[NEW] = false;
		deaths++ }
#endif
	:: atomic { kills && alive[RS] -> alive[RS] = false; deaths++ }
	:: atomic { kills -> kills = false }
	od
}

init {
	byte k;

	atomic {
		alive[1] = true; sowner[1] = 1; run reader(1, 1, NSECT);
#if NR > 1
		alive[2] = true; sowner[2] = 2; run reader(2, 2, NSECT2);
#endif
		alive[RS] = true; run resetter();
#ifdef GENWAIT
		alive[WT] = true; run waiter();
#endif
#ifdef TAKEOVER
		alive[NEW] = true; run reader(NEW, 1, NSECT2);
#endif
		run env()
	};
	/* nothing can move any more: no one is left waiting who should not
	 * be (a process blocked elsewhere is also an invalid end state) */
	timeout ->
	assert(!alive[RS] || rdone);                   /* S2 */
	assert(!(wsleep[WT] && gen != wg0));           /* S4 */
	/* readers got through (the newcomer idles at end_idle, or is stuck
	 * elsewhere: an invalid end state) */
	assert(!alive[1])
#if NR > 1
	; assert(!alive[2])
#endif
}
#endif /* SECTIONS */
