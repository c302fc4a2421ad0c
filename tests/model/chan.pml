/*
 * chan.pml - the channel protocol (issue 10, notes/chan-design.md),
 * model-checked with spin (make model).
 *
 * What is modelled:
 *   tail            {seq | bpos}: one word, read and CASed in one step.
 *                   Positions are in units (Promela bytes); seq
 *                   arithmetic is modulo 256 (the 2^32 of the C code), so
 *                   stamps of the previous lap are real values (index i
 *                   starts with stamp i - SLOTS).
 *   descriptors     SLOTS of them: word {len | stamp} (one step), pos.
 *                   len GAP: a gap, ABRT: an abort.
 *   data            CAP cells (the ring in 8-byte units); a message of len
 *                   units occupies len cells; its payload is its id
 *                   (producer, counter) in every cell.  A frame that would
 *                   cross the ring's end starts at the next lap.
 *   producer()      claim: read tail, space against a cached floor (the
 *                   scan is run only when the cached floor says full:
 *                   tail first, then the group's next, then each receiver
 *                   entry, one step each), intent {seq|1}, CAS tail; write
 *                   the payload; commit: desc.pos, then desc.word, then
 *                   intent 0; load rx_waiters, wake if set.  Full: sleep
 *                   for space (tx_waiters++, membarrier, re-check, futex).
 *   receiver()      a subscriber, a late-joining subscriber (JOIN) or a
 *                   group member (GROUP).  recv: release what is held
 *                   (pos store, or hold_n = 0; then a load of tx_waiters,
 *                   wake if set); load desc[r].word; committed: read pos,
 *                   validate, read the payload; gap/abort: skip; not
 *                   committed: stuck-check (tail; scan of live producers'
 *                   intents; CAS of the old stamp to a gap), else sleep
 *                   (rx_waiters++, membarrier, v = rx_seq, re-check, futex).
 *                   A member takes: next; desc committed; hold = {r|pos},
 *                   hold_n = 1; CAS next {r|b} -> {r+1|end}.  A gap: CAS
 *                   next {r|b} -> {r+1|b}.
 *                   The application uses a message until its next recv: the
 *                   payload is read when handed out and read again at the
 *                   release (an overwrite in between is seen).
 *   store buffers   (x86-64 TSO, as in arena.pml) a producer's stores of the
 *                   descriptor word and the intent clear, and a receiver's
 *                   release store, are buffered: the load of rx_waiters
 *                   (tx_waiters) that follows may pass them.  They drain at
 *                   any time (env), at a locked instruction of their owner,
 *                   at the membarrier (all of one side at once), at death.
 *   steps           the stuck-check's tail read and intent scan are one
 *                   step (a live claimer's intent is set from before its
 *                   CAS until its word is visible, so their order adds no
 *                   outcome); so are rx_waiters++ with the membarrier, and
 *                   v = rx_seq with the re-check; other shared accesses
 *                   are a step each.
 *   liveness        alive[] (the process-slot lock); env kills any producer
 *                   or receiver at any step (at most NKILL of them).  A
 *                   sleep ends by a wake or, after a death since the
 *                   sleeper's check, by its poll running out (a lost
 *                   wake-up among live processes shows as a sleeper for
 *                   good, not a poll interval's delay).
 *   floor           min over live entries; a subscriber counts with pos, a
 *                   member with hold (if hold_n) and makes the group count
 *                   with next.  A live entry further from the tail than
 *                   SLOTS/CAP is what the note calls a scribble (EBADMSG).
 *
 * Deviations from the C sizes: SLOTS = 2, CAP = 4 units, messages of 1 or
 * 2 units (max_msg is capacity/4 in C: here capacity/2, so that frames
 * cross the ring's end with one or two producers).
 *
 * Properties (assertions; the names are what make model greps for):
 *   pay_ok   a message's payload, read when it is handed out and again at
 *            its release, is what its producer committed for that seq: no
 *            claim overwrites data or a descriptor a live receiver can
 *            still read, no stale stamp reads as committed.
 *   ord_ok   per subscriber (and per member) producer order, which also
 *            rules out duplicates; within a group, no message twice.
 *   gap_ok   a receiver only marks a gap over the claim of a dead producer.
 *   no_ebad  (assert(!ebad)) no peer following the protocol makes a call
 *            fail with EBADMSG (the scribble checks of floor scan and recv).
 *   at the end (init, when nothing can move):
 *   wake_ok  no receiver asleep while its next message is committed.
 *   prod_ok  every live producer sent all its messages (none is stuck for
 *            space for good).
 *   rx_ok    every live receiver reached the tail: a dead claim never
 *            blocks it for good.
 *   cnt_ok   every live subscriber got every committed message from its
 *            start (only dead producers' claims are missing); a group got
 *            every committed message once, or counted it lost.
 *
 *   The end checks run when nothing can move (init's timeout); spin's
 *   invalid end states catch any other process stuck.
 *
 * Sleeps: a futex sleep ends with a FUTEX_WAKE or, when its poll runs out;
 * the poll is modelled only after a death since the sleeper's check, or
 * (receivers) after an intent was withdrawn with no commit (ichg: a failed
 * CAS's stale intent rewritten or cleared), the one case where the note's
 * protocol relies on the poll by design.  Anywhere else a sleeper that
 * nobody wakes is a lost wake-up and shows as a process asleep for good.
 *
 * Configurations (MODEL_CHAN_CONFIGS in the Makefile): NPROD=2 (two
 * producers of one message, a subscriber); the same with SLOTS=1; NPROD=1,
 * NMSG=3,ABORT (aborts); NPROD=1,NMSG=3,JOIN,NSUB=0 (a late subscriber);
 * NPROD=1,NMSG=2,GROUP,NSUB=0 (a group of two members), and the same with
 * CAP=2 and no kills.  Other knobs: NMSG2 (messages of producer 2), NSUB,
 * NKILL (kills, 1 by default), ANYLEN (lengths chosen freely, not per
 * producer), EXACTLOST.  Two producers with a late subscriber, or with a
 * group, take tens of millions of states: too many for make model.
 *
 * Fixes to the note's protocol (notes/chan-model-findings.md), on by
 * default; each of the note's versions is a mutant spin must catch:
 *   STALEINTENT  a producer whose CAS failed and whose retry finds the ring
 *                full sleeps (or returns EAGAIN) with its intent still set:
 *                a receiver waits on it for ever behind a dead claim (P).
 *   NOCATCHUP    a receiver that skipped gaps or aborts up to the tail
 *                keeps its published pos (and bpos) before them: producers
 *                full for ever with no process dead (P).  Fix: on t.seq == r
 *                take bpos = t.bpos and publish {r | bpos}, wake producers.
 *   STALEHOLD    a member whose CAS on next failed keeps hold_n set: the
 *                floor stays at a message nobody holds (P).  Fix: hold_n = 0
 *                and a look at tx_waiters.
 *   JOINNOWAKE   a joiner stores its start without a look at tx_waiters: a
 *                producer full because of the provisional pos waits for
 *                its poll (P).
 *   EXACTLOST    (a check, not a fix) delivered + lost == committed for a
 *                group: a member killed between its hold store and its CAS
 *                on next is counted lost although another member gets the
 *                message (C).  By default the check is delivered <=
 *                committed <= delivered + lost.
 * Mutants (broken variants, each caught): NOINTENT (intent stored after the
 * CAS: G), EARLYCLEAR (intent cleared before the word: G), NOSCAN (no scan
 * of intents in the stuck-check: G), WORDFIRST (desc.word before desc.pos:
 * D), NOLAP (a stamp of an older lap reads as committed: D), NOWAKE (no
 * look at rx_waiters after a commit: W), NOMB (no membarrier before a
 * receiver sleeps: W), NOREREAD (a joiner starts at the tail read before
 * its entry: D), NOJOINBAR (its entry's stores pass that read: D), NOHOLD
 * (the floor ignores holds: D).  D: pay_ok or no_ebad; G: gap_ok; W:
 * wake_ok; P: prod_ok; C: cnt_ok.
 */

#ifndef SLOTS
#define SLOTS   2
#endif
#ifndef CAP
#define CAP     4          /* the data ring, in units */
#endif
#ifndef MAXLEN
#define MAXLEN  2
#endif
#define GAP     255
#define ABRT    254
#ifndef NPROD
#define NPROD   2
#endif
#ifndef NMSG
#define NMSG    1          /* messages of producer 1 */
#endif
#ifndef NMSG2
#define NMSG2   NMSG       /* ... of producer 2 */
#endif
#ifndef NSUB
#define NSUB    1          /* subscribers there from the start */
#endif
#ifdef JOIN
#define NJOIN   1
#else
#define NJOIN   0
#endif
#ifdef GROUP
#define NMEM    2
#else
#define NMEM    0
#endif
#ifndef NKILL
#define NKILL   1
#endif
#define JE      NSUB                 /* the late subscriber's entry */
#define ME0     (NSUB + NJOIN)       /* the first member's entry */
#define NRX     (NSUB + NJOIN + NMEM)
#define RXP(e)  (NPROD + 1 + (e))    /* process number of entry e */
#define NPROC   (NPROD + NRX + 1)
#if NPROD > 1
#define MAXS    (NMSG + NMSG2 + 1)
#else
#define MAXS    (NMSG + 1)
#endif

#define MOD(x)        ((x) & 255)
#define NEWER(s, r)   (MOD((s) - (r)) != 0 && MOD((s) - (r)) < 128)
#ifndef NOLAP
#define COMMITTED(s, r) ((s) == (r))
#else
/* the mutant: a stamp of any lap of this index reads as committed */
#define COMMITTED(s, r) (MOD((s) - (r)) % SLOTS == 0 && !NEWER(s, r))
#endif

/* the channel */
byte tseq, tb;                      /* tail */
byte dlen[SLOTS], dst[SLOTS], dpos[SLOTS];
byte cell[CAP];
byte rx_seq, rx_waiters, tx_seq, tx_waiters;
byte ifirst[NPROD + 1], icount[NPROD + 1];     /* producer entries: intent */
byte rowner[NRX];                   /* receiver entries: owner, 0 free */
byte rps[NRX], rpb[NRX];            /* subscriber pos */
byte hs[NRX], hb[NRX], hn[NRX];     /* member hold, hold_n */
byte gns, gnb;                      /* group next */
byte glost;

/* store buffers */
bit pw[NPROD + 1];                  /* word store pending */
byte pwi[NPROD + 1], pwl[NPROD + 1], pws[NPROD + 1];
bit pi[NPROD + 1];                  /* intent clear pending */
bit pr[NRX];                        /* release store pending */
byte prs[NRX], prb[NRX];

bool alive[NPROC];
bit rxs[NPROC], txs[NPROC];          /* asleep on rx_seq / tx_seq */
byte deaths, kills = NKILL;
byte ichg;                          /* intents withdrawn without a commit */

/* ghost */
byte cmid[MAXS];                    /* id committed for seq, 0 none */
byte clm[MAXS];                     /* claimer of seq */
byte rr[NRX];                       /* where receiver e looks */
byte start[NRX];                    /* a subscriber's first seq */
byte sdel[NRX];                     /* messages handed to subscriber e */
byte gdone, gmask;                  /* group: messages released, ids */
bit joined[NRX];
bit ghold[NRX];                     /* a member holds a message it took */
bit pdone[NPROD + 1];
bool ebad;

inline flushp(p) {
	if
	:: pw[p] -> dlen[pwi[p]] = pwl[p]; dst[pwi[p]] = pws[p]; pw[p] = 0
	:: else
	fi;
	if
	:: pi[p] -> icount[p] = 0; pi[p] = 0
	:: else
	fi
}
/* one entry of the buffer drains: the word first (with EARLYCLEAR, the
 * intent clear was stored first) */
inline drain1(p) {
	if
#ifndef EARLYCLEAR
	:: pw[p] -> dlen[pwi[p]] = pwl[p]; dst[pwi[p]] = pws[p]; pw[p] = 0
	:: !pw[p] && pi[p] -> icount[p] = 0; pi[p] = 0
#else
	:: pi[p] -> icount[p] = 0; pi[p] = 0
	:: !pi[p] && pw[p] -> dlen[pwi[p]] = pwl[p]; dst[pwi[p]] = pws[p]; pw[p] = 0
#endif
	fi
}
inline flushr(e) {
	if
	:: pr[e] && e < ME0 -> rps[e] = prs[e]; rpb[e] = prb[e]; pr[e] = 0
	:: pr[e] && e >= ME0 -> hn[e] = 0; pr[e] = 0
	:: else
	fi
}
inline wake_rx() {
	k = 1;
	do
	:: k < NPROC -> rxs[k] = 0; k++
	:: else -> break
	od;
	k = 0
}
inline wake_tx() {
	k = 1;
	do
	:: k < NPROC -> txs[k] = 0; k++
	:: else -> break
	od;
	k = 0
}

/* the floor scan: one entry's position counts */
inline account(s, b) {
	if
	:: MOD(x - (s)) < 128 ->           /* not newer than the tail read */
		if
		:: MOD(x - (s)) > SLOTS || y - (b) > CAP -> ebad = true
		:: else
		fi;
		if
		:: MOD(x - (s)) > MOD(x - fs) -> fs = s
		:: else
		fi;
		if
		:: (b) < fb -> fb = b
		:: else
		fi
	:: else
	fi
}
inline floor_scan() {
	atomic { x = tseq; y = tb; fs = x; fb = y };
#if NMEM > 0
	atomic { gs = gns; gb = gnb; gcount = false };
#endif
	i = 0;
	do
	:: i < NRX ->
		atomic {
			if
			:: rowner[i] != 0 && alive[rowner[i]] ->
				if
				:: i < ME0 -> account(rps[i], rpb[i])
				:: else ->
					gcount = true;
#ifndef NOHOLD
					if
					:: hn[i] != 0 -> account(hs[i], hb[i])
					:: else
					fi
#endif
				fi
			:: else
			fi;
			i++
		}
	:: else -> break
	od;
	i = 0;
#if NMEM > 0
	atomic {
		if
		:: gcount -> account(gs, gb)
		:: else
		fi;
		gs = 0; gb = 0; gcount = false
	};
#endif
	atomic { assert(!ebad); x = 0; y = 0 }                   /* no_ebad */
}
#define FULL    (en - fb > CAP || MOD(ts + 1 - fs) > SLOTS)

proctype producer(byte me)
{
	byte k, n = 0, ln, ts, tbb, st, en, fs = 0, fb = 0, x, y, i, v, d;
	byte gs, gb, id;
	bool gcount, ab = false;

	{
	do
	:: (me == 1 && n < NMSG) || (me == 2 && n < NMSG2) ->
		id = (me - 1) * NMSG + n + 1;
#ifdef ANYLEN
		if
		:: ln = 1
		:: ln = 2
		fi;
#else
		/* producer 1 sends 2-unit messages, producer 2 1-unit ones:
		 * their interleavings put frames across the ring's end */
		ln = MAXLEN - (me - 1) % MAXLEN;
#endif
#ifdef ABORT
		if
		:: ab = true
		:: ab = false
		fi;
#endif
retry:
		atomic {
			ts = tseq; tbb = tb;
			st = tbb;
			if
			:: st % CAP + ln > CAP -> st = st + CAP - st % CAP
			:: else
			fi;
			en = st + ln
		};
		if
		:: FULL ->
			floor_scan();
			if
			:: FULL ->
				/* sleep for space */
#ifndef STALEINTENT
				atomic {
					flushp(me);
					if
					:: icount[me] != 0 -> ichg++; icount[me] = 0
					:: else
					fi
				};
#endif
				atomic { tx_waiters++ };
				atomic {            /* membarrier */
					i = 0;
					do
					:: i < NRX -> flushr(i); i++
					:: else -> break
					od;
					i = 0
				};
				atomic { v = tx_seq; d = deaths };
				floor_scan();
				if
				:: atomic { !FULL -> tx_waiters-- }; goto retry
				:: else
				fi;
				atomic {
					if
					:: tx_seq == v -> txs[me] = 1
					:: else
					fi
				};
end_tx:				if
				:: !txs[me]
				:: atomic { txs[me] && deaths != d -> txs[me] = 0 }
				fi;
				atomic { tx_waiters--; v = 0; d = 0 };
				goto retry
			:: else
			fi
		:: else
		fi;
		/* intent, then the CAS on tail (a locked instruction) */
#ifndef NOINTENT
		atomic {
			flushp(me);
			if          /* over a stale intent: a waiter polls */
			:: icount[me] != 0 -> ichg++
			:: else
			fi;
			ifirst[me] = ts; icount[me] = 1
		};
#endif
		atomic {
			if
			:: tseq == ts && tb == tbb ->
				flushp(me); tseq = ts + 1; tb = en; clm[ts] = me
			:: else -> goto retry
			fi
		};
#ifdef NOINTENT
		atomic { ifirst[me] = ts; icount[me] = 1 };
#endif
		/* the payload, then desc.pos (plain stores, in order) */
		atomic {
			i = 0;
			do
			:: i < ln -> cell[(st + i) % CAP] = id; i++
			:: else -> break
			od;
			i = 0;
#ifndef WORDFIRST
			dpos[ts % SLOTS] = st
#endif
		};
		/* commit: desc.word (store-release), then intent count 0: both
		 * enter the store buffer, to drain in that order */
		atomic {
			flushp(me);
			pw[me] = 1; pwi[me] = ts % SLOTS; pws[me] = ts;
			if
			:: ab -> pwl[me] = ABRT
			:: else -> pwl[me] = ln; cmid[ts] = id
			fi;
			pi[me] = 1
		};
#ifdef WORDFIRST
		atomic { flushp(me); dpos[ts % SLOTS] = st };
#endif
		/* a compiler barrier, the load of rx_waiters (it may pass the
		 * buffered stores); if set, rx_seq++ (locked) and FUTEX_WAKE */
		atomic {
#ifndef NOWAKE
			if
			:: rx_waiters != 0 -> flushp(me); rx_seq++; wake_rx()
			:: else
			fi;
#endif
			ts = 0; tbb = 0; st = 0; en = 0; ln = 0; ab = false;
			n++
		}
	:: else -> break
	od;
	pdone[me] = 1
	} unless { !alive[me] }
}

/* the recheck of a held message at its release */
#define PAYLOAD(p, l, id) (cell[(p) % CAP] == (id) && \
	((l) < 2 || cell[((p) + 1) % CAP] == (id)))

proctype receiver(byte me; byte e)
{
	byte r, b, wl, ws, p, ts, tbb, i, v, d, dic, k;
	byte hid, hp, hl;
	byte lastk[NPROD + 1];
	bool held = false, live, grp, pay_ok, ord_ok, gap_ok;

	{
	grp = (e >= ME0);
	if
	:: e == JE && NJOIN ->
		/* join: pos = tail read before; a full barrier; tail again is
		 * the start */
		atomic { ts = tseq; tbb = tb };
#ifndef NOJOINBAR
		atomic { rowner[e] = me; rps[e] = ts; rpb[e] = tbb };
#endif
#ifndef NOREREAD
		atomic { ts = tseq; tbb = tb };
#endif
#ifdef NOJOINBAR
		/* the entry's stores pass the load of tail */
		atomic { rowner[e] = me; rps[e] = ts; rpb[e] = tbb };
#endif
		atomic { pr[e] = 1; prs[e] = ts; prb[e] = tbb; r = ts; b = tbb;
			start[e] = ts; joined[e] = 1; ts = 0; tbb = 0 };
#ifndef JOINNOWAKE
		/* as a release does: a producer may sleep for space because
		 * of the provisional position */
		if
		:: tx_waiters != 0 -> atomic { flushr(e); tx_seq++; wake_tx() }
		:: else
		fi
#endif
	:: else -> joined[e] = 1
	fi;
top:
	/* release what is held: the application was done with it */
	if
	:: held ->
		atomic {
			pay_ok = PAYLOAD(hp, hl, hid);
			assert(pay_ok);
			if
			:: grp -> gdone++; ghold[e] = 0
			:: else
			fi;
			held = false; hid = 0; hp = 0; hl = 0
		};
		atomic { flushr(e); pr[e] = 1; prs[e] = r; prb[e] = b };
		if
		:: tx_waiters != 0 ->        /* may pass the buffered store */
			atomic { flushr(e); tx_seq++; wake_tx() }
		:: else
		fi
	:: else
	fi;
look:
	if
	:: grp -> atomic { r = gns; b = gnb }
	:: else
	fi;
	atomic { wl = dlen[r % SLOTS]; ws = dst[r % SLOTS] };
	if
	:: COMMITTED(ws, r) && (wl == GAP || wl == ABRT) ->
		/* skip */
		if
		:: grp ->
			atomic {
				if
				:: gns == r && gnb == b -> gns = r + 1
				:: else
				fi
			}
		:: else -> r++
		fi;
		goto look
	:: COMMITTED(ws, r) && wl != GAP && wl != ABRT ->
		p = dpos[r % SLOTS];
		if
		:: MOD(p - b) >= CAP || p % CAP + wl > CAP || wl > MAXLEN ->
#ifdef GROUP
			/* a member that read a stale next: not a scribble */
			if
			:: atomic { grp && (gns != r || gnb != b) } -> goto look
			:: else
			fi;
#endif
			atomic { ebad = true; assert(!ebad) }            /* no_ebad */
		:: else
		fi;
		if
		:: grp ->
			/* take: hold, then CAS next */
			atomic { flushr(e); hs[e] = r; hb[e] = p; hn[e] = 1 };
			if
			:: atomic { gns == r && gnb == b ->
				gns = r + 1; gnb = p + wl; ghold[e] = 1 }
			:: atomic { gns != r || gnb != b } ->
#ifndef STALEHOLD
				/* lost the race: the hold is not ours; a producer
				 * may have found the ring full because of it */
				atomic { flushr(e); pr[e] = 1 };
				if
				:: tx_waiters != 0 ->
					atomic { flushr(e); tx_seq++; wake_tx() }
				:: else
				fi;
#endif
				goto look
			fi
		:: else
		fi;
		/* the payload, handed out */
		atomic {
			hid = cmid[r % MAXS];
			pay_ok = hid != 0 && PAYLOAD(p, wl, hid);
			assert(pay_ok);
			k = (hid - 1) / NMSG + 1;
			ord_ok = (hid - 1) % NMSG + 1 > lastk[k];
			lastk[k] = (hid - 1) % NMSG + 1;
			if
			:: grp -> ord_ok = ord_ok && (gmask & (1 << hid)) == 0;
				gmask = gmask | (1 << hid)
			:: else -> sdel[e]++
			fi;
			assert(ord_ok);
			held = true; hp = p; hl = wl; k = 0
		};
		r = r + 1; b = p + wl; p = 0; wl = 0; ws = 0;
		goto top
	:: NEWER(ws, r) ->
		if
		:: atomic { grp && (gns != r || gnb != b) } -> goto look
		:: else -> atomic { ebad = true; assert(!ebad) }    /* no_ebad */
		fi
	:: else
	fi;
	/* not committed: stuck-check.  Tail, then the live producers'
	 * intents (one step: a live claimer's intent stays set from before
	 * its CAS until after its word is visible, so the order of these
	 * reads among themselves adds no outcome) */
	atomic {
		d = deaths; dic = ichg; ts = tseq; tbb = tb;
		live = false;
		if
		:: ts != r ->
#ifndef NOSCAN
			i = 1;
			do
			:: i <= NPROD ->
				if
				:: alive[i] && MOD(r - ifirst[i]) < icount[i] ->
					live = true
				:: else
				fi;
				i++
			:: else -> break
			od;
			i = 0;
#endif
			skip
		:: else
		fi
	};
	if
	:: ts == r ->
#ifndef NOCATCHUP
		/* caught up: everything before the tail is passed */
		if
		:: b != tbb ->
			if
			:: grp ->
				atomic {
					if
					:: gns == r && gnb == b -> gnb = tbb
					:: else
					fi
				}
			:: else ->
				b = tbb;
				atomic { flushr(e); pr[e] = 1; prs[e] = r; prb[e] = b }
			fi;
			if
			:: tx_waiters != 0 ->
				atomic { flushr(e); tx_seq++; wake_tx() }
			:: else
			fi
		:: else
		fi;
#endif
		goto sleep
	:: live -> live = false; goto sleep
	:: else
	fi;
	atomic {       /* CAS desc[r] old stamp -> gap */
		if
		:: dst[r % SLOTS] == ws && dlen[r % SLOTS] == wl ->
			gap_ok = !alive[clm[r % MAXS]];
			assert(gap_ok);
			dlen[r % SLOTS] = GAP; dst[r % SLOTS] = r
		:: else
		fi
	};
	goto look;
sleep:
	atomic {
		ts = 0; tbb = 0;
		flushr(e); rx_waiters++; rr[e] = r;      /* locked: a full barrier */
#ifndef NOMB
		/* membarrier(GLOBAL_EXPEDITED): every producer's buffer drains */
		i = 1;
		do
		:: i <= NPROD -> flushp(i); i++
		:: else -> break
		od;
		i = 0
#endif
	};
	/* v = rx_seq; re-check; futex_wait(rx_seq, v) */
	atomic {
		v = rx_seq;
		if
		:: dst[r % SLOTS] != ws || dlen[r % SLOTS] != wl ||
		   (grp && (gns != r || gnb != b)) -> rx_waiters--; live = true
		:: else
		fi
	};
	if
	:: live -> live = false; v = 0; goto look
	:: else
	fi;
	atomic {
		if
		:: rx_seq == v -> rxs[me] = 1
		:: else
		fi
	};
end_rx:	if
	:: !rxs[me]
	/* the poll runs out: matters after a death, or when an intent it
	 * waited for was withdrawn (a failed CAS's) with no wake-up */
	:: atomic { rxs[me] && (deaths != d || ichg != dic) -> rxs[me] = 0 }
	fi;
	atomic { rx_waiters--; v = 0; d = 0; dic = 0 };
	goto look
	} unless { !alive[me] }
}

proctype env()
{
	byte k;
end:
	do
	:: atomic { pw[1] || pi[1] -> drain1(1) }
#if NPROD > 1
	:: atomic { pw[2] || pi[2] -> drain1(2) }
#endif
	:: atomic { pr[0] -> flushr(0) }
#if NRX > 1
	:: atomic { pr[1] -> flushr(1) }
#endif
#if NRX > 2
	:: atomic { pr[2] -> flushr(2) }
#endif
	:: atomic { kills > 0 && alive[1] && !pdone[1] ->
		flushp(1); alive[1] = false; deaths++; kills-- }
#if NPROD > 1
	:: atomic { kills > 0 && alive[2] && !pdone[2] ->
		flushp(2); alive[2] = false; deaths++; kills-- }
#endif
	:: atomic { kills > 0 && alive[RXP(0)] ->
		flushr(0); alive[RXP(0)] = false; deaths++; kills-- }
#if NRX > 1
	:: atomic { kills > 0 && alive[RXP(1)] ->
		flushr(1); alive[RXP(1)] = false; deaths++; kills-- }
#endif
#if NRX > 2
	:: atomic { kills > 0 && alive[RXP(2)] ->
		flushr(2); alive[RXP(2)] = false; deaths++; kills-- }
#endif
	:: atomic { kills > 0 -> kills = 0 }
	od
}

init {
	byte k, s, c, lost;
	bool wake_ok, prod_ok, rx_ok, cnt_ok;

	atomic {
		k = 0;
		do
		:: k < SLOTS -> dst[k] = k - SLOTS; k++
		:: else -> break
		od;
		k = 1;
		do
		:: k <= NPROD -> alive[k] = true; run producer(k); k++
		:: else -> break
		od;
		k = 0;
		do
		:: k < NRX ->
			alive[RXP(k)] = true;
			if
			:: k != JE || !NJOIN -> rowner[k] = RXP(k)
			:: else
			fi;
			run receiver(RXP(k), k); k++
		:: else -> break
		od;
		run env()
	};
	timeout ->
	atomic {
	/* wake_ok: nobody asleep with its next message committed */
	k = 0;
	do
	:: k < NRX ->
		wake_ok = !(alive[RXP(k)] && rxs[RXP(k)] &&
		            dst[rr[k] % SLOTS] == rr[k]);
		assert(wake_ok);
		k++
	:: else -> break
	od;
	/* prod_ok: live producers are done */
	k = 1;
	do
	:: k <= NPROD -> prod_ok = !alive[k] || pdone[k]; assert(prod_ok); k++
	:: else -> break
	od;
	/* rx_ok: live receivers reached the tail */
	k = 0;
	do
	:: k < NRX ->
		rx_ok = !alive[RXP(k)] || !joined[k] || rr[k] == tseq;
		assert(rx_ok);
		k++
	:: else -> break
	od;
	/* cnt_ok: subscribers got every committed message from their start */
	k = 0;
	do
	:: k < ME0 ->
		c = 0; s = start[k];
		do
		:: s != tseq -> c = c + (cmid[s] != 0); s++
		:: else -> break
		od;
		cnt_ok = !alive[RXP(k)] || !joined[k] || sdel[k] == c;
		assert(cnt_ok);
		k++
	:: else -> break
	od;
#if NMEM > 0
	/* the group: done (released, or held by a live member) plus lost
	 * (held by a dead member: counted by whoever frees its entry) */
	c = 0; s = 0;
	do
	:: s != tseq -> c = c + (cmid[s] != 0); s++
	:: else -> break
	od;
	lost = glost; s = gdone;
	k = ME0;
	do
	:: k < NRX ->
		if
		:: alive[RXP(k)] -> s = s + ghold[k]
		:: else -> lost = lost + hn[k]
		fi;
		k++
	:: else -> break
	od;
	if
	:: alive[RXP(ME0)] || alive[RXP(ME0 + 1)] ->
#ifdef EXACTLOST
		cnt_ok = s + lost == c;
#else
		cnt_ok = s <= c && s + lost >= c;
#endif
		assert(cnt_ok)
	:: else
	fi;
#endif
	skip
	}
}
