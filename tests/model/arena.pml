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
 */

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
